//! promlite among its peers: remote write from one promlite to another (the receiver)
//! and to Debian's real Prometheus; real Prometheus scraping promlite's `/metrics` (every
//! family must parse for it); a second promlite federating the first with
//! `honor_labels`; a scrape slower than `scrape_timeout`; `/-/quit`. The Prometheus
//! parts are skipped with a message when it is not installed.

use std::time::Duration;

use serde_json::Value;

use crate::support::daemons::{self, Daemon};
use crate::support::http::{self, encode};
use crate::support::{eventually, Promlite, Reply, Start, TargetServer, Workspace};

const WAIT: Duration = Duration::from_secs(30);

/// `data.result` of an instant query against real Prometheus.
fn prometheus_query(p: &Daemon, q: &str) -> Result<Vec<Value>, String> {
    let r = http::get(&p.addr, &format!("/api/v1/query?query={}", encode(q)))?;
    let v = r.json();
    if v["status"] != "success" {
        return Err(r.text());
    }
    Ok(v["data"]["result"].as_array().cloned().unwrap_or_default())
}

#[test]
fn remote_write_federation_and_real_prometheus() {
    let target = TargetServer::start();
    target.set(
        "/metrics",
        Reply::text("# HELP rw_metric A gauge.\n# TYPE rw_metric gauge\nrw_metric{k=\"v\"} 42\n"),
    );

    // The receiving promlite.
    let ws_b = Workspace::new();
    let b = Promlite::start(
        &ws_b,
        Start::config("global:\n  scrape_interval: 1s\n").arg("--web.enable-remote-write-receiver"),
    );

    // Real Prometheus: receives remote write and scrapes promlite A (found by file_sd).
    let ws_p = Workspace::new();
    ws_p.write("targets.json", "[]");
    let prometheus = daemons::prometheus(
        &ws_p,
        "remote_write_federation_and_real_prometheus (real Prometheus parts)",
        &format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: promlite\n    file_sd_configs:\n      - files: [\"{}\"]\n        refresh_interval: 1s\n",
            ws_p.path("targets.json").display()
        ),
    );

    // promlite A scrapes the target and writes to both.
    let mut remote = format!(
        "  - url: http://{}/api/v1/write\n    queue_config: {{batch_send_deadline: 1s}}\n",
        b.addr
    );
    if let Some(p) = &prometheus {
        remote.push_str(&format!(
            "  - url: http://{}/api/v1/write\n    queue_config: {{batch_send_deadline: 1s}}\n",
            p.addr
        ));
    }
    let ws_a = Workspace::new();
    let config_a = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  external_labels:\n    cluster: a\nscrape_configs:\n  - job_name: app\n    static_configs: [{{targets: [\"{}\"]}}]\nremote_write:\n{remote}",
        target.addr
    );
    let a = Promlite::start(
        &ws_a,
        Start::config(&config_a).arg("--web.enable-lifecycle"),
    );

    // Remote write promlite → promlite, with A's external labels.
    let got = b.wait_for_series("rw_metric{cluster=\"a\"}", WAIT);
    assert_eq!(got[0]["metric"]["job"], "app");
    assert_eq!(got[0]["metric"]["k"], "v");
    assert_eq!(Promlite::value(&got[0]), 42.0);
    assert_eq!(
        b.wait_for_series("up{cluster=\"a\",job=\"app\"}", WAIT)
            .len(),
        1
    );
    let sent = a
        .self_metric("prometheus_remote_storage_samples_total")
        .expect("remote samples counter");
    assert!(sent > 0.0, "{sent}");

    // Federation: C scrapes A's /federate with honor_labels and keeps A's labels.
    let ws_c = Workspace::new();
    let config_c = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: federate\n    honor_labels: true\n    metrics_path: /federate\n    params:\n      'match[]': ['{{job=\"app\"}}']\n    static_configs: [{{targets: [\"{}\"]}}]\n",
        a.addr
    );
    let c = Promlite::start(&ws_c, Start::config(&config_c));
    let fed = c.wait_for_series("rw_metric", WAIT);
    assert_eq!(fed[0]["metric"]["job"], "app");
    assert_eq!(fed[0]["metric"]["cluster"], "a");
    assert_eq!(fed[0]["metric"]["instance"], target.addr.as_str());
    let up = c.query("up{job=\"federate\"}");
    assert_eq!(up.first().map(Promlite::value), Some(1.0), "{up:?}");

    if let Some(p) = &prometheus {
        let context = || format!("{}\n--- prometheus ---\n{}", a.log(), p.log());
        // Remote write promlite → Prometheus.
        eventually("rw_metric in Prometheus", WAIT, context, || {
            let r = prometheus_query(p, "rw_metric{cluster=\"a\",job=\"app\"}")?;
            if r.is_empty() {
                Err("nothing yet".into())
            } else {
                Ok(())
            }
        });
        // Prometheus scrapes promlite's /metrics: every family parses.
        ws_p.write(
            "targets.json",
            &format!(r#"[{{"targets": ["{}"]}}]"#, a.addr),
        );
        let target = eventually("Prometheus scraping promlite", WAIT, context, || {
            let r = http::get(&p.addr, "/api/v1/targets")?;
            let v = r.json();
            let t = v["data"]["activeTargets"]
                .as_array()
                .and_then(|a| a.first().cloned())
                .ok_or("no target yet")?;
            if t["health"] == "unknown" {
                Err(format!("{t}"))
            } else {
                Ok(t)
            }
        });
        assert_eq!(target["health"], "up", "{target}");
        assert_eq!(target["lastError"], "");
        let series = eventually("promlite's metrics in Prometheus", WAIT, context, || {
            let r = prometheus_query(p, "prometheus_tsdb_head_series{job=\"promlite\"}")?;
            if r.is_empty() {
                Err("nothing yet".into())
            } else {
                Ok(r)
            }
        });
        assert_eq!(series.len(), 1);
    }

    // /-/quit shuts A down cleanly.
    let r = a.post("/-/quit", "");
    assert_eq!(r.status, 200, "{}", r.text());
    let status = a.wait_exit(Duration::from_secs(30));
    assert!(status.success(), "{status}");
}

#[test]
fn a_scrape_slower_than_its_timeout_fails() {
    let slow = TargetServer::start();
    slow.set(
        "/metrics",
        Reply {
            delay: Some(Duration::from_secs(3)),
            ..Reply::text("slow_metric 1\n")
        },
    );
    let fast = TargetServer::start();
    fast.set("/metrics", Reply::text("fast_metric 1\n"));
    let ws = Workspace::new();
    let config = format!(
        "global:\n  scrape_interval: 2s\n  scrape_timeout: 500ms\nscrape_configs:\n  - job_name: slow\n    static_configs: [{{targets: [\"{}\"]}}]\n  - job_name: fast\n    static_configs: [{{targets: [\"{}\"]}}]\n",
        slow.addr, fast.addr
    );
    let p = Promlite::start(&ws, Start::config(&config));
    let t = p.eventually("slow target down", WAIT, || {
        let v = p.api("/api/v1/targets");
        let t = v["activeTargets"]
            .as_array()
            .and_then(|a| a.iter().find(|t| t["labels"]["job"] == "slow").cloned())
            .ok_or("no slow target")?;
        if t["health"] == "down" {
            Ok(t)
        } else {
            Err(format!("{t}"))
        }
    });
    assert_eq!(
        t["lastError"],
        format!(
            "Get \"http://{}/metrics\": context deadline exceeded",
            slow.addr
        )
    );
    let duration = t["lastScrapeDuration"].as_f64().unwrap_or(0.0);
    assert!((0.4..1.5).contains(&duration), "{t}");
    assert_eq!(
        p.query("up{job=\"slow\"}").first().map(Promlite::value),
        Some(0.0)
    );
    assert!(p.query("slow_metric").is_empty());
    p.wait_for_series("fast_metric", WAIT);
}
