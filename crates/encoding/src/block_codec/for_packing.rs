//! Frame-of-reference packing of residuals: blocks of fixed-width offsets above each block's
//! minimum. Best for near-uniform noise and the fastest to decode.
//!
//! ```text
//! per block:  u8 width, ivarint (block minimum - previous block minimum),
//!             ceil(len * width / 8) bytes: (residual - block minimum) / factor, LSB-first
//! ```

use super::bit_packing::{bit_width, pack_block, packed_len, unpack_block, MAX_BLOCK_LEN};
use super::byte_io::{put_ivarint, uvarint_len, zigzag_encode, ByteReader};
use super::error;
use crate::EncodingError;

/// Divides exact multiples of a factor without a division instruction: shift out the factor's
/// powers of two, then multiply by the inverse of its odd part modulo 2^64.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExactDivisor {
    shift: u32,
    odd_inverse: u64,
}

impl ExactDivisor {
    pub(crate) fn new(factor: u64) -> Self {
        let factor = factor.max(1);
        let shift = factor.trailing_zeros();
        let odd = factor >> shift;
        // Newton's iteration doubles the correct low bits each step: 3 -> 6 -> ... -> 96 >= 64.
        let mut inverse = odd;
        for _ in 0..5 {
            inverse = inverse.wrapping_mul(2u64.wrapping_sub(odd.wrapping_mul(inverse)));
        }
        Self {
            shift,
            odd_inverse: inverse,
        }
    }

    /// Whether `factor` (the one this divisor was made for) divides `value`: the quotient of a
    /// multiple fits below `u64::MAX / factor`, while any other value maps above it.
    #[inline(always)]
    pub(crate) fn divides(self, value: u64, factor: u64) -> bool {
        value.trailing_zeros() >= self.shift && self.divide(value) <= u64::MAX / factor
    }

    /// `value / factor` for `value` a multiple of the factor.
    #[inline(always)]
    pub(crate) fn divide(self, value: u64) -> u64 {
        (value >> self.shift).wrapping_mul(self.odd_inverse)
    }
}

fn block_minimum_and_width(block: &[i64], divisor: ExactDivisor) -> (i64, u32) {
    let minimum = block.iter().copied().min().unwrap_or(0);
    let maximum = block.iter().copied().max().unwrap_or(0);
    (
        minimum,
        bit_width(divisor.divide(maximum.wrapping_sub(minimum) as u64)),
    )
}

/// Bytes `write_frame_of_reference` appends, for every block length `32 << level`
/// (`level` in `0..levels`), computed in one pass: the extremes of longer blocks combine those
/// of shorter ones.
pub(crate) fn frame_of_reference_lens(residuals: &[i64], factor: u64, levels: usize) -> Vec<usize> {
    const BASE_LEN: usize = 32;
    let divisor = ExactDivisor::new(factor);
    let mut extremes: Vec<(i64, i64)> = residuals
        .chunks(BASE_LEN)
        .map(|block| {
            let minimum = block.iter().copied().min().unwrap_or(0);
            let maximum = block.iter().copied().max().unwrap_or(0);
            (minimum, maximum)
        })
        .collect();
    let mut lens = Vec::with_capacity(levels);
    let mut block_len = BASE_LEN;
    for _ in 0..levels {
        let mut previous_minimum = 0i64;
        let mut total = 0usize;
        for (index, &(minimum, maximum)) in extremes.iter().enumerate() {
            let start = index * block_len;
            let count = residuals.len().saturating_sub(start).min(block_len);
            let width = bit_width(divisor.divide(maximum.wrapping_sub(minimum) as u64));
            total += 1
                + uvarint_len(zigzag_encode(minimum.wrapping_sub(previous_minimum)))
                + packed_len(count, width);
            previous_minimum = minimum;
        }
        lens.push(total);
        extremes = extremes
            .chunks(2)
            .map(|pair| {
                pair.iter()
                    .fold((i64::MAX, i64::MIN), |(low, high), &(minimum, maximum)| {
                        (low.min(minimum), high.max(maximum))
                    })
            })
            .collect();
        block_len *= 2;
    }
    lens
}

/// Appends `residuals` (all congruent modulo `factor`) in frame-of-reference blocks.
pub(crate) fn write_frame_of_reference(
    residuals: &[i64],
    factor: u64,
    block_len: usize,
    out: &mut Vec<u8>,
) {
    let divisor = ExactDivisor::new(factor);
    let mut previous_minimum = 0i64;
    for block in residuals.chunks(block_len) {
        let (minimum, width) = block_minimum_and_width(block, divisor);
        out.push(width as u8);
        put_ivarint(out, minimum.wrapping_sub(previous_minimum));
        previous_minimum = minimum;
        let offsets = block
            .iter()
            .map(|&residual| divisor.divide(residual.wrapping_sub(minimum) as u64));
        pack_block(offsets, width, out);
    }
}

/// Reads `count` residuals in blocks of `block_len` and appends them to `out`.
pub(crate) fn read_frame_of_reference(
    reader: &mut ByteReader<'_>,
    count: usize,
    block_len: usize,
    factor: u64,
    out: &mut Vec<i64>,
) -> Result<(), EncodingError> {
    let mut offsets = [0u64; MAX_BLOCK_LEN];
    let mut previous_minimum = 0i64;
    let mut remaining = count;
    while remaining > 0 {
        let len = remaining.min(block_len).min(MAX_BLOCK_LEN);
        remaining -= len;
        let width = u32::from(reader.read_u8("block bit width")?);
        if width > 64 {
            return Err(error::invalid_field("block bit width", u64::from(width)));
        }
        let minimum = previous_minimum.wrapping_add(reader.read_ivarint("block minimum")?);
        previous_minimum = minimum;
        let packed = reader.read_slice(packed_len(len, width), "packed block")?;
        let block = offsets.get_mut(..len).unwrap_or_default();
        unpack_block(packed, width, block);
        if factor == 1 {
            out.extend(
                block
                    .iter()
                    .map(|&offset| minimum.wrapping_add(offset as i64)),
            );
        } else {
            out.extend(
                block
                    .iter()
                    .map(|&offset| minimum.wrapping_add(offset.wrapping_mul(factor) as i64)),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_division_matches_integer_division_for_multiples() {
        for factor in [1u64, 2, 3, 10, 4096, 4095, 1_000_000_007, u64::MAX, 1 << 63] {
            let divisor = ExactDivisor::new(factor);
            let largest = u64::MAX / factor;
            for quotient in [0u64, 1, 2, 7, 1 << 20, largest]
                .into_iter()
                .filter(|&q| q <= largest)
            {
                assert_eq!(
                    divisor.divide(quotient.wrapping_mul(factor)),
                    quotient,
                    "{factor}"
                );
            }
        }
    }

    #[test]
    fn divisibility_test_agrees_with_the_remainder() {
        for factor in [1u64, 2, 3, 6, 10, 4096, 12_288, 1_000_000_007] {
            let divisor = ExactDivisor::new(factor);
            for value in (0..5000u64).chain([u64::MAX, u64::MAX - 1, 1 << 63, 3 << 62]) {
                assert_eq!(
                    divisor.divides(value, factor),
                    value % factor == 0,
                    "{value} / {factor}"
                );
            }
        }
    }

    #[test]
    fn lengths_of_every_level_match_the_writer() {
        let residuals: Vec<i64> = (0..1000)
            .map(|i| 12 * ((i * 7919) % (50 + i / 10)))
            .collect();
        let lens = frame_of_reference_lens(&residuals, 12, 5);
        for (level, &len) in lens.iter().enumerate() {
            let mut out = Vec::new();
            write_frame_of_reference(&residuals, 12, 32 << level, &mut out);
            assert_eq!(out.len(), len, "level {level}");
        }
    }
}
