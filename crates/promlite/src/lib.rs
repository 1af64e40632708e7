//! The facade library of promlite: [`Db`] opens a database directory, takes samples
//! through an appender, and answers label selections and PromQL in-process.
//!
//! ```
//! use promlite::{Db, Labels, Options, Value};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let db = Db::open(dir.path(), Options::default()).unwrap();
//!
//! let mut app = db.appender();
//! let series = Labels::from_pairs([("__name__", "http_requests_total"), ("job", "api")]);
//! for i in 0..10 {
//!     app.append(None, &series, i * 15_000, (i * 10) as f64).unwrap();
//! }
//! app.commit().unwrap();
//!
//! let result = db.query_instant("rate(http_requests_total[1m])", 135_000).unwrap();
//! match result.value {
//!     Value::Vector(v) => assert!((v[0].v - 10.0 / 15.0).abs() < 1e-9),
//!     other => panic!("unexpected {other:?}"),
//! }
//! db.close().unwrap();
//! ```

use std::path::Path;
use std::sync::Arc;

use promlite_promql_parser::{parse_with, ParseOptions};

pub use promlite_model::{
    is_stale_nan, Clock, Labels, ManualClock, MatchOp, Matcher, Sample, SharedClock, SystemClock,
    STALE_NAN,
};
pub use promlite_promql::{
    CancelToken, EngineOptions, MatrixSeries, QueryControl, QueryResult, Value, VectorElement,
};
pub use promlite_storage::{
    Appendable, Appender, Querier, Queryable, SampleIterator, SelectHints, Series, SeriesRef,
    SeriesSet, StorageError,
};
pub use promlite_tsdb::{FsyncPolicy, MetricsSnapshot};

/// Errors of the facade: storage, PromQL parse and evaluation errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Tsdb(#[from] promlite_tsdb::TsdbError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Parse(#[from] promlite_promql_parser::ParseError),
    #[error(transparent)]
    Query(#[from] promlite_promql::PromqlError),
    /// A bad matcher or label (e.g. an invalid regex in [`Matcher::new`]).
    #[error(transparent)]
    Model(#[from] promlite_model::ModelError),
}

/// Settings of an embedded database: the storage engine's and the PromQL engine's.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Retention, block range, WAL segment size, fsync policy, clock.
    pub storage: promlite_tsdb::Options,
    /// Lookback delta, sample limit, timeout, experimental functions.
    pub engine: EngineOptions,
}

/// An open promlite database with its PromQL engine.
#[derive(Clone)]
pub struct Db {
    tsdb: Arc<promlite_tsdb::Db>,
    engine: promlite_promql::Engine,
    parse_options: ParseOptions,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("dir", &self.tsdb.dir())
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Opens (or creates) the database in `dir`: replays the WAL and loads the blocks.
    pub fn open(dir: impl AsRef<Path>, opts: Options) -> Result<Db, Error> {
        let tsdb = promlite_tsdb::Db::open(dir, opts.storage)?;
        let parse_options = ParseOptions {
            experimental_functions: opts.engine.enable_experimental_functions,
            ..ParseOptions::default()
        };
        Ok(Db {
            tsdb: Arc::new(tsdb),
            engine: promlite_promql::Engine::new(opts.engine),
            parse_options,
        })
    }

    /// A new appender; samples become visible and durable on [`Appender::commit`].
    pub fn appender(&self) -> Box<dyn Appender> {
        self.tsdb.appender()
    }

    /// A querier over `[mint, maxt]` (ms, inclusive) for label selections.
    pub fn querier(&self, mint: i64, maxt: i64) -> Result<Box<dyn Querier>, Error> {
        Ok(self.tsdb.querier(mint, maxt)?)
    }

    /// Evaluates a PromQL expression at `time_ms`.
    pub fn query_instant(&self, expr: &str, time_ms: i64) -> Result<QueryResult, Error> {
        self.query_instant_with(expr, time_ms, &QueryControl::new())
    }

    /// [`Db::query_instant`] with a per-query control: a [`CancelToken`] another thread
    /// can cancel, a shorter timeout, another lookback delta.
    pub fn query_instant_with(
        &self,
        expr: &str,
        time_ms: i64,
        ctl: &QueryControl,
    ) -> Result<QueryResult, Error> {
        let ast = parse_with(expr, &self.parse_options)?;
        Ok(self
            .engine
            .instant_query(self.tsdb.as_ref(), &ast, time_ms, ctl)?)
    }

    /// Evaluates a PromQL expression at every `step_ms` from `start_ms` to `end_ms`.
    pub fn query_range(
        &self,
        expr: &str,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Result<QueryResult, Error> {
        self.query_range_with(expr, start_ms, end_ms, step_ms, &QueryControl::new())
    }

    /// [`Db::query_range`] with a per-query control (see [`Db::query_instant_with`]).
    pub fn query_range_with(
        &self,
        expr: &str,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
        ctl: &QueryControl,
    ) -> Result<QueryResult, Error> {
        let ast = parse_with(expr, &self.parse_options)?;
        Ok(self
            .engine
            .range_query(self.tsdb.as_ref(), &ast, start_ms, end_ms, step_ms, ctl)?)
    }

    /// The storage engine's counters (series, samples appended, WAL, compactions).
    pub fn metrics(&self) -> MetricsSnapshot {
        self.tsdb.metrics()
    }

    /// The storage engine, for what the facade does not cover (blocks, compaction).
    pub fn storage(&self) -> &Arc<promlite_tsdb::Db> {
        &self.tsdb
    }

    /// Flushes and closes the database; the directory can be reopened afterwards.
    pub fn close(&self) -> Result<(), Error> {
        Ok(self.tsdb.close()?)
    }
}
