//! Scraping the real Debian `prometheus-node-exporter` every second: its CPU series
//! arrive, `up` is 1, the target is healthy, and its HELP/TYPE reach both metadata
//! endpoints. Skipped with a message when node-exporter is not installed.

use std::time::Duration;

use crate::support::daemons;
use crate::support::{Promlite, Start, Workspace};

#[test]
fn scrapes_debian_node_exporter() {
    let ws = Workspace::new();
    let Some(node) = daemons::node_exporter(&ws, "scrapes_debian_node_exporter") else {
        return;
    };
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: [\"{}\"]\n",
        node.addr
    );
    let p = Promlite::start(&ws, Start::config(&config));

    let cpu = p.wait_for_series("node_cpu_seconds_total", Duration::from_secs(20));
    assert!(
        cpu.iter().any(|s| s["metric"]["mode"] == "idle"),
        "no idle CPU series: {cpu:?}"
    );
    for s in &cpu {
        assert_eq!(s["metric"]["job"], "node");
        assert_eq!(s["metric"]["instance"], node.addr.as_str());
    }
    let up = p.query("up{job=\"node\"}");
    assert_eq!(up.first().map(Promlite::value), Some(1.0), "{up:?}");

    // A dashboard query on it evaluates (rate needs two scrapes).
    let busy = p.eventually("CPU usage query", Duration::from_secs(10), || {
        let r = p.query(
            "100 - (avg by (instance) (irate(node_cpu_seconds_total{mode=\"idle\"}[5m])) * 100)",
        );
        r.first()
            .map(Promlite::value)
            .ok_or("no result".to_string())
    });
    assert!((0.0..=100.0).contains(&busy) || busy.is_nan(), "{busy}");

    let targets = p.api("/api/v1/targets?state=active");
    let t = &targets["activeTargets"][0];
    assert_eq!(t["health"], "up", "{targets}");
    assert_eq!(t["lastError"], "");
    assert_eq!(t["scrapePool"], "node");
    assert_eq!(t["scrapeUrl"], format!("http://{}/metrics", node.addr));
    assert_eq!(t["scrapeInterval"], "1s");
    // A localhost target is shown under the external URL's host name.
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let node_port = node
        .addr
        .rsplit_once(':')
        .map(|(_, p)| p)
        .unwrap_or_default();
    assert_eq!(
        t["globalUrl"],
        format!("http://{hostname}:{node_port}/metrics")
    );

    // Metadata per target and per metric name carry node-exporter's HELP and TYPE.
    let tm = p.api("/api/v1/targets/metadata?metric=node_cpu_seconds_total");
    let entry = tm
        .as_array()
        .and_then(|a| a.first())
        .unwrap_or_else(|| panic!("no target metadata: {tm}"));
    assert_eq!(entry["type"], "counter", "{entry}");
    assert_eq!(entry["help"], "Seconds the CPUs spent in each mode.");
    assert_eq!(entry["target"]["instance"], node.addr.as_str());

    let md = p.api("/api/v1/metadata?metric=node_cpu_seconds_total");
    let list = md["node_cpu_seconds_total"]
        .as_array()
        .unwrap_or_else(|| panic!("no metadata: {md}"));
    assert_eq!(list[0]["type"], "counter");
    assert_eq!(list[0]["help"], "Seconds the CPUs spent in each mode.");
    let all = p.api("/api/v1/metadata");
    assert_eq!(
        all["node_memory_MemTotal_bytes"][0]["type"], "gauge",
        "{all}"
    );
}
