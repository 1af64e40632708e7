//! `RuleManagerOptions::parse_options`: rule expressions are parsed with the server's
//! PromQL feature switches, so an experimental function loads only when enabled.

use std::sync::Arc;

use promlite_config::GlobalConfig;
use promlite_model::ManualClock;
use promlite_promql::{Engine, EngineOptions};
use promlite_promql_parser::ParseOptions;
use promlite_rules::{RuleManager, RuleManagerDeps, RuleManagerOptions};
use promlite_storage::MemStorage;

fn manager(parse_options: ParseOptions) -> RuleManager {
    let storage = Arc::new(MemStorage::new());
    RuleManager::new(
        RuleManagerOptions {
            parse_options,
            ..RuleManagerOptions::default()
        },
        RuleManagerDeps::over_storage(
            storage,
            Engine::new(EngineOptions {
                enable_experimental_functions: true,
                ..EngineOptions::default()
            }),
            ManualClock::new(0),
        ),
    )
}

#[test]
fn experimental_functions_in_rules_follow_the_parse_options() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yml");
    std::fs::write(
        &path,
        "groups:\n  - name: g\n    rules:\n      - record: top\n        expr: limitk(1, vector(1))\n",
    )
    .unwrap();
    let files = [path];
    let err = manager(ParseOptions::default())
        .apply(&files, &GlobalConfig::default())
        .unwrap_err();
    assert!(err.to_string().contains("limitk"), "{err}");
    let enabled = ParseOptions {
        experimental_functions: true,
        ..ParseOptions::default()
    };
    let m = manager(enabled);
    m.apply(&files, &GlobalConfig::default()).unwrap();
    assert_eq!(m.rule_groups()[0].rules.len(), 1);
}
