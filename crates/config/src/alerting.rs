//! `alerting:`: where to send alerts (`alertmanagers`) and how to relabel them first.

use std::path::Path;
use std::time::Duration;

use crate::discovery::{check_static_targets, parse_file_sd_configs, parse_static_configs};
use crate::relabel::{parse_list, validate_list};
use crate::yaml::fields::{as_seq, as_string, Fields, Result};
use crate::yaml::Node;
use crate::{
    ConfigError, FileSdConfig, HttpClientConfig, NameValidationScheme, RelabelConfig, StaticConfig,
};

/// `alerting:`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertingConfig {
    pub alert_relabel_configs: Vec<RelabelConfig>,
    pub alertmanagers: Vec<AlertmanagerConfig>,
}

/// One `alertmanagers:` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertmanagerConfig {
    pub static_configs: Vec<StaticConfig>,
    pub file_sd_configs: Vec<FileSdConfig>,
    pub http_client: HttpClientConfig,
    /// `http` unless set.
    pub scheme: String,
    pub path_prefix: String,
    /// Default 10s.
    pub timeout: Duration,
    /// Always `v2`: Prometheus 3 refuses `v1`.
    pub api_version: String,
    pub relabel_configs: Vec<RelabelConfig>,
    pub alert_relabel_configs: Vec<RelabelConfig>,
}

impl Default for AlertmanagerConfig {
    fn default() -> Self {
        AlertmanagerConfig {
            static_configs: Vec::new(),
            file_sd_configs: Vec::new(),
            http_client: HttpClientConfig::default(),
            scheme: "http".to_string(),
            path_prefix: String::new(),
            timeout: Duration::from_secs(10),
            api_version: "v2".to_string(),
            relabel_configs: Vec::new(),
            alert_relabel_configs: Vec::new(),
        }
    }
}

impl AlertingConfig {
    pub(crate) fn parse(
        node: Option<&Node>,
        base_dir: &Path,
        scheme: NameValidationScheme,
    ) -> Result<AlertingConfig> {
        let Some(node) = node else {
            return Ok(AlertingConfig::default());
        };
        let mut f = Fields::of(node, "config.AlertingConfig")?;
        let mut a = AlertingConfig {
            alert_relabel_configs: parse_list(
                f.get("alert_relabel_configs"),
                "alert relabeling rule",
            )?,
            alertmanagers: Vec::new(),
        };
        if let Some(n) = f.get("alertmanagers") {
            for item in as_seq(n, "config.AlertmanagerConfigs")? {
                a.alertmanagers
                    .push(parse_alertmanager(item, base_dir, scheme)?);
            }
        }
        f.finish()?;
        validate_list(&mut a.alert_relabel_configs, scheme)?;
        Ok(a)
    }
}

fn parse_alertmanager(
    node: &Node,
    base_dir: &Path,
    scheme: NameValidationScheme,
) -> Result<AlertmanagerConfig> {
    let mut f = Fields::of(node, "config.AlertmanagerConfig")?;
    let mut am = AlertmanagerConfig {
        static_configs: parse_static_configs(f.get("static_configs"))?,
        file_sd_configs: parse_file_sd_configs(f.get("file_sd_configs"), base_dir)?,
        ..AlertmanagerConfig::default()
    };
    am.http_client = HttpClientConfig::take_from(&mut f, HttpClientConfig::default(), base_dir)?;
    if let Some(v) = f.string("scheme")?.filter(|s| !s.is_empty()) {
        am.scheme = v;
    }
    am.path_prefix = f.string("path_prefix")?.unwrap_or_default();
    if let Some(d) = f.duration("timeout")?.filter(|d| !d.is_zero()) {
        am.timeout = d;
    }
    if let Some(n) = f.get("api_version") {
        let v = as_string(n)?;
        if v != "v2" {
            return Err(ConfigError::invalid(
                format!("expected Alertmanager api version to be one of [v2] but got {v}"),
                Some(n.line),
            ));
        }
    }
    am.relabel_configs = parse_list(
        f.get("relabel_configs"),
        "Alertmanager target relabeling rule",
    )?;
    am.alert_relabel_configs = parse_list(
        f.get("alert_relabel_configs"),
        "Alertmanager alert relabeling rule",
    )?;
    f.finish()?;
    if am.relabel_configs.is_empty() {
        check_static_targets(&am.static_configs)?;
    }
    validate_list(&mut am.alert_relabel_configs, scheme)?;
    validate_list(&mut am.relabel_configs, scheme)?;
    Ok(am)
}
