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
    true
}

fn encode_block_codec(samples: &[Sample], out: &mut Vec<u8>) {
    let ts: Vec<i64> = samples.iter().map(|s| s.t).collect();
    let vs: Vec<f64> = samples.iter().map(|s| s.v).collect();
    crate::block_codec::encode(&ts, &vs, out);
}

thread_local! {
    /// Decode buffers reused across chunks, so a query does not allocate per chunk.
    static CODEC_SCRATCH: std::cell::RefCell<(Vec<i64>, Vec<f64>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

fn decode_block_codec_into(
    bytes: &[u8],
    mint: i64,
    maxt: i64,
    out: &mut Vec<Sample>,
) -> Result<()> {
    CODEC_SCRATCH.with(|cell| {
        let mut guard = cell.borrow_mut();
        let (ts, vs) = &mut *guard;
        crate::block_codec::decode_into(bytes, ts, vs)?;
        let lo = ts.partition_point(|&t| t < mint);
        let hi = ts.partition_point(|&t| t <= maxt);
        if let (Some(ts), Some(vs)) = (ts.get(lo..hi), vs.get(lo..hi)) {
            out.extend(ts.iter().zip(vs).map(|(&t, &v)| Sample { t, v }));
        }
        Ok(())
    })
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
    fn block_codec_chunks_decode_by_range_bit_exact() {
        let mut samples: Vec<Sample> = (0..500)
            .map(|i| Sample::new(i * 15_000, (i % 7) as f64 * 0.1))
            .collect();
        samples[3].v = promlite_model::STALE_NAN;
        samples[4].v = -0.0;
        let mut bytes = Vec::new();
        encode_chunk(ChunkEncoding::BlockCodec, &samples, &mut bytes);
        let mut out = Vec::new();
        decode_chunk_into(ChunkEncoding::BlockCodec, &bytes, 0, i64::MAX, &mut out).unwrap();
        assert!(out
            .iter()
            .zip(&samples)
            .all(|(a, b)| a.t == b.t && a.v.to_bits() == b.v.to_bits()));
        out.clear();
        decode_chunk_into(ChunkEncoding::BlockCodec, &bytes, 30_000, 60_000, &mut out).unwrap();
        let bits = |v: &[Sample]| v.iter().map(|s| (s.t, s.v.to_bits())).collect::<Vec<_>>();
        assert_eq!(bits(&out), bits(&samples[2..=4]));
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
