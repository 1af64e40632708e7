//! `promlite query instant|range URL EXPR`: like `promtool query`.

use promlite_http::client::{query, ClientQuery};
use promlite_model::{Clock, SystemClock};

use crate::cli::QueryCommand;

/// Runs the query and prints the answer; returns the exit code.
pub fn run(cmd: QueryCommand) -> anyhow::Result<i32> {
    let (server, expr, q, json) = match cmd {
        QueryCommand::Instant {
            server,
            expr,
            time,
            output,
        } => (
            server,
            expr,
            ClientQuery::Instant { time },
            output.as_deref() == Some("json"),
        ),
        QueryCommand::Range {
            server,
            expr,
            start,
            end,
            step,
            output,
        } => {
            // promtool's defaults: end = now, start = end - 5m, step = range / 250 (≥ 1s).
            let parse =
                |s: &Option<String>| s.as_deref().and_then(|v| promlite_http::parse_time(v).ok());
            let end_ms = parse(&end).unwrap_or_else(|| SystemClock.now_ms());
            let start_ms = parse(&start).unwrap_or(end_ms - 5 * 60 * 1000);
            let step = step.unwrap_or_else(|| {
                let secs = ((end_ms - start_ms) as f64 / 1000.0 / 250.0)
                    .floor()
                    .max(1.0);
                format!("{secs}")
            });
            let seconds = |ms: i64| format!("{}", ms as f64 / 1000.0);
            let q = ClientQuery::Range {
                start: Some(start.unwrap_or_else(|| seconds(start_ms))),
                end: Some(end.unwrap_or_else(|| seconds(end_ms))),
                step: Some(step),
            };
            (server, expr, q, output.as_deref() == Some("json"))
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match runtime.block_on(query(&server, &expr, &q, json)) {
        Ok(text) => {
            // promtool's JSON output is one encoded value and a newline.
            if json {
                println!("{text}");
            } else {
                print!("{text}");
            }
            Ok(0)
        }
        Err(e) => {
            eprintln!("query error: {e}");
            Ok(1)
        }
    }
}
