//! Golden tests: every body under `testdata/exposition/` (`.prom` = text format, `.om` =
//! OpenMetrics) is parsed and rendered entry by entry into `<file>.golden`. Set
//! `PROMLITE_BLESS=1` to rewrite the golden files, then review the diff.

use std::fmt::Write as _;
use std::path::PathBuf;

use promlite_scrape::exposition::{Entry, ExpositionParser, Format};

fn testdata_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/exposition")
}

fn render(body: &[u8], format: Format) -> String {
    let mut out = String::new();
    for entry in ExpositionParser::new(body, format) {
        let line = match entry {
            Err(e) => format!("ERROR: {e}"),
            Ok(Entry::Series(s)) => {
                let labels = match s.labels() {
                    Ok(l) => l.to_string(),
                    Err(e) => format!("<labels error: {e}>"),
                };
                let ts = s
                    .timestamp_ms()
                    .map(|t| format!(" @{t}"))
                    .unwrap_or_default();
                format!(
                    "SERIES {labels} {} (type {}){ts}",
                    s.value(),
                    s.metric_type()
                )
            }
            Ok(Entry::Type {
                metric_family,
                metric_type,
            }) => format!("TYPE {metric_family} {metric_type}"),
            Ok(Entry::Help {
                metric_family,
                help,
            }) => format!("HELP {metric_family} {help:?}"),
            Ok(Entry::Unit {
                metric_family,
                unit,
            }) => format!("UNIT {metric_family} {unit}"),
            Ok(Entry::Comment(c)) => format!("COMMENT {:?}", String::from_utf8_lossy(c)),
        };
        let _ = writeln!(out, "{line}");
    }
    out
}

#[test]
fn exposition_bodies_match_golden_files() {
    let dir = testdata_dir();
    let bless = std::env::var_os("PROMLITE_BLESS").is_some();
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/exposition exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some("prom") => Format::PrometheusText,
            Some("om") => Format::OpenMetrics,
            _ => continue,
        };
        let body = std::fs::read(&path).unwrap();
        let got = render(&body, format);
        let golden = path.with_extension(format!(
            "{}.golden",
            path.extension().and_then(|e| e.to_str()).unwrap_or("")
        ));
        if bless {
            std::fs::write(&golden, &got).unwrap();
        } else {
            let want = std::fs::read_to_string(&golden)
                .unwrap_or_else(|_| panic!("missing {golden:?}; run with PROMLITE_BLESS=1"));
            assert_eq!(got, want, "golden mismatch for {path:?}");
        }
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} golden bodies found");
}
