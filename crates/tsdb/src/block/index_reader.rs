//! Reads a block's `index` through a memory map (or owned bytes, for fuzzing): every
//! lookup binary-searches the on-disk tables, so opening loads only the table of
//! contents and one small range per label name. All reads are bounds checked.

use std::fs::File;
use std::ops::Deref;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use promlite_encoding::file_format::{check_footer, check_header, HEADER_LEN};
use promlite_encoding::varint::ByteReader;
use promlite_encoding::EncodingError;
use promlite_model::Labels;
use roaring::RoaringBitmap;

use super::index_writer::{
    ChunkMeta, INDEX_FILE, INDEX_MAGIC, INDEX_VERSION, POSTINGS_ENTRY_LEN, TOC_LEN,
};
use crate::error::{IoContext, Result, TsdbError};
use crate::query::postings::IndexView;

/// The bytes of an index: a map of the file or a vector.
#[derive(Debug)]
pub enum IndexBytes {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl Deref for IndexBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            IndexBytes::Mapped(m) => m,
            IndexBytes::Owned(v) => v,
        }
    }
}

/// An open index.
#[derive(Debug)]
pub struct IndexReader {
    path: PathBuf,
    bytes: IndexBytes,
    /// Length of the bytes before the footer.
    body_len: usize,
    num_symbols: u32,
    symbol_offsets_off: usize,
    num_series: u32,
    series_offsets_off: usize,
    num_postings: u32,
    postings_table_off: usize,
    /// Per label name symbol: the range of its entries in the postings table.
    names: Vec<(u32, u32, u32)>,
}

impl IndexReader {
    pub fn open(block_dir: &Path, verify_crc: bool) -> Result<IndexReader> {
        let path = block_dir.join(INDEX_FILE);
        let f = File::open(&path).ctx(|| format!("opening {}", path.display()))?;
        // SAFETY: block files are immutable once written; nothing writes them while mapped.
        let map = unsafe { Mmap::map(&f) }.ctx(|| format!("mapping {}", path.display()))?;
        IndexReader::from_bytes(IndexBytes::Mapped(map), path, verify_crc)
    }

    /// Opens index bytes already in memory; `path` is used in error messages.
    pub fn from_bytes(bytes: IndexBytes, path: PathBuf, verify_crc: bool) -> Result<IndexReader> {
        let corrupt = |off: usize, e: EncodingError| TsdbError::corruption(&path, off as u64, e);
        check_header(&bytes, INDEX_MAGIC, INDEX_VERSION).map_err(|e| corrupt(0, e))?;
        let body_len = check_footer(&bytes, INDEX_MAGIC, verify_crc)
            .map_err(|e| corrupt(bytes.len().saturating_sub(8), e))?
            .len();
        let toc_off = body_len
            .checked_sub(TOC_LEN)
            .filter(|&o| o >= HEADER_LEN)
            .ok_or_else(|| corrupt(0, EncodingError::Truncated))?;
        let mut toc = ByteReader::new(bytes.get(toc_off..body_len).unwrap_or(&[]));
        let mut offs = [0usize; 6];
        for o in offs.iter_mut() {
            let v = toc.u64_be().map_err(|e| corrupt(toc_off, e))?;
            *o = usize::try_from(v)
                .ok()
                .filter(|&v| v >= HEADER_LEN && v <= toc_off)
                .ok_or_else(|| {
                    corrupt(
                        toc_off,
                        EncodingError::Corrupt(format!("section offset {v} outside the file")),
                    )
                })?;
        }
        let [symbols_off, symbol_offsets_off, _series_off, series_offsets_off, _postings_off, postings_table_off] =
            offs;
        let mut r = IndexReader {
            path: path.clone(),
            bytes,
            body_len: toc_off,
            num_symbols: 0,
            symbol_offsets_off,
            num_series: 0,
            series_offsets_off: series_offsets_off + 4,
            num_postings: 0,
            postings_table_off: postings_table_off + 4,
            names: Vec::new(),
        };
        r.num_symbols = r.u32_at(symbols_off)?;
        r.num_series = r.u32_at(series_offsets_off)?;
        r.num_postings = r.u32_at(postings_table_off)?;
        r.check_table(r.symbol_offsets_off, r.num_symbols as usize, 8)?;
        r.check_table(r.series_offsets_off, r.num_series as usize, 8)?;
        r.check_table(
            r.postings_table_off,
            r.num_postings as usize,
            POSTINGS_ENTRY_LEN,
        )?;
        // Name ranges of the postings table (entries are sorted by name then value).
        let mut names: Vec<(u32, u32, u32)> = Vec::new();
        for i in 0..r.num_postings {
            let (n, v, _, _) = r.postings_entry(i)?;
            if let Some(last) = names.last_mut() {
                if last.0 == n {
                    if r.postings_entry(i - 1)?.1 >= v {
                        return Err(r.corrupt(r.postings_table_off, "postings table not sorted"));
                    }
                    last.2 = i + 1;
                    continue;
                }
                if last.0 > n {
                    return Err(r.corrupt(r.postings_table_off, "postings table not sorted"));
                }
            }
            names.push((n, i, i + 1));
        }
        r.names = names;
        Ok(r)
    }

    fn corrupt(&self, off: usize, msg: impl std::fmt::Display) -> TsdbError {
        TsdbError::corruption(&self.path, off as u64, msg)
    }

    fn slice(&self, off: usize, len: usize) -> Result<&[u8]> {
        off.checked_add(len)
            .filter(|&end| end <= self.body_len)
            .and_then(|end| self.bytes.get(off..end))
            .ok_or_else(|| self.corrupt(off, format!("{len} bytes beyond the end of the index")))
    }

    fn check_table(&self, off: usize, n: usize, width: usize) -> Result<()> {
        let len = n
            .checked_mul(width)
            .ok_or_else(|| self.corrupt(off, "table size overflows"))?;
        self.slice(off, len).map(|_| ())
    }

    fn u32_at(&self, off: usize) -> Result<u32> {
        let s = self.slice(off, 4)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }

    fn u64_at(&self, off: usize) -> Result<u64> {
        let s = self.slice(off, 8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(u64::from_be_bytes(a))
    }

    fn reader_at(&self, off: usize) -> Result<ByteReader<'_>> {
        let s = self
            .bytes
            .get(off..self.body_len)
            .ok_or_else(|| self.corrupt(off, "offset beyond the index"))?;
        Ok(ByteReader::new(s))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn num_series(&self) -> u32 {
        self.num_series
    }

    pub fn num_symbols(&self) -> u32 {
        self.num_symbols
    }

    /// The string of symbol `id`.
    pub fn symbol(&self, id: u32) -> Result<&str> {
        if id >= self.num_symbols {
            return Err(self.corrupt(self.symbol_offsets_off, format!("symbol {id} out of range")));
        }
        let off = self.u64_at(self.symbol_offsets_off + 8 * id as usize)?;
        let off = usize::try_from(off).map_err(|_| self.corrupt(0, "symbol offset overflows"))?;
        let mut r = self.reader_at(off)?;
        r.len_prefixed_str().map_err(|e| self.corrupt(off, e))
    }

    /// The id of symbol `s`, if the index has it (binary search on sorted symbols).
    pub fn lookup_symbol(&self, s: &str) -> Result<Option<u32>> {
        let (mut lo, mut hi) = (0u32, self.num_symbols);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.symbol(mid)?.cmp(s) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(Some(mid)),
            }
        }
        Ok(None)
    }

    /// Labels and chunk metas of series `id`.
    pub fn series(&self, id: u32) -> Result<(Labels, Vec<ChunkMeta>)> {
        if id >= self.num_series {
            return Err(self.corrupt(self.series_offsets_off, format!("series {id} out of range")));
        }
        let off = self.u64_at(self.series_offsets_off + 8 * id as usize)?;
        let off = usize::try_from(off).map_err(|_| self.corrupt(0, "series offset overflows"))?;
        let mut outer = self.reader_at(off)?;
        let entry = outer.len_prefixed().map_err(|e| self.corrupt(off, e))?;
        let mut r = ByteReader::new(entry);
        let bad = |e: EncodingError| self.corrupt(off, e);
        let nl = r.uvarint_len(entry.len()).map_err(bad)?;
        let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(nl);
        for _ in 0..nl {
            let n = u32::try_from(r.uvarint().map_err(bad)?)
                .map_err(|_| self.corrupt(off, "symbol ref overflows"))?;
            let v = u32::try_from(r.uvarint().map_err(bad)?)
                .map_err(|_| self.corrupt(off, "symbol ref overflows"))?;
            pairs.push((self.symbol(n)?, self.symbol(v)?));
        }
        let labels = Labels::from_pairs(pairs);
        let nc = r.uvarint_len(entry.len()).map_err(bad)?;
        let mut chunks = Vec::with_capacity(nc);
        let mut prev: Option<ChunkMeta> = None;
        for _ in 0..nc {
            let c = match prev {
                None => {
                    let mint = r.varint().map_err(bad)?;
                    let maxt = mint.wrapping_add(r.uvarint().map_err(bad)? as i64);
                    ChunkMeta {
                        mint,
                        maxt,
                        chunk_ref: r.uvarint().map_err(bad)?,
                    }
                }
                Some(p) => {
                    let mint = p.maxt.wrapping_add(r.varint().map_err(bad)?);
                    let maxt = mint.wrapping_add(r.uvarint().map_err(bad)? as i64);
                    let chunk_ref = p.chunk_ref.wrapping_add(r.varint().map_err(bad)? as u64);
                    ChunkMeta {
                        mint,
                        maxt,
                        chunk_ref,
                    }
                }
            };
            chunks.push(c);
            prev = Some(c);
        }
        Ok((labels, chunks))
    }

    /// Entry `i` of the postings table: (name sym, value sym, offset, len).
    fn postings_entry(&self, i: u32) -> Result<(u32, u32, usize, usize)> {
        let off = self.postings_table_off + POSTINGS_ENTRY_LEN * i as usize;
        let s = self.slice(off, POSTINGS_ENTRY_LEN)?;
        let mut r = ByteReader::new(s);
        let bad = |e: EncodingError| self.corrupt(off, e);
        let n = r.u32_be().map_err(bad)?;
        let v = r.u32_be().map_err(bad)?;
        let o = usize::try_from(r.u64_be().map_err(bad)?)
            .map_err(|_| self.corrupt(off, "offset overflows"))?;
        let l = r.u32_be().map_err(bad)? as usize;
        Ok((n, v, o, l))
    }

    fn bitmap_at(&self, entry: u32) -> Result<RoaringBitmap> {
        let (_, _, off, len) = self.postings_entry(entry)?;
        let bytes = self.slice(off, len)?;
        RoaringBitmap::deserialize_from(bytes)
            .map_err(|e| self.corrupt(off, format!("postings bitmap: {e}")))
    }

    fn name_range(&self, name: &str) -> Result<Option<(u32, u32)>> {
        let Some(n) = self.lookup_symbol(name)? else {
            return Ok(None);
        };
        Ok(self
            .names
            .binary_search_by_key(&n, |r| r.0)
            .ok()
            .and_then(|i| self.names.get(i))
            .map(|r| (r.1, r.2)))
    }

    /// Sorted label names.
    pub fn label_names(&self) -> Result<Vec<String>> {
        self.names
            .iter()
            .map(|r| self.symbol(r.0).map(str::to_string))
            .collect()
    }

    /// Symbols in order (for merging symbol tables in compaction).
    pub fn symbols(&self) -> impl Iterator<Item = Result<&str>> + '_ {
        (0..self.num_symbols).map(|i| self.symbol(i))
    }

    /// Bytes of the index file.
    pub fn size_bytes(&self) -> u64 {
        self.bytes.len() as u64
    }
}

impl IndexView for IndexReader {
    fn all_postings(&self) -> Result<RoaringBitmap> {
        let mut b = RoaringBitmap::new();
        b.insert_range(0..self.num_series);
        Ok(b)
    }

    fn postings(&self, name: &str, value: &str) -> Result<RoaringBitmap> {
        let Some((lo, hi)) = self.name_range(name)? else {
            return Ok(RoaringBitmap::new());
        };
        let Some(v) = self.lookup_symbol(value)? else {
            return Ok(RoaringBitmap::new());
        };
        let (mut a, mut b) = (lo, hi);
        while a < b {
            let mid = a + (b - a) / 2;
            let (_, mv, _, _) = self.postings_entry(mid)?;
            match mv.cmp(&v) {
                std::cmp::Ordering::Less => a = mid + 1,
                std::cmp::Ordering::Greater => b = mid,
                std::cmp::Ordering::Equal => return self.bitmap_at(mid),
            }
        }
        Ok(RoaringBitmap::new())
    }

    fn label_values(&self, name: &str) -> Result<Vec<String>> {
        let Some((lo, hi)) = self.name_range(name)? else {
            return Ok(Vec::new());
        };
        (lo..hi)
            .map(|i| Ok(self.symbol(self.postings_entry(i)?.1)?.to_string()))
            .collect()
    }

    fn union_postings_where(
        &self,
        name: &str,
        prefix: Option<&str>,
        keep: &mut dyn FnMut(&str) -> bool,
    ) -> Result<RoaringBitmap> {
        let mut out = RoaringBitmap::new();
        let Some((lo, hi)) = self.name_range(name)? else {
            return Ok(out);
        };
        let mut start = lo;
        if let Some(p) = prefix {
            // Values are sorted: skip straight to the first value >= prefix.
            let (mut a, mut b) = (lo, hi);
            while a < b {
                let mid = a + (b - a) / 2;
                if self.symbol(self.postings_entry(mid)?.1)? < p {
                    a = mid + 1;
                } else {
                    b = mid;
                }
            }
            start = a;
        }
        for i in start..hi {
            let v = self.symbol(self.postings_entry(i)?.1)?;
            if let Some(p) = prefix {
                if !v.starts_with(p) {
                    break;
                }
            }
            if keep(v) {
                out |= self.bitmap_at(i)?;
            }
        }
        Ok(out)
    }
}
