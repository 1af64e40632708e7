//! Bad input never panics: arbitrary and mutated texts through every entry point.

use proptest::prelude::*;

use promlite_config::relabel::parse_relabel_configs;
use promlite_config::{parse_base2_bytes, parse_duration, Config, RuleGroups};

const SEED_CONFIG: &str = "global:\n  scrape_interval: 15s\n  external_labels: {a: b}\nscrape_configs:\n  - job_name: x\n    static_configs:\n      - targets: ['a:1']\n    relabel_configs:\n      - source_labels: [a]\n        regex: (.*)\n        target_label: b\n";

const SEED_RULES: &str = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 5m\n        labels: {s: x}\n";

/// Texts made of YAML-ish pieces, so the parser gets past its first character.
fn yamlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\n".to_string()),
        Just("  ".to_string()),
        Just("- ".to_string()),
        Just(": ".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("&a ".to_string()),
        Just("*a".to_string()),
        Just("<<: ".to_string()),
        Just("|\n".to_string()),
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("#".to_string()),
        Just("\t".to_string()),
        Just("scrape_configs".to_string()),
        Just("job_name".to_string()),
        Just("groups".to_string()),
        Just("rules".to_string()),
        Just("relabel_configs".to_string()),
        Just("regex".to_string()),
        "[a-z_]{1,8}",
        "[0-9]{1,3}[smhdwy]{0,2}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

fn mutate(base: &str, at: usize, insert: &str, cut: usize) -> String {
    let mut s = base.to_string();
    let mut at = at % (s.len() + 1);
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    s.insert_str(at, insert);
    let end = (at + cut).min(s.len());
    let mut end = end;
    while !s.is_char_boundary(end) {
        end += 1;
    }
    s.replace_range(at..end, "");
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = Config::from_yaml_str(&text, "/");
        let _ = RuleGroups::from_yaml_str(&text);
        let _ = parse_relabel_configs(&text);
        let _ = parse_duration(&text);
        let _ = parse_base2_bytes(&text);
    }

    #[test]
    fn yamlish_text_never_panics(text in yamlish()) {
        let _ = Config::from_yaml_str(&text, "/");
        let _ = RuleGroups::from_yaml_str(&text);
        let _ = parse_relabel_configs(&text);
    }

    #[test]
    fn mutated_valid_files_never_panic(at in 0usize..400, insert in "\\PC{0,6}", cut in 0usize..6) {
        let config = mutate(SEED_CONFIG, at, &insert, cut);
        let _ = Config::from_yaml_str(&config, "/");
        let rules = mutate(SEED_RULES, at, &insert, cut);
        let _ = RuleGroups::from_yaml_str(&rules);
    }
}
