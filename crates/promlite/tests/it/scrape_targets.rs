//! Scraping targets the test serves itself: a malformed body, bodies over
//! `sample_limit` and `body_size_limit` fail only their own target; 200k series arrive
//! whole; gzip; `honor_labels`; `relabel_configs` and `metric_relabel_configs`; targets
//! that go away end their series with staleness markers.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;

use crate::support::{testdata, Promlite, Reply, Start, TargetServer, Workspace};

const WAIT: Duration = Duration::from_secs(20);

/// `huge_metric{i="0"} 0` ... for `n` series.
fn huge_body(n: usize) -> String {
    let mut s = String::with_capacity(n * 32);
    s.push_str("# TYPE huge_metric gauge\n");
    for i in 0..n {
        let _ = writeln!(s, "huge_metric{{i=\"{i}\"}} {i}");
    }
    s
}

/// The active target of `job` in `/api/v1/targets`.
fn active_target(p: &Promlite, job: &str) -> Option<Value> {
    let data = p.api("/api/v1/targets");
    data["activeTargets"]
        .as_array()?
        .iter()
        .find(|t| t["labels"]["job"] == job)
        .cloned()
}

/// Waits until the target of `job` has been scraped with health `health`; returns it.
fn wait_target_health(p: &Promlite, job: &str, health: &str) -> Value {
    p.eventually(&format!("target {job} {health}"), WAIT, || {
        let t = active_target(p, job).ok_or(format!("no target {job}"))?;
        if t["health"] == health {
            Ok(t)
        } else {
            Err(format!("target {job}: {t}"))
        }
    })
}

fn up_of(p: &Promlite, job: &str) -> Option<f64> {
    p.query(&format!("up{{job=\"{job}\"}}"))
        .first()
        .map(Promlite::value)
}

#[test]
fn a_failing_scrape_fails_only_its_target() {
    let target = TargetServer::start();
    target.set("/good", Reply::text("good_metric 1\n"));
    let malformed = std::fs::read(testdata().join("exposition/malformed_missing_equal.prom"))
        .expect("malformed fixture");
    target.set("/malformed", Reply::text(malformed));
    target.set("/huge", Reply::text(huge_body(200_000)));
    let t = &target.addr;
    let config = format!(
        r#"global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: good
    metrics_path: /good
    static_configs: [{{targets: ["{t}"]}}]
  - job_name: malformed
    metrics_path: /malformed
    static_configs: [{{targets: ["{t}"]}}]
  - job_name: sample_limited
    metrics_path: /huge
    scrape_interval: 2s
    scrape_timeout: 2s
    sample_limit: 1000
    static_configs: [{{targets: ["{t}"]}}]
  - job_name: body_limited
    metrics_path: /huge
    body_size_limit: 1MB
    static_configs: [{{targets: ["{t}"]}}]
  - job_name: huge
    metrics_path: /huge
    scrape_interval: 3s
    scrape_timeout: 3s
    static_configs: [{{targets: ["{t}"]}}]
"#
    );
    let ws = Workspace::new();
    let p = Promlite::start(&ws, Start::config(&config));

    wait_target_health(&p, "good", "up");
    let bad = wait_target_health(&p, "malformed", "down");
    let err = bad["lastError"].as_str().unwrap_or_default();
    assert!(
        err.contains(r#"expected equal, got "\"value\"}" ("QSTRING")"#),
        "lastError: {err}"
    );
    let limited = wait_target_health(&p, "sample_limited", "down");
    assert_eq!(limited["lastError"], "sample limit exceeded");
    let body = wait_target_health(&p, "body_limited", "down");
    assert_eq!(body["lastError"], "body size limit exceeded");

    // The 200k-series body arrives whole on the target without limits.
    p.eventually("200k huge series", Duration::from_secs(60), || {
        let r = p.query("count(huge_metric{job=\"huge\"})");
        match r.first().map(Promlite::value) {
            Some(200_000.0) => Ok(()),
            other => Err(format!("count = {other:?}")),
        }
    });

    assert_eq!(up_of(&p, "good"), Some(1.0));
    assert_eq!(up_of(&p, "malformed"), Some(0.0));
    assert_eq!(up_of(&p, "sample_limited"), Some(0.0));
    assert_eq!(up_of(&p, "body_limited"), Some(0.0));
    assert_eq!(up_of(&p, "huge"), Some(1.0));
    assert_eq!(p.query("good_metric").len(), 1);
    // A failed scrape stores nothing of its body, not even the lines before the error.
    assert!(p.query("good_metric{job=\"malformed\"}").is_empty());
    assert!(p
        .query("huge_metric{job=~\"sample_limited|body_limited\"}")
        .is_empty());
    // The report series say why.
    let scraped = p.query("scrape_samples_scraped{job=\"huge\"}");
    assert_eq!(scraped.first().map(Promlite::value), Some(200_000.0));

    let limit_total = p
        .self_metric("prometheus_target_scrapes_exceeded_sample_limit_total ")
        .expect("sample limit counter");
    assert!(limit_total >= 1.0, "{limit_total}");
    let body_total = p
        .self_metric("prometheus_target_scrapes_exceeded_body_size_limit_total ")
        .expect("body size counter");
    assert!(body_total >= 1.0, "{body_total}");
    let head_series = p
        .self_metric("prometheus_tsdb_head_series ")
        .expect("head series");
    assert!(head_series >= 200_000.0, "{head_series}");
}

#[test]
fn gzip_honor_labels_and_relabeling() {
    let target = TargetServer::start();
    target.set(
        "/gz",
        Reply::text("# TYPE gz_metric counter\ngz_metric_total 42\n").gzipped(),
    );
    target.set(
        "/clash",
        Reply::text("clash{job=\"from_target\",instance=\"inner\",x=\"1\"} 7\n"),
    );
    target.set(
        "/relabel",
        Reply::text("keep_me{mode=\"a\"} 1\ndrop_me_total 2\nkeep_me{mode=\"secret\"} 3\n"),
    );
    let t = &target.addr;
    let config = format!(
        r#"global:
  scrape_interval: 1s
scrape_configs:
  - job_name: gzip
    metrics_path: /gz
    static_configs: [{{targets: ["{t}"]}}]
  - job_name: honored
    honor_labels: true
    metrics_path: /clash
    static_configs: [{{targets: ["{t}"]}}]
  - job_name: not_honored
    metrics_path: /clash
    static_configs: [{{targets: ["{t}"]}}]
  - job_name: relabeled
    metrics_path: /relabel
    static_configs:
      - targets: ["{t}", "127.0.0.1:1"]
        labels: {{team: "blue"}}
    relabel_configs:
      - source_labels: [__address__]
        regex: "127\\.0\\.0\\.1:1"
        action: drop
      - target_label: env
        replacement: test
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: "drop_me.*"
        action: drop
      - source_labels: [mode]
        regex: secret
        action: drop
"#
    );
    let ws = Workspace::new();
    let p = Promlite::start(&ws, Start::config(&config));

    let gz = p.wait_for_series("gz_metric_total", WAIT);
    assert_eq!(Promlite::value(&gz[0]), 42.0);
    assert!(
        target.gzip_responses() >= 1,
        "promlite did not ask for gzip"
    );

    // honor_labels keeps the target's job and instance; otherwise they become exported_*.
    let honored = p.wait_for_series("clash{x=\"1\",job=\"from_target\"}", WAIT);
    assert_eq!(honored[0]["metric"]["instance"], "inner");
    let renamed = p.wait_for_series("clash{job=\"not_honored\"}", WAIT);
    let m = &renamed[0]["metric"];
    assert_eq!(m["exported_job"], "from_target");
    assert_eq!(m["exported_instance"], "inner");
    assert_eq!(m["instance"], t.as_str());

    // relabel_configs drops one target and adds a label to the other;
    // metric_relabel_configs drops series by name and by label.
    let kept = p.wait_for_series("keep_me", WAIT);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["metric"]["env"], "test");
    assert_eq!(kept[0]["metric"]["team"], "blue");
    assert_eq!(kept[0]["metric"]["mode"], "a");
    assert!(p.query("drop_me_total").is_empty());
    let targets = p.api("/api/v1/targets");
    let dropped = targets["droppedTargets"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        dropped
            .iter()
            .any(|d| d["discoveredLabels"]["__address__"] == "127.0.0.1:1"),
        "{targets}"
    );
    assert_eq!(p.query("up{job=\"relabeled\"}").len(), 1);
    // The scrape reports count the samples after metric relabeling.
    let post = p.query("scrape_samples_post_metric_relabeling{job=\"relabeled\"}");
    assert_eq!(post.first().map(Promlite::value), Some(1.0));
}

#[test]
fn targets_that_go_away_end_their_series() {
    let mut down = TargetServer::start();
    down.set("/metrics", Reply::text("going_down 1\n"));
    let removed = TargetServer::start();
    removed.set("/metrics", Reply::text("going_away 1\n"));
    let ws = Workspace::new();
    let sd = ws.write(
        "targets.json",
        &format!(r#"[{{"targets": ["{}"]}}]"#, removed.addr),
    );
    let config = format!(
        r#"global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: down
    static_configs: [{{targets: ["{}"]}}]
  - job_name: removed
    file_sd_configs:
      - files: ["{}"]
        refresh_interval: 1s
"#,
        down.addr,
        sd.display()
    );
    let p = Promlite::start(&ws, Start::config(&config));
    p.wait_for_series("going_down", WAIT);
    p.wait_for_series("going_away", WAIT);
    assert_eq!(up_of(&p, "removed"), Some(1.0));

    // A target that stops answering: up goes 0 and its series go stale at once.
    down.stop();
    p.eventually("up of the stopped target = 0", WAIT, || {
        match up_of(&p, "down") {
            Some(0.0) => Ok(()),
            other => Err(format!("up = {other:?}")),
        }
    });
    assert!(p.query("going_down").is_empty(), "series not stale");
    let t = wait_target_health(&p, "down", "down");
    assert!(
        t["lastError"]
            .as_str()
            .unwrap_or_default()
            .contains("refused")
            || !t["lastError"].as_str().unwrap_or_default().is_empty(),
        "{t}"
    );

    // A target that leaves service discovery: up and its series end.
    ws.write("targets.json", "[]");
    p.eventually("removed target's series end", WAIT, || {
        if p.query("up{job=\"removed\"}").is_empty() && p.query("going_away").is_empty() {
            Ok(())
        } else {
            Err("still there".to_string())
        }
    });
    // The data before is still queryable over a range.
    let past = p.query("max_over_time(going_away[1m])");
    assert_eq!(past.first().map(Promlite::value), Some(1.0));
}
