//! The HTTP handlers, one module per group of endpoints, and the helper that runs
//! blocking work (storage reads, query evaluation) off the async runtime.

pub mod admin;
pub mod federate;
pub mod lifecycle;
pub mod query;
pub mod rules;
pub mod series;
pub mod status;
pub mod targets;

use crate::error::ApiError;

/// Runs `f` on tokio's blocking pool; a panic inside becomes an `internal` error
/// instead of taking the connection down.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(ApiError::internal(format!("request handler failed: {e}"))),
    }
}
