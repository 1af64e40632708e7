//! The operational endpoints of a running server: `/-/healthy`, `/-/ready`, `/metrics`
//! under Prometheus's metric names, `/api/v1/status/*`, `/federate`, and the admin API
//! (`delete_series`, `clean_tombstones`) only with `--web.enable-admin-api`.

use std::time::Duration;

use crate::support::{Promlite, Reply, Start, TargetServer, Workspace};

const WAIT: Duration = Duration::from_secs(20);

fn config(target: &str) -> String {
    format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  external_labels:\n    site: lab\nscrape_configs:\n  - job_name: app\n    static_configs: [{{targets: [\"{target}\"]}}]\n"
    )
}

#[test]
fn health_metrics_status_and_federation() {
    let target = TargetServer::start();
    target.set(
        "/metrics",
        Reply::text("# HELP app_requests_total Requests.\n# TYPE app_requests_total counter\napp_requests_total{path=\"/\"} 10\napp_requests_total{path=\"/x\"} 5\n"),
    );
    let ws = Workspace::new();
    let p = Promlite::start(
        &ws,
        Start::config(&config(&target.addr)).arg("--storage.tsdb.retention.time=3d"),
    );
    p.wait_for_series("app_requests_total", WAIT);

    let r = p.get("/-/healthy");
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "Prometheus Server is Healthy.\n")
    );
    let r = p.get("/-/ready");
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "Prometheus Server is Ready.\n")
    );

    // /metrics: the Prometheus names dashboards for Prometheus itself use. The interval
    // summary needs a few scrapes.
    p.eventually("interval summary", WAIT, || {
        p.self_metric("prometheus_target_interval_length_seconds{interval=\"1s\",quantile=\"0.5\"}")
            .ok_or("no prometheus_target_interval_length_seconds".to_string())
    });
    let metrics = p.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .unwrap_or_default()
            .starts_with("text/plain"),
        "{:?}",
        metrics.headers
    );
    let series = p
        .self_metric("prometheus_tsdb_head_series ")
        .expect("head series");
    // Two app series, up and the four other report series.
    assert!(series >= 7.0, "{series}");
    let appended = p
        .self_metric("prometheus_tsdb_head_samples_appended_total")
        .expect("samples appended");
    assert!(appended >= 7.0, "{appended}");
    let q50 = p
        .self_metric("prometheus_target_interval_length_seconds{interval=\"1s\",quantile=\"0.5\"}")
        .unwrap_or(0.0);
    assert!((0.5..2.0).contains(&q50), "median scrape interval {q50}");
    assert_eq!(
        p.self_metric("prometheus_config_last_reload_successful "),
        Some(1.0)
    );

    // status/*.
    let build = p.api("/api/v1/status/buildinfo");
    assert_eq!(build["version"], "3.14.0");
    let config = p.api("/api/v1/status/config");
    let yaml = config["yaml"].as_str().unwrap_or_default();
    assert!(
        yaml.contains("job_name: app") && yaml.contains("site: lab"),
        "{yaml}"
    );
    let flags = p.api("/api/v1/status/flags");
    assert_eq!(
        flags["storage.tsdb.path"],
        ws.data_dir().display().to_string()
    );
    assert_eq!(flags["storage.tsdb.retention.time"], "3d");
    assert_eq!(flags["web.listen-address"], p.addr.as_str());
    assert_eq!(flags["web.enable-admin-api"], "false");
    let info = p.api("/api/v1/status/runtimeinfo");
    assert_eq!(info["storageRetention"], "3d");
    assert_eq!(info["reloadConfigSuccess"], true);
    // Whole seconds (`2026-01-02T03:04:05Z`), as Prometheus reads it back from its
    // reload timestamp gauge.
    let last_config = info["lastConfigTime"].as_str().unwrap_or_default();
    assert!(
        last_config.len() == 20 && last_config.starts_with("20") && last_config.ends_with('Z'),
        "{info}"
    );
    assert!(info["goroutineCount"].as_i64().unwrap_or(0) > 0, "{info}");
    let tsdb = p.api("/api/v1/status/tsdb");
    assert!(
        tsdb["headStats"]["numSeries"].as_i64().unwrap_or(0) >= 7,
        "{tsdb}"
    );
    let by_name = tsdb["seriesCountByMetricName"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        by_name
            .iter()
            .any(|e| e["name"] == "app_requests_total" && e["value"] == 2),
        "{tsdb}"
    );

    // /federate: the selected series in the text format, with external labels.
    let fed =
        p.get("/federate?match%5B%5D=%7Bjob%3D%22app%22%2C__name__%3D%22app_requests_total%22%7D");
    assert_eq!(fed.status, 200);
    let text = fed.text();
    assert!(text.contains("# TYPE app_requests_total untyped"), "{text}");
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), 2, "{text}");
    let want = format!(
        "app_requests_total{{instance=\"{}\",job=\"app\",path=\"/\",site=\"lab\"}} 10 ",
        target.addr
    );
    assert!(lines.iter().any(|l| l.starts_with(&want)), "{text}");
    let bad = p.get("/federate");
    assert_eq!(bad.status, 200, "no match[] is an empty answer");
    assert!(bad.text().is_empty(), "{}", bad.text());

    // The admin API is off without the flag.
    let r = p.post(
        "/api/v1/admin/tsdb/delete_series",
        "match[]=app_requests_total",
    );
    assert_eq!(r.status, 500, "{}", r.text());
    let v = r.json();
    assert_eq!(v["errorType"], "unavailable");
    assert_eq!(v["error"], "admin APIs disabled");
}

#[test]
fn admin_api_deletes_series() {
    let target = TargetServer::start();
    target.set("/metrics", Reply::text("keep_me 1\ndelete_me 2\n"));
    let ws = Workspace::new();
    let p = Promlite::start(
        &ws,
        Start::config(&config(&target.addr)).arg("--web.enable-admin-api"),
    );
    p.wait_for_series("delete_me", WAIT);
    // The target stops exposing the series; one scrape later it is stale.
    target.set("/metrics", Reply::text("keep_me 1\n"));
    p.eventually("delete_me stale", WAIT, || {
        if p.query("delete_me").is_empty() {
            Ok(())
        } else {
            Err("not stale yet".into())
        }
    });
    assert_eq!(p.query("count_over_time(delete_me[1h])").len(), 1);

    let r = p.post("/api/v1/admin/tsdb/delete_series", "match%5B%5D=delete_me");
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(p.query("count_over_time(delete_me[1h])").is_empty());
    let series = p.api("/api/v1/series?match%5B%5D=delete_me");
    assert_eq!(series.as_array().map(Vec::len), Some(0), "{series}");
    // Everything else is still there.
    assert_eq!(p.query("count_over_time(keep_me[1h])").len(), 1);
    let r = p.post("/api/v1/admin/tsdb/clean_tombstones", "");
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(p.query("count_over_time(delete_me[1h])").is_empty());
    assert_eq!(p.query("keep_me").len(), 1);
    // A missing matcher is bad data.
    let r = p.post("/api/v1/admin/tsdb/delete_series", "");
    assert_eq!(r.status, 400, "{}", r.text());
}
