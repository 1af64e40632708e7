//! The framing of one stored chunk, shared by `chunks_head/` files and block `chunks/`
//! segment files: `uvarint(len(data)) | encoding u8 | data | crc32(encoding | data) u32 BE`.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use promlite_encoding::checksum::crc32;
use promlite_encoding::varint::{put_uvarint, ByteReader};
use promlite_encoding::ChunkEncoding;

use crate::error::{Result, TsdbError};

/// A mapped chunk file (head or block), shared with readers that outlive its deletion.
#[derive(Debug)]
pub struct MappedFile {
    pub path: std::path::PathBuf,
    pub map: memmap2::Mmap,
    /// Bytes of `map` that hold written data. A head chunk file's map covers its maximum
    /// size while the file only grows as chunks are written: reads stay below this
    /// bound, so even a corrupt length never touches a page past the end of the file.
    valid_len: AtomicUsize,
}

impl MappedFile {
    /// A map whose bytes are all valid (a block's chunk segment).
    pub fn new(path: std::path::PathBuf, map: memmap2::Mmap) -> MappedFile {
        let valid_len = AtomicUsize::new(map.len());
        MappedFile {
            path,
            map,
            valid_len,
        }
    }

    /// A map of which only the first `valid_len` bytes are written yet.
    pub fn growing(path: std::path::PathBuf, map: memmap2::Mmap, valid_len: usize) -> MappedFile {
        MappedFile {
            path,
            map,
            valid_len: AtomicUsize::new(valid_len),
        }
    }

    /// Marks the first `len` bytes as written (after they were).
    pub fn set_valid_len(&self, len: usize) {
        self.valid_len
            .fetch_max(len.min(self.map.len()), Ordering::Release);
    }

    /// The written bytes.
    pub fn bytes(&self) -> &[u8] {
        let n = self.valid_len.load(Ordering::Acquire);
        self.map.get(..n).unwrap_or(&self.map)
    }

    /// The framed chunk at `offset`, CRC checked.
    pub fn chunk_at(&self, offset: usize) -> Result<(ChunkEncoding, &[u8])> {
        decode_chunk_record(self.bytes(), offset, &self.path)
    }

    /// The whole framed record at `offset` (length, encoding, data, CRC), CRC checked:
    /// what a head snapshot copies verbatim.
    pub fn framed_chunk_at(&self, offset: usize) -> Result<&[u8]> {
        let bytes = self.bytes();
        let (_, data) = decode_chunk_record(bytes, offset, &self.path)?;
        let len = framed_record_len(bytes.get(offset..).unwrap_or(&[]))
            .map_err(|e| TsdbError::corruption(&self.path, offset as u64, e))?;
        debug_assert!(len > data.len());
        bytes
            .get(offset..offset + len)
            .ok_or_else(|| TsdbError::corruption(&self.path, offset as u64, "chunk beyond file"))
    }
}

/// Length of the framed chunk record at the start of `bytes` (its CRC is not checked).
pub fn framed_record_len(bytes: &[u8]) -> Result<usize, promlite_encoding::EncodingError> {
    let mut r = ByteReader::new(bytes);
    let len = r.uvarint_len(bytes.len())?;
    let header = r.position();
    let total = header
        .checked_add(len)
        .and_then(|n| n.checked_add(5))
        .filter(|&n| n <= bytes.len())
        .ok_or(promlite_encoding::EncodingError::Truncated)?;
    Ok(total)
}

/// Appends one framed chunk to `out`.
pub fn encode_chunk_record(encoding: ChunkEncoding, data: &[u8], out: &mut Vec<u8>) {
    put_uvarint(out, data.len() as u64);
    let start = out.len();
    out.push(encoding.as_byte());
    out.extend_from_slice(data);
    let crc = crc32(out.get(start..).unwrap_or(&[]));
    out.extend_from_slice(&crc.to_be_bytes());
}

/// Reads the framed chunk at `offset` of `file` (whose path is used in errors),
/// checking its CRC. Returns the encoding and the chunk bytes.
pub fn decode_chunk_record<'a>(
    file: &'a [u8],
    offset: usize,
    path: &Path,
) -> Result<(ChunkEncoding, &'a [u8])> {
    let at = |e: promlite_encoding::EncodingError| TsdbError::corruption(path, offset as u64, e);
    let rest = file
        .get(offset..)
        .ok_or_else(|| TsdbError::corruption(path, offset as u64, "chunk offset beyond file"))?;
    let mut r = ByteReader::new(rest);
    let len = r.uvarint_len(rest.len()).map_err(at)?;
    let body = r.bytes(len.saturating_add(1)).map_err(at)?;
    let stored = r.u32_be().map_err(at)?;
    promlite_encoding::checksum::verify_crc32(body, stored).map_err(at)?;
    let (&enc, data) = body
        .split_first()
        .ok_or_else(|| at(promlite_encoding::EncodingError::Truncated))?;
    let encoding = ChunkEncoding::from_byte(enc).map_err(at)?;
    Ok((encoding, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bit_flip() {
        let mut out = vec![0xaa];
        encode_chunk_record(ChunkEncoding::Xor, b"hello", &mut out);
        let p = Path::new("x");
        let (e, d) = decode_chunk_record(&out, 1, p).unwrap();
        assert_eq!((e, d), (ChunkEncoding::Xor, &b"hello"[..]));
        for i in 1..out.len() {
            let mut bad = out.clone();
            bad[i] ^= 0x10;
            assert!(decode_chunk_record(&bad, 1, p).is_err(), "flip at {i}");
        }
        assert!(decode_chunk_record(&out, 100, p).is_err());
    }
}
