//! A block's `tombstones` file: deleted intervals per series id.
//!
//! ```text
//! header (magic "PLTS", version) | uvarint n | n × (uvarint id, varint mint, varint maxt) | footer (crc32, magic)
//! ```

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use promlite_encoding::file_format::{
    check_footer, check_header, write_footer, write_header, HEADER_LEN,
};
use promlite_encoding::varint::{put_uvarint, put_varint, ByteReader};

use crate::error::{IoContext, Result, TsdbError};

pub const TOMBSTONES_FILE: &str = "tombstones";
pub const TOMBSTONES_MAGIC: u32 = 0x504c_5453;
pub const TOMBSTONES_VERSION: u8 = 1;

/// Deleted intervals `[mint, maxt]` by series id.
pub type TombstoneMap = HashMap<u32, Vec<(i64, i64)>>;

pub fn encode_tombstones(t: &TombstoneMap) -> Vec<u8> {
    let mut out = Vec::new();
    write_header(&mut out, TOMBSTONES_MAGIC, TOMBSTONES_VERSION);
    let mut ids: Vec<&u32> = t.keys().collect();
    ids.sort();
    let n: usize = t.values().map(|v| v.len()).sum();
    put_uvarint(&mut out, n as u64);
    for id in ids {
        for &(mint, maxt) in &t[id] {
            put_uvarint(&mut out, u64::from(*id));
            put_varint(&mut out, mint);
            put_varint(&mut out, maxt);
        }
    }
    write_footer(&mut out, TOMBSTONES_MAGIC);
    out
}

pub fn decode_tombstones(bytes: &[u8], path: &Path) -> Result<TombstoneMap> {
    let bad = |off: usize, e: promlite_encoding::EncodingError| {
        TsdbError::corruption(path, off as u64, e)
    };
    check_header(bytes, TOMBSTONES_MAGIC, TOMBSTONES_VERSION).map_err(|e| bad(0, e))?;
    let body = check_footer(bytes, TOMBSTONES_MAGIC, true)
        .map_err(|e| bad(bytes.len().saturating_sub(8), e))?;
    let mut r = ByteReader::new(body.get(HEADER_LEN..).unwrap_or(&[]));
    let at = |r: &ByteReader<'_>| HEADER_LEN + r.position();
    let n = r.uvarint().map_err(|e| bad(at(&r), e))?;
    let mut out = TombstoneMap::new();
    for _ in 0..n {
        let id = r.uvarint().map_err(|e| bad(at(&r), e))?;
        let id = u32::try_from(id)
            .map_err(|_| TsdbError::corruption(path, at(&r) as u64, "series id exceeds u32"))?;
        let mint = r.varint().map_err(|e| bad(at(&r), e))?;
        let maxt = r.varint().map_err(|e| bad(at(&r), e))?;
        out.entry(id).or_default().push((mint, maxt));
    }
    Ok(out)
}

pub fn read_tombstones(dir: &Path) -> Result<TombstoneMap> {
    let path = dir.join(TOMBSTONES_FILE);
    match fs::read(&path) {
        Ok(b) => decode_tombstones(&b, &path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TombstoneMap::new()),
        Err(e) => Err(TsdbError::io(format!("reading {}", path.display()), e)),
    }
}

/// Writes the tombstones file atomically (temporary file + rename).
pub fn write_tombstones(dir: &Path, t: &TombstoneMap) -> Result<()> {
    let path = dir.join(TOMBSTONES_FILE);
    let tmp = dir.join("tombstones.tmp");
    crate::block::write_file_synced(&tmp, &encode_tombstones(t))?;
    fs::rename(&tmp, &path).ctx(|| format!("renaming {}", tmp.display()))?;
    crate::wal::sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let mut t = TombstoneMap::new();
        t.insert(3, vec![(0, 10), (20, 30)]);
        t.insert(1, vec![(-5, 5)]);
        let b = encode_tombstones(&t);
        assert_eq!(decode_tombstones(&b, Path::new("t")).unwrap(), t);
        let mut bad = b.clone();
        bad[10] ^= 4;
        assert!(decode_tombstones(&bad, Path::new("t")).is_err());
        assert!(decode_tombstones(&b[..b.len() - 1], Path::new("t")).is_err());
    }
}
