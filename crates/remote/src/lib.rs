//! Prometheus remote write for promlite: the 1.0 protocol (`prometheus.WriteRequest`,
//! protobuf + snappy), a sender that forwards committed samples to Mimir, Thanos,
//! Cortex, VictoriaMetrics or another Prometheus, and a receiver for
//! `POST /api/v1/write`.
//!
//! Wiring in the binary:
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use promlite_model::{Labels, SystemClock};
//! use promlite_remote::{Fanout, RemoteWriteManager, RemoteWriteReceiver};
//! use promlite_storage::MemStorage;
//!
//! # async fn wire(cfg: promlite_config::Config) -> Result<(), promlite_remote::RemoteError> {
//! let clock = Arc::new(SystemClock);
//! let remote = Arc::new(RemoteWriteManager::new(tokio::runtime::Handle::current(), clock.clone()));
//! remote.apply_config(&cfg.remote_write, &cfg.global.external_labels)?; // again on reload
//! let db = MemStorage::new(); // the tsdb in the binary
//! let appendable = Arc::new(Fanout::new(db.clone(), remote.clone())); // give this to scrape and rules
//! let receiver = RemoteWriteReceiver::new(Arc::new(db), clock); // POST /api/v1/write
//! let _families = remote.metrics().families(); // /metrics
//! remote.shutdown(Duration::from_secs(60)).await;
//! # Ok(()) }
//! ```

mod codec;
mod error;
pub mod prompb;
mod receiver;
mod sender;

pub use codec::{
    decode_write_request, decompress_snappy, encode_write_request, MAX_DECOMPRESSED_BYTES,
};
pub use error::RemoteError;
pub use receiver::{
    ReceiverMetrics, RemoteWriteReceiver, WriteResponse, WriteStats, MAX_AHEAD_MS,
    PROTOBUF_CONTENT_TYPE,
};
pub use sender::{
    remote_name, CommittedSample, Fanout, MetricFamilySnapshot, MetricKind, QueueMetricsSnapshot,
    RemoteWriteManager, RemoteWriteMetrics, DEFAULT_FLUSH_DEADLINE,
    REMOTE_WRITE_VERSION_HEADER_VALUE, USER_AGENT,
};
