//! Restoring `for` state across a restart: a first manager evaluates (writing
//! `ALERTS_FOR_STATE`), a second one on the same storage evaluates once and calls
//! `restore_for_state_at`, as Prometheus does after its second evaluation.

use std::path::PathBuf;
use std::sync::Arc;

use promlite_config::GlobalConfig;
use promlite_model::{Labels, ManualClock};
use promlite_promql::{Engine, EngineOptions};
use promlite_rules::{AlertView, RuleManager, RuleManagerDeps, RuleManagerOptions};
use promlite_storage::{Appendable, MemStorage};

const MINUTE: i64 = 60_000;

/// A manager over `storage` with one `up == 0` alert held for `hold`.
fn manager(storage: &Arc<MemStorage>, dir: &tempfile::TempDir, hold: &str) -> RuleManager {
    let path: PathBuf = dir.path().join("rules.yml");
    std::fs::write(
        &path,
        format!(
            "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n        for: {hold}\n"
        ),
    )
    .unwrap();
    let deps = RuleManagerDeps::over_storage(
        storage.clone(),
        Engine::new(EngineOptions::default()),
        ManualClock::new(0),
    );
    let m = RuleManager::new(RuleManagerOptions::default(), deps);
    m.apply(&[path], &GlobalConfig::default()).unwrap();
    m
}

/// `up{instance="a"} 0` every minute from 0 to `until_min`.
fn down_series(until_min: i64) -> Arc<MemStorage> {
    let storage = Arc::new(MemStorage::new());
    let mut app = storage.appender();
    let labels = Labels::from_pairs([("__name__", "up"), ("instance", "a")]);
    for i in 0..=until_min {
        app.append(None, &labels, i * MINUTE, 0.0).unwrap();
    }
    app.commit().unwrap();
    storage
}

fn only_alert(m: &RuleManager) -> AlertView {
    let alerts = m.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    alerts.into_iter().next().unwrap()
}

/// The first process: restored at once (so it writes `ALERTS_FOR_STATE`), evaluated at
/// every minute from `from_min` to `to_min`.
fn first_process(storage: &Arc<MemStorage>, hold: &str, from_min: i64, to_min: i64) -> AlertView {
    let dir = tempfile::tempdir().unwrap();
    let m = manager(storage, &dir, hold);
    m.restore_for_state_at(from_min * MINUTE);
    for i in from_min..=to_min {
        m.eval_all_at(i * MINUTE);
    }
    only_alert(&m)
}

#[test]
fn firing_alert_keeps_its_active_at_after_restart() {
    let storage = down_series(60);
    let before = first_process(&storage, "15m", 1, 20);
    assert_eq!((before.state, before.active_at), ("firing", MINUTE));
    // Restart one minute later: the alert was firing when the process went down, so
    // its activation time is kept as it was and it fires again right away.
    let dir = tempfile::tempdir().unwrap();
    let m = manager(&storage, &dir, "15m");
    m.eval_all_at(21 * MINUTE);
    assert_eq!(only_alert(&m).active_at, 21 * MINUTE);
    m.restore_for_state_at(21 * MINUTE);
    assert_eq!(only_alert(&m).active_at, MINUTE);
    m.eval_all_at(22 * MINUTE);
    let after = only_alert(&m);
    assert_eq!((after.state, after.active_at), ("firing", MINUTE));
}

#[test]
fn pending_alert_keeps_its_progress_after_an_immediate_restart() {
    let storage = down_series(60);
    let before = first_process(&storage, "30m", 1, 10);
    assert_eq!((before.state, before.active_at), ("pending", MINUTE));
    // Restored at the time of the last ALERTS_FOR_STATE sample: no outage to add.
    let dir = tempfile::tempdir().unwrap();
    let m = manager(&storage, &dir, "30m");
    m.eval_all_at(10 * MINUTE);
    m.restore_for_state_at(10 * MINUTE);
    assert_eq!(only_alert(&m).active_at, MINUTE);
    m.eval_all_at(30 * MINUTE);
    assert_eq!(only_alert(&m).state, "pending");
    m.eval_all_at(31 * MINUTE);
    assert_eq!(only_alert(&m).state, "firing");
}

#[test]
fn little_time_left_is_extended_to_the_grace_period() {
    let storage = down_series(60);
    // Pending since 1m with `for: 15m`; down after 12m with 4m left, which is less
    // than the 10m grace period.
    first_process(&storage, "15m", 1, 12);
    let dir = tempfile::tempdir().unwrap();
    let m = manager(&storage, &dir, "15m");
    m.eval_all_at(14 * MINUTE);
    m.restore_for_state_at(14 * MINUTE);
    // Fires 10m after the restore: active_at = restore + grace - for.
    assert_eq!(
        only_alert(&m).active_at,
        14 * MINUTE + 10 * MINUTE - 15 * MINUTE
    );
    m.eval_all_at(23 * MINUTE);
    assert_eq!(only_alert(&m).state, "pending");
    m.eval_all_at(24 * MINUTE);
    assert_eq!(only_alert(&m).state, "firing");
}

#[test]
fn short_for_is_not_restored() {
    let storage = down_series(60);
    // `for` below the 10m grace period: Prometheus does not restore such alerts.
    first_process(&storage, "5m", 1, 3);
    let dir = tempfile::tempdir().unwrap();
    let m = manager(&storage, &dir, "5m");
    m.eval_all_at(4 * MINUTE);
    m.restore_for_state_at(4 * MINUTE);
    assert_eq!(only_alert(&m).active_at, 4 * MINUTE);
}
