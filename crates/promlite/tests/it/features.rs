//! `--enable-feature`: the PromQL switches reach both HTTP queries and rule expressions
//! (a rule using an experimental function loads only with the flag; without it the
//! server refuses the config), and unknown options are logged, not fatal.

use std::time::Duration;

use crate::support::http::encode;
use crate::support::server::start_expecting_exit;
use crate::support::{Promlite, Start, Workspace};

const CONFIG: &str =
    "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [\"rules.yml\"]\n";
const RULES: &str = "groups:\n  - name: g\n    rules:\n      - record: one_sorted\n        expr: sort_by_label(vector(1), \"x\")\n";

#[test]
fn feature_flags_reach_queries_and_rules() {
    // Without the flag the rule file does not load, and promlite refuses to start.
    let ws = Workspace::new();
    ws.write("rules.yml", RULES);
    let (code, out) = start_expecting_exit(&ws, Start::config(CONFIG));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("sort_by_label"), "{out}");

    let ws = Workspace::new();
    ws.write("rules.yml", RULES);
    let p = Promlite::start(
        &ws,
        Start::config(CONFIG)
            .arg("--enable-feature=promql-experimental-functions,promql-duration-expr")
            .arg("--enable-feature=no-such-feature"),
    );
    p.wait_for_series("one_sorted", Duration::from_secs(20));
    let r = p.query("limitk(1, vector(1))");
    assert_eq!(r.len(), 1);
    let r = p.query("count_over_time(one_sorted[1m * 2])");
    assert_eq!(r.len(), 1);
    let log = p.log();
    assert!(
        log.contains("Experimental PromQL functions enabled."),
        "{log}"
    );
    assert!(
        log.contains("Unknown option for --enable-feature") && log.contains("no-such-feature"),
        "{log}"
    );

    // And off without the flags: Prometheus's parse error.
    drop(p);
    let ws = Workspace::new();
    let p = Promlite::start(&ws, Start::config("global:\n  scrape_interval: 1s\n"));
    let r = p.get(&format!(
        "/api/v1/query?query={}",
        encode("count_over_time(up[1m * 2])")
    ));
    assert_eq!(r.status, 400, "{}", r.text());
    let r = p.get(&format!(
        "/api/v1/query?query={}",
        encode("limitk(1, vector(1))")
    ));
    assert_eq!(r.status, 400, "{}", r.text());
}

#[test]
fn template_queries_parse_with_the_enabled_features() {
    // The `query` template function parses its text like rule expressions: with
    // experimental functions on, `limitk` works there too.
    let rules = "groups:\n  - name: g\n    rules:\n      - alert: Always\n        expr: vector(1)\n        annotations:\n          seen: '{{ with query \"limitk(1, vector(7))\" }}{{ . | first | value }}{{ end }}'\n";
    let ws = Workspace::new();
    ws.write("rules.yml", rules);
    let p = Promlite::start(
        &ws,
        Start::config(CONFIG).arg("--enable-feature=promql-experimental-functions"),
    );
    let seen = p.eventually("the alert", Duration::from_secs(20), || {
        let alerts = p.api("/api/v1/alerts")["alerts"].clone();
        match alerts[0]["annotations"]["seen"].as_str() {
            Some(s) => Ok(s.to_string()),
            None => Err(format!("{alerts}")),
        }
    });
    assert_eq!(seen, "7");
}
