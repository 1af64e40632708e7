//! `ScrapeManager`: one scrape pool per job, targets from `static_configs` and
//! `file_sd_configs`, reloads that keep unchanged targets' loops and caches, and the
//! state the HTTP API shows (`/api/v1/targets`, metadata, `/metrics`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use promlite_config::{Config, ScrapeConfig, SourceLine};
use promlite_model::{Labels, Metadata, SharedClock};
use promlite_storage::Appendable;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::client::ScrapeClient;
use crate::file_sd::{FileSdState, TargetGroup};
use crate::metrics::{inc, ScrapeMetrics, ScrapeMetricsSnapshot};
use crate::scrape_loop::append::AppendSettings;
use crate::scrape_loop::cache::ScrapeCache;
use crate::scrape_loop::run::{LoopContext, LoopHandle};
use crate::target::{
    discovered_labels, new_target, populate_labels, Target, TargetHealth, SCRAPE_INTERVAL_LABEL,
    SCRAPE_TIMEOUT_LABEL,
};
use crate::ScrapeError;

/// Knobs of the manager.
#[derive(Clone, Debug, Default)]
pub struct ScrapeManagerOptions {
    /// Mixed into every target's offset hash, so two servers scraping the same targets
    /// (e.g. an HA pair) spread differently. Prometheus derives it from external labels.
    pub offset_seed: u64,
}

/// A target being scraped, as `/api/v1/targets` lists it.
#[derive(Clone, Debug)]
pub struct ActiveTarget {
    pub discovered_labels: Labels,
    /// The target's labels without `__`-prefixed ones.
    pub labels: Labels,
    pub scrape_pool: String,
    pub scrape_url: String,
    /// The same URL; the HTTP layer may swap a loopback host for the external one.
    pub global_url: String,
    pub last_error: String,
    /// Start of the last scrape, ms since the epoch; `None` before the first.
    pub last_scrape_ms: Option<i64>,
    pub last_scrape_duration_seconds: f64,
    pub health: TargetHealth,
    pub scrape_interval: String,
    pub scrape_timeout: String,
    /// For metadata lookups.
    pub target: Arc<Target>,
}

/// A target dropped by relabeling.
#[derive(Clone, Debug)]
pub struct DroppedTarget {
    pub discovered_labels: Labels,
    pub scrape_pool: String,
}

/// Snapshot for `/api/v1/targets`.
#[derive(Clone, Debug, Default)]
pub struct TargetsState {
    pub active: Vec<ActiveTarget>,
    pub dropped: Vec<DroppedTarget>,
    /// Dropped targets per pool, including those beyond `keep_dropped_targets`.
    pub dropped_counts: BTreeMap<String, usize>,
}

struct Active {
    target: Arc<Target>,
    handle: LoopHandle,
}

struct Pool {
    config: Arc<ScrapeConfig>,
    client: Arc<ScrapeClient>,
    active: HashMap<u64, Active>,
    dropped: Vec<DroppedTarget>,
    dropped_count: usize,
    file_sd: FileSdState,
    sd_task: Option<JoinHandle<()>>,
    forced_error: Arc<Mutex<Option<String>>>,
}

struct Inner {
    appendable: Arc<dyn Appendable>,
    clock: SharedClock,
    metrics: Arc<ScrapeMetrics>,
    runtime: tokio::runtime::Handle,
    shutdown: watch::Sender<bool>,
    pools: Mutex<BTreeMap<String, Pool>>,
    options: ScrapeManagerOptions,
}

/// Runs every scrape job of a configuration. Cheap to clone.
#[derive(Clone)]
pub struct ScrapeManager {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ScrapeManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScrapeManager")
            .field("pools", &self.scrape_pools())
            .finish()
    }
}

/// Config equality that ignores where in the file the job was written.
fn same_config(a: &ScrapeConfig, b: &ScrapeConfig) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    a.line = SourceLine(0);
    b.line = SourceLine(0);
    a == b
}

/// Whether a reloaded job's caches stay valid: nothing that changes series labels or
/// values changed (Prometheus's `reusableCache`).
fn reusable_cache(old: &ScrapeConfig, new: &ScrapeConfig) -> bool {
    let zero = |c: &ScrapeConfig| {
        let mut z = c.clone();
        z.scrape_interval = Duration::ZERO;
        z.scrape_timeout = Duration::ZERO;
        z.sample_limit = 0;
        z.http_client = Default::default();
        z.static_configs.clear();
        z.file_sd_configs.clear();
        z.relabel_configs.clear();
        z.line = SourceLine(0);
        z
    };
    zero(old) == zero(new)
}

impl ScrapeManager {
    /// A manager appending to `appendable`. Must be called inside a tokio runtime (its
    /// handle runs the loops).
    pub fn new(
        appendable: Arc<dyn Appendable>,
        clock: SharedClock,
        options: ScrapeManagerOptions,
    ) -> ScrapeManager {
        let (shutdown, _) = watch::channel(false);
        ScrapeManager {
            inner: Arc::new(Inner {
                appendable,
                clock,
                metrics: Arc::new(ScrapeMetrics::default()),
                runtime: tokio::runtime::Handle::current(),
                shutdown,
                pools: Mutex::new(BTreeMap::new()),
                options,
            }),
        }
    }

    /// Applies a (re)loaded configuration: new jobs start, removed jobs stop (their
    /// series get staleness markers), changed jobs restart their loops keeping caches
    /// where labels cannot have changed, unchanged jobs are left alone.
    pub fn apply_config(&self, cfg: &Config) -> Result<(), ScrapeError> {
        let mut pools = self.inner.pools.lock();
        let wanted: Vec<&str> = cfg
            .scrape_configs
            .iter()
            .map(|c| c.job_name.as_str())
            .collect();
        let removed: Vec<String> = pools
            .keys()
            .filter(|k| !wanted.contains(&k.as_str()))
            .cloned()
            .collect();
        for name in removed {
            if let Some(pool) = pools.remove(&name) {
                stop_pool(pool);
            }
        }
        let mut first_err = None;
        for sc in &cfg.scrape_configs {
            let new_cfg = Arc::new(sc.clone());
            let unchanged = pools
                .get(&sc.job_name)
                .is_some_and(|p| same_config(&p.config, &new_cfg));
            if unchanged {
                continue;
            }
            let existing = pools.contains_key(&sc.job_name);
            if existing {
                inc(&self.inner.metrics.scrape_pool_reloads);
            } else {
                inc(&self.inner.metrics.scrape_pools);
            }
            let client = match ScrapeClient::new(&new_cfg) {
                Ok(c) => Arc::new(c),
                Err(e) => {
                    inc(if existing {
                        &self.inner.metrics.scrape_pool_reloads_failed
                    } else {
                        &self.inner.metrics.scrape_pools_failed
                    });
                    tracing::error!(scrape_pool = %sc.job_name, err = %e, "error creating new scrape pool");
                    first_err.get_or_insert(e);
                    continue;
                }
            };
            let pool = pools.entry(sc.job_name.clone()).or_insert_with(|| Pool {
                config: new_cfg.clone(),
                client: client.clone(),
                active: HashMap::new(),
                dropped: Vec::new(),
                dropped_count: 0,
                file_sd: FileSdState::default(),
                sd_task: None,
                forced_error: Arc::new(Mutex::new(None)),
            });
            let reuse = reusable_cache(&pool.config, &new_cfg);
            let old_cfg = std::mem::replace(&mut pool.config, new_cfg);
            pool.client = client;
            pool.file_sd.refresh(&pool.config.file_sd_configs);
            let restart = existing && !same_config(&old_cfg, &pool.config);
            self.sync_pool(pool, restart, reuse);
            if let Some(t) = pool.sd_task.take() {
                t.abort();
            }
            if !pool.config.file_sd_configs.is_empty() {
                pool.sd_task = Some(self.spawn_file_sd_refresh(&pool.config));
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn spawn_file_sd_refresh(&self, cfg: &ScrapeConfig) -> JoinHandle<()> {
        let every = cfg
            .file_sd_configs
            .iter()
            .map(|f| f.refresh_interval)
            .min()
            .unwrap_or(Duration::from_secs(300))
            .max(Duration::from_millis(10));
        let job = cfg.job_name.clone();
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        self.inner.runtime.spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(inner) = weak.upgrade() else { return };
                let manager = ScrapeManager { inner };
                manager.refresh_file_sd(&job);
            }
        })
    }

    /// Re-reads a job's file_sd files now and re-syncs its targets if they changed.
    pub fn refresh_file_sd(&self, job: &str) {
        let mut pools = self.inner.pools.lock();
        if let Some(pool) = pools.get_mut(job) {
            let cfg = pool.config.clone();
            if pool.file_sd.refresh(&cfg.file_sd_configs) {
                self.sync_pool(pool, false, true);
            }
        }
    }

    /// Builds the pool's targets from its static and file groups; keeps loops of targets
    /// that stay, starts new ones, stops vanished ones. With `restart`, surviving targets
    /// get fresh loops (new settings), keeping their caches when `reuse_cache`.
    fn sync_pool(&self, pool: &mut Pool, restart: bool, reuse_cache: bool) {
        let cfg = pool.config.clone();
        let mut groups: Vec<TargetGroup> = cfg
            .static_configs
            .iter()
            .enumerate()
            .map(|(i, s)| TargetGroup {
                targets: s
                    .targets
                    .iter()
                    .map(|t| Labels::from_pairs([("__address__", t.as_str())]))
                    .collect(),
                labels: s.labels.clone(),
                source: i.to_string(),
            })
            .collect();
        groups.extend(pool.file_sd.groups().cloned());
        let mut next: HashMap<u64, Active> = HashMap::new();
        let mut dropped = Vec::new();
        let mut dropped_count = 0;
        for group in &groups {
            for t in &group.targets {
                let discovered = discovered_labels(&cfg, t, &group.labels);
                let labels = match populate_labels(&cfg, &discovered) {
                    Err(e) => {
                        inc(&self.inner.metrics.sync_failed);
                        tracing::error!(scrape_pool = %cfg.job_name, err = %e, "Creating target failed");
                        continue;
                    }
                    Ok(None) => {
                        dropped_count += 1;
                        if cfg.keep_dropped_targets == 0
                            || (dropped.len() as u64) < cfg.keep_dropped_targets
                        {
                            dropped.push(DroppedTarget {
                                discovered_labels: discovered,
                                scrape_pool: cfg.job_name.clone(),
                            });
                        }
                        continue;
                    }
                    Ok(Some(l)) => l,
                };
                let target = new_target(&cfg, discovered.clone(), labels);
                let hash = target.hash();
                if next.contains_key(&hash) {
                    continue;
                }
                let active = match pool.active.remove(&hash) {
                    Some(existing) if !restart => {
                        *existing.target.discovered_labels.lock() = discovered;
                        existing
                    }
                    Some(existing) => {
                        let cache = if reuse_cache {
                            existing.handle.cache.clone()
                        } else {
                            Arc::new(Mutex::new(ScrapeCache::default()))
                        };
                        drop(existing.handle.stop(reuse_cache)); // detached: the old task just exits
                        let target = Arc::new(target);
                        self.start_loop(pool, target, cache)
                    }
                    None => self.start_loop(
                        pool,
                        Arc::new(target),
                        Arc::new(Mutex::new(ScrapeCache::default())),
                    ),
                };
                next.insert(hash, active);
            }
        }
        for (_, gone) in pool.active.drain() {
            // Detached: the task writes end-of-run staleness markers on its own.
            drop(gone.handle.stop(false));
        }
        pool.active = next;
        pool.dropped = dropped;
        pool.dropped_count = dropped_count;
        let forced = if cfg.target_limit > 0 && pool.active.len() as u64 > cfg.target_limit {
            inc(&self.inner.metrics.exceeded_target_limit);
            Some(format!(
                "target_limit exceeded (number of targets: {}, limit: {})",
                pool.active.len(),
                cfg.target_limit
            ))
        } else {
            None
        };
        *pool.forced_error.lock() = forced;
    }

    fn start_loop(
        &self,
        pool: &Pool,
        target: Arc<Target>,
        cache: Arc<Mutex<ScrapeCache>>,
    ) -> Active {
        let ctx = LoopContext {
            settings: AppendSettings::new(&pool.config, target.public_labels()),
            target: target.clone(),
            client: pool.client.clone(),
            appendable: self.inner.appendable.clone(),
            clock: self.inner.clock.clone(),
            metrics: self.inner.metrics.clone(),
            cache,
            forced_error: pool.forced_error.clone(),
            offset_seed: self.inner.options.offset_seed,
        };
        let handle = LoopHandle::spawn(&self.inner.runtime, ctx, self.inner.shutdown.subscribe());
        Active { target, handle }
    }

    /// Stops every loop without writing staleness markers (the server is going down and
    /// will resume where it was) and waits for them.
    pub async fn stop(&self) {
        let _ = self.inner.shutdown.send(true);
        let handles: Vec<JoinHandle<()>> = {
            let mut pools = self.inner.pools.lock();
            let mut hs = Vec::new();
            for (_, mut pool) in std::mem::take(&mut *pools) {
                if let Some(t) = pool.sd_task.take() {
                    t.abort();
                }
                for (_, a) in pool.active.drain() {
                    hs.push(a.handle.stop(true));
                }
            }
            hs
        };
        for h in handles {
            let _ = h.await;
        }
    }

    /// Job names, sorted.
    pub fn scrape_pools(&self) -> Vec<String> {
        self.inner.pools.lock().keys().cloned().collect()
    }

    /// Active and dropped targets, sorted by pool then URL.
    pub fn targets(&self) -> TargetsState {
        let pools = self.inner.pools.lock();
        let mut state = TargetsState::default();
        for (name, pool) in pools.iter() {
            let mut active: Vec<ActiveTarget> = pool
                .active
                .values()
                .map(|a| {
                    let t = &a.target;
                    let status = t.status.lock().clone();
                    ActiveTarget {
                        discovered_labels: t.discovered_labels(),
                        labels: t.public_labels(),
                        scrape_pool: name.clone(),
                        scrape_url: t.url.clone(),
                        global_url: t.url.clone(),
                        last_error: status.last_error,
                        last_scrape_ms: status.last_scrape_ms,
                        last_scrape_duration_seconds: status.last_scrape_duration_seconds,
                        health: status.health,
                        scrape_interval: t.labels.get_or_empty(SCRAPE_INTERVAL_LABEL).to_string(),
                        scrape_timeout: t.labels.get_or_empty(SCRAPE_TIMEOUT_LABEL).to_string(),
                        target: t.clone(),
                    }
                })
                .collect();
            active.sort_by(|a, b| a.scrape_url.cmp(&b.scrape_url));
            state.active.extend(active);
            state.dropped.extend(pool.dropped.iter().cloned());
            state
                .dropped_counts
                .insert(name.clone(), pool.dropped_count);
        }
        state
    }

    /// Metadata per metric family across all targets, each distinct value once.
    pub fn metadata(&self) -> BTreeMap<String, Vec<Metadata>> {
        let mut out: BTreeMap<String, Vec<Metadata>> = BTreeMap::new();
        for a in self.targets().active {
            for (family, meta) in a.target.metadata().list() {
                let v = out.entry(family).or_default();
                if !v.contains(&meta) {
                    v.push(meta);
                }
            }
        }
        out
    }

    /// Counters for `/metrics`.
    pub fn metrics_snapshot(&self) -> ScrapeMetricsSnapshot {
        let targets: Vec<(String, u64)> = self
            .inner
            .pools
            .lock()
            .iter()
            .map(|(k, p)| (k.clone(), p.active.len() as u64))
            .collect();
        self.inner.metrics.snapshot(targets)
    }
}

fn stop_pool(mut pool: Pool) {
    if let Some(t) = pool.sd_task.take() {
        t.abort();
    }
    for (_, a) in pool.active.drain() {
        drop(a.handle.stop(false)); // detached, see `sync_pool`
    }
}
