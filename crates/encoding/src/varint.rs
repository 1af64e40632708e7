//! Varints (LEB128 unsigned, zigzag signed) and `ByteReader`, a bounds-checked cursor
//! over untrusted bytes that every decoder in promlite builds on.

use crate::{EncodingError, Result};

/// Appends `v` as an unsigned LEB128 varint (1 to 10 bytes).
#[inline]
pub fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends `v` zigzag-encoded, so small negative numbers stay short.
#[inline]
pub fn put_varint(out: &mut Vec<u8>, v: i64) {
    put_uvarint(out, zigzag(v));
}

#[inline]
pub fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

#[inline]
pub fn unzigzag(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

/// Number of bytes `put_uvarint` writes for `v`.
pub fn uvarint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

/// A cursor over untrusted bytes: every read checks bounds and returns
/// [`EncodingError::Truncated`] instead of panicking.
#[derive(Clone, Debug)]
pub struct ByteReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> ByteReader<'a> {
    pub fn new(bytes: &'a [u8]) -> ByteReader<'a> {
        ByteReader { bytes, pos: 0 }
    }

    /// Current offset from the start of the slice.
    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not read yet.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread bytes.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or(&[])
    }

    #[inline]
    pub fn u8(&mut self) -> Result<u8> {
        let b = *self.bytes.get(self.pos).ok_or(EncodingError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    /// The next `n` bytes.
    #[inline]
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or(EncodingError::Truncated)?;
        let s = self
            .bytes
            .get(self.pos..end)
            .ok_or(EncodingError::Truncated)?;
        self.pos = end;
        Ok(s)
    }

    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.bytes(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub fn u16_be(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub fn u32_be(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub fn u64_be(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    pub fn i64_be(&mut self) -> Result<i64> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    pub fn f64_bits(&mut self) -> Result<f64> {
        Ok(f64::from_bits(self.u64_be()?))
    }

    /// An unsigned LEB128 varint; more than 10 bytes or overflow is corrupt.
    #[inline]
    pub fn uvarint(&mut self) -> Result<u64> {
        // Most varints of WAL records and chunk metas are one byte.
        if let Some(&b) = self.bytes.get(self.pos) {
            if b < 0x80 {
                self.pos += 1;
                return Ok(u64::from(b));
            }
        }
        self.uvarint_multi_byte()
    }

    #[inline(never)]
    fn uvarint_multi_byte(&mut self) -> Result<u64> {
        let mut v: u64 = 0;
        let mut shift = 0u32;
        loop {
            let b = self.u8()?;
            if shift == 63 && b > 1 {
                return Err(EncodingError::Corrupt("varint overflows 64 bits".into()));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
            shift += 7;
            if shift > 63 {
                return Err(EncodingError::Corrupt("varint longer than 10 bytes".into()));
            }
        }
    }

    /// A zigzag-encoded signed varint.
    #[inline]
    pub fn varint(&mut self) -> Result<i64> {
        Ok(unzigzag(self.uvarint()?))
    }

    /// A uvarint that must fit in `usize` and not exceed `max` (lengths and counts, so a
    /// corrupt count cannot make a decoder allocate gigabytes).
    pub fn uvarint_len(&mut self, max: usize) -> Result<usize> {
        let v = self.uvarint()?;
        if v > max as u64 {
            return Err(EncodingError::Corrupt(format!(
                "length {v} exceeds the {max} bytes available"
            )));
        }
        Ok(v as usize)
    }

    /// A uvarint length followed by that many bytes.
    pub fn len_prefixed(&mut self) -> Result<&'a [u8]> {
        let n = self.uvarint_len(self.remaining())?;
        self.bytes(n)
    }

    /// A uvarint length followed by that many bytes of UTF-8.
    pub fn len_prefixed_str(&mut self) -> Result<&'a str> {
        let b = self.len_prefixed()?;
        std::str::from_utf8(b).map_err(|_| EncodingError::Corrupt("string is not UTF-8".into()))
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_encodings() {
        let mut out = Vec::new();
        put_uvarint(&mut out, 300);
        assert_eq!(out, [0xac, 0x02]);
        out.clear();
        put_varint(&mut out, -1);
        assert_eq!(out, [0x01]);
        assert_eq!(uvarint_len(u64::MAX), 10);
    }

    #[test]
    fn malformed_varints_are_errors() {
        assert_eq!(
            ByteReader::new(&[0x80]).uvarint(),
            Err(EncodingError::Truncated)
        );
        let eleven = [0xffu8; 11];
        assert!(matches!(
            ByteReader::new(&eleven).uvarint(),
            Err(EncodingError::Corrupt(_))
        ));
        let overflow = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert!(ByteReader::new(&overflow).uvarint().is_err());
        assert!(ByteReader::new(&[5, b'a']).len_prefixed().is_err());
    }

    proptest! {
        #[test]
        fn round_trip(us in proptest::collection::vec(any::<u64>(), 0..50), is in proptest::collection::vec(any::<i64>(), 0..50)) {
            let mut out = Vec::new();
            for &u in &us { put_uvarint(&mut out, u); }
            for &i in &is { put_varint(&mut out, i); }
            let mut r = ByteReader::new(&out);
            for &u in &us { prop_assert_eq!(r.uvarint().unwrap(), u); }
            for &i in &is { prop_assert_eq!(r.varint().unwrap(), i); }
            prop_assert!(r.is_empty());
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let mut r = ByteReader::new(&bytes);
            while r.uvarint().is_ok() {}
        }
    }
}
