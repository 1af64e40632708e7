//! promlite's storage engine: WAL, head, chunks, blocks, inverted index, compaction,
//! retention and the querier, behind the `promlite-storage` traits.
//!
//! ```
//! use promlite_model::{Labels, Matcher};
//! use promlite_storage::{Appendable, Queryable, SelectHints};
//! use promlite_tsdb::{Db, Options};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let db = Db::open(dir.path(), Options::default()).unwrap();
//! let mut app = db.appender();
//! let up = Labels::from_pairs([("__name__", "up"), ("job", "api")]);
//! app.append(None, &up, 1_000, 1.0).unwrap();
//! app.commit().unwrap();
//! let q = db.querier(0, 10_000).unwrap();
//! let set = q.select(&[Matcher::equal("job", "api")], &SelectHints::range(0, 10_000)).unwrap();
//! assert_eq!(set.count(), 1);
//! db.close().unwrap();
//! ```

pub mod admin;
pub mod backfill;
pub mod block;
pub mod chunk_record;
pub mod compact;
pub mod db;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod head;
pub mod metrics;
pub mod options;
pub mod query;
pub mod util;
pub mod wal;

pub use backfill::BlockWriter;
pub use block::meta::{BlockMeta, BlockStats, CompactionMeta};
pub use db::Db;
pub use error::{Result, TsdbError};
pub use metrics::{MetricKind, MetricValue, MetricsSnapshot};
pub use options::{FsyncPolicy, Options, DEFAULT_BLOCK_RANGE_MS};
