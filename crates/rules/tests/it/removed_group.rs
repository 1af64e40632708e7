//! A group removed by a reload marks its series stale two intervals later, stamped with
//! the time the group stopped, as Prometheus does (it captures `now` when the group's
//! loop ends, then waits before writing).

use std::sync::Arc;
use std::time::{Duration, Instant};

use promlite_config::GlobalConfig;
use promlite_model::{is_stale_nan, ManualClock, Matcher};
use promlite_promql::{Engine, EngineOptions};
use promlite_rules::{RuleManager, RuleManagerDeps, RuleManagerOptions};
use promlite_storage::{MemStorage, Queryable, SelectHints};

const T0: i64 = 1_000_000;

fn samples_of_x(storage: &MemStorage) -> Vec<(i64, f64)> {
    let q = storage.querier(0, i64::MAX / 2).unwrap();
    let mut set = q
        .select(
            &[Matcher::equal("__name__", "x")],
            &SelectHints::range(0, i64::MAX / 2),
        )
        .unwrap();
    let samples = match set.next() {
        Some(s) => s
            .unwrap()
            .samples(0, i64::MAX / 2)
            .unwrap()
            .into_iter()
            .map(|s| (s.t, s.v))
            .collect(),
        None => Vec::new(),
    };
    drop(set);
    samples
}

#[test]
fn removed_group_is_marked_stale_at_its_removal_time() {
    let storage = Arc::new(MemStorage::new());
    let clock = ManualClock::new(T0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yml");
    std::fs::write(
        &path,
        "groups:\n  - name: g\n    interval: 1s\n    rules:\n      - record: x\n        expr: vector(1)\n",
    )
    .unwrap();
    let m = RuleManager::new(
        RuleManagerOptions::default(),
        RuleManagerDeps::over_storage(
            storage.clone(),
            Engine::new(EngineOptions::default()),
            clock.clone(),
        ),
    );
    m.apply(std::slice::from_ref(&path), &GlobalConfig::default())
        .unwrap();
    m.eval_all_at(T0 - 1000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    m.start(rt.handle());

    // The reload removes the group at T0; the clock moves on before the marker is due.
    m.apply(&[], &GlobalConfig::default()).unwrap();
    clock.set(T0 + 10_000);
    let deadline = Instant::now() + Duration::from_secs(10);
    let last = loop {
        let samples = samples_of_x(&storage);
        if let Some(&(t, v)) = samples.last().filter(|(_, v)| is_stale_nan(*v)) {
            break (t, v);
        }
        assert!(Instant::now() < deadline, "no stale marker: {samples:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(last.0, T0, "stale marker stamped at the removal time");
    m.stop();
}
