//! `HeadAppender`: buffers samples of many series, then on commit writes one WAL batch
//! (series records for series not logged yet, then the samples) and only then applies
//! the samples to the series' chunks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;
use promlite_model::Labels;
use promlite_storage::{Appender, SeriesRef, StorageError};

use super::prefetch::prefetch_read;
use super::series::{check_against, Check, MemSeries};
use super::Head;
use crate::error::{Result, TsdbError};
use crate::metrics::Metrics;
use crate::wal::record::{RecordEncoder, RefSample, SeriesEntry};
use crate::wal::Wal;

/// Samples per WAL samples record.
const SAMPLES_PER_RECORD: usize = 50_000;

struct Pending {
    series: Arc<MemSeries>,
    t: i64,
    v: f64,
}

/// An appender of the head. Not shared between threads; many may run at once.
pub struct HeadAppender {
    head: Arc<Head>,
    wal: Arc<Wal>,
    /// Held shared across WAL write + apply, exclusively by WAL truncation, so a
    /// checkpoint never separates a WAL write from its effect on the head.
    gate: Arc<RwLock<()>>,
    closed: Arc<AtomicBool>,
    token: u64,
    pending: Vec<Pending>,
    ref_samples: Vec<RefSample>,
    new_series: Vec<SeriesEntry>,
    records: RecordEncoder,
    wal_buf: Vec<u8>,
}

impl HeadAppender {
    pub(crate) fn new(
        head: Arc<Head>,
        wal: Arc<Wal>,
        gate: Arc<RwLock<()>>,
        closed: Arc<AtomicBool>,
    ) -> HeadAppender {
        let token = head.next_appender_token();
        HeadAppender {
            head,
            wal,
            gate,
            closed,
            token,
            pending: Vec::new(),
            ref_samples: Vec::new(),
            new_series: Vec::new(),
            records: RecordEncoder::default(),
            wal_buf: Vec::new(),
        }
    }

    fn lookup(&self, series_ref: Option<SeriesRef>, labels: &Labels) -> Result<Arc<MemSeries>> {
        if let Some(s) = series_ref
            .and_then(|r| u32::try_from(r).ok())
            .and_then(|id| self.head.series_by_id(id))
            .filter(|s| labels.is_empty() || s.labels == *labels)
        {
            return Ok(s);
        }
        if labels.is_empty() {
            return Err(TsdbError::InvalidLabels("empty label set".into()));
        }
        Ok(self.head.get_or_create(labels)?.0)
    }

    /// Adds one sample; see [`Appender::append`].
    pub fn add(
        &mut self,
        series_ref: Option<SeriesRef>,
        labels: &Labels,
        t: i64,
        v: f64,
    ) -> Result<SeriesRef> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(TsdbError::Closed);
        }
        let metrics = &self.head.metrics;
        if t < self.head.appendable_min_valid_time() {
            Metrics::inc(&metrics.out_of_bound_samples);
            return Err(TsdbError::OutOfBounds);
        }
        let mut series_ref = series_ref;
        loop {
            let series = self.lookup(series_ref, labels)?;
            let mut st = series.state.lock();
            if st.deleted {
                // Garbage collection removed it between lookup and lock: look again.
                series_ref = None;
                continue;
            }
            let last = if st.pending_token == self.token {
                Some((st.pending_t, st.pending_v))
            } else {
                st.last
            };
            match check_against(last, t, v) {
                Err(e) => {
                    match e {
                        TsdbError::OutOfOrderSample => Metrics::inc(&metrics.out_of_order_samples),
                        _ => Metrics::inc(&metrics.duplicate_samples),
                    }
                    return Err(e);
                }
                Ok(Check::ExactDuplicate) => return Ok(SeriesRef::from(series.id)),
                Ok(Check::Append) => {
                    // The commit encodes this sample: have its chunk buffer in cache by then.
                    prefetch_read(st.open.append_position());
                    st.pending_token = self.token;
                    st.pending_t = t;
                    st.pending_v = v.to_bits();
                }
            }
            drop(st);
            let id = series.id;
            self.pending.push(Pending { series, t, v });
            return Ok(SeriesRef::from(id));
        }
    }

    fn release_pending(&mut self) {
        for p in self.pending.drain(..) {
            let mut st = p.series.state.lock();
            if st.pending_token == self.token {
                st.pending_token = 0;
            }
        }
    }

    /// Writes the WAL batch and applies the samples.
    pub fn commit_samples(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        if let Some(why) = self.wal.poisoned() {
            self.release_pending();
            return Err(TsdbError::Poisoned(why));
        }
        self.new_series.clear();
        self.ref_samples.clear();
        let (mut mint, mut maxt) = (i64::MAX, i64::MIN);
        for p in &self.pending {
            // A plain load first: the swap (a locked instruction) only for new series.
            if !p.series.logged.load(Ordering::Acquire)
                && !p.series.logged.swap(true, Ordering::AcqRel)
            {
                self.new_series.push(SeriesEntry {
                    id: p.series.id,
                    labels: p.series.labels.clone(),
                });
            }
            self.ref_samples.push(RefSample {
                id: p.series.id,
                t: p.t,
                v: p.v,
            });
            mint = mint.min(p.t);
            maxt = maxt.max(p.t);
        }
        self.wal_buf.clear();
        if !self.new_series.is_empty() {
            self.records.series(&self.new_series, &mut self.wal_buf);
        }
        for batch in self.ref_samples.chunks(SAMPLES_PER_RECORD) {
            self.records.samples(batch, &mut self.wal_buf);
        }
        let gate = self.gate.clone();
        let _shared = gate.read();
        // Checked under the gate: close() takes it exclusively before it snapshots the
        // head and deletes the segments, so no commit can land in a deleted segment.
        if self.closed.load(Ordering::Acquire) {
            self.release_pending();
            return Err(TsdbError::Closed);
        }
        if let Err(e) = self.wal.log(&self.wal_buf, maxt) {
            self.release_pending();
            return Err(e);
        }
        let metrics = self.head.metrics.clone();
        let (mut appended, mut new_chunks) = (0i64, 0i64);
        let mut result = Ok(());
        let mut pending = std::mem::take(&mut self.pending);
        for p in pending.iter() {
            let recreated: Arc<MemSeries>;
            let mut series = &p.series;
            let mut st = series.state.lock();
            if st.deleted {
                // Collected while another appender's token hid ours: re-create it.
                drop(st);
                match self.head.get_or_create(&series.labels) {
                    Ok((s, _)) => recreated = s,
                    Err(e) => {
                        result = Err(e);
                        continue;
                    }
                }
                series = &recreated;
                st = series.state.lock();
            }
            if st.pending_token == self.token {
                st.pending_token = 0;
            }
            match check_against(st.last, p.t, p.v) {
                Ok(Check::Append) => {
                    match st.append(p.t, p.v, &self.head.chunk_files, self.head.chunk_range) {
                        Ok(created) => {
                            appended += 1;
                            new_chunks += i64::from(created);
                        }
                        Err(e) => result = Err(e),
                    }
                }
                Ok(Check::ExactDuplicate) => {}
                // Another appender committed a newer sample meanwhile.
                Err(TsdbError::OutOfOrderSample) => Metrics::inc(&metrics.out_of_order_samples),
                Err(_) => Metrics::inc(&metrics.duplicate_samples),
            }
        }
        // Keep the allocation for the next batch.
        pending.clear();
        self.pending = pending;
        Metrics::add(&metrics.head_samples_appended, appended);
        Metrics::add(&metrics.head_chunks, new_chunks);
        Metrics::add(&metrics.head_chunks_created, new_chunks);
        self.head.update_time_bounds(mint, maxt);
        result
    }
}

impl Appender for HeadAppender {
    fn append(
        &mut self,
        series_ref: Option<SeriesRef>,
        labels: &Labels,
        t: i64,
        v: f64,
    ) -> Result<SeriesRef, StorageError> {
        self.add(series_ref, labels, t, v)
            .map_err(StorageError::from)
    }

    fn commit(&mut self) -> Result<(), StorageError> {
        self.commit_samples().map_err(StorageError::from)
    }

    fn rollback(&mut self) -> Result<(), StorageError> {
        self.release_pending();
        Ok(())
    }
}

impl Drop for HeadAppender {
    fn drop(&mut self) {
        self.release_pending();
    }
}
