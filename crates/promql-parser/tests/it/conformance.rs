//! Queries from outside this repository: the eval expressions of Prometheus's own PromQL
//! test scripts and the differential oracle's query set, both read from `/work/shared`
//! (the tests print that they were skipped when it is absent).

use std::path::{Path, PathBuf};

use promlite_promql_parser::{parse, parse_with, ParseOptions};

fn shared_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// The expression of an `eval` line: after `eval[_x] instant at <t>` or
/// `eval[_x] range from <a> to <b> step <s>`.
fn eval_expression(line: &str) -> Option<&str> {
    let mut rest = line.trim_start();
    let first = rest.split_whitespace().next()?;
    if !first.to_ascii_lowercase().starts_with("eval") {
        return None;
    }
    let words = match rest.split_whitespace().nth(1)? {
        "instant" => 4,
        "range" => 8,
        _ => return None,
    };
    for _ in 0..words {
        rest = rest.trim_start();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = &rest[end..];
    }
    Some(rest.trim())
}

fn test_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "test"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_promqltest_eval_expression_parses_and_round_trips() {
    let dir = shared_dir().join("promqltest/v3.14.0");
    if !dir.is_dir() {
        println!("skipped: {} is absent", dir.display());
        return;
    }
    let options = ParseOptions::all_experimental();
    let mut count = 0;
    let mut failures = Vec::new();
    for file in test_files(&dir) {
        let content = std::fs::read_to_string(&file).expect("readable test file");
        for (number, line) in content.lines().enumerate() {
            let Some(query) = eval_expression(line) else {
                continue;
            };
            count += 1;
            let name = file.file_name().unwrap_or_default().to_string_lossy();
            match parse_with(query, &options) {
                Ok(expr) => {
                    let printed = expr.to_string();
                    match parse_with(&printed, &options) {
                        Ok(again) if again == expr => {}
                        other => failures.push(format!(
                            "{name}:{}: {query} printed as {printed}: {other:?}",
                            number + 1
                        )),
                    }
                }
                Err(e) => failures.push(format!("{name}:{}: {query}: {e}", number + 1)),
            }
        }
    }
    println!("{count} eval expressions parsed");
    assert!(count > 2000, "only {count} eval lines found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The oracle's "errors" group queries that Prometheus rejects at parse time, with
/// Prometheus's messages (recorded from Prometheus 2.42, the offset wording updated to 3.x).
const ORACLE_PARSE_ERRORS: &[(&str, &str)] = &[
    (
        r#"rate(http_requests_total)"#,
        r#"1:6: parse error: expected type range vector in call to function "rate", got instant vector"#,
    ),
    (
        r#"{job=~".*"}"#,
        r#"1:1: parse error: vector selector must contain at least one non-empty matcher"#,
    ),
    (
        r#"{__name__=~".*"}"#,
        r#"1:1: parse error: vector selector must contain at least one non-empty matcher"#,
    ),
    (
        r#"sum(up) by (job) +"#,
        r#"1:19: parse error: unexpected end of input"#,
    ),
    (
        r#"up[5m] + 1"#,
        r#"1:1: parse error: binary expression must contain only scalar and instant vector types"#,
    ),
    (
        r#"sort(up[5m])"#,
        r#"1:6: parse error: expected type instant vector in call to function "sort", got range vector"#,
    ),
    (
        r#"1 > 0"#,
        r#"1:3: parse error: comparisons between scalars must use BOOL modifier"#,
    ),
    (
        r#"quantile_over_time(0.5, up)"#,
        r#"1:25: parse error: expected type range vector in call to function "quantile_over_time", got instant vector"#,
    ),
    (
        r#"up offset -"#,
        r#"1:12: parse error: unexpected end of input in offset, expected number, duration, step(), or range()"#,
    ),
    (
        r#"topk("a", up)"#,
        r#"1:6: parse error: expected type scalar in aggregation parameter, got string"#,
    ),
    (
        r#"up offset 5m offset 1m"#,
        r#"1:1: parse error: offset may not be set multiple times"#,
    ),
    (
        r#"up @ 1 @ 2"#,
        r#"1:1: parse error: @ <timestamp> may not be set multiple times"#,
    ),
    (
        r#"sum(up) @ 1767220000.5"#,
        r#"1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery"#,
    ),
    (
        r#"unknown_func(up)"#,
        r#"1:1: parse error: unknown function with name "unknown_func""#,
    ),
    (
        r#"day_of_week(up, up)"#,
        r#"1:1: parse error: expected at most 1 argument(s) in call to "day_of_week", got 2"#,
    ),
    (
        r#"up[5m:1m:1m]"#,
        r#"1:9: parse error: unexpected colon ':'"#,
    ),
    (
        r#"up[0s]"#,
        r#"1:4: parse error: duration must be greater than 0"#,
    ),
    (
        r#"vector("a")"#,
        r#"1:8: parse error: expected type scalar in call to function "vector", got string"#,
    ),
    (
        r#"time(1)"#,
        r#"1:1: parse error: expected 0 argument(s) in call to "time", got 1"#,
    ),
    (
        r#"absent()"#,
        r#"1:1: parse error: expected 1 argument(s) in call to "absent", got 0"#,
    ),
    (
        r#"sum without (job) by (instance) (up)"#,
        r#"1:19: parse error: unexpected <by> in aggregation"#,
    ),
    (
        r#"count_values(up, up)"#,
        r#"1:14: parse error: expected type string in aggregation parameter, got instant vector"#,
    ),
    (
        r#"quantile_over_time("x", up[5m])"#,
        r#"1:20: parse error: expected type scalar in call to function "quantile_over_time", got string"#,
    ),
    (
        r#""a" + 1"#,
        r#"1:1: parse error: binary expression must contain only scalar and instant vector types"#,
    ),
    (
        r#"up and 1"#,
        r#"1:1: parse error: set operator "and" not allowed in binary scalar expression"#,
    ),
    (
        r#"1 and 1"#,
        r#"1:1: parse error: set operator "and" not allowed in binary scalar expression"#,
    ),
    (
        r#"rate(sum(up)[5m])"#,
        r#"1:13: parse error: ranges only allowed for vector selectors"#,
    ),
    (
        r#"up{job="api""#,
        r#"1:13: parse error: unexpected end of input inside braces"#,
    ),
    (
        r#"up{job=api}"#,
        r#"1:8: parse error: unexpected identifier "api" in label matching, expected string"#,
    ),
    (
        r#"up * on(job) group_left(job) up"#,
        r#"1:4: parse error: label "job" must not occur in ON and GROUP clause at once"#,
    ),
    (
        r#"0x"#,
        r#"1:1: parse error: error parsing number: strconv.ParseFloat: parsing "0x": invalid syntax"#,
    ),
    (
        r#"up offset"#,
        r#"1:10: parse error: unexpected end of input in offset, expected number, duration, step(), or range()"#,
    ),
];

#[test]
fn oracle_queries_parse_unless_prometheus_rejects_them() {
    let script = shared_dir().join("oracle/queries.py");
    if !script.is_file() {
        println!("skipped: {} is absent", script.display());
        return;
    }
    let output = match std::process::Command::new("python3")
        .arg(&script)
        .args(["--seed", "1"])
        .output()
    {
        Ok(output) if output.status.success() => output.stdout,
        other => {
            println!("skipped: could not run {}: {other:?}", script.display());
            return;
        }
    };
    let text = String::from_utf8_lossy(&output);
    // Each request is a JSON object with an "expr" string; read just those.
    let mut exprs = Vec::new();
    for chunk in text.split("\"expr\": ").skip(1) {
        if let Some(expr) = json_string_prefix(chunk) {
            exprs.push(expr);
        }
    }
    assert!(exprs.len() > 1000, "only {} queries found", exprs.len());
    let mut failures = Vec::new();
    let mut rejected = 0;
    for expr in &exprs {
        // API-only requests are named like "series match[]=...".
        if expr.contains("match[]=")
            || expr.contains("query=")
            || expr.starts_with("series ")
            || expr.contains(" time=")
            || expr.contains(" end=")
        {
            continue;
        }
        let expected = ORACLE_PARSE_ERRORS
            .iter()
            .find(|(query, _)| query == expr)
            .map(|(_, message)| *message);
        match (parse(expr), expected) {
            (Ok(_), None) => {}
            (Err(e), Some(message)) if e.to_string() == message => rejected += 1,
            (result, expected) => {
                failures.push(format!("{expr}: got {result:?}, want {expected:?}"))
            }
        }
    }
    println!(
        "{} queries, {rejected} rejected as Prometheus does",
        exprs.len()
    );
    assert_eq!(
        rejected,
        ORACLE_PARSE_ERRORS.len(),
        "{}",
        failures.join("\n")
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Decodes the JSON string at the start of `text` (the escapes JSON allows).
fn json_string_prefix(text: &str) -> Option<String> {
    let mut chars = text.strip_prefix('"')?.chars();
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}
