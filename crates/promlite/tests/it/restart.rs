//! Shutdown and restart on the same data directory: SIGTERM exits 0 after a clean close
//! and every sample is there after a restart; after SIGKILL the WAL replay brings back
//! every committed sample too; with two-second blocks, samples the head hands over to
//! blocks keep answering the same, before and after a restart.

use std::time::Duration;

use crate::support::{Promlite, Reply, Start, TargetServer, Workspace};

const WAIT: Duration = Duration::from_secs(20);

fn config(target: &str) -> String {
    format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: app\n    static_configs: [{{targets: [\"{target}\"]}}]\n"
    )
}

/// (newest sample time in s, samples of `restart_metric` and `up` up to then).
fn snapshot(p: &Promlite) -> (f64, f64, f64) {
    let t = Promlite::value(&p.query("timestamp(restart_metric)")[0]);
    let (samples, ups) = counts_at(p, t);
    (t, samples, ups)
}

/// Samples of `restart_metric` and `up` in the hour up to `t` (s).
fn counts_at(p: &Promlite, t: f64) -> (f64, f64) {
    let count = |q: &str| {
        let data = p.api(&format!(
            "/api/v1/query?query={}&time={t}",
            crate::support::http::encode(q)
        ));
        data["result"][0]["value"][1]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.0)
    };
    (
        count("count_over_time(restart_metric[1h])"),
        count("count_over_time(up{job=\"app\"}[1h])"),
    )
}

fn run_until_samples(p: &Promlite, n: f64) {
    p.eventually("enough samples", WAIT, || {
        let r = p.query("count_over_time(restart_metric[1h])");
        match r.first().map(Promlite::value) {
            Some(c) if c >= n => Ok(()),
            other => Err(format!("count {other:?}")),
        }
    });
}

#[test]
fn sigterm_keeps_every_sample() {
    let target = TargetServer::start();
    target.set("/metrics", Reply::text("restart_metric 7\n"));
    let ws = Workspace::new();
    let p = Promlite::start(&ws, Start::config(&config(&target.addr)));
    run_until_samples(&p, 3.0);
    let (t, samples, ups) = snapshot(&p);
    let status = p.terminate();
    assert!(status.success(), "exit status {status}");

    let p = Promlite::start(&ws, Start::config(&config(&target.addr)));
    assert_eq!(counts_at(&p, t), (samples, ups));
    assert!(p.log().contains("TSDB started"), "{}", p.log());
    // And it carries on scraping into the same series.
    p.eventually("new samples after restart", WAIT, || {
        let now = Promlite::value(&p.query("timestamp(restart_metric)")[0]);
        if now > t {
            Ok(())
        } else {
            Err(format!("{now} <= {t}"))
        }
    });
}

#[test]
fn sigkill_loses_no_committed_sample() {
    let target = TargetServer::start();
    target.set("/metrics", Reply::text("restart_metric 7\n"));
    let ws = Workspace::new();
    let p = Promlite::start(&ws, Start::config(&config(&target.addr)));
    run_until_samples(&p, 3.0);
    let (t, samples, ups) = snapshot(&p);
    p.signal(libc::SIGKILL);
    drop(p);

    let p = Promlite::start(&ws, Start::config(&config(&target.addr)));
    assert_eq!(counts_at(&p, t), (samples, ups));
}

#[test]
fn samples_moved_into_blocks_stay_queryable() {
    let target = TargetServer::start();
    target.set("/metrics", Reply::text("restart_metric 7\n"));
    let ws = Workspace::new();
    // Two-second blocks: the head is cut into blocks within seconds.
    let start = Start::config(&config(&target.addr)).arg("--storage.tsdb.min-block-duration=2s");
    let p = Promlite::start(&ws, start.clone());
    run_until_samples(&p, 3.0);
    let (t, samples, ups) = snapshot(&p);
    // Wait until the head no longer holds time t: those samples now live in blocks.
    p.eventually("head truncated past the snapshot", WAIT, || {
        let stats = p.api("/api/v1/status/tsdb");
        let min_time = stats["headStats"]["minTime"].as_i64().unwrap_or(0);
        if min_time as f64 > t * 1000.0 {
            Ok(())
        } else {
            Err(format!("head minTime {min_time}"))
        }
    });
    let blocks = p
        .self_metric("prometheus_tsdb_blocks_loaded ")
        .unwrap_or(0.0);
    assert!(blocks >= 1.0, "{blocks} blocks");
    assert_eq!(counts_at(&p, t), (samples, ups));
    // Across the head/block boundary too: every scrape once.
    let (now, all, all_up) = snapshot(&p);
    assert_eq!(all, all_up, "at {now}");
    assert!(all > samples);

    let status = p.terminate();
    assert!(status.success(), "{status}");
    let p = Promlite::start(&ws, start);
    assert_eq!(counts_at(&p, t), (samples, ups));
    assert_eq!(counts_at(&p, now), (all, all_up));
}
