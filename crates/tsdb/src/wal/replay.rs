//! Reading the WAL back at open: the newest head snapshot and the newest checkpoint after
//! it, then every later segment, through `memmap2`. One thread decompresses and decodes
//! while the caller applies records. A torn or corrupt tail is cut at the last good
//! record, logged and counted; the database still opens.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use memmap2::Mmap;
use promlite_encoding::file_format::{check_header, HEADER_LEN};

use super::record::{
    decode_samples_into, decode_series, decode_tombstones, decompress_into, read_frame, RecordType,
    RefSample, SeriesEntry, TombstoneEntry,
};
use super::snapshot::{for_each_snapshot_series, latest_snapshot, remove_covered, SNAPSHOT_PREFIX};
use super::{list_segments, WAL_MAGIC, WAL_VERSION};
use crate::error::{IoContext, Result};
use crate::metrics::Metrics;

/// A decoded record handed to the caller.
#[derive(Debug)]
pub enum ReplayItem {
    Series(Vec<SeriesEntry>),
    Samples(Vec<RefSample>),
    Tombstones(Vec<TombstoneEntry>),
    /// A snapshot's chunks record payload (checked), see [`super::snapshot`].
    Chunks(Vec<u8>),
}

/// What replay found.
#[derive(Debug, Default)]
pub struct ReplayOutcome {
    /// Index the writer should use for its new segment.
    pub next_segment: u32,
    /// Newest sample timestamp of each segment left on disk.
    pub closed_max_t: BTreeMap<u32, i64>,
    /// Corrupt places found (and cut off).
    pub corruptions: u32,
}

/// Where a bad record was found.
#[derive(Debug)]
struct Damage {
    segment: Option<u32>,
    path: PathBuf,
    offset: usize,
    message: String,
}

/// The newest complete checkpoint directory and the segment it covers.
pub fn latest_checkpoint(dir: &Path) -> Result<Option<(u32, PathBuf)>> {
    let mut best = None;
    let Ok(rd) = fs::read_dir(dir) else {
        return Ok(None);
    };
    for entry in rd {
        let entry = entry.ctx(|| format!("listing {}", dir.display()))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(n) = name.strip_prefix("checkpoint.") {
            if let Ok(i) = n.parse::<u32>() {
                if best.as_ref().is_none_or(|(b, _)| i > *b) {
                    best = Some((i, entry.path()));
                }
            }
        }
    }
    Ok(best)
}

/// Decodes one segment file, sending items; returns the newest sample timestamp decoded
/// and the damage that stopped it, if any.
fn decode_file(
    path: &Path,
    segment: Option<u32>,
    tx: &mpsc::SyncSender<ReplayItem>,
) -> (i64, Option<Damage>) {
    let mut max_t = i64::MIN;
    let damage = decode_file_inner(path, segment, tx, &mut max_t).err();
    (max_t, damage)
}

fn decode_file_inner(
    path: &Path,
    segment: Option<u32>,
    tx: &mpsc::SyncSender<ReplayItem>,
    max_t: &mut i64,
) -> std::result::Result<(), Damage> {
    let damage = |offset: usize, message: String| Damage {
        segment,
        path: path.to_path_buf(),
        offset,
        message,
    };
    let file = fs::File::open(path).map_err(|e| damage(0, format!("open: {e}")))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len == 0 {
        return Err(damage(0, "empty segment".into()));
    }
    // SAFETY: WAL segments are only appended to by this process's writer, which is not
    // running during replay; nobody truncates them while mapped.
    let map = unsafe { Mmap::map(&file) }.map_err(|e| damage(0, format!("mmap: {e}")))?;
    check_header(&map, WAL_MAGIC, WAL_VERSION).map_err(|e| damage(0, e.to_string()))?;
    let mut pos = HEADER_LEN;
    let mut buf = Vec::new();
    loop {
        let rest = map.get(pos..).unwrap_or(&[]);
        let raw = match read_frame(rest) {
            Ok(Some(raw)) => raw,
            Ok(None) => break,
            Err(e) => return Err(damage(pos, e.to_string())),
        };
        if raw.kind == RecordType::Chunks {
            // Stored without snappy: check and hand over the bytes as they are.
            for_each_snapshot_series(raw.compressed, |_, _, _| {})
                .map_err(|e| damage(pos, e.to_string()))?;
            if tx
                .send(ReplayItem::Chunks(raw.compressed.to_vec()))
                .is_err()
            {
                break;
            }
            pos += raw.total_len;
            continue;
        }
        decompress_into(raw.compressed, &mut buf).map_err(|e| damage(pos, e.to_string()))?;
        let item = match raw.kind {
            RecordType::Series => decode_series(&buf).map(ReplayItem::Series),
            RecordType::Samples => {
                let mut v = Vec::new();
                decode_samples_into(&buf, &mut v).map(|()| {
                    for s in &v {
                        *max_t = (*max_t).max(s.t);
                    }
                    ReplayItem::Samples(v)
                })
            }
            RecordType::Tombstones => decode_tombstones(&buf).map(ReplayItem::Tombstones),
            // Handled above, before decompression.
            RecordType::Chunks => Ok(ReplayItem::Chunks(Vec::new())),
        }
        .map_err(|e| damage(pos, e.to_string()))?;
        if tx.send(item).is_err() {
            break;
        }
        pos += raw.total_len;
    }
    Ok(())
}

/// Replays the WAL in `dir`, calling `apply` for every record in order.
pub fn replay(
    dir: &Path,
    metrics: &Metrics,
    mut apply: impl FnMut(ReplayItem),
) -> Result<ReplayOutcome> {
    fs::create_dir_all(dir).ctx(|| format!("creating {}", dir.display()))?;
    remove_tmp_checkpoints(dir)?;
    let snapshot = latest_snapshot(dir)?;
    if let Some((n, _)) = &snapshot {
        // A crash may have come between writing the snapshot and deleting what it covers.
        remove_covered(dir, *n)?;
    }
    let checkpoint = latest_checkpoint(dir)?;
    let first_after = [&snapshot, &checkpoint]
        .into_iter()
        .flatten()
        .map(|(i, _)| i + 1)
        .max()
        .unwrap_or(0);
    let mut segments = Vec::new();
    for (i, path) in list_segments(dir)? {
        if i < first_after {
            // Covered by the checkpoint; a crash interrupted its clean-up.
            fs::remove_file(&path).ctx(|| format!("removing {}", path.display()))?;
        } else {
            segments.push((i, path));
        }
    }
    // The snapshot first, then a newer checkpoint: both hold what older segments did.
    let mut checkpoint_files = Vec::new();
    for (_, d) in snapshot.iter().chain(checkpoint.iter()) {
        checkpoint_files.extend(list_segments(d)?);
    }

    let (tx, rx) = mpsc::sync_channel::<ReplayItem>(64);
    let (outcome_max_t, damage) = std::thread::scope(|scope| {
        let decoder = scope.spawn(move || {
            let mut max_ts = BTreeMap::new();
            for (_, path) in &checkpoint_files {
                if let (_, Some(d)) = decode_file(path, None, &tx) {
                    return (max_ts, Some(d));
                }
            }
            for (i, path) in &segments {
                let (m, damage) = decode_file(path, Some(*i), &tx);
                max_ts.insert(*i, m);
                if damage.is_some() {
                    return (max_ts, damage);
                }
            }
            (max_ts, None)
        });
        for item in rx {
            apply(item);
        }
        decoder.join().unwrap_or_else(|_| (BTreeMap::new(), None))
    });

    let mut outcome = ReplayOutcome {
        next_segment: first_after,
        closed_max_t: outcome_max_t,
        corruptions: 0,
    };
    if let Some(d) = damage {
        outcome.corruptions += 1;
        Metrics::inc(&metrics.wal_corruptions);
        tracing::warn!(
            path = %d.path.display(),
            offset = d.offset,
            error = %d.message,
            "WAL corruption: truncating at the last good record"
        );
        match d.segment {
            Some(seg) => {
                cut_segment(&d.path, d.offset)?;
                for (i, path) in list_segments(dir)? {
                    if i > seg {
                        fs::remove_file(&path).ctx(|| format!("removing {}", path.display()))?;
                    }
                }
            }
            None => cut_segment(&d.path, d.offset)?,
        }
    }
    let existing = list_segments(dir)?;
    if let Some((last, _)) = existing.last() {
        outcome.next_segment = outcome.next_segment.max(last + 1);
    }
    outcome
        .closed_max_t
        .retain(|i, _| existing.iter().any(|(e, _)| e == i));
    Metrics::inc(&metrics.wal_truncations);
    Ok(outcome)
}

/// Cuts a damaged file at `offset`, or removes it when not even its header survives.
fn cut_segment(path: &Path, offset: usize) -> Result<()> {
    if offset <= HEADER_LEN {
        fs::remove_file(path).ctx(|| format!("removing damaged {}", path.display()))?;
        return Ok(());
    }
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .ctx(|| format!("opening {} to truncate", path.display()))?;
    f.set_len(offset as u64)
        .ctx(|| format!("truncating {}", path.display()))?;
    f.sync_all().ctx(|| format!("syncing {}", path.display()))
}

fn remove_tmp_checkpoints(dir: &Path) -> Result<()> {
    let Ok(rd) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in rd.flatten() {
        let name = entry.file_name();
        if name.to_str().is_some_and(|n| {
            (n.starts_with("checkpoint.") || n.starts_with(SNAPSHOT_PREFIX)) && n.ends_with(".tmp")
        }) {
            fs::remove_dir_all(entry.path())
                .ctx(|| format!("removing {}", entry.path().display()))?;
        }
    }
    Ok(())
}
