//! Rice coding of residuals around their median, stored as two bit streams so decoding has no
//! serial dependency between values: the fixed-width remainders unpack independently, and the
//! unary quotients are found one set bit at a time (`trailing_zeros`, then clear the lowest bit).
//!
//! With `z = zigzag((residual - median) / factor)` (or `z = (residual - minimum) / factor` for
//! one-sided residuals, a separate packer code) and per-partition parameter `k`, each value is
//! `z = (q << k) | remainder`:
//! ```text
//! ivarint   center: the median (or minimum) residual
//! stream 1  per partition: 6 bits k (0..=56), then k bits of remainder per value
//!           (0 for escaped values); LSB-first, padded to a byte
//! stream 2  per value: min(q, 32) zero bits, then a one bit; padded to a byte
//! escapes   for every value whose quotient is 32 or more, in order: uvarint z
//! ```
//! Offsets from the minimum are divided by the common factor before centering, and the decoder
//! rebuilds `center + s * factor` with wrapping arithmetic, which is exact modulo 2^64.

use super::bit_stream::{BitCursor, BitWriter};
use super::byte_io::{
    put_ivarint, put_uvarint, uvarint_len, zigzag_decode, zigzag_encode, ByteReader,
};
use super::error;
use super::for_packing::ExactDivisor;
use crate::EncodingError;

const ESCAPE_QUOTIENT: u64 = 32;
const MAX_PARAMETER: u32 = 56;
const PARAMETER_BITS: u32 = 6;

/// How residuals become the unsigned numbers that are Rice-coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RiceMapping {
    /// Zigzagged signed distance from the median: for roughly symmetric residuals.
    AroundMedian,
    /// Distance above the minimum: for one-sided, skewed residuals (no bit spent on a sign).
    AboveMinimum,
}

/// Residuals as unsigned distances from a center, in units of `factor`.
#[derive(Debug, Clone)]
pub(crate) struct CenteredResiduals {
    center: i64,
    zigzags: Vec<u64>,
}

/// The residuals mapped as `mapping` says.
pub(crate) fn center_residuals(
    residuals: &[i64],
    factor: u64,
    mapping: RiceMapping,
) -> CenteredResiduals {
    if mapping == RiceMapping::AboveMinimum {
        let minimum = residuals.iter().copied().min().unwrap_or(0);
        let divisor = ExactDivisor::new(factor);
        return CenteredResiduals {
            center: minimum,
            zigzags: residuals
                .iter()
                .map(|&residual| divisor.divide(residual.wrapping_sub(minimum) as u64))
                .collect(),
        };
    }
    center_around_median(residuals, factor)
}

fn center_around_median(residuals: &[i64], factor: u64) -> CenteredResiduals {
    let minimum = residuals.iter().copied().min().unwrap_or(0);
    let divisor = ExactDivisor::new(factor);
    let offsets: Vec<u64> = residuals
        .iter()
        .map(|&residual| divisor.divide(residual.wrapping_sub(minimum) as u64))
        .collect();
    let mut scratch = offsets.clone();
    let middle = scratch.len() / 2;
    let center_offset = if scratch.is_empty() {
        0
    } else {
        *scratch.select_nth_unstable(middle).1
    };
    CenteredResiduals {
        center: minimum.wrapping_add(center_offset.wrapping_mul(factor) as i64),
        zigzags: offsets
            .iter()
            .map(|&offset| zigzag_encode(offset.wrapping_sub(center_offset) as i64))
            .collect(),
    }
}

/// Bits one value costs with `parameter`, escapes counted with their varint.
fn value_bits(zigzag: u64, parameter: u32) -> u64 {
    let quotient = zigzag >> parameter;
    if quotient < ESCAPE_QUOTIENT {
        quotient + 1 + u64::from(parameter)
    } else {
        ESCAPE_QUOTIENT + 1 + u64::from(parameter) + 8 * uvarint_len(zigzag) as u64
    }
}

/// The cheapest parameter for one partition and its cost in bits (parameter field included).
fn best_parameter(partition: &[u64]) -> (u32, u64) {
    let sum: u128 = partition.iter().map(|&z| u128::from(z)).sum();
    let mean = (sum / partition.len().max(1) as u128) as u64;
    // The optimum sits near log2(mean) - 0.5; bit_length(mean) - 3 ..= bit_length(mean) covers it.
    let guess = 64 - mean.leading_zeros();
    let high = guess.min(MAX_PARAMETER);
    let low = guess.saturating_sub(3).min(high);
    (low..=high)
        .map(|parameter| {
            let bits: u64 = partition.iter().map(|&z| value_bits(z, parameter)).sum();
            (parameter, bits + u64::from(PARAMETER_BITS))
        })
        .min_by_key(|&(_, bits)| bits)
        .unwrap_or((0, 0))
}

/// Bytes `write_rice` appends for these centered residuals in partitions of `partition_len`.
pub(crate) fn rice_len(centered: &CenteredResiduals, partition_len: usize) -> usize {
    let bits: u64 = centered
        .zigzags
        .chunks(partition_len)
        .map(|partition| best_parameter(partition).1)
        .sum();
    // Two streams, each padded to a byte: count one byte of padding on average.
    uvarint_len(zigzag_encode(centered.center)) + bits.div_ceil(8) as usize + 1
}

/// Appends centered residuals Rice-coded in partitions of `partition_len`.
pub(crate) fn write_rice(centered: &CenteredResiduals, partition_len: usize, out: &mut Vec<u8>) {
    put_ivarint(out, centered.center);
    let parameters: Vec<u32> = centered
        .zigzags
        .chunks(partition_len)
        .map(|partition| best_parameter(partition).0)
        .collect();
    let mut remainders = BitWriter::new(out);
    for (partition, &parameter) in centered.zigzags.chunks(partition_len).zip(&parameters) {
        remainders.write(u64::from(parameter), PARAMETER_BITS);
        for &zigzag in partition {
            let escaped = zigzag >> parameter >= ESCAPE_QUOTIENT;
            remainders.write(if escaped { 0 } else { zigzag }, parameter);
        }
    }
    remainders.finish();
    let mut escapes = Vec::new();
    let mut quotients = BitWriter::new(out);
    for (partition, &parameter) in centered.zigzags.chunks(partition_len).zip(&parameters) {
        for &zigzag in partition {
            let quotient = (zigzag >> parameter).min(ESCAPE_QUOTIENT);
            if quotient == ESCAPE_QUOTIENT {
                escapes.push(zigzag);
            }
            quotients.write(1u64 << quotient, quotient as u32 + 1);
        }
    }
    quotients.finish();
    for zigzag in escapes {
        put_uvarint(out, zigzag);
    }
}

/// Reads `count` Rice-coded residuals and appends them to `out`.
pub(crate) fn read_rice(
    reader: &mut ByteReader<'_>,
    count: usize,
    partition_len: usize,
    factor: u64,
    mapping: RiceMapping,
    out: &mut Vec<i64>,
) -> Result<(), EncodingError> {
    let center = reader.read_ivarint("Rice center")?;
    let start = out.len();
    out.resize(start + count, 0);
    let slots = out.get_mut(start..).unwrap_or_default();

    // Stream 1: parameters and remainders (stored in the output slots for now).
    let mut parameters = Vec::with_capacity(count.div_ceil(partition_len.max(1)));
    let mut cursor = BitCursor::new(reader.rest());
    for partition in slots.chunks_mut(partition_len.max(1)) {
        let parameter = cursor.read(PARAMETER_BITS) as u32;
        if parameter > MAX_PARAMETER {
            return Err(error::invalid_field("Rice parameter", u64::from(parameter)));
        }
        parameters.push(parameter);
        cursor.unpack_fixed_width(parameter, partition);
    }
    if cursor.overran() {
        return Err(error::truncated());
    }
    reader.skip(cursor.consumed_bytes(), "Rice remainders")?;

    // Stream 2: unary quotients, combined with the remainders in place.
    let mut quotients = UnaryReader::new(reader.rest());
    let mut escaped = Vec::new();
    let partitions = slots.chunks_mut(partition_len.max(1)).zip(&parameters);
    for (partition_index, (partition, &parameter)) in partitions.enumerate() {
        let first_index = partition_index * partition_len;
        let combine = PartitionCombine {
            parameter,
            center,
            factor: factor as i64,
        };
        let had_escapes = match mapping {
            RiceMapping::AroundMedian => combine.run::<true>(&mut quotients, partition)?,
            RiceMapping::AboveMinimum => combine.run::<false>(&mut quotients, partition)?,
        };
        if had_escapes {
            // Rare: find the escaped values of this partition again, from their quotients.
            record_escapes(&quotients, partition_len, first_index, &mut escaped);
        }
    }
    reader.skip(quotients.consumed_bytes(), "Rice quotients")?;
    for index in escaped {
        let zigzag = reader.read_uvarint("Rice escaped value")?;
        if let Some(slot) = slots.get_mut(index) {
            let distance = unmap(zigzag, mapping == RiceMapping::AroundMedian);
            *slot = center.wrapping_add(distance.wrapping_mul(factor as i64));
        }
    }
    Ok(())
}

/// The signed distance from the center a coded number stands for.
#[inline(always)]
fn unmap(coded: u64, around_median: bool) -> i64 {
    if around_median {
        zigzag_decode(coded)
    } else {
        coded as i64
    }
}

/// Turns one partition's remainders into residuals, given its parameter.
struct PartitionCombine {
    parameter: u32,
    center: i64,
    factor: i64,
}

impl PartitionCombine {
    /// Returns whether the partition had escaped values (their slots then hold garbage until
    /// the escapes are read). Kept small and local so the loop state stays in registers.
    #[inline(never)]
    fn run<const AROUND_MEDIAN: bool>(
        &self,
        quotients: &mut UnaryReader<'_>,
        partition: &mut [i64],
    ) -> Result<bool, EncodingError> {
        let mut state = quotients.state;
        let mut any_escape = false;
        for slot in partition.iter_mut() {
            while state.word == 0 {
                state = quotients.refill(state).ok_or_else(error::truncated)?;
            }
            let one_position = state.word_base + u64::from(state.word.trailing_zeros());
            let quotient = one_position - state.consumed_bits;
            state.consumed_bits = one_position + 1;
            state.word &= state.word - 1;
            if quotient >= ESCAPE_QUOTIENT {
                if quotient > ESCAPE_QUOTIENT {
                    return Err(error::invalid_field("Rice quotient", quotient));
                }
                any_escape = true;
            }
            let zigzag = (quotient << self.parameter) | (*slot as u64);
            let distance = unmap(zigzag, AROUND_MEDIAN);
            *slot = self.center.wrapping_add(distance.wrapping_mul(self.factor));
        }
        quotients.previous_partition_start = quotients.state.consumed_bits;
        quotients.state = state;
        Ok(any_escape)
    }
}

/// Re-reads the quotients of the partition just decoded and records which values escaped.
#[cold]
fn record_escapes(
    quotients: &UnaryReader<'_>,
    partition_len: usize,
    first_index: usize,
    escaped: &mut Vec<usize>,
) {
    let mut replay = UnaryReader::new(quotients.bytes);
    replay.seek(quotients.previous_partition_start);
    for offset in 0..partition_len {
        if replay.state.consumed_bits >= quotients.state.consumed_bits {
            break;
        }
        let mut state = replay.state;
        while state.word == 0 {
            match replay.refill(state) {
                Some(next) => state = next,
                None => return,
            }
        }
        let one_position = state.word_base + u64::from(state.word.trailing_zeros());
        let quotient = one_position - state.consumed_bits;
        state.consumed_bits = one_position + 1;
        state.word &= state.word - 1;
        replay.state = state;
        if quotient >= ESCAPE_QUOTIENT {
            escaped.push(first_index + offset);
        }
    }
}

/// Where a unary reader stands: copied into locals by the hot loop.
#[derive(Debug, Clone, Copy)]
struct UnaryState {
    /// Bits of the current word not yet consumed (consumed ones are cleared).
    word: u64,
    /// Bit position of bit 0 of `word` in the stream.
    word_base: u64,
    /// Bit position just after the last one bit returned.
    consumed_bits: u64,
}

/// Finds unary codes (zeros closed by a one) in a byte stream, one word at a time.
struct UnaryReader<'a> {
    bytes: &'a [u8],
    state: UnaryState,
    /// Where the partition decoded last started (to replay it when it had escapes).
    previous_partition_start: u64,
}

impl<'a> UnaryReader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        let mut reader = Self {
            bytes,
            state: UnaryState {
                word: 0,
                word_base: 0,
                consumed_bits: 0,
            },
            previous_partition_start: 0,
        };
        reader.seek(0);
        reader
    }

    /// Positions the reader at `bit` (only used to replay a partition).
    fn seek(&mut self, bit: u64) {
        let word_base = bit - bit % 64;
        let word = self.load_word(word_base);
        let consumed_mask = if bit.is_multiple_of(64) {
            0
        } else {
            u64::MAX >> (64 - bit % 64)
        };
        self.state = UnaryState {
            word: word & !consumed_mask,
            word_base,
            consumed_bits: bit,
        };
    }

    fn load_word(&self, bit_base: u64) -> u64 {
        let byte = (bit_base / 8) as usize;
        let mut array = [0u8; 8];
        if let Some(eight) = self.bytes.get(byte..byte.saturating_add(8)) {
            array.copy_from_slice(eight);
        } else if let Some(tail) = self.bytes.get(byte..) {
            for (slot, &value) in array.iter_mut().zip(tail) {
                *slot = value;
            }
        }
        u64::from_le_bytes(array)
    }

    /// The state moved to the next word, or `None` past the end of the bytes.
    #[cold]
    fn refill(&self, state: UnaryState) -> Option<UnaryState> {
        let word_base = state.word_base + 64;
        if word_base >= (self.bytes.len() as u64).saturating_mul(8) {
            return None;
        }
        Some(UnaryState {
            word: self.load_word(word_base),
            word_base,
            consumed_bits: state.consumed_bits,
        })
    }

    fn consumed_bytes(&self) -> usize {
        self.state.consumed_bits.div_ceil(8) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Round trip with both mappings; returns the smaller encoding.
    fn round_trip(residuals: &[i64], factor: u64, partition_len: usize) -> usize {
        let mut smallest = usize::MAX;
        for mapping in [RiceMapping::AroundMedian, RiceMapping::AboveMinimum] {
            let centered = center_residuals(residuals, factor, mapping);
            let mut encoded = Vec::new();
            write_rice(&centered, partition_len, &mut encoded);
            let mut reader = ByteReader::new(&encoded);
            let mut decoded = vec![-1i64; 3];
            let count = residuals.len();
            read_rice(
                &mut reader,
                count,
                partition_len,
                factor,
                mapping,
                &mut decoded,
            )
            .unwrap();
            reader.finish().unwrap();
            assert_eq!(decoded.get(3..).unwrap(), residuals, "{mapping:?}");
            assert!(encoded.len() <= rice_len(&centered, partition_len) + 1);
            smallest = smallest.min(encoded.len());
        }
        smallest
    }

    #[test]
    fn outliers_escape_in_any_partition() {
        let mut residuals: Vec<i64> = (0..300).map(|i| (i * 37) % 11 - 5).collect();
        for &(index, value) in &[
            (0usize, i64::MAX),
            (31, -1 << 40),
            (32, 1 << 33),
            (299, i64::MIN),
            (150, 99_999),
        ] {
            residuals[index] = value;
        }
        for partition_len in [32, 64, 128, 512] {
            round_trip(&residuals, 1, partition_len);
        }
    }

    #[test]
    fn common_factor_and_wide_parameters_round_trip() {
        let residuals: Vec<i64> = (0..200).map(|i| 4096 * ((i * 7919) % 1000 - 500)).collect();
        round_trip(&residuals, 4096, 64);
        let wide: Vec<i64> = (0..200)
            .map(|i| (i as i64).wrapping_mul(0x0123_4567_89ab_cdef))
            .collect();
        round_trip(&wide, 1, 32);
        round_trip(&[], 1, 32);
        round_trip(&[5], 1, 32);
    }

    #[test]
    fn one_sided_mapping_wins_on_skewed_residuals() {
        // Mostly small with a long upper tail: no sign bit is needed above the minimum.
        let residuals: Vec<i64> = (0..512)
            .map(|i| ((i * 7919) % 97) * ((i * 31) % 97) / 40)
            .collect();
        let cost = |mapping| {
            let mut out = Vec::new();
            write_rice(&center_residuals(&residuals, 1, mapping), 64, &mut out);
            out.len()
        };
        assert!(cost(RiceMapping::AboveMinimum) < cost(RiceMapping::AroundMedian));
        round_trip(&residuals, 1, 64);
    }

    #[test]
    fn narrow_noise_costs_about_its_entropy() {
        // Uniform noise over 16 values: 4 bits of entropy; Rice with k = 3 spends about 5.
        let residuals: Vec<i64> = (0..512).map(|i| (i * 7) % 16 - 8).collect();
        let len = round_trip(&residuals, 1, 64);
        assert!(len * 8 < 512 * 5 + 80, "{len} bytes");
    }
}
