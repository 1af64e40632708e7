//! Shared test fixtures: a `MemStorage` with a few series shaped like the oracle's
//! dataset, a small stand-in query engine, request helpers over `Router::oneshot`, and
//! golden-file comparison (rebless with `BLESS=1`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::Router;
use http::{Request, StatusCode};
use promlite_http::{
    router, ApiError, ApiState, ApiStateBuilder, ErrorType, PromqlEngine, QueryEngine, QueryParams,
    QueryResult,
};
use promlite_model::{Labels, ManualClock};
use promlite_promql::{Engine, EngineOptions};
use promlite_storage::{Appendable, MemStorage};
use tower::ServiceExt;

/// 2025-12-31T21:00:00Z, the start of the oracle's dataset.
pub const T0: i64 = 1_767_214_800_000;
/// Three hours later.
pub const T_END: i64 = T0 + 3 * 3600 * 1000;
pub const STEP_MS: i64 = 15_000;

/// The value of a fixture series at step `i`, `None` for no sample.
type ValueAt = Box<dyn Fn(i64) -> Option<f64>>;

/// A few series in the oracle's style: `up`, a counter, a gauge with negative and
/// non-ASCII values, a histogram bucket with a normalized `le`, a series that exists
/// only in the first hour, and one that ends with a staleness marker.
pub fn fixture_storage() -> MemStorage {
    let db = MemStorage::new();
    let mut app = db.appender();
    let series: Vec<(Labels, ValueAt)> = vec![
        (
            Labels::from_pairs([
                ("__name__", "up"),
                ("job", "api"),
                ("instance", "api-0:8080"),
            ]),
            Box::new(|_| Some(1.0)),
        ),
        (
            Labels::from_pairs([
                ("__name__", "up"),
                ("job", "api"),
                ("instance", "api-1:8080"),
            ]),
            Box::new(|i| Some(if i % 100 < 10 { 0.0 } else { 1.0 })),
        ),
        (
            Labels::from_pairs([("__name__", "up"), ("job", "db"), ("instance", "db-0:9187")]),
            Box::new(|_| Some(1.0)),
        ),
        (
            Labels::from_pairs([
                ("__name__", "http_requests_total"),
                ("job", "api"),
                ("instance", "api-0:8080"),
                ("method", "GET"),
                ("code", "200"),
            ]),
            Box::new(|i| Some(5000.0 + 3.5 * i as f64)),
        ),
        (
            Labels::from_pairs([
                ("__name__", "http_requests_total"),
                ("job", "api"),
                ("instance", "api-0:8080"),
                ("method", "POST"),
                ("code", "500"),
            ]),
            Box::new(|i| Some(120.0 + 0.25 * i as f64)),
        ),
        (
            Labels::from_pairs([
                ("__name__", "temperature_celsius"),
                ("location", "zürich-lab"),
                ("region", "eu"),
            ]),
            Box::new(|i| Some(-196.0 + (i % 7) as f64 * 0.1)),
        ),
        (
            Labels::from_pairs([("__name__", "error_ratio"), ("job", "api")]),
            Box::new(|i| Some(1.5e-7 * (1 + i % 3) as f64)),
        ),
        (
            Labels::from_pairs([
                ("__name__", "http_request_duration_seconds_bucket"),
                ("handler", "/api/users"),
                ("le", "1.0"),
            ]),
            Box::new(|i| Some(i as f64)),
        ),
        (
            Labels::from_pairs([
                ("__name__", "http_request_duration_seconds_bucket"),
                ("handler", "/api/users"),
                ("le", "+Inf"),
            ]),
            Box::new(|i| Some(i as f64 + 2.0)),
        ),
        (
            Labels::from_pairs([
                ("__name__", "batch_tasks_processed_total"),
                ("job", "worker"),
                ("worker", "w-early"),
            ]),
            Box::new(|i| (i < 240).then_some(i as f64)),
        ),
        (
            Labels::from_pairs([
                ("__name__", "queue_depth"),
                ("job", "worker"),
                ("queue", "q<1>&"),
            ]),
            Box::new(|i| {
                Some(if i == 700 {
                    promlite_model::STALE_NAN
                } else if i > 700 {
                    return None;
                } else {
                    (i % 5) as f64
                })
            }),
        ),
    ];
    let n = (T_END - T0) / STEP_MS;
    for (labels, f) in &series {
        for i in 0..n {
            if let Some(v) = f(i) {
                // Millisecond fractions like the oracle's scrape jitter.
                let t = T0 + i * STEP_MS + 123;
                app.append(None, labels, t, v).expect("append");
            }
        }
    }
    app.commit().expect("commit");
    db
}

/// The real PromQL engine, plus a few magic queries that provoke errors the fixture
/// data cannot (timeouts, cancellation).
#[derive(Debug, Clone)]
pub struct TestEngine {
    pub inner: PromqlEngine,
}

pub const SLOW_QUERY: &str = "sleep_until_canceled";

impl TestEngine {
    fn scripted(&self, params: &QueryParams) -> Option<Result<QueryResult, ApiError>> {
        match params.query.as_str() {
            "timeout_error" => Some(Err(ApiError::new(
                ErrorType::Timeout,
                "query timed out in expression evaluation",
            ))),
            SLOW_QUERY => {
                let started = Instant::now();
                while started.elapsed() < Duration::from_secs(10) {
                    if params.cancel.is_canceled() {
                        return Some(Err(ApiError::new(
                            ErrorType::Canceled,
                            "query was canceled in expression evaluation",
                        )));
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Some(Err(ApiError::internal("never canceled")))
            }
            _ => None,
        }
    }
}

impl QueryEngine for TestEngine {
    fn instant_query(&self, params: &QueryParams) -> Result<QueryResult, ApiError> {
        self.scripted(params)
            .unwrap_or_else(|| self.inner.instant_query(params))
    }

    fn range_query(&self, params: &QueryParams) -> Result<QueryResult, ApiError> {
        self.scripted(params)
            .unwrap_or_else(|| self.inner.range_query(params))
    }
}

/// A state builder over the fixture, the test engine and a clock at the end of the data.
pub fn fixture_builder() -> ApiStateBuilder {
    let storage = fixture_storage();
    let arc = Arc::new(storage.clone());
    ApiState::builder(arc.clone())
        .admin(arc)
        .engine(Arc::new(TestEngine {
            inner: PromqlEngine::new(Engine::new(EngineOptions::default()), Arc::new(storage)),
        }))
        .clock(ManualClock::new(T_END))
}

pub fn fixture_router() -> Router {
    router(fixture_builder().build())
}

/// A finished response.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// `(status, errorType)` of an error envelope.
    pub fn error_type(&self) -> (u16, String) {
        let j = self.json();
        assert_eq!(j["status"], "error", "{}", self.body);
        (
            self.status.as_u16(),
            j["errorType"].as_str().unwrap_or_default().to_string(),
        )
    }

    pub fn error_message(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

pub async fn send(app: &Router, req: Request<Body>) -> Answer {
    let resp = app.clone().oneshot(req).await.expect("infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    Answer {
        status,
        content_type,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Percent-encodes a form value.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn form_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn get(app: &Router, path: &str, pairs: &[(&str, &str)]) -> Answer {
    let uri = if pairs.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", form_string(pairs))
    };
    send(app, Request::get(uri).body(Body::empty()).expect("request")).await
}

pub async fn post(app: &Router, path: &str, pairs: &[(&str, &str)]) -> Answer {
    let req = Request::post(path)
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(Body::from(form_string(pairs)))
        .expect("request");
    send(app, req).await
}

pub async fn method(app: &Router, m: &str, path: &str) -> Answer {
    send(
        app,
        Request::builder()
            .method(m)
            .uri(path)
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

/// `testdata/http` at the repository root.
pub fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/http")
}

/// Compares (or with `BLESS=1` writes) `testdata/http/<name>.golden`.
pub fn check_golden(name: &str, request: &str, answer: &Answer) {
    let text = format!(
        "{request}\nHTTP {}\ncontent-type: {}\n\n{}\n",
        answer.status.as_u16(),
        answer.content_type,
        answer.body
    );
    let path = golden_dir().join(format!("{name}.golden"));
    if std::env::var_os("BLESS").is_some() {
        std::fs::create_dir_all(golden_dir()).expect("create testdata/http");
        std::fs::write(&path, &text).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with BLESS=1 to create it)", path.display()));
    assert_eq!(
        text, want,
        "golden mismatch for {name} (rebless with BLESS=1 and review the diff)"
    );
}
