//! The querier: selects series from the head and every overlapping block, merges series
//! with equal labels (deduplicating overlapping samples), and streams samples chunk by
//! chunk through iterators.

pub mod chunks;
pub mod postings;

use std::collections::BTreeSet;
use std::sync::Arc;

use promlite_model::{Labels, Matcher, Sample};
use promlite_storage::{
    Querier, Result as StorageResult, SampleIterator, SelectHints, Series, SeriesSet,
};

use self::chunks::{decode_series_into, ChunkHandle, Intervals};
use crate::block::Block;
use crate::error::Result;
use crate::head::Head;

/// The chunks of one series from one source (a block or the head) and that source's
/// deleted intervals for it.
#[derive(Clone, Debug)]
pub struct SeriesPart {
    pub chunks: Vec<ChunkHandle>,
    pub deleted: Intervals,
}

/// A selected series: its labels and one part per source that has it.
#[derive(Clone, Debug)]
pub struct TsdbSeries {
    labels: Labels,
    parts: Vec<SeriesPart>,
}

impl TsdbSeries {
    pub fn new(labels: Labels, parts: Vec<SeriesPart>) -> TsdbSeries {
        TsdbSeries { labels, parts }
    }

    /// Whether parts overlap in time, so samples must be merged by timestamp.
    fn parts_overlap(&self) -> bool {
        let mut spans: Vec<(i64, i64)> = self
            .parts
            .iter()
            .filter_map(|p| {
                Some((
                    p.chunks.first()?.mint,
                    p.chunks.iter().map(|c| c.maxt).max()?,
                ))
            })
            .collect();
        spans.sort();
        spans.windows(2).any(|w| w[1].0 <= w[0].1)
    }

    /// Appends the samples in `[mint, maxt]` to `out`.
    pub fn decode_into(&self, mint: i64, maxt: i64, out: &mut Vec<Sample>) -> Result<()> {
        let start = out.len();
        for p in &self.parts {
            decode_series_into(&p.chunks, &p.deleted, mint, maxt, out)?;
        }
        if self.parts.len() > 1 && self.parts_overlap() {
            if let Some(tail) = out.get_mut(start..) {
                tail.sort_by_key(|s| s.t);
            }
            let mut kept = start;
            for i in start..out.len() {
                let s = out[i];
                if kept > start && out[kept - 1].t == s.t {
                    continue;
                }
                out[kept] = s;
                kept += 1;
            }
            out.truncate(kept);
        }
        Ok(())
    }

    /// Whether any sample survives in `[mint, maxt]` (only decodes when tombstones could
    /// have removed everything).
    fn has_samples_in(&self, mint: i64, maxt: i64) -> Result<bool> {
        if self.parts.iter().all(|p| p.deleted.is_empty()) {
            return Ok(true);
        }
        let mut v = Vec::new();
        self.decode_into(mint, maxt, &mut v)?;
        Ok(!v.is_empty())
    }
}

impl Series for TsdbSeries {
    fn labels(&self) -> &Labels {
        &self.labels
    }

    fn iter(&self, mint: i64, maxt: i64) -> Box<dyn SampleIterator + '_> {
        Box::new(ChunkedIter {
            series: self,
            mint,
            maxt,
            part: 0,
            chunk: 0,
            buf: Vec::new(),
            pos: 0,
            merged: self.parts.len() > 1 && self.parts_overlap(),
            done: false,
        })
    }

    fn samples_into(&self, mint: i64, maxt: i64, out: &mut Vec<Sample>) -> StorageResult<()> {
        self.decode_into(mint, maxt, out).map_err(Into::into)
    }
}

/// Decodes one chunk at a time; falls back to decoding everything at once when parts
/// overlap and samples need merging.
struct ChunkedIter<'a> {
    series: &'a TsdbSeries,
    mint: i64,
    maxt: i64,
    part: usize,
    chunk: usize,
    buf: Vec<Sample>,
    pos: usize,
    merged: bool,
    done: bool,
}

impl ChunkedIter<'_> {
    /// Refills `buf` with the next non-empty chunk; false at the end.
    fn refill(&mut self) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        self.buf.clear();
        self.pos = 0;
        if self.merged {
            self.series
                .decode_into(self.mint, self.maxt, &mut self.buf)?;
            self.done = true;
            return Ok(!self.buf.is_empty());
        }
        while let Some(part) = self.series.parts.get(self.part) {
            while let Some(c) = part.chunks.get(self.chunk) {
                self.chunk += 1;
                decode_series_into(
                    std::slice::from_ref(c),
                    &part.deleted,
                    self.mint,
                    self.maxt,
                    &mut self.buf,
                )?;
                if !self.buf.is_empty() {
                    return Ok(true);
                }
            }
            self.part += 1;
            self.chunk = 0;
        }
        self.done = true;
        Ok(false)
    }
}

impl SampleIterator for ChunkedIter<'_> {
    fn next(&mut self) -> StorageResult<Option<Sample>> {
        if self.pos >= self.buf.len() && !self.refill()? {
            return Ok(None);
        }
        let s = self.buf.get(self.pos).copied();
        self.pos += 1;
        Ok(s)
    }

    fn seek(&mut self, t: i64) -> StorageResult<Option<Sample>> {
        loop {
            if self.pos >= self.buf.len() && !self.refill()? {
                return Ok(None);
            }
            // Skip whole buffered chunks that end before `t`.
            if self.buf.last().is_some_and(|l| l.t < t) {
                self.pos = self.buf.len();
                continue;
            }
            let rest = self.buf.get(self.pos..).unwrap_or(&[]);
            self.pos += rest.partition_point(|s| s.t < t);
            return self.next();
        }
    }
}

/// A querier over a snapshot of the block list and the live head.
pub struct TsdbQuerier {
    pub(crate) head: Arc<Head>,
    pub(crate) blocks: Arc<Vec<Arc<Block>>>,
    pub(crate) mint: i64,
    pub(crate) maxt: i64,
}

impl TsdbQuerier {
    /// Selected series, merged across sources, sorted by labels.
    pub fn select_series(
        &self,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<TsdbSeries>> {
        let mut all: Vec<(Labels, usize, SeriesPart)> = Vec::new();
        for (i, b) in self
            .blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| b.overlaps(mint, maxt))
        {
            for s in b.select(matchers, mint, maxt)? {
                all.push((
                    s.labels,
                    i,
                    SeriesPart {
                        chunks: s.chunks,
                        deleted: s.deleted,
                    },
                ));
            }
        }
        for s in self.head.select(matchers, mint, maxt)? {
            all.push((
                s.labels,
                usize::MAX,
                SeriesPart {
                    chunks: s.chunks,
                    deleted: s.deleted,
                },
            ));
        }
        // Stable on (labels, source) so older sources come first and win duplicates.
        all.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut out: Vec<TsdbSeries> = Vec::new();
        for (labels, _, part) in all {
            match out.last_mut() {
                Some(last) if last.labels == labels => last.parts.push(part),
                _ => out.push(TsdbSeries::new(labels, vec![part])),
            }
        }
        let mut kept = Vec::with_capacity(out.len());
        for s in out {
            if s.has_samples_in(mint, maxt)? {
                kept.push(s);
            }
        }
        Ok(kept)
    }

    fn blocks_in_range(&self) -> impl Iterator<Item = &Arc<Block>> {
        self.blocks
            .iter()
            .filter(|b| b.overlaps(self.mint, self.maxt))
    }

    fn head_in_range(&self) -> bool {
        !self.head.is_empty()
            && self.head.max_time() >= self.mint
            && self.head.min_time() <= self.maxt
    }
}

impl Querier for TsdbQuerier {
    fn select<'a>(
        &'a self,
        matchers: &[Matcher],
        hints: &SelectHints,
    ) -> StorageResult<SeriesSet<'a>> {
        let mint = hints.start.max(self.mint);
        let maxt = hints.end.min(self.maxt);
        if mint > maxt {
            return Ok(Box::new(std::iter::empty()));
        }
        let series = self.select_series(matchers, mint, maxt)?;
        Ok(Box::new(
            series
                .into_iter()
                .map(|s| Ok(Box::new(s) as Box<dyn Series + 'a>)),
        ))
    }

    fn label_values(&self, name: &str, matchers: &[Matcher]) -> StorageResult<Vec<String>> {
        let mut out = BTreeSet::new();
        for b in self.blocks_in_range() {
            out.extend(b.label_values(name, matchers)?);
        }
        if self.head_in_range() {
            out.extend(self.head.label_values(name, matchers)?);
        }
        Ok(out.into_iter().collect())
    }

    fn label_names(&self, matchers: &[Matcher]) -> StorageResult<Vec<String>> {
        let mut out = BTreeSet::new();
        for b in self.blocks_in_range() {
            out.extend(b.label_names(matchers)?);
        }
        if self.head_in_range() {
            out.extend(self.head.label_names(matchers)?);
        }
        Ok(out.into_iter().collect())
    }
}
