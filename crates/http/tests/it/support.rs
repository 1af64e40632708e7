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

/// A few series in the oracle's style: `up`, a counter, a gauge with negative and
/// non-ASCII values, a histogram bucket with a normalized `le`, a series that exists
/// only in the first hour, and one that ends with a staleness marker.
pub fn fixture_storage() -> MemStorage {
    let db = MemStorage::new();
    let mut app = db.appender();
    let series: Vec<(Labels, Box<dyn Fn(i64) -> Option<f64>>)> = vec![
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

/// Fixed answers for every source trait, so the status endpoints have something to show.
#[derive(Debug, Default)]
pub struct StaticSources {
    pub reloads: std::sync::atomic::AtomicUsize,
    pub quits: std::sync::atomic::AtomicUsize,
    pub reload_error: Option<String>,
    pub poisoned: std::sync::Mutex<Option<String>>,
}

use promlite_http::{
    ActiveTarget, AlertInfo, AlertState, AlertingRuleInfo, AlertmanagersSource, DroppedTarget,
    HealthSource, Lifecycle, MetadataSource, MetricsSource, RecordingRuleInfo, RuleGroupInfo,
    RuleHealth, RuleInfo, RulesSource, RuntimeInfo, RuntimeInfoSource, TargetHealth,
    TargetMetadata, TargetsSource,
};
use promlite_model::{Metadata, MetricType};
use std::collections::BTreeMap;

impl TargetsSource for StaticSources {
    fn active_targets(&self) -> Vec<ActiveTarget> {
        vec![
            ActiveTarget {
                discovered_labels: Labels::from_pairs([
                    ("__address__", "localhost:9100"),
                    ("__scheme__", "http"),
                    ("job", "node"),
                ]),
                labels: Labels::from_pairs([("instance", "localhost:9100"), ("job", "node")]),
                scrape_pool: "node".into(),
                scrape_url: "http://localhost:9100/metrics".into(),
                global_url: "http://host:9100/metrics".into(),
                last_error: String::new(),
                last_scrape_ms: Some(T_END - 1500),
                last_scrape_duration_seconds: 0.003_25,
                health: TargetHealth::Up,
                scrape_interval: "15s".into(),
                scrape_timeout: "10s".into(),
            },
            ActiveTarget {
                discovered_labels: Labels::from_pairs([
                    ("__address__", "api:8080"),
                    ("job", "api"),
                ]),
                labels: Labels::from_pairs([("instance", "api:8080"), ("job", "api")]),
                scrape_pool: "api".into(),
                scrape_url: "http://api:8080/metrics".into(),
                global_url: "http://api:8080/metrics".into(),
                last_error: "connection refused".into(),
                last_scrape_ms: None,
                last_scrape_duration_seconds: 0.0,
                health: TargetHealth::Down,
                scrape_interval: "30s".into(),
                scrape_timeout: "10s".into(),
            },
        ]
    }

    fn dropped_targets(&self) -> Vec<DroppedTarget> {
        vec![DroppedTarget {
            discovered_labels: Labels::from_pairs([("__address__", "drop:1"), ("job", "node")]),
            scrape_pool: "node".into(),
        }]
    }

    fn dropped_target_counts(&self) -> BTreeMap<String, usize> {
        BTreeMap::from([("api".to_string(), 0), ("node".to_string(), 1)])
    }
}

impl MetadataSource for StaticSources {
    fn targets_metadata(&self) -> Vec<TargetMetadata> {
        let counter = Metadata {
            metric_type: MetricType::Counter,
            help: "Requests <total>.".into(),
            unit: String::new(),
        };
        let gauge = Metadata {
            metric_type: MetricType::Gauge,
            help: "Up.".into(),
            unit: String::new(),
        };
        vec![
            TargetMetadata {
                target: Labels::from_pairs([("instance", "api:8080"), ("job", "api")]),
                metrics: vec![
                    ("http_requests_total".into(), counter.clone()),
                    ("up".into(), gauge.clone()),
                ],
            },
            TargetMetadata {
                target: Labels::from_pairs([("instance", "localhost:9100"), ("job", "node")]),
                metrics: vec![
                    (
                        "node_cpu_seconds_total".into(),
                        Metadata {
                            help: "CPU.".into(),
                            unit: "seconds".into(),
                            ..counter
                        },
                    ),
                    ("up".into(), gauge),
                ],
            },
        ]
    }
}

impl RulesSource for StaticSources {
    fn rule_groups(&self) -> Vec<RuleGroupInfo> {
        vec![
            RuleGroupInfo {
                name: "recording".into(),
                file: "/etc/prometheus/rules.yml".into(),
                interval_seconds: 60.0,
                limit: 0,
                rules: vec![RuleInfo::Recording(RecordingRuleInfo {
                    name: "job:up:sum".into(),
                    query: "sum by (job) (up)".into(),
                    labels: Labels::empty(),
                    health: RuleHealth::Ok,
                    last_error: String::new(),
                    evaluation_time_seconds: 0.000_512,
                    last_evaluation_ms: Some(T_END - 20_000),
                })],
                evaluation_time_seconds: 0.000_6,
                last_evaluation_ms: Some(T_END - 20_000),
            },
            RuleGroupInfo {
                name: "alerts".into(),
                file: "/etc/prometheus/alerts.yml".into(),
                interval_seconds: 15.0,
                limit: 10,
                rules: vec![
                    RuleInfo::Alerting(AlertingRuleInfo {
                        state: AlertState::Firing,
                        name: "InstanceDown".into(),
                        query: "up == 0".into(),
                        duration_seconds: 300.0,
                        keep_firing_for_seconds: 0.0,
                        labels: Labels::from_pairs([("severity", "page")]),
                        annotations: Labels::from_pairs([(
                            "summary",
                            "Instance {{ $labels.instance }} down",
                        )]),
                        alerts: vec![AlertInfo {
                            labels: Labels::from_pairs([
                                ("alertname", "InstanceDown"),
                                ("instance", "api-1:8080"),
                                ("severity", "page"),
                            ]),
                            annotations: Labels::from_pairs([(
                                "summary",
                                "Instance api-1:8080 down",
                            )]),
                            state: AlertState::Firing,
                            active_at_ms: Some(T_END - 600_000),
                            keep_firing_since_ms: None,
                            value: 0.0,
                        }],
                        health: RuleHealth::Ok,
                        last_error: String::new(),
                        evaluation_time_seconds: 0.001,
                        last_evaluation_ms: Some(T_END - 5_000),
                    }),
                    RuleInfo::Alerting(AlertingRuleInfo {
                        state: AlertState::Inactive,
                        name: "Broken".into(),
                        query: "vector(1) > bad".into(),
                        labels: Labels::from_pairs([("severity", "ticket")]),
                        health: RuleHealth::Err,
                        last_error: "bad is not a metric".into(),
                        ..AlertingRuleInfo::default()
                    }),
                ],
                evaluation_time_seconds: 0.0015,
                last_evaluation_ms: Some(T_END - 5_000),
            },
        ]
    }
}

impl AlertmanagersSource for StaticSources {
    fn active(&self) -> Vec<String> {
        vec!["http://alertmanager:9093/api/v2/alerts".into()]
    }
    fn dropped(&self) -> Vec<String> {
        Vec::new()
    }
}

impl Lifecycle for StaticSources {
    fn reload(&self) -> Result<(), String> {
        self.reloads
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        match &self.reload_error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
    fn quit(&self) {
        self.quits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl MetricsSource for StaticSources {
    fn render(&self) -> String {
        "# HELP prometheus_tsdb_head_series Total number of series in the head block.\n\
         # TYPE prometheus_tsdb_head_series gauge\nprometheus_tsdb_head_series 11\n"
            .to_string()
    }
}

impl RuntimeInfoSource for StaticSources {
    fn runtime_info(&self) -> RuntimeInfo {
        RuntimeInfo {
            start_time_ms: T_END - 3_600_000,
            cwd: "/var/lib/promlite".into(),
            hostname: "testhost".into(),
            reload_config_success: true,
            last_config_time_ms: Some(T_END - 3_600_000),
            corruption_count: 0,
            goroutine_count: 12,
            gomaxprocs: 2,
            gomemlimit: i64::MAX,
            gogc: String::new(),
            godebug: String::new(),
            storage_retention: "15d".into(),
        }
    }
}

impl HealthSource for StaticSources {
    fn poisoned(&self) -> Option<String> {
        self.poisoned.lock().ok().and_then(|g| g.clone())
    }
}

/// The fixture state with every source set, admin and lifecycle APIs on.
pub fn full_builder(sources: Arc<StaticSources>) -> ApiStateBuilder {
    fixture_builder()
        .targets(sources.clone())
        .metadata(sources.clone())
        .rules(sources.clone())
        .alertmanagers(sources.clone())
        .lifecycle(sources.clone())
        .metrics(sources.clone())
        .runtime_info(sources.clone())
        .health(sources)
        .enable_admin_api(true)
        .enable_lifecycle(true)
        .config_yaml(promlite_http::SharedValue::new(
            "global:\n  scrape_interval: 15s\n  external_labels:\n    cluster: eu-1\n".to_string(),
        ))
        .external_labels(promlite_http::SharedValue::new(Labels::from_pairs([(
            "cluster", "eu-1",
        )])))
        .flags(BTreeMap::from([
            ("storage.tsdb.path".to_string(), "data/".to_string()),
            ("web.enable-lifecycle".to_string(), "true".to_string()),
        ]))
}

pub fn full_router() -> (Router, Arc<StaticSources>) {
    let sources = Arc::new(StaticSources::default());
    (router(full_builder(sources.clone()).build()), sources)
}
