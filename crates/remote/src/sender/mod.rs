//! The remote write sender: [`RemoteWriteManager`] with one queue per `remote_write`
//! entry, fed through the [`Fanout`] appendable wrapper.

mod client;
mod dispatch;
mod fanout;
mod manager;
mod metrics;
mod queue;
mod shard;

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::RwLock;
use promlite_model::{Labels, Metadata};

pub use client::{REMOTE_WRITE_VERSION_HEADER_VALUE, USER_AGENT};
pub use fanout::Fanout;
pub use manager::{remote_name, RemoteWriteManager, DEFAULT_FLUSH_DEADLINE};
pub use metrics::{MetricFamilySnapshot, MetricKind, QueueMetricsSnapshot, RemoteWriteMetrics};

/// A sample whose commit succeeded, as handed to [`RemoteWriteManager::append`].
#[derive(Debug, Clone, PartialEq)]
pub struct CommittedSample {
    pub labels: Labels,
    pub t: i64,
    pub v: f64,
}

/// One commit's samples, shared by every remote's queue.
pub(crate) type CommittedBatch = Arc<Vec<CommittedSample>>;

/// Latest metadata per metric family name.
pub(crate) type MetadataStore = RwLock<BTreeMap<String, Metadata>>;

#[cfg(test)]
pub(crate) mod tests_support {
    use promlite_config::{Config, RemoteWriteConfig};

    /// A `remote_write` entry with Prometheus's defaults, as the config crate loads it.
    pub fn remote_write_config(url: &str) -> RemoteWriteConfig {
        let yaml = format!("remote_write:\n  - url: {url:?}\n");
        match Config::from_yaml_str(&yaml, ".") {
            Ok(mut c) => c.remote_write.remove(0),
            Err(_) => {
                // The config crate refuses some URLs; tests of such URLs patch a valid one.
                let mut c = remote_write_config("http://127.0.0.1:1/api/v1/write");
                c.url = url.to_string();
                c
            }
        }
    }
}
