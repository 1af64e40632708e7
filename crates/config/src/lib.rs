//! `prometheus.yml` and rule files as typed structs with Prometheus's defaults and
//! validation, and relabeling.
//!
//! ```
//! use promlite_config::Config;
//! let cfg = Config::from_yaml_str(
//!     "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['localhost:9100']\n",
//!     "/etc/prometheus",
//! ).unwrap();
//! assert_eq!(cfg.scrape_configs[0].scrape_interval.as_secs(), 15);
//! assert_eq!(cfg.scrape_configs[0].scrape_timeout.as_secs(), 10);
//!
//! let err = Config::from_yaml_str("scrape_configs:\n  - job_name: k8s\n    kubernetes_sd_configs: []\n", ".").unwrap_err();
//! assert_eq!(err.to_string(), "field kubernetes_sd_configs is not supported by promlite (line 3)");
//! ```
//!
//! Documents are parsed into a tree that remembers every node's line (see `yaml`), then
//! decoded by hand so that every error can name its line and unknown fields get
//! Prometheus's wording (`field foo not found in type config.ScrapeConfig`).

mod alerting;
mod config;
mod discovery;
mod error;
mod global;
mod go_regex;
mod http_client;
mod line;
pub mod relabel;
mod remote;
mod render;
pub mod rules;
mod scrape;
mod storage;
mod unsupported;
mod values;
mod yaml;

pub use alerting::{AlertingConfig, AlertmanagerConfig};
pub use config::Config;
pub use discovery::{FileSdConfig, StaticConfig};
pub use error::ConfigError;
pub use global::{GlobalConfig, NameValidationScheme, ScrapeProtocol};
pub use http_client::{Authorization, BasicAuth, HttpClientConfig, Secret, TlsConfig, TlsVersion};
pub use line::SourceLine;
pub use relabel::{RelabelAction, RelabelConfig, RelabelRegex};
pub use remote::{
    MetadataConfig, QueueConfig, RemoteReadConfig, RemoteWriteConfig, REMOTE_WRITE_V1,
    REMOTE_WRITE_V2,
};
pub use rules::{Rule, RuleGroup, RuleGroups, RuleKind};
pub use scrape::ScrapeConfig;
pub use storage::{ExemplarsConfig, RetentionConfig, StorageConfig, TsdbConfig};
pub use unsupported::{unsupported_fields, UnsupportedField, UNSUPPORTED_FIELDS};
pub use values::{format_base2_bytes, format_duration, parse_base2_bytes, parse_duration};
