//! `Db`: opens a data directory (lock file, blocks, WAL replay into the head), hands out
//! appenders and queriers, runs the background thread (periodic fsync, compaction,
//! retention) and closes cleanly.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Condvar, Mutex, RwLock};
use promlite_storage::{Appendable, Appender, Querier, Queryable, Result as StorageResult};

use crate::block::meta::BlockMeta;
use crate::block::{list_block_dirs, remove_tmp_blocks, Block};
use crate::error::{IoContext, Result, TsdbError};
use crate::head::append::HeadAppender;
use crate::head::{Head, Replayer};
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::options::{FsyncPolicy, Options};
use crate::query::TsdbQuerier;
use crate::wal::replay::replay;
use crate::wal::snapshot::SnapshotWriter;
use crate::wal::Wal;

/// The stop signal and handle of the background thread.
type Background = (Arc<(Mutex<bool>, Condvar)>, JoinHandle<()>);

pub(crate) struct DbInner {
    pub(crate) dir: PathBuf,
    pub(crate) opts: Options,
    pub(crate) head: Arc<Head>,
    pub(crate) wal: Arc<Wal>,
    pub(crate) gate: Arc<RwLock<()>>,
    pub(crate) blocks: RwLock<Arc<Vec<Arc<Block>>>>,
    pub(crate) compaction_lock: Mutex<()>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) closed: Arc<AtomicBool>,
    /// Why blocks were skipped at the last load (each names the file and offset).
    block_errors: Mutex<Vec<String>>,
    /// Newest sample time of the head snapshot the head was loaded from, while that
    /// snapshot is still needed (blocks do not hold all of its data yet).
    pub(crate) snapshot_max_t: Mutex<Option<i64>>,
    background: Mutex<Option<Background>>,
    _lock: File,
}

/// A promlite database. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Db {
    pub(crate) inner: Arc<DbInner>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("dir", &self.inner.dir).finish()
    }
}

fn lock_dir(dir: &Path) -> Result<File> {
    use std::os::unix::io::AsRawFd;
    let path = dir.join("lock");
    let f = File::create(&path).ctx(|| format!("creating {}", path.display()))?;
    // SAFETY: flock on a file descriptor we own; no memory is involved.
    let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        return Err(TsdbError::Locked(dir.to_path_buf()));
    }
    Ok(f)
}

/// Opens every block under `dir`, skipping (and reporting) the ones that fail their
/// checks, and deleting blocks that a compaction already merged into another.
pub(crate) fn load_blocks(
    dir: &Path,
    opts: &Options,
    metrics: &Metrics,
    errors: &Mutex<Vec<String>>,
) -> Result<Vec<Arc<Block>>> {
    let mut blocks = Vec::new();
    errors.lock().clear();
    for d in list_block_dirs(dir)? {
        match Block::open(&d, opts.verify_block_checksums) {
            Ok(b) => blocks.push(Arc::new(b)),
            Err(e) => {
                Metrics::inc(&metrics.blocks_corrupted);
                tracing::error!(block = %d.display(), error = %e, "skipping a block that failed its checks");
                errors.lock().push(e.to_string());
            }
        }
    }
    let parents: std::collections::HashSet<String> = blocks
        .iter()
        .flat_map(|b| b.meta().compaction.parents.iter().map(|p| p.ulid.clone()))
        .collect();
    let (gone, kept): (Vec<_>, Vec<_>) = blocks
        .into_iter()
        .partition(|b| parents.contains(&b.meta().ulid));
    for b in gone {
        tracing::info!(block = %b.dir().display(), "deleting a block already compacted into another");
        crate::block::delete_block_dir(b.dir())?;
    }
    let mut kept = kept;
    kept.sort_by_key(|b| (b.meta().min_time, b.meta().max_time));
    Ok(kept)
}

impl Db {
    /// Opens (or creates) the database in `dir`.
    pub fn open(dir: impl AsRef<Path>, opts: Options) -> Result<Db> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).ctx(|| format!("creating {}", dir.display()))?;
        let lock = lock_dir(&dir)?;
        remove_tmp_blocks(&dir)?;
        let metrics = Arc::new(Metrics::default());
        let block_errors = Mutex::new(Vec::new());
        let blocks = load_blocks(&dir, &opts, &metrics, &block_errors)?;
        let mut head = Head::new(
            &dir,
            opts.block_range_ms,
            opts.head_chunks_file_size,
            metrics.clone(),
        )?;
        if let Some(w) = opts.append_window_ms {
            head.set_append_window(w);
        }
        let head = Arc::new(head);
        if let Some(max) = blocks.iter().map(|b| b.meta().max_time).max() {
            head.set_min_valid_time(max);
        }
        let wal_dir = dir.join("wal");
        let mut replayer = Replayer::new(&head);
        let mut apply_err = None;
        let outcome = replay(&wal_dir, &metrics, |item| {
            if apply_err.is_none() {
                if let Err(e) = replayer.apply(item) {
                    apply_err = Some(e);
                }
            }
        })?;
        if let Some(e) = apply_err {
            return Err(e);
        }
        let (replayed_samples, unknown_refs) = (replayer.samples, replayer.unknown_refs);
        let (snapshot_chunks, snapshot_max_t) = (replayer.snapshot_chunks, replayer.snapshot_max_t);
        replayer.finish();
        Metrics::add(&metrics.wal_replayed_samples, replayed_samples as i64);
        Metrics::add(&metrics.wal_replay_unknown_refs, unknown_refs as i64);
        if unknown_refs > 0 {
            tracing::warn!(
                count = unknown_refs,
                "WAL samples referenced unknown series"
            );
        }
        tracing::info!(
            samples = replayed_samples,
            snapshot_chunks,
            series = head.num_series(),
            "WAL replayed"
        );
        let wal = Arc::new(Wal::open(
            &wal_dir,
            opts.wal_segment_size,
            opts.fsync,
            outcome.next_segment,
            outcome.closed_max_t,
            metrics.clone(),
        )?);
        let inner = Arc::new(DbInner {
            dir,
            opts,
            head,
            wal,
            gate: Arc::new(RwLock::new(())),
            blocks: RwLock::new(Arc::new(blocks)),
            compaction_lock: Mutex::new(()),
            metrics,
            closed: Arc::new(AtomicBool::new(false)),
            block_errors,
            snapshot_max_t: Mutex::new(snapshot_max_t),
            background: Mutex::new(None),
            _lock: lock,
        });
        let db = Db { inner };
        db.update_block_metrics();
        db.start_background();
        Ok(db)
    }

    fn start_background(&self) {
        let periodic = match self.inner.opts.fsync {
            FsyncPolicy::Periodic(d) => Some(d),
            _ => None,
        };
        let compaction = self
            .inner
            .opts
            .background_compaction
            .then_some(self.inner.opts.compaction_interval);
        let tick = match (periodic, compaction) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => return,
        }
        .max(Duration::from_millis(10));
        let ticks_per_compaction =
            compaction.map(|c| (c.as_millis() / tick.as_millis()).max(1) as u64);
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let weak: Weak<DbInner> = Arc::downgrade(&self.inner);
        let stop2 = stop.clone();
        let handle = std::thread::Builder::new()
            .name("promlite-tsdb".into())
            .spawn(move || {
                let mut n: u64 = 0;
                loop {
                    {
                        let mut stopped = stop2.0.lock();
                        if !*stopped {
                            stop2.1.wait_for(&mut stopped, tick);
                        }
                        if *stopped {
                            return;
                        }
                    }
                    let Some(inner) = weak.upgrade() else { return };
                    let db = Db { inner };
                    n += 1;
                    if periodic.is_some() {
                        if let Err(e) = db.inner.wal.sync() {
                            tracing::error!(error = %e, "periodic WAL fsync failed");
                        }
                    }
                    if ticks_per_compaction.is_some_and(|k| n.is_multiple_of(k)) {
                        if let Err(e) = db.compact() {
                            tracing::error!(error = %e, "background compaction failed");
                        }
                    }
                }
            });
        match handle {
            Ok(h) => *self.inner.background.lock() = Some((stop, h)),
            Err(e) => tracing::error!(error = %e, "could not start the tsdb background thread"),
        }
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    pub fn options(&self) -> &Options {
        &self.inner.opts
    }

    /// The head block.
    pub fn head(&self) -> &Head {
        &self.inner.head
    }

    /// A concrete appender (the `Appendable` impl boxes the same thing).
    pub fn head_appender(&self) -> HeadAppender {
        HeadAppender::new(
            self.inner.head.clone(),
            self.inner.wal.clone(),
            self.inner.gate.clone(),
            self.inner.closed.clone(),
        )
    }

    /// A concrete querier over `[mint, maxt]`.
    pub fn tsdb_querier(&self, mint: i64, maxt: i64) -> Result<TsdbQuerier> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(TsdbError::Closed);
        }
        Ok(TsdbQuerier {
            head: self.inner.head.clone(),
            blocks: self.blocks_snapshot(),
            mint,
            maxt,
        })
    }

    pub(crate) fn blocks_snapshot(&self) -> Arc<Vec<Arc<Block>>> {
        self.inner.blocks.read().clone()
    }

    /// Metas of the loaded blocks, oldest first.
    pub fn blocks(&self) -> Vec<BlockMeta> {
        self.blocks_snapshot()
            .iter()
            .map(|b| b.meta().clone())
            .collect()
    }

    /// Why blocks were skipped when they were last loaded: one message per block, naming
    /// the file and the offset that failed its check.
    pub fn block_load_errors(&self) -> Vec<String> {
        self.inner.block_errors.lock().clone()
    }

    /// Why writes are refused, if a failed fsync poisoned the database.
    pub fn poisoned(&self) -> Option<String> {
        self.inner.wal.poisoned()
    }

    /// Poisons the database as a failed fsync would (tests of the refusal path).
    #[doc(hidden)]
    pub fn simulate_fsync_failure(&self, why: &str) {
        self.inner.wal.simulate_failure(why);
    }

    /// Re-reads the block directories (after a backfill wrote new blocks, for example).
    pub fn reload_blocks(&self) -> Result<()> {
        let _c = self.inner.compaction_lock.lock();
        let blocks = load_blocks(
            &self.inner.dir,
            &self.inner.opts,
            &self.inner.metrics,
            &self.inner.block_errors,
        )?;
        if let Some(max) = blocks.iter().map(|b| b.meta().max_time).max() {
            self.inner.head.set_min_valid_time(max);
        }
        *self.inner.blocks.write() = Arc::new(blocks);
        Metrics::inc(&self.inner.metrics.reloads);
        self.update_block_metrics();
        Ok(())
    }

    pub(crate) fn update_block_metrics(&self) {
        let blocks = self.blocks_snapshot();
        let m = &self.inner.metrics;
        Metrics::set(&m.blocks_loaded, blocks.len() as i64);
        Metrics::set(
            &m.storage_blocks_bytes,
            blocks.iter().map(|b| b.size_bytes() as i64).sum(),
        );
        let lowest = blocks
            .iter()
            .map(|b| b.meta().min_time)
            .min()
            .unwrap_or(self.inner.head.min_time());
        Metrics::set(&m.lowest_timestamp, lowest.min(self.inner.head.min_time()));
    }

    /// A copy of every metric.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.update_block_metrics();
        self.inner.metrics.snapshot()
    }

    /// Syncs the WAL now, whatever the policy.
    pub fn sync(&self) -> Result<()> {
        self.inner.wal.sync()
    }

    /// Stops the background thread, syncs the WAL and refuses further use. The directory
    /// is left ready for [`Db::open`].
    pub fn close(&self) -> Result<()> {
        if self.inner.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let bg = self.inner.background.lock().take();
        if let Some((stop, handle)) = bg {
            *stop.0.lock() = true;
            stop.1.notify_all();
            let _ = handle.join();
        }
        // Wait for a compaction in progress to finish.
        let _c = self.inner.compaction_lock.lock();
        self.inner.wal.close()?;
        if self.inner.opts.head_snapshot_on_close && self.inner.wal.poisoned().is_none() {
            // No commit is in flight, and none can start (they check `closed` under
            // the gate): the head and the WAL agree while the snapshot is written.
            let _exclusive = self.inner.gate.write();
            self.write_head_snapshot()?;
        }
        // The WAL (or the snapshot) is durable now; chunks_head/ would only duplicate it.
        self.inner.head.chunk_files.unlink_all_at_close()?;
        // As Prometheus: a clean close removes the lock file (the flock goes with the
        // handle); one left behind tells of a crash, and never blocks the next open.
        let lock = self.inner.dir.join("lock");
        match std::fs::remove_file(&lock) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).ctx(|| format!("removing {}", lock.display()))
            }
            _ => Ok(()),
        }
    }

    /// Writes the head into `wal/snapshot.N/` (N = the current segment) and deletes the
    /// segments, checkpoints and snapshots it replaces. A failure leaves the WAL as it was.
    fn write_head_snapshot(&self) -> Result<()> {
        let wal = &self.inner.wal;
        let upto = wal.current_segment();
        let mut w = SnapshotWriter::create(wal.dir(), upto)?;
        let chunks = self.inner.head.write_snapshot(&mut w)?;
        w.finish()?;
        tracing::info!(segment = upto, chunks, "head snapshot written");
        Ok(())
    }
}

impl Drop for DbInner {
    fn drop(&mut self) {
        if let Some((stop, handle)) = self.background.lock().take() {
            *stop.0.lock() = true;
            stop.1.notify_all();
            if handle.thread().id() != std::thread::current().id() {
                let _ = handle.join();
            }
        }
        let _ = self.wal.close();
    }
}

impl Appendable for Db {
    fn appender(&self) -> Box<dyn Appender> {
        Box::new(self.head_appender())
    }
}

impl Queryable for Db {
    fn querier(&self, mint: i64, maxt: i64) -> StorageResult<Box<dyn Querier>> {
        Ok(Box::new(self.tsdb_querier(mint, maxt)?))
    }
}
