//! `PromqlError`: the one error type of the evaluator, with Prometheus's messages and the
//! HTTP API `errorType` each kind maps to.

use promlite_storage::StorageError;

/// Where in the query's life an abort happened; Prometheus appends it to timeout,
/// cancellation and sample-limit messages ("... in expression evaluation").
pub const ENV_EVALUATION: &str = "expression evaluation";
/// The environment Prometheus names when the limit trips while loading samples.
pub const ENV_QUERY_EXECUTION: &str = "query execution";

/// Errors of query evaluation. `Display` gives Prometheus's message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PromqlError {
    /// The query text does not parse, or uses something the engine is configured to reject
    /// (HTTP `bad_data`).
    #[error("{0}")]
    BadData(String),
    /// The query ran past its deadline (HTTP `timeout`).
    #[error("query timed out in {0}")]
    Timeout(&'static str),
    /// The caller canceled the query (HTTP `canceled`).
    #[error("query was canceled in {0}")]
    Canceled(&'static str),
    /// More samples would be held in memory at once than `max_samples` allows
    /// (HTTP `execution`).
    #[error("query processing would load too many samples into memory in {0}")]
    TooManySamples(&'static str),
    /// A runtime error of the query itself: many-to-many matching, duplicate label sets,
    /// invalid function arguments (HTTP `execution`).
    #[error("{0}")]
    Execution(String),
    /// The storage failed while series were read (HTTP `internal`).
    #[error("{0}")]
    Storage(String),
    /// A bug: an AST shape the parser should never produce (HTTP `internal`).
    #[error("unexpected error: {0}")]
    Internal(String),
}

impl PromqlError {
    /// The `errorType` of Prometheus's HTTP API for this error.
    pub fn error_type(&self) -> &'static str {
        match self {
            PromqlError::BadData(_) => "bad_data",
            PromqlError::Timeout(_) => "timeout",
            PromqlError::Canceled(_) => "canceled",
            PromqlError::TooManySamples(_) | PromqlError::Execution(_) => "execution",
            PromqlError::Storage(_) | PromqlError::Internal(_) => "internal",
        }
    }

    /// Shorthand for an execution error with a message.
    pub(crate) fn exec(msg: impl Into<String>) -> PromqlError {
        PromqlError::Execution(msg.into())
    }
}

impl From<StorageError> for PromqlError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Canceled => PromqlError::Canceled(ENV_EVALUATION),
            other => PromqlError::Storage(format!("expanding series: {other}")),
        }
    }
}

/// Result with [`PromqlError`].
pub type Result<T, E = PromqlError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_types_match_prometheus() {
        let e = PromqlError::TooManySamples(ENV_QUERY_EXECUTION);
        assert_eq!(
            e.to_string(),
            "query processing would load too many samples into memory in query execution"
        );
        assert_eq!(e.error_type(), "execution");
        let e = PromqlError::Timeout(ENV_EVALUATION);
        assert_eq!(e.to_string(), "query timed out in expression evaluation");
        assert_eq!(e.error_type(), "timeout");
        assert_eq!(
            PromqlError::Canceled(ENV_EVALUATION).error_type(),
            "canceled"
        );
        assert_eq!(PromqlError::BadData("x".into()).error_type(), "bad_data");
        let s: PromqlError = StorageError::Io("disk".into()).into();
        assert_eq!(s.error_type(), "internal");
        assert_eq!(s.to_string(), "expanding series: disk");
    }
}
