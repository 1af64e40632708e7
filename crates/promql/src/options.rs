//! Engine options (Prometheus's `--query.*` flags) and per-query control: cancellation
//! token and deadline.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{PromqlError, Result, ENV_EVALUATION};

/// Settings of an [`Engine`](crate::Engine). `Default` gives Prometheus's defaults.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// How far back an instant selector looks for the latest sample (`--query.lookback-delta`).
    pub lookback_delta_ms: i64,
    /// Most samples held in memory at once by one query (`--query.max-samples`).
    pub max_samples: usize,
    /// Longest a query may run (`--query.timeout`).
    pub timeout: Duration,
    /// Allow the experimental functions and aggregations (`limitk`, `sort_by_label`, ...),
    /// as Prometheus's `--enable-feature=promql-experimental-functions`.
    pub enable_experimental_functions: bool,
    /// Step of subqueries written without one (`[1h:]`): the global evaluation interval.
    pub default_subquery_step_ms: i64,
    /// Keep `__name__` on intermediate results and drop it only at the end, as Prometheus's
    /// `--enable-feature=promql-delayed-name-removal`. Off by default, as in Prometheus;
    /// the promqltest runner turns it on because Prometheus's test engine does.
    pub enable_delayed_name_removal: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            lookback_delta_ms: 5 * 60 * 1000,
            max_samples: 50_000_000,
            timeout: Duration::from_secs(120),
            enable_experimental_functions: false,
            default_subquery_step_ms: 60 * 1000,
            enable_delayed_name_removal: false,
        }
    }
}

/// A cloneable flag that asks a running query to stop. Clones share the flag.
#[derive(Clone, Debug, Default)]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
}

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Asks every query holding a clone of this token to stop.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    pub fn is_canceled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

/// Per-query control: a cancel token and an optional timeout tighter than the engine's.
#[derive(Clone, Debug, Default)]
pub struct QueryControl {
    pub cancel: CancelToken,
    /// Overrides the engine timeout when shorter (the HTTP API's `timeout` parameter).
    pub timeout: Option<Duration>,
    /// Overrides the engine's lookback delta for this query (the HTTP API's
    /// `lookback_delta` parameter).
    pub lookback_delta_ms: Option<i64>,
}

impl QueryControl {
    pub fn new() -> QueryControl {
        QueryControl::default()
    }

    /// A control that stops when `token` is canceled.
    pub fn with_cancel(token: CancelToken) -> QueryControl {
        QueryControl {
            cancel: token,
            ..QueryControl::default()
        }
    }
}

/// What evaluation checks at regular intervals: the cancel flag and the deadline.
/// `Instant` is monotonic, so the deadline is immune to wall-clock jumps.
#[derive(Clone, Debug)]
pub(crate) struct Abort {
    cancel: CancelToken,
    deadline: Option<Instant>,
}

impl Abort {
    pub(crate) fn new(cancel: CancelToken, timeout: Duration) -> Abort {
        Abort {
            cancel,
            deadline: Instant::now().checked_add(timeout),
        }
    }

    /// Whether the cancel flag is set (cheap; no clock read).
    pub(crate) fn cancel_requested(&self) -> bool {
        self.cancel.is_canceled()
    }

    /// Errors when the query was canceled or ran out of time.
    pub(crate) fn check(&self) -> Result<()> {
        if self.cancel.is_canceled() {
            return Err(PromqlError::Canceled(ENV_EVALUATION));
        }
        if let Some(d) = self.deadline {
            if Instant::now() >= d {
                return Err(PromqlError::Timeout(ENV_EVALUATION));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_and_deadline_are_reported() {
        let token = CancelToken::new();
        let a = Abort::new(token.clone(), Duration::from_secs(60));
        assert!(a.check().is_ok());
        token.cancel();
        assert_eq!(a.check(), Err(PromqlError::Canceled(ENV_EVALUATION)));
        let b = Abort::new(CancelToken::new(), Duration::ZERO);
        assert_eq!(b.check(), Err(PromqlError::Timeout(ENV_EVALUATION)));
    }
}
