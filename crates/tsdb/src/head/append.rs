//! `HeadAppender`: buffers samples of many series, then on commit writes one WAL batch
//! (series records for series not logged yet, then the samples) and only then applies
//! the samples to the series' chunks.
//!
//! A pending sample keeps only its series id: the series' `pending_count` keeps garbage
//! collection away until the commit, and the commit finds series through the dense id
//! table (one lock per page of ids, not per sample), so no reference count is touched
//! per sample.

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

/// What marking a sample pending on a series found.
enum Marked {
    /// Pending now; `Some(labels)` when the series had no WAL series record yet.
    Pending(Option<Labels>),
    ExactDuplicate,
    /// Garbage collection removed the series: look it up again by labels.
    Deleted,
    /// Older than the newest sample.
    OutOfOrder,
    /// Same timestamp as the newest sample, another value.
    Duplicate,
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
    /// Samples waiting for commit, by series id: also the WAL's samples record input.
    pending: Vec<RefSample>,
    /// Series that had no WAL series record when one of their samples was added.
    unlogged: Vec<SeriesEntry>,
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
            unlogged: Vec::new(),
            new_series: Vec::new(),
            records: RecordEncoder::default(),
            wal_buf: Vec::new(),
        }
    }

    /// Checks `(t, v)` against the series' newest sample (or this appender's pending one)
    /// and, if it is to be appended, records it as the series' pending sample.
    fn mark(token: u64, series: &MemSeries, t: i64, v: f64) -> Marked {
        let mut st = series.state.lock();
        if st.deleted {
            return Marked::Deleted;
        }
        let last = if st.pending_token == token {
            Some((st.pending_t, st.pending_v))
        } else {
            st.last
        };
        match check_against(last, t, v) {
            Err(TsdbError::OutOfOrderSample) => Marked::OutOfOrder,
            Err(_) => Marked::Duplicate,
            Ok(Check::ExactDuplicate) => Marked::ExactDuplicate,
            Ok(Check::Append) => {
                // The commit encodes this sample: have its chunk buffer in cache by then.
                prefetch_read(st.open.append_position());
                st.pending_token = token;
                st.pending_t = t;
                st.pending_v = v.to_bits();
                st.pending_count += 1;
                drop(st);
                let unlogged =
                    (!series.logged.load(Ordering::Acquire)).then(|| series.labels.clone());
                Marked::Pending(unlogged)
            }
        }
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
        let token = self.token;
        // Fast path: the reference names a live series with these labels (checked under
        // the table's lock, without taking a reference count).
        let by_ref = series_ref
            .and_then(|r| u32::try_from(r).ok())
            .and_then(|id| {
                self.head.series_for_append(id, |s| {
                    (labels.is_empty() || s.labels == *labels).then(|| Self::mark(token, s, t, v))
                })
            })
            .flatten()
            .map(|m| (m, series_ref.unwrap_or_default() as u32));
        let (marked, id) = match by_ref {
            Some((Marked::Deleted, _)) | None => {
                if labels.is_empty() {
                    return Err(TsdbError::InvalidLabels("empty label set".into()));
                }
                loop {
                    let series = self.head.get_or_create(labels)?.0;
                    match Self::mark(token, &series, t, v) {
                        Marked::Deleted => continue,
                        m => break (m, series.id),
                    }
                }
            }
            Some(found) => found,
        };
        match marked {
            Marked::Pending(unlogged) => {
                if let Some(labels) = unlogged {
                    self.unlogged.push(SeriesEntry { id, labels });
                }
                self.pending.push(RefSample { id, t, v });
                Ok(SeriesRef::from(id))
            }
            Marked::ExactDuplicate => Ok(SeriesRef::from(id)),
            Marked::OutOfOrder => {
                Metrics::inc(&metrics.out_of_order_samples);
                Err(TsdbError::OutOfOrderSample)
            }
            Marked::Duplicate => {
                Metrics::inc(&metrics.duplicate_samples);
                Err(TsdbError::DuplicateSampleForTimestamp)
            }
            Marked::Deleted => Err(TsdbError::Other("series removed while appending".into())),
        }
    }

    /// Forgets the pending samples (rollback, failed commit, drop).
    fn release_pending(&mut self) {
        let token = self.token;
        self.head.by_id.visit(
            &self.pending,
            |p| p.id,
            |_, series| {
                if let Some(s) = series {
                    let mut st = s.state.lock();
                    st.pending_count = st.pending_count.saturating_sub(1);
                    if st.pending_token == token {
                        st.pending_token = 0;
                    }
                }
            },
        );
        self.pending.clear();
        self.unlogged.clear();
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
        // Series records for series nobody logged yet (another appender may have since).
        self.new_series.clear();
        for e in self.unlogged.drain(..) {
            let first = self
                .head
                .by_id
                .with(e.id, |s| !s.logged.swap(true, Ordering::AcqRel));
            if first == Some(true) {
                self.new_series.push(e);
            }
        }
        let (mut mint, mut maxt) = (i64::MAX, i64::MIN);
        for p in &self.pending {
            mint = mint.min(p.t);
            maxt = maxt.max(p.t);
        }
        self.wal_buf.clear();
        if !self.new_series.is_empty() {
            self.records.series(&self.new_series, &mut self.wal_buf);
        }
        for batch in self.pending.chunks(SAMPLES_PER_RECORD) {
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
        let head = &self.head;
        let metrics = &head.metrics;
        let token = self.token;
        let (mut appended, mut new_chunks) = (0i64, 0i64);
        let mut result = Ok(());
        head.by_id.visit(
            &self.pending,
            |p| p.id,
            |p, series| {
                let Some(series) = series else {
                    // Cannot happen: the pending count keeps the series in the table.
                    result = Err(TsdbError::Other(format!(
                        "series {} vanished before commit",
                        p.id
                    )));
                    return;
                };
                let mut st = series.state.lock();
                st.pending_count = st.pending_count.saturating_sub(1);
                if st.pending_token == token {
                    st.pending_token = 0;
                }
                match check_against(st.last, p.t, p.v) {
                    Ok(Check::Append) => {
                        match st.append(p.t, p.v, &head.chunk_files, head.chunk_range) {
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
            },
        );
        self.pending.clear();
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
