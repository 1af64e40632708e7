//! The storage traits between promlite's engine and its users, and an in-memory
//! implementation for tests.
//!
//! Writers (scrape loops, rule evaluation, importers) see [`Appendable`] and [`Appender`];
//! readers (the PromQL engine, the HTTP API) see [`Queryable`], [`Querier`], [`Series`]
//! and [`SampleIterator`]. The on-disk engine (`promlite-tsdb`) and [`MemStorage`] both
//! implement them, so the PromQL engine never knows which one it runs on.
//!
//! ```
//! use promlite_model::{Labels, Matcher};
//! use promlite_storage::{Appendable, MemStorage, Queryable, SelectHints};
//!
//! let db = MemStorage::new();
//! let mut app = db.appender();
//! let up = Labels::from_pairs([("__name__", "up"), ("job", "api")]);
//! app.append(None, &up, 1_000, 1.0).unwrap();
//! app.commit().unwrap();
//!
//! let q = db.querier(0, 10_000).unwrap();
//! let set = q.select(&[Matcher::equal("__name__", "up")], &SelectHints::range(0, 10_000)).unwrap();
//! let series: Vec<_> = set.collect::<Result<_, _>>().unwrap();
//! assert_eq!(series.len(), 1);
//! assert_eq!(series[0].samples(0, 10_000).unwrap().len(), 1);
//! ```

mod admin;
mod append;
mod error;
mod memory;
mod query;

pub use admin::{HeadStats, StatEntry, StorageAdmin, TsdbStats};
pub use append::{Appendable, Appender, SeriesRef};
pub use error::{Result, StorageError};
pub use memory::MemStorage;
pub use query::{
    collect_samples, Querier, Queryable, SampleIterator, SelectHints, Series, SeriesSet,
    VecSampleIterator,
};
