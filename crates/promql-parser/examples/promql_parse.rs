//! Reads one PromQL query per line from stdin and prints, per line, the canonical form
//! (`OK <printed>`) or Prometheus's error text (`ERR <error>`). `--experimental` turns on
//! every experimental feature; `--matchers` parses series selectors instead.

use std::io::BufRead;

use promlite_promql_parser::{parse_matchers, parse_with, ParseOptions};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let options = if args.iter().any(|a| a == "--experimental") {
        ParseOptions::all_experimental()
    } else {
        ParseOptions::default()
    };
    let matchers = args.iter().any(|a| a == "--matchers");
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        // Queries may contain newlines written as `\n` escapes in the input file.
        let query = line.replace("\\n", "\n");
        if matchers {
            match parse_matchers(&query) {
                Ok(ms) => {
                    let shown: Vec<String> = ms.iter().map(|m| m.to_string()).collect();
                    println!("OK {}", shown.join(","));
                }
                Err(e) => println!("ERR {e}"),
            }
            continue;
        }
        match parse_with(&query, &options) {
            Ok(expr) => println!("OK {expr}"),
            Err(e) => println!("ERR {e}"),
        }
    }
}
