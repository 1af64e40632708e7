//! The `promlite` binary: the server (Prometheus's flags) and promtool-like subcommands.

mod cli;
mod commands;
mod logging;

use clap::Parser;

use cli::{CheckCommand, Cli, Command, TestCommand};

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
            Ok(commands::check::check_config(&files))
        }
        Some(Command::Check(CheckCommand::Rules { files })) => {
            Ok(commands::check::check_rules(&files))
        }
        Some(Command::Test(TestCommand::Promql {
            files,
            stock_engine,
            verbose,
        })) => Ok(commands::test_promql::run(&files, stock_engine, verbose)),
        Some(other) => anyhow::bail!("{other:?}: not wired yet"),
        None => {
            logging::init(&cli.server.log_level, &cli.server.log_format)?;
            anyhow::bail!("the server is not wired yet")
        }
    }
}
