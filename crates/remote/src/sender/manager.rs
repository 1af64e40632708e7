//! `RemoteWriteManager`: the set of remote queues built from `remote_write:`, fed with
//! committed samples, reconfigured on reload and stopped on shutdown.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::RwLock;
use promlite_config::RemoteWriteConfig;
use promlite_model::{Labels, Metadata, SharedClock};
use tokio::runtime::Handle;

use crate::sender::client::WriteClient;
use crate::sender::metrics::{GlobalCounters, RemoteWriteMetrics};
use crate::sender::queue::{QueueManager, QueueSpec, DEFAULT_RESHARD_INTERVAL};
use crate::sender::{CommittedBatch, CommittedSample, MetadataStore};
use crate::RemoteError;

/// How long a queue removed or replaced by a reload keeps trying to send what it holds
/// (Prometheus's flush deadline).
pub const DEFAULT_FLUSH_DEADLINE: Duration = Duration::from_secs(60);

/// The remote write side of promlite. See the crate docs for how to wire it.
pub struct RemoteWriteManager {
    runtime: Handle,
    clock: SharedClock,
    queues: RwLock<Vec<Arc<QueueManager>>>,
    active: AtomicBool,
    global: GlobalCounters,
    metadata: Arc<MetadataStore>,
    flush_deadline: Duration,
    reshard_interval: Duration,
}

impl std::fmt::Debug for RemoteWriteManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self
            .queues
            .read()
            .iter()
            .map(|q| q.shared.remote_name.clone())
            .collect();
        f.debug_struct("RemoteWriteManager")
            .field("remotes", &names)
            .finish()
    }
}

/// The `remote_name` label of a remote: its `name`, or the first 6 hex digits of a hash
/// of its settings (Prometheus hashes its JSON form; the idea, not the digits, carries).
pub fn remote_name(config: &RemoteWriteConfig) -> String {
    if !config.name.is_empty() {
        return config.name.clone();
    }
    let hash = xxhash_rust::xxh64::xxh64(format!("{config:?}").as_bytes(), 0);
    format!("{hash:016x}")[..6].to_string()
}

impl RemoteWriteManager {
    /// A manager with no remotes; its tasks run on `runtime`. `clock` serves
    /// `sample_age_limit` and log rate limiting.
    pub fn new(runtime: Handle, clock: SharedClock) -> RemoteWriteManager {
        RemoteWriteManager {
            runtime,
            clock,
            queues: RwLock::new(Vec::new()),
            active: AtomicBool::new(false),
            global: GlobalCounters::new(),
            metadata: Arc::new(MetadataStore::default()),
            flush_deadline: DEFAULT_FLUSH_DEADLINE,
            reshard_interval: DEFAULT_RESHARD_INTERVAL,
        }
    }

    /// Sets how long queues stopped by a reload keep flushing (default one minute).
    pub fn with_flush_deadline(mut self, deadline: Duration) -> RemoteWriteManager {
        self.flush_deadline = deadline;
        self
    }

    /// Sets how often queues reconsider their number of shards (default 10 s); applies
    /// to queues started afterwards.
    pub fn with_reshard_interval(mut self, interval: Duration) -> RemoteWriteManager {
        self.reshard_interval = interval;
        self
    }

    /// Replaces the set of remotes with `configs`. A remote whose settings and the
    /// external labels are unchanged keeps its queue (nothing pending is lost); others
    /// start afresh, and removed or changed ones flush in the background for up to the
    /// flush deadline. On error (a client cannot be built, duplicate entries) nothing
    /// changes.
    pub fn apply_config(
        &self,
        configs: &[RemoteWriteConfig],
        external_labels: &Labels,
    ) -> Result<(), RemoteError> {
        let old: Vec<Arc<QueueManager>> = self.queues.read().clone();
        let mut names = HashSet::new();
        for (i, cfg) in configs.iter().enumerate() {
            if configs[..i].contains(cfg) {
                return Err(RemoteError::Config {
                    remote: remote_name(cfg),
                    message: format!(
                        "duplicate remote write configs are not allowed, found duplicate for URL: {}",
                        cfg.url
                    ),
                });
            }
            let name = remote_name(cfg);
            if !names.insert(name.clone()) {
                return Err(RemoteError::Config {
                    remote: name.clone(),
                    message: format!("found multiple remote write configs with name {name:?}"),
                });
            }
        }
        // Reuse first, then build every new client before starting anything, so an
        // error leaves the running set untouched.
        let mut kept: Vec<Option<Arc<QueueManager>>> = Vec::new();
        let mut clients: Vec<Option<WriteClient>> = Vec::new();
        for cfg in configs {
            let reuse = old.iter().find(|q| {
                q.config() == cfg
                    && q.external_labels() == external_labels
                    && !kept.iter().flatten().any(|k| Arc::ptr_eq(k, q))
            });
            match reuse {
                Some(q) => {
                    kept.push(Some(q.clone()));
                    clients.push(None);
                }
                None => {
                    kept.push(None);
                    clients.push(Some(WriteClient::new(cfg, &remote_name(cfg))?));
                }
            }
        }
        let mut next = Vec::with_capacity(configs.len());
        for ((cfg, keep), client) in configs.iter().zip(kept).zip(clients) {
            match (keep, client) {
                (Some(q), _) => next.push(q),
                (None, Some(client)) => {
                    tracing::info!(remote_name = %remote_name(cfg), url = %cfg.url, "starting remote write queue");
                    next.push(Arc::new(QueueManager::start(
                        &self.runtime,
                        QueueSpec {
                            config: cfg.clone(),
                            remote_name: remote_name(cfg),
                            external_labels: external_labels.clone(),
                            client,
                            clock: self.clock.clone(),
                            metadata: self.metadata.clone(),
                            reshard_interval: self.reshard_interval,
                        },
                    )))
                }
                (None, None) => {}
            }
        }
        let removed: Vec<Arc<QueueManager>> = old
            .into_iter()
            .filter(|q| !next.iter().any(|n| Arc::ptr_eq(n, q)))
            .collect();
        self.active.store(!next.is_empty(), Ordering::Release);
        *self.queues.write() = next;
        let deadline = self.flush_deadline;
        for q in removed {
            tracing::info!(remote_name = %q.shared.remote_name, "stopping remote write queue");
            self.runtime.spawn(async move { q.stop(deadline).await });
        }
        Ok(())
    }

    /// Whether any remote is configured; appenders skip buffering when not.
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    /// Hands samples that were just committed to every remote. Never blocks: a remote
    /// whose queue is full drops them and counts it.
    pub fn append(&self, samples: Vec<CommittedSample>) {
        if samples.is_empty() {
            return;
        }
        let highest = samples.iter().map(|s| s.t).max().unwrap_or(i64::MIN);
        self.global
            .samples_in
            .fetch_add(samples.len() as u64, Ordering::Relaxed);
        self.global
            .highest_timestamp_ms
            .fetch_max(highest, Ordering::Relaxed);
        let batch: CommittedBatch = Arc::new(samples);
        for q in self.queues.read().iter() {
            q.enqueue(&batch);
        }
    }

    /// Records a metric family's metadata, sent to remotes every
    /// `metadata_config.send_interval`.
    pub fn update_metadata(&self, metric_family: &str, meta: &Metadata) {
        if metric_family.is_empty() {
            return;
        }
        if self.metadata.read().get(metric_family) == Some(meta) {
            return;
        }
        self.metadata
            .write()
            .insert(metric_family.to_string(), meta.clone());
    }

    /// Stops every remote: no more samples are accepted, queued ones are sent for up to
    /// `deadline`, the rest is dropped (and counted).
    pub async fn shutdown(&self, deadline: Duration) {
        self.active.store(false, Ordering::Release);
        let queues = std::mem::take(&mut *self.queues.write());
        let stops: Vec<_> = queues
            .iter()
            .cloned()
            .map(|q| self.runtime.spawn(async move { q.stop(deadline).await }))
            .collect();
        for s in stops {
            let _ = s.await;
        }
    }

    /// The counters, for `/metrics`.
    pub fn metrics(&self) -> RemoteWriteMetrics {
        let highest = self.global.highest_timestamp_ms.load(Ordering::Relaxed);
        RemoteWriteMetrics {
            samples_in_total: self.global.samples_in.load(Ordering::Relaxed),
            highest_timestamp_in_seconds: if highest == i64::MIN {
                0.0
            } else {
                highest as f64 / 1000.0
            },
            queues: self.queues.read().iter().map(|q| q.snapshot()).collect(),
        }
    }
}
