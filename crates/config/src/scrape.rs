//! `scrape_configs:` entries: one job each, with its targets, HTTP settings, limits and
//! relabeling, and the defaults it inherits from `global:`.

use std::path::Path;
use std::time::Duration;

use crate::discovery::{check_static_targets, parse_file_sd_configs, parse_static_configs};
use crate::global::{
    check_escaping_scheme, parse_one_protocol, parse_scrape_protocols, refuse_native_histograms,
};
use crate::relabel::{parse_list, validate_list};
use crate::yaml::fields::{as_seq, as_string, as_string_list, Fields, Result};
use crate::yaml::{Node, Value};
use crate::{
    ConfigError, FileSdConfig, GlobalConfig, HttpClientConfig, NameValidationScheme, RelabelConfig,
    ScrapeProtocol, SourceLine, StaticConfig,
};

/// One scrape job. After loading, every inherited value is filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapeConfig {
    pub job_name: String,
    pub honor_labels: bool,
    pub honor_timestamps: bool,
    pub track_timestamps_staleness: bool,
    /// URL query parameters, in file order.
    pub params: Vec<(String, Vec<String>)>,
    pub scrape_interval: Duration,
    pub scrape_timeout: Duration,
    pub scrape_protocols: Vec<ScrapeProtocol>,
    pub fallback_scrape_protocol: Option<ScrapeProtocol>,
    pub always_scrape_classic_histograms: bool,
    pub metrics_path: String,
    pub scheme: String,
    pub enable_compression: bool,
    /// 0 = no limit, for all the limits below.
    pub body_size_limit: u64,
    pub sample_limit: u64,
    pub target_limit: u64,
    pub label_limit: u64,
    pub label_name_length_limit: u64,
    pub label_value_length_limit: u64,
    pub keep_dropped_targets: u64,
    pub metric_name_validation_scheme: NameValidationScheme,
    pub metric_name_escaping_scheme: String,
    pub extra_scrape_metrics: bool,
    /// Whether the job sets `extra_scrape_metrics` itself.
    pub extra_scrape_metrics_set: bool,
    pub static_configs: Vec<StaticConfig>,
    pub file_sd_configs: Vec<FileSdConfig>,
    pub http_client: HttpClientConfig,
    pub relabel_configs: Vec<RelabelConfig>,
    pub metric_relabel_configs: Vec<RelabelConfig>,
    /// Line of the job in the config file.
    pub line: SourceLine,
}

impl ScrapeConfig {
    /// A job with Prometheus's defaults, inheriting from `global`.
    pub fn new(job_name: impl Into<String>, global: &GlobalConfig) -> ScrapeConfig {
        ScrapeConfig {
            job_name: job_name.into(),
            honor_labels: false,
            honor_timestamps: true,
            track_timestamps_staleness: false,
            params: Vec::new(),
            scrape_interval: global.scrape_interval,
            scrape_timeout: global.scrape_timeout.min(global.scrape_interval),
            scrape_protocols: global
                .scrape_protocols
                .clone()
                .unwrap_or_else(|| ScrapeProtocol::DEFAULT.to_vec()),
            fallback_scrape_protocol: None,
            always_scrape_classic_histograms: global.always_scrape_classic_histograms,
            metrics_path: "/metrics".to_string(),
            scheme: "http".to_string(),
            enable_compression: true,
            body_size_limit: global.body_size_limit,
            sample_limit: global.sample_limit,
            target_limit: global.target_limit,
            label_limit: global.label_limit,
            label_name_length_limit: global.label_name_length_limit,
            label_value_length_limit: global.label_value_length_limit,
            keep_dropped_targets: global.keep_dropped_targets,
            metric_name_validation_scheme: global.metric_name_validation_scheme,
            metric_name_escaping_scheme: global.effective_escaping_scheme(),
            extra_scrape_metrics: global.extra_scrape_metrics,
            extra_scrape_metrics_set: false,
            static_configs: Vec::new(),
            file_sd_configs: Vec::new(),
            http_client: HttpClientConfig::default(),
            relabel_configs: Vec::new(),
            metric_relabel_configs: Vec::new(),
            line: SourceLine(0),
        }
    }

    /// Reads one job and applies `global`'s defaults and Prometheus's checks.
    pub(crate) fn parse(
        node: &Node,
        global: &GlobalConfig,
        base_dir: &Path,
    ) -> Result<ScrapeConfig> {
        if node.is_null() {
            return Err(ConfigError::invalid(
                "empty or null scrape config section",
                Some(node.line),
            ));
        }
        let mut f = Fields::of(node, "config.ScrapeConfig")?;
        let line = Some(f.line);
        let job_name = f.string("job_name")?.unwrap_or_default();
        let mut c = ScrapeConfig::new(job_name.clone(), global);
        c.line = SourceLine(f.line);
        let quoted_job = promlite_model::go_quote(&job_name);

        c.honor_labels = f.bool("honor_labels")?.unwrap_or(false);
        c.honor_timestamps = f.bool("honor_timestamps")?.unwrap_or(true);
        c.track_timestamps_staleness = f.bool("track_timestamps_staleness")?.unwrap_or(false);
        if let Some(n) = f.get("params") {
            c.params = parse_params(n)?;
        }
        let interval = f.duration("scrape_interval")?.filter(|d| !d.is_zero());
        let timeout = f.duration("scrape_timeout")?.filter(|d| !d.is_zero());
        let timeout_line = f.key_line("scrape_timeout");
        if let Some(n) = f.get("scrape_protocols") {
            c.scrape_protocols = parse_scrape_protocols(
                n,
                &format!("for scrape config with job name {quoted_job}"),
            )?;
        }
        if let Some(n) = f.get("fallback_scrape_protocol") {
            if !as_string(n)?.is_empty() {
                c.fallback_scrape_protocol = Some(parse_one_protocol(n, &job_name)?);
            }
        }
        if let Some(v) = f.bool("always_scrape_classic_histograms")? {
            c.always_scrape_classic_histograms = v;
        }
        refuse_native_histograms(&mut f)?;
        // Only native histograms use these; accepted and ignored.
        f.uint("native_histogram_bucket_limit")?;
        f.float("native_histogram_min_bucket_factor")?;
        // Accepted for compatibility; promlite does not write a scrape failure log.
        f.string("scrape_failure_log_file")?;
        if let Some(v) = f.string("metrics_path")?.filter(|s| !s.is_empty()) {
            c.metrics_path = v;
        }
        if let Some(v) = f.string("scheme")?.filter(|s| !s.is_empty()) {
            c.scheme = v;
        }
        c.enable_compression = f.bool("enable_compression")?.unwrap_or(true);
        let nonzero = |v: Option<u64>, inherited: u64| v.filter(|v| *v != 0).unwrap_or(inherited);
        c.body_size_limit = nonzero(f.bytes("body_size_limit")?, c.body_size_limit);
        c.sample_limit = nonzero(f.uint("sample_limit")?, c.sample_limit);
        c.target_limit = nonzero(f.uint("target_limit")?, c.target_limit);
        c.label_limit = nonzero(f.uint("label_limit")?, c.label_limit);
        c.label_name_length_limit = nonzero(
            f.uint("label_name_length_limit")?,
            c.label_name_length_limit,
        );
        c.label_value_length_limit = nonzero(
            f.uint("label_value_length_limit")?,
            c.label_value_length_limit,
        );
        c.keep_dropped_targets = nonzero(f.uint("keep_dropped_targets")?, c.keep_dropped_targets);
        if let Some(v) = f.bool("extra_scrape_metrics")? {
            c.extra_scrape_metrics = v;
            c.extra_scrape_metrics_set = true;
        }

        let mut local_validation_set = false;
        if let Some(n) = f.get("metric_name_validation_scheme") {
            match as_string(n)?.as_str() {
                "" => {}
                "utf8" => {
                    c.metric_name_validation_scheme = NameValidationScheme::Utf8;
                    local_validation_set = true;
                }
                "legacy" => {
                    c.metric_name_validation_scheme = NameValidationScheme::Legacy;
                    local_validation_set = true;
                }
                other => {
                    return Err(ConfigError::invalid(
                        format!("unknown scrape config name validation method specified, must be either '', 'legacy' or 'utf8', got {other}"),
                        Some(n.line),
                    ))
                }
            }
        }
        let escaping = f.get("metric_name_escaping_scheme");
        match escaping
            .map(as_string)
            .transpose()?
            .filter(|s| !s.is_empty())
        {
            Some(text) => {
                check_escaping_scheme(&text, "scrape", escaping.map_or(f.line, |n| n.line))?;
                c.metric_name_escaping_scheme = text;
            }
            None if local_validation_set => {
                c.metric_name_escaping_scheme = match c.metric_name_validation_scheme {
                    NameValidationScheme::Legacy => "underscores".to_string(),
                    NameValidationScheme::Utf8 => "allow-utf-8".to_string(),
                };
            }
            None => {}
        }
        if c.metric_name_escaping_scheme == "allow-utf-8"
            && c.metric_name_validation_scheme != NameValidationScheme::Utf8
        {
            return Err(ConfigError::invalid(
                "utf8 metric names requested but validation scheme is not set to UTF8",
                line,
            ));
        }

        c.static_configs = parse_static_configs(f.get("static_configs"))?;
        c.file_sd_configs = parse_file_sd_configs(f.get("file_sd_configs"), base_dir)?;
        c.http_client = HttpClientConfig::take_from(&mut f, HttpClientConfig::default(), base_dir)?;
        c.relabel_configs = parse_list(
            f.get("relabel_configs"),
            "target relabeling rule in scrape config",
        )?;
        c.metric_relabel_configs = parse_list(
            f.get("metric_relabel_configs"),
            "metric relabeling rule in scrape config",
        )?;
        f.finish()?;

        if job_name.is_empty() {
            return Err(ConfigError::invalid("job_name is empty", line));
        }
        if c.relabel_configs.is_empty() {
            check_static_targets(&c.static_configs)?;
        }
        c.scrape_interval = interval.unwrap_or(global.scrape_interval);
        if let Some(t) = timeout {
            if t > c.scrape_interval {
                return Err(ConfigError::invalid(
                    format!("scrape timeout greater than scrape interval for scrape config with job name {quoted_job}"),
                    timeout_line.or(line),
                ));
            }
        }
        c.scrape_timeout = timeout.unwrap_or_else(|| global.scrape_timeout.min(c.scrape_interval));
        validate_list(&mut c.relabel_configs, c.metric_name_validation_scheme)?;
        validate_list(
            &mut c.metric_relabel_configs,
            c.metric_name_validation_scheme,
        )?;
        Ok(c)
    }
}

/// `params:` is a map of names to lists of values (Go's `url.Values`).
fn parse_params(node: &Node) -> Result<Vec<(String, Vec<String>)>> {
    let Value::Map(pairs) = &node.value else {
        return Err(ConfigError::invalid(
            format!("cannot unmarshal {} into url.Values", node.describe()),
            Some(node.line),
        ));
    };
    let mut out = Vec::new();
    for (k, v) in pairs {
        let values = match &v.value {
            Value::Seq(_) => as_string_list(v)?,
            _ if v.is_null() => Vec::new(),
            _ => {
                return Err(ConfigError::invalid(
                    format!("cannot unmarshal {} into []string", v.describe()),
                    Some(v.line),
                ))
            }
        };
        out.push((as_string(k)?, values));
    }
    Ok(out)
}

/// Reads `scrape_configs:`; job names must be unique.
pub(crate) fn parse_scrape_configs(
    node: Option<&Node>,
    global: &GlobalConfig,
    base_dir: &Path,
) -> Result<Vec<ScrapeConfig>> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    let mut out: Vec<ScrapeConfig> = Vec::new();
    for item in as_seq(node, "[]*config.ScrapeConfig")? {
        let job = ScrapeConfig::parse(item, global, base_dir)?;
        if out.iter().any(|j| j.job_name == job.job_name) {
            return Err(ConfigError::invalid(
                format!(
                    "found multiple scrape configs with job name {}",
                    promlite_model::go_quote(&job.job_name)
                ),
                job.line.get(),
            ));
        }
        out.push(job);
    }
    Ok(out)
}
