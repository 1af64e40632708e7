//! `StorageError`: the one error type of the storage traits, with Prometheus's wording.

/// Errors of appenders and queriers. The messages are Prometheus's where it has one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StorageError {
    /// A sample older than the newest one of its series.
    #[error("out of order sample")]
    OutOfOrderSample,
    /// A sample at the same timestamp as the newest one, with another value.
    #[error("duplicate sample for timestamp")]
    DuplicateSampleForTimestamp,
    /// A sample too old for the head (before the head's appendable window).
    #[error("out of bounds")]
    OutOfBounds,
    /// A label set that cannot name a series (empty, duplicate names, ...).
    #[error("invalid labels: {0}")]
    InvalidLabels(String),
    /// The database has been closed.
    #[error("database is closed")]
    Closed,
    /// A failed fsync made the database refuse writes.
    #[error("database refuses writes after a failed fsync: {0}")]
    Poisoned(String),
    /// Bytes on disk failed a check; the message names the file and offset.
    #[error("corruption: {0}")]
    Corruption(String),
    /// An I/O failure with its context.
    #[error("{0}")]
    Io(String),
    /// The reader was asked to stop (query canceled or timed out).
    #[error("query canceled")]
    Canceled,
    /// Anything else, with a message.
    #[error("{0}")]
    Other(String),
}

impl StorageError {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl std::fmt::Display, err: std::io::Error) -> StorageError {
        StorageError::Io(format!("{context}: {err}"))
    }
}

/// Result with [`StorageError`].
pub type Result<T, E = StorageError> = std::result::Result<T, E>;
