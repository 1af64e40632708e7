//! Alert state machine, ALERTS series, recording rules, keep_firing_for and restoring
//! `for` state after a restart, driven through `RuleManager::eval_all_at`.

use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;
use promlite_config::GlobalConfig;
use promlite_model::{Labels, ManualClock, Matcher, SharedClock};
use promlite_promql::{Engine, EngineOptions};
use promlite_rules::{
    AlertSender, NotifierAlert, RuleKindView, RuleManager, RuleManagerDeps, RuleManagerOptions,
};
use promlite_storage::{Appendable, MemStorage, Queryable, SelectHints};

#[derive(Default)]
struct Captured(Mutex<Vec<NotifierAlert>>);

impl AlertSender for Captured {
    fn send(&self, alerts: Vec<NotifierAlert>) {
        self.0.lock().extend(alerts);
    }
}

struct Fixture {
    manager: RuleManager,
    sent: Arc<Captured>,
    _dir: tempfile::TempDir,
    files: Vec<PathBuf>,
}

fn fixture(rules: &str, storage: Arc<MemStorage>) -> Fixture {
    let storage: Arc<MemStorage> = storage;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yml");
    std::fs::write(&path, rules).unwrap();
    let sent = Arc::new(Captured::default());
    let clock: SharedClock = ManualClock::new(0);
    let deps = RuleManagerDeps {
        sender: Some(sent.clone()),
        ..RuleManagerDeps::over_storage(
            storage.clone(),
            Engine::new(EngineOptions::default()),
            clock,
        )
    };
    let opts = RuleManagerOptions {
        external_url: "http://prom:9090".into(),
        ..RuleManagerOptions::default()
    };
    let manager = RuleManager::new(opts, deps);
    let files = vec![path];
    manager.apply(&files, &GlobalConfig::default()).unwrap();
    Fixture {
        manager,
        sent,
        _dir: dir,
        files,
    }
}

fn append(storage: &MemStorage, pairs: &[(&str, &str)], t: i64, v: f64) {
    let mut app = storage.appender();
    app.append(None, &Labels::from_pairs(pairs.iter().copied()), t, v)
        .unwrap();
    app.commit().unwrap();
}

fn series(storage: &MemStorage, name: &str) -> Vec<(Labels, Vec<(i64, f64)>)> {
    let q = storage.querier(i64::MIN / 2, i64::MAX / 2).unwrap();
    let set = q
        .select(
            &[Matcher::equal("__name__", name)],
            &SelectHints::range(i64::MIN / 2, i64::MAX / 2),
        )
        .unwrap();
    set.map(|s| {
        let s = s.unwrap();
        let samples = s
            .samples(i64::MIN / 2, i64::MAX / 2)
            .unwrap()
            .into_iter()
            .map(|x| (x.t, x.v))
            .collect();
        (s.labels().clone(), samples)
    })
    .collect()
}

const RULES: &str = r#"
groups:
  - name: g
    interval: 1m
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: InstanceDown
        expr: up == 0
        for: 2m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.instance }} down ({{ $value }})"
"#;

fn state_of(f: &Fixture) -> (String, Vec<(String, String)>) {
    let groups = f.manager.rule_groups();
    let rule = &groups[0].rules[1];
    match &rule.kind {
        RuleKindView::Alerting { state, alerts, .. } => (
            state.to_string(),
            alerts
                .iter()
                .map(|a| (a.state.to_string(), a.annotations[0].1.clone()))
                .collect(),
        ),
        RuleKindView::Recording => panic!("expected alerting rule"),
    }
}

#[test]
fn pending_then_firing_then_resolved() {
    let storage = Arc::new(MemStorage::new());
    let f = fixture(RULES, storage.clone());
    let minute = 60_000;
    for i in 0..=10 {
        let v = if (2..6).contains(&i) { 0.0 } else { 1.0 };
        append(
            &storage,
            &[("__name__", "up"), ("job", "api"), ("instance", "a:9100")],
            i * minute,
            v,
        );
    }
    // Up: inactive, and the recording rule writes its series.
    f.manager.eval_all_at(minute);
    assert_eq!(state_of(&f).0, "inactive");
    assert_eq!(series(&storage, "job:up:sum")[0].1, vec![(minute, 1.0)]);
    f.manager.restore_for_state_at(minute);
    // Down at 2m: pending.
    f.manager.eval_all_at(2 * minute);
    assert_eq!(
        state_of(&f),
        (
            "pending".into(),
            vec![("pending".into(), "a:9100 down (0)".into())]
        )
    );
    f.manager.eval_all_at(3 * minute);
    assert_eq!(state_of(&f).0, "pending");
    // 2m after activation: firing, and sent.
    f.manager.eval_all_at(4 * minute);
    assert_eq!(state_of(&f).0, "firing");
    {
        let sent = f.sent.0.lock();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].starts_at, Some(4 * minute));
        assert_eq!(sent[0].ends_at, Some(4 * minute + 4 * minute));
        assert_eq!(sent[0].labels.get("severity"), Some("page"));
        assert_eq!(
            sent[0].generator_url,
            "http://prom:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1"
        );
    }
    // Re-sent only after the resend delay (1m): at 5m it is not yet due.
    f.manager.eval_all_at(5 * minute);
    assert_eq!(f.sent.0.lock().len(), 1);
    // Up again at 6m: resolved, sent with endsAt = resolution time.
    f.manager.eval_all_at(6 * minute);
    assert_eq!(state_of(&f).0, "inactive");
    {
        let sent = f.sent.0.lock();
        let last = sent.last().unwrap();
        assert_eq!(last.ends_at, Some(6 * minute));
    }
    assert!(f.manager.alerts().is_empty());
    // ALERTS: pending at 2m, 3m, then firing 4m, 5m, then stale markers.
    let alerts = series(&storage, "ALERTS");
    let pending = alerts
        .iter()
        .find(|(l, _)| l.get("alertstate") == Some("pending"))
        .unwrap();
    assert_eq!(&pending.1[..2], &[(2 * minute, 1.0), (3 * minute, 1.0)]);
    assert!(pending.1[2].1.is_nan());
    let firing = alerts
        .iter()
        .find(|(l, _)| l.get("alertstate") == Some("firing"))
        .unwrap();
    assert_eq!(firing.0.get("severity"), Some("page"));
    assert_eq!(&firing.1[..2], &[(4 * minute, 1.0), (5 * minute, 1.0)]);
    assert!(firing.1[2].1.is_nan());
    let for_state = series(&storage, "ALERTS_FOR_STATE");
    assert_eq!(for_state[0].1[0], (2 * minute, 120.0));
}

#[test]
fn keep_firing_for_holds_the_alert() {
    let rules = r#"
groups:
  - name: k
    interval: 1m
    rules:
      - alert: Flappy
        expr: flap > 0
        keep_firing_for: 3m
"#;
    let storage = Arc::new(MemStorage::new());
    let minute = 60_000;
    for i in 0..=8 {
        append(
            &storage,
            &[("__name__", "flap")],
            i * minute,
            if i <= 1 { 1.0 } else { 0.0 },
        );
    }
    let f = fixture(rules, storage);
    let state = |f: &Fixture| match &f.manager.rule_groups()[0].rules[0].kind {
        RuleKindView::Alerting { state, alerts, .. } => (
            state.to_string(),
            alerts.first().and_then(|a| a.keep_firing_since),
        ),
        RuleKindView::Recording => unreachable!(),
    };
    f.manager.eval_all_at(minute);
    assert_eq!(state(&f), ("firing".into(), None));
    f.manager.eval_all_at(2 * minute);
    assert_eq!(state(&f), ("firing".into(), Some(2 * minute)));
    f.manager.eval_all_at(4 * minute);
    assert_eq!(state(&f).0, "firing");
    f.manager.eval_all_at(5 * minute);
    assert_eq!(state(&f).0, "inactive");
}

#[test]
fn for_state_is_restored_after_restart() {
    let storage = Arc::new(MemStorage::new());
    let minute = 60_000;
    for i in 0..=30 {
        append(
            &storage,
            &[("__name__", "up"), ("job", "api"), ("instance", "a:9100")],
            i * minute,
            0.0,
        );
    }
    let rules = RULES.replace("for: 2m", "for: 20m");
    // First process: pending from 1m, restored so ALERTS_FOR_STATE gets written.
    let f = fixture(&rules, storage.clone());
    f.manager.restore_for_state_at(0);
    for i in 1..=5 {
        f.manager.eval_all_at(i * minute);
    }
    drop(f);
    // Restart at 8m: the alert comes back pending with its old activation, shifted by
    // the 3m outage.
    let f = fixture(&rules, storage.clone());
    f.manager.eval_all_at(8 * minute);
    f.manager.restore_for_state_at(8 * minute);
    let groups = f.manager.rule_groups();
    let RuleKindView::Alerting { alerts, state, .. } = &groups[0].rules[1].kind else {
        unreachable!()
    };
    assert_eq!(*state, "pending");
    assert_eq!(alerts[0].active_at, minute + 3 * minute);
    // Fires 20m after the restored activation, not 20m after the restart.
    f.manager.eval_all_at(23 * minute);
    assert_eq!(f.manager.alerts()[0].state, "pending");
    f.manager.eval_all_at(24 * minute);
    assert_eq!(f.manager.alerts()[0].state, "firing");
}

#[test]
fn failing_rule_reports_error_and_others_still_run() {
    let rules = r#"
groups:
  - name: e
    interval: 30s
    rules:
      - record: bad
        expr: label_replace(x, "a", "$1", "b", "(")
      - record: good
        expr: vector(1)
"#;
    let storage = Arc::new(MemStorage::new());
    append(&storage, &[("__name__", "x")], 0, 1.0);
    let f = fixture(rules, storage.clone());
    f.manager.eval_all_at(1000);
    let groups = f.manager.rule_groups();
    assert_eq!(groups[0].rules[0].health, "err");
    assert!(!groups[0].rules[0].last_error.is_empty());
    assert_eq!(groups[0].rules[1].health, "ok");
    assert_eq!(series(&storage, "good")[0].1, vec![(1000, 1.0)]);
    // Reload with the same content keeps state; reload removing a rule keeps the group
    // and its other rule's state.
    f.manager.apply(&f.files, &GlobalConfig::default()).unwrap();
    assert_eq!(f.manager.rule_groups()[0].rules[1].health, "ok");
}

#[test]
fn eval_slot_matches_prometheus_offsets() {
    let storage = Arc::new(MemStorage::new());
    let f = fixture(RULES, storage);
    let _ = &f.files;
    // The slot is stable: evaluating at any time inside an interval gives the same slot.
    let groups = f.manager.rule_groups();
    assert_eq!(groups[0].interval_seconds, 60.0);
}
