//! `MemSeries`: one head series — id, labels, the open XOR chunk on the heap and
//! references to its completed chunks in `chunks_head/`.

use std::sync::atomic::AtomicBool;

use parking_lot::Mutex;
use promlite_encoding::xor::{XorAppender, TARGET_SAMPLES_PER_CHUNK};
use promlite_encoding::ChunkEncoding;
use promlite_model::Labels;

use super::chunk_files::{HeadChunkFiles, HeadChunkRef};
use crate::error::{Result, TsdbError};
use crate::util::floor_to;

/// Initial buffer of an open chunk.
const OPEN_CHUNK_CAPACITY: usize = 128;

/// A series of the head.
///
/// `repr(C)` keeps the fields an append touches (labels for the reference check, the
/// lock, the pending sample, the newest sample, the open chunk) together at the start,
/// so a sample costs as few cache lines as possible; the rest follows.
#[derive(Debug)]
#[repr(C)]
pub struct MemSeries {
    pub labels: Labels,
    pub id: u32,
    /// Whether a WAL series record for this id has been written.
    pub(crate) logged: AtomicBool,
    pub(crate) state: Mutex<SeriesState>,
}

/// The mutable part of a series, behind its own lock. Hot fields first (see
/// [`MemSeries`]).
#[derive(Debug)]
#[repr(C)]
pub(crate) struct SeriesState {
    /// Appender that holds an uncommitted sample for this series (0 = none) and that
    /// sample, so later appends of the same appender are checked against it.
    pub pending_token: u64,
    pub pending_t: i64,
    pub pending_v: u64,
    /// Newest committed sample (timestamp, value bits).
    pub last: Option<(i64, u64)>,
    /// Samples added by appenders and not committed or rolled back yet: while any are,
    /// garbage collection leaves the series alone, so appenders can keep just its id.
    pub pending_count: u32,
    /// Set when garbage collection removed the series; appenders then look it up again.
    pub deleted: bool,
    /// The chunk being appended to; empty when there is none.
    pub open: XorAppender,
    /// End (exclusive) of the block-aligned window the open chunk belongs to: a chunk never
    /// crosses a block boundary.
    pub cut_at: i64,
    pub open_mint: i64,
    pub chunks: Vec<HeadChunkRef>,
}

/// Outcome of checking a sample against a series' newest sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    Append,
    /// Same timestamp and same value bits: accepted without storing.
    ExactDuplicate,
}

/// Prometheus's ordering rules.
#[inline]
pub(crate) fn check_against(last: Option<(i64, u64)>, t: i64, v: f64) -> Result<Check> {
    match last {
        Some((lt, _)) if t < lt => Err(TsdbError::OutOfOrderSample),
        Some((lt, lv)) if t == lt => {
            if lv == v.to_bits() {
                Ok(Check::ExactDuplicate)
            } else {
                Err(TsdbError::DuplicateSampleForTimestamp)
            }
        }
        _ => Ok(Check::Append),
    }
}

impl MemSeries {
    pub fn new(id: u32, labels: Labels) -> MemSeries {
        MemSeries {
            id,
            labels,
            logged: AtomicBool::new(false),
            state: Mutex::new(SeriesState::empty()),
        }
    }
}

impl SeriesState {
    /// The state of a series without samples.
    pub fn empty() -> SeriesState {
        SeriesState {
            open: XorAppender::with_capacity(0),
            cut_at: i64::MIN,
            open_mint: i64::MAX,
            chunks: Vec::new(),
            last: None,
            pending_token: 0,
            pending_t: 0,
            pending_v: 0,
            pending_count: 0,
            deleted: false,
        }
    }

    /// Appends a committed sample (already checked), cutting chunks at 120 samples or at a
    /// block boundary. Returns whether a new chunk was started.
    pub fn append(
        &mut self,
        t: i64,
        v: f64,
        files: &HeadChunkFiles,
        chunk_range: i64,
    ) -> Result<bool> {
        let mut created = false;
        if !self.open.is_empty()
            && (t >= self.cut_at || self.open.len() >= TARGET_SAMPLES_PER_CHUNK)
        {
            self.seal(files)?;
        }
        if self.open.is_empty() {
            if self.open.capacity() < OPEN_CHUNK_CAPACITY {
                // One allocation per chunk: 120 samples of typical data take 60-200 bytes.
                self.open = XorAppender::with_capacity(OPEN_CHUNK_CAPACITY);
            }
            self.open_mint = t;
            self.cut_at = floor_to(t, chunk_range).saturating_add(chunk_range);
            created = true;
        }
        self.open.append(t, v);
        self.last = Some((t, v.to_bits()));
        Ok(created)
    }

    /// Writes the open chunk to the chunk files and starts an empty one, keeping the
    /// buffer's allocation for the next chunk.
    pub fn seal(&mut self, files: &HeadChunkFiles) -> Result<()> {
        if self.open.is_empty() {
            return Ok(());
        }
        let r = files.write_chunk(
            ChunkEncoding::Xor,
            self.open.bytes(),
            self.open_mint,
            self.open.last_t(),
        )?;
        self.chunks.push(r);
        let cap = self.open.heap_bytes().max(OPEN_CHUNK_CAPACITY);
        self.open = XorAppender::with_capacity(cap);
        Ok(())
    }

    /// Oldest sample time, if any data.
    pub fn min_time(&self) -> Option<i64> {
        match self.chunks.first() {
            Some(c) => Some(c.mint),
            None if !self.open.is_empty() => Some(self.open_mint),
            None => None,
        }
    }

    /// Newest sample time, if any data.
    pub fn max_time(&self) -> Option<i64> {
        if !self.open.is_empty() {
            Some(self.open.last_t())
        } else {
            self.chunks.last().map(|c| c.maxt)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty() && self.chunks.is_empty()
    }

    /// Drops chunks that end before `mint`; returns how many were dropped.
    pub fn truncate_before(&mut self, mint: i64) -> usize {
        let before = self.chunks.len();
        self.chunks.retain(|c| c.maxt >= mint);
        let mut dropped = before - self.chunks.len();
        if !self.open.is_empty() && self.open.last_t() < mint {
            self.open = XorAppender::with_capacity(0);
            dropped += 1;
        }
        dropped
    }
}
