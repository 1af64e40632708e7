//! The `global:` section: default scrape and evaluation intervals, external labels, scrape
//! limits, and the name validation scheme.

use std::path::{Path, PathBuf};
use std::time::Duration;

use promlite_model::Labels;

use crate::http_client::join_dir;
use crate::yaml::fields::{as_seq, as_string, Fields, Result};
use crate::yaml::Node;
use crate::ConfigError;

/// Which label and metric names are valid: Prometheus 3 allows any UTF-8 (`utf8`, the
/// default); `legacy` restricts them to `[a-zA-Z_:][a-zA-Z0-9_:]*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NameValidationScheme {
    #[default]
    Utf8,
    Legacy,
}

impl NameValidationScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            NameValidationScheme::Utf8 => "utf8",
            NameValidationScheme::Legacy => "legacy",
        }
    }

    pub fn is_valid_label_name(self, name: &str) -> bool {
        match self {
            NameValidationScheme::Utf8 => promlite_model::is_valid_label_name(name),
            NameValidationScheme::Legacy => promlite_model::is_valid_legacy_label_name(name),
        }
    }

    pub fn is_valid_metric_name(self, name: &str) -> bool {
        match self {
            NameValidationScheme::Utf8 => !name.is_empty(),
            NameValidationScheme::Legacy => promlite_model::is_valid_legacy_metric_name(name),
        }
    }

    fn parse(node: &Node) -> Result<Option<NameValidationScheme>> {
        match as_string(node)?.as_str() {
            "" => Ok(None),
            "utf8" => Ok(Some(NameValidationScheme::Utf8)),
            "legacy" => Ok(Some(NameValidationScheme::Legacy)),
            other => Err(ConfigError::invalid(
                format!(
                    "unrecognized name validation scheme: {}",
                    promlite_model::go_quote(other)
                ),
                Some(node.line),
            )),
        }
    }
}

/// The escaping values Prometheus accepts for `metric_name_escaping_scheme`.
pub(crate) const ESCAPING_SCHEMES: [&str; 4] = ["allow-utf-8", "underscores", "dots", "values"];

/// A scrape protocol to offer in the `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScrapeProtocol {
    PrometheusProto,
    PrometheusText0_0_4,
    PrometheusText1_0_0,
    OpenMetricsText0_0_1,
    OpenMetricsText1_0_0,
}

impl ScrapeProtocol {
    pub const ALL: [ScrapeProtocol; 5] = [
        ScrapeProtocol::PrometheusProto,
        ScrapeProtocol::PrometheusText0_0_4,
        ScrapeProtocol::PrometheusText1_0_0,
        ScrapeProtocol::OpenMetricsText0_0_1,
        ScrapeProtocol::OpenMetricsText1_0_0,
    ];

    /// Prometheus's default order when native histograms are off.
    pub const DEFAULT: [ScrapeProtocol; 4] = [
        ScrapeProtocol::OpenMetricsText1_0_0,
        ScrapeProtocol::OpenMetricsText0_0_1,
        ScrapeProtocol::PrometheusText1_0_0,
        ScrapeProtocol::PrometheusText0_0_4,
    ];

    /// The name used in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            ScrapeProtocol::PrometheusProto => "PrometheusProto",
            ScrapeProtocol::PrometheusText0_0_4 => "PrometheusText0.0.4",
            ScrapeProtocol::PrometheusText1_0_0 => "PrometheusText1.0.0",
            ScrapeProtocol::OpenMetricsText0_0_1 => "OpenMetricsText0.0.1",
            ScrapeProtocol::OpenMetricsText1_0_0 => "OpenMetricsText1.0.0",
        }
    }

    /// The media type with parameters, as sent in `Accept`.
    pub fn header(self) -> &'static str {
        match self {
            ScrapeProtocol::PrometheusProto => {
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
            }
            ScrapeProtocol::PrometheusText0_0_4 => "text/plain;version=0.0.4",
            ScrapeProtocol::PrometheusText1_0_0 => "text/plain;version=1.0.0",
            ScrapeProtocol::OpenMetricsText0_0_1 => "application/openmetrics-text;version=0.0.1",
            ScrapeProtocol::OpenMetricsText1_0_0 => "application/openmetrics-text;version=1.0.0",
        }
    }

    pub fn parse(text: &str) -> Option<ScrapeProtocol> {
        ScrapeProtocol::ALL.into_iter().find(|p| p.as_str() == text)
    }

    fn unknown(text: &str) -> String {
        let mut names: Vec<&str> = ScrapeProtocol::ALL.iter().map(|p| p.as_str()).collect();
        names.sort_unstable();
        format!(
            "unknown scrape protocol {text}, supported: [{}]",
            names.join(" ")
        )
    }
}

/// Reads and checks a `scrape_protocols` list; `owner` ends the message
/// (`for global config`, `for scrape config with job name "x"`).
pub(crate) fn parse_scrape_protocols(node: &Node, owner: &str) -> Result<Vec<ScrapeProtocol>> {
    let items = as_seq(node, "[]config.ScrapeProtocol")?;
    let texts: Vec<String> = items.iter().map(as_string).collect::<Result<_>>()?;
    let err = |m: String| ConfigError::invalid(format!("{m} {owner}"), Some(node.line));
    if texts.is_empty() {
        return Err(err("scrape_protocols cannot be empty".into()));
    }
    let mut out: Vec<ScrapeProtocol> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for t in &texts {
        if seen.contains(&t.to_lowercase()) {
            return Err(err(format!(
                "duplicated protocol in scrape_protocols, got [{}]",
                texts.join(" ")
            )));
        }
        let p = ScrapeProtocol::parse(t)
            .ok_or_else(|| err(format!("scrape_protocols: {}", ScrapeProtocol::unknown(t))))?;
        seen.push(t.to_lowercase());
        out.push(p);
    }
    Ok(out)
}

/// Reads a single protocol (for `fallback_scrape_protocol`).
pub(crate) fn parse_one_protocol(node: &Node, job: &str) -> Result<ScrapeProtocol> {
    let text = as_string(node)?;
    ScrapeProtocol::parse(&text).ok_or_else(|| {
        ConfigError::invalid(
            format!(
                "invalid fallback_scrape_protocol for scrape config with job name {}: {}",
                promlite_model::go_quote(job),
                ScrapeProtocol::unknown(&text)
            ),
            Some(node.line),
        )
    })
}

/// `global:`.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalConfig {
    pub scrape_interval: Duration,
    pub scrape_timeout: Duration,
    /// `None` = not set: each job then picks Prometheus's default order.
    pub scrape_protocols: Option<Vec<ScrapeProtocol>>,
    pub evaluation_interval: Duration,
    pub rule_query_offset: Duration,
    /// Accepted for compatibility; see [`crate::Config::warnings`].
    pub query_log_file: Option<PathBuf>,
    pub scrape_failure_log_file: Option<PathBuf>,
    /// After `$VAR` / `${VAR}` expansion from the environment, as Prometheus 3 does.
    pub external_labels: Labels,
    /// 0 = no limit, for all the limits below.
    pub body_size_limit: u64,
    pub sample_limit: u64,
    pub target_limit: u64,
    pub label_limit: u64,
    pub label_name_length_limit: u64,
    pub label_value_length_limit: u64,
    pub keep_dropped_targets: u64,
    pub metric_name_validation_scheme: NameValidationScheme,
    /// `None` = derived from the validation scheme (`allow-utf-8` or `underscores`).
    pub metric_name_escaping_scheme: Option<String>,
    pub always_scrape_classic_histograms: bool,
    pub extra_scrape_metrics: bool,
    /// Whether the file sets `extra_scrape_metrics` (a feature flag may change the
    /// default, never a value the file states).
    pub extra_scrape_metrics_set: bool,
}

impl Default for GlobalConfig {
    fn default() -> Self {
        GlobalConfig {
            scrape_interval: Duration::from_secs(60),
            scrape_timeout: Duration::from_secs(10),
            scrape_protocols: None,
            evaluation_interval: Duration::from_secs(60),
            rule_query_offset: Duration::ZERO,
            query_log_file: None,
            scrape_failure_log_file: None,
            external_labels: Labels::empty(),
            body_size_limit: 0,
            sample_limit: 0,
            target_limit: 0,
            label_limit: 0,
            label_name_length_limit: 0,
            label_value_length_limit: 0,
            keep_dropped_targets: 0,
            metric_name_validation_scheme: NameValidationScheme::Utf8,
            metric_name_escaping_scheme: None,
            always_scrape_classic_histograms: false,
            extra_scrape_metrics: false,
            extra_scrape_metrics_set: false,
        }
    }
}

/// Fields that only make sense for native histograms: promlite accepts them when off.
pub(crate) fn refuse_native_histograms(f: &mut Fields<'_>) -> Result<()> {
    for key in [
        "scrape_native_histograms",
        "convert_classic_histograms_to_nhcb",
    ] {
        if let Some((k, v)) = f.get_with_key(key) {
            if crate::yaml::fields::as_bool(v)? {
                return Err(ConfigError::Unsupported {
                    field: key.to_string(),
                    line: Some(k.line),
                    hint: crate::unsupported::lookup("config.GlobalConfig", key)
                        .and_then(|u| u.hint)
                        .map(str::to_string),
                });
            }
        }
    }
    Ok(())
}

impl GlobalConfig {
    pub(crate) fn parse(
        node: Option<&Node>,
        base_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<GlobalConfig> {
        let mut g = GlobalConfig::default();
        let Some(node) = node else {
            return Ok(g);
        };
        let mut f = Fields::of(node, "config.GlobalConfig")?;
        let line = Some(f.line);
        if let Some(n) = f.get("metric_name_validation_scheme") {
            g.metric_name_validation_scheme = NameValidationScheme::parse(n)?.unwrap_or_default();
        }
        if let Some(n) = f.get("metric_name_escaping_scheme") {
            let text = as_string(n)?;
            if !text.is_empty() {
                check_escaping_scheme(&text, "global", n.line)?;
                g.metric_name_escaping_scheme = Some(text);
            }
        }
        let mut external = Vec::new();
        for (name, value, key_line) in f.string_map("external_labels")? {
            if !g.metric_name_validation_scheme.is_valid_label_name(&name) {
                return Err(ConfigError::invalid(
                    format!(
                        "{} is not a valid label name",
                        promlite_model::go_quote(&name)
                    ),
                    Some(key_line),
                ));
            }
            external.push((name, expand_env(&value, env)));
        }
        g.external_labels = Labels::from_pairs(external);

        let interval = f.duration("scrape_interval")?.filter(|d| !d.is_zero());
        g.scrape_interval = interval.unwrap_or(g.scrape_interval);
        let timeout = f.duration("scrape_timeout")?.filter(|d| !d.is_zero());
        if let Some(t) = timeout {
            if t > g.scrape_interval {
                return Err(ConfigError::invalid(
                    "global scrape timeout greater than scrape interval",
                    f.key_line("scrape_timeout").or(line),
                ));
            }
        }
        g.scrape_timeout = timeout.unwrap_or_else(|| g.scrape_timeout.min(g.scrape_interval));
        if let Some(d) = f.duration("evaluation_interval")?.filter(|d| !d.is_zero()) {
            g.evaluation_interval = d;
        }
        g.rule_query_offset = f.duration("rule_query_offset")?.unwrap_or_default();
        if let Some(n) = f.get("scrape_protocols") {
            g.scrape_protocols = Some(parse_scrape_protocols(n, "for global config")?);
        }
        g.query_log_file = f
            .string("query_log_file")?
            .filter(|s| !s.is_empty())
            .map(|s| join_dir(base_dir, &s));
        g.scrape_failure_log_file = f
            .string("scrape_failure_log_file")?
            .filter(|s| !s.is_empty())
            .map(|s| join_dir(base_dir, &s));
        g.body_size_limit = f.bytes("body_size_limit")?.unwrap_or(0);
        g.sample_limit = f.uint("sample_limit")?.unwrap_or(0);
        g.target_limit = f.uint("target_limit")?.unwrap_or(0);
        g.label_limit = f.uint("label_limit")?.unwrap_or(0);
        g.label_name_length_limit = f.uint("label_name_length_limit")?.unwrap_or(0);
        g.label_value_length_limit = f.uint("label_value_length_limit")?.unwrap_or(0);
        g.keep_dropped_targets = f.uint("keep_dropped_targets")?.unwrap_or(0);
        g.always_scrape_classic_histograms =
            f.bool("always_scrape_classic_histograms")?.unwrap_or(false);
        let extra = f.bool("extra_scrape_metrics")?;
        g.extra_scrape_metrics_set = extra.is_some();
        g.extra_scrape_metrics = extra.unwrap_or(false);
        refuse_native_histograms(&mut f)?;
        f.finish()?;
        Ok(g)
    }

    /// The escaping scheme jobs inherit when they set none.
    pub(crate) fn effective_escaping_scheme(&self) -> String {
        match (
            &self.metric_name_escaping_scheme,
            self.metric_name_validation_scheme,
        ) {
            (Some(s), _) => s.clone(),
            (None, NameValidationScheme::Legacy) => "underscores".to_string(),
            (None, NameValidationScheme::Utf8) => "allow-utf-8".to_string(),
        }
    }
}

pub(crate) fn check_escaping_scheme(text: &str, owner: &str, line: usize) -> Result<()> {
    if ESCAPING_SCHEMES.contains(&text) {
        return Ok(());
    }
    let what = if owner == "global" {
        "global"
    } else {
        "scrape config"
    };
    Err(ConfigError::invalid(
        format!(
            "unknown {what} name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got {}",
            promlite_model::go_quote(text)
        ),
        Some(line),
    ))
}

/// Go's `os.Expand` with Prometheus's mapping: `$VAR` and `${VAR}` from the environment
/// (unset = empty), `$$` is a literal `$`.
pub(crate) fn expand_env(text: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(first) = after.chars().next() else {
            out.push('$');
            rest = after;
            break;
        };
        if first == '{' {
            match after.find('}') {
                Some(0) | None => {
                    // Go's os.Expand drops a malformed `${` (bad syntax); keep it literal,
                    // which is kinder and matches for the common `${` typo.
                    out.push('$');
                    rest = after;
                }
                Some(close) => {
                    let name = &after[1..close];
                    if name.is_empty() {
                        rest = &after[close + 1..];
                    } else {
                        out.push_str(&env(name).unwrap_or_default());
                        rest = &after[close + 1..];
                    }
                }
            }
        } else if first == '$' {
            out.push('$');
            rest = &after[1..];
        } else if "*#@!?-".contains(first) || first.is_ascii_digit() {
            out.push_str(&env(&first.to_string()).unwrap_or_default());
            rest = &after[1..];
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if len == 0 {
                out.push('$');
                rest = after;
            } else {
                out.push_str(&env(&after[..len]).unwrap_or_default());
                rest = &after[len..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_expansion_like_prometheus() {
        let env = |k: &str| match k {
            "REGION" => Some("eu-1".to_string()),
            _ => None,
        };
        assert_eq!(expand_env("dc-$REGION", &env), "dc-eu-1");
        assert_eq!(expand_env("${REGION}x", &env), "eu-1x");
        assert_eq!(expand_env("$UNSET-a", &env), "-a");
        assert_eq!(expand_env("cost $$5", &env), "cost $5");
        assert_eq!(expand_env("end$", &env), "end$");
        assert_eq!(expand_env("plain", &env), "plain");
    }

    #[test]
    fn protocols_are_checked() {
        let doc = crate::yaml::parse("[PrometheusText0.0.4, Foo]")
            .unwrap()
            .unwrap();
        let e = parse_scrape_protocols(&doc, "for global config").unwrap_err();
        assert_eq!(
            e.to_string(),
            "scrape_protocols: unknown scrape protocol Foo, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0] for global config (line 1)"
        );
    }
}
