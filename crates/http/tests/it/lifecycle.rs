//! Readiness, health, reload/quit, admin deletions and cancellation of queries whose
//! client went away.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use http::Request;
use promlite_http::{router, Readiness, ReadyState};

use crate::fake_sources::*;
use crate::support::*;

#[tokio::test]
async fn not_ready_gates_the_api_and_federation() {
    let readiness = Readiness::new(ReadyState::NotReady);
    let app = router(fixture_builder().readiness(readiness.clone()).build());
    for path in [
        "/api/v1/query?query=up",
        "/api/v1/labels",
        "/federate?match[]=up",
        "/-/ready",
    ] {
        let a = get(&app, path, &[]).await;
        assert_eq!(a.status.as_u16(), 503, "{path}");
        assert_eq!(a.body, "Service Unavailable");
        assert_eq!(a.headers["X-Prometheus-Stopping"], "false");
    }
    // Health, WAL replay status and /metrics answer while starting.
    assert_eq!(get(&app, "/-/healthy", &[]).await.status.as_u16(), 200);
    assert_eq!(
        get(&app, "/api/v1/status/walreplay", &[])
            .await
            .status
            .as_u16(),
        200
    );
    assert_eq!(get(&app, "/metrics", &[]).await.status.as_u16(), 200);
    readiness.set(ReadyState::Stopping);
    let a = get(&app, "/-/ready", &[]).await;
    assert_eq!(
        (a.status.as_u16(), &a.headers["X-Prometheus-Stopping"]),
        (503, &"true".parse::<http::HeaderValue>().unwrap())
    );
    readiness.set(ReadyState::Ready);
    assert_eq!(get(&app, "/api/v1/labels", &[]).await.status.as_u16(), 200);
    assert_eq!(
        get(&app, "/-/ready", &[]).await.body,
        "Prometheus Server is Ready.\n"
    );
}

#[tokio::test]
async fn poisoned_database_is_not_ready() {
    let (app, sources) = full_router();
    *sources.poisoned.lock().unwrap() = Some("fsync failed: Input/output error".into());
    let a = get(&app, "/-/ready", &[]).await;
    assert_eq!(a.status.as_u16(), 503);
    assert_eq!(
        a.body,
        "Service Unavailable: fsync failed: Input/output error\n"
    );
    // Reads keep working.
    assert_eq!(get(&app, "/api/v1/labels", &[]).await.status.as_u16(), 200);
    assert_eq!(
        get(&app, "/-/healthy", &[]).await.body,
        "Prometheus Server is Healthy.\n"
    );
    assert_eq!(
        method(&app, "HEAD", "/-/healthy").await.status.as_u16(),
        200
    );
}

#[tokio::test]
async fn lifecycle_needs_the_flag() {
    let app = fixture_router();
    for path in ["/-/reload", "/-/quit"] {
        for m in ["POST", "PUT"] {
            let a = method(&app, m, path).await;
            assert_eq!(
                (a.status.as_u16(), a.body.as_str()),
                (403, "Lifecycle API is not enabled."),
                "{m} {path}"
            );
        }
        let a = method(&app, "GET", path).await;
        assert_eq!(
            (a.status.as_u16(), a.body.as_str()),
            (405, "Only POST or PUT requests allowed")
        );
    }
}

#[tokio::test]
async fn reload_and_quit_call_the_binary() {
    let (app, sources) = full_router();
    let a = method(&app, "POST", "/-/reload").await;
    assert_eq!((a.status.as_u16(), a.body.as_str()), (200, ""));
    assert_eq!(sources.reloads.load(Ordering::SeqCst), 1);
    let a = method(&app, "PUT", "/-/quit").await;
    assert_eq!(a.body, "Requesting termination... Goodbye!");
    let a = method(&app, "POST", "/-/quit").await;
    assert_eq!(a.body, "Termination already in progress.");
    assert_eq!(sources.quits.load(Ordering::SeqCst), 1);

    let failing = Arc::new(StaticSources {
        reload_error: Some("bad yaml at line 3".into()),
        ..Default::default()
    });
    let app = router(full_builder(failing).build());
    let a = method(&app, "POST", "/-/reload").await;
    assert_eq!(
        (a.status.as_u16(), a.body.as_str()),
        (500, "failed to reload config: bad yaml at line 3\n")
    );
}

#[tokio::test]
async fn delete_series_and_clean_tombstones() {
    let (app, _) = full_router();
    let before = get(&app, "/api/v1/series", &[("match[]", "up")])
        .await
        .json();
    assert_eq!(before["data"].as_array().unwrap().len(), 3);
    let a = post(
        &app,
        "/api/v1/admin/tsdb/delete_series",
        &[("match[]", "up{job=\"db\"}")],
    )
    .await;
    assert_eq!((a.status.as_u16(), a.body.as_str()), (204, ""));
    let after = get(&app, "/api/v1/series", &[("match[]", "up")])
        .await
        .json();
    assert_eq!(after["data"].as_array().unwrap().len(), 2);
    let a = method(&app, "PUT", "/api/v1/admin/tsdb/clean_tombstones").await;
    assert_eq!(a.status.as_u16(), 204);
    let a = post(&app, "/api/v1/admin/tsdb/delete_series", &[]).await;
    assert_eq!(a.error_type(), (400, "bad_data".to_string()));
}

#[tokio::test]
async fn a_dropped_request_cancels_its_query() {
    let app = fixture_router();
    let req = Request::get(format!("/api/v1/query?query={SLOW_QUERY}"))
        .body(Body::empty())
        .unwrap();
    // The client gives up after 50 ms: the request future is dropped.
    let res = tokio::time::timeout(
        Duration::from_millis(50),
        tower::ServiceExt::oneshot(app.clone(), req),
    )
    .await;
    assert!(res.is_err(), "the slow query should still be running");
    // The engine sees the cancellation and frees its blocking thread quickly; a
    // following query is answered normally.
    let a = tokio::time::timeout(
        Duration::from_secs(5),
        get(&app, "/api/v1/query", &[("query", "up")]),
    )
    .await;
    assert_eq!(a.expect("answered").status.as_u16(), 200);
}

#[tokio::test]
async fn landing_page_and_version() {
    let app = fixture_router();
    let a = get(&app, "/", &[]).await;
    assert_eq!(a.status.as_u16(), 200);
    assert!(a.content_type.starts_with("text/html"));
    assert!(a.body.contains("api/v1/query"));
    let v = get(&app, "/version", &[]).await.json();
    assert_eq!(v["version"], promlite_http::EMULATED_PROMETHEUS_VERSION);
}

#[tokio::test]
async fn requests_are_counted_per_handler() {
    let app = fixture_router();
    get(&app, "/api/v1/query", &[("query", "up")]).await;
    get(&app, "/api/v1/query", &[("query", "up{")]).await;
    get(&app, "/api/v1/label/job/values", &[]).await;
    get(&app, "/nothing/here", &[]).await;
    let m = get(&app, "/metrics", &[]).await.body;
    for line in [
        "prometheus_http_requests_total{code=\"200\",handler=\"/api/v1/query\"} 1\n",
        "prometheus_http_requests_total{code=\"400\",handler=\"/api/v1/query\"} 1\n",
        "prometheus_http_requests_total{code=\"200\",handler=\"/api/v1/label/:name/values\"} 1\n",
        "prometheus_http_request_duration_seconds_count{handler=\"/api/v1/query\"} 2\n",
    ] {
        assert!(m.contains(line), "missing {line:?} in\n{m}");
    }
    assert!(
        !m.contains("/nothing"),
        "unrouted paths are not instrumented"
    );
}

#[tokio::test]
async fn queries_wait_for_a_free_slot() {
    let app = router(fixture_builder().max_concurrent_queries(1).build());
    let slow_app = app.clone();
    let slow = tokio::spawn(async move {
        let req = Request::get(format!("/api/v1/query?query={SLOW_QUERY}"))
            .body(Body::empty())
            .unwrap();
        tower::ServiceExt::oneshot(slow_app, req).await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The only slot is busy: a second query waits.
    let waiting = tokio::time::timeout(
        Duration::from_millis(200),
        get(&app, "/api/v1/query", &[("query", "up")]),
    )
    .await;
    assert!(
        waiting.is_err(),
        "the second query should wait for the slot"
    );
    // Metadata endpoints do not need a query slot.
    assert_eq!(get(&app, "/api/v1/labels", &[]).await.status.as_u16(), 200);
    // Dropping the slow request cancels it and frees the slot.
    slow.abort();
    let a = tokio::time::timeout(
        Duration::from_secs(5),
        get(&app, "/api/v1/query", &[("query", "up")]),
    )
    .await;
    assert_eq!(
        a.expect("answered once the slot is free").status.as_u16(),
        200
    );
}

#[tokio::test]
async fn federation_skips_stale_and_old_series() {
    use promlite_model::ManualClock;
    // Just after queue_depth's staleness marker (step 700) and before batch_tasks'
    // series ended more than 5 minutes ago (step 239).
    let now = T0 + 700 * STEP_MS + 123 + 1_000;
    let app = router(fixture_builder().clock(ManualClock::new(now)).build());
    let a = get(&app, "/federate", &[("match[]", "{job=~\".+\"}")]).await;
    assert_eq!(a.status.as_u16(), 200);
    assert!(
        !a.body.contains("queue_depth"),
        "stale series exported:\n{}",
        a.body
    );
    assert!(
        !a.body.contains("batch_tasks_processed_total"),
        "old series exported:\n{}",
        a.body
    );
    assert!(a.body.contains("# TYPE up untyped\n"), "{}", a.body);
    assert!(
        a.body
            .contains("\nup{instance=\"db-0:9187\",job=\"db\"} 1 "),
        "{}",
        a.body
    );
    // Series without an instance label get an empty one, as in Prometheus.
    assert!(
        a.body.contains("error_ratio{job=\"api\",instance=\"\"} "),
        "{}",
        a.body
    );
    // Without match[] nothing is selected; a bad selector is a plain-text 400.
    assert_eq!(get(&app, "/federate", &[]).await.body, "");
    let bad = get(&app, "/federate", &[("match[]", "up{")]).await;
    assert_eq!(bad.status.as_u16(), 400);
    assert!(
        bad.body
            .ends_with("parse error: unexpected end of input inside braces\n"),
        "{}",
        bad.body
    );
}
