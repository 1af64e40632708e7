//! `storage:`: TSDB settings that live in the file (out-of-order window, retention) and
//! the exemplar buffer size.

use std::time::Duration;

use crate::yaml::fields::{Fields, Result};
use crate::yaml::Node;
use crate::ConfigError;

/// `storage:`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StorageConfig {
    pub tsdb: TsdbConfig,
    pub exemplars: ExemplarsConfig,
}

/// `storage.tsdb:`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TsdbConfig {
    /// How far back an out-of-order sample may be; zero = out-of-order samples refused.
    pub out_of_order_time_window: Duration,
    /// `retention:` in the file; the command-line flags win when both are set.
    pub retention: RetentionConfig,
}

/// `storage.tsdb.retention:` (Prometheus 3).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RetentionConfig {
    pub time: Option<Duration>,
    /// Bytes.
    pub size: Option<u64>,
    /// Percent of the disk.
    pub percentage: Option<f64>,
}

/// `storage.exemplars:`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExemplarsConfig {
    /// Size of the exemplar ring buffer; 0 or less disables exemplar storage.
    pub max_exemplars: i64,
}

impl Default for ExemplarsConfig {
    fn default() -> Self {
        ExemplarsConfig {
            max_exemplars: 100_000,
        }
    }
}

impl StorageConfig {
    pub(crate) fn parse(node: Option<&Node>) -> Result<StorageConfig> {
        let mut s = StorageConfig::default();
        let Some(node) = node else {
            return Ok(s);
        };
        let mut f = Fields::of(node, "config.StorageConfig")?;
        if let Some(n) = f.get("tsdb") {
            let mut t = Fields::of(n, "config.TSDBConfig")?;
            s.tsdb.out_of_order_time_window =
                t.duration("out_of_order_time_window")?.unwrap_or_default();
            // Accepted for compatibility; promlite compacts on its own schedule.
            t.float("stale_series_compaction_threshold")?;
            if let Some(r) = t.get("retention") {
                s.tsdb.retention = parse_retention(r)?;
            }
            t.finish()?;
        }
        if let Some(n) = f.get("exemplars") {
            let mut e = Fields::of(n, "config.ExemplarsConfig")?;
            if let Some(v) = e.int("max_exemplars")? {
                s.exemplars.max_exemplars = v;
            }
            e.finish()?;
        }
        f.finish()?;
        Ok(s)
    }
}

fn parse_retention(node: &Node) -> Result<RetentionConfig> {
    let mut f = Fields::of(node, "config.TSDBRetentionConfig")?;
    let r = RetentionConfig {
        time: f.duration("time")?.filter(|d| !d.is_zero()),
        size: f.bytes("size")?.filter(|s| *s != 0),
        percentage: f.float("percentage")?.filter(|p| *p != 0.0),
    };
    let percentage_line = f.key_line("percentage");
    f.finish()?;
    if let Some(p) = r.percentage {
        if !(0.0..=100.0).contains(&p) {
            return Err(ConfigError::invalid(
                format!(
                    "'storage.tsdb.retention.percentage' must be in the range [0, 100], got {p}"
                ),
                percentage_line,
            ));
        }
    }
    Ok(r)
}
