//! Property tests of the block codec: bit-exact round trips and panic-free decoding of garbage.

use super::*;
use crate::EncodingError;
use proptest::prelude::*;

fn assert_round_trip(timestamps: &[i64], values: &[f64]) -> Vec<u8> {
    let mut encoded = Vec::new();
    encode(timestamps, values, &mut encoded);
    let (decoded_timestamps, decoded_values) = decode(&encoded).expect("decodes");
    assert_eq!(decoded_timestamps, timestamps);
    let expected_bits: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
    let decoded_bits: Vec<u64> = decoded_values.iter().map(|v| v.to_bits()).collect();
    assert_eq!(decoded_bits, expected_bits);
    let header = peek_header(&encoded).expect("header");
    assert_eq!(header.num_samples, timestamps.len());
    if let (Some(&first), Some(&last)) = (timestamps.first(), timestamps.last()) {
        assert_eq!((header.min_time, header.max_time), (first, last));
    }
    encoded
}

/// Encodes in the bounded layout, checks it is the version 1 encoding with `uvarint(n)` in
/// place of the header, and that it decodes back bit-exactly given the first/last timestamp.
fn assert_bounded_round_trip(timestamps: &[i64], values: &[f64]) -> Vec<u8> {
    let with_header = assert_round_trip(timestamps, values);
    let mut bounded = Vec::new();
    encode_bounded(timestamps, values, &mut bounded);
    assert_eq!(bounded_num_samples(&bounded), Ok(timestamps.len()));
    let mut count = Vec::new();
    byte_io::put_uvarint(&mut count, timestamps.len() as u64);
    let header_len = with_header.len() + count.len() - bounded.len();
    assert_eq!(bounded[..count.len()], count[..]);
    assert_eq!(bounded[count.len()..], with_header[header_len..]);
    let first = timestamps.first().copied().unwrap_or(0);
    let last = timestamps.last().copied().unwrap_or(0);
    let (decoded_timestamps, decoded_values) =
        decode_bounded(&bounded, first, last).expect("bounded decodes");
    assert_eq!(decoded_timestamps, timestamps);
    let expected_bits: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
    let decoded_bits: Vec<u64> = decoded_values.iter().map(|v| v.to_bits()).collect();
    assert_eq!(decoded_bits, expected_bits);
    bounded
}

const SPECIAL_BITS: [u64; 8] = [
    0x7ff0_0000_0000_0002, // Prometheus stale marker
    0x7ff8_0000_0000_0001, // quiet NaN
    0x7ff8_0000_0000_0000, // canonical NaN
    0xfff8_dead_beef_0001, // negative NaN with payload
    0x7ff0_0000_0000_0000, // +Inf
    0xfff0_0000_0000_0000, // -Inf
    0x8000_0000_0000_0000, // -0.0
    0x0000_0000_0000_0001, // smallest subnormal
];

/// Values shaped like the benchmark's series: decimal fractions, counters, pages, raw floats,
/// with specials sprinkled in.
fn series_values() -> impl Strategy<Value = Vec<f64>> {
    let shape = 0..6u8;
    (shape, 1..1200usize, any::<u64>(), 0..4u32).prop_map(|(shape, len, seed, specials)| {
        let mut state = seed | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut counter = (next() % 1_000_000) as i64;
        let mut values: Vec<f64> = (0..len)
            .map(|_| {
                let noise = next();
                match shape {
                    0 => {
                        counter += (noise % 300) as i64;
                        counter as f64 / 100.0
                    }
                    1 => {
                        counter += (noise % 5) as i64 * 4096;
                        counter as f64
                    }
                    2 => (noise % 4000) as f64 / 10.0 - 200.0,
                    3 => f64::from_bits(noise),
                    4 => 1.0,
                    _ => (noise >> 11) as f64 * 1e-9,
                }
            })
            .collect();
        for _ in 0..specials {
            let position = (next() as usize) % values.len();
            values[position] = f64::from_bits(SPECIAL_BITS[(next() % 8) as usize]);
        }
        values
    })
}

fn series_timestamps(len: usize) -> impl Strategy<Value = Vec<i64>> {
    (any::<i64>(), 0..5u8, 1..100_000i64, 0..8i64).prop_map(move |(start, shape, step, jitter)| {
        let start = start >> 8;
        (0..len as i64)
            .map(|i| match shape {
                0 => start + i * step,
                1 => start + i * step + (i * 7919 % (jitter + 1)),
                2 => start + i * step + if i > len as i64 / 2 { step * 3 } else { 0 },
                3 => i64::MIN + i,
                _ => start.wrapping_mul(i | 1),
            })
            .collect()
    })
}

/// 300 cases by default; `PROPTEST_CASES=N` runs more (for a longer fuzzing session).
fn proptest_config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(300);
    ProptestConfig::with_cases(cases)
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn shaped_series_round_trip_bit_exactly(
        (values, timestamps) in series_values().prop_flat_map(|values| {
            let len = values.len();
            (Just(values), series_timestamps(len))
        })
    ) {
        assert_round_trip(&timestamps, &values);
    }

    #[test]
    fn arbitrary_bits_round_trip(samples in prop::collection::vec((any::<i64>(), any::<u64>()), 0..600)) {
        let timestamps: Vec<i64> = samples.iter().map(|s| s.0).collect();
        let values: Vec<f64> = samples.iter().map(|s| f64::from_bits(s.1)).collect();
        assert_round_trip(&timestamps, &values);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = decode(&bytes);
        let _ = peek_header(&bytes);
        let mut with_version = vec![FORMAT_VERSION];
        with_version.extend_from_slice(&bytes);
        let _ = decode(&with_version);
    }

    #[test]
    fn corrupted_encodings_never_panic(
        values in series_values(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let timestamps: Vec<i64> = (0..values.len() as i64).map(|i| 1_700_000_000_000 + i * 15_000).collect();
        let mut encoded = Vec::new();
        encode(&timestamps, &values, &mut encoded);
        let mut corrupted = encoded.clone();
        for (position, xor) in flips {
            let index = position % corrupted.len();
            corrupted[index] ^= xor | 1;
        }
        let _ = decode(&corrupted);
        encoded.truncate(cut % encoded.len());
        prop_assert!(decode(&encoded).is_err(), "a truncated encoding must not decode");
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn shaped_series_round_trip_bounded(
        (values, timestamps) in series_values().prop_flat_map(|values| {
            let len = values.len();
            (Just(values), series_timestamps(len))
        })
    ) {
        assert_bounded_round_trip(&timestamps, &values);
    }

    #[test]
    fn arbitrary_bits_round_trip_bounded(
        samples in prop::collection::vec((any::<i64>(), any::<u64>()), 0..600),
    ) {
        let timestamps: Vec<i64> = samples.iter().map(|s| s.0).collect();
        let values: Vec<f64> = samples.iter().map(|s| f64::from_bits(s.1)).collect();
        assert_bounded_round_trip(&timestamps, &values);
    }

    /// Bounds are not in the bytes, so other bounds can only be caught sometimes; when they
    /// are not, the output still has the stored count and values, between the given bounds.
    #[test]
    fn other_bounds_fail_or_decode_the_stored_values(
        (values, timestamps) in series_values().prop_flat_map(|values| {
            let len = values.len();
            (Just(values), series_timestamps(len))
        }),
        first in any::<i64>(),
        span in prop_oneof![any::<i64>(), 0..100_000_000i64],
    ) {
        let mut bounded = Vec::new();
        encode_bounded(&timestamps, &values, &mut bounded);
        let last = first.wrapping_add(span);
        match decode_bounded(&bounded, first, last) {
            Err(_) => {}
            Ok((decoded_timestamps, decoded_values)) => {
                prop_assert_eq!(decoded_timestamps.len(), timestamps.len());
                prop_assert_eq!(decoded_timestamps.first(), Some(&first));
                prop_assert_eq!(decoded_timestamps.last(), Some(&last));
                let expected_bits: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
                let decoded_bits: Vec<u64> = decoded_values.iter().map(|v| v.to_bits()).collect();
                prop_assert_eq!(decoded_bits, expected_bits);
            }
        }
    }

    #[test]
    fn random_bytes_never_panic_bounded(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        first in any::<i64>(),
        last in any::<i64>(),
    ) {
        let _ = decode_bounded(&bytes, first, last);
        let _ = decode_bounded(&bytes, first, first);
        let _ = bounded_num_samples(&bytes);
    }

    #[test]
    fn corrupted_bounded_encodings_never_panic(
        values in series_values(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let timestamps: Vec<i64> =
            (0..values.len() as i64).map(|i| 1_700_000_000_000 + i * 15_000).collect();
        let (first, last) = (timestamps[0], timestamps[timestamps.len() - 1]);
        let mut encoded = Vec::new();
        encode_bounded(&timestamps, &values, &mut encoded);
        let mut corrupted = encoded.clone();
        for (position, xor) in flips {
            let index = position % corrupted.len();
            corrupted[index] ^= xor | 1;
        }
        let _ = decode_bounded(&corrupted, first, last);
        encoded.truncate(cut % encoded.len());
        prop_assert!(
            decode_bounded(&encoded, first, last).is_err(),
            "a truncated encoding must not decode"
        );
    }
}

#[test]
fn bounded_empty_single_and_specials_round_trip() {
    assert_eq!(assert_bounded_round_trip(&[], &[]), vec![0]);
    assert_eq!(decode_bounded(&[0], 5, -5), Ok((Vec::new(), Vec::new())));
    let single = assert_bounded_round_trip(&[5], &[f64::from_bits(SPECIAL_BITS[0])]);
    assert!(decode_bounded(&single, 5, 6).is_err());
    assert_bounded_round_trip(&[i64::MIN, i64::MAX], &[-0.0, f64::INFINITY]);
    for bits in SPECIAL_BITS {
        let values = vec![f64::from_bits(bits); 120];
        let timestamps: Vec<i64> = (0..120).map(|i| 1_795_305_600_000 + i * 15_000).collect();
        let encoded = assert_bounded_round_trip(&timestamps, &values);
        // A regular line whose span does not split into 119 equal steps is not this chunk's.
        let result = decode_bounded(&encoded, timestamps[0], timestamps[119] + 1);
        assert!(matches!(result, Err(EncodingError::Corrupt(_))));
    }
    let mut trailing = Vec::new();
    encode_bounded(&[1, 2, 3], &[1.0, 2.0, 3.0], &mut trailing);
    trailing.push(0);
    assert!(decode_bounded(&trailing, 1, 3).is_err());
    let mut huge = Vec::new();
    byte_io::put_uvarint(&mut huge, (MAX_SAMPLES as u64) + 1);
    assert!(matches!(
        decode_bounded(&huge, 0, 0),
        Err(EncodingError::Corrupt(_))
    ));
}

#[test]
fn empty_and_single_samples_round_trip() {
    let encoded = assert_round_trip(&[], &[]);
    assert_eq!(encoded, vec![FORMAT_VERSION, 0]);
    assert_round_trip(&[5], &[f64::from_bits(SPECIAL_BITS[0])]);
    assert_round_trip(&[i64::MIN, i64::MAX], &[-0.0, f64::INFINITY]);
    for bits in SPECIAL_BITS {
        let values = vec![f64::from_bits(bits); 300];
        let timestamps: Vec<i64> = (0..300).map(|i| i * 1000).collect();
        assert_round_trip(&timestamps, &values);
    }
}

#[test]
fn typical_series_are_small() {
    let timestamps: Vec<i64> = (0..480).map(|i| 1_795_305_600_000 + i * 15_000).collect();
    let constant = assert_round_trip(&timestamps, &vec![1.0; 480]);
    assert!(
        constant.len() <= 16,
        "constant series: {} bytes",
        constant.len()
    );
    let loads: Vec<f64> = (0..480)
        .map(|i| f64::from((i * 37) % 300 + 100) / 100.0)
        .collect();
    let encoded = assert_round_trip(&timestamps, &loads);
    // 300 distinct centi-values need 9 bits; the layout must not fall back to raw floats.
    assert!(
        encoded.len() < 480 * 10 / 8,
        "load-like series: {} bytes",
        encoded.len()
    );
}

#[test]
fn wrong_version_and_huge_counts_are_rejected() {
    assert_eq!(
        decode(&[FORMAT_VERSION + 1, 0]),
        Err(EncodingError::UnsupportedVersion {
            found: FORMAT_VERSION + 1,
            supported: FORMAT_VERSION
        })
    );
    let mut huge = vec![FORMAT_VERSION];
    byte_io::put_uvarint(&mut huge, (MAX_SAMPLES as u64) + 1);
    assert!(matches!(decode(&huge), Err(EncodingError::Corrupt(_))));
    let mut trailing = Vec::new();
    encode(&[1, 2, 3], &[1.0, 2.0, 3.0], &mut trailing);
    trailing.push(0);
    assert!(
        matches!(decode(&trailing), Err(EncodingError::Corrupt(message)) if message.contains("1 trailing"))
    );
}
