//! Command-line interface: server flags and the promtool-like subcommands.

pub mod flags;

use clap::{Parser, Subcommand};

pub use flags::ServerFlags;

/// promlite: a Prometheus-compatible time-series database in one binary.
///
/// With no subcommand it runs the server with Prometheus's flags.
#[derive(Parser, Debug)]
#[command(
    name = "promlite",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(flatten)]
    pub server: ServerFlags,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// promtool-like tools built into the binary.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the resources for validity.
    #[command(subcommand)]
    Check(CheckCommand),
    /// Run tests.
    #[command(subcommand)]
    Test(TestCommand),
    /// Run commands against the TSDB.
    #[command(subcommand)]
    Tsdb(TsdbCommand),
    /// Run a query against a Prometheus-compatible server.
    #[command(subcommand)]
    Query(QueryCommand),
}

#[derive(Subcommand, Debug)]
pub enum CheckCommand {
    /// Check if the config files are valid or not.
    Config {
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Check if the rule files are valid or not.
    Rules {
        #[arg(required = true)]
        files: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum TestCommand {
    /// Run PromQL test scripts (the promqltest format).
    Promql {
        #[arg(required = true)]
        files: Vec<String>,
        /// Evaluate with the server's stock engine (experimental functions off, names
        /// dropped at once) instead of Prometheus's test engine settings, which the
        /// upstream scripts assume.
        #[arg(long = "stock-engine")]
        stock_engine: bool,
        /// Print every failure and skip with its reason.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Unit tests for rules (promtool test rules format).
    Rules {
        #[arg(required = true)]
        files: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum TsdbCommand {
    /// Import samples from input and produce TSDB blocks.
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Import samples from an OpenMetrics input and produce TSDB blocks.
    Openmetrics {
        /// OpenMetrics file to read samples from.
        file: String,
        /// Output directory (the database directory of a promlite server).
        #[arg(long = "storage.tsdb.path", default_value = "data/")]
        storage_tsdb_path: String,
        /// Maximum duration of a created block.
        #[arg(long = "max-block-duration", default_value = "2h")]
        max_block_duration: String,
        /// Do not print progress.
        #[arg(long)]
        quiet: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum QueryCommand {
    /// Run an instant query.
    Instant {
        server: String,
        expr: String,
        /// Query evaluation time (RFC3339 or Unix timestamp).
        #[arg(long)]
        time: Option<String>,
        /// Output format: promql (default) or json.
        #[arg(long = "format", short = 'o', alias = "output")]
        output: Option<String>,
    },
    /// Run a range query.
    Range {
        server: String,
        expr: String,
        #[arg(long)]
        start: Option<String>,
        #[arg(long)]
        end: Option<String>,
        #[arg(long)]
        step: Option<String>,
        /// Output format: promql (default) or json.
        #[arg(long = "format", short = 'o', alias = "output")]
        output: Option<String>,
    },
}
