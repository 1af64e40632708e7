//! `QueueManager`: one remote's pipeline. Committed batches enter through a non-blocking
//! [`QueueManager::enqueue`]; a dispatcher task applies external labels and
//! `write_relabel_configs`, routes each series to a shard by label hash, and reshards
//! between `min_shards` and `max_shards` from the measured send rate; shards batch and
//! send (see `shard`). A metadata task sends metric metadata every `send_interval`.
//!
//! Memory is bounded: at most `capacity × max_shards` samples may be pending (accepted
//! and not yet sent, failed or dropped); a commit that would exceed it is dropped for
//! this remote and counted, so a remote that is down for long never slows appends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use promlite_config::RemoteWriteConfig;
use promlite_model::{Labels, SharedClock};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::codec::encode_write_request;
use crate::prompb::{MetricMetadata, WriteRequest};
use crate::sender::client::WriteClient;
use crate::sender::metrics::{QueueCounters, QueueMetricsSnapshot};
use crate::sender::shard::{aborted, run_shard, send_with_backoff, OutSample, Payload};
use crate::sender::{CommittedBatch, MetadataStore};

/// How often the dispatcher reconsiders the number of shards (Prometheus: 10 s).
const RESHARD_INTERVAL: Duration = Duration::from_secs(10);

/// The relabel cache is cleared when it grows past this many series, so churn cannot
/// grow it without bound.
const RELABEL_CACHE_MAX: usize = 200_000;

/// How often at most a full queue is logged.
const FULL_QUEUE_LOG_INTERVAL_MS: i64 = 10_000;

/// What the queue's tasks share.
pub(crate) struct QueueShared {
    pub remote_name: String,
    pub config: RemoteWriteConfig,
    pub external_labels: Labels,
    pub counters: QueueCounters,
    pub client: WriteClient,
    pub clock: SharedClock,
    /// Flips to `true` when the flush deadline has passed: sends stop at once.
    pub abort: watch::Receiver<bool>,
    pub pending_limit: i64,
    last_full_log_ms: AtomicI64,
}

/// One remote's queue; see the module docs.
pub(crate) struct QueueManager {
    pub shared: Arc<QueueShared>,
    input: RwLock<Option<mpsc::UnboundedSender<CommittedBatch>>>,
    abort: watch::Sender<bool>,
    dispatcher: Mutex<Option<JoinHandle<()>>>,
    metadata_task: Mutex<Option<JoinHandle<()>>>,
}

/// Applies external labels (only where the series lacks the name) then write relabeling,
/// as Prometheus does; `None` when relabeling drops the series or leaves no labels.
pub(crate) fn labels_for_remote(
    labels: &Labels,
    external_labels: &Labels,
    config: &RemoteWriteConfig,
) -> Option<Labels> {
    let mut builder = labels.builder();
    for l in external_labels.iter() {
        if !labels.contains(l.name) {
            builder.set(l.name, l.value);
        }
    }
    if !promlite_config::relabel::process_builder(&mut builder, &config.write_relabel_configs) {
        return None;
    }
    let out = builder.build();
    (!out.is_empty()).then_some(out)
}

/// Figures over one resharding interval.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct RateWindow {
    pub interval_secs: f64,
    pub samples_in: u64,
    pub samples_sent: u64,
    pub send_secs: f64,
    pub pending: u64,
    pub recoverable_errors: u64,
}

/// How many shards would send what comes in (plus the backlog) within the interval.
/// Keeps the current count while the remote fails (more shards would only hammer it),
/// when nothing was sent to measure, or when the estimate is within ±30 % of the current
/// count (so the count does not flap).
pub(crate) fn desired_shards(w: &RateWindow, current: u64, min: u64, max: u64) -> u64 {
    let min = min.max(1);
    let max = max.max(min);
    if w.recoverable_errors > 0 || w.samples_sent == 0 || w.interval_secs <= 0.0 {
        return current.clamp(min, max);
    }
    let secs_per_sample = w.send_secs / w.samples_sent as f64;
    let needed = secs_per_sample * (w.samples_in + w.pending) as f64 / w.interval_secs;
    let cur = current as f64;
    if needed > cur * 0.7 && needed < cur * 1.3 {
        return current.clamp(min, max);
    }
    (needed.ceil() as u64).clamp(min, max)
}

/// The running shards of a queue.
struct Shards {
    senders: Vec<mpsc::UnboundedSender<Vec<OutSample>>>,
    handles: Vec<JoinHandle<()>>,
}

impl Shards {
    fn start(shared: &Arc<QueueShared>, n: u64) -> Shards {
        let (mut senders, mut handles) = (Vec::new(), Vec::new());
        for _ in 0..n.max(1) {
            let (tx, rx) = mpsc::unbounded_channel();
            senders.push(tx);
            handles.push(tokio::spawn(run_shard(shared.clone(), rx)));
        }
        shared
            .counters
            .shards
            .store(senders.len() as u64, Ordering::Relaxed);
        Shards { senders, handles }
    }

    /// Closes every shard and waits until each has sent (or given up on) what it holds.
    async fn close(self) {
        drop(self.senders);
        for h in self.handles {
            let _ = h.await;
        }
    }

    fn route(&self, shared: &QueueShared, cache: &mut RelabelCache, batch: &CommittedBatch) {
        let n = self.senders.len().max(1);
        let mut per_shard: Vec<Vec<OutSample>> = vec![Vec::new(); n];
        let mut dropped = 0u64;
        for s in batch.iter() {
            match cache.get(&s.labels, shared) {
                Some((labels, hash)) => {
                    if let Some(v) = per_shard.get_mut((hash % n as u64) as usize) {
                        v.push(OutSample {
                            labels,
                            t: s.t,
                            v: s.v,
                        });
                    }
                }
                None => dropped += 1,
            }
        }
        shared.counters.drop_pending(dropped);
        for (tx, samples) in self.senders.iter().zip(per_shard) {
            if !samples.is_empty() {
                if let Err(e) = tx.send(samples) {
                    shared.counters.drop_pending(e.0.len() as u64);
                }
            }
        }
    }
}

/// Relabel results per input series, with the output's hash for shard routing.
#[derive(Default)]
struct RelabelCache {
    map: HashMap<Labels, Option<(Labels, u64)>>,
}

impl RelabelCache {
    fn get(&mut self, labels: &Labels, shared: &QueueShared) -> Option<(Labels, u64)> {
        if let Some(hit) = self.map.get(labels) {
            return hit.clone();
        }
        if self.map.len() >= RELABEL_CACHE_MAX {
            self.map.clear();
        }
        let out = labels_for_remote(labels, &shared.external_labels, &shared.config).map(|l| {
            let h = l.stable_hash();
            (l, h)
        });
        self.map.insert(labels.clone(), out.clone());
        out
    }
}

async fn run_dispatcher(
    shared: Arc<QueueShared>,
    mut input: mpsc::UnboundedReceiver<CommittedBatch>,
) {
    let queue = &shared.config.queue_config;
    let (min, max) = (queue.min_shards.max(1), queue.max_shards.max(1));
    shared.counters.shards_desired.store(min, Ordering::Relaxed);
    let mut shards = Shards::start(&shared, min);
    let mut cache = RelabelCache::default();
    let mut reshard = tokio::time::interval_at(Instant::now() + RESHARD_INTERVAL, RESHARD_INTERVAL);
    let mut routed_since_reshard = 0u64;
    let mut last = (0u64, 0u64, 0u64, Instant::now());
    loop {
        tokio::select! {
            batch = input.recv() => match batch {
                Some(b) => {
                    routed_since_reshard += b.len() as u64;
                    shards.route(&shared, &mut cache, &b);
                }
                None => break,
            },
            _ = reshard.tick() => {
                let c = &shared.counters;
                let sent = c.samples_sent.load(Ordering::Relaxed);
                let us = c.sent_batch_duration_us.load(Ordering::Relaxed);
                let errors = c.recoverable_errors.load(Ordering::Relaxed);
                let window = RateWindow {
                    interval_secs: last.3.elapsed().as_secs_f64(),
                    samples_in: routed_since_reshard,
                    samples_sent: sent - last.0,
                    send_secs: (us - last.1) as f64 / 1e6,
                    pending: c.samples_pending.load(Ordering::Relaxed).max(0) as u64,
                    recoverable_errors: errors - last.2,
                };
                last = (sent, us, errors, Instant::now());
                routed_since_reshard = 0;
                let current = shards.senders.len() as u64;
                let desired = desired_shards(&window, current, min, max);
                c.shards_desired.store(desired, Ordering::Relaxed);
                if desired != current {
                    tracing::info!(remote_name = %shared.remote_name, from = current, to = desired, "remote storage resharding");
                    shards.close().await;
                    shards = Shards::start(&shared, desired);
                }
            }
        }
    }
    shards.close().await;
    shared.counters.shards.store(0, Ordering::Relaxed);
}

async fn run_metadata(shared: Arc<QueueShared>, store: Arc<MetadataStore>) {
    let cfg = &shared.config.metadata_config;
    if !cfg.send || cfg.send_interval.is_zero() {
        return;
    }
    let per_request = cfg.max_samples_per_send.clamp(1, usize::MAX as u64) as usize;
    let mut abort = shared.abort.clone();
    let mut tick = tokio::time::interval_at(Instant::now() + cfg.send_interval, cfg.send_interval);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = aborted(&mut abort) => return,
        }
        let all: Vec<MetricMetadata> = store
            .read()
            .iter()
            .map(|(family, meta)| MetricMetadata::from_model(family, meta))
            .collect();
        for chunk in all.chunks(per_request) {
            let body = encode_write_request(&WriteRequest {
                timeseries: Vec::new(),
                metadata: chunk.to_vec(),
            });
            send_with_backoff(&shared, body, chunk.len() as u64, Payload::Metadata).await;
        }
    }
}

impl QueueManager {
    /// Starts a remote's tasks on `runtime`.
    pub fn start(
        runtime: &Handle,
        config: RemoteWriteConfig,
        remote_name: String,
        external_labels: Labels,
        client: WriteClient,
        clock: SharedClock,
        metadata: Arc<MetadataStore>,
    ) -> QueueManager {
        let q = &config.queue_config;
        let pending_limit = q
            .capacity
            .saturating_mul(q.max_shards.max(1))
            .min(i64::MAX as u64) as i64;
        let (abort_tx, abort_rx) = watch::channel(false);
        let shared = Arc::new(QueueShared {
            remote_name,
            config,
            external_labels,
            counters: QueueCounters::new(),
            client,
            clock,
            abort: abort_rx,
            pending_limit,
            last_full_log_ms: AtomicI64::new(i64::MIN),
        });
        let (tx, rx) = mpsc::unbounded_channel();
        let dispatcher = runtime.spawn(run_dispatcher(shared.clone(), rx));
        let metadata_task = runtime.spawn(run_metadata(shared.clone(), metadata));
        QueueManager {
            shared,
            input: RwLock::new(Some(tx)),
            abort: abort_tx,
            dispatcher: Mutex::new(Some(dispatcher)),
            metadata_task: Mutex::new(Some(metadata_task)),
        }
    }

    pub fn config(&self) -> &RemoteWriteConfig {
        &self.shared.config
    }

    pub fn external_labels(&self) -> &Labels {
        &self.shared.external_labels
    }

    /// Hands a committed batch to this remote without blocking: dropped (and counted)
    /// when the queue is full or stopped.
    pub fn enqueue(&self, batch: &CommittedBatch) {
        let n = batch.len() as i64;
        let counters = &self.shared.counters;
        let before = counters.samples_pending.fetch_add(n, Ordering::Relaxed);
        if before.saturating_add(n) > self.shared.pending_limit {
            counters.drop_pending(n as u64);
            self.log_full_queue(n);
            return;
        }
        let sent = match self.input.read().as_ref() {
            Some(tx) => tx.send(batch.clone()).is_ok(),
            None => false,
        };
        if !sent {
            counters.drop_pending(n as u64);
        }
    }

    fn log_full_queue(&self, n: i64) {
        let now = self.shared.clock.now_ms();
        let last = self.shared.last_full_log_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= FULL_QUEUE_LOG_INTERVAL_MS
            && self
                .shared
                .last_full_log_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(remote_name = %self.shared.remote_name, url = %self.shared.config.url, dropped = n, limit = self.shared.pending_limit, "remote write queue is full, dropping samples");
        }
    }

    /// Stops accepting samples and sends what is queued; after `flush_deadline`, gives
    /// up on the rest (counted as dropped).
    pub async fn stop(&self, flush_deadline: Duration) {
        self.input.write().take();
        if let Some(h) = self.metadata_task.lock().take() {
            h.abort();
        }
        let dispatcher = self.dispatcher.lock().take();
        if let Some(mut h) = dispatcher {
            if tokio::time::timeout(flush_deadline, &mut h).await.is_err() {
                tracing::warn!(remote_name = %self.shared.remote_name, "flush deadline passed, dropping samples still queued");
                let _ = self.abort.send(true);
                let _ = h.await;
            }
        }
    }

    pub fn snapshot(&self) -> QueueMetricsSnapshot {
        QueueMetricsSnapshot::read(
            &self.shared.remote_name,
            &self.shared.config.url,
            &self.shared.counters,
            &self.shared.config.queue_config,
        )
    }
}

impl Drop for QueueManager {
    fn drop(&mut self) {
        // A queue dropped without `stop` (e.g. its runtime is going away) must not leave
        // tasks retrying forever.
        let _ = self.abort.send(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_estimate_follows_load_and_holds_while_failing() {
        let w = RateWindow {
            interval_secs: 10.0,
            samples_in: 1_000_000,
            samples_sent: 1_000_000,
            send_secs: 40.0, // 4 shards' worth of busy time
            pending: 0,
            recoverable_errors: 0,
        };
        assert_eq!(desired_shards(&w, 1, 1, 50), 4);
        assert_eq!(desired_shards(&w, 4, 1, 50), 4);
        assert_eq!(desired_shards(&w, 1, 1, 3), 3, "capped at max_shards");
        let idle = RateWindow {
            send_secs: 0.5,
            ..w
        };
        assert_eq!(desired_shards(&idle, 8, 2, 50), 2, "floored at min_shards");
        let failing = RateWindow {
            recoverable_errors: 3,
            ..w
        };
        assert_eq!(desired_shards(&failing, 1, 1, 50), 1);
        let nothing_sent = RateWindow {
            samples_sent: 0,
            ..w
        };
        assert_eq!(desired_shards(&nothing_sent, 2, 1, 50), 2);
        let near = RateWindow {
            send_secs: 11.0,
            ..w
        };
        assert_eq!(
            desired_shards(&near, 1, 1, 50),
            1,
            "within 30 % keeps the count"
        );
    }
}
