//! The value section: constant, decimal mantissas with a shared exponent (plus raw-bit
//! exceptions), or order-preserving float bit patterns — whichever is smallest for the series.
//!
//! ```text
//! constant bits      u64 little-endian bit pattern
//! constant decimal   u8 decimals, ivarint mantissa
//! decimal            u8 decimals, uvarint exception count,
//!                    per exception: uvarint gap to the previous exception index, u64 LE bits,
//!                    integer sequence of mantissas (exceptions hold the previous mantissa)
//! float bits         integer sequence of order-preserving bit patterns
//! ```

use super::byte_io::{put_ivarint, put_uvarint, ByteReader};
use super::decimal::{
    decimal_to_f64, extend_with_decimals, power_of_ten, rescale, shortest_decimal, MAX_DECIMALS,
};
use super::error;
use super::int_sequence::{decode_int_sequence, encode_int_sequence};
use crate::EncodingError;

/// How the value section is laid out; stored in two bits of the block layout byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueLayout {
    ConstantBits = 0,
    Decimal = 1,
    FloatBits = 2,
    ConstantDecimal = 3,
}

impl ValueLayout {
    pub(crate) fn from_bits(bits: u8) -> Self {
        match bits & 0b11 {
            0 => Self::ConstantBits,
            1 => Self::Decimal,
            2 => Self::FloatBits,
            _ => Self::ConstantDecimal,
        }
    }
}

/// At most this fraction (1/N) of the values may be raw-bit exceptions in a decimal layout.
const MAX_EXCEPTION_FRACTION: usize = 8;

/// Encodes `values` (non-empty) in the smallest layout; returns the layout and appends its bytes.
pub(crate) fn encode_values(values: &[f64], out: &mut Vec<u8>) -> ValueLayout {
    let Some(&first) = values.first() else {
        return ValueLayout::ConstantBits;
    };
    let views: Vec<Option<(i64, u8)>> = values
        .iter()
        .map(|&value| shortest_decimal(value))
        .collect();
    if values
        .iter()
        .all(|value| value.to_bits() == first.to_bits())
    {
        return match views.first().copied().flatten() {
            Some((mantissa, decimals)) => {
                out.push(decimals);
                put_ivarint(out, mantissa);
                ValueLayout::ConstantDecimal
            }
            None => {
                out.extend_from_slice(&first.to_bits().to_le_bytes());
                ValueLayout::ConstantBits
            }
        };
    }
    let mut best_layout = ValueLayout::FloatBits;
    let mut best = Vec::new();
    let bit_patterns: Vec<i64> = values
        .iter()
        .map(|&value| order_preserving_bits(value))
        .collect();
    encode_int_sequence(&bit_patterns, &mut best);
    for decimals in candidate_decimal_counts(&views) {
        let mut candidate = Vec::new();
        if encode_decimal(values, &views, decimals, &mut candidate) && candidate.len() < best.len()
        {
            best = candidate;
            best_layout = ValueLayout::Decimal;
        }
    }
    out.extend_from_slice(&best);
    best_layout
}

/// The shared digit counts worth trying: the largest one, and smaller ones that leave few
/// values as exceptions (one odd long fraction should not inflate every mantissa).
fn candidate_decimal_counts(views: &[Option<(i64, u8)>]) -> Vec<u8> {
    let mut histogram = [0usize; MAX_DECIMALS as usize + 1];
    let mut undecimal = 0usize;
    for view in views {
        match view {
            Some((_, decimals)) => {
                if let Some(slot) = histogram.get_mut(usize::from(*decimals)) {
                    *slot += 1;
                }
            }
            None => undecimal += 1,
        }
    }
    let budget = views.len() / MAX_EXCEPTION_FRACTION;
    let mut candidates = Vec::new();
    let mut exceptions_above = undecimal;
    for decimals in (0..=MAX_DECIMALS).rev() {
        let here = histogram.get(usize::from(decimals)).copied().unwrap_or(0);
        if here > 0 && exceptions_above <= budget {
            candidates.push(decimals);
            if candidates.len() == 3 {
                break;
            }
        }
        exceptions_above += here;
    }
    candidates
}

/// Appends the decimal layout with `decimals` shared digits; false if it cannot hold the values.
fn encode_decimal(
    values: &[f64],
    views: &[Option<(i64, u8)>],
    decimals: u8,
    out: &mut Vec<u8>,
) -> bool {
    let Some(divisor) = power_of_ten(decimals) else {
        return false;
    };
    let mut mantissas = Vec::with_capacity(values.len());
    let mut exceptions: Vec<usize> = Vec::new();
    for (index, (view, value)) in views.iter().zip(values).enumerate() {
        let exact = view
            .and_then(|(mantissa, own)| rescale(mantissa, own, decimals))
            .filter(|&mantissa| decimal_to_f64(mantissa, divisor).to_bits() == value.to_bits());
        match exact {
            Some(mantissa) => mantissas.push(Some(mantissa)),
            None => {
                exceptions.push(index);
                mantissas.push(None);
            }
        }
    }
    if exceptions.len() > values.len() / MAX_EXCEPTION_FRACTION {
        return false;
    }
    // Exceptions repeat the previous mantissa (or the first real one) so deltas stay small.
    let Some(first_real) = mantissas.iter().flatten().copied().next() else {
        return false;
    };
    let mut previous = first_real;
    let filled: Vec<i64> = mantissas
        .iter()
        .map(|slot| {
            previous = slot.unwrap_or(previous);
            previous
        })
        .collect();
    out.push(decimals);
    put_uvarint(out, exceptions.len() as u64);
    let mut next_expected = 0usize;
    for &index in &exceptions {
        put_uvarint(out, (index - next_expected) as u64);
        next_expected = index + 1;
        let bits = values.get(index).map_or(0, |value| value.to_bits());
        out.extend_from_slice(&bits.to_le_bytes());
    }
    encode_int_sequence(&filled, out);
    true
}

/// Maps float bits to integers that sort like the floats (negative values flip their magnitude),
/// so slowly moving values of either sign give small deltas. The map is its own inverse.
fn order_preserving_bits(value: f64) -> i64 {
    let bits = value.to_bits() as i64;
    if bits < 0 {
        bits ^ i64::MAX
    } else {
        bits
    }
}

fn from_order_preserving_bits(mapped: i64) -> f64 {
    let bits = if mapped < 0 {
        mapped ^ i64::MAX
    } else {
        mapped
    };
    f64::from_bits(bits as u64)
}

/// Reads `count` values in `layout` and appends them to `out`.
pub(crate) fn decode_values(
    reader: &mut ByteReader<'_>,
    layout: ValueLayout,
    count: usize,
    out: &mut Vec<f64>,
) -> Result<(), EncodingError> {
    out.reserve(count);
    match layout {
        ValueLayout::ConstantBits => {
            let value = f64::from_bits(reader.read_u64_le("constant value bits")?);
            out.extend(std::iter::repeat_n(value, count));
        }
        ValueLayout::ConstantDecimal => {
            let divisor = read_divisor(reader)?;
            let mantissa = reader.read_ivarint("constant mantissa")?;
            out.extend(std::iter::repeat_n(
                decimal_to_f64(mantissa, divisor),
                count,
            ));
        }
        ValueLayout::FloatBits => {
            let mut patterns = Vec::with_capacity(count);
            decode_int_sequence(reader, count, &mut patterns)?;
            out.extend(
                patterns
                    .iter()
                    .map(|&mapped| from_order_preserving_bits(mapped)),
            );
        }
        ValueLayout::Decimal => decode_decimal(reader, count, out)?,
    }
    Ok(())
}

fn read_divisor(reader: &mut ByteReader<'_>) -> Result<f64, EncodingError> {
    let decimals = reader.read_u8("decimal digit count")?;
    power_of_ten(decimals)
        .ok_or_else(|| error::invalid_field("decimal digit count", u64::from(decimals)))
}

fn decode_decimal(
    reader: &mut ByteReader<'_>,
    count: usize,
    out: &mut Vec<f64>,
) -> Result<(), EncodingError> {
    let divisor = read_divisor(reader)?;
    let exception_count = reader.read_uvarint("exception count")?;
    if exception_count > count as u64 {
        return Err(error::invalid_field("exception count", exception_count));
    }
    let mut exceptions = Vec::with_capacity(exception_count as usize);
    let mut next_expected = 0u64;
    for _ in 0..exception_count {
        let index = next_expected.saturating_add(reader.read_uvarint("exception index gap")?);
        if index >= count as u64 {
            return Err(error::invalid_field("exception index", index));
        }
        next_expected = index + 1;
        exceptions.push((index as usize, reader.read_u64_le("exception bits")?));
    }
    let mut mantissas = Vec::with_capacity(count);
    decode_int_sequence(reader, count, &mut mantissas)?;
    let start = out.len();
    extend_with_decimals(&mantissas, divisor, out);
    for (index, bits) in exceptions {
        if let Some(slot) = out.get_mut(start + index) {
            *slot = f64::from_bits(bits);
        }
    }
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
    fn rare_specials_become_exceptions_of_a_decimal_layout() {
        let mut values: Vec<f64> = (0..240).map(|i| f64::from(i) * 0.25 + 10.5).collect();
        values[17] = f64::from_bits(0x7ff0_0000_0000_0002);
        values[200] = -0.0;
        let mut encoded = Vec::new();
        let layout = encode_values(&values, &mut encoded);
        assert_eq!(layout, ValueLayout::Decimal);
        let mut reader = ByteReader::new(&encoded);
        let mut decoded = Vec::new();
        decode_values(&mut reader, layout, values.len(), &mut decoded).unwrap();
        reader.finish().unwrap();
        let expected: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
        let got: Vec<u64> = decoded.iter().map(|v| v.to_bits()).collect();
        assert_eq!(got, expected);
    }
}
