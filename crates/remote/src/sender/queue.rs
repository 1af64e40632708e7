//! `QueueManager`: one remote's pipeline. Committed batches enter through a non-blocking
//! [`QueueManager::enqueue`]; a dispatcher task relabels and routes them to shards that
//! batch and send (see `dispatch` and `shard`). A metadata task sends metric metadata
//! every `send_interval`.
//!
//! Memory is bounded: at most `capacity × max_shards` samples may be pending (accepted
//! and not yet sent, failed or dropped); a commit that would exceed it is dropped for
//! this remote and counted, so a remote that is down for long never slows appends.

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
use crate::sender::dispatch::{run_dispatcher, run_shard_estimator};
use crate::sender::metrics::{QueueCounters, QueueMetricsSnapshot};
use crate::sender::shard::{aborted, send_with_backoff, Payload};
use crate::sender::{CommittedBatch, MetadataStore};

/// How often the dispatcher reconsiders the number of shards (Prometheus: 10 s).
pub const DEFAULT_RESHARD_INTERVAL: Duration = Duration::from_secs(10);

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
    pub reshard_interval: Duration,
    last_full_log_ms: AtomicI64,
}

/// Everything a new queue is built from.
pub(crate) struct QueueSpec {
    pub config: RemoteWriteConfig,
    pub remote_name: String,
    pub external_labels: Labels,
    pub client: WriteClient,
    pub clock: SharedClock,
    pub metadata: Arc<MetadataStore>,
    pub reshard_interval: Duration,
}

/// One remote's queue; see the module docs.
pub(crate) struct QueueManager {
    pub shared: Arc<QueueShared>,
    input: RwLock<Option<mpsc::UnboundedSender<CommittedBatch>>>,
    abort: watch::Sender<bool>,
    dispatcher: Mutex<Option<JoinHandle<()>>>,
    /// The metadata sender and the shard estimator, aborted on stop.
    background: Mutex<Vec<JoinHandle<()>>>,
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
    pub fn start(runtime: &Handle, spec: QueueSpec) -> QueueManager {
        let QueueSpec {
            config,
            remote_name,
            external_labels,
            client,
            clock,
            metadata,
            reshard_interval,
        } = spec;
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
            reshard_interval,
            last_full_log_ms: AtomicI64::new(i64::MIN),
        });
        // Report the starting shard count at once, before the dispatcher runs.
        let min_shards = shared.config.queue_config.min_shards.max(1);
        shared.counters.shards.store(min_shards, Ordering::Relaxed);
        shared
            .counters
            .shards_desired
            .store(min_shards, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        let (desired_tx, desired_rx) = watch::channel(min_shards);
        let dispatcher = runtime.spawn(run_dispatcher(shared.clone(), rx, desired_rx));
        let estimator = runtime.spawn(run_shard_estimator(shared.clone(), desired_tx));
        let metadata_task = runtime.spawn(run_metadata(shared.clone(), metadata));
        QueueManager {
            shared,
            input: RwLock::new(Some(tx)),
            abort: abort_tx,
            dispatcher: Mutex::new(Some(dispatcher)),
            background: Mutex::new(vec![metadata_task, estimator]),
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
        counters.samples_in.fetch_add(n as u64, Ordering::Relaxed);
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
        for h in self.background.lock().drain(..) {
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
