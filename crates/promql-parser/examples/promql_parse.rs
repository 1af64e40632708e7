//! Reads one PromQL query per line from stdin and prints, per line, the canonical form
//! (`OK <printed>`) or Prometheus's error text (`ERR <error>`). `--experimental` turns on
//! every experimental feature (`--no-fill` then turns the fill modifiers off again);
//! `--matchers` parses series selectors instead; `--check` also re-parses the printed form
//! and reports `ROUNDTRIP` when it differs; `--nul` reads NUL-separated queries (which
//! may contain newlines) and ends each answer with NUL.

use std::io::{BufRead, Read};

use promlite_promql_parser::{parse_matchers, parse_with, ParseOptions};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut options = if args.iter().any(|a| a == "--experimental") {
        ParseOptions::all_experimental()
    } else {
        ParseOptions::default()
    };
    if args.iter().any(|a| a == "--no-fill") {
        options.binop_fill_modifiers = false;
    }
    let matchers = args.iter().any(|a| a == "--matchers");
    let check = args.iter().any(|a| a == "--check");
    let queries: Vec<String> = if args.iter().any(|a| a == "--nul") {
        let mut all = String::new();
        let _ = std::io::stdin().read_to_string(&mut all);
        all.split('\0').map(str::to_string).collect()
    } else {
        std::io::stdin()
            .lock()
            .lines()
            .map_while(Result::ok)
            .collect()
    };
    let end = if args.iter().any(|a| a == "--nul") {
        "\0"
    } else {
        "\n"
    };
    for query in queries {
        if matchers {
            match parse_matchers(&query) {
                Ok(ms) => {
                    let shown: Vec<String> = ms.iter().map(|m| m.to_string()).collect();
                    print!("OK {}{end}", shown.join(","));
                }
                Err(e) => print!("ERR {e}{end}"),
            }
            continue;
        }
        match parse_with(&query, &options) {
            Ok(expr)
                if check && parse_with(&expr.to_string(), &options).ok() != Some(expr.clone()) =>
            {
                print!("ROUNDTRIP {expr}{end}")
            }
            Ok(expr) => print!("OK {expr}{end}"),
            Err(e) => print!("ERR {e}{end}"),
        }
    }
}
