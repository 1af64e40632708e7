//! Bit streams, most significant bit first: `BitWriter` appends bits to a byte vector,
//! `BitReader` reads them back from untrusted bytes with bounds checks.

use crate::{EncodingError, Result};

/// Appends bits to a byte buffer. Bits fill each byte from its most significant end.
#[derive(Clone, Debug, Default)]
pub struct BitWriter {
    bytes: Vec<u8>,
    /// Free bits left in the last byte (0 means the next bit starts a new byte).
    free_bits: u8,
}

impl BitWriter {
    pub fn new() -> BitWriter {
        BitWriter::default()
    }

    /// A writer that continues after `bytes` (which end on a byte boundary).
    pub fn with_bytes(bytes: Vec<u8>) -> BitWriter {
        BitWriter {
            bytes,
            free_bits: 0,
        }
    }

    pub fn with_capacity(cap: usize) -> BitWriter {
        BitWriter {
            bytes: Vec::with_capacity(cap),
            free_bits: 0,
        }
    }

    #[inline]
    pub fn write_bit(&mut self, bit: bool) {
        if self.free_bits == 0 {
            self.bytes.push(0);
            self.free_bits = 8;
        }
        self.free_bits -= 1;
        if bit {
            if let Some(last) = self.bytes.last_mut() {
                *last |= 1 << self.free_bits;
            }
        }
    }

    /// Writes the low `nbits` bits of `value`, most significant first (`nbits` ≤ 64).
    ///
    /// The bits that fit are merged into the partly filled last byte; the rest, at most
    /// 64, are left-aligned in a u64 and appended with one 8-byte copy, then the vector
    /// is cut back to the bytes really used (no per-byte loop).
    #[inline]
    pub fn write_bits(&mut self, value: u64, nbits: u32) {
        debug_assert!(nbits <= 64);
        if nbits == 0 {
            return;
        }
        let value = if nbits >= 64 {
            value
        } else {
            value & ((1u64 << nbits) - 1)
        };
        let free = u32::from(self.free_bits);
        if nbits <= free {
            let left = free - nbits;
            if let Some(last) = self.bytes.last_mut() {
                *last |= (value << left) as u8;
            }
            self.free_bits = left as u8;
            return;
        }
        // 1 ≤ rest ≤ 64, and rest < 64 whenever free > 0.
        let rest = nbits - free;
        if free > 0 {
            if let Some(last) = self.bytes.last_mut() {
                *last |= (value >> rest) as u8;
            }
        }
        let aligned = (value << (64 - rest)).to_be_bytes();
        let new_bytes = rest.div_ceil(8) as usize;
        let len = self.bytes.len();
        if self.bytes.capacity() - len >= aligned.len() {
            self.bytes.extend_from_slice(&aligned);
            self.bytes.truncate(len + new_bytes);
        } else {
            // Near the end of the allocation: grow only by what is needed.
            self.bytes
                .extend_from_slice(aligned.get(..new_bytes).unwrap_or(&aligned));
        }
        self.free_bits = (new_bytes as u32 * 8 - rest) as u8;
    }

    /// Writes whole bytes; only valid on a byte boundary or not, bits are shifted in.
    pub fn write_byte(&mut self, b: u8) {
        self.write_bits(u64::from(b), 8);
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn bytes_mut(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Bits written so far.
    pub fn bit_len(&self) -> usize {
        self.bytes.len() * 8 - usize::from(self.free_bits)
    }

    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
    }

    /// Bytes allocated.
    pub fn capacity(&self) -> usize {
        self.bytes.capacity()
    }
}

/// Reads bits, most significant first, from untrusted bytes.
#[derive(Clone, Debug)]
pub struct BitReader<'a> {
    bytes: &'a [u8],
    /// Next byte of `bytes` to load into `buffer`.
    next_byte: usize,
    /// Upcoming bits, left-aligned (bit 63 is the next bit).
    buffer: u64,
    /// Valid bits in `buffer`.
    valid: u32,
}

impl<'a> BitReader<'a> {
    pub fn new(bytes: &'a [u8]) -> BitReader<'a> {
        BitReader {
            bytes,
            next_byte: 0,
            buffer: 0,
            valid: 0,
        }
    }

    /// Loads as many whole bytes as fit into the buffer.
    #[inline]
    fn refill(&mut self) {
        if let Some(eight) = self
            .bytes
            .get(self.next_byte..self.next_byte + 8)
            .filter(|_| self.valid == 0)
        {
            // Fast path: an empty buffer takes 8 bytes at once.
            let mut a = [0u8; 8];
            a.copy_from_slice(eight);
            self.buffer = u64::from_be_bytes(a);
            self.valid = 64;
            self.next_byte += 8;
            return;
        }
        while self.valid <= 56 {
            match self.bytes.get(self.next_byte) {
                Some(&b) => {
                    self.buffer |= u64::from(b) << (56 - self.valid);
                    self.valid += 8;
                    self.next_byte += 1;
                }
                None => break,
            }
        }
    }

    #[inline]
    pub fn read_bit(&mut self) -> Result<bool> {
        if self.valid == 0 {
            self.refill();
            if self.valid == 0 {
                return Err(EncodingError::Truncated);
            }
        }
        let bit = self.buffer >> 63 == 1;
        self.buffer <<= 1;
        self.valid -= 1;
        Ok(bit)
    }

    /// Reads `nbits` (≤ 64) bits as the low bits of the result.
    #[inline]
    pub fn read_bits(&mut self, nbits: u32) -> Result<u64> {
        if nbits == 0 {
            return Ok(0);
        }
        if nbits > 64 {
            return Err(EncodingError::Corrupt(format!(
                "cannot read {nbits} bits at once"
            )));
        }
        if self.valid < nbits {
            self.refill();
        }
        if self.valid >= nbits {
            let v = self.buffer >> (64 - nbits);
            self.buffer = if nbits == 64 { 0 } else { self.buffer << nbits };
            self.valid -= nbits;
            return Ok(v);
        }
        // Not enough bits buffered even after a refill (the buffer holds at most 64 but
        // only whole bytes are loaded): take what is there, then the rest.
        let first = self.valid;
        if first == 0 {
            return Err(EncodingError::Truncated);
        }
        let hi = self.read_bits(first)?;
        let lo = self.read_bits(nbits - first)?;
        Ok((hi << (nbits - first)) | lo)
    }

    /// Reads up to 4 bits while they are 1, stopping at the first 0: the unary control
    /// codes of the XOR chunk's timestamp encoding. Returns the number of 1 bits.
    #[inline]
    pub fn read_unary_max(&mut self, max: u32) -> Result<u32> {
        let mut n = 0;
        while n < max {
            if !self.read_bit()? {
                break;
            }
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bits_land_msb_first() {
        let mut w = BitWriter::new();
        w.write_bit(true);
        w.write_bits(0b01, 2);
        w.write_bits(0xff, 8);
        assert_eq!(w.bytes(), [0b1011_1111, 0b1110_0000]);
        assert_eq!(w.bit_len(), 11);
        let mut r = BitReader::new(w.bytes());
        assert!(r.read_bit().unwrap());
        assert_eq!(r.read_bits(2).unwrap(), 1);
        assert_eq!(r.read_bits(8).unwrap(), 0xff);
        assert_eq!(r.read_bits(5).unwrap(), 0);
        assert_eq!(r.read_bit(), Err(EncodingError::Truncated));
    }

    proptest! {
        /// The word-at-a-time writer lays out exactly the bits a bit-by-bit writer does,
        /// whatever spare capacity the buffer has.
        #[test]
        fn write_bits_matches_bit_by_bit(
            fields in proptest::collection::vec((any::<u64>(), 0u32..=64), 0..60),
            capacity in 0usize..24,
        ) {
            let mut fast = BitWriter::with_capacity(capacity);
            let mut slow = BitWriter::new();
            for &(v, n) in &fields {
                fast.write_bits(v, n);
                for i in (0..n).rev() {
                    slow.write_bit((v >> i) & 1 == 1);
                }
                prop_assert_eq!(fast.bytes(), slow.bytes());
                prop_assert_eq!(fast.bit_len(), slow.bit_len());
            }
        }

        #[test]
        fn round_trip(fields in proptest::collection::vec((any::<u64>(), 0u32..=64), 0..100)) {
            let mut w = BitWriter::new();
            for &(v, n) in &fields {
                w.write_bits(v, n);
            }
            let mut r = BitReader::new(w.bytes());
            for &(v, n) in &fields {
                let mask = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
                prop_assert_eq!(r.read_bits(n).unwrap(), v & mask);
            }
        }
    }
}
