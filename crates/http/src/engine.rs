//! The query side as handlers see it: `QueryEngine` (instant and range evaluation),
//! the result values it returns, and `CancelToken`, fired when the HTTP request goes
//! away. Keeping this a trait lets the API be tested with any engine and keeps the
//! adapter to `promlite-promql` in one place.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use promlite_model::{Labels, Sample};

use crate::error::ApiError;

/// A flag the engine polls to stop early; shared between the request and the
/// evaluation thread.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_canceled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// A guard that cancels the token when dropped unless disarmed: held by the request
    /// future, so a client that goes away (the future is dropped) stops the query.
    pub fn cancel_on_drop(&self) -> CancelOnDrop {
        CancelOnDrop {
            token: Some(self.clone()),
        }
    }
}

/// See [`CancelToken::cancel_on_drop`].
#[derive(Debug)]
pub struct CancelOnDrop {
    token: Option<CancelToken>,
}

impl CancelOnDrop {
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
    /// From the `timeout` parameter; the engine also applies its own limit.
    pub timeout: Option<Duration>,
    /// From the `lookback_delta` parameter.
    pub lookback_delta_ms: Option<i64>,
    pub cancel: CancelToken,
}

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorSample {
    pub labels: Labels,
    pub t: i64,
    pub v: f64,
}

/// One series of a range vector.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixSeries {
    pub labels: Labels,
    pub points: Vec<Sample>,
}

/// A query result, in Prometheus's four result types.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryValue {
    Vector(Vec<VectorSample>),
    Matrix(Vec<MatrixSeries>),
    Scalar { t: i64, v: f64 },
    String { t: i64, s: String },
}

impl QueryValue {
    /// `resultType` in the API.
    pub fn type_name(&self) -> &'static str {
        match self {
            QueryValue::Vector(_) => "vector",
            QueryValue::Matrix(_) => "matrix",
            QueryValue::Scalar { .. } => "scalar",
            QueryValue::String { .. } => "string",
        }
    }

    /// Keeps the first `limit` series of a vector or matrix (Prometheus's
    /// `truncateResults`); returns whether anything was cut.
    pub fn truncate(&mut self, limit: usize) -> bool {
        match self {
            QueryValue::Vector(v) if v.len() > limit => {
                v.truncate(limit);
                true
            }
            QueryValue::Matrix(m) if m.len() > limit => {
                m.truncate(limit);
                true
            }
            _ => false,
        }
    }
}

/// A successful evaluation with its annotations (already formatted as text).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryOutput {
    pub value: QueryValue,
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
}

/// Evaluates PromQL. Implementations run on a blocking thread (never on the async
/// runtime) and should poll `params.cancel`.
///
/// Errors carry Prometheus's error class: `BadData` for parse and type errors (the
/// handler prefixes them with `invalid parameter "query": `), `Execution` for errors
/// while evaluating, `Timeout`, `Canceled`, `Internal` for storage failures.
pub trait QueryEngine: Send + Sync {
    fn instant_query(&self, params: &QueryParams) -> Result<QueryOutput, ApiError>;
    fn range_query(&self, params: &QueryParams) -> Result<QueryOutput, ApiError>;
}
