//! Parser tests: error wording tables (the messages Prometheus produces for the same
//! inputs), entry-by-entry expectations, and property tests on random bytes.

use promlite_model::{Labels, MetricType};

use super::*;

mod errors;
mod properties;

/// Parses everything, returning the entries rendered as text, or the first error.
pub(super) fn render_all(body: &[u8], format: Format) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for entry in ExpositionParser::new(body, format) {
        let entry = entry.map_err(|e| e.to_string())?;
        out.push(render(&entry)?);
    }
    Ok(out)
}

pub(super) fn render(entry: &Entry<'_>) -> Result<String, String> {
    Ok(match entry {
        Entry::Series(s) => {
            let labels = s.labels().map_err(|e| e.to_string())?;
            let v = s.value();
            let v = if v.is_nan() {
                format!("NaN(0x{:x})", v.to_bits())
            } else {
                v.to_string()
            };
            match s.timestamp_ms() {
                Some(t) => format!("{labels} {v} @{t}"),
                None => format!("{labels} {v}"),
            }
        }
        Entry::Type {
            metric_family,
            metric_type,
        } => format!("TYPE {metric_family} {metric_type}"),
        Entry::Help {
            metric_family,
            help,
        } => format!("HELP {metric_family} {help:?}"),
        Entry::Unit {
            metric_family,
            unit,
        } => format!("UNIT {metric_family} {unit}"),
        Entry::Comment(c) => format!("COMMENT {}", String::from_utf8_lossy(c)),
    })
}

pub(super) fn first_error(body: &[u8], format: Format) -> String {
    match render_all(body, format) {
        Ok(v) => panic!("expected an error for {body:?}, parsed {v:?}"),
        Err(e) => e,
    }
}

#[test]
fn openmetrics_accepts_nul_in_label_values_and_eof_variants() {
    for input in [
        &b"null_byte_metric{a=\"abc\x00\"} 1\n# EOF\n"[..],
        b"a{b=\"\x00ss\"} 1\n# EOF\n",
        b"a{b=\"\x00\"} 1\n# EOF",
    ] {
        assert_eq!(
            render_all(input, Format::OpenMetrics).unwrap().len(),
            1,
            "{input:?}"
        );
    }
    assert!(render_all(b"# EOF", Format::OpenMetrics)
        .unwrap()
        .is_empty());
    assert!(render_all(b"# EOF\n", Format::OpenMetrics)
        .unwrap()
        .is_empty());
}

#[test]
fn text_format_entries() {
    let body = br#"# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# 	TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="1"} 0.000119 1500
go_gc_duration_seconds_sum 1.5
# Hello
# HELP nohelp1
# HELP help2 escape \ \n \\ \" \x chars
nohelp1 1
  metric_with_spaces { a = "b" , c="d",} +Inf
nan_metric NaN
neg -Inf
"#;
    let got = render_all(body, Format::PrometheusText).unwrap();
    let want = [
        r#"HELP go_gc_duration_seconds "A summary of the GC invocation durations.""#,
        "TYPE go_gc_duration_seconds summary",
        r#"{__name__="go_gc_duration_seconds", quantile="0.0"} 0.000049351"#,
        r#"{__name__="go_gc_duration_seconds", quantile="1.0"} 0.000119 @1500"#,
        r#"{__name__="go_gc_duration_seconds_sum"} 1.5"#,
        "COMMENT # Hello",
        r#"HELP nohelp1 """#,
        r#"HELP help2 "escape \\ \n \\ \\\" \\x chars""#,
        r#"{__name__="nohelp1"} 1"#,
        r#"{__name__="metric_with_spaces", a="b", c="d"} inf"#,
        r#"{__name__="nan_metric"} NaN(0x7ff8000000000001)"#,
        r#"{__name__="neg"} -inf"#,
    ];
    assert_eq!(got, want);
}

#[test]
fn text_format_quoted_utf8_names() {
    let body = b"{\"utf8.metric\", \"label.x\"=\"v\\\\\\n\\\"\"} 3 123\ntestmetric{label=\"\\\"bar\\\"\"} 1\n";
    let got = render_all(body, Format::PrometheusText).unwrap();
    assert_eq!(
        got,
        vec![
            r#"{__name__="utf8.metric", "label.x"="v\\\n\""} 3 @123"#.to_string(),
            r#"{__name__="testmetric", label="\"bar\""} 1"#.to_string(),
        ]
    );
}

#[test]
fn openmetrics_entries() {
    let body = br#"# HELP a help
# TYPE a counter
# UNIT a_seconds seconds
a_total{"foo.bar"="x"} 1 1.5
a_created 1520430000.123
# TYPE hh histogram
hh_bucket{le="1"} 0 # {id="x"} 0.5 1520879607.789
hh_bucket{le="+Inf"} 3
# TYPE ss summary
ss{quantile="0.5"} 1
{"my.info",k="v"} 1 0.001
# EOF
"#;
    let got = render_all(body, Format::OpenMetrics).unwrap();
    assert_eq!(
        got,
        vec![
            r#"HELP a "help""#,
            "TYPE a counter",
            "UNIT a_seconds seconds",
            r#"{__name__="a_total", "foo.bar"="x"} 1 @1500"#,
            r#"{__name__="a_created"} 1520430000.123"#,
            "TYPE hh histogram",
            r#"{__name__="hh_bucket", le="1.0"} 0"#,
            r#"{__name__="hh_bucket", le="+Inf"} 3"#,
            "TYPE ss summary",
            r#"{__name__="ss", quantile="0.5"} 1"#,
            r#"{__name__="my.info", k="v"} 1 @1"#,
        ]
    );
    let mut skipping = ExpositionParser::with_options(
        body,
        Format::OpenMetrics,
        ParserOptions {
            skip_created_series: true,
        },
    );
    let mut names = Vec::new();
    while let Some(e) = skipping.next_entry().unwrap() {
        if let Entry::Series(s) = e {
            names.push(s.metric_name().into_owned());
        }
    }
    assert!(!names.contains(&"a_created".to_string()), "{names:?}");
    assert_eq!(names.len(), 5);
}

#[test]
fn series_raw_text_is_a_stable_cache_key() {
    let body = b"m{a=\"1\"} 1\nm{a=\"1\"} 2 5\n";
    let raws: Vec<Vec<u8>> = ExpositionParser::new(body, Format::PrometheusText)
        .map(|e| match e.unwrap() {
            Entry::Series(s) => s.raw().to_vec(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(raws, vec![b"m{a=\"1\"}".to_vec(), b"m{a=\"1\"}".to_vec()]);
    let parsed = ExpositionParser::new(b"m 1\n", Format::PrometheusText)
        .next()
        .unwrap()
        .unwrap();
    let Entry::Series(s) = parsed else { panic!() };
    assert_eq!(s.labels().unwrap(), Labels::from_pairs([("__name__", "m")]));
    assert_eq!(s.metric_type(), MetricType::Unknown);
}

#[test]
fn streaming_matches_whole_body_parsing() {
    let mut body = String::from("# TYPE m counter\n");
    for i in 0..20_000 {
        body.push_str(&format!(
            "m_total{{i=\"{i}\",path=\"/api/v1/query\"}} {i} {}\n",
            1000 + i
        ));
    }
    body.push_str("# EOF\n");
    let whole = render_all(body.as_bytes(), Format::OpenMetrics).unwrap();
    let mut streamed = Vec::new();
    let n = for_each_entry_in_reader::<_, std::io::Error, _>(
        body.as_bytes(),
        Format::OpenMetrics,
        ParserOptions::default(),
        |e| {
            streamed.push(render(e).unwrap());
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(n, 20_000);
    assert_eq!(streamed, whole);
    let missing_eof = for_each_entry_in_reader::<_, std::io::Error, _>(
        &b"a 1\n"[..],
        Format::OpenMetrics,
        ParserOptions::default(),
        |_| Ok(()),
    );
    assert!(missing_eof
        .unwrap_err()
        .to_string()
        .contains("data does not end with # EOF"));
}
