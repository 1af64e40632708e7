//! Value layouts for floats without a short decimal view, on their raw bit patterns:
//! - *float bits*: order-preserving bit patterns (negative values flip their magnitude) as one
//!   integer sequence, so slowly moving values of either sign give small deltas;
//! - *split float*: sign and exponent (12 bits, sign moved to the lowest bit) as one integer
//!   sequence and the 52 mantissa bits as another, for noise-like values whose exponent
//!   barely moves but whose mantissa is random.

use super::byte_io::ByteReader;
use super::int_sequence::{decode_int_sequence, encode_int_sequence};
use crate::EncodingError;

const MANTISSA_BITS: u32 = 52;
const MANTISSA_MASK: u64 = (1 << MANTISSA_BITS) - 1;

/// Maps float bits to integers that sort like the floats (negative values flip their magnitude),
/// so slowly moving values of either sign give small deltas. The map is its own inverse.
pub(crate) fn order_preserving_bits(value: f64) -> i64 {
    let bits = value.to_bits() as i64;
    if bits < 0 {
        bits ^ i64::MAX
    } else {
        bits
    }
}

pub(crate) fn from_order_preserving_bits(mapped: i64) -> f64 {
    let bits = if mapped < 0 {
        mapped ^ i64::MAX
    } else {
        mapped
    };
    f64::from_bits(bits as u64)
}

/// Appends the float-bits layout.
pub(crate) fn encode_float_bits(values: &[f64], out: &mut Vec<u8>) {
    let patterns: Vec<i64> = values
        .iter()
        .map(|&value| order_preserving_bits(value))
        .collect();
    encode_int_sequence(&patterns, out);
}

pub(crate) fn decode_float_bits(
    reader: &mut ByteReader<'_>,
    count: usize,
    out: &mut Vec<f64>,
) -> Result<(), EncodingError> {
    let mut patterns = Vec::with_capacity(count);
    decode_int_sequence(reader, count, &mut patterns)?;
    out.extend(
        patterns
            .iter()
            .map(|&mapped| from_order_preserving_bits(mapped)),
    );
    Ok(())
}

/// Exponent with the sign as its lowest bit: values of both signs around one magnitude then
/// differ by a few units instead of 2048.
fn exponent_and_sign(bits: u64) -> i64 {
    ((((bits >> MANTISSA_BITS) & 0x7ff) << 1) | (bits >> 63)) as i64
}

/// Appends the split-float layout.
pub(crate) fn encode_split_float(values: &[f64], out: &mut Vec<u8>) {
    let exponents: Vec<i64> = values
        .iter()
        .map(|value| exponent_and_sign(value.to_bits()))
        .collect();
    let mantissas: Vec<i64> = values
        .iter()
        .map(|value| (value.to_bits() & MANTISSA_MASK) as i64)
        .collect();
    encode_int_sequence(&exponents, out);
    encode_int_sequence(&mantissas, out);
}

pub(crate) fn decode_split_float(
    reader: &mut ByteReader<'_>,
    count: usize,
    out: &mut Vec<f64>,
) -> Result<(), EncodingError> {
    let mut exponents = Vec::with_capacity(count);
    decode_int_sequence(reader, count, &mut exponents)?;
    let mut mantissas = Vec::with_capacity(count);
    decode_int_sequence(reader, count, &mut mantissas)?;
    out.extend(
        exponents
            .iter()
            .zip(&mantissas)
            .map(|(&exponent, &mantissa)| {
                let exponent = exponent as u64;
                let sign = (exponent & 1) << 63;
                let biased_exponent = ((exponent >> 1) & 0x7ff) << MANTISSA_BITS;
                f64::from_bits(sign | biased_exponent | (mantissa as u64 & MANTISSA_MASK))
            }),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_preserving_bits_sort_like_floats_and_invert() {
        let ordered = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            1e-300,
            2.0,
        ];
        let mapped: Vec<i64> = ordered.iter().map(|&v| order_preserving_bits(v)).collect();
        assert!(
            mapped.windows(2).all(|pair| pair[0] < pair[1]),
            "{mapped:?}"
        );
        for &value in &ordered {
            assert_eq!(
                from_order_preserving_bits(order_preserving_bits(value)).to_bits(),
                value.to_bits()
            );
        }
    }

    #[test]
    fn split_float_round_trips_and_beats_raw_bits_on_noise() {
        let mut state = 0x1234_5678_9abc_def1u64;
        let noise: Vec<f64> = (0..480)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 4e-4
            })
            .chain([
                f64::NAN,
                -0.0,
                f64::INFINITY,
                f64::from_bits(0x7ff0_0000_0000_0002),
            ])
            .collect();
        let mut split = Vec::new();
        encode_split_float(&noise, &mut split);
        let mut raw = Vec::new();
        encode_float_bits(&noise, &mut raw);
        assert!(
            split.len() < raw.len(),
            "split {} vs raw {}",
            split.len(),
            raw.len()
        );
        let mut reader = ByteReader::new(&split);
        let mut decoded = Vec::new();
        decode_split_float(&mut reader, noise.len(), &mut decoded).unwrap();
        reader.finish().unwrap();
        let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&decoded), bits(&noise));
    }
}
