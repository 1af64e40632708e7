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

fn block_minimum_and_width(block: &[i64], factor: u64) -> (i64, u32) {
    let minimum = block.iter().copied().min().unwrap_or(0);
    let largest_offset = block
        .iter()
        .map(|&residual| residual.wrapping_sub(minimum) as u64 / factor)
        .max()
        .unwrap_or(0);
    (minimum, bit_width(largest_offset))
}

/// Bytes `write_frame_of_reference` appends for `residuals` in blocks of `block_len`.
pub(crate) fn frame_of_reference_len(residuals: &[i64], factor: u64, block_len: usize) -> usize {
    let mut previous_minimum = 0i64;
    residuals
        .chunks(block_len)
        .map(|block| {
            let (minimum, width) = block_minimum_and_width(block, factor);
            let minimum_delta = minimum.wrapping_sub(previous_minimum);
            previous_minimum = minimum;
            1 + uvarint_len(zigzag_encode(minimum_delta)) + packed_len(block.len(), width)
        })
        .sum()
}

/// Appends `residuals` (all congruent modulo `factor`) in frame-of-reference blocks.
pub(crate) fn write_frame_of_reference(
    residuals: &[i64],
    factor: u64,
    block_len: usize,
    out: &mut Vec<u8>,
) {
    let mut previous_minimum = 0i64;
    for block in residuals.chunks(block_len) {
        let (minimum, width) = block_minimum_and_width(block, factor);
        out.push(width as u8);
        put_ivarint(out, minimum.wrapping_sub(previous_minimum));
        previous_minimum = minimum;
        let offsets = block
            .iter()
            .map(|&residual| residual.wrapping_sub(minimum) as u64 / factor);
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
