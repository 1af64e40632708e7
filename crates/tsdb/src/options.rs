//! `Options`: retention, block range, WAL segment size, fsync policy and the clock.

use std::sync::Arc;
use std::time::Duration;

use promlite_encoding::ChunkEncoding;
use promlite_model::{SharedClock, SystemClock};

/// Two hours, Prometheus's default block range.
pub const DEFAULT_BLOCK_RANGE_MS: i64 = 2 * 3600 * 1000;

/// When WAL writes are made durable with fsync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// Never fsync on the write path (segments are still synced when closed). A commit
    /// survives a process crash (the bytes are in the page cache) but not a power loss.
    Never,
    /// A background thread syncs the current segment at this interval.
    Periodic(Duration),
    /// Every commit syncs before returning.
    EveryCommit,
}

/// Settings of a database.
#[derive(Clone, Debug)]
pub struct Options {
    /// Blocks whose data is older than the newest block's end by more than this are
    /// deleted. 0 keeps data forever. Default 15 days, as Prometheus.
    pub retention_time_ms: i64,
    /// Oldest blocks are deleted while blocks + WAL + head chunks take more bytes than
    /// this. 0 means no size limit.
    pub retention_size_bytes: u64,
    /// Range of the blocks cut from the head, in ms (default 2 h). Larger blocks are
    /// multiples of it.
    pub block_range_ms: i64,
    /// Bytes after which the WAL starts a new segment file.
    pub wal_segment_size: u64,
    /// When WAL writes are synced.
    pub fsync: FsyncPolicy,
    /// Size of the `chunks_head/` files that hold completed head chunks.
    pub head_chunks_file_size: u64,
    /// How often the background thread looks for compaction and retention work.
    pub compaction_interval: Duration,
    /// Run the background thread (compaction, retention, periodic fsync). When false,
    /// call [`crate::Db::compact`] yourself.
    pub background_compaction: bool,
    /// Verify the CRC of every block file when opening it (reads every byte once).
    pub verify_block_checksums: bool,
    /// Encoding of chunks written into blocks.
    pub block_chunk_encoding: ChunkEncoding,
    /// The source of "now" (block ids, retention); never the wall clock directly.
    pub clock: SharedClock,
    /// At [`crate::Db::close`], write the head into a snapshot (its chunks as they are)
    /// that replaces the WAL segments: a reopen copies chunks instead of re-encoding every
    /// sample, and the closed database is smaller. Default true.
    pub head_snapshot_on_close: bool,
    /// How far behind the head's newest sample an append may be, in ms; older samples
    /// are out of bounds. `None` is Prometheus's rule, half a block range. A larger
    /// window lets an importer load series one after the other (each in time order)
    /// into the head; samples before the newest block's end stay out of bounds whatever
    /// the window.
    pub append_window_ms: Option<i64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            retention_time_ms: 15 * 24 * 3600 * 1000,
            retention_size_bytes: 0,
            block_range_ms: DEFAULT_BLOCK_RANGE_MS,
            wal_segment_size: 128 << 20,
            fsync: FsyncPolicy::Periodic(Duration::from_secs(1)),
            head_chunks_file_size: 128 << 20,
            compaction_interval: Duration::from_secs(60),
            background_compaction: true,
            verify_block_checksums: true,
            block_chunk_encoding: crate::block::default_block_chunk_encoding(),
            clock: Arc::new(SystemClock),
            head_snapshot_on_close: true,
            append_window_ms: None,
        }
    }
}

impl Options {
    /// Block ranges used by compaction: the base range, then ×3 and ×4 alternately
    /// (2 h, 6 h, 24 h, 72 h, ...), capped at a tenth of the retention time (31 days
    /// when retention is unlimited).
    pub fn compaction_ranges(&self) -> Vec<i64> {
        let base = self.block_range_ms.max(1);
        let cap = if self.retention_time_ms > 0 {
            self.retention_time_ms / 10
        } else {
            31 * 24 * 3600 * 1000
        };
        let mut out = vec![base];
        let mut r = base;
        let mut factor = 3;
        loop {
            let next = r.saturating_mul(factor);
            if next > cap || out.len() >= 10 {
                break;
            }
            out.push(next);
            r = next;
            factor = if factor == 3 { 4 } else { 3 };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_grow_and_respect_the_retention_cap() {
        let h = 3600 * 1000;
        let o = Options::default(); // 15 d retention: cap 36 h
        assert_eq!(o.compaction_ranges(), vec![2 * h, 6 * h, 24 * h]);
        let o = Options {
            retention_time_ms: 10 * h,
            ..Options::default()
        };
        assert_eq!(o.compaction_ranges(), vec![2 * h]);
    }
}
