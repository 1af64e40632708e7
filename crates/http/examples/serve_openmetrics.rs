//! Serves the HTTP API over a `MemStorage` loaded from an OpenMetrics text file (such
//! as the differential oracle's dataset), to check the API and the engine together
//! against real Prometheus without the full server:
//!
//! ```text
//! cargo run --release -p promlite-http --example serve_openmetrics -- data.om 127.0.0.1:9091
//! python3 oracle.py check --seed 1 --expected DIR --url http://127.0.0.1:9091
//! ```
//!
//! The parser here reads only what the oracle writes (`name{labels} value seconds`
//! lines and `#` comments); the real exposition parsers live in `promlite-scrape`.

use std::sync::Arc;

use promlite_http::{router, ApiState, LenientListener};
use promlite_model::{Labels, SystemClock};
use promlite_promql::{Engine, EngineOptions};
use promlite_storage::{Appendable, MemStorage};

/// Reads a quoted label value with `\\`, `\"` and `\n` escapes; returns it and the rest.
fn quoted(s: &str) -> Option<(String, &str)> {
    let s = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &s[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// Parses `name{a="b",...} value timestamp_seconds`.
fn parse_line(line: &str) -> Option<(Labels, i64, f64)> {
    let (name, mut rest) = match line.find(['{', ' ']) {
        Some(i) => (&line[..i], &line[i..]),
        None => return None,
    };
    let mut pairs = vec![("__name__".to_string(), name.to_string())];
    if let Some(r) = rest.strip_prefix('{') {
        rest = r;
        loop {
            rest = rest.trim_start_matches(',');
            if let Some(r) = rest.strip_prefix('}') {
                rest = r;
                break;
            }
            let eq = rest.find('=')?;
            let label = rest[..eq].to_string();
            let (value, r) = quoted(&rest[eq + 1..])?;
            pairs.push((label, value));
            rest = r;
        }
    }
    let mut fields = rest.split_whitespace();
    let v = match fields.next()? {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        x => x.parse().ok()?,
    };
    let t: f64 = fields.next()?.parse().ok()?;
    Some((Labels::from_pairs(pairs), (t * 1000.0).round() as i64, v))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(addr)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: serve_openmetrics <file.om> <listen address>");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(path)?;
    let storage = MemStorage::new();
    let mut app = storage.appender();
    let mut n = 0usize;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (labels, t, v) =
            parse_line(line).ok_or_else(|| format!("cannot parse line: {line}"))?;
        app.append(None, &labels, t, v)?;
        n += 1;
    }
    app.commit()?;
    eprintln!("loaded {n} samples into {} series", storage.num_series());
    let shared = Arc::new(storage);
    let state = ApiState::builder(shared.clone())
        .admin(shared)
        .promql_engine(Engine::new(EngineOptions::default()))
        .clock(Arc::new(SystemClock))
        .build();
    let listener = tokio::net::TcpListener::bind(addr.as_str()).await?;
    eprintln!("listening on {addr}");
    axum::serve(LenientListener::new(listener), router(state)).await?;
    Ok(())
}
