//! `Replayer`: applies WAL records to the head at open. While it runs nothing else can
//! reach the head, so it keeps the state of every series (open chunk, completed chunk
//! references, newest sample) in a dense vector of its own and appends without taking
//! any lock; [`Replayer::finish`] moves each state into its head series.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::series::{MemSeries, SeriesState};
use super::Head;
use crate::error::Result;
use crate::metrics::Metrics;
use crate::wal::record::RefSample;
use crate::wal::replay::ReplayItem;
use crate::wal::snapshot::for_each_snapshot_series;

/// A head series and the state replay builds for it.
struct ReplaySlot {
    series: Arc<MemSeries>,
    state: SeriesState,
}

/// Applies WAL records at open.
pub(crate) struct Replayer<'a> {
    head: &'a Head,
    /// Per WAL series id: index + 1 into `slots` (0 = no series record seen). Ids are
    /// dense, so a vector beats a hash map. Two ids may share a slot when a series was
    /// logged again under a new id with the same labels.
    slot_of_id: Vec<u32>,
    slots: Vec<ReplaySlot>,
    pub samples: u64,
    pub unknown_refs: u64,
    /// Chunks loaded from a head snapshot.
    pub snapshot_chunks: u64,
    /// Newest sample time in the head snapshot, if one was loaded.
    pub snapshot_max_t: Option<i64>,
}

impl<'a> Replayer<'a> {
    pub fn new(head: &'a Head) -> Replayer<'a> {
        Replayer {
            head,
            slot_of_id: Vec::new(),
            slots: Vec::new(),
            samples: 0,
            unknown_refs: 0,
            snapshot_chunks: 0,
            snapshot_max_t: None,
        }
    }

    pub fn apply(&mut self, item: ReplayItem) -> Result<()> {
        match item {
            ReplayItem::Series(entries) => {
                for e in entries {
                    let (s, created) = self.head.get_or_create_with_id(&e.labels, Some(e.id))?;
                    s.logged.store(true, Ordering::Relaxed);
                    // A series logged again under a new id keeps its first id (and slot).
                    let slot = match self.slot_of_id.get(s.id as usize) {
                        Some(&slot) if slot != 0 && !created => slot,
                        _ => {
                            self.slots.push(ReplaySlot {
                                series: s.clone(),
                                state: SeriesState::empty(),
                            });
                            self.slots.len() as u32
                        }
                    };
                    for id in [s.id, e.id] {
                        let i = id as usize;
                        if self.slot_of_id.len() <= i {
                            self.slot_of_id.resize(i + 1, 0);
                        }
                        if let Some(cell) = self.slot_of_id.get_mut(i) {
                            *cell = slot;
                        }
                    }
                }
            }
            ReplayItem::Samples(samples) => self.apply_samples(&samples)?,
            ReplayItem::Tombstones(t) => self.head.add_tombstones(&t),
            ReplayItem::Chunks(payload) => self.apply_chunks(&payload)?,
        }
        Ok(())
    }

    /// Loads a snapshot's chunks: copied into `chunks_head/` with one write per file, all
    /// of them completed chunks (the next append starts a new one), dropping those that
    /// blocks already hold.
    fn apply_chunks(&mut self, payload: &[u8]) -> Result<()> {
        let min_valid = self.head.min_valid_time();
        let mut chunks = Vec::new();
        let mut owners = Vec::new();
        let mut lasts = Vec::new();
        let mut unknown = 0u64;
        let mut newest = i64::MIN;
        for_each_snapshot_series(payload, |id, last, series_chunks| {
            newest = newest.max(last.0);
            let Some(j) = self.slot_index(id) else {
                unknown += 1;
                return;
            };
            for c in series_chunks.iter().filter(|c| c.maxt >= min_valid) {
                chunks.push((c.framed, c.mint, c.maxt));
                owners.push(j);
            }
            if last.0 >= min_valid {
                lasts.push((j, last));
            }
        })
        .map_err(|e| crate::TsdbError::Other(format!("head snapshot: {e}")))?;
        self.unknown_refs += unknown;
        let refs = self.head.chunk_files.write_framed_chunks(&chunks)?;
        let (mut mint, mut maxt) = (i64::MAX, i64::MIN);
        for (r, j) in refs.into_iter().zip(owners) {
            if let Some(slot) = self.slots.get_mut(j) {
                mint = mint.min(r.mint);
                maxt = maxt.max(r.maxt);
                slot.state.chunks.push(r);
            }
        }
        for (j, last) in lasts {
            if let Some(slot) = self.slots.get_mut(j) {
                if slot.state.last.is_none_or(|(t, _)| last.0 > t) {
                    slot.state.last = Some(last);
                }
            }
        }
        self.snapshot_chunks += chunks.len() as u64;
        self.snapshot_max_t = Some(self.snapshot_max_t.unwrap_or(i64::MIN).max(newest));
        let n = chunks.len() as i64;
        Metrics::add(&self.head.metrics.head_chunks, n);
        Metrics::add(&self.head.metrics.head_chunks_created, n);
        self.head.update_time_bounds(mint, maxt);
        Ok(())
    }

    #[inline]
    fn slot_index(&self, id: u32) -> Option<usize> {
        match self.slot_of_id.get(id as usize) {
            Some(&slot) if slot != 0 => Some(slot as usize - 1),
            _ => None,
        }
    }

    fn apply_samples(&mut self, samples: &[RefSample]) -> Result<()> {
        let min_valid = self.head.min_valid_time();
        let (mut mint, mut maxt) = (i64::MAX, i64::MIN);
        let mut new_chunks = 0;
        for s in samples {
            let Some(st) = self
                .slot_index(s.id)
                .and_then(|j| self.slots.get_mut(j))
                .map(|slot| &mut slot.state)
            else {
                self.unknown_refs += 1;
                continue;
            };
            if s.t < min_valid {
                continue;
            }
            // Records may repeat samples a checkpoint already holds: keep the first.
            if st.last.is_some_and(|(lt, _)| s.t <= lt) {
                continue;
            }
            if st.append(s.t, s.v, &self.head.chunk_files, self.head.chunk_range)? {
                new_chunks += 1;
            }
            mint = mint.min(s.t);
            maxt = maxt.max(s.t);
            self.samples += 1;
        }
        Metrics::add(&self.head.metrics.head_chunks, new_chunks);
        Metrics::add(&self.head.metrics.head_chunks_created, new_chunks);
        self.head.update_time_bounds(mint, maxt);
        Ok(())
    }

    /// Hands every replayed state to its head series; the head is then complete.
    pub fn finish(self) {
        for slot in self.slots {
            *slot.series.state.lock() = slot.state;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wal::record::SeriesEntry;
    use promlite_model::Labels;

    fn sample(id: u32, t: i64, v: f64) -> RefSample {
        RefSample { id, t, v }
    }

    /// Samples under two ids of one label set land in one series; repeats of a sample a
    /// checkpoint already holds, and samples of unknown ids, are skipped; a new label set
    /// gets its own series.
    #[test]
    fn ids_sharing_labels_share_a_series() {
        let dir = tempfile::tempdir().unwrap();
        let head = Head::new(dir.path(), 7_200_000, 1 << 20, Arc::default()).unwrap();
        let a = Labels::from_pairs([("__name__", "a")]);
        let b = Labels::from_pairs([("__name__", "b")]);
        let mut r = Replayer::new(&head);
        let series = |id: u32, labels: &Labels| {
            ReplayItem::Series(vec![SeriesEntry {
                id,
                labels: labels.clone(),
            }])
        };
        r.apply(series(1, &a)).unwrap();
        r.apply(ReplayItem::Samples(vec![
            sample(1, 10, 1.0),
            sample(1, 20, 2.0),
        ]))
        .unwrap();
        r.apply(series(7, &a)).unwrap();
        r.apply(series(8, &b)).unwrap();
        r.apply(ReplayItem::Samples(vec![
            sample(7, 20, 9.0),
            sample(7, 30, 3.0),
            sample(8, 5, 5.0),
            sample(3, 40, 4.0),
        ]))
        .unwrap();
        assert_eq!((r.samples, r.unknown_refs), (4, 1));
        r.finish();
        assert_eq!(head.num_series(), 2);
        let sa = head.series_by_id(1).unwrap();
        assert_eq!(sa.labels, a);
        let st = sa.state.lock();
        assert_eq!((st.open.len(), st.last), (3, Some((30, 3.0f64.to_bits()))));
        drop(st);
        assert_eq!(head.series_by_id(8).unwrap().labels, b);
        assert!(head.series_by_id(7).is_none());
        assert_eq!((head.min_time(), head.max_time()), (5, 30));
        // New series continue after the highest id the WAL used.
        let (c, created) = head
            .get_or_create(&Labels::from_pairs([("__name__", "c")]))
            .unwrap();
        assert!(created && c.id > 8);
    }
}
