//! The `promlite` binary: the server (Prometheus's flags) and promtool-like subcommands.

mod cli;
mod commands;
mod logging;
mod server;

use clap::Parser;

use cli::{CheckCommand, Cli, Command, ImportCommand, TestCommand, TsdbCommand};

fn main() {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("promlite: error: {e:#}");
            1
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Some(Command::Check(CheckCommand::Config { files })) => {
            commands::check::require_existing(&files)?;
            Ok(commands::check::check_config(&files))
        }
        Some(Command::Check(CheckCommand::Rules { files })) => {
            commands::check::require_existing(&files)?;
            Ok(commands::check::check_rules(&files))
        }
        Some(Command::Test(TestCommand::Promql {
            files,
            stock_engine,
            verbose,
        })) => Ok(commands::test_promql::run(&files, stock_engine, verbose)),
        Some(Command::Tsdb(TsdbCommand::Import(ImportCommand::Openmetrics {
            file,
            storage_tsdb_path,
            max_block_duration,
            quiet,
        }))) => {
            let range = promlite_config::parse_duration(&max_block_duration)
                .map_err(|e| anyhow::anyhow!("invalid --max-block-duration: {e}"))?;
            let range_ms =
                i64::try_from(range.as_millis()).unwrap_or(promlite_tsdb::DEFAULT_BLOCK_RANGE_MS);
            commands::import::import_openmetrics(&file, &storage_tsdb_path, range_ms, quiet)
        }
        Some(Command::Test(TestCommand::Rules { files })) => {
            let report = promlite_rules::run_rule_tests(&files);
            report.write_to(&mut std::io::stdout(), &mut std::io::stderr())?;
            Ok(if report.success() { 0 } else { 1 })
        }
        Some(Command::Query(q)) => commands::query::run(q),
        None => server::run(cli.server),
    }
}
