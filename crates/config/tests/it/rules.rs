//! Rule files: structure, line numbers and promtool's messages.

use std::time::Duration;

use promlite_config::{RuleGroups, RuleKind};

const GOOD: &str = r#"groups:
  - name: api
    interval: 30s
    limit: 10
    labels:
      team: core
    rules:
      - record: job:http_requests:rate5m
        expr: sum by (job) (rate(http_requests_total[5m]))
      - alert: HighErrorRate
        expr: |
          rate(errors_total[5m])
            > 0.05
        for: 5m
        keep_firing_for: 1m
        labels:
          severity: critical
        annotations:
          summary: "Error rate {{ $value | humanizePercentage }} on {{ $labels.instance }}"
  - name: empty
    rules: []
"#;

#[test]
fn groups_and_rules_keep_their_fields_and_lines() {
    let groups = RuleGroups::from_yaml_str(GOOD).unwrap();
    assert_eq!(groups.groups.len(), 2);
    let g = &groups.groups[0];
    assert_eq!(g.name, "api");
    assert_eq!(g.interval, Some(Duration::from_secs(30)));
    assert_eq!(g.limit, 10);
    assert_eq!(g.labels, vec![("team".to_string(), "core".to_string())]);
    assert_eq!(g.line.0, 2);
    let rec = &g.rules[0];
    assert_eq!(
        rec.kind,
        RuleKind::Recording("job:http_requests:rate5m".into())
    );
    assert_eq!(rec.line.0, 8);
    assert_eq!(rec.expr_line.0, 9);
    let alert = &g.rules[1];
    assert!(alert.is_alerting());
    assert_eq!(alert.name(), "HighErrorRate");
    assert_eq!(alert.expr, "rate(errors_total[5m])\n  > 0.05\n");
    assert_eq!(alert.line.0, 10);
    // A block scalar's text starts on the line after `expr: |`.
    assert_eq!(alert.expr_line.0, 12);
    assert_eq!(alert.for_duration, Duration::from_secs(300));
    assert_eq!(alert.keep_firing_for, Duration::from_secs(60));
    assert_eq!(alert.annotations[0].0, "summary");
    assert_eq!(groups.groups[1].interval, None);
    assert_eq!(groups.rules().count(), 2);
}

#[test]
fn empty_rule_files_are_valid() {
    for text in ["", "# nothing\n", "groups: []\n", "groups:\n"] {
        assert!(
            RuleGroups::from_yaml_str(text).unwrap().groups.is_empty(),
            "{text:?}"
        );
    }
}

fn errors(text: &str) -> Vec<String> {
    RuleGroups::from_yaml_str(text)
        .err()
        .unwrap_or_default()
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn structural_errors_read_like_promtool() {
    let text = r#"groups:
  - name: g
    rules:
      - expr: up == 0
      - record: a:b
        alert: Both
        expr: up
      - record: x:y
        expr: ""
        for: 5m
        annotations:
          summary: no
      - record: 'up{job="a"}'
        expr: up
      - alert: BadLabel
        expr: up
        labels:
          __name__: x
  - name: g
    rules: []
  - name: ""
"#;
    assert_eq!(
        errors(text),
        vec![
            r#"4:9: group "g", rule 1, "": one of 'record' or 'alert' must be set"#,
            r#"5:17: group "g", rule 2, "Both": only one of 'record' and 'alert' must be set"#,
            r#"9:15: group "g", rule 3, "x:y": field 'expr' must be set in rule"#,
            r#"8:17: group "g", rule 3, "x:y": invalid field 'annotations' in recording rule"#,
            r#"8:17: group "g", rule 3, "x:y": invalid field 'for' in recording rule"#,
            r#"13:17: group "g", rule 4, "up{job=\"a\"}": braces present in the recording rule name; should it be in expr?: up{job="a"}"#,
            r#"18:0: group "g", rule 5, "BadLabel": invalid label name: __name__"#,
            r#"19:5: groupname: "g" is repeated in the same file"#,
            r#"21:5: Groupname must not be empty"#,
        ]
    );
}

#[test]
fn unknown_fields_and_bad_durations_name_the_line() {
    assert_eq!(
        errors("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        fro: 5m\n"),
        vec!["field fro not found in type rulefmt.Rule (line 6)"]
    );
    assert_eq!(
        errors("groups:\n  - name: g\n    intervall: 1m\n"),
        vec!["field intervall not found in type rulefmt.RuleGroup (line 3)"]
    );
    assert_eq!(
        errors("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: 5 minutes\n"),
        vec![r#"unknown unit " minutes" in duration "5 minutes" (line 6)"#]
    );
    assert_eq!(
        errors("group:\n  - name: g\n"),
        vec!["field group not found in type rulefmt.RuleGroups (line 1)"]
    );
}

#[test]
fn load_file_prefixes_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.yml");
    std::fs::write(
        &path,
        "groups:\n  - name: g\n    rules:\n      - expr: up\n",
    )
    .unwrap();
    let errs = RuleGroups::load_file(&path).unwrap_err();
    assert_eq!(
        errs[0].to_string(),
        format!(
            "{}: 4:9: group \"g\", rule 1, \"\": one of 'record' or 'alert' must be set",
            path.display()
        )
    );
    assert_eq!(errs[0].line(), Some(4));
}
