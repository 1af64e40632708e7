//! Target manager tests: reloads keep loops, relabeling builds and drops targets,
//! file_sd files are re-read, target_limit fails scrapes.

use std::sync::Arc;
use std::time::Duration;

use crate::scrape::{config, job, manager, values, wait_until};
use crate::server::{Reply, TestServer};
use promlite_storage::MemStorage;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_keeps_unchanged_targets_and_their_loops() {
    let a = TestServer::start(Reply::text("a 1\n")).await;
    let b = TestServer::start(Reply::text("b 1\n")).await;
    let db = MemStorage::new();
    let mgr = manager(&db);
    let one = format!("scrape_configs:\n{}", job("a", &a.host(), ""));
    mgr.apply_config(&config(&one)).unwrap();
    wait_until("a scraped", || !values(&db, "a").is_empty()).await;
    let before = mgr.targets().active[0].target.clone();
    // Same config again, then a second job added: job a keeps its target and loop.
    mgr.apply_config(&config(&one)).unwrap();
    let two = format!(
        "scrape_configs:\n{}{}",
        job("a", &a.host(), ""),
        job("b", &b.host(), "")
    );
    mgr.apply_config(&config(&two)).unwrap();
    let state = mgr.targets();
    assert_eq!(state.active.len(), 2);
    assert!(
        Arc::ptr_eq(&state.active[0].target, &before)
            || Arc::ptr_eq(&state.active[1].target, &before)
    );
    wait_until("b scraped", || !values(&db, "b").is_empty()).await;
    assert_eq!(mgr.scrape_pools(), vec!["a".to_string(), "b".to_string()]);
    // Changing job a restarts its loop (new target object) without staleness markers.
    let changed = format!(
        "scrape_configs:\n{}{}",
        job("a", &a.host(), "    honor_labels: true\n"),
        job("b", &b.host(), "")
    );
    mgr.apply_config(&config(&changed)).unwrap();
    let after = mgr
        .targets()
        .active
        .iter()
        .find(|t| t.scrape_pool == "a")
        .unwrap()
        .target
        .clone();
    assert!(!Arc::ptr_eq(&after, &before));
    let n = values(&db, "a").len();
    wait_until("a keeps being scraped", || values(&db, "a").len() > n + 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        values(&db, "a")
            .iter()
            .all(|v| !promlite_model::is_stale_nan(*v)),
        "no end-of-run staleness on reload"
    );
    assert!(mgr.metrics_snapshot().target_scrape_pool_reloads_total >= 1);
    mgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relabeling_builds_urls_and_drops_targets() {
    let srv = TestServer::start(Reply::text("a 1\n")).await;
    let db = MemStorage::new();
    let mgr = manager(&db);
    let yaml = format!(
        "scrape_configs:\n  - job_name: r\n    scrape_interval: 100ms\n    scrape_timeout: 100ms\n    params:\n      module: [http_2xx]\n    static_configs:\n      - targets: ['{h}', 'drop.me:1']\n        labels:\n          env: test\n    relabel_configs:\n      - source_labels: [__address__]\n        regex: drop.*\n        action: drop\n      - target_label: __param_target\n        replacement: x y\n      - target_label: __metrics_path__\n        replacement: /probe\n",
        h = srv.host()
    );
    mgr.apply_config(&config(&yaml)).unwrap();
    let state = mgr.targets();
    assert_eq!(state.active.len(), 1);
    assert_eq!(
        state.active[0].scrape_url,
        format!("http://{}/probe?module=http_2xx&target=x+y", srv.host())
    );
    assert_eq!(state.active[0].labels.get("env"), Some("test"));
    assert_eq!(state.dropped.len(), 1);
    assert_eq!(
        state.dropped[0].discovered_labels.get("__address__"),
        Some("drop.me:1")
    );
    assert_eq!(state.dropped[0].discovered_labels.get("job"), Some("r"));
    assert_eq!(state.dropped_counts["r"], 1);
    wait_until("probe scraped", || !values(&db, "a").is_empty()).await;
    assert_eq!(
        srv.requests()[0][":request-line"],
        "GET /probe?module=http_2xx&target=x+y HTTP/1.1"
    );
    mgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_sd_targets_follow_the_file() {
    let a = TestServer::start(Reply::text("from_a 1\n")).await;
    let b = TestServer::start(Reply::text("from_b 1\n")).await;
    let dir = std::env::temp_dir().join(format!("promlite-scrape-filesd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("targets.json");
    std::fs::write(
        &file,
        format!(
            r#"[{{"targets":["{}"],"labels":{{"team":"x"}}}}]"#,
            a.host()
        ),
    )
    .unwrap();
    let db = MemStorage::new();
    let mgr = manager(&db);
    let yaml = format!(
        "scrape_configs:\n  - job_name: f\n    scrape_interval: 100ms\n    scrape_timeout: 100ms\n    file_sd_configs:\n      - files: ['{}/*.json']\n        refresh_interval: 100ms\n",
        dir.display()
    );
    mgr.apply_config(&config(&yaml)).unwrap();
    wait_until("a scraped", || !values(&db, "from_a").is_empty()).await;
    let t = &mgr.targets().active[0];
    assert_eq!(t.labels.get("team"), Some("x"));
    assert_eq!(
        t.discovered_labels.get("__meta_filepath"),
        Some(file.display().to_string().as_str())
    );
    assert_eq!(t.labels.get("__meta_filepath"), None);
    std::fs::write(&file, format!(r#"[{{"targets":["{}"]}}]"#, b.host())).unwrap();
    wait_until("b scraped", || !values(&db, "from_b").is_empty()).await;
    assert_eq!(mgr.targets().active.len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
    mgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_limit_fails_every_scrape_of_the_pool() {
    let a = TestServer::start(Reply::text("a 1\n")).await;
    let b = TestServer::start(Reply::text("a 1\n")).await;
    let db = MemStorage::new();
    let mgr = manager(&db);
    let yaml = format!(
        "scrape_configs:\n  - job_name: t\n    scrape_interval: 100ms\n    scrape_timeout: 100ms\n    target_limit: 1\n    static_configs:\n      - targets: ['{}', '{}']\n",
        a.host(),
        b.host()
    );
    mgr.apply_config(&config(&yaml)).unwrap();
    wait_until("limit error", || {
        mgr.targets()
            .active
            .iter()
            .all(|t| t.last_error == "target_limit exceeded (number of targets: 2, limit: 1)")
    })
    .await;
    assert!(values(&db, "a").is_empty());
    mgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_http_settings_fail_the_pool_not_the_manager() {
    let srv = TestServer::start(Reply::text("ok 1\n")).await;
    let db = MemStorage::new();
    let mgr = manager(&db);
    let yaml = format!(
        "scrape_configs:\n{}  - job_name: tls\n    scheme: https\n    tls_config:\n      ca_file: /nonexistent/ca.pem\n    static_configs:\n      - targets: ['{}']\n",
        job("good", &srv.host(), ""),
        srv.host()
    );
    let err = mgr.apply_config(&config(&yaml)).unwrap_err().to_string();
    assert!(
        err.starts_with("unable to read CA file /nonexistent/ca.pem"),
        "{err}"
    );
    assert_eq!(mgr.scrape_pools(), vec!["good".to_string()]);
    assert_eq!(mgr.metrics_snapshot().target_scrape_pools_failed_total, 1);
    wait_until("good scraped", || !values(&db, "ok").is_empty()).await;
    mgr.stop().await;
}
