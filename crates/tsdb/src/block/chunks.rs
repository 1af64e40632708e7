//! A block's `chunks/` directory: numbered segment files (`000001`, ...), each an 8-byte
//! header (magic "PLCK", version), framed chunks ([`crate::chunk_record`]) and a footer
//! (CRC32 of everything before, magic). A chunk reference is `segment << 32 | offset`.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use memmap2::Mmap;
use promlite_encoding::file_format::{
    check_footer, check_header, footer_bytes, header_bytes, HEADER_LEN,
};
use promlite_encoding::ChunkEncoding;

use crate::chunk_record::{encode_chunk_record, MappedFile};
use crate::error::{IoContext, Result, TsdbError};
use crate::query::chunks::{ChunkData, ChunkHandle};

pub const CHUNKS_DIR: &str = "chunks";
pub const CHUNKS_MAGIC: u32 = 0x504c_434b;
pub const CHUNKS_VERSION: u8 = 1;
/// Segment files are cut after this many bytes.
pub const SEGMENT_SIZE: u64 = 512 << 20;

struct Segment {
    path: PathBuf,
    out: BufWriter<File>,
    hasher: crc32fast::Hasher,
    len: u64,
}

/// Writes chunk segment files.
pub struct ChunkWriter {
    dir: PathBuf,
    index: u32,
    current: Option<Segment>,
    scratch: Vec<u8>,
    pub bytes_written: u64,
}

impl ChunkWriter {
    pub fn new(block_dir: &Path) -> Result<ChunkWriter> {
        let dir = block_dir.join(CHUNKS_DIR);
        fs::create_dir_all(&dir).ctx(|| format!("creating {}", dir.display()))?;
        Ok(ChunkWriter {
            dir,
            index: 0,
            current: None,
            scratch: Vec::new(),
            bytes_written: 0,
        })
    }

    fn finish_segment(&mut self) -> Result<()> {
        if let Some(mut s) = self.current.take() {
            let crc = s.hasher.clone().finalize();
            s.out
                .write_all(&footer_bytes(crc, CHUNKS_MAGIC))
                .ctx(|| format!("writing {}", s.path.display()))?;
            let f = s
                .out
                .into_inner()
                .map_err(|e| TsdbError::io("flushing chunk segment", e.into_error()))?;
            f.sync_all()
                .ctx(|| format!("syncing {}", s.path.display()))?;
            self.bytes_written += s.len + 8;
        }
        Ok(())
    }

    fn new_segment(&mut self) -> Result<()> {
        self.finish_segment()?;
        self.index += 1;
        let path = self.dir.join(format!("{:06}", self.index));
        let f = File::create(&path).ctx(|| format!("creating {}", path.display()))?;
        let mut s = Segment {
            path,
            out: BufWriter::with_capacity(1 << 20, f),
            hasher: crc32fast::Hasher::new(),
            len: 0,
        };
        let h = header_bytes(CHUNKS_MAGIC, CHUNKS_VERSION);
        s.out
            .write_all(&h)
            .ctx(|| format!("writing {}", s.path.display()))?;
        s.hasher.update(&h);
        s.len = h.len() as u64;
        self.current = Some(s);
        Ok(())
    }

    /// Writes one chunk and returns its reference.
    pub fn write_chunk(&mut self, encoding: ChunkEncoding, data: &[u8]) -> Result<u64> {
        self.scratch.clear();
        encode_chunk_record(encoding, data, &mut self.scratch);
        let need = self.scratch.len() as u64;
        if self
            .current
            .as_ref()
            .is_none_or(|s| s.len > HEADER_LEN as u64 && s.len + need > SEGMENT_SIZE)
        {
            self.new_segment()?;
        }
        let index = self.index;
        let Some(s) = self.current.as_mut() else {
            return Err(TsdbError::Other("no chunk segment open".into()));
        };
        let offset = s.len;
        s.out
            .write_all(&self.scratch)
            .ctx(|| format!("writing {}", s.path.display()))?;
        s.hasher.update(&self.scratch);
        s.len += need;
        Ok((u64::from(index) << 32) | offset)
    }

    /// Writes footers and syncs every segment.
    pub fn finish(mut self) -> Result<u64> {
        self.finish_segment()?;
        crate::wal::sync_dir(&self.dir)?;
        Ok(self.bytes_written)
    }
}

/// The mapped segment files of a block.
#[derive(Debug)]
pub struct ChunkReader {
    segments: Vec<Arc<MappedFile>>,
}

impl ChunkReader {
    /// Maps every segment, checking header and footer (and the CRC when `verify`).
    pub fn open(block_dir: &Path, verify: bool) -> Result<ChunkReader> {
        let dir = block_dir.join(CHUNKS_DIR);
        let mut names: Vec<(u32, PathBuf)> = Vec::new();
        for e in fs::read_dir(&dir).ctx(|| format!("listing {}", dir.display()))? {
            let e = e.ctx(|| format!("listing {}", dir.display()))?;
            if let Some(i) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) {
                names.push((i, e.path()));
            }
        }
        names.sort();
        let mut segments = Vec::with_capacity(names.len());
        for (want, (i, path)) in (1u32..).zip(names) {
            if i != want {
                return Err(TsdbError::corruption(
                    &path,
                    0,
                    format!("chunk segment {want:06} is missing"),
                ));
            }
            let f = File::open(&path).ctx(|| format!("opening {}", path.display()))?;
            // SAFETY: block files are immutable once written; nothing writes them while mapped.
            let map = unsafe { Mmap::map(&f) }.ctx(|| format!("mapping {}", path.display()))?;
            check_header(&map, CHUNKS_MAGIC, CHUNKS_VERSION)
                .map_err(|e| TsdbError::corruption(&path, 0, e))?;
            check_footer(&map, CHUNKS_MAGIC, verify)
                .map_err(|e| TsdbError::corruption(&path, map.len().saturating_sub(8) as u64, e))?;
            segments.push(Arc::new(MappedFile::new(path, map)));
        }
        Ok(ChunkReader { segments })
    }

    /// A handle for the chunk at `chunk_ref`.
    pub fn handle(&self, chunk_ref: u64, mint: i64, maxt: i64) -> Result<ChunkHandle> {
        let seg = (chunk_ref >> 32) as usize;
        let offset = (chunk_ref & 0xffff_ffff) as usize;
        let file = seg
            .checked_sub(1)
            .and_then(|i| self.segments.get(i))
            .ok_or_else(|| {
                TsdbError::Other(format!(
                    "chunk reference {chunk_ref:#x} names missing segment {seg}"
                ))
            })?;
        Ok(ChunkHandle {
            mint,
            maxt,
            data: ChunkData::Mapped {
                file: file.clone(),
                offset,
            },
        })
    }

    pub fn size_bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.map.len() as u64).sum()
    }
}
