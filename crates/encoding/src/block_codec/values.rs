//! The value section: constant, decimal mantissas, or raw float bits (whole or split) —
//! whichever is smallest for the series. The layout is stored in the block layout byte.
//!
//! ```text
//! constant bits      u64 little-endian bit pattern
//! constant decimal   u8 decimals, ivarint mantissa
//! decimal            see `decimal_layout`
//! float bits, split  see `float_bits`
//! ```

use super::byte_io::{put_ivarint, ByteReader};
use super::decimal::{decimal_to_f64, shortest_decimal};
use super::decimal_layout::{
    candidate_decimal_counts, decode_decimal, encode_decimal, read_divisor,
};
use super::error;
use super::float_bits::{
    decode_float_bits, decode_split_float, encode_float_bits, encode_split_float,
};
use crate::EncodingError;

/// How the value section is laid out; stored in three bits of the block layout byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueLayout {
    ConstantBits = 0,
    Decimal = 1,
    FloatBits = 2,
    ConstantDecimal = 3,
    SplitFloat = 4,
}

impl ValueLayout {
    pub(crate) fn from_bits(bits: u8) -> Result<Self, EncodingError> {
        match bits {
            0 => Ok(Self::ConstantBits),
            1 => Ok(Self::Decimal),
            2 => Ok(Self::FloatBits),
            3 => Ok(Self::ConstantDecimal),
            4 => Ok(Self::SplitFloat),
            other => Err(error::invalid_field("value layout", u64::from(other))),
        }
    }
}

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
    encode_float_bits(values, &mut best);
    let mut candidate = Vec::new();
    for decimals in candidate_decimal_counts(&views) {
        candidate.clear();
        if encode_decimal(values, &views, decimals, &mut candidate) && candidate.len() < best.len()
        {
            std::mem::swap(&mut best, &mut candidate);
            best_layout = ValueLayout::Decimal;
        }
    }
    if best_layout != ValueLayout::Decimal {
        candidate.clear();
        encode_split_float(values, &mut candidate);
        if candidate.len() < best.len() {
            std::mem::swap(&mut best, &mut candidate);
            best_layout = ValueLayout::SplitFloat;
        }
    }
    out.extend_from_slice(&best);
    best_layout
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
        ValueLayout::FloatBits => decode_float_bits(reader, count, out)?,
        ValueLayout::SplitFloat => decode_split_float(reader, count, out)?,
        ValueLayout::Decimal => decode_decimal(reader, count, out)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
