//! The head: the most recent data in memory. A sharded map from label hash to series
//! (no global lock on the append path), a map from dense id to series, the inverted
//! index, head tombstones and the `chunks_head/` files.

pub mod append;
pub mod chunk_files;
pub mod index;
mod prefetch;
pub mod read;
mod replay;
pub mod series;
mod snapshot;
mod table;

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use promlite_model::Labels;

use self::chunk_files::HeadChunkFiles;
use self::index::HeadIndex;
use self::series::MemSeries;
use self::table::SeriesTable;
use crate::error::{Result, TsdbError};
use crate::metrics::Metrics;
use crate::wal::record::{SeriesEntry, TombstoneEntry};
pub(crate) use replay::Replayer;

const SHARDS: usize = 128;

/// A hasher for keys that are already hashes or dense ids.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u32(&mut self, v: u32) {
        // Spread dense ids over the table (Fibonacci hashing). The high half of the
        // product is folded into the low bits: ids of one shard share their low bits
        // (shard = id % SHARDS), and the table indexes buckets by the low bits.
        let x = u64::from(v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = x ^ (x >> 29);
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Series of one hash shard: the usual one series per hash, and the rare collisions.
#[derive(Default)]
struct HashShard {
    unique: IdMap<u64, Arc<MemSeries>>,
    conflicts: IdMap<u64, Vec<Arc<MemSeries>>>,
}

impl HashShard {
    fn get(&self, hash: u64, labels: &Labels) -> Option<&Arc<MemSeries>> {
        match self.unique.get(&hash) {
            Some(s) if s.labels == *labels => Some(s),
            Some(_) => self
                .conflicts
                .get(&hash)
                .and_then(|v| v.iter().find(|s| s.labels == *labels)),
            None => None,
        }
    }

    fn insert(&mut self, hash: u64, s: Arc<MemSeries>) {
        match self.unique.entry(hash) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(s);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.conflicts.entry(hash).or_default().push(s);
            }
        }
    }

    fn remove(&mut self, hash: u64, id: u32) {
        if self.unique.get(&hash).is_some_and(|s| s.id == id) {
            self.unique.remove(&hash);
            // Promote a colliding series, if any.
            if let Some(v) = self.conflicts.get_mut(&hash) {
                if let Some(s) = v.pop() {
                    self.unique.insert(hash, s);
                }
                if v.is_empty() {
                    self.conflicts.remove(&hash);
                }
            }
        } else if let Some(v) = self.conflicts.get_mut(&hash) {
            v.retain(|s| s.id != id);
            if v.is_empty() {
                self.conflicts.remove(&hash);
            }
        }
    }
}

/// The in-memory head block.
pub struct Head {
    by_hash: Box<[RwLock<HashShard>]>,
    pub(crate) by_id: SeriesTable,
    pub(crate) index: RwLock<HeadIndex>,
    next_id: AtomicU32,
    min_time: AtomicI64,
    max_time: AtomicI64,
    /// Samples before this are out of bounds (the end of the newest block).
    min_valid_time: AtomicI64,
    pub(crate) chunk_range: i64,
    /// How far behind the newest sample an append may be (see
    /// [`crate::Options::append_window_ms`]).
    append_window: i64,
    pub(crate) chunk_files: HeadChunkFiles,
    tombstones: Mutex<IdMap<u32, Vec<(i64, i64)>>>,
    pub(crate) metrics: Arc<Metrics>,
    appender_tokens: AtomicU64,
}

impl std::fmt::Debug for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Head")
            .field("series", &self.num_series())
            .finish()
    }
}

impl Head {
    pub fn new(
        dir: &Path,
        chunk_range: i64,
        chunk_file_size: u64,
        metrics: Arc<Metrics>,
    ) -> Result<Head> {
        Ok(Head {
            by_hash: (0..SHARDS).map(|_| RwLock::default()).collect(),
            by_id: SeriesTable::default(),
            index: RwLock::default(),
            next_id: AtomicU32::new(1),
            min_time: AtomicI64::new(i64::MAX),
            max_time: AtomicI64::new(i64::MIN),
            min_valid_time: AtomicI64::new(i64::MIN),
            chunk_range: chunk_range.max(1),
            append_window: chunk_range.max(1) / 2,
            chunk_files: HeadChunkFiles::create(&dir.join("chunks_head"), chunk_file_size)?,
            tombstones: Mutex::default(),
            metrics,
            appender_tokens: AtomicU64::new(1),
        })
    }

    pub(crate) fn next_appender_token(&self) -> u64 {
        self.appender_tokens.fetch_add(1, Ordering::Relaxed)
    }

    /// Bytes written into the `chunks_head/` files.
    pub fn chunk_files_bytes(&self) -> u64 {
        self.chunk_files.size_bytes()
    }

    pub fn num_series(&self) -> u64 {
        self.index.read().num_series()
    }

    /// Oldest sample time (`i64::MAX` when empty).
    pub fn min_time(&self) -> i64 {
        self.min_time.load(Ordering::Acquire)
    }

    /// Newest sample time (`i64::MIN` when empty).
    pub fn max_time(&self) -> i64 {
        self.max_time.load(Ordering::Acquire)
    }

    pub fn is_empty(&self) -> bool {
        self.max_time() == i64::MIN
    }

    pub fn min_valid_time(&self) -> i64 {
        self.min_valid_time.load(Ordering::Acquire)
    }

    /// Lets appends reach `window` ms behind the newest sample (default: half a block
    /// range, as Prometheus).
    pub(crate) fn set_append_window(&mut self, window: i64) {
        self.append_window = window.max(0);
    }

    pub(crate) fn set_min_valid_time(&self, t: i64) {
        self.min_valid_time.fetch_max(t, Ordering::AcqRel);
    }

    /// Samples older than this are rejected as out of bounds: the end of the newest
    /// block, or the append window (half a block range by default) behind the newest
    /// sample, whichever is later.
    pub fn appendable_min_valid_time(&self) -> i64 {
        let mv = self.min_valid_time();
        let max = self.max_time();
        if max == i64::MIN {
            return mv;
        }
        mv.max(max.saturating_sub(self.append_window))
    }

    pub(crate) fn update_time_bounds(&self, mint: i64, maxt: i64) {
        if mint <= maxt {
            self.min_time.fetch_min(mint, Ordering::AcqRel);
            self.max_time.fetch_max(maxt, Ordering::AcqRel);
            Metrics::set(&self.metrics.head_min_time, self.min_time());
            Metrics::set(&self.metrics.head_max_time, self.max_time());
        }
    }

    pub fn series_by_id(&self, id: u32) -> Option<Arc<MemSeries>> {
        self.by_id.get(id)
    }

    /// Calls `f` with series `id` under the id table's lock (no reference count taken),
    /// and prefetches the series a couple of ids further on, which scrapes usually
    /// append next.
    #[inline]
    pub(crate) fn series_for_append<R>(
        &self,
        id: u32,
        f: impl FnOnce(&MemSeries) -> R,
    ) -> Option<R> {
        self.by_id.with_and_prefetch_next(id, f)
    }

    /// The series with `labels`, created (with a new id) if absent. Returns whether it
    /// was created.
    pub fn get_or_create(&self, labels: &Labels) -> Result<(Arc<MemSeries>, bool)> {
        self.get_or_create_with_id(labels, None)
    }

    pub(crate) fn get_or_create_with_id(
        &self,
        labels: &Labels,
        id: Option<u32>,
    ) -> Result<(Arc<MemSeries>, bool)> {
        let hash = labels.stable_hash();
        let shard = &self.by_hash[hash as usize % SHARDS];
        if let Some(s) = shard.read().get(hash, labels) {
            return Ok((s.clone(), false));
        }
        let series = {
            let mut w = shard.write();
            if let Some(s) = w.get(hash, labels) {
                return Ok((s.clone(), false));
            }
            let id = match id {
                Some(id) => {
                    self.next_id
                        .fetch_max(id.saturating_add(1), Ordering::AcqRel);
                    id
                }
                None => {
                    let id = self.next_id.fetch_add(1, Ordering::AcqRel);
                    if id == u32::MAX {
                        return Err(TsdbError::Other("head series ids exhausted".into()));
                    }
                    id
                }
            };
            let s = Arc::new(MemSeries::new(id, labels.clone()));
            w.insert(hash, s.clone());
            s
        };
        self.by_id.insert(series.clone());
        self.index.write().add(series.id, &series.labels);
        Metrics::inc(&self.metrics.head_series_created);
        Metrics::inc(&self.metrics.head_series);
        Ok((series, true))
    }

    /// Every series (in no particular order).
    pub fn all_series(&self) -> Vec<Arc<MemSeries>> {
        let mut out = Vec::new();
        self.by_id.for_each(|s| out.push(s.clone()));
        out
    }

    /// Adds deleted intervals for series ids.
    pub fn add_tombstones(&self, entries: &[TombstoneEntry]) {
        let mut t = self.tombstones.lock();
        for e in entries {
            t.entry(e.id).or_default().push((e.mint, e.maxt));
        }
    }

    /// Deleted intervals of series `id`.
    pub fn tombstones_of(&self, id: u32) -> Vec<(i64, i64)> {
        self.tombstones.lock().get(&id).cloned().unwrap_or_default()
    }

    pub fn all_tombstones(&self) -> Vec<TombstoneEntry> {
        let t = self.tombstones.lock();
        t.iter()
            .flat_map(|(&id, v)| {
                v.iter()
                    .map(move |&(mint, maxt)| TombstoneEntry { id, mint, maxt })
            })
            .collect()
    }

    /// Drops data before `mint` (now held by a block), removes series left empty, and
    /// deletes head chunk files no longer referenced.
    pub fn truncate(&self, mint: i64) -> Result<()> {
        self.set_min_valid_time(mint);
        let mut empty = Vec::new();
        let mut chunks_dropped = 0usize;
        let mut new_min = i64::MAX;
        self.by_id.for_each(|s| {
            let mut st = s.state.lock();
            chunks_dropped += st.truncate_before(mint);
            match st.min_time() {
                Some(t) => new_min = new_min.min(t),
                None if st.pending_count == 0 => empty.push(s.clone()),
                None => {}
            }
        });
        for s in empty {
            let shard = &self.by_hash[s.labels.stable_hash() as usize % SHARDS];
            let mut w = shard.write();
            let mut st = s.state.lock();
            if !st.is_empty() || st.pending_count != 0 || st.deleted {
                continue;
            }
            st.deleted = true;
            drop(st);
            w.remove(s.labels.stable_hash(), s.id);
            drop(w);
            self.by_id.remove(s.id);
            self.index.write().remove(s.id, &s.labels);
            self.tombstones.lock().remove(&s.id);
            Metrics::inc(&self.metrics.head_series_removed);
            Metrics::add(&self.metrics.head_series, -1);
        }
        self.tombstones.lock().retain(|_, v| {
            v.retain(|&(_, maxt)| maxt >= mint);
            !v.is_empty()
        });
        Metrics::add(&self.metrics.head_chunks, -(chunks_dropped as i64));
        Metrics::add(&self.metrics.head_chunks_removed, chunks_dropped as i64);
        self.min_time.store(new_min, Ordering::Release);
        if new_min == i64::MAX {
            self.max_time.store(i64::MIN, Ordering::Release);
        }
        Metrics::set(&self.metrics.head_min_time, self.min_time());
        Metrics::inc(&self.metrics.head_truncations);
        self.chunk_files.truncate_before(mint)
    }

    /// Series records for every series, for a WAL checkpoint.
    pub fn series_entries(&self) -> Vec<SeriesEntry> {
        let mut v: Vec<SeriesEntry> = self
            .all_series()
            .into_iter()
            .map(|s| SeriesEntry {
                id: s.id,
                labels: s.labels.clone(),
            })
            .collect();
        v.sort_by_key(|e| e.id);
        v
    }
}
