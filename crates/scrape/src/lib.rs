//! Exposition parsers, scrape loops, target manager, service discovery and staleness.
//!
//! - [`exposition`]: the text format 0.0.4 and OpenMetrics 1.0 parsers (usable on their
//!   own, e.g. for backfill) and content negotiation.
//! - [`ScrapeManager`]: runs one scrape pool per job of a [`promlite_config::Config`],
//!   appends through [`promlite_storage::Appendable`], and reports targets, metadata and
//!   self-monitoring counters.

mod client;
mod error;
pub mod exposition;
mod file_sd;
mod manager;
mod metrics;
mod scrape_loop;
mod target;

pub use client::USER_AGENT;
pub use error::ScrapeError;
pub use file_sd::{read_target_file, TargetGroup};
pub use manager::{ActiveTarget, DroppedTarget, ScrapeManager, ScrapeManagerOptions, TargetsState};
pub use metrics::{
    IntervalLengthSummary, ScrapeMetrics, ScrapeMetricsSnapshot, INTERVAL_QUANTILES,
};
pub use scrape_loop::metadata::MetadataStore;
pub use target::{discovered_labels, populate_labels, target_url, Target, TargetHealth};
