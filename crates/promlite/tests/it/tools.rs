//! The promtool-like subcommands of the binary: `check config|rules` (output and exit
//! codes as promtool's, compared byte for byte with Debian's `/usr/bin/promtool` when it
//! is installed), `test rules`, `test promql`, `tsdb import openmetrics` followed by a
//! server on the imported directory, and `query instant|range` against a running server.

use std::path::Path;
use std::time::Duration;

use crate::support::{
    import_openmetrics, run_tool, testdata, Promlite, Reply, Start, TargetServer, Workspace,
};

const PROMTOOL: &str = "/usr/bin/promtool";

/// Runs Debian's promtool with `args` in `cwd` when installed.
fn promtool(args: &[&str], cwd: &Path) -> Option<(i32, String, String)> {
    if !Path::new(PROMTOOL).exists() {
        println!("promtool cross-check skipped: {PROMTOOL} is not installed");
        return None;
    }
    let out = std::process::Command::new(PROMTOOL)
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run promtool");
    Some((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn check_config_and_rules_answer_like_promtool() {
    let dir = testdata().join("server");
    let (code, out, err) = run_tool(&["check", "config", "good_config.yml"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out,
        "Checking good_config.yml\n  SUCCESS: 1 rule files found\n SUCCESS: good_config.yml is valid prometheus config file syntax\n\nChecking good_rules.yml\n  SUCCESS: 2 rules found\n\n"
    );
    if let Some(theirs) = promtool(&["check", "config", "good_config.yml"], &dir) {
        assert_eq!((code, out.as_str()), (theirs.0, theirs.1.as_str()));
    }

    // A bad config: exit 1, FAILED on stderr naming the field and its line.
    let bad = testdata().join("config/errors/unknown_scrape_field.yml");
    let bad = bad.to_str().expect("utf-8 path");
    let (code, out, err) = run_tool(&["check", "config", bad], &dir);
    assert_eq!(code, 1);
    assert_eq!(out, format!("Checking {bad}\n\n"));
    assert!(err.starts_with("  FAILED: "), "{err}");
    assert!(
        err.contains("scrape_intervall") && err.contains("line 5"),
        "{err}"
    );
    if let Some(theirs) = promtool(&["check", "config", bad], &dir) {
        assert_eq!((code, out.as_str()), (theirs.0, theirs.1.as_str()));
    }

    // Rules: promtool's text exactly, FAILED blocks on stderr.
    for args in [
        &["check", "rules", "good_rules.yml"][..],
        &["check", "rules", "bad_rules.yml", "good_rules.yml"][..],
    ] {
        let ours = run_tool(args, &dir);
        if let Some(theirs) = promtool(args, &dir) {
            assert_eq!(ours, theirs, "{args:?}");
        }
    }
    let (code, out, err) = run_tool(&["check", "rules", "bad_rules.yml"], &dir);
    assert_eq!(code, 1);
    assert_eq!(out, "Checking bad_rules.yml\n\n");
    assert!(err.contains("5:15: group \"app\", rule 1, \"job:http_requests:rate5m\": could not parse expression: 1:44: parse error: unclosed left parenthesis"), "{err}");
    assert!(
        err.contains(
            "annotation \"summary\": template: __alert_BadTemplate:1: unexpected \"}\" in operand"
        ),
        "{err}"
    );

    // A missing file stops before anything is checked, as promtool's flag parser does.
    let (code, out, err) = run_tool(&["check", "config", "good_config.yml", "missing.yml"], &dir);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "promlite: error: path 'missing.yml' does not exist, try --help\n"
    );
}

#[test]
fn test_rules_and_test_promql_scripts() {
    let rules_dir = testdata().join("rules/tests");
    let files = [
        "lifecycle_test.yml",
        "ordering_test.yml",
        "templates_test.yml",
        "start_timestamp_test.yml",
    ];
    let mut args = vec!["test", "rules"];
    args.extend(files);
    let (code, out, err) = run_tool(&args, &rules_dir);
    assert_eq!(code, 0, "{out}{err}");
    for f in files {
        assert!(
            out.contains(&format!("Unit Testing:  {f}\n  SUCCESS\n")),
            "{out}"
        );
    }
    let (code, out, _) = run_tool(
        &["test", "rules", "failing/expectations_fail.yml"],
        &rules_dir,
    );
    assert_eq!(code, 1, "{out}");

    let promql = testdata().join("promql");
    let (code, out, err) = run_tool(
        &["test", "promql", "semantics.test", "limits_and_errors.test"],
        &promql,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.lines()
            .last()
            .unwrap_or_default()
            .ends_with(" passed, 0 failed, 0 skipped"),
        "{out}"
    );
    let (code, out, _) = run_tool(
        &[
            "test",
            "promql",
            "--stock-engine",
            "stock_name_dropping.test",
        ],
        &promql,
    );
    assert_eq!(code, 0, "{out}");

    let (code, out, _) = run_tool(
        &["test", "promql", "failing.test"],
        &testdata().join("server"),
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("failing.test: 0 passed, 1 failed, 0 skipped"),
        "{out}"
    );
    assert!(out.contains("FAIL failing.test:5:"), "{out}");
}

#[test]
fn imported_openmetrics_is_served() {
    let ws = Workspace::new();
    // One sample a minute for an hour, ending an hour ago (OpenMetrics times are seconds).
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let first = now_s - 2 * 3600;
    let mut om =
        String::from("# HELP imported_total Imported counter.\n# TYPE imported_total counter\n");
    for i in 0..60 {
        om.push_str(&format!(
            "imported_total{{src=\"om\"}} {} {}\n",
            i * 10,
            first + i * 60
        ));
    }
    om.push_str("# EOF\n");
    let file = ws.write("import.om", &om);
    let (code, out, err) = import_openmetrics(&ws, &file, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("imported 60 samples of 1 series into "),
        "{out}"
    );

    let p = Promlite::start(&ws, Start::config("global:\n  scrape_interval: 1s\n"));
    let count = p.query("count_over_time(imported_total[3h])");
    assert_eq!(count.len(), 1, "{count:?}");
    assert_eq!(Promlite::value(&count[0]), 60.0);
    assert_eq!(count[0]["metric"]["src"], "om");
    let last = first + 59 * 60;
    let at = p.api(&format!("/api/v1/query?query=imported_total&time={last}"));
    assert_eq!(at["result"][0]["value"][1], "590", "{at}");
    let range = p.api(&format!(
        "/api/v1/query_range?query=rate(imported_total%5B5m%5D)&start={}&end={last}&step=600",
        first + 600
    ));
    let values = range["result"][0]["values"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(values.len(), 5, "{range}");
    for v in values {
        let rate: f64 = v[1].as_str().and_then(|s| s.parse().ok()).unwrap_or(0.0);
        assert!((rate - 10.0 / 60.0).abs() < 1e-9, "{v}");
    }
}

#[test]
fn query_subcommands_against_a_running_server() {
    let target = TargetServer::start();
    target.set(
        "/metrics",
        Reply::text("q_metric{k=\"a\"} 1.5\nq_metric{k=\"b\"} 2\nq_html{v=\"<a&b>\\\"\\n\"} 1\n"),
    );
    let ws = Workspace::new();
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: q\n    static_configs: [{{targets: [\"{}\"]}}]\n",
        target.addr
    );
    let p = Promlite::start(&ws, Start::config(&config));
    p.wait_for_series("q_metric", Duration::from_secs(20));
    p.eventually(
        "five scrapes (the range query below needs a sample before its first step)",
        Duration::from_secs(20),
        || {
            let n = p.query("count_over_time(q_metric{k=\"a\"}[1m])");
            match n.first().map(Promlite::value) {
                Some(c) if c >= 5.0 => Ok(()),
                other => Err(format!("{other:?}")),
            }
        },
    );
    let t = Promlite::value(&p.query("timestamp(q_metric{k=\"a\"})")[0]);
    let url = format!("http://{}", p.addr);
    let time = format!("{t}");
    let start = format!("{}", t - 2.0);
    let cwd = ws.path("");

    let instant = ["query", "instant", &url, "q_metric", "--time", &time];
    let (code, out, err) = run_tool(&instant, &cwd);
    assert_eq!(code, 0, "{err}");
    let want_a = format!(
        "q_metric{{instance=\"{}\", job=\"q\", k=\"a\"}} => 1.5 @[{time}]",
        target.addr
    );
    assert!(out.contains(&want_a), "{out}");
    let range = [
        "query",
        "range",
        &url,
        "sum(q_metric)",
        "--start",
        &start,
        "--end",
        &time,
        "--step",
        "1s",
    ];
    let (code, out, err) = run_tool(&range, &cwd);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("{} =>\n3.5 @["), "{out}");
    assert_eq!(out.matches(" @[").count(), 3, "{out}");
    let json = [
        "query", "instant", &url, "q_metric", "--time", &time, "-o", "json",
    ];
    let (code, out, _) = run_tool(&json, &cwd);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json output");
    assert_eq!(v.as_array().map(Vec::len), Some(2), "{out}");

    // Byte for byte like promtool talking to the same server (Go's JSON escapes <, >
    // and & in strings; label values are quoted as Go's %q).
    let html_json = [
        "query", "instant", &url, "q_html", "--time", &time, "-o", "json",
    ];
    let html_text = ["query", "instant", &url, "q_html", "--time", &time];
    for args in [
        &instant[..],
        &range[..],
        &json[..],
        &html_json[..],
        &html_text[..],
    ] {
        if let Some(theirs) = promtool(args, &cwd) {
            assert_eq!(run_tool(args, &cwd), theirs, "{args:?}");
        }
    }
    // A bad query: exit 1 and the server's error.
    let (code, _, err) = run_tool(&["query", "instant", &url, "sum("], &cwd);
    assert_eq!(code, 1);
    assert!(err.contains("unclosed left parenthesis"), "{err}");
}
