//! Relabeling: the data-driven cases in `testdata/config/relabel_cases.yml`, and the
//! validation messages.

use std::collections::BTreeMap;
use std::path::PathBuf;

use promlite_config::relabel::{parse_relabel_configs, process};
use promlite_model::Labels;

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    input: BTreeMap<String, String>,
    relabel_configs: serde_norway::Value,
    #[serde(default)]
    output: Option<BTreeMap<String, String>>,
    #[serde(default)]
    dropped: bool,
}

fn cases_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/config/relabel_cases.yml")
}

#[test]
fn relabel_cases_from_prometheus_behaviour() {
    let text = std::fs::read_to_string(cases_path()).unwrap();
    let cases: Vec<Case> = serde_norway::from_str(&text).unwrap();
    assert!(cases.len() >= 35, "only {} cases", cases.len());
    for case in cases {
        let steps_yaml = serde_norway::to_string(&case.relabel_configs).unwrap();
        let steps = parse_relabel_configs(&steps_yaml)
            .unwrap_or_else(|e| panic!("{}: steps do not load: {e}", case.name));
        let input = Labels::from_pairs(case.input.iter());
        let got = process(&input, &steps);
        if case.dropped {
            assert!(
                got.is_none(),
                "{}: expected dropped, got {got:?}",
                case.name
            );
        } else {
            let want = Labels::from_pairs(case.output.as_ref().expect("output or dropped").iter());
            assert_eq!(got, Some(want), "{}", case.name);
        }
    }
}

fn validation_error(yaml: &str) -> String {
    match parse_relabel_configs(yaml) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn validation_messages_match_prometheus() {
    let cases = [
        ("- action: hashmod\n  target_label: x\n", "relabel configuration for hashmod requires non-zero modulus (line 1)"),
        ("- action: replace\n", "relabel configuration for replace action requires 'target_label' value (line 1)"),
        ("- action: lowercase\n", "relabel configuration for lowercase action requires 'target_label' value (line 1)"),
        ("- action: lowercase\n  target_label: x\n  replacement: y\n", "'replacement' can not be set for lowercase action (line 1)"),
        ("- action: keepequal\n  source_labels: [a]\n  target_label: b\n  regex: (.*)\n", "keepequal action requires only 'source_labels' and `target_label`, and no other fields (line 1)"),
        ("- action: labeldrop\n  regex: x\n  source_labels: [a]\n", "labeldrop action requires only 'regex', and no other fields (line 1)"),
        ("- action: Explode\n", "unknown relabel action \"Explode\" (line 1)"),
        ("- regex: (abc\n  target_label: x\n", "error parsing regexp: missing closing ): `^(?s:(abc)$` (line 1)"),
        ("- source_labels: ['']\n  target_label: x\n", "\"\" is not a valid label name (line 1)"),
        ("- target_label: x\n  nonsense: 1\n", "field nonsense not found in type relabel.Config (line 2)"),
        ("- ~\n", "empty or null relabeling rule (line 1)"),
        // With UTF-8 names (Prometheus 3's default) these targets are fine.
        ("- action: lowercase\n  target_label: ${3}\n", ""),
        ("- source_labels: [a]\n  regex: some-([^-]+)\n  target_label: 0${3}\n", ""),
        ("- regex: __meta_(.+)\n  action: labelmap\n  replacement: ${1}\n", ""),
    ];
    for (yaml, want) in cases {
        assert_eq!(validation_error(yaml), want, "for {yaml:?}");
    }
}

#[test]
fn legacy_names_restrict_targets() {
    let text = "global:\n  metric_name_validation_scheme: legacy\nscrape_configs:\n  - job_name: x\n    relabel_configs:\n      - source_labels: [a]\n        action: lowercase\n        target_label: ${3}\n";
    let e = promlite_config::Config::from_yaml_str(text, ".").unwrap_err();
    assert_eq!(
        e.to_string(),
        "\"${3}\" is invalid 'target_label' for lowercase action (line 6)"
    );
}
