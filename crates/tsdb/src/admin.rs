//! `StorageAdmin` for `Db`: deleting series (tombstones in the WAL and in blocks),
//! rewriting blocks to drop deleted data, and `/api/v1/status/tsdb` statistics.

use std::sync::Arc;

use promlite_model::{Matcher, METRIC_NAME};
use promlite_storage::{HeadStats, Result as StorageResult, StatEntry, StorageAdmin, TsdbStats};

use crate::block::Block;
use crate::db::Db;
use crate::error::{Result, TsdbError};
use crate::metrics::Metrics;
use crate::wal::record::{encode_tombstones, TombstoneEntry};

impl Db {
    /// Deletes samples of matching series in `[mint, maxt]` from the head and every block.
    pub fn delete(&self, matchers: &[Matcher], mint: i64, maxt: i64) -> Result<()> {
        if let Some(why) = self.poisoned() {
            return Err(TsdbError::Poisoned(why));
        }
        let head = &self.inner.head;
        let entries: Vec<TombstoneEntry> = head
            .matching_series(matchers)?
            .iter()
            .filter(|s| {
                let st = s.state.lock();
                st.min_time().is_some_and(|a| a <= maxt) && st.max_time().is_some_and(|b| b >= mint)
            })
            .map(|s| TombstoneEntry {
                id: s.id,
                mint,
                maxt,
            })
            .collect();
        if !entries.is_empty() {
            let mut buf = Vec::new();
            encode_tombstones(&entries, &mut buf);
            {
                let _shared = self.inner.gate.read();
                self.inner.wal.log(&buf, i64::MIN)?;
            }
            head.add_tombstones(&entries);
        }
        for b in self.blocks_snapshot().iter() {
            b.delete(matchers, mint, maxt)?;
        }
        Ok(())
    }

    /// Rewrites every block with tombstones so deleted data leaves the disk.
    pub fn clean_block_tombstones(&self) -> Result<()> {
        let _c = self.inner.compaction_lock.lock();
        let blocks: Vec<Arc<Block>> = self
            .blocks_snapshot()
            .iter()
            .filter(|b| b.has_tombstones())
            .cloned()
            .collect();
        for b in blocks {
            let meta = self.merge_blocks(std::slice::from_ref(&b), false)?;
            self.add_and_remove_blocks(meta.as_ref(), std::slice::from_ref(&b))?;
            Metrics::inc(&self.inner.metrics.tombstone_cleanups);
        }
        Ok(())
    }

    /// Head cardinality statistics, the top `limit` entries of each list.
    pub fn head_stats(&self, limit: usize) -> TsdbStats {
        let head = &self.inner.head;
        let ix = head.index.read();
        let mut by_name = Vec::new();
        let mut value_counts = Vec::new();
        let mut bytes_by_name = Vec::new();
        let mut by_pair = Vec::new();
        for (name, values) in ix.names_with_value_counts() {
            value_counts.push(StatEntry {
                name: name.to_string(),
                value: values.len() as u64,
            });
            let mut bytes = 0u64;
            for (v, postings) in values {
                bytes += (v.len() as u64) * postings.len();
                by_pair.push(StatEntry {
                    name: format!("{name}={v}"),
                    value: postings.len(),
                });
                if name == METRIC_NAME {
                    by_name.push(StatEntry {
                        name: v.to_string(),
                        value: postings.len(),
                    });
                }
            }
            bytes_by_name.push(StatEntry {
                name: name.to_string(),
                value: bytes,
            });
        }
        let top = |mut v: Vec<StatEntry>| {
            v.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.name.cmp(&b.name)));
            v.truncate(limit);
            v
        };
        let chunk_count = self
            .inner
            .metrics
            .head_chunks
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(0) as u64;
        TsdbStats {
            head: HeadStats {
                num_series: ix.num_series(),
                num_label_pairs: ix.num_label_pairs(),
                chunk_count,
                min_time: head.min_time(),
                max_time: head.max_time(),
            },
            series_count_by_metric_name: top(by_name),
            label_value_count_by_label_name: top(value_counts),
            memory_in_bytes_by_label_name: top(bytes_by_name),
            series_count_by_label_value_pair: top(by_pair),
        }
    }
}

impl StorageAdmin for Db {
    fn delete_series(&self, matchers: &[Matcher], mint: i64, maxt: i64) -> StorageResult<()> {
        self.delete(matchers, mint, maxt).map_err(Into::into)
    }

    fn clean_tombstones(&self) -> StorageResult<()> {
        self.clean_block_tombstones().map_err(Into::into)
    }

    fn stats(&self, limit: usize) -> StorageResult<TsdbStats> {
        Ok(self.head_stats(limit))
    }
}
