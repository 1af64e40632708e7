//! The sender's counters (atomics updated by queues and shards) and the snapshot the
//! HTTP crate renders under Prometheus's metric names.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use promlite_model::Labels;

/// Counters shared by every queue of a manager.
#[derive(Debug, Default)]
pub(crate) struct GlobalCounters {
    pub samples_in: AtomicU64,
    /// Highest timestamp (ms) handed to the manager; `i64::MIN` before any.
    pub highest_timestamp_ms: AtomicI64,
}

impl GlobalCounters {
    pub fn new() -> GlobalCounters {
        GlobalCounters {
            samples_in: AtomicU64::new(0),
            highest_timestamp_ms: AtomicI64::new(i64::MIN),
        }
    }
}

/// Counters of one remote's queue.
#[derive(Debug)]
pub(crate) struct QueueCounters {
    /// Samples accepted into the queue (for the shard estimate).
    pub samples_in: AtomicU64,
    pub samples_sent: AtomicU64,
    pub samples_failed: AtomicU64,
    pub samples_retried: AtomicU64,
    pub samples_dropped: AtomicU64,
    /// Samples accepted by the queue and neither sent, failed nor dropped yet. Also the
    /// measure the capacity limit is checked against.
    pub samples_pending: AtomicI64,
    pub bytes_sent: AtomicU64,
    pub metadata_sent: AtomicU64,
    pub metadata_failed: AtomicU64,
    pub metadata_retried: AtomicU64,
    pub metadata_bytes: AtomicU64,
    pub highest_sent_timestamp_ms: AtomicI64,
    pub shards: AtomicU64,
    pub shards_desired: AtomicU64,
    /// Sum of the durations of successful requests, in microseconds.
    pub sent_batch_duration_us: AtomicU64,
    pub sent_batches: AtomicU64,
    /// Requests that failed with a recoverable error (for resharding decisions).
    pub recoverable_errors: AtomicU64,
}

impl QueueCounters {
    pub fn new() -> QueueCounters {
        QueueCounters {
            samples_in: AtomicU64::new(0),
            samples_sent: AtomicU64::new(0),
            samples_failed: AtomicU64::new(0),
            samples_retried: AtomicU64::new(0),
            samples_dropped: AtomicU64::new(0),
            samples_pending: AtomicI64::new(0),
            bytes_sent: AtomicU64::new(0),
            metadata_sent: AtomicU64::new(0),
            metadata_failed: AtomicU64::new(0),
            metadata_retried: AtomicU64::new(0),
            metadata_bytes: AtomicU64::new(0),
            highest_sent_timestamp_ms: AtomicI64::new(i64::MIN),
            shards: AtomicU64::new(0),
            shards_desired: AtomicU64::new(0),
            sent_batch_duration_us: AtomicU64::new(0),
            sent_batches: AtomicU64::new(0),
            recoverable_errors: AtomicU64::new(0),
        }
    }

    /// Marks `n` pending samples as dropped (never sent).
    pub fn drop_pending(&self, n: u64) {
        self.samples_dropped.fetch_add(n, Ordering::Relaxed);
        self.samples_pending.fetch_sub(n as i64, Ordering::Relaxed);
    }
}

fn seconds(ms: i64) -> f64 {
    if ms == i64::MIN {
        0.0
    } else {
        ms as f64 / 1000.0
    }
}

/// One remote's figures, with Prometheus's meaning for each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueMetricsSnapshot {
    /// `remote_name` label: the config's `name`, or a hash of the config when unset.
    pub remote_name: String,
    /// `url` label.
    pub url: String,
    /// `prometheus_remote_storage_samples_total`: samples sent successfully.
    pub samples_total: u64,
    /// `prometheus_remote_storage_samples_failed_total`: samples refused for good (4xx).
    pub samples_failed_total: u64,
    /// `prometheus_remote_storage_samples_retried_total`: samples re-sent after 5xx/429
    /// or network errors (counted once per retry).
    pub samples_retried_total: u64,
    /// `prometheus_remote_storage_samples_dropped_total`: samples never sent because
    /// write relabeling dropped them, they exceeded `sample_age_limit`, the queue was
    /// full (`capacity`), or shutdown's flush deadline passed.
    pub samples_dropped_total: u64,
    /// `prometheus_remote_storage_samples_pending`.
    pub samples_pending: u64,
    /// `prometheus_remote_storage_bytes_total`: compressed request bytes sent.
    pub bytes_total: u64,
    /// `prometheus_remote_storage_metadata_total` and friends.
    pub metadata_total: u64,
    pub metadata_failed_total: u64,
    pub metadata_retried_total: u64,
    pub metadata_bytes_total: u64,
    /// `prometheus_remote_storage_queue_highest_sent_timestamp_seconds` (0 before any).
    pub queue_highest_sent_timestamp_seconds: f64,
    /// `prometheus_remote_storage_shards`, `_shards_min`, `_shards_max`, `_shards_desired`.
    pub shards: u64,
    pub shards_min: u64,
    pub shards_max: u64,
    pub shards_desired: u64,
    /// `prometheus_remote_storage_shard_capacity`.
    pub shard_capacity: u64,
    /// `prometheus_remote_storage_max_samples_per_send`.
    pub max_samples_per_send: u64,
    /// `prometheus_remote_storage_sent_batch_duration_seconds` sum and count.
    pub sent_batch_duration_seconds_sum: f64,
    pub sent_batch_duration_seconds_count: u64,
}

impl QueueMetricsSnapshot {
    pub(crate) fn read(
        remote_name: &str,
        url: &str,
        c: &QueueCounters,
        queue: &promlite_config::QueueConfig,
    ) -> QueueMetricsSnapshot {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        QueueMetricsSnapshot {
            remote_name: remote_name.to_string(),
            url: url.to_string(),
            samples_total: load(&c.samples_sent),
            samples_failed_total: load(&c.samples_failed),
            samples_retried_total: load(&c.samples_retried),
            samples_dropped_total: load(&c.samples_dropped),
            samples_pending: c.samples_pending.load(Ordering::Relaxed).max(0) as u64,
            bytes_total: load(&c.bytes_sent),
            metadata_total: load(&c.metadata_sent),
            metadata_failed_total: load(&c.metadata_failed),
            metadata_retried_total: load(&c.metadata_retried),
            metadata_bytes_total: load(&c.metadata_bytes),
            queue_highest_sent_timestamp_seconds: seconds(
                c.highest_sent_timestamp_ms.load(Ordering::Relaxed),
            ),
            shards: load(&c.shards),
            shards_min: queue.min_shards,
            shards_max: queue.max_shards,
            shards_desired: load(&c.shards_desired),
            shard_capacity: queue.capacity,
            max_samples_per_send: queue.max_samples_per_send,
            sent_batch_duration_seconds_sum: load(&c.sent_batch_duration_us) as f64 / 1e6,
            sent_batch_duration_seconds_count: load(&c.sent_batches),
        }
    }
}

/// Everything the remote write side reports, at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteWriteMetrics {
    /// `prometheus_remote_storage_samples_in_total`: samples handed to the manager.
    pub samples_in_total: u64,
    /// `prometheus_remote_storage_highest_timestamp_in_seconds` (0 before any).
    pub highest_timestamp_in_seconds: f64,
    /// One entry per configured remote, in config order.
    pub queues: Vec<QueueMetricsSnapshot>,
}

/// Counter or gauge, for the `# TYPE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    Counter,
    Gauge,
}

/// One metric family ready to render: name, help, type and its series.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricFamilySnapshot {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: MetricKind,
    pub series: Vec<(Labels, f64)>,
}

type QueueField = fn(&QueueMetricsSnapshot) -> f64;

/// Per-remote families: (name, help, kind, field).
const QUEUE_FAMILIES: [(&str, &str, MetricKind, QueueField); 19] = [
    ("prometheus_remote_storage_samples_total", "Total number of samples sent to remote storage.", MetricKind::Counter, |q| q.samples_total as f64),
    ("prometheus_remote_storage_samples_failed_total", "Total number of samples which failed on send to remote storage, non-recoverable errors.", MetricKind::Counter, |q| q.samples_failed_total as f64),
    ("prometheus_remote_storage_samples_retried_total", "Total number of samples which failed on send to remote storage but were retried because the send error was recoverable.", MetricKind::Counter, |q| q.samples_retried_total as f64),
    ("prometheus_remote_storage_samples_dropped_total", "Total number of samples dropped before being sent: write relabeling, sample age limit, full queue or shutdown.", MetricKind::Counter, |q| q.samples_dropped_total as f64),
    ("prometheus_remote_storage_samples_pending", "The number of samples pending in the queues shards to be sent to the remote storage.", MetricKind::Gauge, |q| q.samples_pending as f64),
    ("prometheus_remote_storage_bytes_total", "The total number of bytes of data (not metadata) sent by the queue after compression.", MetricKind::Counter, |q| q.bytes_total as f64),
    ("prometheus_remote_storage_metadata_total", "Total number of metadata entries sent to remote storage.", MetricKind::Counter, |q| q.metadata_total as f64),
    ("prometheus_remote_storage_metadata_failed_total", "Total number of metadata entries which failed on send to remote storage, non-recoverable errors.", MetricKind::Counter, |q| q.metadata_failed_total as f64),
    ("prometheus_remote_storage_metadata_retried_total", "Total number of metadata entries which failed on send to remote storage but were retried because the send error was recoverable.", MetricKind::Counter, |q| q.metadata_retried_total as f64),
    ("prometheus_remote_storage_metadata_bytes_total", "The total number of bytes of metadata sent by the queue after compression.", MetricKind::Counter, |q| q.metadata_bytes_total as f64),
    ("prometheus_remote_storage_queue_highest_sent_timestamp_seconds", "Timestamp from a WAL sample, the highest timestamp successfully sent by this queue, in seconds since epoch.", MetricKind::Gauge, |q| q.queue_highest_sent_timestamp_seconds),
    ("prometheus_remote_storage_shards", "The number of shards used for parallel sending to the remote storage.", MetricKind::Gauge, |q| q.shards as f64),
    ("prometheus_remote_storage_shards_min", "The minimum number of shards that the queue is allowed to run.", MetricKind::Gauge, |q| q.shards_min as f64),
    ("prometheus_remote_storage_shards_max", "The maximum number of shards that the queue is allowed to run.", MetricKind::Gauge, |q| q.shards_max as f64),
    ("prometheus_remote_storage_shards_desired", "The number of shards that the queues shard calculation wants to run based on the rate of samples in vs. samples out.", MetricKind::Gauge, |q| q.shards_desired as f64),
    ("prometheus_remote_storage_shard_capacity", "The capacity of each shard of the queue used for parallel sending to the remote storage.", MetricKind::Gauge, |q| q.shard_capacity as f64),
    ("prometheus_remote_storage_max_samples_per_send", "The maximum number of samples to be sent, in a single request, to the remote storage.", MetricKind::Gauge, |q| q.max_samples_per_send as f64),
    ("prometheus_remote_storage_sent_batch_duration_seconds_sum", "Duration of successful send calls to the remote storage, summed.", MetricKind::Counter, |q| q.sent_batch_duration_seconds_sum),
    ("prometheus_remote_storage_sent_batch_duration_seconds_count", "Number of successful send calls to the remote storage.", MetricKind::Counter, |q| q.sent_batch_duration_seconds_count as f64),
];

impl RemoteWriteMetrics {
    /// The figures as metric families with Prometheus's names and the labels
    /// `remote_name` and `url`, for rendering at `/metrics`.
    pub fn families(&self) -> Vec<MetricFamilySnapshot> {
        let mut out = vec![
            MetricFamilySnapshot {
                name: "prometheus_remote_storage_samples_in_total",
                help: "Samples in to remote storage, compare to samples out for queue managers.",
                kind: MetricKind::Counter,
                series: vec![(Labels::empty(), self.samples_in_total as f64)],
            },
            MetricFamilySnapshot {
                name: "prometheus_remote_storage_highest_timestamp_in_seconds",
                help: "Highest timestamp that has come into the remote storage via the Appender interface, in seconds since epoch.",
                kind: MetricKind::Gauge,
                series: vec![(Labels::empty(), self.highest_timestamp_in_seconds)],
            },
        ];
        for (name, help, kind, field) in QUEUE_FAMILIES {
            out.push(MetricFamilySnapshot {
                name,
                help,
                kind,
                series: self
                    .queues
                    .iter()
                    .map(|q| {
                        let labels = Labels::from_pairs([
                            ("remote_name", q.remote_name.as_str()),
                            ("url", q.url.as_str()),
                        ]);
                        (labels, field(q))
                    })
                    .collect(),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_carry_remote_labels_and_values() {
        let m = RemoteWriteMetrics {
            samples_in_total: 7,
            highest_timestamp_in_seconds: 12.5,
            queues: vec![QueueMetricsSnapshot {
                remote_name: "vm".into(),
                url: "http://x/api/v1/write".into(),
                samples_total: 5,
                samples_dropped_total: 2,
                ..QueueMetricsSnapshot::default()
            }],
        };
        let fams = m.families();
        let get = |name: &str| fams.iter().find(|f| f.name == name).unwrap();
        assert_eq!(
            get("prometheus_remote_storage_samples_in_total").series[0].1,
            7.0
        );
        let sent = get("prometheus_remote_storage_samples_total");
        assert_eq!(sent.kind, MetricKind::Counter);
        assert_eq!(
            sent.series[0].0.to_string(),
            r#"{remote_name="vm", url="http://x/api/v1/write"}"#
        );
        assert_eq!(sent.series[0].1, 5.0);
        assert_eq!(
            get("prometheus_remote_storage_samples_dropped_total").series[0].1,
            2.0
        );
        let names: std::collections::HashSet<_> = fams.iter().map(|f| f.name).collect();
        assert_eq!(names.len(), fams.len(), "family names are unique");
    }
}
