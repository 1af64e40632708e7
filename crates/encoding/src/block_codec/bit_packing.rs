//! Fixed-width bit packing of one block of unsigned integers (LSB-first, byte-aligned block end).
//!
//! A block of `count` values of `width` bits occupies exactly `packed_len(count, width)` bytes.
//! Unpacking copies the block into a zero-padded stack buffer first, so the hot loop can load
//! whole 64-bit words without reading past the caller's slice and without per-value length checks.

/// The largest number of values a single packed block may hold.
pub(crate) const MAX_BLOCK_LEN: usize = 512;

/// Bytes occupied by `count` values of `width` bits.
pub(crate) fn packed_len(count: usize, width: u32) -> usize {
    (count * width as usize).div_ceil(8)
}

/// Bits needed to represent `value` (0 for 0).
pub(crate) fn bit_width(value: u64) -> u32 {
    64 - value.leading_zeros()
}

/// Appends `values`, each truncated to its low `width` bits, packed LSB-first.
pub(crate) fn pack_block(values: impl Iterator<Item = u64>, width: u32, out: &mut Vec<u8>) {
    if width == 0 {
        return;
    }
    let mask = low_bits_mask(width);
    let mut accumulator: u128 = 0;
    let mut pending_bits: u32 = 0;
    for value in values {
        accumulator |= u128::from(value & mask) << pending_bits;
        pending_bits += width;
        if pending_bits >= 64 {
            out.extend_from_slice(&(accumulator as u64).to_le_bytes());
            accumulator >>= 64;
            pending_bits -= 64;
        }
    }
    let tail_bytes = pending_bits.div_ceil(8) as usize;
    out.extend_from_slice(
        accumulator
            .to_le_bytes()
            .get(..tail_bytes)
            .unwrap_or_default(),
    );
}

fn low_bits_mask(width: u32) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

/// Unpacks `out.len()` values of `width` bits from `packed`.
///
/// `packed` must be exactly `packed_len(out.len(), width)` bytes (the caller reads it with a
/// bounds-checked slice), `out.len() <= MAX_BLOCK_LEN` and `width <= 64`; otherwise the values are
/// unspecified but nothing panics.
pub(crate) fn unpack_block(packed: &[u8], width: u32, out: &mut [u64]) {
    if width == 0 || width > 64 {
        out.fill(0);
        return;
    }
    // Room for the largest block plus 16 bytes of slack for the last wide load.
    let mut padded = [0u8; MAX_BLOCK_LEN * 8 + 16];
    let copy_len = packed.len().min(MAX_BLOCK_LEN * 8);
    if let (Some(destination), Some(source)) = (padded.get_mut(..copy_len), packed.get(..copy_len))
    {
        destination.copy_from_slice(source);
    }
    let mask = low_bits_mask(width);
    let width = width as usize;
    if width <= 56 {
        // A value starting at bit offset 0..7 of a byte ends within the next 8 bytes.
        for (index, slot) in out.iter_mut().enumerate() {
            let bit = index * width;
            let word = load_u64_le(&padded, bit >> 3);
            *slot = (word >> (bit & 7)) & mask;
        }
    } else {
        for (index, slot) in out.iter_mut().enumerate() {
            let bit = index * width;
            let low = load_u64_le(&padded, bit >> 3);
            let high = load_u64_le(&padded, (bit >> 3) + 8);
            let wide = u128::from(low) | (u128::from(high) << 64);
            *slot = ((wide >> (bit & 7)) as u64) & mask;
        }
    }
}

#[inline(always)]
fn load_u64_le(buffer: &[u8; MAX_BLOCK_LEN * 8 + 16], offset: usize) -> u64 {
    match buffer.get(offset..offset + 8) {
        Some(bytes) => {
            let mut array = [0u8; 8];
            array.copy_from_slice(bytes);
            u64::from_le_bytes(array)
        }
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_width_round_trips_including_partial_blocks() {
        for width in 0..=64u32 {
            for count in [0usize, 1, 7, 63, 64, 65, 128, 511, MAX_BLOCK_LEN] {
                let mask = low_bits_mask(width);
                let values: Vec<u64> = (0..count as u64)
                    .map(|i| {
                        i.wrapping_mul(0x9E37_79B9_7F4A_7C15) & if width == 0 { 0 } else { mask }
                    })
                    .collect();
                let mut packed = Vec::new();
                pack_block(values.iter().copied(), width, &mut packed);
                assert_eq!(
                    packed.len(),
                    packed_len(count, width),
                    "w={width} n={count}"
                );
                let mut unpacked = vec![0u64; count];
                unpack_block(&packed, width, &mut unpacked);
                assert_eq!(unpacked, values, "w={width} n={count}");
            }
        }
    }
}
