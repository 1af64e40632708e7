//! One shard of a remote's queue: collects samples into batches of
//! `max_samples_per_send` (or whatever arrived within `batch_send_deadline`), encodes
//! them and sends them with retries and exponential backoff.
//!
//! A series always goes to the same shard, and a shard sends its batches one at a time,
//! so each series' samples reach the remote in order.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use promlite_model::Labels;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};

use crate::codec::encode_write_request;
use crate::prompb::{labels_to_proto, Sample, TimeSeries, WriteRequest};
use crate::sender::client::SendError;
use crate::sender::queue::QueueShared;

/// A sample after external labels and write relabeling, on its way to the remote.
#[derive(Debug, Clone)]
pub(crate) struct OutSample {
    pub labels: Labels,
    /// `labels.stable_hash()`, which picks the shard.
    pub hash: u64,
    pub t: i64,
    pub v: f64,
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SendOutcome {
    Sent,
    /// Refused for good (4xx): counted as failed.
    Failed,
    /// Given up because the queue is being torn down past its flush deadline.
    Aborted,
}

/// Resolves once `abort` says so, or once its sender is gone.
pub(crate) async fn aborted(abort: &mut watch::Receiver<bool>) {
    loop {
        if *abort.borrow_and_update() {
            return;
        }
        if abort.changed().await.is_err() {
            return;
        }
    }
}

/// What kind of payload is being retried, for the retried counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Payload {
    Samples,
    Metadata,
}

/// Sends one body until it succeeds, fails for good or the queue is aborted. `count` is
/// how many samples or metadata entries it carries.
pub(crate) async fn send_with_backoff(
    shared: &QueueShared,
    body: Vec<u8>,
    count: u64,
    payload: Payload,
) -> SendOutcome {
    let queue = &shared.config.queue_config;
    let counters = &shared.counters;
    let mut abort = shared.abort.clone();
    let mut backoff = queue.min_backoff;
    let body_len = body.len() as u64;
    loop {
        if *abort.borrow() {
            return SendOutcome::Aborted;
        }
        let started = Instant::now();
        let result = tokio::select! {
            r = shared.client.store(body.clone()) => r,
            _ = aborted(&mut abort) => return SendOutcome::Aborted,
        };
        match result {
            Ok(()) => {
                let (bytes, sent) = match payload {
                    Payload::Samples => (&counters.bytes_sent, &counters.samples_sent),
                    Payload::Metadata => (&counters.metadata_bytes, &counters.metadata_sent),
                };
                bytes.fetch_add(body_len, Ordering::Relaxed);
                sent.fetch_add(count, Ordering::Relaxed);
                if payload == Payload::Samples {
                    let us = started.elapsed().as_micros().min(u64::MAX as u128) as u64;
                    counters
                        .sent_batch_duration_us
                        .fetch_add(us, Ordering::Relaxed);
                    counters.sent_batches.fetch_add(1, Ordering::Relaxed);
                }
                return SendOutcome::Sent;
            }
            Err(SendError::NonRecoverable { message }) => {
                tracing::error!(remote_name = %shared.remote_name, url = %shared.config.url, count, err = %message, "non-recoverable error while sending to remote storage");
                let failed = match payload {
                    Payload::Samples => &counters.samples_failed,
                    Payload::Metadata => &counters.metadata_failed,
                };
                failed.fetch_add(count, Ordering::Relaxed);
                return SendOutcome::Failed;
            }
            Err(SendError::Recoverable {
                message,
                retry_after,
            }) => {
                let retried = match payload {
                    Payload::Samples => &counters.samples_retried,
                    Payload::Metadata => &counters.metadata_retried,
                };
                retried.fetch_add(count, Ordering::Relaxed);
                counters.recoverable_errors.fetch_add(1, Ordering::Relaxed);
                // A `Retry-After: 0` must not turn into a tight loop.
                let wait = retry_after.filter(|d| !d.is_zero()).unwrap_or(backoff);
                tracing::warn!(remote_name = %shared.remote_name, url = %shared.config.url, count, err = %message, retry_in = ?wait, "failed to send batch, retrying");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = aborted(&mut abort) => return SendOutcome::Aborted,
                }
                backoff = (backoff * 2).min(queue.max_backoff);
            }
        }
    }
}

/// Groups a batch by series (keeping each series' samples in order) into a request.
pub(crate) fn build_write_request(samples: &[OutSample]) -> WriteRequest {
    let mut index: HashMap<&Labels, usize> = HashMap::new();
    let mut timeseries: Vec<TimeSeries> = Vec::new();
    for s in samples {
        let i = *index.entry(&s.labels).or_insert_with(|| {
            timeseries.push(TimeSeries {
                labels: labels_to_proto(&s.labels),
                ..TimeSeries::default()
            });
            timeseries.len() - 1
        });
        if let Some(ts) = timeseries.get_mut(i) {
            ts.samples.push(Sample {
                value: s.v,
                timestamp: s.t,
            });
        }
    }
    WriteRequest {
        timeseries,
        metadata: Vec::new(),
    }
}

/// Sends one batch and settles its samples' accounting (sent, failed or dropped, and
/// no longer pending).
async fn send_batch(shared: &QueueShared, mut samples: Vec<OutSample>) {
    let counters = &shared.counters;
    let age_limit = shared.config.queue_config.sample_age_limit;
    if !age_limit.is_zero() {
        let oldest = shared
            .clock
            .now_ms()
            .saturating_sub(age_limit.as_millis().min(i64::MAX as u128) as i64);
        let before = samples.len();
        samples.retain(|s| s.t >= oldest);
        counters.drop_pending((before - samples.len()) as u64);
    }
    if samples.is_empty() {
        return;
    }
    let count = samples.len() as u64;
    let highest = samples.iter().map(|s| s.t).max().unwrap_or(i64::MIN);
    let body = encode_write_request(&build_write_request(&samples));
    drop(samples);
    match send_with_backoff(shared, body, count, Payload::Samples).await {
        SendOutcome::Sent => {
            counters
                .highest_sent_timestamp_ms
                .fetch_max(highest, Ordering::Relaxed);
            counters
                .samples_pending
                .fetch_sub(count as i64, Ordering::Relaxed);
        }
        SendOutcome::Failed => {
            counters
                .samples_pending
                .fetch_sub(count as i64, Ordering::Relaxed);
        }
        SendOutcome::Aborted => counters.drop_pending(count),
    }
}

/// The shard loop: runs until its channel closes, then sends what it holds.
pub(crate) async fn run_shard(shared: Arc<QueueShared>, mut input: mpsc::Receiver<Vec<OutSample>>) {
    let queue = &shared.config.queue_config;
    let max = queue.max_samples_per_send.clamp(1, usize::MAX as u64) as usize;
    let deadline = queue.batch_send_deadline;
    let mut batch: Vec<OutSample> = Vec::new();
    let mut timer = tokio::time::interval_at(Instant::now() + deadline, deadline);
    timer.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            received = input.recv() => match received {
                Some(samples) => {
                    batch.extend(samples);
                    while batch.len() >= max {
                        let rest = batch.split_off(max);
                        let full = std::mem::replace(&mut batch, rest);
                        send_batch(&shared, full).await;
                        timer.reset();
                    }
                }
                None => break,
            },
            _ = timer.tick() => {
                if !batch.is_empty() {
                    send_batch(&shared, std::mem::take(&mut batch)).await;
                }
            }
        }
    }
    while !batch.is_empty() {
        let rest = batch.split_off(max.min(batch.len()));
        let full = std::mem::replace(&mut batch, rest);
        send_batch(&shared, full).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_group_samples_by_series_in_order() {
        let a = Labels::from_pairs([("__name__", "a")]);
        let b = Labels::from_pairs([("__name__", "b")]);
        let s = |l: &Labels, t| OutSample {
            labels: l.clone(),
            hash: 0,
            t,
            v: t as f64,
        };
        let req = build_write_request(&[s(&a, 1), s(&b, 1), s(&a, 2), s(&b, 2), s(&a, 3)]);
        assert_eq!(req.timeseries.len(), 2);
        let ts: Vec<i64> = req.timeseries[0]
            .samples
            .iter()
            .map(|s| s.timestamp)
            .collect();
        assert_eq!(ts, [1, 2, 3]);
        assert_eq!(req.timeseries[1].labels[0].value, b"b");
        assert_eq!(req.timeseries[1].samples.len(), 2);
    }
}
