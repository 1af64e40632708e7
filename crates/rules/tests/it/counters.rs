//! The evaluation counters behind `prometheus_rule_*` (`RuleGroupView::counters`):
//! evaluations, failures (a recording rule whose two series get one label set from the
//! rule's labels), iterations and samples, kept when a reload changes the group.

use std::sync::Arc;

use promlite_config::GlobalConfig;
use promlite_model::ManualClock;
use promlite_promql::{Engine, EngineOptions};
use promlite_rules::{GroupCounters, RuleManager, RuleManagerDeps, RuleManagerOptions};
use promlite_storage::MemStorage;

const RULES: &str = "groups:\n  - name: g\n    rules:\n      - record: ok\n        expr: vector(1)\n      - record: failing\n        expr: label_replace(vector(1), \"a\", \"1\", \"\", \"\") or label_replace(vector(1), \"a\", \"2\", \"\", \"\")\n        labels:\n          a: same\n";

#[test]
fn counters_count_evaluations_failures_and_samples() {
    let storage = Arc::new(MemStorage::new());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yml");
    std::fs::write(&path, RULES).unwrap();
    let m = RuleManager::new(
        RuleManagerOptions::default(),
        RuleManagerDeps::over_storage(
            storage.clone(),
            Engine::new(EngineOptions::default()),
            ManualClock::new(0),
        ),
    );
    m.apply(std::slice::from_ref(&path), &GlobalConfig::default())
        .unwrap();
    for i in 1..=3 {
        m.eval_all_at(i * 60_000);
    }
    let counters = |m: &RuleManager| m.rule_groups()[0].counters;
    assert_eq!(
        counters(&m),
        GroupCounters {
            evaluations: 6,
            evaluation_failures: 3,
            iterations: 3,
            iterations_missed: 0,
            last_samples: 1,
        }
    );
    assert_eq!(m.rule_groups()[0].rules[1].health, "err");

    // A reload that changes the group keeps its counters.
    std::fs::write(
        &path,
        format!("{RULES}      - record: more\n        expr: vector(2)\n"),
    )
    .unwrap();
    m.apply(std::slice::from_ref(&path), &GlobalConfig::default())
        .unwrap();
    m.eval_all_at(4 * 60_000);
    let after = counters(&m);
    assert_eq!((after.evaluations, after.evaluation_failures), (9, 4));
    assert_eq!((after.iterations, after.last_samples), (4, 2));
}
