//! The write-ahead log: numbered segment files in `wal/`, each an 8-byte header
//! followed by framed records ([`record`]). Commits append one write per commit; the
//! fsync policy decides when bytes reach the disk. Once a write or fsync fails the log is
//! poisoned and refuses every later write.

pub mod checkpoint;
pub mod record;
pub mod replay;
pub mod snapshot;

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use promlite_encoding::file_format::header_bytes;

use crate::error::{IoContext, Result, TsdbError};
use crate::metrics::Metrics;
use crate::options::FsyncPolicy;

/// Magic number of WAL segment files ("PLWL").
pub const WAL_MAGIC: u32 = 0x504c_574c;
pub const WAL_VERSION: u8 = 1;

/// File name of segment `index`.
pub fn segment_name(index: u32) -> String {
    format!("{index:08}")
}

/// The numbered segment files in `dir`, ascending.
pub fn list_segments(dir: &Path) -> Result<Vec<(u32, PathBuf)>> {
    let mut out = Vec::new();
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(TsdbError::io(format!("listing {}", dir.display()), e)),
    };
    for entry in rd {
        let entry = entry.ctx(|| format!("listing {}", dir.display()))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.len() == 8 && name.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(i) = name.parse::<u32>() {
                out.push((i, entry.path()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Syncs a directory so that created, renamed or removed entries are durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .ctx(|| format!("syncing directory {}", dir.display()))
}

struct Writer {
    file: File,
    index: u32,
    written: u64,
    dirty: bool,
    /// Newest sample timestamp logged into the current segment.
    max_t: i64,
}

/// The WAL writer.
pub struct Wal {
    dir: PathBuf,
    segment_size: u64,
    fsync: FsyncPolicy,
    writer: Mutex<Writer>,
    /// Newest sample timestamp of every closed segment (for truncation decisions).
    closed_max_t: Mutex<BTreeMap<u32, i64>>,
    poisoned: AtomicBool,
    poison_reason: Mutex<Option<String>>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Wal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wal").field("dir", &self.dir).finish()
    }
}

fn create_segment(dir: &Path, index: u32, sync: bool) -> Result<File> {
    let path = dir.join(segment_name(index));
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .ctx(|| format!("creating WAL segment {}", path.display()))?;
    file.write_all(&header_bytes(WAL_MAGIC, WAL_VERSION))
        .ctx(|| format!("writing WAL segment header {}", path.display()))?;
    if sync {
        file.sync_all()
            .ctx(|| format!("syncing WAL segment {}", path.display()))?;
        sync_dir(dir)?;
    }
    Ok(file)
}

impl Wal {
    /// Starts a new segment numbered `next_index` in `dir` (after replay, never appending
    /// behind a possibly torn tail). `closed_max_t` are the segments found on replay.
    pub fn open(
        dir: &Path,
        segment_size: u64,
        fsync: FsyncPolicy,
        next_index: u32,
        closed_max_t: BTreeMap<u32, i64>,
        metrics: Arc<Metrics>,
    ) -> Result<Wal> {
        fs::create_dir_all(dir).ctx(|| format!("creating {}", dir.display()))?;
        let file = create_segment(dir, next_index, fsync != FsyncPolicy::Never)?;
        Metrics::set(&metrics.wal_segment_current, i64::from(next_index));
        Ok(Wal {
            dir: dir.to_path_buf(),
            segment_size: segment_size.max(4096),
            fsync,
            writer: Mutex::new(Writer {
                file,
                index: next_index,
                written: promlite_encoding::file_format::HEADER_LEN as u64,
                dirty: false,
                max_t: i64::MIN,
            }),
            closed_max_t: Mutex::new(closed_max_t),
            poisoned: AtomicBool::new(false),
            poison_reason: Mutex::new(None),
            metrics,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The reason writes are refused, if they are.
    pub fn poisoned(&self) -> Option<String> {
        if self.poisoned.load(Ordering::Acquire) {
            self.poison_reason.lock().clone()
        } else {
            None
        }
    }

    fn poison(&self, why: String) -> TsdbError {
        tracing::error!(reason = %why, "WAL write failed; the database now refuses writes");
        Metrics::set(&self.metrics.poisoned, 1);
        let mut r = self.poison_reason.lock();
        if r.is_none() {
            *r = Some(why.clone());
        }
        self.poisoned.store(true, Ordering::Release);
        TsdbError::Poisoned(why)
    }

    /// Marks the log as failed, as a failed fsync would (for tests of the poisoned state).
    #[doc(hidden)]
    pub fn simulate_failure(&self, why: &str) {
        let _ = self.poison(why.to_string());
    }

    fn check_poisoned(&self) -> Result<()> {
        match self.poisoned() {
            Some(why) => Err(TsdbError::Poisoned(why)),
            None => Ok(()),
        }
    }

    /// Appends already framed records in one write. `max_t` is the newest sample
    /// timestamp among them (`i64::MIN` if none). Syncs when the policy says so.
    pub fn log(&self, bytes: &[u8], max_t: i64) -> Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.check_poisoned()?;
        let mut w = self.writer.lock();
        if w.written > promlite_encoding::file_format::HEADER_LEN as u64
            && w.written + bytes.len() as u64 > self.segment_size
        {
            self.rotate_locked(&mut w)?;
        }
        if let Err(e) = w.file.write_all(bytes) {
            Metrics::inc(&self.metrics.wal_writes_failed);
            return Err(self.poison(format!("writing WAL segment {}: {e}", w.index)));
        }
        w.written += bytes.len() as u64;
        w.dirty = true;
        w.max_t = w.max_t.max(max_t);
        if self.fsync == FsyncPolicy::EveryCommit {
            self.sync_locked(&mut w)?;
        }
        Ok(())
    }

    fn sync_locked(&self, w: &mut Writer) -> Result<()> {
        if !w.dirty {
            return Ok(());
        }
        if let Err(e) = w.file.sync_data() {
            return Err(self.poison(format!("fsync of WAL segment {}: {e}", w.index)));
        }
        Metrics::inc(&self.metrics.wal_fsyncs);
        w.dirty = false;
        Ok(())
    }

    /// Syncs the current segment if it has unsynced writes.
    pub fn sync(&self) -> Result<()> {
        self.check_poisoned()?;
        let mut w = self.writer.lock();
        self.sync_locked(&mut w)
    }

    fn rotate_locked(&self, w: &mut Writer) -> Result<u32> {
        // A closed segment is always synced, whatever the policy.
        self.sync_locked(w)?;
        let closed = w.index;
        let next = closed + 1;
        let file = match create_segment(&self.dir, next, self.fsync != FsyncPolicy::Never) {
            Ok(f) => f,
            Err(e) => return Err(self.poison(e.to_string())),
        };
        self.closed_max_t.lock().insert(closed, w.max_t);
        *w = Writer {
            file,
            index: next,
            written: promlite_encoding::file_format::HEADER_LEN as u64,
            dirty: false,
            max_t: i64::MIN,
        };
        Metrics::set(&self.metrics.wal_segment_current, i64::from(next));
        Ok(closed)
    }

    /// Index of the segment being written.
    pub fn current_segment(&self) -> u32 {
        self.writer.lock().index
    }

    /// Closes the current segment and starts the next; returns the closed one's index.
    pub fn rotate(&self) -> Result<u32> {
        self.check_poisoned()?;
        let mut w = self.writer.lock();
        self.rotate_locked(&mut w)
    }

    /// The longest run of oldest closed segments whose samples are all older than
    /// `boundary`: they can be replaced by a checkpoint. Returns the last such index.
    pub fn droppable_prefix(&self, boundary: i64) -> Option<u32> {
        let closed = self.closed_max_t.lock();
        let mut last = None;
        for (&i, &max_t) in closed.iter() {
            if max_t >= boundary {
                break;
            }
            last = Some(i);
        }
        last
    }

    /// Deletes segments up to and including `upto` (after a checkpoint covers them).
    pub fn remove_segments_upto(&self, upto: u32) -> Result<()> {
        let mut closed = self.closed_max_t.lock();
        for (i, path) in list_segments(&self.dir)? {
            if i <= upto {
                fs::remove_file(&path)
                    .ctx(|| format!("removing WAL segment {}", path.display()))?;
                closed.remove(&i);
            }
        }
        Ok(())
    }

    /// Bytes of every file under the WAL directory.
    pub fn size_bytes(&self) -> u64 {
        crate::util::dir_size(&self.dir)
    }

    /// Syncs and stops accepting writes.
    pub fn close(&self) -> Result<()> {
        let mut w = self.writer.lock();
        if self.poisoned().is_some() {
            return Ok(());
        }
        self.sync_locked(&mut w)
    }
}
