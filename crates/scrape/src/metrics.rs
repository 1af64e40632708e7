//! Self-monitoring of scraping, with Prometheus's metric names, handed to the HTTP crate
//! as a plain snapshot it renders on `/metrics`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

/// Observations kept per interval for the `prometheus_target_interval_length_seconds`
/// quantiles (a sliding window, like a summary's decaying sample).
const INTERVAL_WINDOW: usize = 512;

/// The quantiles Prometheus reports for `prometheus_target_interval_length_seconds`.
pub const INTERVAL_QUANTILES: [f64; 5] = [0.01, 0.05, 0.5, 0.9, 0.99];

#[derive(Default)]
struct IntervalObservations {
    recent: Vec<f64>,
    next: usize,
    sum: f64,
    count: u64,
}

/// Counters shared by every scrape loop.
#[derive(Default)]
pub struct ScrapeMetrics {
    pub(crate) sample_out_of_order: AtomicU64,
    pub(crate) sample_duplicate_timestamp: AtomicU64,
    pub(crate) sample_out_of_bounds: AtomicU64,
    pub(crate) exceeded_sample_limit: AtomicU64,
    pub(crate) exceeded_body_size_limit: AtomicU64,
    pub(crate) exceeded_label_limits: AtomicU64,
    pub(crate) exceeded_target_limit: AtomicU64,
    pub(crate) cache_flush_forced: AtomicU64,
    pub(crate) scrape_pools: AtomicU64,
    pub(crate) scrape_pools_failed: AtomicU64,
    pub(crate) scrape_pool_reloads: AtomicU64,
    pub(crate) scrape_pool_reloads_failed: AtomicU64,
    pub(crate) sync_failed: AtomicU64,
    intervals: Mutex<BTreeMap<String, IntervalObservations>>,
}

impl std::fmt::Debug for ScrapeMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScrapeMetrics").finish_non_exhaustive()
    }
}

pub(crate) fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl ScrapeMetrics {
    /// Records the time between two scrapes of a target configured with `interval`
    /// (formatted like Go's `time.Duration`, e.g. `15s`).
    pub(crate) fn observe_interval(&self, interval: &str, seconds: f64) {
        let mut map = self.intervals.lock();
        // Looked up before inserting: the key is allocated once per interval, not once
        // per scrape.
        let obs = match map.get_mut(interval) {
            Some(obs) => obs,
            None => map.entry(interval.to_string()).or_default(),
        };
        if obs.recent.len() < INTERVAL_WINDOW {
            obs.recent.push(seconds);
        } else if let Some(slot) = obs.recent.get_mut(obs.next) {
            *slot = seconds;
        }
        obs.next = (obs.next + 1) % INTERVAL_WINDOW;
        obs.sum += seconds;
        obs.count += 1;
    }

    fn interval_summaries(&self) -> Vec<IntervalLengthSummary> {
        let map = self.intervals.lock();
        map.iter()
            .map(|(interval, obs)| {
                let mut sorted = obs.recent.clone();
                sorted.sort_by(f64::total_cmp);
                let quantiles = INTERVAL_QUANTILES
                    .iter()
                    .map(|&q| {
                        let v = if sorted.is_empty() {
                            f64::NAN
                        } else {
                            let idx = ((sorted.len() as f64 - 1.0) * q).round() as usize;
                            sorted.get(idx).copied().unwrap_or(f64::NAN)
                        };
                        (q, v)
                    })
                    .collect();
                IntervalLengthSummary {
                    interval: interval.clone(),
                    quantiles,
                    sum: obs.sum,
                    count: obs.count,
                }
            })
            .collect()
    }

    pub(crate) fn snapshot(&self, pool_targets: Vec<(String, u64)>) -> ScrapeMetricsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ScrapeMetricsSnapshot {
            target_scrapes_sample_out_of_order_total: get(&self.sample_out_of_order),
            target_scrapes_sample_duplicate_timestamp_total: get(&self.sample_duplicate_timestamp),
            target_scrapes_sample_out_of_bounds_total: get(&self.sample_out_of_bounds),
            target_scrapes_exceeded_sample_limit_total: get(&self.exceeded_sample_limit),
            target_scrapes_exceeded_body_size_limit_total: get(&self.exceeded_body_size_limit),
            target_scrape_pool_exceeded_label_limits_total: get(&self.exceeded_label_limits),
            target_scrape_pool_exceeded_target_limit_total: get(&self.exceeded_target_limit),
            target_scrapes_cache_flush_forced_total: get(&self.cache_flush_forced),
            target_scrape_pools_total: get(&self.scrape_pools),
            target_scrape_pools_failed_total: get(&self.scrape_pools_failed),
            target_scrape_pool_reloads_total: get(&self.scrape_pool_reloads),
            target_scrape_pool_reloads_failed_total: get(&self.scrape_pool_reloads_failed),
            target_sync_failed_total: get(&self.sync_failed),
            target_interval_length_seconds: self.interval_summaries(),
            target_scrape_pool_targets: pool_targets,
        }
    }
}

/// `prometheus_target_interval_length_seconds{interval="..."}`.
#[derive(Clone, Debug, PartialEq)]
pub struct IntervalLengthSummary {
    /// The configured interval, as Go prints durations (`15s`, `1m0s`).
    pub interval: String,
    /// `(quantile, seconds)` for each of [`INTERVAL_QUANTILES`]; NaN when unobserved.
    pub quantiles: Vec<(f64, f64)>,
    pub sum: f64,
    pub count: u64,
}

/// Everything the scrape crate reports on `/metrics`. Each field is named after its
/// Prometheus metric without the `prometheus_` prefix.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScrapeMetricsSnapshot {
    pub target_scrapes_sample_out_of_order_total: u64,
    pub target_scrapes_sample_duplicate_timestamp_total: u64,
    pub target_scrapes_sample_out_of_bounds_total: u64,
    pub target_scrapes_exceeded_sample_limit_total: u64,
    pub target_scrapes_exceeded_body_size_limit_total: u64,
    pub target_scrape_pool_exceeded_label_limits_total: u64,
    pub target_scrape_pool_exceeded_target_limit_total: u64,
    pub target_scrapes_cache_flush_forced_total: u64,
    pub target_scrape_pools_total: u64,
    pub target_scrape_pools_failed_total: u64,
    pub target_scrape_pool_reloads_total: u64,
    pub target_scrape_pool_reloads_failed_total: u64,
    pub target_sync_failed_total: u64,
    pub target_interval_length_seconds: Vec<IntervalLengthSummary>,
    /// `prometheus_target_scrape_pool_targets{scrape_job=...}`.
    pub target_scrape_pool_targets: Vec<(String, u64)>,
}
