//! The receiver on `MemStorage`: status codes and messages as Prometheus answers them.

use std::sync::Arc;

use http::{HeaderMap, HeaderValue, StatusCode};
use promlite_model::{ManualClock, Matcher};
use promlite_remote::prompb::{labels_to_proto, Label, Sample, TimeSeries, WriteRequest};
use promlite_remote::{encode_write_request, RemoteWriteReceiver};
use promlite_storage::{collect_samples, MemStorage, Queryable, SelectHints};

use crate::support::labels;

const NOW: i64 = 1_700_000_000_000;

fn receiver() -> (MemStorage, RemoteWriteReceiver) {
    let db = MemStorage::new();
    let r = RemoteWriteReceiver::new(Arc::new(db.clone()), ManualClock::new(NOW));
    (db, r)
}

fn v1_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/x-protobuf"),
    );
    h.insert("content-encoding", HeaderValue::from_static("snappy"));
    h.insert(
        "x-prometheus-remote-write-version",
        HeaderValue::from_static("0.1.0"),
    );
    h
}

fn series(pairs: &[(&str, &str)], samples: &[(i64, f64)]) -> TimeSeries {
    TimeSeries {
        labels: labels_to_proto(&labels(pairs)),
        samples: samples
            .iter()
            .map(|&(timestamp, value)| Sample { value, timestamp })
            .collect(),
        ..TimeSeries::default()
    }
}

fn body(ts: Vec<TimeSeries>) -> Vec<u8> {
    encode_write_request(&WriteRequest {
        timeseries: ts,
        metadata: vec![],
    })
}

fn stored(db: &MemStorage, name: &str) -> Vec<(i64, f64)> {
    let q = db.querier(i64::MIN, i64::MAX).unwrap();
    let set = q
        .select(
            &[Matcher::equal("__name__", name)],
            &SelectHints::range(i64::MIN, i64::MAX),
        )
        .unwrap();
    collect_samples(set, i64::MIN, i64::MAX)
        .unwrap()
        .into_iter()
        .flat_map(|(_, s)| s.into_iter().map(|s| (s.t, s.v)))
        .collect()
}

#[test]
fn accepted_request_is_204_and_stored() {
    let (db, r) = receiver();
    let resp = r.handle(
        &v1_headers(),
        &body(vec![
            series(
                &[("__name__", "a"), ("job", "x")],
                &[(NOW, 1.0), (NOW + 1, 2.0)],
            ),
            series(&[("__name__", "b")], &[(NOW, 3.0)]),
        ]),
    );
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
    assert_eq!(resp.body, "");
    assert_eq!(stored(&db, "a"), [(NOW, 1.0), (NOW + 1, 2.0)]);
    assert_eq!(stored(&db, "b"), [(NOW, 3.0)]);
    assert_eq!(r.metrics().samples_appended_total, 3);
    // Headers are optional for 1.0 clients.
    let resp = r.handle(
        &HeaderMap::new(),
        &body(vec![series(&[("__name__", "c")], &[(NOW, 1.0)])]),
    );
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
}

#[test]
fn out_of_order_rolls_back_and_is_400_with_prometheus_wording() {
    let (db, r) = receiver();
    let ok = r.handle(
        &v1_headers(),
        &body(vec![series(&[("__name__", "a")], &[(NOW, 1.0)])]),
    );
    assert_eq!(ok.status, StatusCode::NO_CONTENT);
    let resp = r.handle(
        &v1_headers(),
        &body(vec![
            series(&[("__name__", "b")], &[(NOW, 1.0)]),
            series(&[("__name__", "a")], &[(NOW - 1000, 1.0)]),
        ]),
    );
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.body, "out of order sample\n");
    assert!(
        stored(&db, "b").is_empty(),
        "the whole request was rolled back"
    );

    let dup = r.handle(
        &v1_headers(),
        &body(vec![series(&[("__name__", "a")], &[(NOW, 5.0)])]),
    );
    assert_eq!(
        (dup.status, dup.body.as_str()),
        (StatusCode::BAD_REQUEST, "duplicate sample for timestamp\n")
    );

    let future = r.handle(
        &v1_headers(),
        &body(vec![series(
            &[("__name__", "f")],
            &[(NOW + 11 * 60 * 1000, 1.0)],
        )]),
    );
    assert_eq!(
        (future.status, future.body.as_str()),
        (StatusCode::BAD_REQUEST, "out of bounds\n")
    );
    assert_eq!(r.metrics().requests_failed_total, 3);
}

#[test]
fn invalid_series_are_skipped_and_counted() {
    let (db, r) = receiver();
    let dup = TimeSeries {
        labels: vec![
            Label {
                name: b"__name__".to_vec(),
                value: b"d".to_vec(),
            },
            Label {
                name: b"x".to_vec(),
                value: b"1".to_vec(),
            },
            Label {
                name: b"x".to_vec(),
                value: b"2".to_vec(),
            },
        ],
        samples: vec![Sample {
            value: 1.0,
            timestamp: NOW,
        }],
        ..TimeSeries::default()
    };
    let resp = r.handle(
        &v1_headers(),
        &body(vec![
            series(&[("job", "no_name")], &[(NOW, 1.0), (NOW + 1, 1.0)]),
            dup,
            series(&[("__name__", "good")], &[(NOW, 1.0)]),
        ]),
    );
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
    assert_eq!(db.num_series(), 1);
    assert_eq!(stored(&db, "good"), [(NOW, 1.0)]);
    assert_eq!(r.metrics().invalid_labels_samples_total, 3);
}

#[test]
fn bad_headers_are_415_and_bad_bodies_400() {
    let (_, r) = receiver();
    let good = body(vec![series(&[("__name__", "a")], &[(NOW, 1.0)])]);
    let mut h = v1_headers();
    h.insert("content-encoding", HeaderValue::from_static("gzip"));
    let resp = r.handle(&h, &good);
    assert_eq!(resp.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        resp.body,
        "gzip encoding (compression) is not accepted by this server; only snappy is acceptable\n"
    );
    let mut h = v1_headers();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/x-protobuf;proto=io.prometheus.write.v2.Request"),
    );
    let resp = r.handle(&h, &good);
    assert_eq!(resp.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(resp
        .body
        .starts_with("io.prometheus.write.v2.Request protobuf message is not accepted"));
    let resp = r.handle(&v1_headers(), b"definitely not snappy");
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(resp.body.ends_with('\n'));
    let raw_not_proto = snap::raw::Encoder::new()
        .compress_vec(b"\x0a\x05ab")
        .unwrap();
    let resp = r.handle(&v1_headers(), &raw_not_proto);
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
}

proptest::proptest! {
    #[test]
    fn arbitrary_requests_never_panic(
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
        content_type in "[ -~]{0,60}",
        encoding in proptest::option::of("[a-zA-Z]{0,10}"),
    ) {
        let (_, r) = receiver();
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&content_type) {
            h.insert("content-type", v);
        }
        if let Some(e) = encoding.and_then(|e| HeaderValue::from_str(&e).ok()) {
            h.insert("content-encoding", e);
        }
        let resp = r.handle(&h, &body);
        proptest::prop_assert!(resp.status.is_client_error() || resp.status == StatusCode::NO_CONTENT);
    }

    #[test]
    fn random_series_are_stored_or_refused_whole(
        names in proptest::collection::vec("[a-c]{1,2}", 1..5),
        times in proptest::collection::vec(NOW - 5..NOW + 5, 1..8),
    ) {
        let (db, r) = receiver();
        let ts: Vec<TimeSeries> = names
            .iter()
            .map(|n| series(&[("__name__", n)], &times.iter().map(|&t| (t, 1.0)).collect::<Vec<_>>()))
            .collect();
        let resp = r.handle(&v1_headers(), &body(ts));
        if resp.status == StatusCode::NO_CONTENT {
            proptest::prop_assert!(db.num_samples() > 0);
        } else {
            proptest::prop_assert_eq!(resp.status, StatusCode::BAD_REQUEST);
            proptest::prop_assert_eq!(db.num_samples(), 0, "a refused request leaves nothing behind");
        }
    }
}
