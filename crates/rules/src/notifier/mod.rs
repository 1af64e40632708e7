//! The Alertmanager notifier: alerts from rule evaluation are relabeled
//! (`alert_relabel_configs`, external labels), queued in a bounded queue that drops the
//! oldest first, and posted in batches to every configured Alertmanager
//! (`POST <scheme>://<host><path_prefix>/api/v2/alerts`) with Prometheus's JSON.
//! Alertmanagers come from `static_configs` and `file_sd_configs` (files re-read every
//! `refresh_interval`). On stop, queued alerts are still sent, within a deadline.
//! Counters carry Prometheus's metric names.

mod file_sd;
mod send;

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use promlite_config::{AlertingConfig, RelabelConfig};
use promlite_model::{Labels, LabelsBuilder};

use crate::error::RulesError;

pub use file_sd::META_FILEPATH_LABEL;
pub use send::alerts_to_json;
use send::{AlertmanagerClient, AlertmanagerSet};

/// Default `--alertmanager.notification-queue-capacity`.
pub const DEFAULT_QUEUE_CAPACITY: usize = 10_000;
/// Most alerts posted in one request.
pub const MAX_BATCH_SIZE: usize = 256;

/// An alert as sent to Alertmanager. Times are ms since the epoch; `None` is Go's zero
/// time (`0001-01-01T00:00:00.000Z` on the wire).
#[derive(Clone, Debug, PartialEq)]
pub struct NotifierAlert {
    pub labels: Labels,
    pub annotations: Vec<(String, String)>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub generator_url: String,
}

/// Where rule evaluation hands alerts to be sent.
pub trait AlertSender: Send + Sync {
    fn send(&self, alerts: Vec<NotifierAlert>);
}

/// Counters and gauges of the notifier, named after Prometheus's metrics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NotifierMetrics {
    /// `prometheus_notifications_dropped_total`.
    pub dropped_total: u64,
    /// `prometheus_notifications_queue_length`.
    pub queue_length: usize,
    /// `prometheus_notifications_queue_capacity`.
    pub queue_capacity: usize,
    /// `prometheus_notifications_alertmanagers_discovered`.
    pub alertmanagers_discovered: usize,
    /// `prometheus_notifications_sent_total{alertmanager}` and
    /// `prometheus_notifications_errors_total{alertmanager}`, by Alertmanager URL.
    pub per_alertmanager: BTreeMap<String, AlertmanagerCounters>,
}

/// Per-Alertmanager counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlertmanagerCounters {
    pub sent_total: u64,
    pub errors_total: u64,
}

/// Notifier settings that come from flags rather than `prometheus.yml`.
#[derive(Clone, Debug)]
pub struct NotifierOptions {
    /// `--alertmanager.notification-queue-capacity`.
    pub queue_capacity: usize,
    pub max_batch_size: usize,
    /// `--alertmanager.drain-notification-queue-on-shutdown` (default true): on stop,
    /// send what is queued instead of dropping it.
    pub drain_on_shutdown: bool,
    /// The longest the drain on stop may take; what is left then is dropped.
    pub drain_timeout: Duration,
}

impl Default for NotifierOptions {
    fn default() -> Self {
        NotifierOptions {
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            max_batch_size: MAX_BATCH_SIZE,
            drain_on_shutdown: true,
            drain_timeout: DEFAULT_DRAIN_TIMEOUT,
        }
    }
}

/// Default [`NotifierOptions::drain_timeout`].
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

struct Config {
    external_labels: Labels,
    relabel: Vec<RelabelConfig>,
    sets: Vec<Arc<AlertmanagerSet>>,
    alertmanagers: Vec<Arc<AlertmanagerClient>>,
}

struct Inner {
    opts: NotifierOptions,
    config: Mutex<Config>,
    queue: Mutex<VecDeque<NotifierAlert>>,
    metrics: Mutex<NotifierMetrics>,
    wake: tokio::sync::Notify,
    stopped: AtomicBool,
    /// Whether [`Notifier::run`] is running (it then does the drain on stop).
    running: AtomicBool,
    /// Set once the queue was drained (or dropped) after stop.
    finished: AtomicBool,
    finished_notify: tokio::sync::Notify,
}

/// Sends alerts to Alertmanagers. Cheap to clone; clones share one queue.
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier").finish_non_exhaustive()
    }
}

impl Notifier {
    pub fn new(opts: NotifierOptions) -> Notifier {
        let metrics = NotifierMetrics {
            queue_capacity: opts.queue_capacity,
            ..NotifierMetrics::default()
        };
        Notifier {
            inner: Arc::new(Inner {
                opts,
                config: Mutex::new(Config {
                    external_labels: Labels::empty(),
                    relabel: Vec::new(),
                    sets: Vec::new(),
                    alertmanagers: Vec::new(),
                }),
                queue: Mutex::new(VecDeque::new()),
                metrics: Mutex::new(metrics),
                wake: tokio::sync::Notify::new(),
                stopped: AtomicBool::new(false),
                running: AtomicBool::new(false),
                finished: AtomicBool::new(false),
                finished_notify: tokio::sync::Notify::new(),
            }),
        }
    }

    /// Applies `alerting:` and the global external labels. Alertmanagers come from
    /// `static_configs` and `file_sd_configs` (after their `relabel_configs`); target
    /// files are read now and again every `refresh_interval` while [`Notifier::run`]
    /// runs.
    pub fn apply_config(
        &self,
        alerting: &AlertingConfig,
        external_labels: &Labels,
    ) -> Result<(), RulesError> {
        let mut sets = Vec::new();
        for am in &alerting.alertmanagers {
            sets.push(Arc::new(AlertmanagerSet::new(am)?));
        }
        let mut cfg = self.inner.config.lock();
        cfg.external_labels = external_labels.clone();
        cfg.relabel = alerting.alert_relabel_configs.clone();
        cfg.sets = sets;
        self.rebuild_clients(&mut cfg);
        drop(cfg);
        self.inner.wake.notify_one();
        Ok(())
    }

    fn rebuild_clients(&self, cfg: &mut Config) {
        let mut clients: Vec<Arc<AlertmanagerClient>> = Vec::new();
        for set in &cfg.sets {
            clients.extend(set.clients().into_iter().map(Arc::new));
        }
        self.inner.metrics.lock().alertmanagers_discovered = clients.len();
        cfg.alertmanagers = clients;
    }

    /// Re-reads the `file_sd_configs` target files now (run does it on its own every
    /// `refresh_interval`).
    pub fn refresh_discovery(&self) {
        let sets = self.inner.config.lock().sets.clone();
        for set in &sets {
            set.refresh_files();
        }
        let mut cfg = self.inner.config.lock();
        self.rebuild_clients(&mut cfg);
    }

    /// The URLs alerts are posted to (`/api/v1/alertmanagers` `activeAlertmanagers`).
    pub fn alertmanager_urls(&self) -> Vec<String> {
        self.inner
            .config
            .lock()
            .alertmanagers
            .iter()
            .map(|c| c.url.clone())
            .collect()
    }

    /// A snapshot of the counters.
    pub fn metrics(&self) -> NotifierMetrics {
        let mut m = self.inner.metrics.lock().clone();
        m.queue_length = self.inner.queue.lock().len();
        m
    }

    /// The shortest file discovery refresh interval of the current configuration.
    fn refresh_interval(&self) -> Option<Duration> {
        let sets = self.inner.config.lock().sets.clone();
        sets.iter().filter_map(|s| s.refresh_interval()).min()
    }

    /// Sends queued alerts and refreshes file discovery until [`Notifier::stop`]; then
    /// drains the queue (see [`NotifierOptions::drain_on_shutdown`]) and returns. Run it
    /// on a tokio runtime.
    pub async fn run(&self) {
        self.inner.running.store(true, Ordering::SeqCst);
        let mut next_refresh = self.refresh_interval().map(|d| Instant::now() + d);
        loop {
            let notified = self.inner.wake.notified();
            if self.inner.stopped.load(Ordering::SeqCst) {
                break;
            }
            if next_refresh.is_some_and(|t| Instant::now() >= t) {
                self.refresh_discovery();
                next_refresh = None;
            }
            if next_refresh.is_none() {
                next_refresh = self.refresh_interval().map(|d| Instant::now() + d);
            }
            if self.inner.queue.lock().is_empty() {
                match next_refresh {
                    Some(t) => {
                        let wait = t.saturating_duration_since(Instant::now());
                        tokio::select! {
                            _ = notified => {}
                            _ = tokio::time::sleep(wait) => {}
                        }
                    }
                    None => notified.await,
                }
                continue;
            }
            while let Some(batch) = self.next_batch() {
                self.send_batch(batch).await;
                if self.inner.stopped.load(Ordering::SeqCst) {
                    break;
                }
            }
        }
        self.drain().await;
    }

    /// Asks [`Notifier::run`] to stop; it first sends what is queued (within
    /// [`NotifierOptions::drain_timeout`]) unless draining is off. New alerts are refused
    /// from now on. Use [`Notifier::shutdown`] to wait for the drain.
    pub fn stop(&self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        self.inner.wake.notify_one();
    }

    /// Stops and waits until queued alerts were sent (or the drain deadline passed).
    /// Without a running [`Notifier::run`], drains the queue itself.
    pub async fn shutdown(&self) {
        let finished = self.inner.finished_notify.notified();
        self.stop();
        if !self.inner.running.load(Ordering::SeqCst) {
            self.drain().await;
            return;
        }
        if !self.inner.finished.load(Ordering::SeqCst) {
            finished.await;
        }
    }

    /// Sends what is queued until the drain deadline; drops and counts the rest.
    async fn drain(&self) {
        if self.inner.finished.load(Ordering::SeqCst) {
            return;
        }
        let opts = &self.inner.opts;
        if opts.drain_on_shutdown {
            let deadline = Instant::now() + opts.drain_timeout;
            while let Some(batch) = self.next_batch() {
                let left = deadline.saturating_duration_since(Instant::now());
                let n = batch.len();
                if left.is_zero()
                    || tokio::time::timeout(left, self.send_batch(batch))
                        .await
                        .is_err()
                {
                    self.inner.metrics.lock().dropped_total += n as u64;
                    break;
                }
            }
        }
        let left = std::mem::take(&mut *self.inner.queue.lock()).len();
        if left > 0 {
            tracing::warn!(
                count = left,
                "Alert notification queue not drained on shutdown, dropping alerts"
            );
            self.inner.metrics.lock().dropped_total += left as u64;
        }
        self.inner.finished.store(true, Ordering::SeqCst);
        self.inner.finished_notify.notify_waiters();
    }

    fn next_batch(&self) -> Option<Vec<NotifierAlert>> {
        let mut q = self.inner.queue.lock();
        if q.is_empty() {
            return None;
        }
        let n = q.len().min(self.inner.opts.max_batch_size.max(1));
        Some(q.drain(..n).collect())
    }

    /// Posts one batch to every Alertmanager concurrently; alerts that reached none are
    /// counted as dropped.
    async fn send_batch(&self, batch: Vec<NotifierAlert>) {
        let clients = self.inner.config.lock().alertmanagers.clone();
        if clients.is_empty() {
            self.inner.metrics.lock().dropped_total += batch.len() as u64;
            return;
        }
        let body = alerts_to_json(&batch);
        let mut tasks = Vec::new();
        for c in clients {
            let body = body.clone();
            tasks.push(tokio::spawn(async move {
                let r = c.post(body).await;
                (c.url.clone(), r)
            }));
        }
        let mut any_ok = false;
        for t in tasks {
            let Ok((url, result)) = t.await else {
                continue;
            };
            let mut m = self.inner.metrics.lock();
            let counters = m.per_alertmanager.entry(url.clone()).or_default();
            match result {
                Ok(()) => {
                    counters.sent_total += batch.len() as u64;
                    any_ok = true;
                }
                Err(e) => {
                    counters.errors_total += batch.len() as u64;
                    tracing::error!(alertmanager = %url, count = batch.len(), err = %e, "Error sending alerts");
                }
            }
        }
        if !any_ok {
            self.inner.metrics.lock().dropped_total += batch.len() as u64;
        }
    }

    /// Adds external labels (where absent) and applies `alert_relabel_configs`.
    fn relabel(&self, alerts: Vec<NotifierAlert>) -> Vec<NotifierAlert> {
        let cfg = self.inner.config.lock();
        alerts
            .into_iter()
            .filter_map(|mut a| {
                let mut lb = LabelsBuilder::from(&a.labels);
                for l in cfg.external_labels.iter() {
                    if a.labels.get(l.name).is_none() {
                        lb.set(l.name, l.value);
                    }
                }
                if !promlite_config::relabel::process_builder(&mut lb, &cfg.relabel) {
                    return None;
                }
                a.labels = lb.build();
                Some(a)
            })
            .collect()
    }
}

impl AlertSender for Notifier {
    fn send(&self, alerts: Vec<NotifierAlert>) {
        if self.inner.stopped.load(Ordering::SeqCst) {
            return;
        }
        let mut alerts = self.relabel(alerts);
        if alerts.is_empty() {
            return;
        }
        let cap = self.inner.opts.queue_capacity;
        let mut dropped = 0usize;
        // A batch larger than the queue keeps only its newest alerts.
        if alerts.len() > cap {
            dropped += alerts.len() - cap;
            alerts.drain(..alerts.len() - cap);
        }
        {
            let mut q = self.inner.queue.lock();
            let overflow = (q.len() + alerts.len()).saturating_sub(cap);
            if overflow > 0 {
                dropped += overflow;
                q.drain(..overflow);
            }
            q.extend(alerts);
        }
        if dropped > 0 {
            tracing::warn!(
                count = dropped,
                "Alert notification queue full, dropping alerts"
            );
            self.inner.metrics.lock().dropped_total += dropped as u64;
        }
        self.inner.wake.notify_one();
    }
}
