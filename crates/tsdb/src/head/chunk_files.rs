//! `chunks_head/`: completed head chunks appended to files that grow as they are written
//! and read back through read-only `memmap2` maps, so only open chunks stay on the heap.
//!
//! Each file is an 8-byte header (magic "PLHC", version) followed by framed chunks
//! ([`crate::chunk_record`]). Writes go through `pwrite` and grow the file; the shared
//! map, sized for the file's maximum, sees them through the page cache. The files are
//! scratch space: at open the directory is emptied and the head is rebuilt from the WAL.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use memmap2::MmapOptions;
use parking_lot::{Mutex, RwLock};
use promlite_encoding::file_format::{header_bytes, HEADER_LEN};
use promlite_encoding::ChunkEncoding;

use crate::chunk_record::{encode_chunk_record, MappedFile};
use crate::error::{IoContext, Result};

pub const HEAD_CHUNKS_MAGIC: u32 = 0x504c_4843;
pub const HEAD_CHUNKS_VERSION: u8 = 1;

/// A completed head chunk: where it lives and what it spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadChunkRef {
    pub mint: i64,
    pub maxt: i64,
    /// File number in the high 32 bits, byte offset in the low 32 bits.
    pub location: u64,
}

impl HeadChunkRef {
    pub fn file(&self) -> u32 {
        (self.location >> 32) as u32
    }
    pub fn offset(&self) -> usize {
        (self.location & 0xffff_ffff) as usize
    }
}

struct Active {
    index: u32,
    file: File,
    next_offset: u64,
    size: u64,
}

struct FileInfo {
    mapped: Arc<MappedFile>,
    max_t: i64,
    /// Bytes written so far, header included.
    written: u64,
}

/// The set of head chunk files.
pub struct HeadChunkFiles {
    dir: PathBuf,
    file_size: u64,
    active: Mutex<Option<Active>>,
    files: RwLock<BTreeMap<u32, FileInfo>>,
    scratch: Mutex<Vec<u8>>,
}

impl std::fmt::Debug for HeadChunkFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeadChunkFiles")
            .field("dir", &self.dir)
            .finish()
    }
}

impl HeadChunkFiles {
    /// Empties `dir` (its chunks are rebuilt from the WAL) and prepares to write there.
    pub fn create(dir: &Path, file_size: u64) -> Result<HeadChunkFiles> {
        if dir.exists() {
            fs::remove_dir_all(dir).ctx(|| format!("clearing {}", dir.display()))?;
        }
        fs::create_dir_all(dir).ctx(|| format!("creating {}", dir.display()))?;
        Ok(HeadChunkFiles {
            dir: dir.to_path_buf(),
            file_size: file_size.clamp(1 << 16, u64::from(u32::MAX)),
            active: Mutex::new(None),
            files: RwLock::new(BTreeMap::new()),
            scratch: Mutex::new(Vec::with_capacity(512)),
        })
    }

    fn new_file(&self, index: u32, min_size: u64) -> Result<Active> {
        let path = self.dir.join(format!("{index:06}"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)
            .ctx(|| format!("creating {}", path.display()))?;
        let size = self.file_size.max(min_size + HEADER_LEN as u64);
        file.write_all_at(&header_bytes(HEAD_CHUNKS_MAGIC, HEAD_CHUNKS_VERSION), 0)
            .ctx(|| format!("writing header of {}", path.display()))?;
        // The map spans the file's maximum size, but the file itself only grows as chunks
        // are written (no preallocation: a closed database does not leave 128 MiB files
        // behind). Pages past the end of the file are never touched: readers stay within
        // `MappedFile::bytes`, the written prefix.
        // SAFETY: the file is private to this process; regions are written (pwrite) before
        // any reader learns their offsets, and written regions are never rewritten.
        let map = unsafe { MmapOptions::new().len(size as usize).map(&file) }
            .ctx(|| format!("mapping {}", path.display()))?;
        self.files.write().insert(
            index,
            FileInfo {
                mapped: Arc::new(MappedFile::growing(path, map, HEADER_LEN)),
                max_t: i64::MIN,
                written: HEADER_LEN as u64,
            },
        );
        Ok(Active {
            index,
            file,
            next_offset: HEADER_LEN as u64,
            size,
        })
    }

    /// Writes a completed chunk and returns its reference.
    pub fn write_chunk(
        &self,
        encoding: ChunkEncoding,
        data: &[u8],
        mint: i64,
        maxt: i64,
    ) -> Result<HeadChunkRef> {
        let mut scratch = self.scratch.lock();
        scratch.clear();
        encode_chunk_record(encoding, data, &mut scratch);
        let need = scratch.len() as u64;
        let mut active = self.active.lock();
        let fits = active
            .as_ref()
            .is_some_and(|a| a.next_offset + need <= a.size);
        if !fits {
            let next = active.as_ref().map(|a| a.index + 1).unwrap_or(1);
            *active = Some(self.new_file(next, need)?);
        }
        let Some(a) = active.as_mut() else {
            return Err(crate::TsdbError::Other("no active head chunk file".into()));
        };
        let offset = a.next_offset;
        a.file
            .write_all_at(&scratch, offset)
            .ctx(|| format!("writing head chunk to file {}", a.index))?;
        a.next_offset += need;
        if let Some(info) = self.files.write().get_mut(&a.index) {
            info.max_t = info.max_t.max(maxt);
            info.written += need;
            info.mapped.set_valid_len(a.next_offset as usize);
        }
        Ok(HeadChunkRef {
            mint,
            maxt,
            location: (u64::from(a.index) << 32) | offset,
        })
    }

    /// Writes many completed chunks, already framed as chunk records, `(framed, mint,
    /// maxt)`, with one write per file instead of one per chunk (a snapshot load);
    /// returns their references in order.
    pub fn write_framed_chunks(&self, chunks: &[(&[u8], i64, i64)]) -> Result<Vec<HeadChunkRef>> {
        let mut refs = Vec::with_capacity(chunks.len());
        let total: usize = chunks.iter().map(|c| c.0.len()).sum();
        let mut buf = Vec::with_capacity(total.min(self.file_size as usize));
        let mut active = self.active.lock();
        let mut rest = chunks;
        while !rest.is_empty() {
            // As many chunks as the active file still takes (at least one, in a new file
            // when the active one is full).
            buf.clear();
            let room = active
                .as_ref()
                .map_or(0, |a| a.size.saturating_sub(a.next_offset));
            let mut taken = 0;
            for &(framed, _, _) in rest {
                if (buf.len() + framed.len()) as u64 > room {
                    break;
                }
                buf.extend_from_slice(framed);
                taken += 1;
            }
            if taken == 0 {
                let next = active.as_ref().map(|a| a.index + 1).unwrap_or(1);
                let need = rest.first().map_or(0, |c| c.0.len() as u64);
                *active = Some(self.new_file(next, need)?);
                continue;
            }
            let Some(a) = active.as_mut() else {
                return Err(crate::TsdbError::Other("no active head chunk file".into()));
            };
            let base = a.next_offset;
            a.file
                .write_all_at(&buf, base)
                .ctx(|| format!("writing head chunks to file {}", a.index))?;
            a.next_offset += buf.len() as u64;
            let (written, now) = rest.split_at(taken);
            let mut off = base;
            let mut max_t = i64::MIN;
            for &(framed, mint, maxt) in written {
                refs.push(HeadChunkRef {
                    mint,
                    maxt,
                    location: (u64::from(a.index) << 32) | off,
                });
                off += framed.len() as u64;
                max_t = max_t.max(maxt);
            }
            if let Some(info) = self.files.write().get_mut(&a.index) {
                info.max_t = info.max_t.max(max_t);
                info.written += buf.len() as u64;
                info.mapped.set_valid_len(a.next_offset as usize);
            }
            rest = now;
        }
        Ok(refs)
    }

    /// The map holding file `index`.
    pub fn file(&self, index: u32) -> Option<Arc<MappedFile>> {
        self.files.read().get(&index).map(|i| i.mapped.clone())
    }

    /// Deletes files (except the active one) whose chunks all end before `mint`.
    pub fn truncate_before(&self, mint: i64) -> Result<()> {
        let active = self.active.lock().as_ref().map(|a| a.index);
        let mut files = self.files.write();
        let old: Vec<u32> = files
            .iter()
            .filter(|(i, info)| Some(**i) != active && info.max_t < mint)
            .map(|(i, _)| *i)
            .collect();
        for i in old {
            if let Some(info) = files.remove(&i) {
                // Readers holding the map keep it valid after the unlink.
                fs::remove_file(&info.mapped.path)
                    .ctx(|| format!("removing {}", info.mapped.path.display()))?;
            }
        }
        Ok(())
    }

    /// Unlinks every file at close. Nothing reads them across a restart (opening clears
    /// the directory; the WAL or the head snapshot holds the data), so keeping them would
    /// only store completed chunks twice. The maps stay valid for readers still holding
    /// them.
    pub fn unlink_all_at_close(&self) -> Result<()> {
        for info in self.files.read().values() {
            match fs::remove_file(&info.mapped.path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).ctx(|| format!("removing {}", info.mapped.path.display())),
            }
        }
        Ok(())
    }

    /// Bytes written into the files.
    pub fn size_bytes(&self) -> u64 {
        self.files.read().values().map(|i| i.written).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files grow by what is written (no 128 MiB preallocation left behind), chunks read
    /// back, and reads past the written bytes are errors, never a touch of the unbacked
    /// part of the map.
    #[test]
    fn files_grow_as_written_and_reads_stay_inside() {
        let dir = tempfile::tempdir().unwrap();
        let files = HeadChunkFiles::create(&dir.path().join("chunks_head"), 1 << 20).unwrap();
        let mut refs = Vec::new();
        for i in 0..10u8 {
            let data = vec![i; 100 + usize::from(i)];
            refs.push((
                files.write_chunk(ChunkEncoding::Xor, &data, 0, 10).unwrap(),
                data,
            ));
        }
        let path = dir.path().join("chunks_head").join("000001");
        let on_disk = fs::metadata(&path).unwrap().len();
        assert_eq!(on_disk, files.size_bytes());
        let mapped = files.file(1).unwrap();
        assert!(mapped.map.len() as u64 > on_disk);
        for (r, data) in &refs {
            let (enc, got) = mapped.chunk_at(r.offset()).unwrap();
            assert_eq!((enc, got), (ChunkEncoding::Xor, &data[..]));
        }
        assert!(mapped.chunk_at(on_disk as usize).is_err());
        assert!(mapped.chunk_at(on_disk as usize + 4096).is_err());
    }
}
