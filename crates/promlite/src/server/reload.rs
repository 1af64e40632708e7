//! Config reloads (SIGHUP, `POST /-/reload`): a new config is loaded and validated
//! first; only a valid one is applied, so a bad file leaves the old config running.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use promlite_config::Config;
use promlite_http::SharedValue;
use promlite_model::{Labels, SharedClock};
use promlite_remote::RemoteWriteManager;
use promlite_rules::{Notifier, RuleManager};
use promlite_scrape::ScrapeManager;

use super::self_metrics::ReloadStatus;

/// Where promlite finds its own `/metrics` when it runs without a config file.
#[derive(Debug, Clone)]
pub struct SelfScrape {
    /// `host:port`.
    pub address: String,
    /// `/metrics`, or `<route prefix>/metrics`.
    pub metrics_path: String,
}

/// Everything a reload touches.
pub struct Reloader {
    pub config_file: Option<PathBuf>,
    /// Used for the self-scrape config when there is no config file.
    pub self_scrape: SelfScrape,
    /// `--enable-feature=extra-scrape-metrics`: `extra_scrape_metrics` defaults to true.
    pub extra_scrape_metrics_default: bool,
    pub scrape: Arc<ScrapeManager>,
    pub rules: Arc<RuleManager>,
    pub notifier: Arc<Notifier>,
    pub remote: Arc<RemoteWriteManager>,
    pub config_yaml: SharedValue<String>,
    pub external_labels: SharedValue<Labels>,
    pub status: Arc<ReloadStatus>,
    pub clock: SharedClock,
    /// Shared with the HTTP API and the rule manager: a reload sets its default
    /// subquery step to the new evaluation interval, as Prometheus does.
    pub engine: promlite_promql::Engine,
    /// Held for a whole reload: SIGHUP and concurrent `POST /-/reload`s take turns, so
    /// every component ends up with the same config (Prometheus runs reloads on one
    /// goroutine).
    pub in_progress: std::sync::Mutex<()>,
}

impl Reloader {
    /// Reads the config file (or builds the self-scrape config).
    pub fn load(&self) -> Result<Config, String> {
        let file = self.config_file.as_ref().map(|p| p.display().to_string());
        Reloader::load_config(
            file.as_deref(),
            &self.self_scrape,
            self.extra_scrape_metrics_default,
        )
    }

    /// Reads `config_file`, or without one the config that scrapes promlite itself.
    pub fn load_config(
        config_file: Option<&str>,
        self_scrape: &SelfScrape,
        extra_scrape_metrics_default: bool,
    ) -> Result<Config, String> {
        let mut cfg = match config_file {
            Some(path) => Config::load_file(path).map_err(|e| {
                format!("couldn't load configuration (--config.file={path:?}): {e}")
            })?,
            None => {
                let mut cfg = Config::self_scrape(&self_scrape.address);
                for job in &mut cfg.scrape_configs {
                    job.metrics_path.clone_from(&self_scrape.metrics_path);
                }
                cfg
            }
        };
        if extra_scrape_metrics_default {
            cfg.default_extra_scrape_metrics_to_true();
        }
        Ok(cfg)
    }

    /// Applies a loaded config to every component, in Prometheus's order.
    pub fn apply(&self, cfg: &Config) -> Result<(), String> {
        let external = &cfg.global.external_labels;
        let mut errors = Vec::new();
        if let Err(e) = self.remote.apply_config(&cfg.remote_write, external) {
            errors.push(format!("remote storage: {e}"));
        }
        if let Err(e) = self.scrape.apply_config(cfg) {
            errors.push(format!("scrape manager: {e}"));
        }
        match cfg.rule_file_paths() {
            Ok(paths) => {
                if let Err(e) = self.rules.apply(&paths, &cfg.global) {
                    errors.push(format!("rules manager: {e}"));
                }
            }
            Err(e) => errors.push(format!("rule files: {e}")),
        }
        if let Err(e) = self.notifier.apply_config(&cfg.alerting, external) {
            errors.push(format!("notifier: {e}"));
        }
        let interval_ms = i64::try_from(cfg.global.evaluation_interval.as_millis());
        self.engine
            .set_default_subquery_step_ms(interval_ms.unwrap_or(i64::MAX));
        self.config_yaml.set(cfg.to_yaml());
        self.external_labels.set(external.clone());
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    /// Loads and applies; on failure the old config keeps running.
    pub fn reload(&self) -> Result<(), String> {
        let _turn = self
            .in_progress
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let result = self.load().and_then(|cfg| self.apply(&cfg));
        match &result {
            Ok(()) => {
                self.status.last_success.store(1, Ordering::Relaxed);
                self.status
                    .last_success_time_ms
                    .store(self.clock.now_ms(), Ordering::Relaxed);
                tracing::info!("Completed loading of configuration file");
            }
            Err(e) => {
                self.status.last_success.store(0, Ordering::Relaxed);
                self.status.failures_total.fetch_add(1, Ordering::Relaxed);
                tracing::error!(err = %e, "Error reloading config");
            }
        }
        result
    }
}

/// `/-/reload` and `/-/quit`.
pub struct ServerLifecycle {
    pub reloader: Arc<Reloader>,
    pub shutdown: tokio::sync::watch::Sender<bool>,
}

impl promlite_http::Lifecycle for ServerLifecycle {
    fn reload(&self) -> Result<(), String> {
        self.reloader.reload()
    }

    fn quit(&self) {
        let _ = self.shutdown.send(true);
    }
}
