//! The bounded layout of the block codec (chunk encoding 3): the same sections as format
//! version 1 without the version byte and without the first and last timestamp, which the
//! caller supplies when decoding (a block index stores them exactly as every chunk's
//! `mint`/`maxt`, so storing them in the chunk too cost ~10 bytes per chunk).
//!
//! ```text
//! uvarint  number of samples n (at most MAX_SAMPLES); nothing follows when n = 0
//! u8       layout: bits 0-1 timestamp layout, bits 2-4 value layout, bits 5-7 zero
//! ...      timestamp section, then value section, exactly as in format version 1
//! ```
//! There is no version byte: the chunk encoding byte in front of the data names the layout,
//! and a different layout would get a new chunk encoding.

use super::byte_io::{put_uvarint, ByteReader};
use super::{check_encoder_input, decode_sections, encode_sections, read_sample_count};
use crate::EncodingError;

/// Appends the bounded encoding of the samples `(timestamps[i], values[i])` to `out`.
///
/// Decoding needs `timestamps.first()` and `timestamps.last()` back
/// ([`decode_bounded_into`]); for an empty input they are ignored. Any timestamps and values
/// round-trip exactly.
///
/// # Panics
/// If the two slices differ in length or hold more than [`super::MAX_SAMPLES`] samples; both
/// are caller bugs, never a property of stored data.
pub fn encode_bounded(timestamps: &[i64], values: &[f64], out: &mut Vec<u8>) {
    check_encoder_input(timestamps, values);
    put_uvarint(out, timestamps.len() as u64);
    if !timestamps.is_empty() {
        encode_sections(timestamps, values, out);
    }
}

/// The number of samples in a bounded encoding (its first field).
pub fn bounded_num_samples(bytes: &[u8]) -> Result<usize, EncodingError> {
    read_sample_count(&mut ByteReader::new(bytes))
}

/// Decodes a bounded encoding whose first and last timestamps are `first_timestamp` and
/// `last_timestamp` into new vectors of timestamps and values.
pub fn decode_bounded(
    bytes: &[u8],
    first_timestamp: i64,
    last_timestamp: i64,
) -> Result<(Vec<i64>, Vec<f64>), EncodingError> {
    let mut timestamps = Vec::new();
    let mut values = Vec::new();
    decode_bounded_into(
        bytes,
        first_timestamp,
        last_timestamp,
        &mut timestamps,
        &mut values,
    )?;
    Ok((timestamps, values))
}

/// Decodes a bounded encoding into the given vectors, replacing their contents (their
/// capacity is reused). On error both vectors are left empty.
///
/// Bounds that contradict the bytes are an error where that is cheap to see (a single sample
/// whose first and last timestamp differ, regular timestamps whose span does not divide into
/// equal steps); otherwise wrong bounds shift or stretch the decoded timestamps, and the
/// values still decode as stored.
pub fn decode_bounded_into(
    bytes: &[u8],
    first_timestamp: i64,
    last_timestamp: i64,
    timestamps: &mut Vec<i64>,
    values: &mut Vec<f64>,
) -> Result<(), EncodingError> {
    timestamps.clear();
    values.clear();
    let mut reader = ByteReader::new(bytes);
    let result = read_sample_count(&mut reader).and_then(|count| {
        decode_sections(
            reader,
            count,
            first_timestamp,
            last_timestamp,
            timestamps,
            values,
        )
    });
    if result.is_err() {
        timestamps.clear();
        values.clear();
    }
    result
}
