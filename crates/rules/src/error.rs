//! `RulesError`: the one error type of the rules crate.

/// Errors of loading rule files, evaluating rules and sending alerts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RulesError {
    /// A rule file could not be read or failed its checks (one message per problem).
    #[error("{}", .0.join("; "))]
    Load(Vec<String>),
    /// A rule's expression failed to evaluate (the message is the query error).
    #[error("{0}")]
    Eval(String),
    /// An alerting rule produced two alerts with the same labels.
    #[error("vector contains metrics with the same labelset after applying alert labels")]
    DuplicateAlertLabelSet,
    /// A recording rule produced two series with the same labels.
    #[error("vector contains metrics with the same labelset after applying rule labels")]
    DuplicateRecordingLabelSet,
    /// A rule produced more series or alerts than its group's `limit`.
    #[error("exceeded limit of {limit} with {count} {what}")]
    LimitExceeded {
        limit: u64,
        count: usize,
        what: &'static str,
    },
    /// Writing results to storage failed.
    #[error("{0}")]
    Storage(String),
    /// The notifier could not be set up (bad URL, TLS settings).
    #[error("{0}")]
    Notifier(String),
}
