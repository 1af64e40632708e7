//! Lossless coding of an `i64` sequence: the cheapest of raw / delta / delta-of-delta residuals,
//! divided by their common factor, then packed by frame of reference or Rice coding.
//!
//! Layout (the element count is known to the caller and not stored):
//! ```text
//! header u8      bits 0-1 order (0 raw, 1 delta, 2 delta-of-delta, 3 constant)
//!                bit 2 common factor present, bits 3-5 log2(block length) - 5,
//!                bits 6-7 packer (0 frame of reference, 1 Rice around the median, 2 zero
//!                runs, with the factor bit and block length zero and never nested,
//!                3 Rice above the minimum)
//! constant:      ivarint value                                   (nothing else follows)
//! order >= 1:    ivarint first value; order 2 also ivarint first delta
//! factor:        uvarint f >= 2; every residual minus the smallest one is a multiple of f
//! residuals:     see `for_packing`, `rice_packing` and `zero_runs`
//! ```
//! All arithmetic wraps, so any `i64` sequence (for example raw float bit patterns) round-trips.

use super::byte_io::{put_ivarint, put_uvarint, uvarint_len, zigzag_encode, ByteReader};
use super::error;
use super::for_packing::{
    frame_of_reference_lens, read_frame_of_reference, write_frame_of_reference, ExactDivisor,
};
use super::rice_packing::{center_residuals, read_rice, rice_len, write_rice, RiceMapping};
use super::zero_runs;
use crate::EncodingError;

const ORDER_CONSTANT: u8 = 3;
const MIN_BLOCK_LOG2: u32 = 5;
const MAX_BLOCK_LOG2: u32 = 9;
const HAS_FACTOR_BIT: u8 = 1 << 2;
const PACKER_SHIFT: u8 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Packer {
    FrameOfReference = 0,
    Rice = 1,
    ZeroRuns = 2,
    OneSidedRice = 3,
}

/// Whether a sequence may use zero runs (whose own sequences may not, which bounds nesting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nesting {
    TopLevel,
    InsideZeroRuns,
}

/// Which residual transform and packing parameters a sequence is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SequencePlan {
    order: u8,
    packer: Packer,
    block_log2: u32,
    factor: u64,
    encoded_len: usize,
}

/// Appends `values` in the cheapest layout this module knows.
pub(crate) fn encode_int_sequence(values: &[i64], out: &mut Vec<u8>) {
    encode_with_nesting(values, Nesting::TopLevel, out);
}

/// Appends `values` for use inside a zero-run packer (no further zero runs).
pub(crate) fn encode_nested_int_sequence(values: &[i64], out: &mut Vec<u8>) {
    encode_with_nesting(values, Nesting::InsideZeroRuns, out);
}

fn encode_with_nesting(values: &[i64], nesting: Nesting, out: &mut Vec<u8>) {
    let Some(&first) = values.first() else {
        return;
    };
    if values.iter().all(|&value| value == first) {
        out.push(ORDER_CONSTANT);
        put_ivarint(out, first);
        return;
    }
    // Frame-of-reference sizes are cheap to compute for every order; the slower Rice and
    // zero-run estimates only run for orders that come close to the best of them.
    let candidates: Vec<(u8, Vec<i64>, SequencePlan)> = (0..=2u8)
        .take_while(|&order| values.len() > usize::from(order))
        .map(|order| {
            let residuals = residuals_of_order(values, order);
            let plan = frame_of_reference_plan(values, order, &residuals);
            (order, residuals, plan)
        })
        .collect();
    let best_frame_of_reference = candidates
        .iter()
        .map(|(_, _, plan)| plan.encoded_len)
        .min()
        .unwrap_or(usize::MAX);
    let mut best: Option<(SequencePlan, &[i64])> = None;
    for (_, residuals, plan) in &candidates {
        let mut plan = *plan;
        if plan.encoded_len <= best_frame_of_reference.saturating_mul(3) / 2 {
            improve_with_other_packers(&mut plan, values, residuals, nesting);
        }
        if best
            .as_ref()
            .is_none_or(|(known, _)| plan.encoded_len < known.encoded_len)
        {
            best = Some((plan, residuals));
        }
    }
    if let Some((plan, residuals)) = best {
        write_sequence(values, &plan, residuals, out);
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
    let mut divisor = ExactDivisor::new(1);
    for &residual in residuals {
        let offset = residual.wrapping_sub(minimum) as u64;
        if factor != 0 && divisor.divides(offset, factor) {
            continue; // the common case once the factor has settled: no gcd needed
        }
        factor = greatest_common_divisor(factor, offset);
        if factor == 1 {
            return 1;
        }
        divisor = ExactDivisor::new(factor);
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

fn first_delta(values: &[i64]) -> i64 {
    match values {
        [a, b, ..] => b.wrapping_sub(*a),
        _ => 0,
    }
}

/// Bytes of the header fields before the residuals.
fn fixed_len(values: &[i64], order: u8, factor: u64) -> usize {
    let mut len = 1usize;
    if order >= 1 {
        len += uvarint_len(zigzag_encode(values.first().copied().unwrap_or(0)));
    }
    if order >= 2 {
        len += uvarint_len(zigzag_encode(first_delta(values)));
    }
    if factor > 1 {
        len += uvarint_len(factor);
    }
    len
}

fn block_levels(residual_count: usize) -> usize {
    let mut levels = 1;
    while levels <= (MAX_BLOCK_LOG2 - MIN_BLOCK_LOG2) as usize && residual_count > 16 << levels {
        levels += 1;
    }
    levels
}

fn frame_of_reference_plan(values: &[i64], order: u8, residuals: &[i64]) -> SequencePlan {
    let factor = common_factor(residuals);
    let fixed = fixed_len(values, order, factor);
    let lens = frame_of_reference_lens(residuals, factor, block_levels(residuals.len()));
    let (level, packed_len) = lens
        .iter()
        .copied()
        .enumerate()
        .min_by_key(|&(_, len)| len)
        .unwrap_or((0, 0));
    SequencePlan {
        order,
        packer: Packer::FrameOfReference,
        block_log2: MIN_BLOCK_LOG2 + level as u32,
        factor,
        encoded_len: fixed + packed_len,
    }
}

fn improve_with_other_packers(
    plan: &mut SequencePlan,
    values: &[i64],
    residuals: &[i64],
    nesting: Nesting,
) {
    let fixed = fixed_len(values, plan.order, plan.factor);
    for (packer, mapping) in [
        (Packer::Rice, RiceMapping::AroundMedian),
        (Packer::OneSidedRice, RiceMapping::AboveMinimum),
    ] {
        let centered = center_residuals(residuals, plan.factor, mapping);
        for level in 0..block_levels(residuals.len()) {
            let block_log2 = MIN_BLOCK_LOG2 + level as u32;
            let len = fixed + rice_len(&centered, 1 << block_log2);
            if len < plan.encoded_len {
                plan.packer = packer;
                plan.block_log2 = block_log2;
                plan.encoded_len = len;
            }
        }
    }
    if nesting == Nesting::TopLevel && zero_runs::worth_trying(residuals) {
        let mut packed = Vec::new();
        zero_runs::write_zero_runs(residuals, &mut packed);
        let unfactored = fixed
            - if plan.factor > 1 {
                uvarint_len(plan.factor)
            } else {
                0
            };
        if unfactored + packed.len() < plan.encoded_len {
            plan.packer = Packer::ZeroRuns;
            plan.block_log2 = MIN_BLOCK_LOG2;
            plan.factor = 1;
            plan.encoded_len = unfactored + packed.len();
        }
    }
}

fn write_sequence(values: &[i64], plan: &SequencePlan, residuals: &[i64], out: &mut Vec<u8>) {
    let has_factor = plan.factor > 1;
    let header = plan.order
        | if has_factor { HAS_FACTOR_BIT } else { 0 }
        | (((plan.block_log2 - MIN_BLOCK_LOG2) as u8) << 3)
        | ((plan.packer as u8) << PACKER_SHIFT);
    out.push(header);
    if plan.order >= 1 {
        put_ivarint(out, values.first().copied().unwrap_or(0));
    }
    if plan.order >= 2 {
        put_ivarint(out, first_delta(values));
    }
    if has_factor {
        put_uvarint(out, plan.factor);
    }
    let block_len = 1usize << plan.block_log2;
    match plan.packer {
        Packer::FrameOfReference => {
            write_frame_of_reference(residuals, plan.factor, block_len, out)
        }
        Packer::Rice => write_rice(
            &center_residuals(residuals, plan.factor, RiceMapping::AroundMedian),
            block_len,
            out,
        ),
        Packer::OneSidedRice => write_rice(
            &center_residuals(residuals, plan.factor, RiceMapping::AboveMinimum),
            block_len,
            out,
        ),
        Packer::ZeroRuns => zero_runs::write_zero_runs(residuals, out),
    }
}

/// Reads a sequence of `count` values written by `encode_int_sequence` and appends them to `out`.
pub(crate) fn decode_int_sequence(
    reader: &mut ByteReader<'_>,
    count: usize,
    out: &mut Vec<i64>,
) -> Result<(), EncodingError> {
    decode_with_nesting(reader, count, Nesting::TopLevel, out)
}

/// Reads a sequence written by `encode_nested_int_sequence`.
pub(crate) fn decode_nested_int_sequence(
    reader: &mut ByteReader<'_>,
    count: usize,
    out: &mut Vec<i64>,
) -> Result<(), EncodingError> {
    decode_with_nesting(reader, count, Nesting::InsideZeroRuns, out)
}

fn decode_with_nesting(
    reader: &mut ByteReader<'_>,
    count: usize,
    nesting: Nesting,
    out: &mut Vec<i64>,
) -> Result<(), EncodingError> {
    if count == 0 {
        return Ok(());
    }
    let header = reader.read_u8("integer sequence header")?;
    let order = header & 0b11;
    let block_log2 = u32::from((header >> 3) & 0b111) + MIN_BLOCK_LOG2;
    let packer = header >> PACKER_SHIFT;
    let zero_runs_misused = packer == Packer::ZeroRuns as u8
        && (nesting == Nesting::InsideZeroRuns || header & 0b0011_1100 != 0);
    if zero_runs_misused || block_log2 > MAX_BLOCK_LOG2 {
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
    let residual_count = count - order_len;
    let block_len = 1usize << block_log2;
    if packer == Packer::Rice as u8 {
        let mapping = RiceMapping::AroundMedian;
        read_rice(reader, residual_count, block_len, factor, mapping, out)?;
    } else if packer == Packer::OneSidedRice as u8 {
        let mapping = RiceMapping::AboveMinimum;
        read_rice(reader, residual_count, block_len, factor, mapping, out)?;
    } else if packer == Packer::ZeroRuns as u8 {
        zero_runs::read_zero_runs(reader, residual_count, out)?;
    } else {
        read_frame_of_reference(reader, residual_count, block_len, factor, out)?;
    }
    integrate(out.get_mut(start..).unwrap_or_default(), order);
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
    fn skewed_residuals_cost_less_than_their_range() {
        // Mostly zero increments with rare small steps: frame of reference would spend two
        // bits on every value, Rice about one.
        let mut total = 0i64;
        let quiet: Vec<i64> = (0..480)
            .map(|i| {
                total += if i % 10 == 3 { 1 + i % 3 } else { 0 };
                total
            })
            .collect();
        let len = round_trip(&quiet);
        assert!(len < 480 * 2 / 8, "quiet counter costs {len}");
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
        let mostly_small_one_huge: Vec<i64> = (0..300)
            .map(|i| if i == 150 { i64::MAX - 5 } else { i % 7 })
            .collect();
        round_trip(&mostly_small_one_huge);
        let even_with_wide_range: Vec<i64> = (0..200)
            .map(|i| {
                if i % 3 == 0 {
                    i64::MIN
                } else {
                    i64::MAX - 1 - 2 * (i % 5)
                }
            })
            .collect();
        round_trip(&even_with_wide_range);
    }
}
