//! `TsdbError`: the one error type of the storage engine, convertible to `StorageError`.

use std::path::{Path, PathBuf};

use promlite_storage::StorageError;

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum TsdbError {
    #[error("out of order sample")]
    OutOfOrderSample,
    #[error("duplicate sample for timestamp")]
    DuplicateSampleForTimestamp,
    #[error("out of bounds")]
    OutOfBounds,
    #[error("invalid labels: {0}")]
    InvalidLabels(String),
    #[error("database is closed")]
    Closed,
    /// A failed fsync or WAL write made the database refuse writes.
    #[error("database refuses writes after a failed fsync: {0}")]
    Poisoned(String),
    /// Bytes on disk failed a check.
    #[error("corruption in {path} at offset {offset}: {message}")]
    Corruption {
        path: PathBuf,
        offset: u64,
        message: String,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// Another process holds the directory's lock file.
    #[error("data directory {0} is locked by another process")]
    Locked(PathBuf),
    #[error("{0}")]
    Other(String),
}

/// Result with [`TsdbError`].
pub type Result<T, E = TsdbError> = std::result::Result<T, E>;

impl TsdbError {
    pub fn io(context: impl std::fmt::Display, source: std::io::Error) -> TsdbError {
        TsdbError::Io {
            context: context.to_string(),
            source,
        }
    }

    pub fn corruption(path: &Path, offset: u64, message: impl std::fmt::Display) -> TsdbError {
        TsdbError::Corruption {
            path: path.to_path_buf(),
            offset,
            message: message.to_string(),
        }
    }
}

/// Adds a path to I/O errors: `fs::write(p, b).ctx(|| format!("writing {}", p.display()))`.
pub(crate) trait IoContext<T> {
    fn ctx<F: FnOnce() -> String>(self, f: F) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn ctx<F: FnOnce() -> String>(self, f: F) -> Result<T> {
        self.map_err(|e| TsdbError::io(f(), e))
    }
}

impl From<TsdbError> for StorageError {
    fn from(e: TsdbError) -> StorageError {
        match e {
            TsdbError::OutOfOrderSample => StorageError::OutOfOrderSample,
            TsdbError::DuplicateSampleForTimestamp => StorageError::DuplicateSampleForTimestamp,
            TsdbError::OutOfBounds => StorageError::OutOfBounds,
            TsdbError::InvalidLabels(m) => StorageError::InvalidLabels(m),
            TsdbError::Closed => StorageError::Closed,
            TsdbError::Poisoned(m) => StorageError::Poisoned(m),
            e @ TsdbError::Corruption { .. } => StorageError::Corruption(e.to_string()),
            e @ TsdbError::Io { .. } => StorageError::Io(e.to_string()),
            e => StorageError::Other(e.to_string()),
        }
    }
}
