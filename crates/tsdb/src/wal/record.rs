//! WAL records: framing (`type u8 | len u32 BE | crc32 u32 BE | snappy payload`) and the
//! payloads of the record kinds (series, samples, tombstones; the chunks records of head
//! snapshots, [`super::snapshot`], are stored without snappy).
//!
//! ```text
//! series:     uvarint n, n × (uvarint id, uvarint nlabels, nlabels × (str name, str value))
//! samples:    uvarint n, uvarint id0, varint t0, f64 v0,
//!             (n-1) × (varint id - prev id, varint t - t0, f64 v)        (str = uvarint len + bytes)
//! tombstones: uvarint n, n × (uvarint id, varint mint, varint maxt)
//! ```
//! The CRC covers the type byte and the compressed payload.

use promlite_encoding::checksum::crc32_of;
use promlite_encoding::varint::{put_uvarint, put_varint, ByteReader};
use promlite_encoding::EncodingError;
use promlite_model::Labels;

/// Bytes of a record's frame before its payload.
pub const RECORD_HEADER_LEN: usize = 9;

/// Largest decompressed payload accepted, so corrupt lengths cannot exhaust memory.
const MAX_PAYLOAD: usize = 512 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RecordType {
    Series = 1,
    Samples = 2,
    Tombstones = 3,
    /// Head chunks of a snapshot ([`super::snapshot`]).
    Chunks = 4,
}

impl RecordType {
    fn from_byte(b: u8) -> Result<RecordType, EncodingError> {
        match b {
            1 => Ok(RecordType::Series),
            2 => Ok(RecordType::Samples),
            3 => Ok(RecordType::Tombstones),
            4 => Ok(RecordType::Chunks),
            other => Err(EncodingError::Corrupt(format!(
                "unknown WAL record type {other}"
            ))),
        }
    }
}

/// A series record entry: a head series id and its labels.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesEntry {
    pub id: u32,
    pub labels: Labels,
}

/// A sample of a series id.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RefSample {
    pub id: u32,
    pub t: i64,
    pub v: f64,
}

/// A deleted interval `[mint, maxt]` of a series id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TombstoneEntry {
    pub id: u32,
    pub mint: i64,
    pub maxt: i64,
}

/// A decoded record.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    Series(Vec<SeriesEntry>),
    Samples(Vec<RefSample>),
    Tombstones(Vec<TombstoneEntry>),
    /// A chunks record's payload, checked by [`super::snapshot::for_each_snapshot_series`].
    Chunks(Vec<u8>),
}

/// Reusable buffers for framing records: the snappy encoder (its hash table), the
/// uncompressed payload and the compressed bytes. An appender keeps one, so a commit
/// allocates nothing once the buffers have grown to its size.
#[derive(Default)]
pub struct RecordEncoder {
    snappy: Option<snap::raw::Encoder>,
    payload: Vec<u8>,
    compressed: Vec<u8>,
}

impl std::fmt::Debug for RecordEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordEncoder")
            .field("payload_capacity", &self.payload.capacity())
            .finish_non_exhaustive()
    }
}

impl RecordEncoder {
    /// Frames `payload` (uncompressed) as a record of `kind`, appending to `out`.
    fn frame(&mut self, kind: RecordType, payload: &[u8], out: &mut Vec<u8>) {
        let max = snap::raw::max_compress_len(payload.len());
        if self.compressed.len() < max {
            self.compressed.resize(max, 0);
        }
        let snappy = self.snappy.get_or_insert_with(snap::raw::Encoder::new);
        let n = self
            .compressed
            .get_mut(..max)
            .and_then(|buf| snappy.compress(payload, buf).ok())
            .unwrap_or(0);
        let compressed = self.compressed.get(..n).unwrap_or(&[]);
        let type_byte = [kind as u8];
        let crc = crc32_of(&[&type_byte, compressed]);
        out.reserve(RECORD_HEADER_LEN + n);
        out.push(kind as u8);
        out.extend_from_slice(&(n as u32).to_be_bytes());
        out.extend_from_slice(&crc.to_be_bytes());
        out.extend_from_slice(compressed);
    }

    /// Encodes and frames a samples record into `out`.
    pub fn samples(&mut self, samples: &[RefSample], out: &mut Vec<u8>) {
        let mut payload = std::mem::take(&mut self.payload);
        encode_samples_payload(samples, &mut payload);
        self.frame(RecordType::Samples, &payload, out);
        self.payload = payload;
    }

    /// Frames a chunks record (payload built by [`super::snapshot::put_snapshot_series`]);
    /// its payload is stored as is, not snappy-compressed.
    pub fn chunks(&mut self, payload: &[u8], out: &mut Vec<u8>) {
        let kind = RecordType::Chunks as u8;
        let crc = crc32_of(&[&[kind], payload]);
        out.reserve(RECORD_HEADER_LEN + payload.len());
        out.push(kind);
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&crc.to_be_bytes());
        out.extend_from_slice(payload);
    }

    /// Encodes and frames a tombstones record into `out`.
    pub fn tombstones(&mut self, entries: &[TombstoneEntry], out: &mut Vec<u8>) {
        let mut payload = std::mem::take(&mut self.payload);
        encode_tombstones_payload(entries, &mut payload);
        self.frame(RecordType::Tombstones, &payload, out);
        self.payload = payload;
    }

    /// Encodes and frames a series record into `out`.
    pub fn series(&mut self, entries: &[SeriesEntry], out: &mut Vec<u8>) {
        let mut payload = std::mem::take(&mut self.payload);
        encode_series_payload(entries, &mut payload);
        self.frame(RecordType::Series, &payload, out);
        self.payload = payload;
    }
}

/// Frames `payload` (uncompressed) as a record of `kind`, appending to `out`.
pub fn frame_record(kind: RecordType, payload: &[u8], out: &mut Vec<u8>) {
    RecordEncoder::default().frame(kind, payload, out);
}

pub fn encode_series(entries: &[SeriesEntry], out: &mut Vec<u8>) {
    RecordEncoder::default().series(entries, out);
}

fn encode_series_payload(entries: &[SeriesEntry], p: &mut Vec<u8>) {
    p.clear();
    put_uvarint(p, entries.len() as u64);
    for e in entries {
        put_uvarint(p, u64::from(e.id));
        put_uvarint(p, e.labels.len() as u64);
        for l in e.labels.iter() {
            put_uvarint(p, l.name.len() as u64);
            p.extend_from_slice(l.name.as_bytes());
            put_uvarint(p, l.value.len() as u64);
            p.extend_from_slice(l.value.as_bytes());
        }
    }
}

/// Encodes samples into `scratch` (reused between calls) and frames them into `out`.
pub fn encode_samples(samples: &[RefSample], scratch: &mut Vec<u8>, out: &mut Vec<u8>) {
    encode_samples_payload(samples, scratch);
    frame_record(RecordType::Samples, scratch, out);
}

/// The samples payload: ids as deltas from the previous sample's, times as deltas from
/// the first sample's, values as their 8 bytes.
fn encode_samples_payload(samples: &[RefSample], p: &mut Vec<u8>) {
    p.clear();
    // At most 10 + 10 + 8 bytes per sample: reserve once instead of checking per push.
    p.reserve(10 + samples.len() * 28);
    put_uvarint(p, samples.len() as u64);
    if let Some(first) = samples.first() {
        put_uvarint(p, u64::from(first.id));
        put_varint(p, first.t);
        p.extend_from_slice(&first.v.to_bits().to_be_bytes());
        let mut prev_id = first.id;
        for s in samples.iter().skip(1) {
            put_varint(p, i64::from(s.id) - i64::from(prev_id));
            put_varint(p, s.t.wrapping_sub(first.t));
            p.extend_from_slice(&s.v.to_bits().to_be_bytes());
            prev_id = s.id;
        }
    }
}

pub fn encode_tombstones(entries: &[TombstoneEntry], out: &mut Vec<u8>) {
    RecordEncoder::default().tombstones(entries, out);
}

fn encode_tombstones_payload(entries: &[TombstoneEntry], p: &mut Vec<u8>) {
    p.clear();
    put_uvarint(p, entries.len() as u64);
    for e in entries {
        put_uvarint(p, u64::from(e.id));
        put_varint(p, e.mint);
        put_varint(p, e.maxt);
    }
}

/// One framed record read from bytes: its type, payload (still compressed) and total size.
#[derive(Debug)]
pub struct RawRecord<'a> {
    pub kind: RecordType,
    pub compressed: &'a [u8],
    pub total_len: usize,
}

/// Reads the frame at the start of `bytes`, checking the CRC. `Ok(None)` when `bytes` is
/// empty; `Err` for a torn or corrupt frame.
pub fn read_frame(bytes: &[u8]) -> Result<Option<RawRecord<'_>>, EncodingError> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let mut r = ByteReader::new(bytes);
    let type_byte = r.u8()?;
    let len = r.u32_be()? as usize;
    let stored = r.u32_be()?;
    let compressed = r.bytes(len)?;
    let computed = crc32_of(&[&[type_byte], compressed]);
    if computed != stored {
        return Err(EncodingError::ChecksumMismatch { stored, computed });
    }
    let kind = RecordType::from_byte(type_byte)?;
    Ok(Some(RawRecord {
        kind,
        compressed,
        total_len: RECORD_HEADER_LEN + len,
    }))
}

/// Decompresses a record payload into `buf` (reused between calls).
pub fn decompress_into(compressed: &[u8], buf: &mut Vec<u8>) -> Result<(), EncodingError> {
    let n = snap::raw::decompress_len(compressed)
        .map_err(|e| EncodingError::Corrupt(format!("snappy: {e}")))?;
    if n > MAX_PAYLOAD || n > compressed.len().saturating_mul(64).saturating_add(1024) {
        return Err(EncodingError::Corrupt(format!(
            "snappy payload claims {n} bytes from {} compressed",
            compressed.len()
        )));
    }
    buf.clear();
    buf.resize(n, 0);
    snap::raw::Decoder::new()
        .decompress(compressed, buf)
        .map_err(|e| EncodingError::Corrupt(format!("snappy: {e}")))?;
    Ok(())
}

fn count(r: &mut ByteReader<'_>, min_entry_bytes: usize) -> Result<usize, EncodingError> {
    let n = r.uvarint()?;
    if n > (r.remaining() / min_entry_bytes.max(1)) as u64 {
        return Err(EncodingError::Corrupt(format!(
            "record claims {n} entries in {} bytes",
            r.remaining()
        )));
    }
    Ok(n as usize)
}

fn id(r: &mut ByteReader<'_>) -> Result<u32, EncodingError> {
    u32::try_from(r.uvarint()?).map_err(|_| EncodingError::Corrupt("series id exceeds u32".into()))
}

pub fn decode_series(p: &[u8]) -> Result<Vec<SeriesEntry>, EncodingError> {
    let mut r = ByteReader::new(p);
    let n = count(&mut r, 2)?;
    let mut out = Vec::with_capacity(n);
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for _ in 0..n {
        let id = id(&mut r)?;
        let nl = count(&mut r, 2)?;
        pairs.clear();
        for _ in 0..nl {
            let name = r.len_prefixed_str()?;
            let value = r.len_prefixed_str()?;
            pairs.push((name, value));
        }
        let labels = Labels::from_pairs(pairs.iter().copied());
        out.push(SeriesEntry { id, labels });
    }
    ensure_consumed(&r)?;
    Ok(out)
}

/// Decodes a samples payload, appending to `out`.
pub fn decode_samples_into(p: &[u8], out: &mut Vec<RefSample>) -> Result<(), EncodingError> {
    let mut r = ByteReader::new(p);
    let n = count(&mut r, 10)?;
    out.reserve(n);
    if n > 0 {
        let first_id = id(&mut r)?;
        let t0 = r.varint()?;
        let v0 = r.f64_bits()?;
        out.push(RefSample {
            id: first_id,
            t: t0,
            v: v0,
        });
        let mut prev = i64::from(first_id);
        for _ in 1..n {
            let d = r.varint()?;
            let cur = prev
                .checked_add(d)
                .filter(|c| (0..=i64::from(u32::MAX)).contains(c));
            let cur =
                cur.ok_or_else(|| EncodingError::Corrupt("series id delta out of range".into()))?;
            let t = t0.wrapping_add(r.varint()?);
            let v = r.f64_bits()?;
            out.push(RefSample {
                id: cur as u32,
                t,
                v,
            });
            prev = cur;
        }
    }
    ensure_consumed(&r)
}

pub fn decode_tombstones(p: &[u8]) -> Result<Vec<TombstoneEntry>, EncodingError> {
    let mut r = ByteReader::new(p);
    let n = count(&mut r, 3)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let id = id(&mut r)?;
        let mint = r.varint()?;
        let maxt = r.varint()?;
        out.push(TombstoneEntry { id, mint, maxt });
    }
    ensure_consumed(&r)?;
    Ok(out)
}

fn ensure_consumed(r: &ByteReader<'_>) -> Result<(), EncodingError> {
    if r.is_empty() {
        Ok(())
    } else {
        Err(EncodingError::Corrupt(format!(
            "{} trailing bytes in record",
            r.remaining()
        )))
    }
}

/// Decodes one whole framed record from the start of `bytes` (fuzzing and tests).
pub fn decode_record(bytes: &[u8]) -> Result<Option<(Record, usize)>, EncodingError> {
    let Some(raw) = read_frame(bytes)? else {
        return Ok(None);
    };
    if raw.kind == RecordType::Chunks {
        super::snapshot::for_each_snapshot_series(raw.compressed, |_, _, _| {})?;
        return Ok(Some((
            Record::Chunks(raw.compressed.to_vec()),
            raw.total_len,
        )));
    }
    let mut buf = Vec::new();
    decompress_into(raw.compressed, &mut buf)?;
    let rec = match raw.kind {
        RecordType::Series => Record::Series(decode_series(&buf)?),
        RecordType::Samples => {
            let mut v = Vec::new();
            decode_samples_into(&buf, &mut v)?;
            Record::Samples(v)
        }
        RecordType::Tombstones => Record::Tombstones(decode_tombstones(&buf)?),
        RecordType::Chunks => Record::Chunks(buf),
    };
    Ok(Some((rec, raw.total_len)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn labels_strategy() -> impl Strategy<Value = Labels> {
        proptest::collection::vec(("[a-z_]{1,8}", "[ -~]{0,12}"), 0..6).prop_map(Labels::from_pairs)
    }

    proptest! {
        #[test]
        fn records_round_trip(
            series in proptest::collection::vec((any::<u32>(), labels_strategy()), 0..20),
            samples in proptest::collection::vec((any::<u32>(), any::<i64>(), any::<u64>()), 0..100),
            stones in proptest::collection::vec((any::<u32>(), any::<i64>(), any::<i64>()), 0..20),
        ) {
            let series: Vec<SeriesEntry> = series.into_iter().map(|(id, labels)| SeriesEntry { id, labels }).collect();
            let samples: Vec<RefSample> = samples.into_iter().map(|(id, t, v)| RefSample { id, t, v: f64::from_bits(v) }).collect();
            let stones: Vec<TombstoneEntry> = stones.into_iter().map(|(id, mint, maxt)| TombstoneEntry { id, mint, maxt }).collect();
            let mut out = Vec::new();
            encode_series(&series, &mut out);
            encode_samples(&samples, &mut Vec::new(), &mut out);
            encode_tombstones(&stones, &mut out);
            let mut pos = 0;
            let (r1, n1) = decode_record(&out[pos..]).unwrap().unwrap();
            pos += n1;
            let (r2, n2) = decode_record(&out[pos..]).unwrap().unwrap();
            pos += n2;
            let (r3, n3) = decode_record(&out[pos..]).unwrap().unwrap();
            pos += n3;
            prop_assert_eq!(pos, out.len());
            prop_assert_eq!(r1, Record::Series(series));
            match r2 {
                Record::Samples(got) => {
                    prop_assert_eq!(got.len(), samples.len());
                    for (g, w) in got.iter().zip(&samples) {
                        prop_assert_eq!((g.id, g.t, g.v.to_bits()), (w.id, w.t, w.v.to_bits()));
                    }
                }
                other => prop_assert!(false, "{other:?}"),
            }
            prop_assert_eq!(r3, Record::Tombstones(stones));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode_record(&bytes);
            let _ = decode_series(&bytes);
            let _ = decode_samples_into(&bytes, &mut Vec::new());
            let _ = decode_tombstones(&bytes);
        }
    }

    #[test]
    fn every_truncation_and_bit_flip_is_detected() {
        let mut out = Vec::new();
        let s = [
            RefSample {
                id: 7,
                t: 1000,
                v: 1.5,
            },
            RefSample {
                id: 9,
                t: 1015,
                v: 2.5,
            },
        ];
        encode_samples(&s, &mut Vec::new(), &mut out);
        for cut in 1..out.len() {
            assert!(decode_record(&out[..cut]).is_err(), "cut at {cut}");
        }
        for i in 0..out.len() {
            for bit in 0..8 {
                let mut bad = out.clone();
                bad[i] ^= 1 << bit;
                assert!(decode_record(&bad).is_err(), "flip byte {i} bit {bit}");
            }
        }
    }
}
