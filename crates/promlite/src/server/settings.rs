//! Turns the server flags into engine and storage settings, with Prometheus's defaults
//! and error messages for bad values.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use promlite_config::{parse_base2_bytes, parse_duration, Config};
use promlite_model::SharedClock;
use promlite_promql::EngineOptions;
use promlite_promql_parser::ParseOptions;

use crate::cli::ServerFlags;

/// How often Prometheus looks for compaction work.
const COMPACTION_INTERVAL: Duration = Duration::from_secs(60);

/// Fifteen days: Prometheus's retention when neither time nor size is given.
const DEFAULT_RETENTION: Duration = Duration::from_secs(15 * 24 * 3600);

fn duration_flag(name: &str, value: &str) -> anyhow::Result<Duration> {
    parse_duration(value)
        .map_err(|e| anyhow::anyhow!("invalid value {value:?} for flag --{name}: {e}"))
}

/// Retention time and size from the flags (the deprecated `--storage.tsdb.retention`
/// counts as the time flag), falling back to the config file's `storage.tsdb.retention`.
pub fn retention(flags: &ServerFlags, cfg: &Config) -> anyhow::Result<(Duration, u64)> {
    let time_flag = flags
        .storage_tsdb_retention_time
        .as_deref()
        .or(flags.storage_tsdb_retention.as_deref());
    let mut time = match time_flag {
        Some(v) => duration_flag("storage.tsdb.retention.time", v)?,
        None => cfg.storage.tsdb.retention.time.unwrap_or_default(),
    };
    let size = match flags.storage_tsdb_retention_size.as_deref() {
        Some(v) => parse_base2_bytes(v).map_err(|e| {
            anyhow::anyhow!("invalid value {v:?} for flag --storage.tsdb.retention.size: {e}")
        })?,
        None => cfg.storage.tsdb.retention.size.unwrap_or(0),
    };
    if time.is_zero() && size == 0 {
        time = DEFAULT_RETENTION;
    }
    Ok((time, size))
}

/// Storage engine options.
pub fn tsdb_options(
    flags: &ServerFlags,
    cfg: &Config,
    clock: SharedClock,
) -> anyhow::Result<promlite_tsdb::Options> {
    let (time, size) = retention(flags, cfg)?;
    let block = duration_flag(
        "storage.tsdb.min-block-duration",
        &flags.storage_tsdb_min_block_duration,
    )?;
    Ok(promlite_tsdb::Options {
        retention_time_ms: i64::try_from(time.as_millis()).unwrap_or(i64::MAX),
        retention_size_bytes: size,
        block_range_ms: i64::try_from(block.as_millis())
            .unwrap_or(promlite_tsdb::DEFAULT_BLOCK_RANGE_MS),
        // Every minute as Prometheus, but at least twice per block range, so the short
        // blocks of `--storage.tsdb.min-block-duration` in tests are cut in time.
        compaction_interval: COMPACTION_INTERVAL
            .min(block / 2)
            .max(Duration::from_millis(100)),
        clock,
        ..promlite_tsdb::Options::default()
    })
}

/// The `--enable-feature` switches promlite implements.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// The parser's switches, for HTTP queries and rule expressions alike.
    pub parse: ParseOptions,
    /// `promql-delayed-name-removal`.
    pub delayed_name_removal: bool,
    /// `extra-scrape-metrics`: the default of `extra_scrape_metrics` becomes true.
    pub extra_scrape_metrics: bool,
}

/// Prometheus features promlite does not implement: accepted with a warning.
const UNSUPPORTED_FEATURES: &[&str] = &[
    "agent",
    "auto-gomaxprocs",
    "auto-gomemlimit",
    "auto-reload-config",
    "concurrent-rule-eval",
    "created-timestamp-zero-ingestion",
    "delayed-compaction",
    "exemplar-storage",
    "expand-external-labels",
    "memory-snapshot-on-shutdown",
    "metadata-wal-records",
    "native-histograms",
    "no-default-scrape-port",
    "old-ui",
    "otlp-deltatocumulative",
    "otlp-write-receiver",
    "promql-per-step-stats",
    "type-and-unit-labels",
    "use-uncached-io",
];

/// Reads `--enable-feature` (comma-separated, repeatable), logging each one as
/// Prometheus does and warning about the ones promlite ignores.
pub fn features(flags: &ServerFlags) -> Features {
    let mut f = Features::default();
    for name in flags
        .enable_feature
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        match name {
            "promql-experimental-functions" => {
                f.parse.experimental_functions = true;
                tracing::info!("Experimental PromQL functions enabled.");
            }
            "promql-duration-expr" => {
                f.parse.duration_expressions = true;
                tracing::info!("Experimental duration expression parsing enabled.");
            }
            "promql-extended-range-selectors" => {
                f.parse.extended_range_selectors = true;
                tracing::info!("Experimental extended range selectors enabled.");
            }
            "promql-binop-fill-modifiers" => {
                f.parse.binop_fill_modifiers = true;
                tracing::info!("Experimental binary operator fill modifiers enabled.");
            }
            "promql-delayed-name-removal" => {
                f.delayed_name_removal = true;
                tracing::info!("Experimental PromQL delayed name removal enabled.");
            }
            "extra-scrape-metrics" => {
                f.extra_scrape_metrics = true;
                tracing::warn!(option = name, "This option for --enable-feature is being phased out. It currently changes the default for the extra_scrape_metrics config setting to true, but will become a no-op in a future version. Stop using this option and set extra_scrape_metrics in the config instead.");
            }
            "promql-at-modifier" | "promql-negative-offset" | "remote-write-receiver" => {
                tracing::warn!(option = name, "This option for --enable-feature is now permanently enabled and therefore a no-op.");
            }
            other if UNSUPPORTED_FEATURES.contains(&other) => {
                tracing::warn!(option = other, "Feature not supported by promlite; ignored");
            }
            other => tracing::warn!(option = other, "Unknown option for --enable-feature"),
        }
    }
    f
}

/// PromQL engine options; subqueries without a step use the global evaluation interval.
pub fn engine_options(
    flags: &ServerFlags,
    cfg: &Config,
    features: &Features,
) -> anyhow::Result<EngineOptions> {
    let lookback = duration_flag("query.lookback-delta", &flags.query_lookback_delta)?;
    let timeout = duration_flag("query.timeout", &flags.query_timeout)?;
    Ok(EngineOptions {
        lookback_delta_ms: i64::try_from(lookback.as_millis())
            .context("lookback delta too large")?,
        max_samples: usize::try_from(flags.query_max_samples).unwrap_or(usize::MAX),
        timeout,
        enable_experimental_functions: features.parse.experimental_functions,
        enable_delayed_name_removal: features.delayed_name_removal,
        default_subquery_step_ms: i64::try_from(cfg.global.evaluation_interval.as_millis())
            .unwrap_or(60_000),
    })
}

/// The address promlite scrapes itself on when run without a config file: a wildcard
/// listen host becomes `localhost`.
pub fn self_scrape_address(listen: &str) -> String {
    match listen.rsplit_once(':') {
        Some((host, port))
            if host.is_empty() || host == "0.0.0.0" || host == "[::]" || host == "::" =>
        {
            format!("localhost:{port}")
        }
        _ => listen.to_string(),
    }
}

/// The rule manager's flag settings.
pub fn rule_options(
    flags: &ServerFlags,
    external_url: &str,
    features: &Features,
) -> anyhow::Result<promlite_rules::RuleManagerOptions> {
    Ok(promlite_rules::RuleManagerOptions {
        external_url: external_url.to_string(),
        resend_delay: duration_flag("rules.alert.resend-delay", &flags.rules_alert_resend_delay)?,
        outage_tolerance: duration_flag(
            "rules.alert.for-outage-tolerance",
            &flags.rules_alert_for_outage_tolerance,
        )?,
        for_grace_period: duration_flag(
            "rules.alert.for-grace-period",
            &flags.rules_alert_for_grace_period,
        )?,
        parse_options: features.parse,
    })
}

/// `--storage.remote.flush-deadline`.
pub fn remote_flush_deadline(flags: &ServerFlags) -> anyhow::Result<Duration> {
    duration_flag(
        "storage.remote.flush-deadline",
        &flags.storage_remote_flush_deadline,
    )
}

/// A shared system clock.
pub fn system_clock() -> SharedClock {
    Arc::new(promlite_model::SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn flags(args: &[&str]) -> ServerFlags {
        let mut v = vec!["promlite"];
        v.extend_from_slice(args);
        crate::cli::Cli::parse_from(v).server
    }

    #[test]
    fn retention_defaults_like_prometheus() {
        let cfg = Config::default();
        assert_eq!(
            retention(&flags(&[]), &cfg).unwrap(),
            (DEFAULT_RETENTION, 0)
        );
        let (t, s) = retention(&flags(&["--storage.tsdb.retention.size=1GB"]), &cfg).unwrap();
        assert_eq!((t, s), (Duration::ZERO, 1 << 30));
        let (t, _) = retention(&flags(&["--storage.tsdb.retention.time=10y"]), &cfg).unwrap();
        assert_eq!(t, Duration::from_secs(10 * 365 * 24 * 3600));
        assert!(retention(&flags(&["--storage.tsdb.retention.time=ten"]), &cfg).is_err());
    }

    #[test]
    fn compaction_runs_at_least_twice_per_block_range() {
        let cfg = Config::default();
        let clock = system_clock();
        let default = tsdb_options(&flags(&[]), &cfg, clock.clone()).unwrap();
        assert_eq!(default.compaction_interval, COMPACTION_INTERVAL);
        let short = flags(&["--storage.tsdb.min-block-duration=2s"]);
        assert_eq!(
            tsdb_options(&short, &cfg, clock)
                .unwrap()
                .compaction_interval,
            Duration::from_secs(1)
        );
    }

    #[test]
    fn wildcard_listen_address_scrapes_localhost() {
        assert_eq!(self_scrape_address("0.0.0.0:9090"), "localhost:9090");
        assert_eq!(self_scrape_address(":9090"), "localhost:9090");
        assert_eq!(self_scrape_address("127.0.0.1:9091"), "127.0.0.1:9091");
    }
}
