//! What the users' documents (`../shared/seeds/`, extracted into `testdata/*/seeds/` and
//! `testdata/server/seed_queries.txt`) expect to keep working: every seed
//! `prometheus.yml` passes `promlite check config` or fails naming only a field listed as
//! unsupported, and the server starts with each one that passes; every PromQL query and
//! rule expression of the documents evaluates, instant and range, on a server holding a
//! small imported dataset in which each of them has an answer.

use std::fmt::Write as _;
use std::path::PathBuf;

use promlite_config::{unsupported_fields, RuleGroups};
use serde_json::Value;

use crate::support::http::encode;
use crate::support::{import_openmetrics, run_tool, testdata, Promlite, Start, Workspace};

fn yml_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    v.sort();
    v
}

#[test]
fn seed_configs_check_and_run() {
    let dir = testdata().join("config/seeds");
    let files = yml_files(&dir);
    assert!(files.len() >= 10, "only {} seed configs", files.len());
    let mut passed = 0;
    for file in &files {
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let (code, out, err) = run_tool(&["check", "config", &name], &dir);
        if code != 0 {
            assert_eq!(code, 1, "{name}: {out}{err}");
            let field = err
                .split("field ")
                .nth(1)
                .and_then(|rest| rest.split(" is not supported by promlite").next())
                .filter(|_| err.contains(" is not supported by promlite"))
                .unwrap_or_else(|| panic!("{name} failed for another reason: {err}"));
            assert!(
                unsupported_fields().any(|f| f.name == field),
                "{name}: {field} is not in UNSUPPORTED_FIELDS"
            );
            continue;
        }
        assert!(
            out.contains(&format!(
                " SUCCESS: {name} is valid prometheus config file syntax"
            )),
            "{out}"
        );
        passed += 1;

        // The server runs it: ready, its jobs listed (the targets' hosts do not exist here).
        let ws = Workspace::new();
        let text = std::fs::read_to_string(file).expect("read seed");
        let p = Promlite::start(&ws, Start::config(&text));
        let pools = p.api("/api/v1/scrape_pools");
        let cfg = promlite_config::Config::load_file(file).expect("loads");
        let want: Vec<&str> = cfg
            .scrape_configs
            .iter()
            .map(|j| j.job_name.as_str())
            .collect();
        let got: Vec<&str> = pools["scrapePools"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut want_sorted = want.clone();
        want_sorted.sort_unstable();
        let mut got_sorted = got.clone();
        got_sorted.sort_unstable();
        assert_eq!(got_sorted, want_sorted, "{name}");
        let shown = p.api("/api/v1/status/config")["yaml"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        for job in &want {
            assert!(
                shown.contains(&format!("job_name: {job}")),
                "{name}: {shown}"
            );
        }
        let status = p.terminate();
        assert!(status.success(), "{name}: exit {status}");
    }
    assert!(passed >= 8, "only {passed} seed configs pass");
}

/// A series of the dataset: labels text and either a per-second rate (a counter) or a
/// constant (a gauge).
enum Kind {
    Counter(f64),
    Gauge(f64),
}

/// (name, labels text ending in a comma or empty, [(le, per-second rate)]).
type Histogram = (&'static str, &'static str, &'static [(&'static str, f64)]);

/// Every metric the seed queries and rules read, with values that cross each alert
/// threshold so that every expression has an answer.
fn dataset() -> Vec<(String, Kind)> {
    use Kind::{Counter as C, Gauge as G};
    let mut v: Vec<(String, Kind)> = vec![
        (
            r#"aetherra_api_requests_total{method="GET",endpoint="/health",status="200"}"#.into(),
            C(10.0),
        ),
        (
            r#"aetherra_api_requests_total{method="POST",endpoint="/chat",status="200"}"#.into(),
            C(5.0),
        ),
        (
            r#"aetherra_api_requests_total{method="POST",endpoint="/chat",status="500"}"#.into(),
            C(1.0),
        ),
        (
            r#"aetherra_api_errors_total{method="GET",endpoint="/health",status="200"}"#.into(),
            C(0.1),
        ),
        (
            r#"aetherra_api_errors_total{method="POST",endpoint="/chat",status="500"}"#.into(),
            C(1.0),
        ),
        (
            r#"aetherra_memory_events_total{type="user_interaction"}"#.into(),
            C(2.0),
        ),
        (
            r#"aetherra_memory_events_total{type="system"}"#.into(),
            C(1.0),
        ),
        ("aetherra_memory_storage_bytes".into(), G(1e9)),
        (
            r#"node_cpu_seconds_total{instance="node:9100",cpu="0",mode="idle"}"#.into(),
            C(0.3),
        ),
        (
            r#"node_cpu_seconds_total{instance="node:9100",cpu="0",mode="user"}"#.into(),
            C(0.7),
        ),
        (
            r#"aetherra_service_healthy{service="hub",status="active"}"#.into(),
            G(1.0),
        ),
        (
            r#"aetherra_self_improvement_tasks_total{status="success"}"#.into(),
            C(0.5),
        ),
        (
            r#"aetherra_self_improvement_tasks_total{status="failed"}"#.into(),
            C(0.1),
        ),
        ("aetherra_memory_healthy".into(), G(0.0)),
        ("aetherra_self_improvement_active_tasks".into(), G(3.0)),
        ("aetherra_self_improvement_learning_score".into(), G(0.8)),
        (
            r#"aetherra_homeostasis_status{status="active"}"#.into(),
            G(0.0),
        ),
        (
            r#"node_filesystem_avail_bytes{instance="node:9100",mountpoint="/"}"#.into(),
            G(5e9),
        ),
        (
            r#"node_filesystem_size_bytes{instance="node:9100",mountpoint="/"}"#.into(),
            G(1e11),
        ),
        (
            r#"node_memory_MemAvailable_bytes{instance="node:9100"}"#.into(),
            G(1e9),
        ),
        (
            r#"node_memory_MemTotal_bytes{instance="node:9100"}"#.into(),
            G(16e9),
        ),
        (
            r#"aetherra_plugin_executions_total{status="failed"}"#.into(),
            C(0.5),
        ),
        (
            r#"aetherra_plugin_executions_total{status="success"}"#.into(),
            C(2.0),
        ),
        ("sli:aetherra_api:availability:5m".into(), G(0.99)),
        ("sli:aetherra_api:latency:5m".into(), G(0.8)),
        (
            r#"http_requests_total{service="api",status="200"}"#.into(),
            C(20.0),
        ),
        (
            r#"http_requests_total{service="api",status="500"}"#.into(),
            C(2.0),
        ),
        (
            r#"http_requests_total{service="web",status="200"}"#.into(),
            C(5.0),
        ),
        (
            r#"hemostat_container_cpu_percent{container="a"}"#.into(),
            G(97.0),
        ),
        (
            r#"hemostat_container_cpu_percent{container="b"}"#.into(),
            G(40.0),
        ),
        (
            r#"hemostat_container_memory_percent{container="a"}"#.into(),
            G(85.0),
        ),
        (
            r#"hemostat_container_restart_count{container="a"}"#.into(),
            C(0.01),
        ),
        (
            r#"hemostat_analysis_requests_total{result="ok"}"#.into(),
            C(0.5),
        ),
        (
            r#"hemostat_remediation_attempts_total{action="restart",status="success"}"#.into(),
            C(0.2),
        ),
        (
            r#"hemostat_remediation_attempts_total{action="restart",status="failed"}"#.into(),
            C(0.1),
        ),
        (
            r#"hemostat_agent_uptime_seconds{agent_name="metrics"}"#.into(),
            G(3600.0),
        ),
        (
            r#"hemostat_health_alerts_total{severity="critical"}"#.into(),
            C(0.05),
        ),
        ("hemostat_alerts_deduped_total".into(), C(0.02)),
        (
            r#"up{job="backend",instance="backend:8000"}"#.into(),
            G(0.0),
        ),
        (r#"up{job="api",instance="api:8000"}"#.into(), G(1.0)),
    ];
    // Histograms: (name, labels, [(le, per-second rate)]); cumulative buckets.
    let histograms: [Histogram; 7] = [
        (
            "aetherra_request_duration_seconds",
            r#"endpoint="/chat","#,
            &[
                ("0.1", 1.0),
                ("0.5", 2.0),
                ("1", 3.0),
                ("2.5", 10.0),
                ("+Inf", 10.0),
            ],
        ),
        (
            "aetherra_memory_query_duration",
            "",
            &[("0.01", 1.0), ("0.1", 4.0), ("+Inf", 5.0)],
        ),
        (
            "aetherra_self_improvement_task_duration",
            "",
            &[("1", 0.2), ("10", 0.5), ("+Inf", 0.6)],
        ),
        (
            "http_request_duration_seconds",
            r#"service="api","#,
            &[("0.5", 5.0), ("1", 10.0), ("2.5", 20.0), ("+Inf", 22.0)],
        ),
        (
            "hemostat_analysis_duration_seconds",
            "",
            &[("1", 1.0), ("10", 2.0), ("+Inf", 2.0)],
        ),
        (
            "hemostat_analysis_confidence",
            "",
            &[("0.5", 0.2), ("0.9", 1.0), ("+Inf", 1.0)],
        ),
        (
            "hemostat_remediation_duration_seconds",
            "",
            &[("5", 0.2), ("30", 0.3), ("+Inf", 0.3)],
        ),
    ];
    for (name, labels, buckets) in histograms {
        for (le, rate) in buckets {
            v.push((format!("{name}_bucket{{{labels}le=\"{le}\"}}"), C(*rate)));
        }
        let count = buckets.last().map(|b| b.1).unwrap_or(0.0);
        let inner = labels.trim_end_matches(',');
        v.push((format!("{name}_sum{{{inner}}}"), C(count * 1.5)));
        v.push((format!("{name}_count{{{inner}}}"), C(count)));
    }
    v
}

/// The dataset as OpenMetrics: 30 minutes at 15 s ending at `end_s`, series by series.
fn dataset_openmetrics(end_s: u64) -> String {
    let mut om = String::new();
    let start = end_s - 1800;
    for (series, kind) in dataset() {
        for i in 0..=120u64 {
            let t = start + i * 15;
            let v = match kind {
                Kind::Counter(rate) => rate * (i * 15) as f64,
                Kind::Gauge(v) => v,
            };
            let _ = writeln!(om, "{series} {v} {t}");
        }
    }
    om.push_str("# EOF\n");
    om
}

/// Queries of `testdata/server/seed_queries.txt` and every rule expression of
/// `testdata/rules/seeds/` (with where it comes from).
fn seed_queries() -> Vec<(String, String)> {
    let path = testdata().join("server/seed_queries.txt");
    let text = std::fs::read_to_string(&path).expect("seed queries");
    let mut out: Vec<(String, String)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (format!("seed_queries.txt:{}", i + 1), l.to_string()))
        .collect();
    for file in yml_files(&testdata().join("rules/seeds")) {
        let groups = RuleGroups::load_file(&file).expect("seed rule file loads");
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for g in groups.groups {
            for r in g.rules {
                out.push((
                    format!("{name}:{}", r.expr_line.0),
                    r.expr.trim().to_string(),
                ));
            }
        }
    }
    out
}

#[test]
fn seed_queries_and_rule_expressions_evaluate() {
    let ws = Workspace::new();
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let end = now_s - 30;
    let file = ws.write("seeds.om", &dataset_openmetrics(end));
    let (code, out, err) = import_openmetrics(&ws, &file, &["--quiet"]);
    assert_eq!(code, 0, "{out}{err}");
    let p = Promlite::start(&ws, Start::config("global:\n  evaluation_interval: 15s\n"));

    let queries = seed_queries();
    assert!(queries.len() >= 60, "only {} queries", queries.len());
    let mut failures = Vec::new();
    for (origin, q) in &queries {
        // Instant, as curl and alert rules run it.
        let r = p.get(&format!("/api/v1/query?query={}&time={end}", encode(q)));
        let v = r.json();
        if v["status"] != "success" {
            failures.push(format!("{origin}: {q}: {}", r.text()));
            continue;
        }
        let n = v["data"]["result"].as_array().map_or(0, Vec::len);
        if n == 0 {
            failures.push(format!("{origin}: {q}: empty instant result"));
        }
        if let Some(w) = v.get("warnings") {
            failures.push(format!("{origin}: {q}: warnings {w}"));
        }
        // Range, as Grafana runs it (POST form, 15-minute window, 60 s step).
        let form = format!("query={}&start={}&end={end}&step=60", encode(q), end - 900);
        let r = p.post("/api/v1/query_range", &form);
        let v = r.json();
        if v["status"] != "success" {
            failures.push(format!("{origin}: {q}: range: {}", r.text()));
            continue;
        }
        let series = v["data"]["result"].as_array().cloned().unwrap_or_default();
        if !series
            .iter()
            .any(|s| s["values"].as_array().is_some_and(|a| a.len() == 16))
        {
            failures.push(format!("{origin}: {q}: range result without all 16 steps"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        queries.len(),
        failures.join("\n")
    );

    // A few answers checked by hand against the dataset.
    let one = |q: &str| {
        let data = p.api(&format!("/api/v1/query?query={}&time={end}", encode(q)));
        let r = data["result"].as_array().cloned().unwrap_or_default();
        assert_eq!(r.len(), 1, "{q}: {data}");
        Promlite::value(&r[0])
    };
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9 * b.abs().max(1.0);
    assert!(close(
        one("sum(rate(aetherra_api_requests_total[5m]))"),
        16.0
    ));
    assert!(close(
        one("100 - (avg by (instance) (irate(node_cpu_seconds_total{mode=\"idle\"}[5m])) * 100)"),
        70.0
    ));
    // p95 of the chat histogram: bucket (1, 2.5] holds 7 of 10, rank 9.5 → 1 + 1.5 × 6.5/7.
    assert!(close(
        one("histogram_quantile(0.95, rate(aetherra_request_duration_seconds_bucket[5m]))"),
        1.0 + 1.5 * 6.5 / 7.0
    ));
    // 30 minutes of a 0.05/s counter starting at 0: no extrapolation past zero or now.
    assert!(close(
        one("sum(increase(hemostat_health_alerts_total[1h]))"),
        90.0
    ));
}
