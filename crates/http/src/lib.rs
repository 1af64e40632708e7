//! The Prometheus HTTP API, /metrics, lifecycle endpoints and federation.
//!
//! [`router`] builds an axum `Router` that answers like Prometheus 3: the same paths,
//! parameters (query string and urlencoded POST bodies), JSON shapes, status codes and
//! `errorType`s, so Grafana, curl and scripts work unchanged. Handlers read the server
//! through [`ApiState`]: the storage traits, a [`QueryEngine`], and small source traits
//! ([`TargetsSource`], [`RulesSource`], ...) that the binary implements.
//!
//! ```
//! use std::sync::Arc;
//! use promlite_http::{router, ApiState};
//! use promlite_storage::MemStorage;
//!
//! let storage = Arc::new(MemStorage::new());
//! let state = ApiState::builder(storage.clone()).admin(storage).build();
//! let app: axum::Router = router(state);
//! # let _ = app;
//! ```

pub mod client;
mod engine;
mod error;
mod handlers;
pub mod json;
mod lenient;
mod metrics;
mod params;
mod promql_glue;
mod response;
mod router;
mod selectors;
mod sources;
mod state;
pub mod timefmt;

pub use engine::{
    api_error_from_promql, truncate_value, CancelOnDrop, CancelToken, MatrixSeries, PromqlEngine,
    QueryEngine, QueryParams, QueryResult, Value, VectorElement,
};
pub use error::{ApiError, ErrorType};
pub use handlers::series::unescape_label_name;
pub use lenient::{LenientIo, LenientListener, RequestTargetFixer};
pub use metrics::HttpMetrics;
pub use params::{
    parse_duration_ns, parse_prometheus_duration_ns, parse_time, Form, MAX_TIME_MS, MIN_TIME_MS,
};
pub use response::{ApiReply, ApiResult};
pub use router::router;
pub use selectors::parse_metric_selector;
pub use sources::{
    ActiveTarget, AlertInfo, AlertState, AlertingRuleInfo, AlertmanagersSource, BuildInfo,
    DroppedTarget, HealthSource, Lifecycle, MetadataSource, MetricsSource, RecordingRuleInfo,
    RuleGroupInfo, RuleHealth, RuleInfo, RulesSource, RuntimeInfo, RuntimeInfoSource, TargetHealth,
    TargetMetadata, TargetsSource, EMULATED_PROMETHEUS_VERSION,
};
pub use state::{ApiState, ApiStateBuilder, Readiness, ReadyState, SharedValue};
