//! Lossless coding of an `i64` sequence: the cheapest of raw / delta / delta-of-delta residuals,
//! divided by their common factor, in frame-of-reference bit-packed blocks.
//!
//! Layout (the element count is known to the caller and not stored):
//! ```text
//! header u8      bits 0-1 order (0 raw, 1 delta, 2 delta-of-delta, 3 constant)
//!                bit 2 common factor present, bits 3-5 log2(block length) - 5, bits 6-7 zero
//! constant:      ivarint value                                   (nothing else follows)
//! order >= 1:    ivarint first value; order 2 also ivarint first delta
//! factor:        uvarint f >= 2; every residual minus the smallest one is a multiple of f
//! per block:     u8 width, ivarint (block minimum - previous block minimum),
//!                ceil(len * width / 8) bytes: (residual - block minimum) / f, LSB-first
//! ```
//! All arithmetic wraps, so any `i64` sequence (for example raw float bit patterns) round-trips.

use super::bit_packing::{bit_width, pack_block, packed_len, unpack_block, MAX_BLOCK_LEN};
use super::byte_io::{put_ivarint, put_uvarint, uvarint_len, zigzag_encode, ByteReader};
use super::error;
use crate::EncodingError;

const ORDER_CONSTANT: u8 = 3;
const MIN_BLOCK_LOG2: u32 = 5;
const MAX_BLOCK_LOG2: u32 = 9;
const HAS_FACTOR_BIT: u8 = 1 << 2;

/// Which residual transform and packing parameters a sequence is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SequencePlan {
    order: u8,
    block_log2: u32,
    factor: u64,
    encoded_len: usize,
}

/// Appends `values` in the cheapest layout this module knows.
pub(crate) fn encode_int_sequence(values: &[i64], out: &mut Vec<u8>) {
    let Some(&first) = values.first() else {
        return;
    };
    if values.iter().all(|&value| value == first) {
        out.push(ORDER_CONSTANT);
        put_ivarint(out, first);
        return;
    }
    let mut best: Option<(SequencePlan, Vec<i64>)> = None;
    for order in 0..=2u8 {
        if values.len() <= usize::from(order) {
            break;
        }
        let residuals = residuals_of_order(values, order);
        let plan = cheapest_plan(values, order, &residuals);
        if best
            .as_ref()
            .is_none_or(|(known, _)| plan.encoded_len < known.encoded_len)
        {
            best = Some((plan, residuals));
        }
    }
    if let Some((plan, residuals)) = best {
        write_sequence(values, &plan, &residuals, out);
    }
}

fn residuals_of_order(values: &[i64], order: u8) -> Vec<i64> {
    let deltas = || {
        values
            .iter()
            .zip(values.iter().skip(1))
            .map(|(earlier, later)| later.wrapping_sub(*earlier))
    };
    match order {
        0 => values.to_vec(),
        1 => deltas().collect(),
        _ => {
            let first_order: Vec<i64> = deltas().collect();
            first_order
                .iter()
                .zip(first_order.iter().skip(1))
                .map(|(earlier, later)| later.wrapping_sub(*earlier))
                .collect()
        }
    }
}

fn common_factor(residuals: &[i64]) -> u64 {
    let Some(&minimum) = residuals.iter().min() else {
        return 1;
    };
    let mut factor = 0u64;
    for &residual in residuals {
        factor = greatest_common_divisor(factor, residual.wrapping_sub(minimum) as u64);
        if factor == 1 {
            return 1;
        }
    }
    factor.max(1)
}

fn greatest_common_divisor(mut a: u64, mut b: u64) -> u64 {
    if a == 0 {
        return b;
    }
    if b == 0 {
        return a;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

fn cheapest_plan(values: &[i64], order: u8, residuals: &[i64]) -> SequencePlan {
    let factor = common_factor(residuals);
    let mut fixed_len = 1usize;
    if order >= 1 {
        fixed_len += uvarint_len(zigzag_encode(values.first().copied().unwrap_or(0)));
    }
    if order >= 2 {
        let first_delta = match values {
            [a, b, ..] => b.wrapping_sub(*a),
            _ => 0,
        };
        fixed_len += uvarint_len(zigzag_encode(first_delta));
    }
    if factor > 1 {
        fixed_len += uvarint_len(factor);
    }
    let mut best = SequencePlan {
        order,
        block_log2: MIN_BLOCK_LOG2,
        factor,
        encoded_len: usize::MAX,
    };
    for block_log2 in MIN_BLOCK_LOG2..=MAX_BLOCK_LOG2 {
        let blocks_len: usize = residuals
            .chunks(1 << block_log2)
            .scan(0i64, |previous_minimum, block| {
                let (minimum, width) = block_minimum_and_width(block, factor);
                let minimum_delta = minimum.wrapping_sub(*previous_minimum);
                *previous_minimum = minimum;
                Some(1 + uvarint_len(zigzag_encode(minimum_delta)) + packed_len(block.len(), width))
            })
            .sum();
        let encoded_len = fixed_len + blocks_len;
        if encoded_len < best.encoded_len {
            best.block_log2 = block_log2;
            best.encoded_len = encoded_len;
        }
        if residuals.len() <= 1 << block_log2 {
            break; // longer blocks cannot change anything once one block holds everything
        }
    }
    best
}

fn block_minimum_and_width(block: &[i64], factor: u64) -> (i64, u32) {
    let minimum = block.iter().copied().min().unwrap_or(0);
    let largest_offset = block
        .iter()
        .map(|&residual| residual.wrapping_sub(minimum) as u64 / factor)
        .max()
        .unwrap_or(0);
    (minimum, bit_width(largest_offset))
}

fn write_sequence(values: &[i64], plan: &SequencePlan, residuals: &[i64], out: &mut Vec<u8>) {
    let has_factor = plan.factor > 1;
    let header = plan.order
        | if has_factor { HAS_FACTOR_BIT } else { 0 }
        | (((plan.block_log2 - MIN_BLOCK_LOG2) as u8) << 3);
    out.push(header);
    if plan.order >= 1 {
        put_ivarint(out, values.first().copied().unwrap_or(0));
    }
    if plan.order >= 2 {
        if let [a, b, ..] = values {
            put_ivarint(out, b.wrapping_sub(*a));
        }
    }
    if has_factor {
        put_uvarint(out, plan.factor);
    }
    let mut previous_minimum = 0i64;
    for block in residuals.chunks(1 << plan.block_log2) {
        let (minimum, width) = block_minimum_and_width(block, plan.factor);
        out.push(width as u8);
        put_ivarint(out, minimum.wrapping_sub(previous_minimum));
        previous_minimum = minimum;
        let offsets = block
            .iter()
            .map(|&residual| residual.wrapping_sub(minimum) as u64 / plan.factor);
        pack_block(offsets, width, out);
    }
}

/// Reads a sequence of `count` values written by `encode_int_sequence` and appends them to `out`.
pub(crate) fn decode_int_sequence(
    reader: &mut ByteReader<'_>,
    count: usize,
    out: &mut Vec<i64>,
) -> Result<(), EncodingError> {
    if count == 0 {
        return Ok(());
    }
    let header = reader.read_u8("integer sequence header")?;
    let order = header & 0b11;
    if header & 0b1100_0000 != 0
        || ((header >> 3) & 0b111) > (MAX_BLOCK_LOG2 - MIN_BLOCK_LOG2) as u8
    {
        return Err(error::invalid_field(
            "integer sequence header",
            u64::from(header),
        ));
    }
    let start = out.len();
    out.reserve(count);
    if order == ORDER_CONSTANT {
        let value = reader.read_ivarint("constant sequence value")?;
        out.resize(start + count, value);
        return Ok(());
    }
    let order_len = usize::from(order);
    if count < order_len {
        return Err(error::invalid_field(
            "integer sequence order for its length",
            u64::from(order),
        ));
    }
    let block_len = 1usize << (u32::from((header >> 3) & 0b111) + MIN_BLOCK_LOG2);
    if order >= 1 {
        out.push(reader.read_ivarint("first value of a sequence")?);
    }
    if order >= 2 {
        out.push(reader.read_ivarint("first delta of a sequence")?);
    }
    let factor = if header & HAS_FACTOR_BIT != 0 {
        reader.read_uvarint("common factor of a sequence")?
    } else {
        1
    };
    read_residual_blocks(reader, count - order_len, block_len, factor, out)?;
    integrate(out.get_mut(start..).unwrap_or_default(), order);
    Ok(())
}

fn read_residual_blocks(
    reader: &mut ByteReader<'_>,
    residual_count: usize,
    block_len: usize,
    factor: u64,
    out: &mut Vec<i64>,
) -> Result<(), EncodingError> {
    let mut offsets = [0u64; MAX_BLOCK_LEN];
    let mut previous_minimum = 0i64;
    let mut remaining = residual_count;
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

/// Turns `[first, residuals...]` (order 1) or `[first, first delta, residuals...]` (order 2)
/// back into values, in place.
fn integrate(values: &mut [i64], order: u8) {
    match order {
        1 => {
            let Some((first, rest)) = values.split_first_mut() else {
                return;
            };
            let mut running = *first;
            for slot in rest {
                running = running.wrapping_add(*slot);
                *slot = running;
            }
        }
        2 => {
            let Some((first, rest)) = values.split_first_mut() else {
                return;
            };
            let Some((first_delta, rest)) = rest.split_first_mut() else {
                return;
            };
            let mut delta = *first_delta;
            let mut running = first.wrapping_add(delta);
            *first_delta = running;
            for slot in rest {
                delta = delta.wrapping_add(*slot);
                running = running.wrapping_add(delta);
                *slot = running;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(values: &[i64]) -> usize {
        let mut encoded = Vec::new();
        encode_int_sequence(values, &mut encoded);
        let mut reader = ByteReader::new(&encoded);
        let mut decoded = Vec::new();
        decode_int_sequence(&mut reader, values.len(), &mut decoded).unwrap();
        reader.finish().unwrap();
        assert_eq!(decoded, values);
        encoded.len()
    }

    #[test]
    fn picks_cheap_layouts_for_regular_shapes() {
        let constant = vec![42i64; 480];
        assert!(round_trip(&constant) <= 2);
        let linear: Vec<i64> = (0..480).map(|i| 1_000 + 15_000 * i).collect();
        assert!(
            round_trip(&linear) <= 16,
            "linear costs {}",
            round_trip(&linear)
        );
        let pages: Vec<i64> = (0..480)
            .map(|i| 4096 * (1_000_000 + (i * 7919) % 1000))
            .collect();
        // 1000 distinct page counts need 10 bits; the 4096 factor must not cost 12 more.
        assert!(round_trip(&pages) < 480 * 10 / 8 + 40);
    }

    #[test]
    fn extreme_values_round_trip() {
        round_trip(&[i64::MIN, i64::MAX, 0, -1, i64::MIN, 1]);
        round_trip(&[i64::MAX; 3]);
        round_trip(&[7]);
        round_trip(&[i64::MIN, i64::MAX]);
        let alternating: Vec<i64> = (0..1000)
            .map(|i| if i % 2 == 0 { i64::MIN } else { i64::MAX })
            .collect();
        round_trip(&alternating);
    }
}
