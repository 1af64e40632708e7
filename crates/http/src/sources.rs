//! The traits through which handlers see the rest of the server (scrape targets,
//! metadata, rules and alerts, Alertmanagers, lifecycle, self-metrics, runtime
//! information), and the plain structs they return. The binary implements them; this
//! crate only reads them, so it never depends on the scrape or rules crates.

use std::collections::BTreeMap;

use promlite_model::{Labels, Metadata};

/// A scrape target's health as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetHealth {
    Up,
    Down,
    #[default]
    Unknown,
}

impl TargetHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetHealth::Up => "up",
            TargetHealth::Down => "down",
            TargetHealth::Unknown => "unknown",
        }
    }
}

/// One active scrape target (`/api/v1/targets` `activeTargets`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActiveTarget {
    /// Labels before relabeling.
    pub discovered_labels: Labels,
    /// Labels after relabeling, attached to every scraped series.
    pub labels: Labels,
    pub scrape_pool: String,
    pub scrape_url: String,
    /// The scrape URL as reachable from outside (Prometheus's `globalUrl`).
    pub global_url: String,
    /// Empty when the last scrape succeeded.
    pub last_error: String,
    /// Milliseconds since the epoch; `None` before the first scrape.
    pub last_scrape_ms: Option<i64>,
    pub last_scrape_duration_seconds: f64,
    pub health: TargetHealth,
    /// As configured, e.g. `15s`.
    pub scrape_interval: String,
    pub scrape_timeout: String,
}

/// A target dropped by relabeling (`droppedTargets`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DroppedTarget {
    pub discovered_labels: Labels,
    pub scrape_pool: String,
}

/// Scrape targets as the scrape manager sees them.
pub trait TargetsSource: Send + Sync {
    /// Active targets, in each pool's own order (the API sorts pools by name).
    fn active_targets(&self) -> Vec<ActiveTarget>;
    /// Targets dropped by relabeling (the ones kept for display).
    fn dropped_targets(&self) -> Vec<DroppedTarget>;
    /// How many targets each pool dropped in total.
    fn dropped_target_counts(&self) -> BTreeMap<String, usize>;
    /// Names of all scrape pools (`/api/v1/scrape_pools`).
    fn scrape_pools(&self) -> Vec<String> {
        let mut pools: Vec<String> = self
            .active_targets()
            .into_iter()
            .map(|t| t.scrape_pool)
            .collect();
        pools.sort();
        pools.dedup();
        pools
    }
}

/// Metric metadata one active target reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetMetadata {
    /// The target's labels (after relabeling).
    pub target: Labels,
    /// `(metric family name, metadata)` in the target's order.
    pub metrics: Vec<(String, Metadata)>,
}

/// Metadata of scraped metrics (`/api/v1/metadata`, `/api/v1/targets/metadata`).
pub trait MetadataSource: Send + Sync {
    fn targets_metadata(&self) -> Vec<TargetMetadata>;
}

/// Rule and alert health (`ok`, `err`, `unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleHealth {
    Ok,
    Err,
    #[default]
    Unknown,
}

impl RuleHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleHealth::Ok => "ok",
            RuleHealth::Err => "err",
            RuleHealth::Unknown => "unknown",
        }
    }
}

/// Alert states (`inactive`, `pending`, `firing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlertState {
    #[default]
    Inactive,
    Pending,
    Firing,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Inactive => "inactive",
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

/// One active alert of an alerting rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertInfo {
    pub labels: Labels,
    pub annotations: Labels,
    pub state: AlertState,
    /// When the alert became active, ms since the epoch.
    pub active_at_ms: Option<i64>,
    /// Set while `keep_firing_for` holds a resolved alert, ms since the epoch.
    pub keep_firing_since_ms: Option<i64>,
    /// The value of the rule's expression for this alert.
    pub value: f64,
}

/// An alerting rule with its state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertingRuleInfo {
    /// The most severe state of its alerts.
    pub state: AlertState,
    pub name: String,
    /// The rule's expression, as printed by the PromQL printer.
    pub query: String,
    /// `for`, in seconds.
    pub duration_seconds: f64,
    pub keep_firing_for_seconds: f64,
    pub labels: Labels,
    pub annotations: Labels,
    pub alerts: Vec<AlertInfo>,
    pub health: RuleHealth,
    pub last_error: String,
    pub evaluation_time_seconds: f64,
    pub last_evaluation_ms: Option<i64>,
}

/// A recording rule with its state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordingRuleInfo {
    pub name: String,
    pub query: String,
    pub labels: Labels,
    pub health: RuleHealth,
    pub last_error: String,
    pub evaluation_time_seconds: f64,
    pub last_evaluation_ms: Option<i64>,
}

/// Either kind of rule, in the group's order.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleInfo {
    Alerting(AlertingRuleInfo),
    Recording(RecordingRuleInfo),
}

impl RuleInfo {
    pub fn name(&self) -> &str {
        match self {
            RuleInfo::Alerting(r) => &r.name,
            RuleInfo::Recording(r) => &r.name,
        }
    }

    /// The rule's own labels (what `match[]` filters on).
    pub fn labels(&self) -> &Labels {
        match self {
            RuleInfo::Alerting(r) => &r.labels,
            RuleInfo::Recording(r) => &r.labels,
        }
    }
}

/// A rule group with its rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleGroupInfo {
    pub name: String,
    pub file: String,
    pub interval_seconds: f64,
    /// The group's `limit` (0 for none).
    pub limit: i64,
    pub rules: Vec<RuleInfo>,
    pub evaluation_time_seconds: f64,
    pub last_evaluation_ms: Option<i64>,
}

/// Rule groups, in load order (`/api/v1/rules`; `/api/v1/alerts` collects the active
/// alerts of their alerting rules).
pub trait RulesSource: Send + Sync {
    fn rule_groups(&self) -> Vec<RuleGroupInfo>;
}

/// Alertmanagers the notifier sends to (`/api/v1/alertmanagers`).
pub trait AlertmanagersSource: Send + Sync {
    /// URLs of the active Alertmanagers' alert endpoints.
    fn active(&self) -> Vec<String>;
    /// URLs dropped by relabeling.
    fn dropped(&self) -> Vec<String>;
}

/// `/-/reload` and `/-/quit`.
pub trait Lifecycle: Send + Sync {
    /// Reloads the configuration; the error text is shown to the caller. Called on a
    /// blocking thread.
    fn reload(&self) -> Result<(), String>;
    /// Starts a graceful shutdown. Called at most once.
    fn quit(&self);
}

/// The server's own metrics in the text exposition format (`/metrics`).
pub trait MetricsSource: Send + Sync {
    fn render(&self) -> String;
}

/// Runtime facts shown by `/api/v1/status/runtimeinfo` (the handler fills in
/// `serverTime` from the clock).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuntimeInfo {
    pub start_time_ms: i64,
    pub cwd: String,
    pub hostname: String,
    pub reload_config_success: bool,
    pub last_config_time_ms: Option<i64>,
    pub corruption_count: i64,
    /// Threads or tasks; Prometheus reports goroutines here.
    pub goroutine_count: i64,
    /// Worker threads (Prometheus's `GOMAXPROCS`).
    pub gomaxprocs: i64,
    pub gomemlimit: i64,
    pub gogc: String,
    pub godebug: String,
    /// e.g. `15d` or `15d or 10GiB`.
    pub storage_retention: String,
}

/// Produces the current [`RuntimeInfo`].
pub trait RuntimeInfoSource: Send + Sync {
    fn runtime_info(&self) -> RuntimeInfo;
}

impl RuntimeInfoSource for RuntimeInfo {
    fn runtime_info(&self) -> RuntimeInfo {
        self.clone()
    }
}

/// Extra readiness conditions beyond the ready flag, e.g. a storage that refuses
/// writes after a failed fsync.
pub trait HealthSource: Send + Sync {
    /// `Some(reason)` when the database is poisoned.
    fn poisoned(&self) -> Option<String>;
}

/// `/api/v1/status/buildinfo` (Prometheus's `PrometheusVersion`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BuildInfo {
    pub version: String,
    pub revision: String,
    pub branch: String,
    #[serde(rename = "buildUser")]
    pub build_user: String,
    #[serde(rename = "buildDate")]
    pub build_date: String,
    #[serde(rename = "goVersion")]
    pub go_version: String,
}

/// The Prometheus release whose API promlite answers like. Grafana compares the
/// `version` of buildinfo with semver to switch features on (label values with
/// `match[]`, ...), so reporting promlite's own 0.x version would make it fall back to
/// slower paths meant for Prometheus 1.x.
pub const EMULATED_PROMETHEUS_VERSION: &str = "3.14.0";

impl Default for BuildInfo {
    fn default() -> BuildInfo {
        BuildInfo {
            version: EMULATED_PROMETHEUS_VERSION.to_string(),
            revision: concat!("promlite-", env!("CARGO_PKG_VERSION")).to_string(),
            branch: String::new(),
            build_user: String::new(),
            build_date: String::new(),
            go_version: "none (promlite is written in Rust)".to_string(),
        }
    }
}
