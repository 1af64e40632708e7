//! Prometheus's web flags on the binary: the route prefix taken from
//! `--web.external-url` (redirects, 404 outside it, promlite scraping itself under it),
//! the external URL alerts link to (`$externalURL`, by default
//! `http://<hostname>:<port>`), CORS per `--web.cors.origin`, flags accepted for
//! compatibility, and `--web.config.file` refused.

use std::time::Duration;

use crate::support::http;
use crate::support::server::start_expecting_exit;
use crate::support::{Promlite, Start, Workspace};

const WAIT: Duration = Duration::from_secs(20);

/// A rule whose annotation shows `$externalURL`, and promlite scraping itself.
fn config(metrics_path: &str) -> String {
    format!(
        r#"global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["rules.yml"]
scrape_configs:
  - job_name: self
    metrics_path: {metrics_path}
    static_configs: [{{targets: ["127.0.0.1:{{{{PORT}}}}"]}}]
"#
    )
}

const RULES: &str = "groups:\n  - name: g\n    rules:\n      - alert: Always\n        expr: vector(1)\n        annotations:\n          link: \"{{ $externalURL }}\"\n";

fn external_url_annotation(p: &Promlite) -> String {
    p.eventually("the Always alert", WAIT, || {
        let alerts = p.api("/api/v1/alerts");
        alerts["alerts"][0]["annotations"]["link"]
            .as_str()
            .map(str::to_string)
            .ok_or(format!("no alert yet: {alerts}"))
    })
}

#[test]
fn route_prefix_from_external_url() {
    let ws = Workspace::new();
    ws.write("rules.yml", RULES);
    let p = Promlite::start(
        &ws,
        Start::config(&config("/prom/metrics"))
            .arg("--web.external-url=https://proxy.example/prom/")
            .prefix("/prom"),
    );
    assert_eq!(p.get("/-/healthy").status, 200);
    let up = p.wait_for_series("up{job=\"self\"}", WAIT);
    assert_eq!(Promlite::value(&up[0]), 1.0, "self-scrape under the prefix");
    assert_eq!(external_url_annotation(&p), "https://proxy.example/prom");

    // Outside the prefix: the root redirects into it, the rest is not found.
    for path in ["/", "/prom"] {
        let r = http::get(&p.addr, path).expect("GET");
        assert_eq!(r.status, 302, "{path}");
        assert_eq!(r.header("location"), Some("/prom/"), "{path}");
    }
    let home = http::get(&p.addr, "/prom/").expect("GET /prom/");
    assert_eq!(home.status, 200);
    assert!(
        home.text().contains("href=\"api/v1/targets\""),
        "{}",
        home.text()
    );
    for path in [
        "/api/v1/query?query=1",
        "/metrics",
        "/-/healthy",
        "/promx/metrics",
    ] {
        let r = http::get(&p.addr, path).expect("GET");
        assert_eq!(r.status, 404, "{path}");
    }
    // POST with a query string under the prefix.
    let r = p.post("/api/v1/query?query=up", "");
    assert_eq!(r.json()["status"], "success", "{}", r.text());
}

#[test]
fn default_external_url_cors_and_compatibility_flags() {
    let ws = Workspace::new();
    ws.write("rules.yml", RULES);
    let p = Promlite::start(
        &ws,
        Start::config(&config("/metrics"))
            .arg("--web.console.libraries=/usr/share/prometheus/console_libraries")
            .arg("--web.console.templates=/usr/share/prometheus/consoles")
            .arg("--storage.tsdb.wal-compression")
            .arg("--web.page-title=Ops")
            .arg("--storage.remote.flush-deadline=5s")
            .arg("--query.max-concurrency=2"),
    );
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let port = p
        .addr
        .rsplit_once(':')
        .map(|(_, port)| port)
        .unwrap_or_default();
    assert_eq!(
        external_url_annotation(&p),
        format!("http://{hostname}:{port}")
    );
    // The rule group's self-metrics, under Prometheus's names.
    let group = format!("rule_group=\"{};g\"", ws.path("rules.yml").display());
    let rules = p
        .self_metric(&format!("prometheus_rule_group_rules{{{group}}}"))
        .expect("prometheus_rule_group_rules");
    assert_eq!(rules, 1.0);
    let evaluations = p
        .self_metric(&format!("prometheus_rule_evaluations_total{{{group}}}"))
        .expect("prometheus_rule_evaluations_total");
    assert!(evaluations >= 1.0, "{evaluations}");
    assert_eq!(
        p.self_metric(&format!(
            "prometheus_rule_evaluation_failures_total{{{group}}}"
        )),
        Some(0.0)
    );
    assert_eq!(
        p.self_metric(&format!(
            "prometheus_rule_group_interval_seconds{{{group}}}"
        )),
        Some(1.0)
    );
    let flags = p.api("/api/v1/status/flags");
    assert_eq!(
        flags["web.console.templates"],
        "/usr/share/prometheus/consoles"
    );
    assert_eq!(flags["web.cors.origin"], ".*");
    assert_eq!(flags["query.max-concurrency"], "2");

    // CORS for any origin by default, as Prometheus's `.*`.
    let r = http::request(
        &p.addr,
        "GET",
        "/api/v1/query?query=1",
        &[("Origin", "http://grafana:3000")],
        b"",
    )
    .expect("GET");
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    drop(p);

    let ws = Workspace::new();
    ws.write("rules.yml", RULES);
    let p = Promlite::start(
        &ws,
        Start::config(&config("/metrics")).arg("--web.cors.origin=https://grafana\\.example"),
    );
    let allowed = http::request(
        &p.addr,
        "GET",
        "/api/v1/labels",
        &[("Origin", "https://grafana.example")],
        b"",
    )
    .expect("GET");
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://grafana.example")
    );
    let other = http::request(
        &p.addr,
        "GET",
        "/api/v1/labels",
        &[("Origin", "https://evil.example")],
        b"",
    )
    .expect("GET");
    assert_eq!(other.status, 200);
    assert_eq!(other.header("access-control-allow-origin"), None);
}

#[test]
fn web_config_file_is_refused() {
    let ws = Workspace::new();
    let web = ws.write("web.yml", "basic_auth_users:\n  admin: $2y$10$abc\n");
    let (code, out) = start_expecting_exit(
        &ws,
        Start::default().arg(&format!("--web.config.file={}", web.display())),
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("--web.config.file") && out.contains("not supported by promlite"),
        "{out}"
    );
}
