//! The configs and rule files from users' documents (`testdata/*/seeds/`): every config
//! loads or fails only on a field listed in `UNSUPPORTED_FIELDS`, and every rule file
//! loads. `results.golden` records what each one gives (rebless with PROMLITE_BLESS=1).

use promlite_config::{unsupported_fields, Config, RuleGroups};

use crate::golden::{check_golden, testdata, yml_files};

#[test]
fn every_seed_config_loads_or_names_an_unsupported_field() {
    let dir = testdata().join("config/seeds");
    let files = yml_files(&dir);
    assert!(files.len() >= 10, "only {} seed configs", files.len());
    let mut summary = String::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy();
        match Config::load_file(file) {
            Ok(cfg) => {
                let jobs: Vec<String> = cfg
                    .scrape_configs
                    .iter()
                    .map(|j| {
                        format!(
                            "{}@{}s/{}s",
                            j.job_name,
                            j.scrape_interval.as_secs(),
                            j.scrape_timeout.as_secs()
                        )
                    })
                    .collect();
                summary.push_str(&format!(
                    "{name}: ok; jobs [{}]; rule_files {}; alertmanagers {}; remote_write {}\n",
                    jobs.join(", "),
                    cfg.rule_files.len(),
                    cfg.alerting.alertmanagers.len(),
                    cfg.remote_write.len()
                ));
            }
            Err(e) => {
                let field = e.unsupported_field().unwrap_or_else(|| {
                    panic!("{name} failed for another reason than an unsupported field: {e}")
                });
                assert!(
                    unsupported_fields().any(|f| f.name == field),
                    "{name}: {field} is not in UNSUPPORTED_FIELDS"
                );
                summary.push_str(&format!("{name}: unsupported: {}\n", e.innermost()));
            }
        }
    }
    check_golden(&dir.join("results.golden"), &summary).unwrap();
}

#[test]
fn every_seed_rule_file_loads() {
    let dir = testdata().join("rules/seeds");
    let files = yml_files(&dir);
    assert!(files.len() >= 6, "only {} seed rule files", files.len());
    let mut summary = String::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy();
        let groups = RuleGroups::load_file(file).unwrap_or_else(|errs| {
            panic!(
                "{name}: {}",
                errs.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        });
        for (group, rule) in groups.rules() {
            assert!(!rule.expr.trim().is_empty(), "{name}: empty expr");
            assert!(
                rule.line.0 > 0 && rule.expr_line.0 >= rule.line.0,
                "{name}: lines"
            );
            summary.push_str(&format!(
                "{name}:{}: {}/{} {} for={}s expr@{}\n",
                rule.line,
                group.name,
                rule.name(),
                if rule.is_alerting() {
                    "alert"
                } else {
                    "record"
                },
                rule.for_duration.as_secs(),
                rule.expr_line
            ));
        }
    }
    check_golden(&dir.join("results.golden"), &summary).unwrap();
}
