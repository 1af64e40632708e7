//! `Config`: a whole `prometheus.yml`, loaded, defaulted and validated.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::alerting::AlertingConfig;
use crate::remote::{parse_remote_reads, parse_remote_writes};
use crate::scrape::parse_scrape_configs;
use crate::yaml::fields::{as_string_list, Fields};
use crate::{
    ConfigError, GlobalConfig, RemoteReadConfig, RemoteWriteConfig, ScrapeConfig, StaticConfig,
    StorageConfig,
};

/// A loaded `prometheus.yml`. Relative file names in it (rule files, `*_file` settings,
/// file SD patterns) are already joined with the config file's directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub global: GlobalConfig,
    pub alerting: AlertingConfig,
    /// Rule file patterns (globs allowed in the last path element).
    pub rule_files: Vec<PathBuf>,
    pub scrape_configs: Vec<ScrapeConfig>,
    pub storage: StorageConfig,
    pub remote_write: Vec<RemoteWriteConfig>,
    pub remote_read: Vec<RemoteReadConfig>,
    /// Settings that were accepted but change nothing in promlite (for the logs).
    pub warnings: Vec<String>,
}

impl Default for Config {
    /// An empty config: Prometheus's global defaults and no jobs (what an empty file
    /// gives). For promlite's no-config-file behaviour see [`Config::self_scrape`].
    fn default() -> Self {
        Config {
            global: GlobalConfig::default(),
            alerting: AlertingConfig::default(),
            rule_files: Vec::new(),
            scrape_configs: Vec::new(),
            storage: StorageConfig::default(),
            remote_write: Vec::new(),
            remote_read: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// Prometheus only allows a `*` in the last element of a rule file path:
/// `^[^*]*(\*[^/]*)?$`.
fn valid_rule_path(p: &str) -> bool {
    match p.find('*') {
        None => true,
        Some(star) => !p[star + 1..].contains('/'),
    }
}

impl Config {
    /// Reads and validates a config file. Errors read `parsing YAML file <path>: ...`.
    pub fn load_file(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let base_dir = path.parent().unwrap_or_else(|| Path::new(""));
        Config::from_yaml_str(&text, base_dir).map_err(|e| e.in_config_file(path.to_path_buf()))
    }

    /// Parses config text; relative paths in it are joined with `base_dir`. An empty text
    /// (or only comments) is a valid config with no scrape jobs.
    pub fn from_yaml_str(text: &str, base_dir: impl AsRef<Path>) -> Result<Config, ConfigError> {
        Config::from_yaml_str_with_env(text, base_dir.as_ref(), &|name| std::env::var(name).ok())
    }

    /// Like [`Config::from_yaml_str`], reading `$VAR`s in external labels from `env`.
    pub fn from_yaml_str_with_env(
        text: &str,
        base_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let Some(root) = crate::yaml::parse(text)? else {
            return Ok(Config::default());
        };
        let mut f = Fields::of(&root, "config.Config")?;
        let mut c = Config {
            global: GlobalConfig::parse(f.get("global"), base_dir, env)?,
            ..Config::default()
        };
        let scheme = c.global.metric_name_validation_scheme;
        if c.global.query_log_file.is_some() {
            c.warnings.push(
                "global.query_log_file is accepted but promlite does not write a query log".into(),
            );
        }
        if let Some((_, n)) = f.get_with_key("runtime") {
            let mut r = Fields::of(n, "config.RuntimeConfig")?;
            r.int("gogc")?;
            r.finish()?;
            c.warnings
                .push("runtime.gogc is accepted but has no effect in promlite".into());
        }
        c.alerting = AlertingConfig::parse(f.get("alerting"), base_dir, scheme)?;
        if let Some(n) = f.get("rule_files") {
            for p in as_string_list(n)? {
                if !valid_rule_path(&p) {
                    return Err(ConfigError::invalid(
                        format!("invalid rule file path {}", promlite_model::go_quote(&p)),
                        Some(n.line),
                    ));
                }
                c.rule_files
                    .push(crate::http_client::join_dir(base_dir, &p));
            }
        }
        c.scrape_configs = parse_scrape_configs(f.get("scrape_configs"), &c.global, base_dir)?;
        c.storage = StorageConfig::parse(f.get("storage"))?;
        c.remote_write = parse_remote_writes(f.get("remote_write"), base_dir, scheme)?;
        c.remote_read = parse_remote_reads(f.get("remote_read"), base_dir)?;
        f.finish()?;
        Ok(c)
    }

    /// `--enable-feature=extra-scrape-metrics`, as Prometheus 3 reads it: the default of
    /// `extra_scrape_metrics` becomes true; a value the file states still wins (a job
    /// inherits the global value when it states none).
    pub fn default_extra_scrape_metrics_to_true(&mut self) {
        if !self.global.extra_scrape_metrics_set {
            self.global.extra_scrape_metrics = true;
        }
        let global = self.global.extra_scrape_metrics;
        for job in &mut self.scrape_configs {
            if !job.extra_scrape_metrics_set {
                job.extra_scrape_metrics = global;
            }
        }
    }

    /// What promlite runs with no config file: one job `promlite` scraping its own
    /// `/metrics` on `listen_addr` (e.g. `localhost:9090`) every 15s, rules evaluated
    /// every 15s.
    pub fn self_scrape(listen_addr: &str) -> Config {
        let global = GlobalConfig {
            scrape_interval: Duration::from_secs(15),
            evaluation_interval: Duration::from_secs(15),
            ..GlobalConfig::default()
        };
        let mut job = ScrapeConfig::new("promlite", &global);
        job.static_configs.push(StaticConfig {
            targets: vec![listen_addr.to_string()],
            labels: promlite_model::Labels::empty(),
            line: crate::SourceLine(0),
        });
        Config {
            global,
            scrape_configs: vec![job],
            ..Config::default()
        }
    }

    /// The rule files the `rule_files` patterns match now: for each pattern in order, its
    /// matches sorted by name (a pattern that matches nothing adds nothing, as in
    /// Prometheus).
    pub fn rule_file_paths(&self) -> Result<Vec<PathBuf>, ConfigError> {
        let mut out = Vec::new();
        for pattern in &self.rule_files {
            let text = pattern.to_string_lossy();
            let paths = glob::glob(&text).map_err(|e| {
                ConfigError::invalid(
                    format!(
                        "error retrieving rule files for {}: {e}",
                        promlite_model::go_quote(&text)
                    ),
                    None,
                )
            })?;
            let mut found: Vec<PathBuf> = paths.filter_map(|p| p.ok()).collect();
            found.sort();
            for p in found {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        Ok(out)
    }

    /// The job named `name`.
    pub fn scrape_config(&self, name: &str) -> Option<&ScrapeConfig> {
        self.scrape_configs.iter().find(|j| j.job_name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_paths_allow_a_star_only_in_the_last_element() {
        assert!(valid_rule_path("rules/*.yml"));
        assert!(valid_rule_path("/etc/prometheus/rules/*.yml"));
        assert!(valid_rule_path("a.rules"));
        assert!(!valid_rule_path("*/x.yml"));
    }

    #[test]
    fn self_scrape_defaults() {
        let c = Config::self_scrape("localhost:9090");
        assert_eq!(c.scrape_configs.len(), 1);
        let j = &c.scrape_configs[0];
        assert_eq!(j.job_name, "promlite");
        assert_eq!(j.scrape_interval, Duration::from_secs(15));
        assert_eq!(j.scrape_timeout, Duration::from_secs(10));
        assert_eq!(j.metrics_path, "/metrics");
        assert_eq!(
            j.static_configs[0].targets,
            vec!["localhost:9090".to_string()]
        );
    }
}
