//! Chunk encodings: every stored chunk carries one byte naming its encoding, so head
//! chunks (XOR) and sealed block chunks (a denser codec) live side by side.

use promlite_model::Sample;

use crate::{EncodingError, Result};

/// How a chunk's bytes are encoded. The discriminant is the byte stored on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ChunkEncoding {
    /// Gorilla XOR ([`crate::xor`]).
    Xor = 1,
    /// The sealed-block codec (columnar timestamps and values), for block chunks.
    BlockCodec = 2,
}

impl ChunkEncoding {
    pub fn from_byte(b: u8) -> Result<ChunkEncoding> {
        match b {
            1 => Ok(ChunkEncoding::Xor),
            2 => Ok(ChunkEncoding::BlockCodec),
            other => Err(EncodingError::UnknownChunkEncoding(other)),
        }
    }

    pub fn as_byte(self) -> u8 {
        self as u8
    }
}

/// Decodes the samples of a chunk within `[mint, maxt]` and appends them to `out`.
pub fn decode_chunk_into(
    encoding: ChunkEncoding,
    bytes: &[u8],
    mint: i64,
    maxt: i64,
    out: &mut Vec<Sample>,
) -> Result<()> {
    match encoding {
        ChunkEncoding::Xor => crate::xor::decode_xor_range_into(bytes, mint, maxt, out),
        ChunkEncoding::BlockCodec => decode_block_codec_into(bytes, mint, maxt, out),
    }
}

/// Encodes samples (strictly increasing timestamps) with `encoding`, appending to `out`.
pub fn encode_chunk(encoding: ChunkEncoding, samples: &[Sample], out: &mut Vec<u8>) {
    match encoding {
        ChunkEncoding::Xor => {
            let mut app = crate::xor::XorAppender::with_capacity(samples.len() * 2 + 16);
            for s in samples {
                app.append(s.t, s.v);
            }
            out.extend_from_slice(app.bytes());
        }
        ChunkEncoding::BlockCodec => encode_block_codec(samples, out),
    }
}

/// Whether this build has the sealed-block codec.
pub fn block_codec_available() -> bool {
    false
}

fn encode_block_codec(samples: &[Sample], out: &mut Vec<u8>) {
    // Without the codec, fall back to XOR bytes; callers check `block_codec_available`
    // first and label the chunk accordingly, so this path is never taken for real data.
    let mut app = crate::xor::XorAppender::new();
    for s in samples {
        app.append(s.t, s.v);
    }
    out.extend_from_slice(app.bytes());
}

fn decode_block_codec_into(
    _bytes: &[u8],
    _mint: i64,
    _maxt: i64,
    _out: &mut [Sample],
) -> Result<()> {
    Err(EncodingError::UnknownChunkEncoding(
        ChunkEncoding::BlockCodec.as_byte(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_bytes_round_trip() {
        for e in [ChunkEncoding::Xor, ChunkEncoding::BlockCodec] {
            assert_eq!(ChunkEncoding::from_byte(e.as_byte()), Ok(e));
        }
        assert_eq!(
            ChunkEncoding::from_byte(0),
            Err(EncodingError::UnknownChunkEncoding(0))
        );
    }

    #[test]
    fn xor_chunks_decode_by_range() {
        let samples: Vec<Sample> = (0..10).map(|i| Sample::new(i * 10, i as f64)).collect();
        let mut bytes = Vec::new();
        encode_chunk(ChunkEncoding::Xor, &samples, &mut bytes);
        let mut out = Vec::new();
        decode_chunk_into(ChunkEncoding::Xor, &bytes, 25, 60, &mut out).unwrap();
        assert_eq!(out, samples[3..=6]);
    }
}
