//! Compaction and retention: persisting the oldest block range of the head into a
//! block, merging blocks into larger ranges (2 h → 6 h → 24 h ...) and overlapping
//! blocks into one, applying tombstones on the way, and deleting whole blocks past the
//! retention time or size.

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use promlite_model::{Labels, Sample, SharedClock};

use crate::block::meta::{BlockMeta, CompactionMeta};
use crate::block::writer::BlockBuilder;
use crate::block::{delete_block_dir, Block};
use crate::db::Db;
use crate::error::Result;
use crate::metrics::Metrics;
use crate::query::chunks::decode_series_into;
use crate::util::floor_to;
use crate::wal::checkpoint::write_checkpoint;
use crate::wal::snapshot::{numbered_dirs, SNAPSHOT_PREFIX};

/// A new block id from the clock's time and a counter (unique within the process).
pub fn new_ulid(clock: &SharedClock) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = clock.now_ms().max(0) as u64;
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut seed = Vec::with_capacity(24);
    seed.extend_from_slice(&now.to_le_bytes());
    seed.extend_from_slice(&n.to_le_bytes());
    seed.extend_from_slice(&u64::from(std::process::id()).to_le_bytes());
    let random = xxhash_rust::xxh3::xxh3_128(&seed);
    ulid::Ulid::from_parts(now, random).to_string()
}

/// Sorts samples by time and keeps the first of equal timestamps.
pub(crate) fn sort_dedup(samples: &mut Vec<Sample>) {
    samples.sort_by_key(|s| s.t);
    samples.dedup_by_key(|s| s.t);
}

/// The blocks to compact next, by id: first any overlapping blocks, then the first
/// aligned window of a larger range holding at least two blocks that newer data has
/// already passed.
pub fn plan_compaction(metas: &[BlockMeta], ranges: &[i64]) -> Option<Vec<String>> {
    let mut sorted: Vec<&BlockMeta> = metas.iter().collect();
    sorted.sort_by_key(|m| (m.min_time, m.max_time));
    // Overlapping blocks (e.g. a backfill over existing data) are merged first.
    let mut group: Vec<&BlockMeta> = Vec::new();
    let mut group_max = i64::MIN;
    for m in &sorted {
        if !group.is_empty() && m.min_time < group_max {
            group.push(m);
            group_max = group_max.max(m.max_time);
            continue;
        }
        if group.len() > 1 {
            return Some(group.iter().map(|m| m.ulid.clone()).collect());
        }
        group = vec![m];
        group_max = m.max_time;
    }
    if group.len() > 1 {
        return Some(group.iter().map(|m| m.ulid.clone()).collect());
    }
    let newest = sorted.iter().map(|m| m.max_time).max()?;
    for &range in ranges.iter().skip(1) {
        let mut i = 0;
        while i < sorted.len() {
            let start = floor_to(sorted[i].min_time, range);
            let end = start.saturating_add(range);
            let window: Vec<&BlockMeta> = sorted[i..]
                .iter()
                .take_while(|m| m.min_time < end)
                .copied()
                .collect();
            i += window.len().max(1);
            let inside: Vec<&BlockMeta> = window
                .into_iter()
                .filter(|m| m.min_time >= start && m.max_time <= end)
                .collect();
            if inside.len() > 1 && end <= newest {
                return Some(inside.iter().map(|m| m.ulid.clone()).collect());
            }
        }
    }
    None
}

impl Db {
    /// Runs every pending compaction: head → blocks, block merges, then retention.
    pub fn compact(&self) -> Result<()> {
        let _c = self.inner.compaction_lock.lock();
        self.compact_head_locked()?;
        let r = self.compact_blocks_locked();
        if r.is_err() {
            Metrics::inc(&self.inner.metrics.compactions_failed);
        }
        r?;
        self.apply_retention_locked()?;
        self.update_block_metrics();
        Ok(())
    }

    /// Persists head data while the head spans more than 1.5 block ranges.
    fn compact_head_locked(&self) -> Result<()> {
        let head = &self.inner.head;
        let range = self.inner.opts.block_range_ms;
        loop {
            if head.is_empty() || head.max_time().saturating_sub(head.min_time()) <= range / 2 * 3 {
                return Ok(());
            }
            let mint = floor_to(head.min_time(), range);
            let maxt = mint.saturating_add(range);
            self.persist_head_range(mint, maxt)?;
            Metrics::inc(&self.inner.metrics.head_compactions);
        }
    }

    /// Writes the head's data in `[mint, maxt)` as a block (even if the head does not span
    /// 1.5 ranges yet), then truncates the head and the WAL.
    pub fn persist_head_range(&self, mint: i64, maxt: i64) -> Result<Option<BlockMeta>> {
        let head = &self.inner.head;
        let mut series: Vec<_> = head
            .all_series()
            .iter()
            .filter_map(|s| head.snapshot(s, mint, maxt - 1))
            .collect();
        series.sort_by(|a, b| a.labels.cmp(&b.labels));
        let mut symbols = BTreeSet::new();
        for s in &series {
            for l in s.labels.iter() {
                if !symbols.contains(l.name) {
                    symbols.insert(l.name.to_string());
                }
                if !symbols.contains(l.value) {
                    symbols.insert(l.value.to_string());
                }
            }
        }
        let ulid = new_ulid(&self.inner.opts.clock);
        let mut builder = BlockBuilder::new(
            &self.inner.dir,
            ulid.clone(),
            mint,
            maxt,
            &symbols,
            self.inner.opts.block_chunk_encoding,
        )?;
        drop(symbols);
        let mut buf = Vec::new();
        for s in &series {
            buf.clear();
            decode_series_into(&s.chunks, &s.deleted, mint, maxt - 1, &mut buf)?;
            builder.add_series(&s.labels, &buf)?;
        }
        drop(series);
        let meta = builder.finish(CompactionMeta {
            level: 1,
            sources: vec![ulid],
            parents: Vec::new(),
        })?;
        if let Some(m) = &meta {
            self.add_and_remove_blocks(Some(m), &[])?;
            tracing::info!(block = %m.ulid, mint, maxt, series = m.stats.num_series, samples = m.stats.num_samples, "head persisted into a block");
        }
        head.set_min_valid_time(maxt);
        head.truncate(maxt)?;
        self.truncate_wal(maxt)?;
        Ok(meta)
    }

    /// Starts a new WAL segment and replaces the segments that only hold samples older
    /// than `boundary` with a checkpoint of the head's series.
    fn truncate_wal(&self, boundary: i64) -> Result<()> {
        {
            let _exclusive = self.inner.gate.write();
            self.inner.wal.rotate()?;
        }
        if let Some(upto) = self.inner.wal.droppable_prefix(boundary) {
            let head = &self.inner.head;
            write_checkpoint(
                self.inner.wal.dir(),
                upto,
                &head.series_entries(),
                &head.all_tombstones(),
            )?;
            self.inner.wal.remove_segments_upto(upto)?;
            Metrics::inc(&self.inner.metrics.checkpoints);
            // The checkpoint names every head series, so a head snapshot whose samples
            // blocks now all hold is no longer needed.
            let mut snapshot_max_t = self.inner.snapshot_max_t.lock();
            if snapshot_max_t.is_some_and(|t| t < boundary) {
                for (_, path) in numbered_dirs(self.inner.wal.dir(), SNAPSHOT_PREFIX)? {
                    std::fs::remove_dir_all(&path).map_err(|e| {
                        crate::TsdbError::io(format!("removing {}", path.display()), e)
                    })?;
                }
                *snapshot_max_t = None;
            }
        }
        Ok(())
    }

    /// Opens `new` (if any), swaps the block list and deletes the directories of `old`.
    pub(crate) fn add_and_remove_blocks(
        &self,
        new: Option<&BlockMeta>,
        old: &[Arc<Block>],
    ) -> Result<()> {
        let opened = match new {
            Some(m) => Some(Arc::new(Block::open(&self.inner.dir.join(&m.ulid), false)?)),
            None => None,
        };
        {
            let mut list = self.inner.blocks.write();
            let gone: HashSet<&str> = old.iter().map(|b| b.meta().ulid.as_str()).collect();
            let mut v: Vec<Arc<Block>> = list
                .iter()
                .filter(|b| !gone.contains(b.meta().ulid.as_str()))
                .cloned()
                .collect();
            if let Some(b) = opened {
                v.push(b);
            }
            v.sort_by_key(|b| (b.meta().min_time, b.meta().max_time));
            *list = Arc::new(v);
        }
        for b in old {
            delete_block_dir(b.dir())?;
        }
        self.update_block_metrics();
        Ok(())
    }

    fn compact_blocks_locked(&self) -> Result<()> {
        let ranges = self.inner.opts.compaction_ranges();
        loop {
            let blocks = self.blocks_snapshot();
            let metas: Vec<BlockMeta> = blocks.iter().map(|b| b.meta().clone()).collect();
            let Some(plan) = plan_compaction(&metas, &ranges) else {
                return Ok(());
            };
            let chosen: Vec<Arc<Block>> = blocks
                .iter()
                .filter(|b| plan.contains(&b.meta().ulid))
                .cloned()
                .collect();
            let meta = self.merge_blocks(&chosen, true)?;
            self.add_and_remove_blocks(meta.as_ref(), &chosen)?;
            Metrics::inc(&self.inner.metrics.compactions);
        }
    }

    /// Writes one block holding the data of `blocks` (tombstones applied). `level_up`
    /// raises the compaction level (a merge) or keeps it (a rewrite).
    pub(crate) fn merge_blocks(
        &self,
        blocks: &[Arc<Block>],
        level_up: bool,
    ) -> Result<Option<BlockMeta>> {
        let mint = blocks.iter().map(|b| b.meta().min_time).min().unwrap_or(0);
        let maxt = blocks.iter().map(|b| b.meta().max_time).max().unwrap_or(0);
        let mut symbols = BTreeSet::new();
        for b in blocks {
            for s in b.index().symbols() {
                let s = s?;
                if !symbols.contains(s) {
                    symbols.insert(s.to_string());
                }
            }
        }
        let ulid = new_ulid(&self.inner.opts.clock);
        let mut builder = BlockBuilder::new(
            &self.inner.dir,
            ulid,
            mint,
            maxt,
            &symbols,
            self.inner.opts.block_chunk_encoding,
        )?;
        drop(symbols);
        // One cursor per block over its series, which are in label order.
        let mut cursors: Vec<(u32, Option<Labels>)> = Vec::with_capacity(blocks.len());
        for b in blocks {
            let first = if b.index().num_series() > 0 {
                Some(b.index().series(0)?.0)
            } else {
                None
            };
            cursors.push((0, first));
        }
        let mut samples = Vec::new();
        while let Some(min) = cursors.iter().filter_map(|c| c.1.as_ref()).min().cloned() {
            samples.clear();
            let mut parts = 0;
            for (b, cur) in blocks.iter().zip(cursors.iter_mut()) {
                if cur.1.as_ref() != Some(&min) {
                    continue;
                }
                if let Some(d) = b.series_data(cur.0, i64::MIN, i64::MAX)? {
                    decode_series_into(&d.chunks, &d.deleted, i64::MIN, i64::MAX, &mut samples)?;
                    parts += 1;
                }
                cur.0 += 1;
                cur.1 = if cur.0 < b.index().num_series() {
                    Some(b.index().series(cur.0)?.0)
                } else {
                    None
                };
            }
            if parts > 1 {
                sort_dedup(&mut samples);
            }
            samples.retain(|s| s.t >= mint && s.t < maxt);
            builder.add_series(&min, &samples)?;
        }
        let level = blocks
            .iter()
            .map(|b| b.meta().compaction.level)
            .max()
            .unwrap_or(1)
            + u32::from(level_up);
        let mut sources: Vec<String> = blocks
            .iter()
            .flat_map(|b| b.meta().compaction.sources.clone())
            .collect();
        sources.sort();
        sources.dedup();
        let parents = blocks.iter().map(|b| b.meta().desc()).collect();
        builder.finish(CompactionMeta {
            level,
            sources,
            parents,
        })
    }

    fn apply_retention_locked(&self) -> Result<()> {
        let blocks = self.blocks_snapshot();
        let opts = &self.inner.opts;
        let mut doomed: HashSet<String> = HashSet::new();
        let newest = blocks.iter().map(|b| b.meta().max_time).max();
        if let (Some(newest), true) = (newest, opts.retention_time_ms > 0) {
            for b in blocks.iter() {
                if newest.saturating_sub(b.meta().max_time) > opts.retention_time_ms {
                    doomed.insert(b.meta().ulid.clone());
                    Metrics::inc(&self.inner.metrics.time_retentions);
                }
            }
        }
        if opts.retention_size_bytes > 0 {
            let mut total = self.inner.wal.size_bytes() + self.inner.head.chunk_files.size_bytes();
            for b in blocks.iter().rev() {
                if doomed.contains(&b.meta().ulid) {
                    continue;
                }
                total += b.size_bytes();
                if total > opts.retention_size_bytes {
                    doomed.insert(b.meta().ulid.clone());
                    Metrics::inc(&self.inner.metrics.size_retentions);
                }
            }
        }
        if doomed.is_empty() {
            return Ok(());
        }
        let old: Vec<Arc<Block>> = blocks
            .iter()
            .filter(|b| doomed.contains(&b.meta().ulid))
            .cloned()
            .collect();
        for b in &old {
            tracing::info!(block = %b.meta().ulid, "deleting block past retention");
        }
        self.add_and_remove_blocks(None, &old)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(id: &str, mint: i64, maxt: i64) -> BlockMeta {
        BlockMeta {
            ulid: id.into(),
            min_time: mint,
            max_time: maxt,
            ..BlockMeta::default()
        }
    }

    #[test]
    fn plans_follow_ranges_and_overlaps() {
        let ranges = [2, 6, 24];
        // Two 2 h blocks in the first 6 h window, not yet passed: nothing to do.
        assert_eq!(
            plan_compaction(&[meta("a", 0, 2), meta("b", 2, 4)], &ranges),
            None
        );
        // The window is complete once a block reaches its end.
        let p = plan_compaction(
            &[meta("a", 0, 2), meta("b", 2, 4), meta("c", 4, 6)],
            &ranges,
        );
        assert_eq!(p, Some(vec!["a".into(), "b".into(), "c".into()]));
        // Later data passed the window: compact what is there.
        let p = plan_compaction(
            &[meta("a", 0, 2), meta("b", 2, 4), meta("d", 6, 8)],
            &ranges,
        );
        assert_eq!(p, Some(vec!["a".into(), "b".into()]));
        // Overlapping blocks are merged first.
        let p = plan_compaction(
            &[meta("a", 0, 2), meta("x", 1, 3), meta("d", 6, 8)],
            &ranges,
        );
        assert_eq!(p, Some(vec!["a".into(), "x".into()]));
        // Three 6 h blocks and a later one: the 24 h window.
        let p = plan_compaction(
            &[
                meta("a", 0, 6),
                meta("b", 6, 12),
                meta("c", 12, 18),
                meta("d", 24, 26),
            ],
            &ranges,
        );
        assert_eq!(p, Some(vec!["a".into(), "b".into(), "c".into()]));
    }
}
