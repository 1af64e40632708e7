//! Bodies of the fuzz targets (`fuzz/fuzz_targets/`), kept in the library so the same
//! code also runs over the seed corpus in ordinary tests (`tests/it/fuzz_corpus.rs`).
//! Each must return for any input, never panic.

use std::path::{Path, PathBuf};

use promlite_encoding::ChunkEncoding;

use crate::block::index_reader::{IndexBytes, IndexReader};
use crate::query::postings::{postings_for_matchers, IndexView};

/// Decodes WAL records back to back until the bytes end or one fails.
pub fn wal_record(data: &[u8]) {
    let mut rest = data;
    while let Ok(Some((_, n))) = crate::wal::record::decode_record(rest) {
        rest = rest.get(n..).unwrap_or(&[]);
    }
}

/// Decodes a framed chunk record, then the raw bytes as an XOR chunk and as a
/// sealed-block codec chunk.
pub fn chunk(data: &[u8]) {
    let _ = crate::chunk_record::decode_chunk_record(data, 0, Path::new("fuzz"));
    let mut out = Vec::new();
    let _ = promlite_encoding::decode_chunk_into(
        ChunkEncoding::Xor,
        data,
        i64::MIN,
        i64::MAX,
        &mut out,
    );
    out.clear();
    let _ = promlite_encoding::decode_chunk_into(
        ChunkEncoding::BlockCodec,
        data,
        i64::MIN,
        i64::MAX,
        &mut out,
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
