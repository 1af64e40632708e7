//! Zero-run packing for sparse residuals (counters that rarely move, gauges that mostly hold):
//! the lengths of the runs of zeros and the non-zero residuals, each as a nested integer
//! sequence (which picks its own transform and packer, but never zero runs again).
//!
//! ```text
//! uvarint   number of non-zero residuals m
//! sequence  m + 1 run lengths: zeros before each non-zero residual, then trailing zeros
//! sequence  the m non-zero residuals
//! ```

use super::byte_io::{put_uvarint, ByteReader};
use super::error;
use super::int_sequence::{decode_nested_int_sequence, encode_nested_int_sequence};
use crate::EncodingError;

/// Whether zero runs are worth trying: only when at least half the residuals are zero.
pub(crate) fn worth_trying(residuals: &[i64]) -> bool {
    let zeros = residuals.iter().filter(|&&residual| residual == 0).count();
    zeros * 2 >= residuals.len() && !residuals.is_empty()
}

/// Appends `residuals` as zero runs and non-zero values.
pub(crate) fn write_zero_runs(residuals: &[i64], out: &mut Vec<u8>) {
    let mut run_lengths = Vec::new();
    let mut nonzero = Vec::new();
    let mut run = 0i64;
    for &residual in residuals {
        if residual == 0 {
            run += 1;
        } else {
            run_lengths.push(run);
            nonzero.push(residual);
            run = 0;
        }
    }
    run_lengths.push(run);
    put_uvarint(out, nonzero.len() as u64);
    encode_nested_int_sequence(&run_lengths, out);
    encode_nested_int_sequence(&nonzero, out);
}

/// Reads `count` residuals written by `write_zero_runs` and appends them to `out`.
pub(crate) fn read_zero_runs(
    reader: &mut ByteReader<'_>,
    count: usize,
    out: &mut Vec<i64>,
) -> Result<(), EncodingError> {
    let nonzero_count = reader.read_uvarint("non-zero residual count")?;
    if nonzero_count > count as u64 {
        return Err(error::invalid_field(
            "non-zero residual count",
            nonzero_count,
        ));
    }
    let nonzero_count = nonzero_count as usize;
    let mut run_lengths = Vec::with_capacity(nonzero_count + 1);
    decode_nested_int_sequence(reader, nonzero_count + 1, &mut run_lengths)?;
    let mut nonzero = Vec::with_capacity(nonzero_count);
    decode_nested_int_sequence(reader, nonzero_count, &mut nonzero)?;
    let mut remaining_zeros = (count - nonzero_count) as u64;
    let bad_runs = || error::invalid_field("zero run lengths for the residual count", count as u64);
    for (index, &run) in run_lengths.iter().enumerate() {
        let run = u64::try_from(run).map_err(|_| bad_runs())?;
        remaining_zeros = remaining_zeros.checked_sub(run).ok_or_else(bad_runs)?;
        out.extend(std::iter::repeat_n(0, run as usize));
        if let Some(&value) = nonzero.get(index) {
            if value == 0 {
                return Err(error::invalid_field("non-zero residual", 0));
            }
            out.push(value);
        }
    }
    if remaining_zeros != 0 {
        return Err(bad_runs());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block_codec::int_sequence::{decode_int_sequence, encode_int_sequence};

    fn round_trip(values: &[i64]) -> Vec<u8> {
        let mut encoded = Vec::new();
        encode_int_sequence(values, &mut encoded);
        let mut reader = ByteReader::new(&encoded);
        let mut decoded = Vec::new();
        decode_int_sequence(&mut reader, values.len(), &mut decoded).unwrap();
        reader.finish().unwrap();
        assert_eq!(decoded, values);
        encoded
    }

    #[test]
    fn rarely_moving_counters_are_smaller_than_one_bit_per_sample() {
        let mut total = 50i64;
        let counter: Vec<i64> = (0..480)
            .map(|i| {
                total += if (i * 7919) % 97 < 5 { 1 + i % 3 } else { 0 };
                total
            })
            .collect();
        let encoded = round_trip(&counter);
        assert!(encoded.len() < 480 / 8, "{} bytes", encoded.len());
    }

    #[test]
    fn runs_at_both_ends_and_lone_values_round_trip() {
        let mut values = vec![0i64; 300];
        values[299] = -3;
        round_trip(&values);
        let mut residuals = vec![0i64; 300];
        residuals[0] = i64::MIN;
        residuals[1] = i64::MAX;
        let mut encoded = Vec::new();
        write_zero_runs(&residuals, &mut encoded);
        let mut decoded = Vec::new();
        read_zero_runs(
            &mut ByteReader::new(&encoded),
            residuals.len(),
            &mut decoded,
        )
        .unwrap();
        assert_eq!(decoded, residuals);
    }

    #[test]
    fn inconsistent_runs_are_errors() {
        let residuals = [0i64, 0, 5, 0, 7, 0];
        let mut encoded = Vec::new();
        write_zero_runs(&residuals, &mut encoded);
        for wrong_count in [residuals.len() - 1, residuals.len() + 1] {
            let mut decoded = Vec::new();
            let result = read_zero_runs(&mut ByteReader::new(&encoded), wrong_count, &mut decoded);
            assert!(result.is_err(), "count {wrong_count} accepted");
        }
        // A zero-run packer header inside a zero-run packer is rejected (bounded nesting).
        let mut nested = Vec::new();
        put_uvarint(&mut nested, 1);
        nested.push(2 << 6);
        let mut decoded = Vec::new();
        assert!(read_zero_runs(&mut ByteReader::new(&nested), 3, &mut decoded).is_err());
    }
}
