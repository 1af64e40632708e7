//! The timestamp section: nothing at all for perfectly regular scrapes, otherwise the
//! deviations from the straight line between the first and last timestamp as an integer sequence.
//!
//! The first and last timestamp are known (from the header, or from the caller in the bounded
//! layout), so with `step = (last - first) / (n - 1)` the regular layout needs no bytes, and
//! jittered scrapes only store the jitter (`t[i] - first - i * step`, for the n - 2 inner
//! samples), whose integer-sequence coding may still pick deltas when scrapes were missed.

use super::byte_io::ByteReader;
use super::error;
use super::int_sequence::{decode_int_sequence, encode_int_sequence};
use crate::EncodingError;

/// How the timestamp section is laid out; stored in two bits of the block layout byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimestampLayout {
    Regular = 0,
    LineResiduals = 1,
}

impl TimestampLayout {
    pub(crate) fn from_bits(bits: u8) -> Result<Self, EncodingError> {
        match bits & 0b11 {
            0 => Ok(Self::Regular),
            1 => Ok(Self::LineResiduals),
            other => Err(error::invalid_field("timestamp layout", u64::from(other))),
        }
    }
}

/// The average step, rounded to the nearest millisecond: truncating would make a line that is
/// one millisecond short per step whenever the last scrape came a little earlier than the first
/// one, and the residuals would then drift by one per sample.
fn line_step(first: i64, last: i64, count: usize) -> i64 {
    let intervals = count.saturating_sub(1).max(1) as i128;
    let span = i128::from(last.wrapping_sub(first));
    (2 * span + intervals).div_euclid(2 * intervals) as i64
}

fn line_point(first: i64, step: i64, index: usize) -> i64 {
    first.wrapping_add(step.wrapping_mul(index as i64))
}

/// Appends the timestamp section for `timestamps` (non-empty) and returns its layout.
pub(crate) fn encode_timestamps(timestamps: &[i64], out: &mut Vec<u8>) -> TimestampLayout {
    let (Some(&first), Some(&last)) = (timestamps.first(), timestamps.last()) else {
        return TimestampLayout::Regular;
    };
    let step = line_step(first, last, timestamps.len());
    let residuals: Vec<i64> = timestamps
        .iter()
        .enumerate()
        .skip(1)
        .take(timestamps.len().saturating_sub(2))
        .map(|(index, &timestamp)| timestamp.wrapping_sub(line_point(first, step, index)))
        .collect();
    let last_matches = last == line_point(first, step, timestamps.len() - 1);
    if last_matches && residuals.iter().all(|&residual| residual == 0) {
        return TimestampLayout::Regular;
    }
    encode_int_sequence(&residuals, out);
    TimestampLayout::LineResiduals
}

/// Reads `count` timestamps spanning `first..=last` and appends them to `out`.
pub(crate) fn decode_timestamps(
    reader: &mut ByteReader<'_>,
    layout: TimestampLayout,
    first: i64,
    last: i64,
    count: usize,
    out: &mut Vec<i64>,
) -> Result<(), EncodingError> {
    if count == 1 && first != last {
        return Err(EncodingError::Corrupt(format!(
            "block codec: one sample, but first timestamp {first} != last timestamp {last}"
        )));
    }
    out.reserve(count);
    let step = line_step(first, last, count);
    match layout {
        TimestampLayout::Regular => {
            // The encoder only picks this layout when the span splits into equal steps; other
            // bounds (a corrupt header or a chunk meta that is not this chunk's) would make
            // a last timestamp the line does not reach.
            if count >= 2 && line_point(first, step, count - 1) != last {
                return Err(EncodingError::Corrupt(format!(
                    "block codec: {count} regular timestamps cannot span {first}..={last}"
                )));
            }
            // A running sum rather than `first + step * index`: vector units have no 64-bit
            // multiply on baseline x86-64, but add induction variables vectorize well.
            let mut point = first;
            out.extend((0..count).map(|_| {
                let current = point;
                point = point.wrapping_add(step);
                current
            }));
        }
        TimestampLayout::LineResiduals => {
            if count < 3 {
                return Err(error::invalid_field(
                    "timestamp layout for fewer than three samples",
                    count as u64,
                ));
            }
            let start = out.len();
            out.push(first);
            decode_int_sequence(reader, count - 2, out)?;
            let mut point = first;
            for slot in out.iter_mut().skip(start + 1) {
                point = point.wrapping_add(step);
                *slot = slot.wrapping_add(point);
            }
            out.push(last);
        }
    }
    Ok(())
}
