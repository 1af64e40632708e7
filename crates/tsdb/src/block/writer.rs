//! `BlockBuilder`: writes one block (`<ULID>/` with `chunks/`, `index`, `meta.json`,
//! `tombstones`) from series given in label order. It writes into
//! `<ULID>.tmp-for-creation/` and renames when everything is synced, so a crash never
//! leaves a half-written block under a real block name.

use std::fs;
use std::path::{Path, PathBuf};

use promlite_encoding::{encode_chunk, ChunkBounds, ChunkEncoding};
use promlite_model::{Labels, Sample};

use super::chunks::ChunkWriter;
use super::index_writer::{ChunkMeta, IndexWriter};
use super::meta::{BlockMeta, BlockStats, CompactionMeta};
use super::tombstones::{write_tombstones, TombstoneMap};
use crate::error::{IoContext, Result, TsdbError};

/// Suffix of directories of blocks being written.
pub const TMP_CREATION_SUFFIX: &str = ".tmp-for-creation";
/// Suffix of directories of blocks being deleted.
pub const TMP_DELETION_SUFFIX: &str = ".tmp-for-deletion";

/// Samples per chunk written into blocks, by encoding.
pub fn samples_per_block_chunk(encoding: ChunkEncoding) -> usize {
    match encoding {
        ChunkEncoding::Xor => 120,
        // As many as a head chunk: an instant query decodes the last chunk of a series,
        // and 120 samples (not the 960 that would compress 5% better) keep that cheap.
        ChunkEncoding::BlockCodec | ChunkEncoding::BlockCodecBounded => 120,
    }
}

/// Builds a block.
pub struct BlockBuilder {
    parent: PathBuf,
    ulid: String,
    tmp: PathBuf,
    index: IndexWriter,
    chunks: ChunkWriter,
    mint: i64,
    maxt: i64,
    encoding: ChunkEncoding,
    stats: BlockStats,
    metas: Vec<ChunkMeta>,
    scratch: Vec<u8>,
}

impl BlockBuilder {
    /// Starts block `ulid` under `parent` covering `[mint, maxt)`, with every symbol
    /// (label names and values) its series will use, sorted and unique.
    pub fn new<S: AsRef<str>>(
        parent: &Path,
        ulid: String,
        mint: i64,
        maxt: i64,
        symbols: impl IntoIterator<Item = S>,
        encoding: ChunkEncoding,
    ) -> Result<BlockBuilder> {
        let tmp = parent.join(format!("{ulid}{TMP_CREATION_SUFFIX}"));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).ctx(|| format!("removing {}", tmp.display()))?;
        }
        fs::create_dir_all(&tmp).ctx(|| format!("creating {}", tmp.display()))?;
        let index = IndexWriter::create(&tmp, symbols)?;
        let chunks = ChunkWriter::new(&tmp)?;
        Ok(BlockBuilder {
            parent: parent.to_path_buf(),
            ulid,
            tmp,
            index,
            chunks,
            mint,
            maxt,
            encoding,
            stats: BlockStats::default(),
            metas: Vec::new(),
            scratch: Vec::new(),
        })
    }

    /// Adds a series (labels after the previous series' labels) with its samples: strictly
    /// increasing timestamps within the block's range. Series without samples are skipped.
    pub fn add_series(&mut self, labels: &Labels, samples: &[Sample]) -> Result<()> {
        if samples.is_empty() {
            return Ok(());
        }
        if samples.first().is_some_and(|s| s.t < self.mint)
            || samples.last().is_some_and(|s| s.t >= self.maxt)
        {
            return Err(TsdbError::Other(format!(
                "series {labels} has samples outside the block range [{}, {})",
                self.mint, self.maxt
            )));
        }
        // Chunk metas (and the bounded codec, which decodes from them) need time order.
        if samples.windows(2).any(|pair| pair[0].t >= pair[1].t) {
            return Err(TsdbError::Other(format!(
                "series {labels} has samples out of time order or with duplicate timestamps"
            )));
        }
        self.metas.clear();
        let per_chunk = samples_per_block_chunk(self.encoding);
        for part in samples.chunks(per_chunk) {
            // The meta holds exactly the first and last timestamp: bounded codec chunks
            // decode their timestamps from it.
            let Some(bounds) = ChunkBounds::of_samples(part) else {
                continue;
            };
            self.scratch.clear();
            encode_chunk(self.encoding, part, &mut self.scratch);
            let chunk_ref = self.chunks.write_chunk(self.encoding, &self.scratch)?;
            self.metas.push(ChunkMeta {
                mint: bounds.first_t,
                maxt: bounds.last_t,
                chunk_ref,
            });
        }
        self.index.add_series(labels, &self.metas)?;
        self.stats.num_series += 1;
        self.stats.num_samples += samples.len() as u64;
        self.stats.num_chunks += self.metas.len() as u64;
        Ok(())
    }

    /// Finishes the files, syncs and renames the block into place. Returns its meta; a
    /// block without series is not kept (`Ok(None)`).
    pub fn finish(self, compaction: CompactionMeta) -> Result<Option<BlockMeta>> {
        let BlockBuilder {
            parent,
            ulid,
            tmp,
            index,
            chunks,
            mint,
            maxt,
            stats,
            ..
        } = self;
        index.finish()?;
        chunks.finish()?;
        if stats.num_series == 0 {
            fs::remove_dir_all(&tmp).ctx(|| format!("removing {}", tmp.display()))?;
            return Ok(None);
        }
        write_tombstones(&tmp, &TombstoneMap::new())?;
        let meta = BlockMeta {
            ulid: ulid.clone(),
            min_time: mint,
            max_time: maxt,
            stats,
            compaction,
            ..BlockMeta::default()
        };
        meta.write(&tmp)?;
        crate::wal::sync_dir(&tmp)?;
        let dest = parent.join(&ulid);
        fs::rename(&tmp, &dest)
            .ctx(|| format!("renaming {} to {}", tmp.display(), dest.display()))?;
        crate::wal::sync_dir(&parent)?;
        BlockMeta::read(&dest).map(Some)
    }
}
