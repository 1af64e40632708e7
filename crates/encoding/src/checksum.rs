//! CRC32 (IEEE, via `crc32fast`) helpers used by every promlite file and record.

use crate::{EncodingError, Result};

/// CRC32 of `bytes`.
#[inline]
pub fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

/// CRC32 over several slices, as if they were one.
pub fn crc32_of(parts: &[&[u8]]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

/// Checks `bytes` against a stored CRC32.
pub fn verify_crc32(bytes: &[u8], stored: u32) -> Result<()> {
    let computed = crc32(bytes);
    if computed == stored {
        Ok(())
    } else {
        Err(EncodingError::ChecksumMismatch { stored, computed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_value_and_mismatch() {
        // The standard check value of CRC-32/IEEE.
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32_of(&[b"1234", b"56789"]), 0xcbf4_3926);
        assert!(verify_crc32(b"123456789", 0xcbf4_3926).is_ok());
        assert!(matches!(
            verify_crc32(b"123456780", 0xcbf4_3926),
            Err(EncodingError::ChecksumMismatch { .. })
        ));
    }
}
