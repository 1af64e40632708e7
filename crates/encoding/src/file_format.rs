//! File headers and footers: every promlite data file starts with a magic number and a
//! format version and ends with a CRC32 of its body and the magic again.
//!
//! ```text
//! header (8 bytes): ┌ magic u32 BE ┬ version u8 ┬ reserved 3 × 0 ┐
//! footer (8 bytes): ┌ crc32 u32 BE of every byte before the footer ┬ magic u32 BE ┐
//! ```

use crate::checksum::crc32;
use crate::varint::ByteReader;
use crate::{EncodingError, Result};

pub const HEADER_LEN: usize = 8;
pub const FOOTER_LEN: usize = 8;

/// Appends the 8-byte header.
pub fn write_header(out: &mut Vec<u8>, magic: u32, version: u8) {
    out.extend_from_slice(&magic.to_be_bytes());
    out.push(version);
    out.extend_from_slice(&[0, 0, 0]);
}

/// The 8-byte header as an array.
pub fn header_bytes(magic: u32, version: u8) -> [u8; HEADER_LEN] {
    let m = magic.to_be_bytes();
    [m[0], m[1], m[2], m[3], version, 0, 0, 0]
}

/// Checks the header of `bytes`; returns the version (1..=`max_version`).
pub fn check_header(bytes: &[u8], magic: u32, max_version: u8) -> Result<u8> {
    let mut r = ByteReader::new(bytes);
    let found = r.u32_be()?;
    if found != magic {
        return Err(EncodingError::BadMagic {
            expected: magic,
            found,
        });
    }
    let version = r.u8()?;
    if version == 0 || version > max_version {
        return Err(EncodingError::UnsupportedVersion {
            found: version,
            supported: max_version,
        });
    }
    r.skip(3)?;
    Ok(version)
}

/// Appends the footer covering everything already in `out`.
pub fn write_footer(out: &mut Vec<u8>, magic: u32) {
    let crc = crc32(out);
    out.extend_from_slice(&crc.to_be_bytes());
    out.extend_from_slice(&magic.to_be_bytes());
}

/// The footer for a file whose body has CRC32 `crc`.
pub fn footer_bytes(crc: u32, magic: u32) -> [u8; FOOTER_LEN] {
    let c = crc.to_be_bytes();
    let m = magic.to_be_bytes();
    [c[0], c[1], c[2], c[3], m[0], m[1], m[2], m[3]]
}

/// Checks the footer (magic and, when `verify_crc`, the CRC) and returns the bytes before it.
pub fn check_footer(bytes: &[u8], magic: u32, verify_crc: bool) -> Result<&[u8]> {
    let body_len = bytes
        .len()
        .checked_sub(FOOTER_LEN)
        .ok_or(EncodingError::Truncated)?;
    let (body, footer) = bytes.split_at(body_len);
    let mut r = ByteReader::new(footer);
    let stored = r.u32_be()?;
    let found = r.u32_be()?;
    if found != magic {
        return Err(EncodingError::BadMagic {
            expected: magic,
            found,
        });
    }
    if verify_crc {
        crate::checksum::verify_crc32(body, stored)?;
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAGIC: u32 = 0x504c_5446;

    #[test]
    fn header_and_footer_round_trip_and_detect_damage() {
        let mut f = Vec::new();
        write_header(&mut f, MAGIC, 1);
        f.extend_from_slice(b"payload");
        write_footer(&mut f, MAGIC);
        assert_eq!(check_header(&f, MAGIC, 1), Ok(1));
        assert_eq!(check_footer(&f, MAGIC, true).map(|b| b.len()), Ok(15));

        assert!(matches!(
            check_header(&f, MAGIC + 1, 1),
            Err(EncodingError::BadMagic { .. })
        ));
        let mut v2 = f.clone();
        v2[4] = 2;
        assert!(matches!(
            check_header(&v2, MAGIC, 1),
            Err(EncodingError::UnsupportedVersion { found: 2, .. })
        ));
        let mut flipped = f.clone();
        flipped[9] ^= 1;
        assert!(matches!(
            check_footer(&flipped, MAGIC, true),
            Err(EncodingError::ChecksumMismatch { .. })
        ));
        assert!(check_footer(&flipped, MAGIC, false).is_ok());
        assert_eq!(
            check_footer(&f[..5], MAGIC, true),
            Err(EncodingError::Truncated)
        );
    }
}
