//! `ScrapeCache`: per-target memory between scrapes. Maps the exposed series text to its
//! final label set and storage reference (so a steady-state scrape never builds labels),
//! remembers series dropped by relabeling, and tracks which series each scrape saw so
//! the ones that vanish get staleness markers.
//!
//! Layout, chosen for a scrape every few seconds, when none of this is in the CPU cache
//! any more: the texts live back to back in one arena and the entries in one vector
//! (`slots`), both in the order the target first exposed them. Targets expose the same
//! series in the same order every time, so each line is first compared with the entry
//! that followed the previous match in the last scrape's order: a sequential walk that
//! the hardware prefetcher keeps ahead of, with no hashing. Only lines that do not match
//! there go through the hash index. Staleness tracking records entry ids in a vector,
//! and when a scrape saw exactly the entries of the one before, there is nothing stale
//! and no set is built.

use hashbrown::HashTable;
use promlite_model::Labels;
use promlite_storage::SeriesRef;

pub(crate) use super::metadata::MetadataStore;
use super::metadata_lines::MetadataLines;

type FastSet<K> = std::collections::HashSet<K, ahash::RandomState>;

/// Index of an entry in `ScrapeCache::slots`.
pub(crate) type SlotId = u32;

/// The `last_iter` of a free slot.
const FREE: u64 = u64::MAX;

/// Compact the key arena once this many bytes in it are unused (and they are at least
/// half of it).
const MIN_GARBAGE_TO_COMPACT: usize = 4096;

/// One cached series text.
struct Slot {
    key_start: usize,
    key_len: usize,
    last_iter: u64,
    series_ref: SeriesRef,
    /// Where the text was in the series order of the scrape that last saw it.
    pos: u32,
    /// `None`: the text is dropped by metric relabeling (or the slot is free).
    labels: Option<Labels>,
}

#[derive(Default)]
pub(crate) struct ScrapeCache {
    pub(crate) iter: u64,
    successful_count: usize,
    slots: Vec<Slot>,
    free: Vec<SlotId>,
    /// The texts of all slots, back to back.
    keys: Vec<u8>,
    /// Bytes of `keys` that no live slot uses.
    garbage: usize,
    index: HashTable<SlotId>,
    hasher: ahash::RandomState,
    live_series: usize,
    live_dropped: usize,
    /// Live slots seen in the current iteration.
    seen: usize,
    /// Slots of the series lines of the last scrape with any, in body order.
    order_prev: Vec<SlotId>,
    /// The same for the current scrape, so far.
    order_cur: Vec<SlotId>,
    /// Where in `order_prev` the next line is expected.
    cursor: usize,
    /// Slots whose series get a staleness marker if the next scrape lacks them.
    tracked_prev: Vec<SlotId>,
    tracked_cur: Vec<SlotId>,
    empty_labels: Labels,
    pub(crate) metadata: MetadataStore,
    /// The metadata lines of the last scrapes, to skip the store when they repeat.
    pub(crate) metadata_lines: MetadataLines,
}

/// What the cache knows about a series text.
pub(crate) enum Lookup {
    /// Dropped by metric relabeling when first seen.
    Dropped,
    Hit {
        slot: SlotId,
        series_ref: SeriesRef,
        /// Already seen earlier in this same scrape.
        already_scraped: bool,
    },
    Miss,
}

fn key_of<'k>(slots: &[Slot], keys: &'k [u8], id: SlotId) -> &'k [u8] {
    match slots.get(id as usize) {
        Some(s) => keys
            .get(s.key_start..s.key_start + s.key_len)
            .unwrap_or(&[]),
        None => &[],
    }
}

impl ScrapeCache {
    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    fn slot_key(&self, id: SlotId) -> &[u8] {
        key_of(&self.slots, &self.keys, id)
    }

    /// The slot holding `raw`, through the hash index.
    fn find(&self, raw: &[u8]) -> Option<SlotId> {
        let (slots, keys) = (&self.slots, &self.keys);
        self.index
            .find(self.hash(raw), |&id| key_of(slots, keys, id) == raw)
            .copied()
    }

    /// The slot holding `raw` if it is the one expected at this point of the body.
    fn guess(&self, raw: &[u8]) -> Option<SlotId> {
        let id = *self.order_prev.get(self.cursor)?;
        let slot = self.slots.get(id as usize)?;
        (slot.last_iter != FREE && slot.key_len == raw.len() && self.slot_key(id) == raw)
            .then_some(id)
    }

    /// The series text the next line of the body is expected to have: the one that
    /// followed the last match in the previous scrape's order.
    pub(crate) fn expected_next(&self) -> Option<&[u8]> {
        let id = *self.order_prev.get(self.cursor)?;
        let slot = self.slots.get(id as usize)?;
        (slot.last_iter != FREE).then(|| self.slot_key(id))
    }

    /// Marks a slot seen in this iteration; returns whether it already was.
    fn mark_seen(&mut self, id: SlotId) -> bool {
        let iter = self.iter;
        match self.slots.get_mut(id as usize) {
            Some(s) if s.last_iter == iter => true,
            Some(s) => {
                s.last_iter = iter;
                self.seen += 1;
                false
            }
            None => false,
        }
    }

    /// Appends a slot to this scrape's order and remembers where.
    fn record_position(&mut self, id: SlotId) {
        let pos = u32::try_from(self.order_cur.len()).unwrap_or(u32::MAX);
        if let Some(s) = self.slots.get_mut(id as usize) {
            s.pos = pos;
        }
        self.order_cur.push(id);
    }

    /// Looks up the text of a series line of the body, in body order.
    pub(crate) fn lookup(&mut self, raw: &[u8]) -> Lookup {
        let id = match self.guess(raw) {
            Some(id) => {
                self.cursor += 1;
                id
            }
            None => {
                let Some(id) = self.find(raw) else {
                    return Lookup::Miss;
                };
                // Resynchronise after series were inserted or removed.
                if let Some(s) = self.slots.get(id as usize) {
                    let pos = s.pos as usize;
                    if self.order_prev.get(pos) == Some(&id) {
                        self.cursor = pos + 1;
                    }
                }
                id
            }
        };
        let already_scraped = self.mark_seen(id);
        self.record_position(id);
        self.hit(id, already_scraped)
    }

    /// Looks up a text outside the body's order (the report series).
    pub(crate) fn lookup_unordered(&mut self, raw: &[u8]) -> Lookup {
        match self.find(raw) {
            Some(id) => {
                let already_scraped = self.mark_seen(id);
                self.hit(id, already_scraped)
            }
            None => Lookup::Miss,
        }
    }

    fn hit(&self, id: SlotId, already_scraped: bool) -> Lookup {
        match self.slots.get(id as usize) {
            Some(Slot {
                labels: Some(_),
                series_ref,
                ..
            }) => Lookup::Hit {
                slot: id,
                series_ref: *series_ref,
                already_scraped,
            },
            Some(_) => Lookup::Dropped,
            None => Lookup::Miss,
        }
    }

    /// The final labels of a cached series (empty for anything else).
    pub(crate) fn labels(&self, id: SlotId) -> &Labels {
        self.slots
            .get(id as usize)
            .and_then(|s| s.labels.as_ref())
            .unwrap_or(&self.empty_labels)
    }

    /// Stores a text seen in this scrape; `None` labels mean dropped by relabeling.
    fn insert(
        &mut self,
        raw: &[u8],
        series_ref: SeriesRef,
        labels: Option<Labels>,
        ordered: bool,
    ) -> SlotId {
        if let Some(id) = self.find(raw) {
            // Not reached by the append logic (it inserts only after a miss); kept
            // consistent anyway.
            let was_series = self.slots.get(id as usize).map(|s| s.labels.is_some());
            if let Some(s) = self.slots.get_mut(id as usize) {
                s.series_ref = series_ref;
                s.labels = labels;
            }
            let now_series = self.slots.get(id as usize).map(|s| s.labels.is_some());
            match (was_series, now_series) {
                (Some(true), Some(false)) => {
                    self.live_series -= 1;
                    self.live_dropped += 1;
                }
                (Some(false), Some(true)) => {
                    self.live_dropped -= 1;
                    self.live_series += 1;
                }
                _ => {}
            }
            self.mark_seen(id);
            if ordered {
                self.record_position(id);
            }
            return id;
        }
        if labels.is_some() {
            self.live_series += 1;
        } else {
            self.live_dropped += 1;
        }
        let key_start = self.keys.len();
        self.keys.extend_from_slice(raw);
        let slot = Slot {
            key_start,
            key_len: raw.len(),
            last_iter: self.iter,
            series_ref,
            pos: u32::MAX,
            labels,
        };
        self.seen += 1;
        let id = match self.free.pop() {
            Some(id) => {
                if let Some(s) = self.slots.get_mut(id as usize) {
                    *s = slot;
                }
                id
            }
            None => {
                self.slots.push(slot);
                SlotId::try_from(self.slots.len() - 1).unwrap_or(SlotId::MAX)
            }
        };
        let hash = self.hash(raw);
        let (slots, keys, hasher) = (&self.slots, &self.keys, &self.hasher);
        self.index.insert_unique(hash, id, |&other| {
            hasher.hash_one(key_of(slots, keys, other))
        });
        if ordered {
            self.record_position(id);
        }
        id
    }

    /// Caches a series line of the body (after a miss).
    pub(crate) fn add(&mut self, raw: &[u8], series_ref: SeriesRef, labels: Labels) -> SlotId {
        self.insert(raw, series_ref, Some(labels), true)
    }

    /// Caches a series outside the body's order (a report series).
    pub(crate) fn add_unordered(
        &mut self,
        raw: &[u8],
        series_ref: SeriesRef,
        labels: Labels,
    ) -> SlotId {
        self.insert(raw, series_ref, Some(labels), false)
    }

    /// Remembers that a series line of the body is dropped by relabeling.
    pub(crate) fn add_dropped(&mut self, raw: &[u8]) {
        self.insert(raw, 0, None, true);
    }

    /// Points a cached series at a new reference (the storage recreated the series).
    pub(crate) fn update_ref(&mut self, id: SlotId, series_ref: SeriesRef) {
        if let Some(s) = self.slots.get_mut(id as usize) {
            s.series_ref = series_ref;
        }
    }

    /// Records that this scrape exposed the series (for staleness).
    pub(crate) fn track_staleness(&mut self, id: SlotId) {
        self.tracked_cur.push(id);
    }

    /// Drops what the current (failed) scrape recorded for staleness tracking.
    pub(crate) fn forget_current(&mut self) {
        self.tracked_cur.clear();
    }

    /// Series seen in the previous scrape but not in this one, once per reference.
    pub(crate) fn stale_series(&self) -> Vec<(SeriesRef, Labels)> {
        if self.tracked_prev == self.tracked_cur {
            return Vec::new();
        }
        let slot_ref = |id: &SlotId| self.slots.get(*id as usize).map(|s| s.series_ref);
        let current: FastSet<SeriesRef> = self.tracked_cur.iter().filter_map(slot_ref).collect();
        let mut reported: FastSet<SeriesRef> = FastSet::default();
        self.tracked_prev
            .iter()
            .filter_map(|id| {
                let s = self.slots.get(*id as usize)?;
                let labels = s.labels.as_ref()?;
                (!current.contains(&s.series_ref) && reported.insert(s.series_ref))
                    .then(|| (s.series_ref, labels.clone()))
            })
            .collect()
    }

    /// Frees every live slot not seen in this iteration.
    fn free_unseen(&mut self) {
        let iter = self.iter;
        for (i, s) in self.slots.iter_mut().enumerate() {
            if s.last_iter == iter || s.last_iter == FREE {
                continue;
            }
            let key = self
                .keys
                .get(s.key_start..s.key_start + s.key_len)
                .unwrap_or(&[]);
            let id = SlotId::try_from(i).unwrap_or(SlotId::MAX);
            if let Ok(entry) = self
                .index
                .find_entry(self.hasher.hash_one(key), |&other| other == id)
            {
                entry.remove();
            }
            if s.labels.take().is_some() {
                self.live_series -= 1;
            } else {
                self.live_dropped -= 1;
            }
            self.garbage += s.key_len;
            s.key_len = 0;
            s.last_iter = FREE;
            self.free.push(id);
        }
    }

    /// Rewrites the key arena without the texts of freed slots.
    fn compact_keys(&mut self) {
        let mut keys = Vec::with_capacity(self.keys.len() - self.garbage);
        for s in self.slots.iter_mut().filter(|s| s.last_iter != FREE) {
            let start = keys.len();
            keys.extend_from_slice(
                self.keys
                    .get(s.key_start..s.key_start + s.key_len)
                    .unwrap_or(&[]),
            );
            s.key_start = start;
        }
        self.keys = keys;
        self.garbage = 0;
    }

    /// Ends a scrape. `flush` (after a successful, non-empty scrape) forgets entries not
    /// seen in it; a cache growing past twice its last good size plus 1000 is flushed
    /// anyway, so failing scrapes with churning labels cannot grow it without bound.
    /// Returns whether such a forced flush happened.
    pub(crate) fn iter_done(&mut self, mut flush: bool) -> bool {
        let live = self.live_series + self.live_dropped;
        let count = live + self.metadata.len();
        let mut forced = false;
        if flush {
            self.successful_count = count;
        } else if count > self.successful_count * 2 + 1000 {
            flush = true;
            forced = true;
        }
        if flush {
            if self.seen < live {
                self.free_unseen();
            }
            if self.garbage >= MIN_GARBAGE_TO_COMPACT && self.garbage * 2 >= self.keys.len() {
                self.compact_keys();
            }
            self.metadata.expire(self.iter);
        }
        std::mem::swap(&mut self.tracked_prev, &mut self.tracked_cur);
        self.tracked_cur.clear();
        if !self.order_cur.is_empty() {
            std::mem::swap(&mut self.order_prev, &mut self.order_cur);
            self.order_cur.clear();
        }
        self.cursor = 0;
        self.seen = 0;
        self.iter += 1;
        forced
    }

    /// Number of cached series texts (not counting dropped ones).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.live_series
    }

    /// Number of texts remembered as dropped.
    #[cfg(test)]
    pub(crate) fn dropped_len(&self) -> usize {
        self.live_dropped
    }

    /// Bytes in the key arena (live and unused).
    #[cfg(test)]
    pub(crate) fn key_arena_len(&self) -> usize {
        self.keys.len()
    }
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
