//! Head snapshots: at a clean close the head is written to `wal/snapshot.NNNNNNNN/` —
//! series records, one chunks record per batch of series (every completed chunk and the
//! open one, as they are, plus the newest sample) and the tombstones — and the WAL
//! segments up to NNNNNNNN are deleted. A reopen then copies chunks instead of
//! re-encoding every sample of the WAL, and a closed database keeps its head in about the
//! size of its chunks rather than of its WAL.
//!
//! ```text
//! chunks record payload (type 4, stored without snappy: chunks do not compress),
//! until the payload ends:
//!   uvarint id, varint last_t, last_v 8 bytes BE, uvarint nchunks,
//!   nchunks × (varint mint, varint maxt, chunk record as in chunks_head/ files)
//! ```
//! The snapshot is written like a checkpoint (temporary directory, fsync, rename) and is
//! replayed before any checkpoint or segment numbered after it. It stays until a newer
//! snapshot replaces it or blocks hold all of its data.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use promlite_encoding::file_format::header_bytes;
use promlite_encoding::varint::{put_uvarint, put_varint, ByteReader};
use promlite_encoding::{ChunkEncoding, EncodingError};

use crate::chunk_record::{encode_chunk_record, framed_record_len};

use super::record::{RecordEncoder, SeriesEntry, TombstoneEntry};
use super::{list_segments, segment_name, sync_dir, WAL_MAGIC, WAL_VERSION};
use crate::error::{IoContext, Result};

/// Name prefix of snapshot directories in the WAL directory.
pub const SNAPSHOT_PREFIX: &str = "snapshot.";

/// One chunk of a series in a chunks record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotChunk<'a> {
    pub mint: i64,
    pub maxt: i64,
    /// The chunk record as `chunks_head/` files hold it (length, encoding, data, CRC).
    pub framed: &'a [u8],
}

/// Starts a series' entry in a chunks record payload; `nchunks` chunks must follow.
pub fn put_snapshot_series(payload: &mut Vec<u8>, id: u32, last: (i64, u64), nchunks: usize) {
    put_uvarint(payload, u64::from(id));
    put_varint(payload, last.0);
    payload.extend_from_slice(&last.1.to_be_bytes());
    put_uvarint(payload, nchunks as u64);
}

/// Appends an already framed chunk record to the current series' entry.
pub fn put_snapshot_chunk(payload: &mut Vec<u8>, mint: i64, maxt: i64, framed: &[u8]) {
    put_varint(payload, mint);
    put_varint(payload, maxt);
    payload.extend_from_slice(framed);
}

/// Frames a chunk's data and appends it to the current series' entry.
pub fn put_snapshot_chunk_data(
    payload: &mut Vec<u8>,
    mint: i64,
    maxt: i64,
    encoding: ChunkEncoding,
    data: &[u8],
) {
    put_varint(payload, mint);
    put_varint(payload, maxt);
    encode_chunk_record(encoding, data, payload);
}

/// Calls `f(id, (last_t, last_v bits), chunks)` for every series entry of a chunks
/// record payload; `Err` for malformed bytes. Each entry is checked before `f` sees it;
/// a caller that must not act on a partly bad payload runs it with a no-op `f` first.
/// Chunk CRCs are checked when the chunks are read, not here.
pub fn for_each_snapshot_series<'a>(
    payload: &'a [u8],
    mut f: impl FnMut(u32, (i64, u64), &[SnapshotChunk<'a>]),
) -> Result<(), EncodingError> {
    let mut r = ByteReader::new(payload);
    let mut chunks = Vec::new();
    while !r.is_empty() {
        let id = u32::try_from(r.uvarint()?)
            .map_err(|_| EncodingError::Corrupt("series id exceeds u32".into()))?;
        let last_t = r.varint()?;
        let last_v = r.u64_be()?;
        // A chunk takes at least 8 bytes.
        let n = r.uvarint_len(r.remaining() / 8)?;
        chunks.clear();
        for _ in 0..n {
            let mint = r.varint()?;
            let maxt = r.varint()?;
            let len = framed_record_len(r.rest())?;
            let framed = r.bytes(len)?;
            chunks.push(SnapshotChunk { mint, maxt, framed });
        }
        f(id, (last_t, last_v), &chunks);
    }
    Ok(())
}

/// The newest complete snapshot directory and the segment it covers.
pub fn latest_snapshot(wal_dir: &Path) -> Result<Option<(u32, PathBuf)>> {
    Ok(numbered_dirs(wal_dir, SNAPSHOT_PREFIX)?.pop())
}

/// `{prefix}NNNNNNNN` directories of `wal_dir` (not `.tmp` ones), ascending.
pub fn numbered_dirs(wal_dir: &Path, prefix: &str) -> Result<Vec<(u32, PathBuf)>> {
    let mut out = Vec::new();
    let rd = match fs::read_dir(wal_dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => {
            return Err(crate::TsdbError::io(
                format!("listing {}", wal_dir.display()),
                e,
            ))
        }
    };
    for entry in rd {
        let entry = entry.ctx(|| format!("listing {}", wal_dir.display()))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(i) = name
            .strip_prefix(prefix)
            .and_then(|n| n.parse::<u32>().ok())
        {
            out.push((i, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Streams a snapshot into `snapshot.{upto}.tmp/`; [`SnapshotWriter::finish`] makes it
/// visible and deletes what it replaces.
pub struct SnapshotWriter {
    wal_dir: PathBuf,
    upto: u32,
    tmp: PathBuf,
    file: File,
    path: PathBuf,
    records: RecordEncoder,
    buf: Vec<u8>,
}

impl std::fmt::Debug for SnapshotWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotWriter")
            .field("tmp", &self.tmp)
            .finish()
    }
}

impl SnapshotWriter {
    /// Starts a snapshot covering the segments up to `upto`.
    pub fn create(wal_dir: &Path, upto: u32) -> Result<SnapshotWriter> {
        let tmp = wal_dir.join(format!("{SNAPSHOT_PREFIX}{upto:08}.tmp"));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).ctx(|| format!("creating {}", tmp.display()))?;
        let path = tmp.join(segment_name(0));
        let mut file = File::create(&path).ctx(|| format!("creating {}", path.display()))?;
        file.write_all(&header_bytes(WAL_MAGIC, WAL_VERSION))
            .ctx(|| format!("writing {}", path.display()))?;
        Ok(SnapshotWriter {
            wal_dir: wal_dir.to_path_buf(),
            upto,
            tmp,
            file,
            path,
            records: RecordEncoder::default(),
            buf: Vec::with_capacity(1 << 20),
        })
    }

    /// Writes the series records of a batch, then its chunks record (built with
    /// [`put_snapshot_series`] for the same series).
    pub fn add_batch(&mut self, series: &[SeriesEntry], chunks_payload: &[u8]) -> Result<()> {
        self.buf.clear();
        if !series.is_empty() {
            self.records.series(series, &mut self.buf);
        }
        if !chunks_payload.is_empty() {
            self.records.chunks(chunks_payload, &mut self.buf);
        }
        self.flush()
    }

    pub fn add_tombstones(&mut self, tombstones: &[TombstoneEntry]) -> Result<()> {
        self.buf.clear();
        for batch in tombstones.chunks(5000) {
            self.records.tombstones(batch, &mut self.buf);
        }
        self.flush()
    }

    fn flush(&mut self) -> Result<()> {
        self.file
            .write_all(&self.buf)
            .ctx(|| format!("writing {}", self.path.display()))
    }

    /// Syncs and renames the snapshot into place, then deletes the segments,
    /// checkpoints and older snapshots it replaces.
    pub fn finish(self) -> Result<()> {
        self.file
            .sync_all()
            .ctx(|| format!("syncing {}", self.path.display()))?;
        drop(self.file);
        sync_dir(&self.tmp)?;
        let dest = self
            .wal_dir
            .join(format!("{SNAPSHOT_PREFIX}{:08}", self.upto));
        let _ = fs::remove_dir_all(&dest);
        fs::rename(&self.tmp, &dest)
            .ctx(|| format!("renaming {} to {}", self.tmp.display(), dest.display()))?;
        sync_dir(&self.wal_dir)?;
        remove_covered(&self.wal_dir, self.upto)
    }
}

/// Deletes segments and checkpoints numbered up to `upto` and snapshots older than it:
/// snapshot `upto` holds everything they did that blocks do not.
pub fn remove_covered(wal_dir: &Path, upto: u32) -> Result<()> {
    for (i, path) in list_segments(wal_dir)? {
        if i <= upto {
            fs::remove_file(&path).ctx(|| format!("removing {}", path.display()))?;
        }
    }
    for (i, path) in numbered_dirs(wal_dir, "checkpoint.")? {
        if i <= upto {
            fs::remove_dir_all(&path).ctx(|| format!("removing {}", path.display()))?;
        }
    }
    for (i, path) in numbered_dirs(wal_dir, SNAPSHOT_PREFIX)? {
        if i < upto {
            fs::remove_dir_all(&path).ctx(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn chunks_payload_round_trips(
            entries in proptest::collection::vec(
                (any::<u32>(), any::<i64>(), any::<u64>(),
                 proptest::collection::vec((any::<i64>(), any::<i64>(), proptest::collection::vec(any::<u8>(), 0..40)), 0..4)),
                0..20),
        ) {
            let mut payload = Vec::new();
            for (id, lt, lv, chunks) in &entries {
                put_snapshot_series(&mut payload, *id, (*lt, *lv), chunks.len());
                for (mint, maxt, data) in chunks {
                    put_snapshot_chunk_data(&mut payload, *mint, *maxt, ChunkEncoding::Xor, data);
                }
            }
            let mut got = Vec::new();
            for_each_snapshot_series(&payload, |id, last, chunks| {
                let chunks = chunks.iter().map(|c| {
                    let (enc, data) = crate::chunk_record::decode_chunk_record(c.framed, 0, Path::new("t")).unwrap();
                    assert_eq!(enc, ChunkEncoding::Xor);
                    (c.mint, c.maxt, data.to_vec())
                }).collect::<Vec<_>>();
                got.push((id, last.0, last.1, chunks));
            }).unwrap();
            prop_assert_eq!(got, entries);
        }

        #[test]
        fn arbitrary_payloads_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = for_each_snapshot_series(&bytes, |_, _, _| {});
        }
    }
}
