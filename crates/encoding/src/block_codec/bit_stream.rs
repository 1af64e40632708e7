//! Bit streams (LSB-first) for the Rice-coded residuals: a writer, and a cursor
//! over untrusted bytes that reads past the end as zeros and reports the overrun afterwards,
//! so the hot loop needs no per-value length check.

/// Appends bits LSB-first to a byte vector.
#[derive(Debug)]
pub(crate) struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    pending: u128,
    pending_bits: u32,
}

impl<'a> BitWriter<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>) -> Self {
        Self {
            out,
            pending: 0,
            pending_bits: 0,
        }
    }

    /// Writes the low `count` (at most 64) bits of `value`.
    pub(crate) fn write(&mut self, value: u64, count: u32) {
        if count == 0 {
            return;
        }
        let masked = if count >= 64 {
            value
        } else {
            value & ((1u64 << count) - 1)
        };
        self.pending |= u128::from(masked) << self.pending_bits;
        self.pending_bits += count;
        if self.pending_bits >= 64 {
            self.out
                .extend_from_slice(&(self.pending as u64).to_le_bytes());
            self.pending >>= 64;
            self.pending_bits -= 64;
        }
    }

    /// Flushes the last partial byte (zero-padded).
    pub(crate) fn finish(self) {
        let tail_bytes = self.pending_bits.div_ceil(8) as usize;
        let bytes = self.pending.to_le_bytes();
        self.out
            .extend_from_slice(bytes.get(..tail_bytes).unwrap_or_default());
    }
}

/// Reads bits LSB-first from untrusted bytes. Reads beyond the end yield zeros; callers check
/// [`BitCursor::overran`] once at the end instead of on every read.
#[derive(Debug, Clone)]
pub(crate) struct BitCursor<'a> {
    bytes: &'a [u8],
    bit_position: usize,
}

impl<'a> BitCursor<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            bit_position: 0,
        }
    }

    /// The next bits, at least 57 of them valid (bit 0 is the next bit to read).
    #[inline(always)]
    pub(crate) fn peek(&self) -> u64 {
        self.word_at(self.bit_position >> 3) >> (self.bit_position & 7)
    }

    #[cold]
    fn load_near_end(&self, byte: usize) -> u64 {
        let mut array = [0u8; 8];
        if let Some(tail) = self.bytes.get(byte..) {
            for (slot, &value) in array.iter_mut().zip(tail) {
                *slot = value;
            }
        }
        u64::from_le_bytes(array)
    }

    #[inline(always)]
    pub(crate) fn consume(&mut self, count: u32) {
        self.consume_bits(count as usize);
    }

    /// Reads `count` (at most 56) bits.
    #[inline(always)]
    pub(crate) fn read(&mut self, count: u32) -> u64 {
        let value = self.peek() & ((1u64 << count) - 1);
        self.consume(count);
        value
    }

    /// Reads `slots.len()` values of `width` (at most 56) bits each into `slots` (as `i64`).
    /// Values are independent loads at computed offsets, so this pipelines well.
    pub(crate) fn unpack_fixed_width(&mut self, width: u32, slots: &mut [i64]) {
        if width == 0 {
            slots.fill(0);
            return;
        }
        let mask = (1u64 << width) - 1;
        let base = self.bit_position;
        for (index, slot) in slots.iter_mut().enumerate() {
            let bit = base.saturating_add(index.saturating_mul(width as usize));
            *slot = ((self.word_at(bit >> 3) >> (bit & 7)) & mask) as i64;
        }
        self.consume_bits(slots.len().saturating_mul(width as usize));
    }

    #[inline(always)]
    fn word_at(&self, byte: usize) -> u64 {
        match self.bytes.get(byte..byte.wrapping_add(8)) {
            Some(eight) => {
                let mut array = [0u8; 8];
                array.copy_from_slice(eight);
                u64::from_le_bytes(array)
            }
            None => self.load_near_end(byte),
        }
    }

    fn consume_bits(&mut self, count: usize) {
        self.bit_position = self.bit_position.saturating_add(count);
    }

    /// Whether more bits were consumed than the bytes hold.
    pub(crate) fn overran(&self) -> bool {
        self.bit_position > self.bytes.len().saturating_mul(8)
    }

    /// Whole bytes touched so far (the stream ends byte-aligned).
    pub(crate) fn consumed_bytes(&self) -> usize {
        self.bit_position.div_ceil(8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_widths_round_trip() {
        let fields: Vec<(u64, u32)> = (0..500u64)
            .map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15), (i % 57) as u32))
            .collect();
        let mut bytes = Vec::new();
        let mut writer = BitWriter::new(&mut bytes);
        for &(value, count) in &fields {
            writer.write(value, count);
        }
        writer.write(u64::MAX, 64);
        writer.finish();
        let mut cursor = BitCursor::new(&bytes);
        for &(value, count) in &fields {
            let expected = if count == 0 {
                0
            } else {
                value & ((1u64 << count) - 1)
            };
            assert_eq!(cursor.read(count), expected);
        }
        assert_eq!(cursor.read(32), u64::from(u32::MAX));
        assert_eq!(cursor.read(32), u64::from(u32::MAX));
        assert!(!cursor.overran());
        assert_eq!(cursor.consumed_bytes(), bytes.len());
        cursor.read(8);
        assert!(cursor.overran());
    }
}
