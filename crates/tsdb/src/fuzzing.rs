//! Bodies of the fuzz targets (`fuzz/fuzz_targets/`), kept in the library so the same
//! code also runs over the seed corpus in ordinary tests (`tests/it/fuzz_corpus.rs`).
//! Each must return for any input, never panic.

use std::path::{Path, PathBuf};

use promlite_encoding::{ChunkBounds, ChunkEncoding};
use promlite_model::Sample;

use crate::block::index_reader::{IndexBytes, IndexReader};
use crate::query::postings::{postings_for_matchers, IndexView};

/// Decodes WAL records back to back until the bytes end or one fails.
pub fn wal_record(data: &[u8]) {
    let mut rest = data;
    while let Ok(Some((_, n))) = crate::wal::record::decode_record(rest) {
        rest = rest.get(n..).unwrap_or(&[]);
    }
}

/// Decodes a framed chunk record (and its data with its own encoding), then the raw bytes as
/// an XOR chunk and as a sealed-block codec chunk in both layouts: the bounded one (chunk
/// encoding 3) under fixed bounds and under bounds taken from the input's last 16 bytes.
/// Bytes that parse as a version 1 codec chunk are also rewritten into the bounded layout,
/// which must then decode to exactly the same samples.
pub fn chunk(data: &[u8]) {
    if let Ok((encoding, bytes)) =
        crate::chunk_record::decode_chunk_record(data, 0, Path::new("fuzz"))
    {
        decode_as(
            encoding,
            bytes,
            ChunkBounds {
                first_t: 0,
                last_t: 0,
            },
        );
        bounded_matches_version_one(bytes);
    }
    let everything = ChunkBounds {
        first_t: i64::MIN,
        last_t: i64::MAX,
    };
    decode_as(ChunkEncoding::Xor, data, everything);
    decode_as(ChunkEncoding::BlockCodec, data, everything);
    // Equal bounds pass every check of the timestamp section, so the values get decoded.
    decode_as(
        ChunkEncoding::BlockCodecBounded,
        data,
        ChunkBounds {
            first_t: 0,
            last_t: 0,
        },
    );
    decode_as(ChunkEncoding::BlockCodecBounded, data, everything);
    if let Some(split) = data.len().checked_sub(16) {
        let (bytes, tail) = data.split_at(split);
        let word = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(tail.get(at..at + 8).unwrap_or(&[0; 8]));
            i64::from_le_bytes(b)
        };
        let bounds = ChunkBounds {
            first_t: word(0),
            last_t: word(8),
        };
        decode_as(ChunkEncoding::BlockCodecBounded, bytes, bounds);
    }
    bounded_matches_version_one(data);
}

fn decode_as(encoding: ChunkEncoding, bytes: &[u8], bounds: ChunkBounds) -> Option<Vec<Sample>> {
    let mut out = Vec::new();
    promlite_encoding::decode_chunk_into(encoding, bytes, bounds, i64::MIN, i64::MAX, &mut out)
        .ok()
        .map(|()| out)
}

/// A version 1 codec chunk minus its header (version, count, first timestamp, span), with the
/// count put back, is a bounded chunk of the header's bounds: both decode the same.
fn bounded_matches_version_one(bytes: &[u8]) {
    use promlite_encoding::block_codec::peek_header;
    use promlite_encoding::varint::{put_uvarint, put_varint};
    let Ok(header) = peek_header(bytes) else {
        return;
    };
    if header.num_samples == 0 || header.min_time > header.max_time {
        return;
    }
    let mut version_one_header = vec![promlite_encoding::block_codec::FORMAT_VERSION];
    put_uvarint(&mut version_one_header, header.num_samples as u64);
    put_varint(&mut version_one_header, header.min_time);
    put_uvarint(
        &mut version_one_header,
        header.max_time.wrapping_sub(header.min_time) as u64,
    );
    // Varints may be written overlong by a mutated input; only the canonical header is cut.
    let Some(sections) = bytes.strip_prefix(version_one_header.as_slice()) else {
        return;
    };
    let mut bounded = Vec::new();
    put_uvarint(&mut bounded, header.num_samples as u64);
    bounded.extend_from_slice(sections);
    let bounds = ChunkBounds {
        first_t: header.min_time,
        last_t: header.max_time,
    };
    let from_version_one = decode_as(ChunkEncoding::BlockCodec, bytes, bounds);
    let from_bounded = decode_as(ChunkEncoding::BlockCodecBounded, &bounded, bounds);
    let bits = |samples: &Option<Vec<Sample>>| {
        samples
            .as_ref()
            .map(|s| s.iter().map(|s| (s.t, s.v.to_bits())).collect::<Vec<_>>())
    };
    assert_eq!(
        bits(&from_version_one),
        bits(&from_bounded),
        "the bounded layout decodes differently from version 1"
    );
}

/// Opens bytes as a block index (without the CRC check, so the fuzzer reaches the
/// tables) and exercises every lookup.
pub fn index_open(data: &[u8]) {
    let Ok(ix) = IndexReader::from_bytes(
        IndexBytes::Owned(data.to_vec()),
        PathBuf::from("fuzz"),
        false,
    ) else {
        return;
    };
    let names = ix.label_names().unwrap_or_default();
    for n in names.iter().take(8) {
        let values = ix.label_values(n).unwrap_or_default();
        for v in values.iter().take(8) {
            let _ = ix.postings(n, v);
        }
        let m =
            promlite_model::Matcher::new(promlite_model::MatchOp::RegexMatch, n.as_str(), "a.*|b");
        if let Ok(m) = m {
            let _ = postings_for_matchers(&ix, &[m]);
        }
    }
    for id in 0..ix.num_series().min(16) {
        let _ = ix.series(id);
    }
    let _ = ix.lookup_symbol("__name__");
}
