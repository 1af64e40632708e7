//! The remote write receiver: turns one `POST /api/v1/write` (headers + body) into
//! appends on an [`Appendable`] and an HTTP status with Prometheus's wording.
//!
//! Behaviour follows Prometheus 3's v1 write handler: an absent `Content-Type` or
//! `Content-Encoding` is taken as remote write 1.0 with snappy; other media types,
//! messages or encodings are 415; undecodable bodies are 400 with the decoder's message;
//! series without a metric name, with invalid UTF-8 or with a repeated label name are
//! skipped and counted; a sample more than 10 minutes ahead of the clock is `out of
//! bounds`; out-of-order, duplicate and out-of-bounds samples roll the whole request back
//! and answer 400 (so senders do not retry); other storage errors answer 500.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use http::{HeaderMap, StatusCode};
use promlite_config::{REMOTE_WRITE_V1, REMOTE_WRITE_V2};
use promlite_model::SharedClock;
use promlite_storage::{Appendable, StorageError};

use crate::codec::decode_write_request;
use crate::prompb::{labels_from_proto, InvalidLabels, WriteRequest};

/// The media type of remote write bodies.
pub const PROTOBUF_CONTENT_TYPE: &str = "application/x-protobuf";

/// How far ahead of the receiver's clock a sample may be (Prometheus's `maxAheadTime`).
pub const MAX_AHEAD_MS: i64 = 10 * 60 * 1000;

/// The answer to one write request. `body` is empty for 204, otherwise the error text
/// followed by a newline (as Go's `http.Error` writes it), sent as `text/plain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteResponse {
    pub status: StatusCode,
    pub body: String,
}

impl WriteResponse {
    fn no_content() -> WriteResponse {
        WriteResponse {
            status: StatusCode::NO_CONTENT,
            body: String::new(),
        }
    }

    fn error(status: StatusCode, message: impl std::fmt::Display) -> WriteResponse {
        WriteResponse {
            status,
            body: format!("{message}\n"),
        }
    }
}

/// What one accepted request added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub samples_appended: u64,
    pub samples_with_invalid_labels: u64,
    pub histograms_skipped: u64,
    pub exemplars_skipped: u64,
}

/// Counters of the receiver, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiverMetrics {
    /// `prometheus_api_remote_write_invalid_labels_samples_total`.
    pub invalid_labels_samples_total: u64,
    /// Requests answered 204.
    pub requests_ok_total: u64,
    /// Requests answered 4xx or 5xx.
    pub requests_failed_total: u64,
    /// Float samples appended.
    pub samples_appended_total: u64,
    /// Native histogram samples received and skipped (promlite stores floats only).
    pub histograms_skipped_total: u64,
}

#[derive(Default)]
struct ReceiverCounters {
    invalid_labels_samples: AtomicU64,
    requests_ok: AtomicU64,
    requests_failed: AtomicU64,
    samples_appended: AtomicU64,
    histograms_skipped: AtomicU64,
}

/// Accepts remote write requests into an [`Appendable`]. Cheap to share behind an `Arc`;
/// `handle` may run on many threads at once.
pub struct RemoteWriteReceiver {
    appendable: Arc<dyn Appendable>,
    clock: SharedClock,
    counters: ReceiverCounters,
}

impl std::fmt::Debug for RemoteWriteReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteWriteReceiver")
            .field("metrics", &self.metrics())
            .finish()
    }
}

/// Which protobuf message a `Content-Type` names, or the 415 text.
fn parse_proto_message(content_type: &str) -> Result<&'static str, String> {
    let content_type = content_type.trim();
    let mut parts = content_type.split(';');
    if parts.next().map(str::trim) != Some(PROTOBUF_CONTENT_TYPE) {
        return Err(format!(
            "expected {PROTOBUF_CONTENT_TYPE} as the first (media) part, got {content_type} content-type"
        ));
    }
    for param in parts {
        let Some((key, value)) = param.split_once('=') else {
            return Err(format!(
                "as per https://www.rfc-editor.org/rfc/rfc9110#parameter expected parameters to be key-values, got {param} in {content_type} content-type"
            ));
        };
        if key.trim() == "proto" {
            return match value.trim() {
                REMOTE_WRITE_V1 => Ok(REMOTE_WRITE_V1),
                REMOTE_WRITE_V2 => Ok(REMOTE_WRITE_V2),
                other => Err(format!(
                    "got {content_type} content type; unknown type for remote write protobuf message {other}, supported: {REMOTE_WRITE_V1}, {REMOTE_WRITE_V2}"
                )),
            };
        }
    }
    Ok(REMOTE_WRITE_V1)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

impl RemoteWriteReceiver {
    /// A receiver appending into `appendable`; `clock` bounds how far ahead samples may be.
    pub fn new(appendable: Arc<dyn Appendable>, clock: SharedClock) -> RemoteWriteReceiver {
        RemoteWriteReceiver {
            appendable,
            clock,
            counters: ReceiverCounters::default(),
        }
    }

    /// Handles one `POST /api/v1/write`: checks the headers, decodes the body and appends
    /// every sample in one transaction.
    pub fn handle(&self, headers: &HeaderMap, body: &[u8]) -> WriteResponse {
        let response = self.handle_inner(headers, body);
        let counter = if response.status == StatusCode::NO_CONTENT {
            &self.counters.requests_ok
        } else {
            &self.counters.requests_failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
        response
    }

    fn handle_inner(&self, headers: &HeaderMap, body: &[u8]) -> WriteResponse {
        let content_type = match header(headers, "content-type") {
            "" => PROTOBUF_CONTENT_TYPE,
            ct => ct,
        };
        let message = match parse_proto_message(content_type) {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(err = %e, "Error decoding remote write request");
                return WriteResponse::error(StatusCode::UNSUPPORTED_MEDIA_TYPE, e);
            }
        };
        if message != REMOTE_WRITE_V1 {
            let e = format!(
                "{message} protobuf message is not accepted by this server; accepted [{REMOTE_WRITE_V1}]"
            );
            tracing::error!(err = %e, "Error decoding remote write request");
            return WriteResponse::error(StatusCode::UNSUPPORTED_MEDIA_TYPE, e);
        }
        let encoding = header(headers, "content-encoding");
        if !encoding.is_empty() && !encoding.eq_ignore_ascii_case("snappy") {
            let e = format!(
                "{encoding} encoding (compression) is not accepted by this server; only snappy is acceptable"
            );
            tracing::error!(err = %e, "Error decoding remote write request");
            return WriteResponse::error(StatusCode::UNSUPPORTED_MEDIA_TYPE, e);
        }
        let req = match decode_write_request(body) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(err = %e, "Error decoding remote write request");
                return WriteResponse::error(StatusCode::BAD_REQUEST, e);
            }
        };
        match self.write(&req) {
            Ok(_) => WriteResponse::no_content(),
            Err(
                e @ (StorageError::OutOfOrderSample
                | StorageError::OutOfBounds
                | StorageError::DuplicateSampleForTimestamp),
            ) => WriteResponse::error(StatusCode::BAD_REQUEST, e),
            Err(e) => {
                tracing::error!(err = %e, "Error while remote writing the v1 request");
                WriteResponse::error(StatusCode::INTERNAL_SERVER_ERROR, e)
            }
        }
    }

    /// Appends a decoded request in one transaction: any append error rolls everything
    /// back.
    pub fn write(&self, req: &WriteRequest) -> Result<WriteStats, StorageError> {
        let max_t = self.clock.now_ms().saturating_add(MAX_AHEAD_MS);
        let mut stats = WriteStats::default();
        let mut app = self.appendable.appender();
        for ts in &req.timeseries {
            stats.exemplars_skipped += ts.exemplars.len() as u64;
            stats.histograms_skipped += ts.histograms.len() as u64;
            let labels = match labels_from_proto(&ts.labels) {
                Ok(l) => l,
                Err(why) => {
                    match why {
                        InvalidLabels::Duplicate(name) => {
                            tracing::warn!(duplicated_label = %name, "Invalid labels for series.")
                        }
                        _ => tracing::warn!("Invalid metric names or labels"),
                    }
                    stats.samples_with_invalid_labels += ts.samples.len() as u64;
                    continue;
                }
            };
            let mut series_ref = None;
            for s in &ts.samples {
                let appended = if s.timestamp > max_t {
                    Err(StorageError::OutOfBounds)
                } else {
                    app.append(series_ref, &labels, s.timestamp, s.value)
                };
                match appended {
                    Ok(r) => series_ref = Some(r),
                    Err(e) => {
                        if matches!(
                            e,
                            StorageError::OutOfOrderSample
                                | StorageError::OutOfBounds
                                | StorageError::DuplicateSampleForTimestamp
                        ) {
                            tracing::error!(err = %e, series = %labels, timestamp = s.timestamp, "Out of order sample from remote write");
                        }
                        let _ = app.rollback();
                        return Err(e);
                    }
                }
                stats.samples_appended += 1;
            }
        }
        app.commit()?;
        let c = &self.counters;
        c.samples_appended
            .fetch_add(stats.samples_appended, Ordering::Relaxed);
        c.invalid_labels_samples
            .fetch_add(stats.samples_with_invalid_labels, Ordering::Relaxed);
        c.histograms_skipped
            .fetch_add(stats.histograms_skipped, Ordering::Relaxed);
        if stats.histograms_skipped > 0 {
            tracing::warn!(
                count = stats.histograms_skipped,
                "native histogram samples received by remote write are not supported by promlite and were skipped"
            );
        }
        Ok(stats)
    }

    /// The receiver's counters.
    pub fn metrics(&self) -> ReceiverMetrics {
        let c = &self.counters;
        ReceiverMetrics {
            invalid_labels_samples_total: c.invalid_labels_samples.load(Ordering::Relaxed),
            requests_ok_total: c.requests_ok.load(Ordering::Relaxed),
            requests_failed_total: c.requests_failed.load(Ordering::Relaxed),
            samples_appended_total: c.samples_appended.load(Ordering::Relaxed),
            histograms_skipped_total: c.histograms_skipped.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_as_prometheus_reads_them() {
        assert_eq!(
            parse_proto_message("application/x-protobuf"),
            Ok(REMOTE_WRITE_V1)
        );
        assert_eq!(
            parse_proto_message("application/x-protobuf;proto=io.prometheus.write.v2.Request"),
            Ok(REMOTE_WRITE_V2)
        );
        assert_eq!(
            parse_proto_message("application/x-protobuf; proto=prometheus.WriteRequest"),
            Ok(REMOTE_WRITE_V1)
        );
        assert_eq!(
            parse_proto_message("application/json").unwrap_err(),
            "expected application/x-protobuf as the first (media) part, got application/json content-type"
        );
        assert!(parse_proto_message("application/x-protobuf;proto=foo")
            .unwrap_err()
            .contains("unknown type for remote write protobuf message foo"));
        assert!(parse_proto_message("application/x-protobuf;bogus")
            .unwrap_err()
            .contains("expected parameters to be key-values"));
    }
}
