//! Shared helpers of the integration tests: an HTTP client, the promlite process guard,
//! test scrape targets and external Debian daemons (node-exporter, Alertmanager).

pub mod daemons;
pub mod http;
pub mod server;
pub mod target;

pub use server::{eventually, import_openmetrics, run_tool, testdata, Promlite, Start, Workspace};
pub use target::{Reply, TargetServer};
