//! `ScrapeError`: why a scrape (or a target) failed, worded as Prometheus words it, so
//! `/api/v1/targets` shows the same `lastError` text.

use promlite_storage::StorageError;

use crate::exposition::ParseError;

/// The one error type of the scrape crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScrapeError {
    /// The body is malformed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error("sample limit exceeded")]
    SampleLimitExceeded,
    #[error("body size limit exceeded")]
    BodySizeLimitExceeded,
    /// A failed request, a non-200 status, a timeout or an unusable response.
    #[error("{0}")]
    Http(String),
    /// `label_limit`, `label_name_length_limit` or `label_value_length_limit`.
    #[error("{0}")]
    LabelLimit(String),
    #[error("missing metric name (__name__ label)")]
    MissingMetricName,
    #[error("invalid metric name or label names: {0}")]
    InvalidLabels(String),
    /// A storage failure other than the per-sample rejections Prometheus tolerates.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A target whose labels do not make a usable target, or a pool-level refusal
    /// (`target_limit exceeded ...`).
    #[error("{0}")]
    Target(String),
    /// A scrape configuration promlite cannot run (e.g. unreadable TLS files).
    #[error("{0}")]
    Config(String),
}
