//! Engine counters and gauges, named as Prometheus names them where there is a twin, so
//! dashboards for Prometheus itself work against `/metrics`.

use std::sync::atomic::{AtomicI64, Ordering};

/// Whether a metric only goes up or can go both ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    Counter,
    Gauge,
}

/// One metric value in a [`MetricsSnapshot`].
#[derive(Clone, Debug, PartialEq)]
pub struct MetricValue {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: MetricKind,
    pub value: f64,
}

/// A point-in-time copy of every metric of a database.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricsSnapshot {
    pub metrics: Vec<MetricValue>,
}

impl MetricsSnapshot {
    /// The value of the metric called `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value)
    }

    /// The Prometheus text exposition (0.0.4) of the snapshot.
    pub fn to_prometheus_text(&self) -> String {
        let mut out = String::new();
        for m in &self.metrics {
            let kind = match m.kind {
                MetricKind::Counter => "counter",
                MetricKind::Gauge => "gauge",
            };
            out.push_str(&format!(
                "# HELP {} {}\n# TYPE {} {}\n{} {}\n",
                m.name, m.help, m.name, kind, m.name, m.value
            ));
        }
        out
    }
}

macro_rules! metrics {
    ($( $field:ident : $kind:ident $name:literal $help:literal ;)*) => {
        /// Live counters of one database, updated with relaxed atomics.
        #[derive(Debug, Default)]
        pub struct Metrics {
            $( pub $field: AtomicI64, )*
        }

        impl Metrics {
            /// Copies every metric.
            pub fn snapshot(&self) -> MetricsSnapshot {
                MetricsSnapshot {
                    metrics: vec![$(MetricValue {
                        name: $name,
                        help: $help,
                        kind: MetricKind::$kind,
                        value: self.$field.load(Ordering::Relaxed) as f64,
                    },)*],
                }
            }
        }
    };
}

metrics! {
    head_series: Gauge "prometheus_tsdb_head_series" "Total number of series in the head block.";
    head_series_created: Counter "prometheus_tsdb_head_series_created_total" "Total number of series created in the head.";
    head_series_removed: Counter "prometheus_tsdb_head_series_removed_total" "Total number of series removed from the head.";
    head_samples_appended: Counter "prometheus_tsdb_head_samples_appended_total" "Total number of appended samples.";
    head_chunks: Gauge "prometheus_tsdb_head_chunks" "Total number of chunks in the head block.";
    head_chunks_created: Counter "prometheus_tsdb_head_chunks_created_total" "Total number of chunks created in the head.";
    head_chunks_removed: Counter "prometheus_tsdb_head_chunks_removed_total" "Total number of chunks removed from the head.";
    head_min_time: Gauge "prometheus_tsdb_head_min_time" "Minimum time bound of the head block (ms).";
    head_max_time: Gauge "prometheus_tsdb_head_max_time" "Maximum timestamp of the head block (ms).";
    head_truncations: Counter "prometheus_tsdb_head_truncations_total" "Total number of head truncations.";
    out_of_order_samples: Counter "prometheus_tsdb_out_of_order_samples_total" "Total number of out of order samples rejected.";
    duplicate_samples: Counter "promlite_tsdb_duplicate_samples_total" "Total number of samples rejected for a different value at an existing timestamp.";
    out_of_bound_samples: Counter "prometheus_tsdb_out_of_bound_samples_total" "Total number of samples rejected as older than the head's appendable window.";
    wal_corruptions: Counter "prometheus_tsdb_wal_corruptions_total" "Total number of WAL corruptions found (and truncated) on replay.";
    wal_writes_failed: Counter "prometheus_tsdb_wal_writes_failed_total" "Total number of WAL writes that failed.";
    wal_fsyncs: Counter "promlite_tsdb_wal_fsyncs_total" "Total number of WAL fsyncs.";
    wal_segment_current: Gauge "prometheus_tsdb_wal_segment_current" "Index of the WAL segment being written.";
    wal_replayed_samples: Counter "promlite_tsdb_wal_replayed_samples_total" "Samples replayed from the WAL at open.";
    wal_replay_unknown_refs: Counter "promlite_tsdb_wal_replay_unknown_series_refs_total" "WAL samples that referenced a series with no series record.";
    wal_truncations: Counter "prometheus_tsdb_wal_truncations_total" "Total number of WAL truncations.";
    checkpoints: Counter "prometheus_tsdb_checkpoint_creations_total" "Total number of checkpoints created.";
    poisoned: Gauge "promlite_tsdb_poisoned" "1 if a failed fsync made the database refuse writes.";
    compactions: Counter "prometheus_tsdb_compactions_total" "Total number of compactions executed.";
    compactions_failed: Counter "prometheus_tsdb_compactions_failed_total" "Total number of compactions that failed.";
    head_compactions: Counter "promlite_tsdb_head_compactions_total" "Head blocks persisted into a block.";
    blocks_loaded: Gauge "prometheus_tsdb_blocks_loaded" "Number of currently loaded data blocks.";
    blocks_corrupted: Counter "promlite_tsdb_blocks_corrupted_total" "Blocks skipped at load because a file failed its checks.";
    storage_blocks_bytes: Gauge "prometheus_tsdb_storage_blocks_bytes" "The number of bytes used by loaded blocks.";
    time_retentions: Counter "prometheus_tsdb_time_retentions_total" "Blocks deleted because of the retention time.";
    size_retentions: Counter "prometheus_tsdb_size_retentions_total" "Blocks deleted because of the size limit.";
    reloads: Counter "prometheus_tsdb_reloads_total" "Number of times the database reloaded block data from disk.";
    tombstone_cleanups: Counter "prometheus_tsdb_tombstone_cleanups_total" "Blocks rewritten to remove deleted data.";
    lowest_timestamp: Gauge "prometheus_tsdb_lowest_timestamp" "Lowest timestamp value stored in the database (ms).";
}

impl Metrics {
    #[inline]
    pub(crate) fn inc(c: &AtomicI64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn add(c: &AtomicI64, n: i64) {
        c.fetch_add(n, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn set(c: &AtomicI64, v: i64) {
        c.store(v, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_names_and_text() {
        let m = Metrics::default();
        Metrics::add(&m.head_samples_appended, 5);
        let s = m.snapshot();
        assert_eq!(
            s.get("prometheus_tsdb_head_samples_appended_total"),
            Some(5.0)
        );
        assert!(s
            .to_prometheus_text()
            .contains("# TYPE prometheus_tsdb_head_series gauge\nprometheus_tsdb_head_series 0\n"));
    }
}
