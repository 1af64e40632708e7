//! Byte-level reading and writing for the block codec: a bounds-checked cursor and LEB128 varints.

use super::error;
use crate::EncodingError;

/// Appends `value` as an unsigned LEB128 varint.
pub(crate) fn put_uvarint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends `value` zigzag-mapped (small magnitudes of either sign stay short) as a varint.
pub(crate) fn put_ivarint(out: &mut Vec<u8>, value: i64) {
    put_uvarint(out, zigzag_encode(value));
}

/// Number of bytes `put_uvarint` writes for `value`; used by the size estimators.
pub(crate) fn uvarint_len(value: u64) -> usize {
    let significant_bits = 64 - (value | 1).leading_zeros() as usize;
    significant_bits.div_ceil(7)
}

pub(crate) fn zigzag_encode(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

pub(crate) fn zigzag_decode(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// A cursor over untrusted bytes: every read is bounds-checked.
///
/// Reads name the field they read (`what`): corrupt-field errors carry it, and at the call
/// site it documents the layout; `EncodingError::Truncated` has no room for it.
#[derive(Debug, Clone)]
pub(crate) struct ByteReader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> ByteReader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, position: 0 }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.position)
    }

    /// The unread bytes (for decoders that consume a self-delimiting stream, then `skip`).
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.position..).unwrap_or_default()
    }

    pub(crate) fn skip(&mut self, length: usize, what: &'static str) -> Result<(), EncodingError> {
        self.read_slice(length, what).map(|_| ())
    }

    pub(crate) fn read_u8(&mut self, _what: &'static str) -> Result<u8, EncodingError> {
        let byte = *self.bytes.get(self.position).ok_or_else(error::truncated)?;
        self.position += 1;
        Ok(byte)
    }

    pub(crate) fn read_u64_le(&mut self, what: &'static str) -> Result<u64, EncodingError> {
        let raw = self.read_slice(8, what)?;
        let mut array = [0u8; 8];
        array.copy_from_slice(raw);
        Ok(u64::from_le_bytes(array))
    }

    pub(crate) fn read_slice(
        &mut self,
        length: usize,
        _what: &'static str,
    ) -> Result<&'a [u8], EncodingError> {
        let end = self
            .position
            .checked_add(length)
            .ok_or_else(error::truncated)?;
        let slice = self
            .bytes
            .get(self.position..end)
            .ok_or_else(error::truncated)?;
        self.position = end;
        Ok(slice)
    }

    /// Reads an unsigned LEB128 varint of at most 10 bytes; longer or overflowing ones are errors.
    pub(crate) fn read_uvarint(&mut self, what: &'static str) -> Result<u64, EncodingError> {
        let mut value: u64 = 0;
        for index in 0..10u32 {
            let byte = self.read_u8(what)?;
            let payload = u64::from(byte & 0x7f);
            if index == 9 && payload > 1 {
                return Err(error::invalid_field(what, u64::from(byte)));
            }
            value |= payload << (7 * index);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(error::invalid_field(what, u64::MAX))
    }

    pub(crate) fn read_ivarint(&mut self, what: &'static str) -> Result<i64, EncodingError> {
        Ok(zigzag_decode(self.read_uvarint(what)?))
    }

    pub(crate) fn finish(self) -> Result<(), EncodingError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(EncodingError::Corrupt(format!(
                "block codec: {count} trailing bytes after the encoded samples"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_at_the_edges() {
        let values = [0u64, 1, 127, 128, 16_383, 16_384, u64::MAX / 2, u64::MAX];
        for &value in &values {
            let mut out = Vec::new();
            put_uvarint(&mut out, value);
            assert_eq!(out.len(), uvarint_len(value), "length of {value}");
            let mut reader = ByteReader::new(&out);
            assert_eq!(reader.read_uvarint("test").unwrap(), value);
            reader.finish().unwrap();
        }
        for &value in &[0i64, -1, 1, i64::MIN, i64::MAX, -64, 64] {
            assert_eq!(zigzag_decode(zigzag_encode(value)), value);
        }
    }

    #[test]
    fn overlong_varint_is_an_error() {
        let bytes = [0xffu8; 11];
        assert!(ByteReader::new(&bytes).read_uvarint("test").is_err());
        let overflowing = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert!(ByteReader::new(&overflowing).read_uvarint("test").is_err());
    }
}
