//! `meta.json`: a block's id, time range, stats and compaction lineage, in Prometheus's
//! field names, plus a `promlite` object with a magic string, the format version and a
//! CRC32 of the file as written with the CRC field set to 0.

use std::fs;
use std::path::Path;

use promlite_encoding::checksum::crc32;
use serde::{Deserialize, Serialize};

use crate::error::{IoContext, Result, TsdbError};

pub const META_FILE: &str = "meta.json";
pub const META_MAGIC: &str = "promlite-block-meta";
pub const META_VERSION: u32 = 1;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockStats {
    pub num_samples: u64,
    pub num_series: u64,
    pub num_chunks: u64,
    #[serde(default)]
    pub num_tombstones: u64,
}

/// A block this one was compacted from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockDesc {
    pub ulid: String,
    pub min_time: i64,
    pub max_time: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompactionMeta {
    /// 1 for blocks cut from the head (or written by a backfill), +1 per merge.
    pub level: u32,
    /// Ids of the level-1 blocks whose data this block holds.
    pub sources: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parents: Vec<BlockDesc>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaIntegrity {
    pub magic: String,
    pub crc32: u32,
}

/// The contents of `meta.json`. Times are ms, `max_time` exclusive.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockMeta {
    pub ulid: String,
    pub min_time: i64,
    pub max_time: i64,
    pub stats: BlockStats,
    pub compaction: CompactionMeta,
    pub version: u32,
    pub promlite: MetaIntegrity,
}

impl BlockMeta {
    fn canonical_bytes(&self) -> Result<Vec<u8>> {
        let mut m = self.clone();
        m.promlite.crc32 = 0;
        serde_json::to_vec_pretty(&m)
            .map_err(|e| TsdbError::Other(format!("encoding meta.json: {e}")))
    }

    /// The bytes of `meta.json`, CRC filled in.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut m = self.clone();
        m.version = META_VERSION;
        m.promlite.magic = META_MAGIC.to_string();
        m.promlite.crc32 = crc32(&m.canonical_bytes()?);
        let mut out = serde_json::to_vec_pretty(&m)
            .map_err(|e| TsdbError::Other(format!("encoding meta.json: {e}")))?;
        out.push(b'\n');
        Ok(out)
    }

    /// Parses and verifies `meta.json` bytes.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<BlockMeta> {
        let m: BlockMeta = serde_json::from_slice(bytes).map_err(|e| {
            TsdbError::corruption(
                path,
                e.column() as u64,
                format!("invalid JSON at line {}: {e}", e.line()),
            )
        })?;
        if m.promlite.magic != META_MAGIC {
            return Err(TsdbError::corruption(
                path,
                0,
                format!("bad magic {:?}", m.promlite.magic),
            ));
        }
        if m.version == 0 || m.version > META_VERSION {
            return Err(TsdbError::corruption(
                path,
                0,
                format!("unsupported meta version {}", m.version),
            ));
        }
        let computed = crc32(&m.canonical_bytes()?);
        if computed != m.promlite.crc32 {
            return Err(TsdbError::corruption(
                path,
                0,
                format!(
                    "checksum mismatch: stored {:#010x}, computed {computed:#010x}",
                    m.promlite.crc32
                ),
            ));
        }
        if m.min_time > m.max_time {
            return Err(TsdbError::corruption(path, 0, "minTime after maxTime"));
        }
        Ok(m)
    }

    pub fn read(dir: &Path) -> Result<BlockMeta> {
        let path = dir.join(META_FILE);
        let bytes = fs::read(&path).ctx(|| format!("reading {}", path.display()))?;
        BlockMeta::from_bytes(&bytes, &path)
    }

    pub fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(META_FILE);
        let bytes = self.to_bytes()?;
        crate::block::write_file_synced(&path, &bytes)
    }

    pub fn desc(&self) -> BlockDesc {
        BlockDesc {
            ulid: self.ulid.clone(),
            min_time: self.min_time,
            max_time: self.max_time,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let m = BlockMeta {
            ulid: "01HXYZ".into(),
            min_time: 0,
            max_time: 7_200_000,
            stats: BlockStats {
                num_samples: 10,
                num_series: 2,
                num_chunks: 2,
                num_tombstones: 0,
            },
            compaction: CompactionMeta {
                level: 1,
                sources: vec!["01HXYZ".into()],
                parents: vec![],
            },
            ..BlockMeta::default()
        };
        let bytes = m.to_bytes().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("\"minTime\": 0"), "{text}");
        let back = BlockMeta::from_bytes(&bytes, Path::new("meta.json")).unwrap();
        assert_eq!(back.stats, m.stats);
        let tampered = text.replace("\"numSamples\": 10", "\"numSamples\": 11");
        let e = BlockMeta::from_bytes(tampered.as_bytes(), Path::new("meta.json")).unwrap_err();
        assert!(e.to_string().contains("checksum mismatch"), "{e}");
    }
}
