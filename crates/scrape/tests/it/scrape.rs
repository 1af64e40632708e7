//! End-to-end scrape tests: a `ScrapeManager` scraping a local HTTP server into
//! `MemStorage`. Intervals are short; every wait polls with a generous deadline so the
//! tests hold on a loaded machine.

use std::sync::Arc;
use std::time::Duration;

use promlite_config::Config;
use promlite_model::{is_stale_nan, Labels, Matcher, Sample, SystemClock};
use promlite_scrape::{ScrapeManager, ScrapeManagerOptions, TargetHealth};
use promlite_storage::{MemStorage, Queryable, SelectHints};

use crate::server::{Reply, TestServer};

pub fn series(db: &MemStorage, name: &str) -> Vec<(Labels, Vec<Sample>)> {
    let (lo, hi) = (i64::MIN / 2, i64::MAX / 2);
    let q = db.querier(lo, hi).unwrap();
    q.select(
        &[Matcher::equal("__name__", name)],
        &SelectHints::range(lo, hi),
    )
    .unwrap()
    .map(|s| {
        let s = s.unwrap();
        let samples = s.samples(lo, hi).unwrap();
        (s.labels().clone(), samples)
    })
    .collect()
}

pub fn values(db: &MemStorage, name: &str) -> Vec<f64> {
    series(db, name)
        .into_iter()
        .flat_map(|(_, s)| s.into_iter().map(|x| x.v))
        .collect()
}

pub async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..300 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

pub fn config(yaml: &str) -> Config {
    Config::from_yaml_str(yaml, ".").expect("config parses")
}

pub fn job(name: &str, host: &str, extra: &str) -> String {
    format!(
        "  - job_name: {name}\n    scrape_interval: 100ms\n    scrape_timeout: 100ms\n{extra}    static_configs:\n      - targets: ['{host}']\n"
    )
}

pub fn manager(db: &MemStorage) -> ScrapeManager {
    ScrapeManager::new(
        Arc::new(db.clone()),
        Arc::new(SystemClock),
        ScrapeManagerOptions::default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrapes_a_target_with_prometheus_headers_and_synthetic_series() {
    let srv = TestServer::start(Reply::text(
        "# TYPE m gauge\n# HELP m A gauge.\nm{a=\"1\"} 7\n",
    ))
    .await;
    let db = MemStorage::new();
    let mgr = manager(&db);
    mgr.apply_config(&config(&format!(
        "scrape_configs:\n{}",
        job("svc", &srv.host(), "")
    )))
    .unwrap();
    wait_until("two scrapes", || values(&db, "up").len() >= 2).await;
    let m = series(&db, "m");
    assert_eq!(
        m[0].0,
        Labels::from_pairs([
            ("__name__", "m"),
            ("a", "1"),
            ("job", "svc"),
            ("instance", srv.host().as_str())
        ])
    );
    assert!(m[0].1.iter().all(|s| s.v == 7.0));
    // A scrape may time out on a loaded machine; most must succeed.
    assert!(values(&db, "up").contains(&1.0));
    for name in [
        "scrape_duration_seconds",
        "scrape_samples_scraped",
        "scrape_samples_post_metric_relabeling",
        "scrape_series_added",
    ] {
        assert!(!values(&db, name).is_empty(), "{name}");
    }
    let req = &srv.requests()[0];
    assert_eq!(req[":request-line"], "GET /metrics HTTP/1.1");
    assert_eq!(
        req["accept"],
        "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
    );
    assert_eq!(req["x-prometheus-scrape-timeout-seconds"], "0.1");
    assert_eq!(req["accept-encoding"], "gzip");
    wait_until("healthy", || {
        mgr.targets().active[0].health == TargetHealth::Up
    })
    .await;
    let state = mgr.targets();
    assert_eq!(state.active.len(), 1);
    let t = &state.active[0];
    assert_eq!(t.scrape_url, format!("http://{}/metrics", srv.host()));
    assert_eq!(t.scrape_interval, "100ms");
    assert_eq!(
        t.labels,
        Labels::from_pairs([("job", "svc"), ("instance", srv.host().as_str())])
    );
    assert_eq!(
        t.discovered_labels.get("__address__"),
        Some(srv.host().as_str())
    );
    let meta = t.target.metadata().get("m").unwrap();
    assert_eq!(
        (meta.metric_type.as_str(), meta.help.as_str()),
        ("gauge", "A gauge.")
    );
    assert_eq!(mgr.metadata()["m"].len(), 1);
    mgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_error_status_timeout_and_size_limit_fail_only_their_scrape() {
    let srv = TestServer::start(Reply::text("a 1\n")).await;
    let db = MemStorage::new();
    let mgr = manager(&db);
    mgr.apply_config(&config(&format!(
        "scrape_configs:\n{}",
        job("svc", &srv.host(), "    body_size_limit: 1KB\n")
    )))
    .unwrap();
    wait_until("first scrape", || values(&db, "up").contains(&1.0)).await;
    let last_error = || mgr.targets().active[0].last_error.clone();

    srv.set(Reply::text("a 1\nbad{ 2\n"));
    wait_until("parse error", || {
        last_error().starts_with("expected label name")
    })
    .await;
    assert_eq!(mgr.targets().active[0].health, TargetHealth::Down);
    wait_until("stale a", || {
        values(&db, "a").iter().any(|v| is_stale_nan(*v))
    })
    .await;
    assert!(values(&db, "up").contains(&0.0));

    srv.set(Reply {
        status: 500,
        ..Reply::text("oops")
    });
    wait_until("500", || {
        last_error() == "server returned HTTP status 500 Internal Server Error"
    })
    .await;

    srv.set(Reply::text(&"x 1\n".repeat(1000)));
    wait_until("size limit", || last_error() == "body size limit exceeded").await;
    assert!(
        mgr.metrics_snapshot()
            .target_scrapes_exceeded_body_size_limit_total
            > 0
    );

    srv.set(Reply {
        delay: Duration::from_millis(400),
        ..Reply::text("a 1\n")
    });
    let url = format!(
        "Get \"http://{}/metrics\": context deadline exceeded",
        srv.host()
    );
    wait_until("timeout", || last_error() == url).await;

    srv.set(Reply {
        gzip: true,
        ..Reply::text("gz 42\n")
    });
    wait_until("gzip body", || values(&db, "gz").contains(&42.0)).await;
    wait_until("healthy again", || last_error().is_empty()).await;
    mgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removed_target_gets_staleness_markers() {
    let srv = TestServer::start(Reply::text("a 1\n")).await;
    let db = MemStorage::new();
    let mgr = manager(&db);
    mgr.apply_config(&config(&format!(
        "scrape_configs:\n{}",
        job("svc", &srv.host(), "")
    )))
    .unwrap();
    wait_until("scraped", || !values(&db, "a").is_empty()).await;
    mgr.apply_config(&config("scrape_configs: []\n")).unwrap();
    assert!(mgr.targets().active.is_empty());
    wait_until("stale a and up", || {
        values(&db, "a").last().is_some_and(|v| is_stale_nan(*v))
            && values(&db, "up").last().is_some_and(|v| is_stale_nan(*v))
    })
    .await;
    mgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_bodies_auth_headers_and_openmetrics_negotiation() {
    let mut big = String::from("# TYPE big gauge\n");
    for i in 0..50_000 {
        big.push_str(&format!("big{{i=\"{i}\"}} {i}\n"));
    }
    big.push_str("# EOF\n");
    let srv = TestServer::start(Reply {
        content_type: Some("application/openmetrics-text; version=1.0.0; charset=utf-8".into()),
        ..Reply::text(&big)
    })
    .await;
    let db = MemStorage::new();
    let mgr = manager(&db);
    let extra = "    scrape_interval: 1s\n    scrape_timeout: 1s\n    enable_compression: false\n    basic_auth:\n      username: u\n      password: p\n";
    let yaml = format!(
        "scrape_configs:\n  - job_name: big\n{extra}    static_configs:\n      - targets: ['{}']\n  - job_name: bearer\n    scrape_interval: 1s\n    authorization:\n      credentials: tok\n    static_configs:\n      - targets: ['{}']\n",
        srv.host(),
        srv.host()
    );
    mgr.apply_config(&config(&yaml)).unwrap();
    wait_until("big scraped", || {
        values(&db, "scrape_samples_scraped").contains(&50_000.0)
    })
    .await;
    assert!(db.num_series() >= 50_000);
    // Both jobs scrape the same body: the first finished scrape may be the bearer's.
    wait_until("basic auth scrape", || {
        srv.requests()
            .iter()
            .any(|r| r.get("authorization").map(String::as_str) == Some("Basic dTpw"))
    })
    .await;
    wait_until("bearer scrape", || {
        srv.requests()
            .iter()
            .any(|r| r.get("authorization").map(String::as_str) == Some("Bearer tok"))
    })
    .await;
    assert!(srv
        .requests()
        .iter()
        .any(|r| r.get("accept-encoding").map(String::as_str) == Some("identity")));
    mgr.stop().await;
}
