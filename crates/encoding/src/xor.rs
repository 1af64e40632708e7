//! The Gorilla XOR chunk: delta-of-delta millisecond timestamps and XOR'd float values,
//! bit for bit the layout Prometheus uses for its float chunks.
//!
//! ```text
//! ┌──────────────────┬──────────────┬──────────────┬───────────────────┬───────────────┐
//! │ count: u16 (BE)  │ t0: varint   │ v0: 64 bits  │ Δt1: uvarint,     │ samples 2..n: │
//! │                  │ (zigzag)     │              │ v1 XOR'd (bits)   │ ΔΔt + XOR v   │
//! └──────────────────┴──────────────┴──────────────┴───────────────────┴───────────────┘
//! ΔΔt:  '0' | '10'+14 bits | '110'+17 bits | '1110'+20 bits | '1111'+64 bits
//! v:    '0' (same) | '10' + meaningful bits in the previous window
//!                  | '11' + 5 bits leading zeros + 6 bits length + meaningful bits
//! ```
//! Values are compared by bits, so NaN payloads (the stale marker), ±Inf and -0.0 survive.

use crate::bitstream::{BitReader, BitWriter};
use crate::varint::zigzag;
use crate::{EncodingError, Result};

/// Samples per chunk before the head cuts a new one.
pub const TARGET_SAMPLES_PER_CHUNK: u16 = 120;

/// Builds a chunk sample by sample. Timestamps must increase strictly (the caller checks).
#[derive(Clone, Debug)]
pub struct XorAppender {
    stream: BitWriter,
    count: u16,
    t: i64,
    v: u64,
    t_delta: i64,
    leading: u8,
    trailing: u8,
}

impl Default for XorAppender {
    fn default() -> Self {
        XorAppender::new()
    }
}

impl XorAppender {
    pub fn new() -> XorAppender {
        XorAppender::with_capacity(32)
    }

    pub fn with_capacity(cap: usize) -> XorAppender {
        let mut bytes = Vec::with_capacity(cap.max(2));
        bytes.extend_from_slice(&[0, 0]);
        XorAppender {
            stream: BitWriter::with_bytes(bytes),
            count: 0,
            t: 0,
            v: 0,
            t_delta: 0,
            // 0xff marks "no previous window" so the first non-zero XOR writes one.
            leading: 0xff,
            trailing: 0,
        }
    }

    /// Number of samples in the chunk.
    pub fn len(&self) -> u16 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Timestamp of the last sample (meaningless when empty).
    pub fn last_t(&self) -> i64 {
        self.t
    }

    /// Value of the last sample (meaningless when empty).
    pub fn last_v(&self) -> f64 {
        f64::from_bits(self.v)
    }

    /// Whether another sample still fits (the count is a u16).
    pub fn is_full(&self) -> bool {
        self.count == u16::MAX
    }

    /// The encoded chunk so far; a valid chunk after every append.
    pub fn bytes(&self) -> &[u8] {
        self.stream.bytes()
    }

    /// Address of the byte the next [`append`](Self::append) writes first (the last byte
    /// of the buffer): callers that encode many series in turn prefetch it.
    #[inline]
    pub fn append_position(&self) -> *const u8 {
        let bytes = self.stream.bytes();
        bytes.as_ptr().wrapping_add(bytes.len().saturating_sub(1))
    }

    /// Bytes of encoded data.
    pub fn heap_bytes(&self) -> usize {
        self.stream.bytes().len()
    }

    /// Bytes allocated for the buffer.
    pub fn capacity(&self) -> usize {
        self.stream.capacity()
    }

    pub fn shrink_to_fit(&mut self) {
        self.stream.shrink_to_fit();
    }

    /// Writes `v` as an unsigned LEB128 varint; the stream is byte-aligned here (only the
    /// first two samples' headers use varints).
    #[inline]
    fn write_uvarint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.stream.write_bits((v & 0x7f) | 0x80, 8);
            v >>= 7;
        }
        self.stream.write_bits(v, 8);
    }

    /// Appends one sample. The count saturates at `u16::MAX`: callers cut chunks long before.
    #[inline]
    pub fn append(&mut self, t: i64, v: f64) {
        let vbits = v.to_bits();
        match self.count {
            0 => {
                self.write_uvarint(zigzag(t));
                self.stream.write_bits(vbits, 64);
            }
            1 => {
                let delta = t.wrapping_sub(self.t);
                self.write_uvarint(delta as u64);
                self.write_value(vbits);
                self.t_delta = delta;
            }
            _ => {
                let delta = t.wrapping_sub(self.t);
                let dod = delta.wrapping_sub(self.t_delta);
                // Control bits and payload in one write: '10'+14, '110'+17, '1110'+20 bits.
                let mask = |bits: u32| (dod as u64) & ((1u64 << bits) - 1);
                match dod {
                    0 => self.stream.write_bit(false),
                    -8191..=8192 => self.stream.write_bits((0b10 << 14) | mask(14), 16),
                    -65535..=65536 => self.stream.write_bits((0b110 << 17) | mask(17), 20),
                    -524287..=524288 => self.stream.write_bits((0b1110 << 20) | mask(20), 24),
                    _ => {
                        self.stream.write_bits(0b1111, 4);
                        self.stream.write_bits(dod as u64, 64);
                    }
                }
                self.write_value(vbits);
                self.t_delta = delta;
            }
        }
        self.t = t;
        self.v = vbits;
        self.count = self.count.saturating_add(1);
        let [hi, lo] = self.count.to_be_bytes();
        if let Some([h, l]) = self.stream.bytes_mut().first_chunk_mut::<2>() {
            *h = hi;
            *l = lo;
        }
    }

    #[inline]
    fn write_value(&mut self, vbits: u64) {
        let xor = vbits ^ self.v;
        if xor == 0 {
            self.stream.write_bit(false);
            return;
        }
        let mut leading = xor.leading_zeros() as u8;
        let trailing = xor.trailing_zeros() as u8;
        // Five bits hold the leading-zero count.
        if leading >= 32 {
            leading = 31;
        }
        if self.leading != 0xff && leading >= self.leading && trailing >= self.trailing {
            // '10' + the meaningful bits in the previous window.
            let sig = 64 - u32::from(self.leading) - u32::from(self.trailing);
            let bits = xor >> self.trailing;
            if sig <= 62 {
                self.stream.write_bits((0b10 << sig) | bits, sig + 2);
            } else {
                self.stream.write_bits(0b10, 2);
                self.stream.write_bits(bits, sig);
            }
            return;
        }
        self.leading = leading;
        self.trailing = trailing;
        let sig = 64 - u32::from(leading) - u32::from(trailing);
        // '11' + 5 bits leading zeros + 6 bits length (0 stands for 64, which does not fit).
        let control = (0b11 << 11) | (u64::from(leading) << 6) | (u64::from(sig) & 0x3f);
        let bits = xor >> trailing;
        if sig <= 51 {
            self.stream.write_bits((control << sig) | bits, sig + 13);
        } else {
            self.stream.write_bits(control, 13);
            self.stream.write_bits(bits, sig);
        }
    }
}

/// Streams the samples of an XOR chunk.
#[derive(Clone, Debug)]
pub struct XorIterator<'a> {
    reader: BitReader<'a>,
    total: u16,
    read: u16,
    t: i64,
    v: u64,
    t_delta: i64,
    leading: u32,
    trailing: u32,
}

impl<'a> XorIterator<'a> {
    /// Starts reading `bytes`; fails only when the header is missing.
    pub fn new(bytes: &'a [u8]) -> Result<XorIterator<'a>> {
        let (&hi, &lo) = bytes
            .first()
            .zip(bytes.get(1))
            .ok_or(EncodingError::Truncated)?;
        let total = u16::from_be_bytes([hi, lo]);
        let body = bytes.get(2..).unwrap_or(&[]);
        Ok(XorIterator {
            reader: BitReader::new(body),
            total,
            read: 0,
            t: 0,
            v: 0,
            t_delta: 0,
            leading: 0,
            trailing: 0,
        })
    }

    /// Number of samples the header announces.
    pub fn total(&self) -> u16 {
        self.total
    }

    fn read_varint_bytes(&mut self) -> Result<u64> {
        let mut v: u64 = 0;
        let mut shift = 0u32;
        loop {
            let b = self.reader.read_bits(8)? as u8;
            if shift == 63 && b > 1 {
                return Err(EncodingError::Corrupt("timestamp varint overflows".into()));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
            shift += 7;
            if shift > 63 {
                return Err(EncodingError::Corrupt("timestamp varint too long".into()));
            }
        }
    }

    fn read_value(&mut self) -> Result<()> {
        if !self.reader.read_bit()? {
            return Ok(());
        }
        if self.reader.read_bit()? {
            self.leading = self.reader.read_bits(5)? as u32;
            let mut sig = self.reader.read_bits(6)? as u32;
            if sig == 0 {
                sig = 64;
            }
            if self.leading + sig > 64 {
                return Err(EncodingError::Corrupt(format!(
                    "xor window of {} leading and {sig} significant bits exceeds 64",
                    self.leading
                )));
            }
            self.trailing = 64 - self.leading - sig;
        } else if self.read <= 1 {
            // Reusing a window requires one to have been written.
            return Err(EncodingError::Corrupt(
                "xor value reuses a missing window".into(),
            ));
        }
        let sig = 64 - self.leading - self.trailing;
        let bits = self.reader.read_bits(sig)?;
        self.v ^= if self.trailing >= 64 {
            0
        } else {
            bits << self.trailing
        };
        Ok(())
    }

    /// The next sample, `Ok(None)` after the last, `Err` on malformed bytes.
    #[inline]
    pub fn next_sample(&mut self) -> Result<Option<(i64, f64)>> {
        if self.read >= self.total {
            return Ok(None);
        }
        match self.read {
            0 => {
                let u = self.read_varint_bytes()?;
                self.t = crate::varint::unzigzag(u);
                self.v = self.reader.read_bits(64)?;
            }
            1 => {
                self.t_delta = self.read_varint_bytes()? as i64;
                self.t = self.t.wrapping_add(self.t_delta);
                self.read_value()?;
            }
            _ => {
                let dod: i64 = match self.reader.read_unary_max(4)? {
                    0 => 0,
                    1 => sign_extend(self.reader.read_bits(14)?, 14),
                    2 => sign_extend(self.reader.read_bits(17)?, 17),
                    3 => sign_extend(self.reader.read_bits(20)?, 20),
                    _ => self.reader.read_bits(64)? as i64,
                };
                self.t_delta = self.t_delta.wrapping_add(dod);
                self.t = self.t.wrapping_add(self.t_delta);
                self.read_value()?;
            }
        }
        self.read += 1;
        Ok(Some((self.t, f64::from_bits(self.v))))
    }
}

impl Iterator for XorIterator<'_> {
    type Item = Result<(i64, f64)>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_sample().transpose()
    }
}

/// Sign-extends the low `bits` bits of `v`. The encoder writes values in
/// `[-(2^(bits-1)-1), 2^(bits-1)]`, so the top of the range is read back as positive.
#[inline]
fn sign_extend(v: u64, bits: u32) -> i64 {
    let half = 1u64 << (bits - 1);
    if v > half {
        v as i64 - (1i64 << bits)
    } else {
        v as i64
    }
}

/// Decodes a whole chunk.
pub fn decode_xor(bytes: &[u8]) -> Result<Vec<(i64, f64)>> {
    let mut it = XorIterator::new(bytes)?;
    let mut out = Vec::with_capacity(usize::from(it.total()).min(bytes.len() * 8));
    while let Some(s) = it.next_sample()? {
        out.push(s);
    }
    Ok(out)
}

/// Decodes the samples of a chunk in `[mint, maxt]` and appends them to `out`.
pub fn decode_xor_range_into(
    bytes: &[u8],
    mint: i64,
    maxt: i64,
    out: &mut Vec<promlite_model::Sample>,
) -> Result<()> {
    let mut it = XorIterator::new(bytes)?;
    while let Some((t, v)) = it.next_sample()? {
        if t > maxt {
            break;
        }
        if t >= mint {
            out.push(promlite_model::Sample { t, v });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use promlite_model::STALE_NAN;
    use proptest::prelude::*;

    fn round_trip(samples: &[(i64, f64)]) {
        let mut app = XorAppender::new();
        for &(t, v) in samples {
            app.append(t, v);
        }
        let got = decode_xor(app.bytes()).unwrap();
        assert_eq!(got.len(), samples.len());
        for (g, w) in got.iter().zip(samples) {
            assert_eq!(g.0, w.0);
            assert_eq!(g.1.to_bits(), w.1.to_bits(), "value at t={}", w.0);
        }
    }

    #[test]
    fn special_values_are_bit_exact() {
        round_trip(&[
            (1000, 1.0),
            (2000, f64::NAN),
            (3000, STALE_NAN),
            (4000, f64::INFINITY),
            (5000, f64::NEG_INFINITY),
            (6000, -0.0),
            (7000, 0.0),
            (8000, f64::MIN_POSITIVE),
            (9000, f64::MAX),
            (9001, f64::from_bits(1)),
        ]);
    }

    #[test]
    fn regular_scrapes_take_about_a_bit_per_timestamp() {
        let mut app = XorAppender::new();
        for i in 0..120 {
            app.append(1_700_000_000_000 + i * 15_000, 42.0);
        }
        // 2 header + ~6 t0 + 8 v0 + 3 Δt1, then 2 bits per sample.
        assert!(app.bytes().len() < 50, "{} bytes", app.bytes().len());
    }

    #[test]
    fn extreme_timestamps() {
        round_trip(&[(i64::MIN, 1.0), (0, 2.0), (i64::MAX, 3.0)]);
        round_trip(&[
            (-5, 1.0),
            (-4, 1.0),
            (1_000_000, 1.0),
            (1_000_001, 1.0),
            (1_000_002 + 8192, 1.0),
        ]);
    }

    #[test]
    fn corrupt_inputs_are_errors() {
        assert!(decode_xor(&[]).is_err());
        assert!(decode_xor(&[0, 5, 1]).is_err());
        // Announces many samples with no body.
        assert!(decode_xor(&[0xff, 0xff]).is_err());
    }

    fn sample_strategy() -> impl Strategy<Value = Vec<(i64, f64)>> {
        let value = prop_oneof![
            any::<f64>(),
            Just(f64::NAN),
            Just(STALE_NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(-0.0),
            (0i64..1000).prop_map(|i| i as f64),
            any::<u64>().prop_map(f64::from_bits),
        ];
        let step = prop_oneof![
            1i64..100,
            Just(15_000i64),
            1i64..1_000_000,
            1i64..(1i64 << 40)
        ];
        (
            any::<i32>(),
            proptest::collection::vec((step, value), 0..300),
        )
            .prop_map(|(start, steps)| {
                let mut t = i64::from(start);
                steps
                    .into_iter()
                    .map(|(d, v)| {
                        t = t.saturating_add(d);
                        (t, v)
                    })
                    .collect()
            })
    }

    proptest! {
        #[test]
        fn arbitrary_sequences_round_trip(samples in sample_strategy()) {
            round_trip(&samples);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode_xor(&bytes);
        }
    }
}

#[cfg(test)]
mod golden_tests {
    use super::*;

    /// A deterministic mix of every timestamp and value case (regular and jittered steps,
    /// big gaps, repeated, integer and random values, NaNs).
    fn mixed_samples() -> Vec<(i64, f64)> {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut t = 1_700_000_000_000i64;
        let mut v = 0.0f64;
        (0..2_000)
            .map(|i| {
                let r = next();
                t += match r % 7 {
                    0 => 15_000,
                    1 => 15_000 + (r >> 8) as i64 % 200 - 100,
                    2 => 1 + (r >> 8) as i64 % 60_000,
                    3 => 1 + (r >> 8) as i64 % 1_000_000,
                    4 => 1 + (r >> 8) as i64 % (1 << 40),
                    _ => 15_000,
                };
                v = match (r >> 4) % 6 {
                    0 => v,
                    1 => v + 1.0,
                    2 => f64::from_bits(next()),
                    3 => (i % 977) as f64 / 10.0,
                    4 => f64::NAN,
                    _ => -v,
                };
                (t, v)
            })
            .collect()
    }

    /// The encoder's bytes for a fixed input, pinned by their CRC: the chunk layout must
    /// never change (readers of old files depend on it).
    #[test]
    fn encoded_bytes_are_stable() {
        let mut crcs = Vec::new();
        for chunk in mixed_samples().chunks(120) {
            let mut app = XorAppender::new();
            for &(t, v) in chunk {
                app.append(t, v);
            }
            crcs.push(crate::checksum::crc32_of(&[app.bytes()]));
        }
        let all = crate::checksum::crc32_of(&[&crcs
            .iter()
            .flat_map(|c| c.to_be_bytes())
            .collect::<Vec<u8>>()]);
        assert_eq!(all, GOLDEN_CRC, "{all:#010x}");
    }

    const GOLDEN_CRC: u32 = 0xd600_005a;
}
