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
    parse_metric_selector, router, ApiError, ApiState, ApiStateBuilder, ErrorType, MatrixSeries,
    QueryEngine, QueryOutput, QueryParams, QueryValue, VectorSample,
};
use promlite_model::{is_stale_nan, Labels, ManualClock, Matcher, Sample};
use promlite_storage::{Appendable, MemStorage, Queryable, SelectHints};
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

/// A stand-in for the PromQL engine: numbers, strings and plain selectors (with a
/// 5-minute lookback), plus a few magic queries to provoke errors and cancellation.
#[derive(Debug, Clone)]
pub struct TestEngine {
    pub storage: MemStorage,
}

pub const SLOW_QUERY: &str = "sleep_until_canceled";

impl TestEngine {
    fn eval(&self, params: &QueryParams, t: i64) -> Result<QueryValue, ApiError> {
        let q = params.query.trim();
        if q.is_empty() {
            return Err(ApiError::bad_data(
                "1:1: parse error: no expression found in input",
            ));
        }
        if let Ok(v) = q.parse::<f64>() {
            return Ok(QueryValue::Scalar { t, v });
        }
        if let Some(s) = q.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
            return Ok(QueryValue::String {
                t,
                s: s.to_string(),
            });
        }
        match q {
            "exec_error" => {
                return Err(ApiError::execution(
                    "found duplicate series for the match group",
                ))
            }
            "timeout_error" => {
                return Err(ApiError::new(
                    ErrorType::Timeout,
                    "query timed out in expression evaluation",
                ))
            }
            SLOW_QUERY => {
                let started = Instant::now();
                while started.elapsed() < Duration::from_secs(10) {
                    if params.cancel.is_canceled() {
                        return Err(ApiError::new(
                            ErrorType::Canceled,
                            "query was canceled in expression evaluation",
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                return Err(ApiError::internal("never canceled"));
            }
            _ => {}
        }
        let matchers: Vec<Matcher> = parse_metric_selector(q).map_err(ApiError::bad_data)?;
        let q = self
            .storage
            .querier(t - 300_000 + 1, t)
            .map_err(ApiError::from)?;
        let mut out = Vec::new();
        for s in q
            .select(&matchers, &SelectHints::range(t - 300_000 + 1, t))
            .map_err(ApiError::from)?
        {
            let s = s.map_err(ApiError::from)?;
            let samples = s.samples(t - 300_000 + 1, t).map_err(ApiError::from)?;
            if let Some(last) = samples.last().filter(|x| !is_stale_nan(x.v)) {
                out.push(VectorSample {
                    labels: s.labels().clone(),
                    t,
                    v: last.v,
                });
            }
        }
        Ok(QueryValue::Vector(out))
    }
}

impl QueryEngine for TestEngine {
    fn instant_query(&self, params: &QueryParams) -> Result<QueryOutput, ApiError> {
        let value = self.eval(params, params.start_ms)?;
        let warnings = if params.query == "error_ratio" {
            vec!["PromQL warning: test warning".to_string()]
        } else {
            Vec::new()
        };
        Ok(QueryOutput {
            value,
            warnings,
            infos: Vec::new(),
        })
    }

    fn range_query(&self, params: &QueryParams) -> Result<QueryOutput, ApiError> {
        let mut series: std::collections::BTreeMap<Labels, Vec<Sample>> = Default::default();
        let mut t = params.start_ms;
        while t <= params.end_ms {
            match self.eval(params, t)? {
                QueryValue::Vector(v) => {
                    for s in v {
                        series.entry(s.labels).or_default().push(Sample::new(t, s.v));
                    }
                }
                QueryValue::Scalar { v, .. } => series.entry(Labels::empty()).or_default().push(Sample::new(t, v)),
                QueryValue::String { .. } => {
                    return Err(ApiError::bad_data(
                        "invalid expression type \"string\" for range query, must be Scalar or instant Vector",
                    ))
                }
                QueryValue::Matrix(_) => unreachable!("the test engine makes no matrices"),
            }
            t += params.step_ms;
        }
        let value = QueryValue::Matrix(
            series
                .into_iter()
                .map(|(labels, points)| MatrixSeries { labels, points })
                .collect(),
        );
        Ok(QueryOutput {
            value,
            warnings: Vec::new(),
            infos: Vec::new(),
        })
    }
}

/// A state builder over the fixture, the test engine and a clock at the end of the data.
pub fn fixture_builder() -> ApiStateBuilder {
    let storage = fixture_storage();
    let arc = Arc::new(storage.clone());
    ApiState::builder(arc.clone())
        .admin(arc)
        .engine(Arc::new(TestEngine { storage }))
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
