//! How the block codec reports undecodable bytes: constructors of the crate's `EncodingError`
//! that name the field at fault.

use crate::EncodingError;

/// The bytes ended before the structure they describe was complete.
pub(crate) fn truncated() -> EncodingError {
    EncodingError::Truncated
}

/// A field holds a value the format does not allow.
pub(crate) fn invalid_field(what: &str, value: u64) -> EncodingError {
    EncodingError::Corrupt(format!("block codec: invalid {what}: {value}"))
}
