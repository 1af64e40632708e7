//! The query side as handlers see it: `QueryEngine` (instant and range evaluation of
//! query text), `PromqlEngine` (the adapter to `promlite-promql`), and `CancelOnDrop`,
//! which fires the query's cancel token when the HTTP request goes away. Keeping the
//! engine behind a trait lets the API be tested with stand-in engines.

use std::sync::Arc;
use std::time::Duration;

use promlite_promql::{Engine, PromqlError, QueryControl};
use promlite_promql_parser::{parse_with, ParseOptions};
use promlite_storage::Queryable;

pub use promlite_promql::{CancelToken, MatrixSeries, QueryResult, Value, VectorElement};

use crate::error::{ApiError, ErrorType};

/// A guard that cancels a token when dropped unless disarmed. The request future holds
/// it, so a client that goes away (axum drops the future) stops the query.
#[derive(Debug)]
pub struct CancelOnDrop {
    token: Option<CancelToken>,
}

impl CancelOnDrop {
    pub fn new(token: CancelToken) -> CancelOnDrop {
        CancelOnDrop { token: Some(token) }
    }

    /// The request finished normally: do not cancel.
    pub fn disarm(mut self) {
        self.token = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(t) = self.token.take() {
            t.cancel();
        }
    }
}

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct QueryParams {
    pub query: String,
    /// Evaluation time of an instant query, or the first step of a range query (ms).
    pub start_ms: i64,
    /// Equal to `start_ms` for an instant query.
    pub end_ms: i64,
    /// 0 for an instant query.
    pub step_ms: i64,
    /// From the `timeout` parameter; the engine's own limit applies when shorter.
    pub timeout: Option<Duration>,
    /// From the `lookback_delta` parameter.
    pub lookback_delta_ms: Option<i64>,
    pub cancel: CancelToken,
}

/// Evaluates PromQL text. Implementations run on a blocking thread (never on the async
/// runtime) and should poll `params.cancel`.
///
/// Errors carry Prometheus's error class: `BadData` for parse and type errors (the
/// handler prefixes them with `invalid parameter "query": `), `Execution` for errors
/// while evaluating, `Timeout`, `Canceled`, and `Internal` for storage failures.
pub trait QueryEngine: Send + Sync {
    fn instant_query(&self, params: &QueryParams) -> Result<QueryResult, ApiError>;
    fn range_query(&self, params: &QueryParams) -> Result<QueryResult, ApiError>;
}

/// Maps an engine error to the API's error class by its `errorType`.
pub fn api_error_from_promql(e: PromqlError) -> ApiError {
    let kind = ErrorType::from_name(e.error_type()).unwrap_or(ErrorType::Internal);
    ApiError::new(kind, e.to_string())
}

/// [`QueryEngine`] over `promlite-promql`'s [`Engine`] and a storage.
#[derive(Clone)]
pub struct PromqlEngine {
    engine: Engine,
    queryable: Arc<dyn Queryable>,
    parse_options: ParseOptions,
}

impl std::fmt::Debug for PromqlEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromqlEngine")
            .field("engine", &self.engine)
            .field("parse_options", &self.parse_options)
            .finish_non_exhaustive()
    }
}

impl PromqlEngine {
    /// Parse options follow the engine: experimental functions are accepted when the
    /// engine enables them.
    pub fn new(engine: Engine, queryable: Arc<dyn Queryable>) -> PromqlEngine {
        let parse_options = ParseOptions {
            experimental_functions: engine.options().enable_experimental_functions,
            ..ParseOptions::default()
        };
        PromqlEngine {
            engine,
            queryable,
            parse_options,
        }
    }

    /// Overrides the parser's feature switches (`--enable-feature=...`).
    pub fn with_parse_options(mut self, parse_options: ParseOptions) -> PromqlEngine {
        self.parse_options = parse_options;
        self
    }

    fn control(params: &QueryParams) -> QueryControl {
        QueryControl {
            cancel: params.cancel.clone(),
            timeout: params.timeout,
            lookback_delta_ms: params.lookback_delta_ms,
        }
    }
}

impl QueryEngine for PromqlEngine {
    fn instant_query(&self, params: &QueryParams) -> Result<QueryResult, ApiError> {
        let expr = parse_with(&params.query, &self.parse_options)
            .map_err(|e| ApiError::bad_data(e.to_string()))?;
        self.engine
            .instant_query(
                self.queryable.as_ref(),
                &expr,
                params.start_ms,
                &Self::control(params),
            )
            .map(|r| with_positions(r, &params.query))
            .map_err(api_error_from_promql)
    }

    fn range_query(&self, params: &QueryParams) -> Result<QueryResult, ApiError> {
        let expr = parse_with(&params.query, &self.parse_options)
            .map_err(|e| ApiError::bad_data(e.to_string()))?;
        self.engine
            .range_query(
                self.queryable.as_ref(),
                &expr,
                params.start_ms,
                params.end_ms,
                params.step_ms,
                &Self::control(params),
            )
            .map(|r| with_positions(r, &params.query))
            .map_err(api_error_from_promql)
    }
}

/// Prometheus 3 ends every warning and info with the position of the expression it is
/// about (`... "foo" (1:6)`).
fn with_positions(mut r: QueryResult, query: &str) -> QueryResult {
    let (warnings, infos) = r.annotations_for_query(query);
    r.warnings = warnings;
    r.infos = infos;
    r
}

/// Keeps the first `limit` series of a vector or matrix (Prometheus's
/// `truncateResults`); returns whether anything was cut.
pub fn truncate_value(value: &mut Value, limit: usize) -> bool {
    match value {
        Value::Vector(v) if v.len() > limit => {
            v.truncate(limit);
            true
        }
        Value::Matrix(m) if m.len() > limit => {
            m.truncate(limit);
            true
        }
        _ => false,
    }
}
