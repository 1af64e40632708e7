//! `promtool check rules`: structural checks of each rule file (the config crate), every
//! `expr` parsed with the PromQL parser, and every alert label and annotation template
//! parsed, reported with promtool's wording and layout.

use std::path::Path;

use promlite_config::{ConfigError, RuleGroups};

use crate::template::check_alert_template;

/// The result of checking one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileCheck {
    pub path: String,
    /// Number of rules when the file passed.
    pub rules_found: Option<usize>,
    /// One message per problem, as promtool prints them.
    pub errors: Vec<String>,
}

/// The result of checking several files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckRulesReport {
    pub files: Vec<FileCheck>,
}

impl CheckRulesReport {
    /// Whether every file passed (promtool exits 0).
    pub fn success(&self) -> bool {
        self.files.iter().all(|f| f.errors.is_empty())
    }

    /// The report as promtool prints it (its stdout and stderr, in order).
    pub fn render(&self) -> String {
        let mut out = String::new();
        for f in &self.files {
            out.push_str(&format!("Checking {}\n", f.path));
            if f.errors.is_empty() {
                out.push_str(&format!(
                    "  SUCCESS: {} rules found\n",
                    f.rules_found.unwrap_or(0)
                ));
            } else {
                out.push_str("  FAILED:\n");
                for e in &f.errors {
                    out.push_str(e);
                    out.push('\n');
                }
            }
            out.push('\n');
        }
        out
    }
}

/// Checks rule files like `promtool check rules FILE...`.
pub fn check_rules_files(paths: &[impl AsRef<Path>]) -> CheckRulesReport {
    CheckRulesReport {
        files: paths.iter().map(|p| check_file(p.as_ref())).collect(),
    }
}

/// The line and column of the value of the `expr:` key at or just above `line`.
fn expr_position(text: &str, line: usize) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let mut l = line.min(lines.len());
    while l >= 1 {
        let s = lines[l - 1];
        if let Some(i) = s.find("expr:") {
            let after = &s[i + 5..];
            let value_col = i + 5 + (after.len() - after.trim_start().len()) + 1;
            return (l, value_col);
        }
        l -= 1;
    }
    (line, 1)
}

fn check_file(path: &Path) -> FileCheck {
    let display = path.display().to_string();
    let mut check = FileCheck {
        path: display.clone(),
        rules_found: None,
        errors: Vec::new(),
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            check.errors.push(format!("{display}: {e}"));
            return check;
        }
    };
    let groups = match RuleGroups::from_yaml_str(&text) {
        Ok(g) => g,
        Err(errs) => {
            check.errors = errs
                .into_iter()
                .map(|e: ConfigError| format!("{display}: {e}"))
                .collect();
            return check;
        }
    };
    for g in &groups.groups {
        for (i, r) in g.rules.iter().enumerate() {
            let prefix = format!(
                "group {}, rule {}, {}",
                promlite_model::go_quote(&g.name),
                i + 1,
                promlite_model::go_quote(r.name())
            );
            if let Err(e) = promlite_promql_parser::parse(&r.expr) {
                let (line, col) = expr_position(&text, r.expr_line.0);
                check.errors.push(format!(
                    "{display}: {line}:{col}: {prefix}: could not parse expression: {e}"
                ));
            }
            if r.is_alerting() {
                let mut labels = r.labels.clone();
                labels.sort();
                for (k, v) in &labels {
                    if let Err(e) = check_alert_template(r.name(), v) {
                        check.errors.push(format!(
                            "{display}: {prefix}: label {}: {e}",
                            promlite_model::go_quote(k)
                        ));
                    }
                }
                let mut annotations = r.annotations.clone();
                annotations.sort();
                for (k, v) in &annotations {
                    if let Err(e) = check_alert_template(r.name(), v) {
                        check.errors.push(format!(
                            "{display}: {prefix}: annotation {}: {e}",
                            promlite_model::go_quote(k)
                        ));
                    }
                }
            }
        }
    }
    if check.errors.is_empty() {
        check.rules_found = Some(groups.groups.iter().map(|g| g.rules.len()).sum());
    }
    check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_like_promtool() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.yml");
        std::fs::write(
            &good,
            "groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: sum(up)\n      - alert: X\n        expr: up == 0\n        annotations:\n          s: \"{{ $value | humanizePercentage }}\"\n",
        )
        .unwrap();
        let bad = dir.path().join("bad.yml");
        std::fs::write(
            &bad,
            "groups:\n  - name: g\n    rules:\n      - alert: Y\n        expr: sum(up\n        annotations:\n          s: \"{{ humanizePercentag $value }}\"\n",
        )
        .unwrap();
        let report = check_rules_files(&[&good, &bad]);
        assert!(!report.success());
        assert_eq!(report.files[0].rules_found, Some(2));
        let text = report.render();
        assert!(text.contains(&format!(
            "Checking {}\n  SUCCESS: 2 rules found\n\n",
            good.display()
        )));
        assert!(text.contains("  FAILED:\n"));
        let errs = &report.files[1].errors;
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            errs[0].contains("5:15: group \"g\", rule 1, \"Y\": could not parse expression: "),
            "{}",
            errs[0]
        );
        assert!(errs[1].ends_with(
            "group \"g\", rule 1, \"Y\": annotation \"s\": template: __alert_Y:1: function \"humanizePercentag\" not defined"
        ));
    }
}
