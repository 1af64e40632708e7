//! `ChunkHandle`: one chunk a selected series will read — an owned copy of an open head
//! chunk or a place in a mapped file — and decoding of handles into samples.

use std::sync::Arc;

use promlite_encoding::{decode_chunk_into, ChunkBounds, ChunkEncoding};
use promlite_model::Sample;

use crate::chunk_record::MappedFile;
use crate::error::{Result, TsdbError};

/// Where a chunk's bytes are.
#[derive(Clone, Debug)]
pub enum ChunkData {
    /// A copy taken under the series lock (the open head chunk).
    Owned(ChunkEncoding, Arc<[u8]>),
    /// A framed chunk at `offset` of a mapped file.
    Mapped {
        file: Arc<MappedFile>,
        offset: usize,
    },
}

/// A chunk with its time span: the timestamps of its first and last sample, exactly (block
/// chunks in [`ChunkEncoding::BlockCodecBounded`] decode their timestamps from them).
#[derive(Clone, Debug)]
pub struct ChunkHandle {
    pub mint: i64,
    pub maxt: i64,
    pub data: ChunkData,
}

impl ChunkHandle {
    /// Appends the samples in `[mint, maxt]` to `out`.
    pub fn decode_into(&self, mint: i64, maxt: i64, out: &mut Vec<Sample>) -> Result<()> {
        let bounds = ChunkBounds {
            first_t: self.mint,
            last_t: self.maxt,
        };
        match &self.data {
            ChunkData::Owned(enc, bytes) => decode_chunk_into(*enc, bytes, bounds, mint, maxt, out)
                .map_err(|e| TsdbError::Other(format!("decoding open head chunk: {e}"))),
            ChunkData::Mapped { file, offset } => {
                let (enc, bytes) = file.chunk_at(*offset)?;
                decode_chunk_into(enc, bytes, bounds, mint, maxt, out)
                    .map_err(|e| TsdbError::corruption(&file.path, *offset as u64, e))
            }
        }
    }
}

/// Deleted intervals `[mint, maxt]` of one series.
pub type Intervals = Vec<(i64, i64)>;

/// Whether `t` falls in one of the deleted intervals.
#[inline]
pub fn is_deleted(intervals: &[(i64, i64)], t: i64) -> bool {
    intervals.iter().any(|&(a, b)| a <= t && t <= b)
}

/// Decodes every chunk of a series in `[mint, maxt]` into `out`, merging overlapping
/// chunks (from different blocks or the head) by timestamp with the first copy winning,
/// and dropping deleted samples.
pub fn decode_series_into(
    chunks: &[ChunkHandle],
    deleted: &[(i64, i64)],
    mint: i64,
    maxt: i64,
    out: &mut Vec<Sample>,
) -> Result<()> {
    let start = out.len();
    let mut overlapping = false;
    let mut prev_maxt = i64::MIN;
    let mut first = true;
    for c in chunks {
        if c.maxt < mint || c.mint > maxt {
            continue;
        }
        if !first && c.mint <= prev_maxt {
            overlapping = true;
        }
        first = false;
        prev_maxt = prev_maxt.max(c.maxt);
        c.decode_into(mint, maxt, out)?;
    }
    if overlapping {
        let tail = out.get_mut(start..).unwrap_or_default();
        tail.sort_by_key(|s| s.t);
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
    if !deleted.is_empty() {
        let mut kept = start;
        for i in start..out.len() {
            let s = out[i];
            if !is_deleted(deleted, s.t) {
                out[kept] = s;
                kept += 1;
            }
        }
        out.truncate(kept);
    }
    Ok(())
}
