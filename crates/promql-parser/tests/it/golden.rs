//! Golden files under `testdata/promql/parse/`: each case is a query line starting with
//! `>>> ` (a newline in the query is written `<NL>`) followed by what the parser made of it (the AST dump and the printed form, or
//! the error). `### options: experimental` / `### options: default` switch the parser
//! options for the cases after it. Regenerate with `BLESS=1 cargo test -p
//! promlite-promql-parser --test it golden` and review the diff.

use std::path::PathBuf;

use promlite_promql_parser::{parse_with, ParseOptions};

use crate::dump::dump;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/promql/parse")
}

/// What the parser makes of one query, as golden lines.
fn describe(query: &str, options: &ParseOptions) -> Vec<String> {
    match parse_with(query, options) {
        Ok(expr) => {
            let printed = expr.to_string();
            let mut lines = vec![format!("ast: {}", dump(&expr)), format!("print: {printed}")];
            match parse_with(&printed, options) {
                Ok(again) if again == expr => {}
                Ok(_) => lines.push("ROUNDTRIP: printed form parses to a different AST".into()),
                Err(e) => lines.push(format!("ROUNDTRIP: printed form fails: {e}")),
            }
            lines
        }
        Err(e) => vec![format!("error: {e}")],
    }
}

/// Regenerates the expectations of one golden file from its queries.
fn regenerate(content: &str) -> String {
    let mut options = ParseOptions::default();
    let mut out = String::new();
    for line in content.lines() {
        if let Some(query) = line.strip_prefix(">>> ") {
            out.push_str(line);
            out.push('\n');
            let query = query.replace("<NL>", "\n");
            for result in describe(&query, &options) {
                out.push_str(&result);
                out.push('\n');
            }
        } else if line.starts_with("ast: ")
            || line.starts_with("print: ")
            || line.starts_with("error: ")
            || line.starts_with("ROUNDTRIP: ")
        {
            continue;
        } else {
            if let Some(mode) = line.strip_prefix("### options: ") {
                options = match mode.trim() {
                    "experimental" => ParseOptions::all_experimental(),
                    _ => ParseOptions::default(),
                };
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn golden_files_match() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut files: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("testdata/promql/parse exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no golden files found");
    let mut failures = Vec::new();
    for path in files {
        let content = std::fs::read_to_string(&path).expect("readable golden file");
        let expected = regenerate(&content);
        if expected.contains("ROUNDTRIP:") {
            failures.push(format!("{}: a case does not round-trip", path.display()));
        }
        if bless {
            std::fs::write(&path, &expected).expect("writable golden file");
        } else if expected != content {
            let diff: Vec<String> = content
                .lines()
                .zip(expected.lines())
                .filter(|(a, b)| a != b)
                .take(5)
                .map(|(a, b)| format!("  have: {a}\n  want: {b}"))
                .collect();
            failures.push(format!(
                "{} differs (rerun with BLESS=1 and review):\n{}",
                path.display(),
                diff.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
