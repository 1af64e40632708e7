//! Administrative operations and statistics beyond reading and writing
//! (`/api/v1/admin/tsdb/*`, `/api/v1/status/tsdb`).

use promlite_model::Matcher;

use crate::Result;

/// Deleting data and reporting on the index.
pub trait StorageAdmin: Send + Sync {
    /// Deletes the samples of matching series in `[mint, maxt]` (tombstones first,
    /// removed from disk by compaction).
    fn delete_series(&self, matchers: &[Matcher], mint: i64, maxt: i64) -> Result<()>;

    /// Rewrites blocks that carry tombstones so deleted data leaves the disk.
    fn clean_tombstones(&self) -> Result<()>;

    /// Head cardinality statistics, the top `limit` entries of each list.
    fn stats(&self, limit: usize) -> Result<TsdbStats>;
}

/// Head block statistics as `/api/v1/status/tsdb` reports them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HeadStats {
    pub num_series: u64,
    pub num_label_pairs: u64,
    pub chunk_count: u64,
    /// Milliseconds; `i64::MAX` when the head is empty, as Prometheus reports it.
    pub min_time: i64,
    /// Milliseconds; `i64::MIN` when the head is empty.
    pub max_time: i64,
}

/// A named count in a top-N list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatEntry {
    pub name: String,
    pub value: u64,
}

/// Everything `/api/v1/status/tsdb` shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TsdbStats {
    pub head: HeadStats,
    pub series_count_by_metric_name: Vec<StatEntry>,
    pub label_value_count_by_label_name: Vec<StatEntry>,
    pub memory_in_bytes_by_label_name: Vec<StatEntry>,
    pub series_count_by_label_value_pair: Vec<StatEntry>,
}
