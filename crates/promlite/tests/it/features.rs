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

#[test]
fn extra_scrape_metrics_flag_changes_the_default_not_a_stated_value() {
    use crate::support::{Reply, TargetServer};
    let target = TargetServer::start();
    target.set("/metrics", Reply::text("m 1\n"));
    let config = |global_extra: &str| {
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n{global_extra}scrape_configs:\n  - job_name: a\n    static_configs: [{{targets: [\"{}\"]}}]\n  - job_name: b\n    extra_scrape_metrics: true\n    static_configs: [{{targets: [\"{}\"]}}]\n",
            target.addr, target.addr
        )
    };
    let jobs_with_timeout_series = |p: &Promlite| -> Vec<String> {
        // Both jobs have been scraped once `up` has a value for each.
        p.eventually("both jobs scraped", Duration::from_secs(20), || {
            let up = p.query("up");
            if up.len() == 2 {
                Ok(())
            } else {
                Err(format!("{up:?}"))
            }
        });
        std::thread::sleep(Duration::from_millis(1500));
        let mut jobs: Vec<String> = p
            .query("scrape_timeout_seconds")
            .iter()
            .map(|s| s["metric"]["job"].as_str().unwrap_or_default().to_string())
            .collect();
        jobs.sort();
        jobs
    };

    // With the flag, a job that states nothing gets the extra series too.
    let ws = Workspace::new();
    let p = Promlite::start(
        &ws,
        Start::config(&config("")).arg("--enable-feature=extra-scrape-metrics"),
    );
    assert_eq!(jobs_with_timeout_series(&p), ["a", "b"]);
    assert!(p.log().contains("extra_scrape_metrics"), "{}", p.log());
    drop(p);

    // A stated global false still wins over the flag; the job's own true stays.
    let ws = Workspace::new();
    let p = Promlite::start(
        &ws,
        Start::config(&config("  extra_scrape_metrics: false\n"))
            .arg("--enable-feature=extra-scrape-metrics"),
    );
    assert_eq!(jobs_with_timeout_series(&p), ["b"]);
    drop(p);

    // Without the flag only the job that asks for them has them.
    let ws = Workspace::new();
    let p = Promlite::start(&ws, Start::config(&config("")));
    assert_eq!(jobs_with_timeout_series(&p), ["b"]);
}
