//! The dispatcher of a queue: relabels committed batches and routes each series to a
//! shard by label hash; and the shard estimator that decides, from the measured send
//! time per sample, how many shards (`min_shards..=max_shards`) the load needs.
//!
//! Shard buffers are bounded (about `capacity` samples each), so the backlog waits in
//! the dispatcher's input. A reshard interrupts routing, drains the old shards' small
//! buffers (which keeps each series in order), starts the new shards and re-routes what
//! was not handed over yet.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use promlite_model::Labels;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::sender::queue::{labels_for_remote, QueueShared};
use crate::sender::shard::{aborted, run_shard, OutSample};
use crate::sender::CommittedBatch;

/// The relabel cache is cleared when it grows past this many series, so churn cannot
/// grow it without bound.
const RELABEL_CACHE_MAX: usize = 200_000;

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

/// Every interval, measures the queue and publishes the shard count it needs.
pub(crate) async fn run_shard_estimator(shared: Arc<QueueShared>, desired: watch::Sender<u64>) {
    let queue = &shared.config.queue_config;
    let (min, max) = (queue.min_shards.max(1), queue.max_shards.max(1));
    let every = shared.reshard_interval.max(Duration::from_millis(1));
    let mut tick = tokio::time::interval_at(Instant::now() + every, every);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut abort = shared.abort.clone();
    let c = &shared.counters;
    let read = || {
        (
            c.samples_in.load(Ordering::Relaxed),
            c.samples_sent.load(Ordering::Relaxed),
            c.sent_batch_duration_us.load(Ordering::Relaxed),
            c.recoverable_errors.load(Ordering::Relaxed),
            Instant::now(),
        )
    };
    let mut last = read();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = desired.closed() => return,
            _ = aborted(&mut abort) => return,
        }
        let now = read();
        let window = RateWindow {
            interval_secs: now.4.duration_since(last.4).as_secs_f64(),
            samples_in: now.0.saturating_sub(last.0),
            samples_sent: now.1.saturating_sub(last.1),
            send_secs: now.2.saturating_sub(last.2) as f64 / 1e6,
            pending: c.samples_pending.load(Ordering::Relaxed).max(0) as u64,
            recoverable_errors: now.3.saturating_sub(last.3),
        };
        last = now;
        let current = *desired.borrow();
        let next = desired_shards(&window, current, min, max);
        c.shards_desired.store(next, Ordering::Relaxed);
        if next != current {
            tracing::info!(remote_name = %shared.remote_name, from = current, to = next, "remote storage resharding");
            let _ = desired.send(next);
        }
    }
}

/// The running shards of a queue.
struct Shards {
    senders: Vec<mpsc::Sender<Vec<OutSample>>>,
    handles: Vec<JoinHandle<()>>,
}

impl Shards {
    fn start(shared: &Arc<QueueShared>, n: u64) -> Shards {
        let queue = &shared.config.queue_config;
        let per_message = queue.max_samples_per_send.max(1);
        let messages = queue.capacity.div_ceil(per_message).clamp(1, 1 << 16) as usize;
        let (mut senders, mut handles) = (Vec::new(), Vec::new());
        for _ in 0..n.max(1) {
            let (tx, rx) = mpsc::channel(messages);
            senders.push(tx);
            handles.push(tokio::spawn(run_shard(shared.clone(), rx)));
        }
        shared
            .counters
            .shards
            .store(senders.len() as u64, Ordering::Relaxed);
        Shards { senders, handles }
    }

    fn len(&self) -> u64 {
        self.senders.len() as u64
    }

    /// Closes every shard and waits until each has sent (or given up on) what it holds.
    async fn close(self) {
        drop(self.senders);
        for h in self.handles {
            let _ = h.await;
        }
    }

    /// Hands samples to their shards, waiting while a shard's buffer is full. Returns
    /// the samples not handed over when a different shard count is wanted meanwhile
    /// (each series' unsent samples are a suffix of its samples, so order holds).
    async fn route(
        &self,
        shared: &QueueShared,
        samples: Vec<OutSample>,
        desired: &mut watch::Receiver<u64>,
    ) -> Option<Vec<OutSample>> {
        let n = self.senders.len().max(1);
        let mut per_shard: Vec<Vec<OutSample>> = vec![Vec::new(); n];
        for s in samples {
            if let Some(v) = per_shard.get_mut((s.hash % n as u64) as usize) {
                v.push(s);
            }
        }
        let per_message = shared.config.queue_config.max_samples_per_send.max(1) as usize;
        let mut unsent: Vec<OutSample> = Vec::new();
        let mut interrupted = false;
        for (tx, mut samples) in self.senders.iter().zip(per_shard) {
            if interrupted {
                unsent.append(&mut samples);
                continue;
            }
            while !samples.is_empty() {
                let permit = tokio::select! {
                    p = tx.reserve() => p,
                    _ = wants_other_count(desired, n as u64) => {
                        interrupted = true;
                        unsent.append(&mut samples);
                        break;
                    }
                };
                let rest = samples.split_off(per_message.min(samples.len()));
                let chunk = std::mem::replace(&mut samples, rest);
                match permit {
                    Ok(p) => p.send(chunk),
                    Err(_) => shared.counters.drop_pending(chunk.len() as u64),
                }
            }
        }
        interrupted.then_some(unsent)
    }
}

/// Resolves when the wanted shard count differs from `current` (never if the estimator
/// is gone).
async fn wants_other_count(desired: &mut watch::Receiver<u64>, current: u64) {
    loop {
        if *desired.borrow_and_update() != current {
            return;
        }
        if desired.changed().await.is_err() {
            std::future::pending::<()>().await;
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

    /// The batch after external labels and relabeling; drops are counted.
    fn relabel(&mut self, shared: &QueueShared, batch: &CommittedBatch) -> Vec<OutSample> {
        let mut out = Vec::with_capacity(batch.len());
        for s in batch.iter() {
            if let Some((labels, hash)) = self.get(&s.labels, shared) {
                out.push(OutSample {
                    labels,
                    hash,
                    t: s.t,
                    v: s.v,
                });
            }
        }
        shared
            .counters
            .drop_pending((batch.len() - out.len()) as u64);
        out
    }
}

/// The dispatcher loop: runs until the input closes, then closes the shards (which send
/// what they hold).
pub(crate) async fn run_dispatcher(
    shared: Arc<QueueShared>,
    mut input: mpsc::UnboundedReceiver<CommittedBatch>,
    mut desired: watch::Receiver<u64>,
) {
    let mut shards = Shards::start(&shared, *desired.borrow_and_update());
    let mut cache = RelabelCache::default();
    // The estimator is stopped before the last flush; then only the input matters.
    let mut estimator_running = true;
    loop {
        tokio::select! {
            batch = input.recv() => {
                let Some(batch) = batch else { break };
                let mut todo = cache.relabel(&shared, &batch);
                while let Some(rest) = shards.route(&shared, todo, &mut desired).await {
                    let want = *desired.borrow_and_update();
                    shards = reshard(&shared, shards, want).await;
                    todo = rest;
                }
            }
            changed = desired.changed(), if estimator_running => {
                if changed.is_err() {
                    estimator_running = false;
                    continue;
                }
                let want = *desired.borrow_and_update();
                if want != shards.len() {
                    shards = reshard(&shared, shards, want).await;
                }
            }
        }
    }
    shards.close().await;
    shared.counters.shards.store(0, Ordering::Relaxed);
}

async fn reshard(shared: &Arc<QueueShared>, old: Shards, n: u64) -> Shards {
    old.close().await;
    Shards::start(shared, n)
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
