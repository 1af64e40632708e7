//! `BlockWriter`: backfilling — writes complete blocks straight from series and samples
//! (e.g. `promlite tsdb import openmetrics`), one block per aligned block range, without
//! going through the head or the WAL. The database opens and queries them like any
//! other block, however old the data.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use promlite_encoding::ChunkEncoding;
use promlite_model::{Labels, Sample, SharedClock, SystemClock};

use crate::block::meta::{BlockMeta, CompactionMeta};
use crate::block::writer::BlockBuilder;
use crate::compact::{new_ulid, sort_dedup};
use crate::error::{IoContext, Result, TsdbError};
use crate::options::DEFAULT_BLOCK_RANGE_MS;
use crate::util::floor_to;

/// Buffers samples by series and block window, then writes the blocks.
///
/// ```no_run
/// use promlite_model::Labels;
/// use promlite_tsdb::BlockWriter;
/// let mut w = BlockWriter::new("data", promlite_tsdb::DEFAULT_BLOCK_RANGE_MS).unwrap();
/// w.append(&Labels::from_pairs([("__name__", "up")]), 1_000, 1.0).unwrap();
/// let blocks = w.flush().unwrap();
/// ```
pub struct BlockWriter {
    dir: PathBuf,
    block_range: i64,
    encoding: ChunkEncoding,
    clock: SharedClock,
    /// Window start → series → samples (any order until flush).
    windows: BTreeMap<i64, HashMap<Labels, Vec<Sample>>>,
    samples: u64,
}

impl BlockWriter {
    /// A writer of blocks of `block_range_ms` (aligned to multiples of it) into the
    /// database directory `dir`.
    pub fn new(dir: impl AsRef<Path>, block_range_ms: i64) -> Result<BlockWriter> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).ctx(|| format!("creating {}", dir.display()))?;
        Ok(BlockWriter {
            dir,
            block_range: if block_range_ms > 0 {
                block_range_ms
            } else {
                DEFAULT_BLOCK_RANGE_MS
            },
            encoding: crate::block::default_block_chunk_encoding(),
            clock: std::sync::Arc::new(SystemClock),
            windows: BTreeMap::new(),
            samples: 0,
        })
    }

    /// Uses `clock` for block ids.
    pub fn with_clock(mut self, clock: SharedClock) -> BlockWriter {
        self.clock = clock;
        self
    }

    /// Uses `encoding` for the chunks.
    pub fn with_encoding(mut self, encoding: ChunkEncoding) -> BlockWriter {
        self.encoding = encoding;
        self
    }

    /// Buffers one sample. Samples may come in any order; for equal timestamps of a
    /// series the first one wins.
    pub fn append(&mut self, labels: &Labels, t: i64, v: f64) -> Result<()> {
        if labels.is_empty() {
            return Err(TsdbError::InvalidLabels("empty label set".into()));
        }
        let w = floor_to(t, self.block_range);
        let series = self.windows.entry(w).or_default();
        match series.get_mut(labels) {
            Some(s) => s.push(Sample { t, v }),
            None => {
                series.insert(labels.clone(), vec![Sample { t, v }]);
            }
        }
        self.samples += 1;
        Ok(())
    }

    /// Samples buffered since the last flush.
    pub fn buffered_samples(&self) -> u64 {
        self.samples
    }

    /// Writes one block per window with data and empties the buffer.
    pub fn flush(&mut self) -> Result<Vec<BlockMeta>> {
        let mut out = Vec::new();
        for (start, series) in std::mem::take(&mut self.windows) {
            let mut series: Vec<(Labels, Vec<Sample>)> = series.into_iter().collect();
            series.sort_by(|a, b| a.0.cmp(&b.0));
            for (_, samples) in series.iter_mut() {
                sort_dedup(samples);
            }
            let mut symbols = BTreeSet::new();
            for (l, _) in &series {
                for p in l.iter() {
                    symbols.insert(p.name);
                    symbols.insert(p.value);
                }
            }
            // Like promtool, a backfilled block spans its data, [first sample, last + 1),
            // not the whole aligned window: label and series lookups over a time range
            // select blocks by these bounds, and answers must match Prometheus's.
            let first = series
                .iter()
                .filter_map(|(_, s)| s.first())
                .map(|s| s.t)
                .min();
            let last = series
                .iter()
                .filter_map(|(_, s)| s.last())
                .map(|s| s.t)
                .max();
            let (mint, maxt) = match (first, last) {
                (Some(a), Some(b)) => (a, b.saturating_add(1)),
                _ => (start, start.saturating_add(self.block_range)),
            };
            let ulid = new_ulid(&self.clock);
            let mut b =
                BlockBuilder::new(&self.dir, ulid.clone(), mint, maxt, &symbols, self.encoding)?;
            for (l, samples) in series.iter() {
                b.add_series(l, samples)?;
            }
            if let Some(m) = b.finish(CompactionMeta {
                level: 1,
                sources: vec![ulid],
                parents: Vec::new(),
            })? {
                out.push(m);
            }
        }
        self.samples = 0;
        Ok(out)
    }
}
