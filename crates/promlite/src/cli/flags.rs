//! The server's command-line flags, named and defaulted as Prometheus's are.

use clap::Args;

/// Flags of `promlite` when it runs as a server (no subcommand). Names, defaults and
/// meaning follow Prometheus's flags so existing start scripts keep working.
#[derive(Args, Debug, Clone)]
pub struct ServerFlags {
    /// Prometheus configuration file path. Without it, promlite scrapes its own /metrics
    /// every 15 s as job "promlite".
    #[arg(long = "config.file", value_name = "FILE")]
    pub config_file: Option<String>,

    /// Address to listen on for the UI, API and telemetry.
    #[arg(long = "web.listen-address", default_value = "0.0.0.0:9090")]
    pub web_listen_address: String,

    /// Enable shutdown and reload via HTTP request (/-/quit, /-/reload).
    #[arg(long = "web.enable-lifecycle")]
    pub web_enable_lifecycle: bool,

    /// Enable API endpoints for admin control actions (delete_series, clean_tombstones).
    #[arg(long = "web.enable-admin-api")]
    pub web_enable_admin_api: bool,

    /// Enable the API endpoint accepting remote write requests.
    #[arg(long = "web.enable-remote-write-receiver")]
    pub web_enable_remote_write_receiver: bool,

    /// The URL under which promlite is externally reachable.
    #[arg(long = "web.external-url", default_value = "")]
    pub web_external_url: String,

    /// Prefix for the internal routes of web endpoints.
    #[arg(long = "web.route-prefix", default_value = "")]
    pub web_route_prefix: String,

    /// Maximum duration before timing out read of the request, and closing idle connections.
    #[arg(long = "web.read-timeout", default_value = "5m")]
    pub web_read_timeout: String,

    /// Maximum number of simultaneous connections across all listeners.
    #[arg(long = "web.max-connections", default_value_t = 512)]
    pub web_max_connections: u32,

    /// Regex for CORS origin; fully anchored. Example: 'https?://(domain1|domain2)\.com'.
    #[arg(long = "web.cors.origin", default_value = ".*")]
    pub web_cors_origin: String,

    /// [EXPERIMENTAL] Path to a configuration file that can enable TLS or authentication.
    /// Not supported by promlite: it refuses to start rather than serve without the
    /// protection the file asks for.
    #[arg(long = "web.config.file", value_name = "FILE")]
    pub web_config_file: Option<String>,

    /// Accepted for compatibility; promlite has no console templates.
    #[arg(long = "web.console.templates", default_value = "consoles")]
    pub web_console_templates: String,

    /// Accepted for compatibility; promlite has no console templates.
    #[arg(long = "web.console.libraries", default_value = "console_libraries")]
    pub web_console_libraries: String,

    /// Accepted for compatibility; promlite's landing page has a fixed title.
    #[arg(
        long = "web.page-title",
        default_value = "Prometheus Time Series Collection and Processing Server"
    )]
    pub web_page_title: String,

    /// Accepted for compatibility; promlite serves no user assets.
    #[arg(long = "web.user-assets", default_value = "")]
    pub web_user_assets: String,

    /// Base path for metrics storage.
    #[arg(long = "storage.tsdb.path", default_value = "data/")]
    pub storage_tsdb_path: String,

    /// How long to retain samples in storage (default 15d when no size limit is set).
    #[arg(long = "storage.tsdb.retention.time")]
    pub storage_tsdb_retention_time: Option<String>,

    /// Maximum number of bytes that can be stored for blocks (units B, KB, MB, GB, TB, PB, EB).
    #[arg(long = "storage.tsdb.retention.size")]
    pub storage_tsdb_retention_size: Option<String>,

    /// Deprecated alias of --storage.tsdb.retention.time.
    #[arg(long = "storage.tsdb.retention", hide = true)]
    pub storage_tsdb_retention: Option<String>,

    /// Minimum duration of a data block before being persisted.
    #[arg(
        long = "storage.tsdb.min-block-duration",
        default_value = "2h",
        hide = true
    )]
    pub storage_tsdb_min_block_duration: String,

    /// Maximum duration compacted blocks may span (default 10% of the retention period).
    #[arg(long = "storage.tsdb.max-block-duration", hide = true)]
    pub storage_tsdb_max_block_duration: Option<String>,

    /// Do not create a lockfile in the data directory.
    #[arg(long = "storage.tsdb.no-lockfile")]
    pub storage_tsdb_no_lockfile: bool,

    /// Accepted for compatibility: promlite always compresses WAL records (snappy).
    #[arg(
        long = "storage.tsdb.wal-compression",
        default_value_t = true,
        action = clap::ArgAction::Set,
        num_args = 0..=1,
        default_missing_value = "true",
        hide = true
    )]
    pub storage_tsdb_wal_compression: bool,

    /// How long to wait flushing sample on shutdown or config reload.
    #[arg(long = "storage.remote.flush-deadline", default_value = "1m")]
    pub storage_remote_flush_deadline: String,

    /// Maximum time a query may take before being aborted.
    #[arg(long = "query.timeout", default_value = "2m")]
    pub query_timeout: String,

    /// Maximum number of samples a single query can load into memory.
    #[arg(long = "query.max-samples", default_value_t = 50_000_000)]
    pub query_max_samples: u64,

    /// The maximum lookback duration for retrieving metrics during expression evaluations
    /// and federation.
    #[arg(long = "query.lookback-delta", default_value = "5m")]
    pub query_lookback_delta: String,

    /// Maximum number of queries executed concurrently.
    #[arg(long = "query.max-concurrency", default_value_t = 20)]
    pub query_max_concurrency: u32,

    /// Minimum duration between alert and restored "for" state.
    #[arg(long = "rules.alert.for-outage-tolerance", default_value = "1h")]
    pub rules_alert_for_outage_tolerance: String,

    /// Minimum duration between alert and restored "for" state, used only when the "for"
    /// duration is longer than the grace period.
    #[arg(long = "rules.alert.for-grace-period", default_value = "10m")]
    pub rules_alert_for_grace_period: String,

    /// Minimum amount of time to wait before resending an alert to Alertmanager.
    #[arg(long = "rules.alert.resend-delay", default_value = "1m")]
    pub rules_alert_resend_delay: String,

    /// The capacity of the queue for pending Alertmanager notifications.
    #[arg(
        long = "alertmanager.notification-queue-capacity",
        default_value_t = 10_000
    )]
    pub alertmanager_notification_queue_capacity: usize,

    /// Comma-separated feature names to enable (promql-experimental-functions, ...).
    #[arg(long = "enable-feature", value_delimiter = ',')]
    pub enable_feature: Vec<String>,

    /// Only log messages with the given severity or above: debug, info, warn, error.
    #[arg(long = "log.level", default_value = "info")]
    pub log_level: String,

    /// Output format of log messages: logfmt, json.
    #[arg(long = "log.format", default_value = "logfmt")]
    pub log_format: String,
}

impl ServerFlags {
    /// `(name, value)` of every flag as `/api/v1/status/flags` shows them.
    pub fn as_pairs(&self) -> Vec<(String, String)> {
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        let mut v = vec![
            ("config.file", opt(&self.config_file)),
            ("web.listen-address", self.web_listen_address.clone()),
            (
                "web.enable-lifecycle",
                self.web_enable_lifecycle.to_string(),
            ),
            (
                "web.enable-admin-api",
                self.web_enable_admin_api.to_string(),
            ),
            (
                "web.enable-remote-write-receiver",
                self.web_enable_remote_write_receiver.to_string(),
            ),
            ("web.external-url", self.web_external_url.clone()),
            ("web.cors.origin", self.web_cors_origin.clone()),
            ("web.config.file", opt(&self.web_config_file)),
            ("web.console.templates", self.web_console_templates.clone()),
            ("web.console.libraries", self.web_console_libraries.clone()),
            ("web.page-title", self.web_page_title.clone()),
            ("web.user-assets", self.web_user_assets.clone()),
            (
                "storage.remote.flush-deadline",
                self.storage_remote_flush_deadline.clone(),
            ),
            ("web.route-prefix", self.web_route_prefix.clone()),
            ("web.read-timeout", self.web_read_timeout.clone()),
            ("web.max-connections", self.web_max_connections.to_string()),
            ("storage.tsdb.path", self.storage_tsdb_path.clone()),
            (
                "storage.tsdb.retention.time",
                opt(&self.storage_tsdb_retention_time),
            ),
            (
                "storage.tsdb.retention.size",
                opt(&self.storage_tsdb_retention_size),
            ),
            (
                "storage.tsdb.min-block-duration",
                self.storage_tsdb_min_block_duration.clone(),
            ),
            (
                "storage.tsdb.max-block-duration",
                opt(&self.storage_tsdb_max_block_duration),
            ),
            (
                "storage.tsdb.no-lockfile",
                self.storage_tsdb_no_lockfile.to_string(),
            ),
            ("query.timeout", self.query_timeout.clone()),
            ("query.max-samples", self.query_max_samples.to_string()),
            ("query.lookback-delta", self.query_lookback_delta.clone()),
            (
                "query.max-concurrency",
                self.query_max_concurrency.to_string(),
            ),
            (
                "rules.alert.for-outage-tolerance",
                self.rules_alert_for_outage_tolerance.clone(),
            ),
            (
                "rules.alert.for-grace-period",
                self.rules_alert_for_grace_period.clone(),
            ),
            (
                "rules.alert.resend-delay",
                self.rules_alert_resend_delay.clone(),
            ),
            (
                "alertmanager.notification-queue-capacity",
                self.alertmanager_notification_queue_capacity.to_string(),
            ),
            ("enable-feature", self.enable_feature.join(",")),
            ("log.level", self.log_level.clone()),
            ("log.format", self.log_format.clone()),
        ];
        v.sort_by(|a, b| a.0.cmp(b.0));
        v.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}
