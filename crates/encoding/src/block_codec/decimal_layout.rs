//! The decimal value layout: integer mantissas sharing one decimal exponent, with the few
//! values that have no such view (NaN, infinities, -0.0, long fractions) kept as raw bits.
//!
//! ```text
//! u8        bits 0-6 decimals (0..=22), bit 7 set when exceptions follow
//! [uvarint  exception count, then per exception: uvarint gap to the previous exception
//!           index, u64 LE bits]
//! ...       integer sequence of mantissas (exceptions repeat the previous mantissa)
//! ```

use super::byte_io::{put_uvarint, ByteReader};
use super::decimal::{decimal_to_f64, extend_with_decimals, power_of_ten, rescale, MAX_DECIMALS};
use super::error;
use super::int_sequence::{decode_int_sequence, encode_int_sequence};
use crate::EncodingError;

/// At most this fraction (1/N) of the values may be raw-bit exceptions in a decimal layout.
const MAX_EXCEPTION_FRACTION: usize = 8;
const HAS_EXCEPTIONS_BIT: u8 = 0x80;

/// The shared digit counts worth trying: the largest one, and smaller ones that leave few
/// values as exceptions (one odd long fraction should not inflate every mantissa).
pub(crate) fn candidate_decimal_counts(views: &[Option<(i64, u8)>]) -> Vec<u8> {
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
pub(crate) fn encode_decimal(
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
    if exceptions.is_empty() {
        out.push(decimals);
    } else {
        out.push(decimals | HAS_EXCEPTIONS_BIT);
        put_uvarint(out, exceptions.len() as u64);
    }
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

pub(crate) fn read_divisor(reader: &mut ByteReader<'_>) -> Result<f64, EncodingError> {
    divisor_of(reader.read_u8("decimal digit count")?)
}

fn divisor_of(decimals: u8) -> Result<f64, EncodingError> {
    power_of_ten(decimals)
        .ok_or_else(|| error::invalid_field("decimal digit count", u64::from(decimals)))
}

pub(crate) fn decode_decimal(
    reader: &mut ByteReader<'_>,
    count: usize,
    out: &mut Vec<f64>,
) -> Result<(), EncodingError> {
    let decimals_and_flag = reader.read_u8("decimal digit count")?;
    let divisor = divisor_of(decimals_and_flag & !HAS_EXCEPTIONS_BIT)?;
    let exception_count = if decimals_and_flag & HAS_EXCEPTIONS_BIT != 0 {
        reader.read_uvarint("exception count")?
    } else {
        0
    };
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
