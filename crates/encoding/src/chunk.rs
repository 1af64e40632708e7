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
    /// The sealed-block codec (columnar timestamps and values) with its own header: what
    /// blocks were written with before [`ChunkEncoding::BlockCodecBounded`].
    BlockCodec = 2,
    /// The sealed-block codec without the first and last timestamp, which decoding takes
    /// from the chunk's [`ChunkBounds`] (a block index stores them as the chunk's mint/maxt).
    BlockCodecBounded = 3,
}

impl ChunkEncoding {
    pub fn from_byte(b: u8) -> Result<ChunkEncoding> {
        match b {
            1 => Ok(ChunkEncoding::Xor),
            2 => Ok(ChunkEncoding::BlockCodec),
            3 => Ok(ChunkEncoding::BlockCodecBounded),
            other => Err(EncodingError::UnknownChunkEncoding(other)),
        }
    }

    pub fn as_byte(self) -> u8 {
        self as u8
    }
}

/// The time span of a chunk as its index entry records it: the timestamps of its first and
/// last sample. [`ChunkEncoding::BlockCodecBounded`] needs it to decode; the other encodings
/// carry it in their bytes and ignore it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkBounds {
    pub first_t: i64,
    pub last_t: i64,
}

impl ChunkBounds {
    /// The bounds of `samples` (time-ordered); `None` when there are none.
    pub fn of_samples(samples: &[Sample]) -> Option<ChunkBounds> {
        Some(ChunkBounds {
            first_t: samples.first()?.t,
            last_t: samples.last()?.t,
        })
    }
}

/// Decodes the samples of a chunk spanning `bounds` that fall within `[mint, maxt]` and
/// appends them to `out`.
///
/// Bounds that are not the chunk's make [`ChunkEncoding::BlockCodecBounded`] fail where the
/// bytes show it cheaply, and otherwise decode to misplaced timestamps; never a panic.
pub fn decode_chunk_into(
    encoding: ChunkEncoding,
    bytes: &[u8],
    bounds: ChunkBounds,
    mint: i64,
    maxt: i64,
    out: &mut Vec<Sample>,
) -> Result<()> {
    match encoding {
        ChunkEncoding::Xor => crate::xor::decode_xor_range_into(bytes, mint, maxt, out),
        ChunkEncoding::BlockCodec => decode_block_codec_into(bytes, None, mint, maxt, out),
        ChunkEncoding::BlockCodecBounded => {
            // Chunks hold increasing timestamps; the codec alone would take a decreasing line.
            if bounds.first_t > bounds.last_t {
                return Err(EncodingError::Corrupt(format!(
                    "chunk bounds {}..={} are reversed",
                    bounds.first_t, bounds.last_t
                )));
            }
            decode_block_codec_into(bytes, Some(bounds), mint, maxt, out)
        }
    }
}

/// Encodes samples (strictly increasing timestamps) with `encoding`, appending to `out`.
/// Decoding [`ChunkEncoding::BlockCodecBounded`] bytes needs
/// [`ChunkBounds::of_samples`]`(samples)` back.
pub fn encode_chunk(encoding: ChunkEncoding, samples: &[Sample], out: &mut Vec<u8>) {
    match encoding {
        ChunkEncoding::Xor => {
            let mut app = crate::xor::XorAppender::with_capacity(samples.len() * 2 + 16);
            for s in samples {
                app.append(s.t, s.v);
            }
            out.extend_from_slice(app.bytes());
        }
        ChunkEncoding::BlockCodec => {
            let (ts, vs) = columns(samples);
            crate::block_codec::encode(&ts, &vs, out);
        }
        ChunkEncoding::BlockCodecBounded => {
            let (ts, vs) = columns(samples);
            crate::block_codec::encode_bounded(&ts, &vs, out);
        }
    }
}

/// Whether this build has the sealed-block codec.
pub fn block_codec_available() -> bool {
    true
}

fn columns(samples: &[Sample]) -> (Vec<i64>, Vec<f64>) {
    (
        samples.iter().map(|s| s.t).collect(),
        samples.iter().map(|s| s.v).collect(),
    )
}

thread_local! {
    /// Decode buffers reused across chunks, so a query does not allocate per chunk.
    static CODEC_SCRATCH: std::cell::RefCell<(Vec<i64>, Vec<f64>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// Decodes a block codec chunk: with its own header (`bounds` = `None`) or bounded.
fn decode_block_codec_into(
    bytes: &[u8],
    bounds: Option<ChunkBounds>,
    mint: i64,
    maxt: i64,
    out: &mut Vec<Sample>,
) -> Result<()> {
    CODEC_SCRATCH.with(|cell| {
        let mut guard = cell.borrow_mut();
        let (ts, vs) = &mut *guard;
        match bounds {
            None => crate::block_codec::decode_into(bytes, ts, vs)?,
            Some(b) => crate::block_codec::decode_bounded_into(bytes, b.first_t, b.last_t, ts, vs)?,
        }
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

    const EVERYTHING: ChunkBounds = ChunkBounds {
        first_t: i64::MIN,
        last_t: i64::MAX,
    };

    fn bits(samples: &[Sample]) -> Vec<(i64, u64)> {
        samples.iter().map(|s| (s.t, s.v.to_bits())).collect()
    }

    #[test]
    fn encoding_bytes_round_trip() {
        for e in [
            ChunkEncoding::Xor,
            ChunkEncoding::BlockCodec,
            ChunkEncoding::BlockCodecBounded,
        ] {
            assert_eq!(ChunkEncoding::from_byte(e.as_byte()), Ok(e));
        }
        assert_eq!(ChunkEncoding::BlockCodecBounded.as_byte(), 3);
        for unknown in [0, 4, 255] {
            assert_eq!(
                ChunkEncoding::from_byte(unknown),
                Err(EncodingError::UnknownChunkEncoding(unknown))
            );
        }
    }

    #[test]
    fn block_codec_chunks_decode_by_range_bit_exact() {
        let mut samples: Vec<Sample> = (0..500)
            .map(|i| Sample::new(i * 15_000, (i % 7) as f64 * 0.1))
            .collect();
        samples[3].v = promlite_model::STALE_NAN;
        samples[4].v = -0.0;
        let bounds = ChunkBounds::of_samples(&samples).unwrap();
        for encoding in [ChunkEncoding::BlockCodec, ChunkEncoding::BlockCodecBounded] {
            let mut bytes = Vec::new();
            encode_chunk(encoding, &samples, &mut bytes);
            let mut out = Vec::new();
            decode_chunk_into(encoding, &bytes, bounds, 0, i64::MAX, &mut out).unwrap();
            assert_eq!(bits(&out), bits(&samples), "{encoding:?}");
            out.clear();
            decode_chunk_into(encoding, &bytes, bounds, 30_000, 60_000, &mut out).unwrap();
            assert_eq!(bits(&out), bits(&samples[2..=4]), "{encoding:?}");
        }
    }

    #[test]
    fn bounded_chunks_are_the_header_minus_the_time_range() {
        let samples: Vec<Sample> = (0..120)
            .map(|i| Sample::new(1_795_305_600_000 + i * 15_000, (i * 3) as f64))
            .collect();
        let mut with_header = Vec::new();
        encode_chunk(ChunkEncoding::BlockCodec, &samples, &mut with_header);
        let mut bounded = Vec::new();
        encode_chunk(ChunkEncoding::BlockCodecBounded, &samples, &mut bounded);
        // Version byte, a 6-byte first timestamp and a 3-byte span are gone; the rest is equal.
        assert_eq!(with_header.len() - bounded.len(), 10);
        assert_eq!(bounded[0], 120);
        assert_eq!(bounded[1..], with_header[11..]);
    }

    #[test]
    fn bounded_chunks_with_other_bounds_fail_or_stay_safe() {
        let regular: Vec<Sample> = (0..120).map(|i| Sample::new(i * 15_000, 1.5)).collect();
        let mut bytes = Vec::new();
        encode_chunk(ChunkEncoding::BlockCodecBounded, &regular, &mut bytes);
        let mut out = Vec::new();
        let right = ChunkBounds::of_samples(&regular).unwrap();
        for wrong in [
            ChunkBounds {
                first_t: 0,
                last_t: right.last_t + 1,
            },
            ChunkBounds {
                first_t: right.last_t,
                last_t: 0,
            },
            ChunkBounds {
                first_t: 0,
                last_t: 118,
            },
        ] {
            let result = decode_chunk_into(
                ChunkEncoding::BlockCodecBounded,
                &bytes,
                wrong,
                i64::MIN,
                i64::MAX,
                &mut out,
            );
            assert!(result.is_err(), "{wrong:?}");
            assert!(out.is_empty());
        }
        // Shifted bounds keep the step: nothing in the bytes can tell, the samples move.
        let shifted = ChunkBounds {
            first_t: 7,
            last_t: right.last_t + 7,
        };
        decode_chunk_into(
            ChunkEncoding::BlockCodecBounded,
            &bytes,
            shifted,
            i64::MIN,
            i64::MAX,
            &mut out,
        )
        .unwrap();
        assert_eq!(out.len(), 120);
        assert_eq!(out[119].t, right.last_t + 7);
        // A single sample must have first == last.
        let mut single = Vec::new();
        encode_chunk(ChunkEncoding::BlockCodecBounded, &regular[..1], &mut single);
        let spread = ChunkBounds {
            first_t: 0,
            last_t: 1,
        };
        out.clear();
        let result = decode_chunk_into(
            ChunkEncoding::BlockCodecBounded,
            &single,
            spread,
            i64::MIN,
            i64::MAX,
            &mut out,
        );
        assert!(result.is_err());
    }

    /// Increasing timestamps (regular, jittered or gappy) with any value bits, and a sprinkle
    /// of the values that only round-trip as bits: stale markers, NaN payloads, -0.0.
    fn chunk_samples() -> impl proptest::strategy::Strategy<Value = Vec<Sample>> {
        use proptest::prelude::*;
        let value = prop_oneof![
            any::<u64>().prop_map(f64::from_bits),
            (0..1000i64).prop_map(|v| v as f64 / 100.0),
            Just(promlite_model::STALE_NAN),
            Just(f64::NAN),
            Just(-0.0),
            Just(f64::NEG_INFINITY),
        ];
        (
            any::<i64>(),
            prop::collection::vec((1..40_000i64, value), 1..300),
        )
            .prop_map(|(start, steps)| {
                let mut t = start >> 2;
                steps
                    .into_iter()
                    .map(|(step, v)| {
                        t += step;
                        Sample::new(t, v)
                    })
                    .collect()
            })
    }

    proptest::proptest! {
        #[test]
        fn every_encoding_round_trips_by_range(
            samples in chunk_samples(),
            range in proptest::prelude::any::<(u16, u16)>(),
        ) {
            let bounds = ChunkBounds::of_samples(&samples).unwrap();
            let at = |i: u16| samples[usize::from(i) % samples.len()].t;
            let (mint, maxt) = (at(range.0), at(range.1));
            let expected: Vec<Sample> =
                samples.iter().copied().filter(|s| mint <= s.t && s.t <= maxt).collect();
            for encoding in [
                ChunkEncoding::Xor,
                ChunkEncoding::BlockCodec,
                ChunkEncoding::BlockCodecBounded,
            ] {
                let mut bytes = Vec::new();
                encode_chunk(encoding, &samples, &mut bytes);
                let mut out = Vec::new();
                decode_chunk_into(encoding, &bytes, bounds, mint, maxt, &mut out).unwrap();
                proptest::prop_assert_eq!(bits(&out), bits(&expected), "{:?}", encoding);
            }
        }
    }

    #[test]
    fn xor_chunks_ignore_the_bounds() {
        let samples: Vec<Sample> = (0..10).map(|i| Sample::new(i * 10, i as f64)).collect();
        let mut bytes = Vec::new();
        encode_chunk(ChunkEncoding::Xor, &samples, &mut bytes);
        let mut out = Vec::new();
        decode_chunk_into(ChunkEncoding::Xor, &bytes, EVERYTHING, 25, 60, &mut out).unwrap();
        assert_eq!(out, samples[3..=6]);
    }
}
