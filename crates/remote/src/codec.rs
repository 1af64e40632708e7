//! Snappy (block format) framing of remote write bodies: encoding a `WriteRequest` for
//! sending and decoding untrusted request bodies.

use prost::Message;

use crate::prompb::WriteRequest;
use crate::RemoteError;

/// The largest decompressed body the receiver accepts (64 MiB). A snappy body declares
/// its decompressed length up front, so an oversized one is refused before allocating.
pub const MAX_DECOMPRESSED_BYTES: usize = 64 << 20;

/// Encodes and snappy-compresses a request, ready to be a remote write body.
pub fn encode_write_request(req: &WriteRequest) -> Vec<u8> {
    let raw = req.encode_to_vec();
    // Compressing a byte slice into a Vec cannot fail except for inputs over 4 GiB,
    // which no batch reaches; an empty body would then be refused by the receiver.
    snap::raw::Encoder::new()
        .compress_vec(&raw)
        .unwrap_or_default()
}

/// Decompresses a snappy block-format body, refusing bodies that declare more than
/// `limit` decompressed bytes.
pub fn decompress_snappy(body: &[u8], limit: usize) -> Result<Vec<u8>, RemoteError> {
    let size = snap::raw::decompress_len(body).map_err(|e| RemoteError::Snappy(e.to_string()))?;
    if size > limit {
        return Err(RemoteError::TooLarge { size, limit });
    }
    snap::raw::Decoder::new()
        .decompress_vec(body)
        .map_err(|e| RemoteError::Snappy(e.to_string()))
}

/// Decodes an untrusted remote write body (snappy + protobuf). Never panics.
pub fn decode_write_request(body: &[u8]) -> Result<WriteRequest, RemoteError> {
    let raw = decompress_snappy(body, MAX_DECOMPRESSED_BYTES)?;
    WriteRequest::decode(raw.as_slice()).map_err(|e| RemoteError::Protobuf(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompb::{labels_to_proto, MetricMetadata, Sample, TimeSeries};
    use promlite_model::{Labels, Metadata, MetricType, STALE_NAN};
    use proptest::prelude::*;

    fn series(name: &str, samples: &[(i64, f64)]) -> TimeSeries {
        TimeSeries {
            labels: labels_to_proto(&Labels::from_pairs([("__name__", name), ("job", "j")])),
            samples: samples
                .iter()
                .map(|&(timestamp, value)| Sample { value, timestamp })
                .collect(),
            ..TimeSeries::default()
        }
    }

    #[test]
    fn round_trip_keeps_everything_including_stale_markers() {
        let req = WriteRequest {
            timeseries: vec![
                series("up", &[(1000, 1.0), (2000, STALE_NAN)]),
                series("x", &[(i64::MIN, f64::MAX), (-5, -0.0)]),
            ],
            metadata: vec![MetricMetadata::from_model(
                "up",
                &Metadata {
                    metric_type: MetricType::Gauge,
                    help: "Up.".into(),
                    unit: String::new(),
                },
            )],
        };
        let body = encode_write_request(&req);
        let back = decode_write_request(&body).unwrap();
        // NaN != NaN, so compare the stale marker by bits and the rest structurally.
        assert_eq!(
            back.timeseries[0].samples[1].value.to_bits(),
            STALE_NAN.to_bits()
        );
        assert_eq!(back.timeseries[1], req.timeseries[1]);
        assert_eq!(back.metadata, req.metadata);
        assert_eq!(back.metadata[0].to_model().1.metric_type, MetricType::Gauge);
    }

    #[test]
    fn known_wire_bytes_decode() {
        // WriteRequest{timeseries:[{labels:[{__name__,"a"}], samples:[{value:1, timestamp:2}]}]}
        // encoded by hand from the proto definitions.
        let raw: Vec<u8> = vec![
            0x0a, 0x1c, // field 1 (timeseries), 28 bytes
            0x0a, 0x0d, 0x0a, 0x08, b'_', b'_', b'n', b'a', b'm', b'e', b'_', b'_', 0x12, 0x01,
            b'a', // label
            0x12, 0x0b, 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0x02, // sample 1.0 @ 2
        ];
        let body = snap::raw::Encoder::new().compress_vec(&raw).unwrap();
        let req = decode_write_request(&body).unwrap();
        assert_eq!(req.timeseries.len(), 1);
        assert_eq!(req.timeseries[0].labels[0].value, b"a");
        assert_eq!(
            req.timeseries[0].samples,
            vec![Sample {
                value: 1.0,
                timestamp: 2
            }]
        );
    }

    #[test]
    fn bad_bodies_are_errors() {
        assert!(matches!(
            decode_write_request(b"\xff\xff\xff\xff\xff\xff"),
            Err(RemoteError::Snappy(_))
        ));
        let not_proto = snap::raw::Encoder::new().compress_vec(b"\x0a\xff").unwrap();
        assert!(matches!(
            decode_write_request(&not_proto),
            Err(RemoteError::Protobuf(_))
        ));
        // A header claiming 1 GiB is refused before decompressing.
        let mut huge = Vec::new();
        let mut n: u64 = 1 << 30;
        while n >= 0x80 {
            huge.push((n as u8) | 0x80);
            n >>= 7;
        }
        huge.push(n as u8);
        assert!(matches!(
            decode_write_request(&huge),
            Err(RemoteError::TooLarge { .. })
        ));
        assert_eq!(decode_write_request(&[0]).unwrap(), WriteRequest::default());
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode_write_request(&body);
        }

        #[test]
        fn random_protobuf_payloads_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..512)) {
            let body = snap::raw::Encoder::new().compress_vec(&raw).unwrap();
            let _ = decode_write_request(&body);
        }

        #[test]
        fn mutated_valid_bodies_never_panic(flips in proptest::collection::vec((0usize..200, any::<u8>()), 1..8)) {
            let req = WriteRequest { timeseries: vec![series("m", &[(1, 1.0), (2, 2.0)])], metadata: vec![] };
            let mut raw = req.encode_to_vec();
            for (i, b) in flips {
                let len = raw.len();
                if let Some(x) = raw.get_mut(i % len) { *x = b; }
            }
            let body = snap::raw::Encoder::new().compress_vec(&raw).unwrap();
            let _ = decode_write_request(&body);
        }

        #[test]
        fn encode_decode_round_trip(
            samples in proptest::collection::vec((any::<i64>(), any::<f64>().prop_filter("no NaN", |v| !v.is_nan())), 0..50),
            name in "[a-z_]{1,20}",
        ) {
            let req = WriteRequest { timeseries: vec![series(&name, &samples)], metadata: vec![] };
            prop_assert_eq!(decode_write_request(&encode_write_request(&req)).unwrap(), req);
        }
    }
}
