//! `ApiState`: everything the handlers read, behind one cheaply cloned handle, and
//! `ApiStateBuilder` to assemble it. Handles the binary keeps (readiness, the config
//! text, external labels) are shared values it can update while the server runs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, RwLock};

use promlite_model::{Labels, SharedClock, SystemClock};
use promlite_storage::{Queryable, StorageAdmin};

use crate::engine::QueryEngine;
use crate::error::ApiError;
use crate::metrics::HttpMetrics;
use crate::sources::{
    AlertmanagersSource, BuildInfo, HealthSource, Lifecycle, MetadataSource, MetricsSource,
    RulesSource, RuntimeInfoSource, TargetsSource,
};

/// Prometheus's default `--query.max-concurrency`.
pub const DEFAULT_MAX_CONCURRENT_QUERIES: usize = 20;

/// A value shared between the server and whoever updates it (e.g. on config reload).
#[derive(Debug, Default)]
pub struct SharedValue<T>(Arc<RwLock<T>>);

impl<T> Clone for SharedValue<T> {
    fn clone(&self) -> Self {
        SharedValue(self.0.clone())
    }
}

impl<T: Clone> SharedValue<T> {
    pub fn new(v: T) -> SharedValue<T> {
        SharedValue(Arc::new(RwLock::new(v)))
    }

    pub fn get(&self) -> T {
        match self.0.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn set(&self, v: T) {
        match self.0.write() {
            Ok(mut g) => *g = v,
            Err(poisoned) => *poisoned.into_inner() = v,
        }
    }
}

/// The server's readiness, as Prometheus's web handler tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadyState {
    /// Starting up (WAL replay, ...): the API and `/-/ready` answer 503.
    NotReady = 0,
    Ready = 1,
    /// Shutting down: 503 with `X-Prometheus-Stopping: true`.
    Stopping = 2,
}

/// A shared readiness flag.
#[derive(Debug, Clone)]
pub struct Readiness(Arc<AtomicU8>);

impl Readiness {
    pub fn new(state: ReadyState) -> Readiness {
        Readiness(Arc::new(AtomicU8::new(state as u8)))
    }

    pub fn set(&self, state: ReadyState) {
        self.0.store(state as u8, Ordering::Release);
    }

    pub fn get(&self) -> ReadyState {
        match self.0.load(Ordering::Acquire) {
            1 => ReadyState::Ready,
            2 => ReadyState::Stopping,
            _ => ReadyState::NotReady,
        }
    }
}

impl Default for Readiness {
    fn default() -> Readiness {
        Readiness::new(ReadyState::Ready)
    }
}

/// What the handlers share. Build it with [`ApiState::builder`].
#[derive(Clone)]
pub struct ApiState {
    pub(crate) inner: Arc<ApiInner>,
}

impl std::fmt::Debug for ApiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiState")
            .field("app_name", &self.inner.app_name)
            .field("enable_admin_api", &self.inner.enable_admin_api)
            .field("enable_lifecycle", &self.inner.enable_lifecycle)
            .finish_non_exhaustive()
    }
}

pub(crate) struct ApiInner {
    pub queryable: Arc<dyn Queryable>,
    pub admin: Option<Arc<dyn StorageAdmin>>,
    pub engine: Option<Arc<dyn QueryEngine>>,
    pub clock: SharedClock,
    pub targets: Option<Arc<dyn TargetsSource>>,
    pub metadata: Option<Arc<dyn MetadataSource>>,
    pub rules: Option<Arc<dyn RulesSource>>,
    pub alertmanagers: Option<Arc<dyn AlertmanagersSource>>,
    pub lifecycle: Option<Arc<dyn Lifecycle>>,
    pub metrics: Option<Arc<dyn MetricsSource>>,
    pub runtime_info: Option<Arc<dyn RuntimeInfoSource>>,
    pub health: Option<Arc<dyn HealthSource>>,
    pub config_yaml: SharedValue<String>,
    pub external_labels: SharedValue<Labels>,
    pub flags: BTreeMap<String, String>,
    pub build_info: BuildInfo,
    pub readiness: Readiness,
    pub enable_admin_api: bool,
    pub enable_lifecycle: bool,
    pub app_name: String,
    pub lookback_delta_ms: i64,
    pub cors_origin: Option<regex::Regex>,
    pub quit_requested: AtomicBool,
    pub http_metrics: Arc<HttpMetrics>,
    /// Bounds concurrent query evaluations (`--query.max-concurrency`).
    pub query_slots: Arc<tokio::sync::Semaphore>,
}

impl ApiState {
    /// Starts a builder over the storage the API reads.
    pub fn builder(queryable: Arc<dyn Queryable>) -> ApiStateBuilder {
        ApiStateBuilder::new(queryable)
    }

    /// The current time from the state's clock, in ms.
    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// The readiness handle (shared with whoever built the state).
    pub fn readiness(&self) -> &Readiness {
        &self.inner.readiness
    }

    /// The request counters and latency histograms `/metrics` shows.
    pub fn http_metrics(&self) -> &Arc<HttpMetrics> {
        &self.inner.http_metrics
    }

    pub(crate) fn engine(&self) -> Result<Arc<dyn QueryEngine>, ApiError> {
        self.inner
            .engine
            .clone()
            .ok_or_else(|| ApiError::internal("no query engine configured"))
    }
}

/// Assembles an [`ApiState`]. Everything but the storage is optional: a missing
/// source answers as an empty one (no targets, no rules, ...).
pub struct ApiStateBuilder {
    inner: ApiInner,
}

impl ApiStateBuilder {
    fn new(queryable: Arc<dyn Queryable>) -> ApiStateBuilder {
        ApiStateBuilder {
            inner: ApiInner {
                queryable,
                admin: None,
                engine: None,
                clock: Arc::new(SystemClock),
                targets: None,
                metadata: None,
                rules: None,
                alertmanagers: None,
                lifecycle: None,
                metrics: None,
                runtime_info: None,
                health: None,
                config_yaml: SharedValue::new(String::new()),
                external_labels: SharedValue::new(Labels::empty()),
                flags: BTreeMap::new(),
                build_info: BuildInfo::default(),
                readiness: Readiness::default(),
                enable_admin_api: false,
                enable_lifecycle: false,
                app_name: "Prometheus Server".to_string(),
                lookback_delta_ms: 5 * 60 * 1000,
                cors_origin: None,
                quit_requested: AtomicBool::new(false),
                http_metrics: Arc::new(HttpMetrics::new()),
                query_slots: Arc::new(tokio::sync::Semaphore::new(DEFAULT_MAX_CONCURRENT_QUERIES)),
            },
        }
    }

    /// The storage's admin side. Set it always: `/api/v1/status/tsdb` reads its
    /// statistics even when the admin API is off; [`enable_admin_api`](Self::enable_admin_api)
    /// only gates deletion and tombstone cleaning.
    pub fn admin(mut self, admin: Arc<dyn StorageAdmin>) -> Self {
        self.inner.admin = Some(admin);
        self
    }

    pub fn engine(mut self, engine: Arc<dyn QueryEngine>) -> Self {
        self.inner.engine = Some(engine);
        self
    }

    /// Shorthand for [`engine`](Self::engine) with `promlite-promql`'s engine over the
    /// builder's storage.
    pub fn promql_engine(self, engine: promlite_promql::Engine) -> Self {
        let adapter = crate::engine::PromqlEngine::new(engine, self.inner.queryable.clone());
        self.engine(Arc::new(adapter))
    }

    /// At most this many queries evaluate at once; more wait for a slot
    /// (`--query.max-concurrency`, 20 by default as in Prometheus).
    pub fn max_concurrent_queries(mut self, n: usize) -> Self {
        self.inner.query_slots = Arc::new(tokio::sync::Semaphore::new(n.max(1)));
        self
    }

    /// The clock for defaults such as `time=now` (the system clock otherwise).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.inner.clock = clock;
        self
    }

    pub fn targets(mut self, s: Arc<dyn TargetsSource>) -> Self {
        self.inner.targets = Some(s);
        self
    }

    pub fn metadata(mut self, s: Arc<dyn MetadataSource>) -> Self {
        self.inner.metadata = Some(s);
        self
    }

    pub fn rules(mut self, s: Arc<dyn RulesSource>) -> Self {
        self.inner.rules = Some(s);
        self
    }

    pub fn alertmanagers(mut self, s: Arc<dyn AlertmanagersSource>) -> Self {
        self.inner.alertmanagers = Some(s);
        self
    }

    pub fn lifecycle(mut self, s: Arc<dyn Lifecycle>) -> Self {
        self.inner.lifecycle = Some(s);
        self
    }

    pub fn metrics(mut self, s: Arc<dyn MetricsSource>) -> Self {
        self.inner.metrics = Some(s);
        self
    }

    pub fn runtime_info(mut self, s: Arc<dyn RuntimeInfoSource>) -> Self {
        self.inner.runtime_info = Some(s);
        self
    }

    /// Consulted by `/-/ready` (a poisoned database is not ready).
    pub fn health(mut self, s: Arc<dyn HealthSource>) -> Self {
        self.inner.health = Some(s);
        self
    }

    /// The configuration text shown by `/api/v1/status/config` (update it on reload).
    pub fn config_yaml(mut self, v: SharedValue<String>) -> Self {
        self.inner.config_yaml = v;
        self
    }

    /// The external labels `/federate` attaches (update them on reload).
    pub fn external_labels(mut self, v: SharedValue<Labels>) -> Self {
        self.inner.external_labels = v;
        self
    }

    /// Command-line flags for `/api/v1/status/flags`, names without leading dashes.
    pub fn flags(mut self, flags: BTreeMap<String, String>) -> Self {
        self.inner.flags = flags;
        self
    }

    pub fn build_info(mut self, b: BuildInfo) -> Self {
        self.inner.build_info = b;
        self
    }

    pub fn readiness(mut self, r: Readiness) -> Self {
        self.inner.readiness = r;
        self
    }

    /// `--web.enable-admin-api`.
    pub fn enable_admin_api(mut self, on: bool) -> Self {
        self.inner.enable_admin_api = on;
        self
    }

    /// `--web.enable-lifecycle`.
    pub fn enable_lifecycle(mut self, on: bool) -> Self {
        self.inner.enable_lifecycle = on;
        self
    }

    /// The name in `/-/healthy` and `/-/ready` answers ("Prometheus Server" by default,
    /// so scripts that grep for it keep working).
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.inner.app_name = name.into();
        self
    }

    /// `--query.lookback-delta`, used by `/federate`.
    pub fn lookback_delta_ms(mut self, ms: i64) -> Self {
        self.inner.lookback_delta_ms = ms;
        self
    }

    /// `--web.cors.origin` as an already anchored regex; CORS headers are sent for
    /// every origin when unset (Prometheus's default `.*`).
    pub fn cors_origin(mut self, re: Option<regex::Regex>) -> Self {
        self.inner.cors_origin = re;
        self
    }

    pub fn build(self) -> ApiState {
        ApiState {
            inner: Arc::new(self.inner),
        }
    }
}
