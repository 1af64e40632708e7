//! `remote_write:` and `remote_read:` endpoints with their queue and metadata settings.

use std::path::Path;
use std::time::Duration;

use crate::relabel::{parse_list, validate_list};
use crate::yaml::fields::{as_seq, Fields, Result};
use crate::yaml::Node;
use crate::{ConfigError, HttpClientConfig, NameValidationScheme, RelabelConfig};

/// Headers Prometheus refuses in `headers:` because the client sets them itself.
const RESERVED_HEADERS: [&str; 17] = [
    "host",
    "content-encoding",
    "content-length",
    "content-type",
    "user-agent",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "www-authenticate",
    "accept-encoding",
    "x-prometheus-remote-write-version",
    "x-prometheus-remote-read-version",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "authorization",
];

/// The remote write protocol message, `prometheus.WriteRequest` (1.0) unless set.
pub const REMOTE_WRITE_V1: &str = "prometheus.WriteRequest";
pub const REMOTE_WRITE_V2: &str = "io.prometheus.write.v2.Request";

/// One `remote_write:` endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteWriteConfig {
    pub url: String,
    /// Default 30s.
    pub remote_timeout: Duration,
    pub headers: Vec<(String, String)>,
    pub write_relabel_configs: Vec<RelabelConfig>,
    pub name: String,
    pub send_exemplars: bool,
    pub send_native_histograms: bool,
    pub round_robin_dns: bool,
    pub protobuf_message: String,
    /// Redirects followed; HTTP/2 off unless enabled (Prometheus's remote write defaults).
    pub http_client: HttpClientConfig,
    pub queue_config: QueueConfig,
    pub metadata_config: MetadataConfig,
}

/// `queue_config:` with Prometheus's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueConfig {
    pub capacity: u64,
    pub max_shards: u64,
    pub min_shards: u64,
    pub max_samples_per_send: u64,
    pub batch_send_deadline: Duration,
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    pub retry_on_http_429: bool,
    /// Zero = no limit.
    pub sample_age_limit: Duration,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            capacity: 10_000,
            max_shards: 50,
            min_shards: 1,
            max_samples_per_send: 2_000,
            batch_send_deadline: Duration::from_secs(5),
            min_backoff: Duration::from_millis(30),
            max_backoff: Duration::from_secs(5),
            retry_on_http_429: false,
            sample_age_limit: Duration::ZERO,
        }
    }
}

/// `metadata_config:`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetadataConfig {
    pub send: bool,
    pub send_interval: Duration,
    pub max_samples_per_send: u64,
}

impl Default for MetadataConfig {
    fn default() -> Self {
        MetadataConfig {
            send: true,
            send_interval: Duration::from_secs(60),
            max_samples_per_send: 2_000,
        }
    }
}

/// One `remote_read:` endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteReadConfig {
    pub url: String,
    /// Default 1m.
    pub remote_timeout: Duration,
    pub chunked_read_limit: u64,
    pub headers: Vec<(String, String)>,
    pub read_recent: bool,
    pub name: String,
    pub http_client: HttpClientConfig,
    pub required_matchers: Vec<(String, String)>,
    pub filter_external_labels: bool,
}

fn remote_write_http_defaults() -> HttpClientConfig {
    HttpClientConfig {
        enable_http2: false,
        ..HttpClientConfig::default()
    }
}

fn parse_headers(f: &mut Fields<'_>) -> Result<Vec<(String, String)>> {
    let headers = f.string_map("headers")?;
    for (name, _, line) in &headers {
        let lower = name.to_lowercase();
        if lower == "authorization" {
            return Err(ConfigError::invalid(
                "authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter",
                Some(*line),
            ));
        }
        if RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(ConfigError::invalid(
                format!("{name} is a reserved header. It must not be changed"),
                Some(*line),
            ));
        }
    }
    Ok(headers.into_iter().map(|(k, v, _)| (k, v)).collect())
}

fn parse_queue(node: Option<&Node>) -> Result<QueueConfig> {
    let mut q = QueueConfig::default();
    let Some(node) = node else {
        return Ok(q);
    };
    let mut f = Fields::of(node, "config.QueueConfig")?;
    let line = Some(f.line);
    let positive = |v: Option<i64>, default: u64, what: &str| -> Result<u64> {
        match v {
            None | Some(0) => Ok(default),
            Some(v) if v < 0 => Err(ConfigError::invalid(
                format!("remote write queue {what} must be positive"),
                line,
            )),
            Some(v) => Ok(v as u64),
        }
    };
    q.capacity = positive(f.int("capacity")?, q.capacity, "capacity")?;
    q.max_shards = positive(f.int("max_shards")?, q.max_shards, "max_shards")?;
    q.min_shards = positive(f.int("min_shards")?, q.min_shards, "min_shards")?;
    q.max_samples_per_send = positive(
        f.int("max_samples_per_send")?,
        q.max_samples_per_send,
        "max_samples_per_send",
    )?;
    if let Some(d) = f.duration("batch_send_deadline")?.filter(|d| !d.is_zero()) {
        q.batch_send_deadline = d;
    }
    if let Some(d) = f.duration("min_backoff")?.filter(|d| !d.is_zero()) {
        q.min_backoff = d;
    }
    if let Some(d) = f.duration("max_backoff")?.filter(|d| !d.is_zero()) {
        q.max_backoff = d;
    }
    q.retry_on_http_429 = f.bool("retry_on_http_429")?.unwrap_or(false);
    q.sample_age_limit = f.duration("sample_age_limit")?.unwrap_or_default();
    f.finish()?;
    if q.min_shards > q.max_shards {
        return Err(ConfigError::invalid(
            "remote write queue min_shards must not be greater than max_shards",
            line,
        ));
    }
    if q.max_backoff < q.min_backoff {
        return Err(ConfigError::invalid(
            "remote write queue max_backoff must not be less than min_backoff",
            line,
        ));
    }
    Ok(q)
}

fn parse_metadata(node: Option<&Node>) -> Result<MetadataConfig> {
    let mut m = MetadataConfig::default();
    let Some(node) = node else {
        return Ok(m);
    };
    let mut f = Fields::of(node, "config.MetadataConfig")?;
    if let Some(v) = f.bool("send")? {
        m.send = v;
    }
    if let Some(d) = f.duration("send_interval")? {
        m.send_interval = d;
    }
    if let Some(v) = f.uint("max_samples_per_send")?.filter(|v| *v != 0) {
        m.max_samples_per_send = v;
    }
    f.finish()?;
    Ok(m)
}

fn parse_remote_write(
    node: &Node,
    base_dir: &Path,
    scheme: NameValidationScheme,
) -> Result<RemoteWriteConfig> {
    if node.is_null() {
        return Err(ConfigError::invalid(
            "empty or null remote write config section",
            Some(node.line),
        ));
    }
    let mut f = Fields::of(node, "config.RemoteWriteConfig")?;
    let line = Some(f.line);
    let url = f.string("url")?.unwrap_or_default();
    let mut rw = RemoteWriteConfig {
        url,
        remote_timeout: f
            .duration("remote_timeout")?
            .filter(|d| !d.is_zero())
            .unwrap_or(Duration::from_secs(30)),
        headers: parse_headers(&mut f)?,
        write_relabel_configs: parse_list(
            f.get("write_relabel_configs"),
            "relabeling rule in remote write config",
        )?,
        name: f.string("name")?.unwrap_or_default(),
        send_exemplars: f.bool("send_exemplars")?.unwrap_or(false),
        send_native_histograms: f.bool("send_native_histograms")?.unwrap_or(false),
        round_robin_dns: f.bool("round_robin_dns")?.unwrap_or(false),
        protobuf_message: REMOTE_WRITE_V1.to_string(),
        http_client: HttpClientConfig::default(),
        queue_config: parse_queue(f.get("queue_config"))?,
        metadata_config: parse_metadata(f.get("metadata_config"))?,
    };
    if let Some(n) = f.get("protobuf_message") {
        let v = crate::yaml::fields::as_string(n)?;
        if v != REMOTE_WRITE_V1 && v != REMOTE_WRITE_V2 {
            return Err(ConfigError::invalid(
                format!("invalid protobuf_message value: unknown type for remote write protobuf message {v}, supported: {REMOTE_WRITE_V1}, {REMOTE_WRITE_V2}"),
                Some(n.line),
            ));
        }
        rw.protobuf_message = v;
    }
    f.bool("failed_request_logging")?;
    rw.http_client = HttpClientConfig::take_from(&mut f, remote_write_http_defaults(), base_dir)?;
    f.finish()?;
    if rw.url.is_empty() {
        return Err(ConfigError::invalid("url for remote_write is empty", line));
    }
    validate_list(&mut rw.write_relabel_configs, scheme)?;
    Ok(rw)
}

fn parse_remote_read(node: &Node, base_dir: &Path) -> Result<RemoteReadConfig> {
    if node.is_null() {
        return Err(ConfigError::invalid(
            "empty or null remote read config section",
            Some(node.line),
        ));
    }
    let mut f = Fields::of(node, "config.RemoteReadConfig")?;
    let line = Some(f.line);
    let rr = RemoteReadConfig {
        url: f.string("url")?.unwrap_or_default(),
        remote_timeout: f
            .duration("remote_timeout")?
            .filter(|d| !d.is_zero())
            .unwrap_or(Duration::from_secs(60)),
        chunked_read_limit: f
            .uint("chunked_read_limit")?
            .filter(|v| *v != 0)
            .unwrap_or(50_000_000),
        headers: parse_headers(&mut f)?,
        read_recent: f.bool("read_recent")?.unwrap_or(false),
        name: f.string("name")?.unwrap_or_default(),
        required_matchers: f
            .string_map("required_matchers")?
            .into_iter()
            .map(|(k, v, _)| (k, v))
            .collect(),
        filter_external_labels: f.bool("filter_external_labels")?.unwrap_or(true),
        http_client: HttpClientConfig::take_from(&mut f, HttpClientConfig::default(), base_dir)?,
    };
    f.finish()?;
    if rr.url.is_empty() {
        return Err(ConfigError::invalid("url for remote_read is empty", line));
    }
    Ok(rr)
}

pub(crate) fn parse_remote_writes(
    node: Option<&Node>,
    base_dir: &Path,
    scheme: NameValidationScheme,
) -> Result<Vec<RemoteWriteConfig>> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    let mut out: Vec<RemoteWriteConfig> = Vec::new();
    for item in as_seq(node, "[]*config.RemoteWriteConfig")? {
        let rw = parse_remote_write(item, base_dir, scheme)?;
        if !rw.name.is_empty() && out.iter().any(|o| o.name == rw.name) {
            return Err(ConfigError::invalid(
                format!(
                    "found multiple remote write configs with job name {}",
                    promlite_model::go_quote(&rw.name)
                ),
                Some(item.line),
            ));
        }
        out.push(rw);
    }
    Ok(out)
}

pub(crate) fn parse_remote_reads(
    node: Option<&Node>,
    base_dir: &Path,
) -> Result<Vec<RemoteReadConfig>> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    let mut out: Vec<RemoteReadConfig> = Vec::new();
    for item in as_seq(node, "[]*config.RemoteReadConfig")? {
        let rr = parse_remote_read(item, base_dir)?;
        if !rr.name.is_empty() && out.iter().any(|o| o.name == rr.name) {
            return Err(ConfigError::invalid(
                format!(
                    "found multiple remote read configs with job name {}",
                    promlite_model::go_quote(&rr.name)
                ),
                Some(item.line),
            ));
        }
        out.push(rr);
    }
    Ok(out)
}
