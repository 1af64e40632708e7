//! Blocks: immutable directories `<ULID>/` holding the data of a time range — chunk
//! segment files, an index, `meta.json` and `tombstones`. Opening checks the magic,
//! version and CRC of every file; a block that fails is reported and skipped.

pub mod chunks;
pub mod index_reader;
pub mod index_writer;
pub mod meta;
pub mod tombstones;
pub mod writer;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use parking_lot::RwLock;
use promlite_encoding::ChunkEncoding;
use promlite_model::{Labels, Matcher};

use self::chunks::ChunkReader;
use self::index_reader::IndexReader;
use self::meta::BlockMeta;
use self::tombstones::{read_tombstones, write_tombstones, TombstoneMap};
use crate::error::{IoContext, Result};
use crate::query::chunks::{ChunkHandle, Intervals};
use crate::query::postings::postings_for_matchers;

/// The chunk encoding blocks use unless told otherwise: the sealed-block codec in its bounded
/// layout (the index's chunk metas hold each chunk's first and last timestamp, so the chunk
/// bytes do not repeat them) when this build has it, XOR otherwise. Blocks written with
/// [`ChunkEncoding::BlockCodec`] still read: every chunk names its encoding.
pub fn default_block_chunk_encoding() -> ChunkEncoding {
    if promlite_encoding::chunk::block_codec_available() {
        ChunkEncoding::BlockCodecBounded
    } else {
        ChunkEncoding::Xor
    }
}

/// Writes a whole file and syncs it.
pub(crate) fn write_file_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = File::create(path).ctx(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)
        .ctx(|| format!("writing {}", path.display()))?;
    f.sync_all().ctx(|| format!("syncing {}", path.display()))
}

/// One series of a block selected by a query or compaction.
#[derive(Clone, Debug)]
pub struct BlockSeriesData {
    pub labels: Labels,
    pub chunks: Vec<ChunkHandle>,
    pub deleted: Intervals,
}

/// An open block.
#[derive(Debug)]
pub struct Block {
    dir: PathBuf,
    meta: BlockMeta,
    index: IndexReader,
    chunks: ChunkReader,
    tombstones: RwLock<TombstoneMap>,
    size_bytes: u64,
}

impl Block {
    /// Opens and checks every file of the block in `dir`.
    pub fn open(dir: &Path, verify_crc: bool) -> Result<Block> {
        let meta = BlockMeta::read(dir)?;
        let index = IndexReader::open(dir, verify_crc)?;
        let chunks = ChunkReader::open(dir, verify_crc)?;
        let tombstones = read_tombstones(dir)?;
        let size_bytes = crate::util::dir_size(dir);
        Ok(Block {
            dir: dir.to_path_buf(),
            meta,
            index,
            chunks,
            tombstones: RwLock::new(tombstones),
            size_bytes,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn meta(&self) -> &BlockMeta {
        &self.meta
    }

    pub fn index(&self) -> &IndexReader {
        &self.index
    }

    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// Whether the block's `[minTime, maxTime)` overlaps the inclusive `[mint, maxt]`.
    pub fn overlaps(&self, mint: i64, maxt: i64) -> bool {
        self.meta.min_time <= maxt && self.meta.max_time > mint
    }

    pub fn has_tombstones(&self) -> bool {
        !self.tombstones.read().is_empty()
    }

    pub fn tombstones(&self) -> TombstoneMap {
        self.tombstones.read().clone()
    }

    /// Series `id` with chunks overlapping `[mint, maxt]`; `None` when it has none there.
    pub fn series_data(&self, id: u32, mint: i64, maxt: i64) -> Result<Option<BlockSeriesData>> {
        let (labels, metas) = self.index.series(id)?;
        let mut chunks = Vec::with_capacity(metas.len());
        for m in metas.iter().filter(|m| m.maxt >= mint && m.mint <= maxt) {
            chunks.push(self.chunks.handle(m.chunk_ref, m.mint, m.maxt)?);
        }
        if chunks.is_empty() {
            return Ok(None);
        }
        let deleted = self.tombstones.read().get(&id).cloned().unwrap_or_default();
        Ok(Some(BlockSeriesData {
            labels,
            chunks,
            deleted,
        }))
    }

    /// Series matching `matchers` with chunks in `[mint, maxt]`, sorted by labels (block
    /// series ids follow label order).
    pub fn select(
        &self,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<BlockSeriesData>> {
        if !self.overlaps(mint, maxt) {
            return Ok(Vec::new());
        }
        let ids = postings_for_matchers(&self.index, matchers)?;
        let mut out = Vec::with_capacity(ids.len() as usize);
        for id in ids.iter() {
            if let Some(s) = self.series_data(id, mint, maxt)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    pub fn label_names(&self, matchers: &[Matcher]) -> Result<Vec<String>> {
        if matchers.is_empty() {
            return self.index.label_names();
        }
        let mut names = BTreeSet::new();
        for id in postings_for_matchers(&self.index, matchers)?.iter() {
            for l in self.index.series(id)?.0.iter() {
                names.insert(l.name.to_string());
            }
        }
        Ok(names.into_iter().collect())
    }

    pub fn label_values(&self, name: &str, matchers: &[Matcher]) -> Result<Vec<String>> {
        use crate::query::postings::IndexView;
        if matchers.is_empty() {
            return self.index.label_values(name);
        }
        let mut values = BTreeSet::new();
        for id in postings_for_matchers(&self.index, matchers)?.iter() {
            if let Some(v) = self.index.series(id)?.0.get(name) {
                values.insert(v.to_string());
            }
        }
        Ok(values.into_iter().collect())
    }

    /// Records `[mint, maxt]` as deleted for matching series; returns how many series got
    /// a tombstone.
    pub fn delete(&self, matchers: &[Matcher], mint: i64, maxt: i64) -> Result<usize> {
        if !self.overlaps(mint, maxt) {
            return Ok(0);
        }
        let ids = postings_for_matchers(&self.index, matchers)?;
        let mut t = self.tombstones.write();
        let mut n = 0;
        for id in ids.iter() {
            let (_, metas) = self.index.series(id)?;
            if metas.iter().any(|m| m.maxt >= mint && m.mint <= maxt) {
                t.entry(id).or_default().push((mint, maxt));
                n += 1;
            }
        }
        if n > 0 {
            write_tombstones(&self.dir, &t)?;
        }
        Ok(n)
    }
}

/// Block directories (names that parse as ULIDs) under `dir`.
pub fn list_block_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).ctx(|| format!("listing {}", dir.display()))? {
        let e = e.ctx(|| format!("listing {}", dir.display()))?;
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if e.path().is_dir() && ulid::Ulid::from_string(name).is_ok() {
            out.push(e.path());
        }
    }
    out.sort();
    Ok(out)
}

/// Removes leftovers of interrupted block writes and deletions.
pub fn remove_tmp_blocks(dir: &Path) -> Result<()> {
    for e in fs::read_dir(dir)
        .ctx(|| format!("listing {}", dir.display()))?
        .flatten()
    {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.ends_with(writer::TMP_CREATION_SUFFIX)
            || name.ends_with(writer::TMP_DELETION_SUFFIX)
        {
            fs::remove_dir_all(e.path()).ctx(|| format!("removing {}", e.path().display()))?;
        }
    }
    Ok(())
}

/// Deletes a block directory: rename first so a crash never leaves half a block under a
/// real block name.
pub fn delete_block_dir(dir: &Path) -> Result<()> {
    let mut tmp = dir.as_os_str().to_owned();
    tmp.push(writer::TMP_DELETION_SUFFIX);
    let tmp = PathBuf::from(tmp);
    fs::rename(dir, &tmp).ctx(|| format!("renaming {} for deletion", dir.display()))?;
    fs::remove_dir_all(&tmp).ctx(|| format!("removing {}", tmp.display()))
}
