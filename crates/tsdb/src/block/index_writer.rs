//! Writes a block's `index` file in one pass: header, symbol table, series, then the
//! tables built in memory (series offsets, symbol offsets, postings bitmaps, postings
//! table), a table of contents and the footer. See `docs/formats.md` for the layout.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use promlite_encoding::file_format::{footer_bytes, header_bytes};
use promlite_encoding::varint::{put_uvarint, put_varint};
use promlite_model::Labels;
use roaring::RoaringBitmap;

use crate::error::{IoContext, Result, TsdbError};

pub const INDEX_FILE: &str = "index";
pub const INDEX_MAGIC: u32 = 0x504c_4958;
pub const INDEX_VERSION: u8 = 1;
/// Bytes of one postings table entry: name sym u32, value sym u32, offset u64, len u32.
pub const POSTINGS_ENTRY_LEN: usize = 20;
/// Bytes of the table of contents: six u64 section offsets.
pub const TOC_LEN: usize = 48;

/// Where a series' chunk lives and what it spans (`maxt` inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkMeta {
    pub mint: i64,
    pub maxt: i64,
    pub chunk_ref: u64,
}

/// Writes the index file.
pub struct IndexWriter {
    path: PathBuf,
    out: BufWriter<File>,
    hasher: crc32fast::Hasher,
    pos: u64,
    symbols: HashMap<Box<str>, u32>,
    symbol_offsets: Vec<u64>,
    symbols_off: u64,
    series_off: u64,
    series_offsets: Vec<u64>,
    postings: BTreeMap<(u32, u32), RoaringBitmap>,
    last: Option<Labels>,
    buf: Vec<u8>,
    entry: Vec<u8>,
}

impl IndexWriter {
    /// Starts the file with every symbol the series will use, sorted and unique.
    pub fn create<S: AsRef<str>>(
        block_dir: &Path,
        symbols: impl IntoIterator<Item = S>,
    ) -> Result<IndexWriter> {
        let path = block_dir.join(INDEX_FILE);
        let f = File::create(&path).ctx(|| format!("creating {}", path.display()))?;
        let mut w = IndexWriter {
            path,
            out: BufWriter::with_capacity(1 << 20, f),
            hasher: crc32fast::Hasher::new(),
            pos: 0,
            symbols: HashMap::new(),
            symbol_offsets: Vec::new(),
            symbols_off: 0,
            series_off: 0,
            series_offsets: Vec::new(),
            postings: BTreeMap::new(),
            last: None,
            buf: Vec::new(),
            entry: Vec::new(),
        };
        w.write(&header_bytes(INDEX_MAGIC, INDEX_VERSION))?;
        w.symbols_off = w.pos;
        let syms: Vec<S> = symbols.into_iter().collect();
        let count =
            u32::try_from(syms.len()).map_err(|_| TsdbError::Other("too many symbols".into()))?;
        w.write(&count.to_be_bytes())?;
        let mut prev: Option<&str> = None;
        for (i, s) in syms.iter().enumerate() {
            let s = s.as_ref();
            if prev.is_some_and(|p| p >= s) {
                return Err(TsdbError::Other(format!(
                    "index symbols not sorted/unique at {s:?}"
                )));
            }
            prev = Some(s);
            w.symbol_offsets.push(w.pos);
            w.buf.clear();
            put_uvarint(&mut w.buf, s.len() as u64);
            w.buf.extend_from_slice(s.as_bytes());
            let b = std::mem::take(&mut w.buf);
            w.write(&b)?;
            w.buf = b;
            w.symbols.insert(s.into(), i as u32);
        }
        w.series_off = w.pos;
        Ok(w)
    }

    fn write(&mut self, b: &[u8]) -> Result<()> {
        self.out
            .write_all(b)
            .ctx(|| format!("writing {}", self.path.display()))?;
        self.hasher.update(b);
        self.pos += b.len() as u64;
        Ok(())
    }

    fn sym(&self, s: &str) -> Result<u32> {
        self.symbols.get(s).copied().ok_or_else(|| {
            TsdbError::Other(format!("symbol {s:?} missing from the index symbol table"))
        })
    }

    /// Adds the next series (in label order); returns its id in the block.
    pub fn add_series(&mut self, labels: &Labels, chunks: &[ChunkMeta]) -> Result<u32> {
        if self.last.as_ref().is_some_and(|l| l >= labels) {
            return Err(TsdbError::Other(format!(
                "index series out of order at {labels}"
            )));
        }
        let id = u32::try_from(self.series_offsets.len())
            .map_err(|_| TsdbError::Other("too many series".into()))?;
        let mut e = std::mem::take(&mut self.entry);
        e.clear();
        put_uvarint(&mut e, labels.len() as u64);
        for l in labels.iter() {
            let (n, v) = (self.sym(l.name)?, self.sym(l.value)?);
            put_uvarint(&mut e, u64::from(n));
            put_uvarint(&mut e, u64::from(v));
            self.postings.entry((n, v)).or_default().insert(id);
        }
        put_uvarint(&mut e, chunks.len() as u64);
        let mut prev: Option<&ChunkMeta> = None;
        for c in chunks {
            match prev {
                None => {
                    put_varint(&mut e, c.mint);
                    put_uvarint(&mut e, c.maxt.wrapping_sub(c.mint) as u64);
                    put_uvarint(&mut e, c.chunk_ref);
                }
                Some(p) => {
                    put_varint(&mut e, c.mint.wrapping_sub(p.maxt));
                    put_uvarint(&mut e, c.maxt.wrapping_sub(c.mint) as u64);
                    put_varint(&mut e, c.chunk_ref.wrapping_sub(p.chunk_ref) as i64);
                }
            }
            prev = Some(c);
        }
        self.series_offsets.push(self.pos);
        self.buf.clear();
        put_uvarint(&mut self.buf, e.len() as u64);
        let b = std::mem::take(&mut self.buf);
        self.write(&b)?;
        self.buf = b;
        self.write(&e)?;
        self.entry = e;
        self.last = Some(labels.clone());
        Ok(id)
    }

    /// Writes the tables, the TOC and the footer; syncs. Returns the file size.
    pub fn finish(mut self) -> Result<u64> {
        let series_offsets_off = self.pos;
        let n = self.series_offsets.len() as u32;
        self.write(&n.to_be_bytes())?;
        for o in std::mem::take(&mut self.series_offsets) {
            self.write(&o.to_be_bytes())?;
        }
        let symbol_offsets_off = self.pos;
        for o in std::mem::take(&mut self.symbol_offsets) {
            self.write(&o.to_be_bytes())?;
        }
        let postings_off = self.pos;
        let postings = std::mem::take(&mut self.postings);
        let mut table = Vec::with_capacity(postings.len() * POSTINGS_ENTRY_LEN + 4);
        table.extend_from_slice(&(postings.len() as u32).to_be_bytes());
        let mut bm = Vec::new();
        for ((n, v), bitmap) in postings {
            bm.clear();
            bitmap
                .serialize_into(&mut bm)
                .ctx(|| "serializing postings".to_string())?;
            table.extend_from_slice(&n.to_be_bytes());
            table.extend_from_slice(&v.to_be_bytes());
            table.extend_from_slice(&self.pos.to_be_bytes());
            table.extend_from_slice(&(bm.len() as u32).to_be_bytes());
            self.write(&bm)?;
        }
        let postings_table_off = self.pos;
        self.write(&table)?;
        let mut toc = Vec::with_capacity(TOC_LEN);
        for o in [
            self.symbols_off,
            symbol_offsets_off,
            self.series_off,
            series_offsets_off,
            postings_off,
            postings_table_off,
        ] {
            toc.extend_from_slice(&o.to_be_bytes());
        }
        self.write(&toc)?;
        let crc = self.hasher.clone().finalize();
        let footer = footer_bytes(crc, INDEX_MAGIC);
        self.out
            .write_all(&footer)
            .ctx(|| format!("writing {}", self.path.display()))?;
        self.pos += footer.len() as u64;
        let f = self
            .out
            .into_inner()
            .map_err(|e| TsdbError::io("flushing index", e.into_error()))?;
        f.sync_all()
            .ctx(|| format!("syncing {}", self.path.display()))?;
        Ok(self.pos)
    }
}
