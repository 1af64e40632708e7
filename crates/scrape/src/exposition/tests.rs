//! Parser tests: error wording tables (the messages Prometheus produces for the same
//! inputs), entry-by-entry expectations, and property tests on random bytes.

use promlite_model::{Labels, MetricType};

use super::*;

/// Parses everything, returning the entries rendered as text, or the first error.
fn render_all(body: &[u8], format: Format) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for entry in ExpositionParser::new(body, format) {
        let entry = entry.map_err(|e| e.to_string())?;
        out.push(render(&entry)?);
    }
    Ok(out)
}

fn render(entry: &Entry<'_>) -> Result<String, String> {
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

fn first_error(body: &[u8], format: Format) -> String {
    match render_all(body, format) {
        Ok(v) => panic!("expected an error for {body:?}, parsed {v:?}"),
        Err(e) => e,
    }
}

#[test]
fn text_format_errors_are_worded_like_prometheus() {
    let cases: &[(&[u8], &str)] = &[
        (
            b"a",
            r##"expected value after metric, got "\n" ("INVALID") while parsing: "a\n""##,
        ),
        (
            b"a{b='c'} 1\n",
            r##"expected label value, got "'" ("INVALID") while parsing: "a{b='""##,
        ),
        (
            b"a{b=\n",
            r##"expected label value, got "\n" ("INVALID") while parsing: "a{b=\n""##,
        ),
        (
            b"a{\xff=\"foo\"} 1\n",
            r##"expected label name, got "\xff" ("INVALID") while parsing: "a{\xff""##,
        ),
        (
            b"a{b=\"\xff\"} 1\n",
            r##"invalid UTF-8 label value: "\"\xff\"""##,
        ),
        (
            br#"{"a", "b = "c"}"#,
            r##"expected equal, got "c\"" ("LNAME") while parsing: "{\"a\", \"b = \"c\"""##,
        ),
        (
            br#"{"a",b\nc="d"} 1"#,
            r##"expected equal, got "\\" ("INVALID") while parsing: "{\"a\",b\\""##,
        ),
        (
            b"a true\n",
            r##"strconv.ParseFloat: parsing "true": invalid syntax while parsing: "a true""##,
        ),
        (
            b"something_weird{problem=\"",
            r##"expected label value, got "\"\n" ("INVALID") while parsing: "something_weird{problem=\"\n""##,
        ),
        (
            b"empty_label_name{=\"\"} 0",
            r##"expected label name, got "=\"" ("EQUAL") while parsing: "empty_label_name{=\"""##,
        ),
        (
            b"{A}0",
            r##"expected equal, got "}0" ("BCLOSE") while parsing: "{A}0""##,
        ),
        (
            b"foo 1_2\n",
            r##"unsupported character in float while parsing: "foo 1_2""##,
        ),
        (
            b"foo 0x1p-3\n",
            r##"unsupported character in float while parsing: "foo 0x1p-3""##,
        ),
        (
            b"foo 0 1_2\n",
            r##"expected next entry after timestamp, got "_" ("INVALID") while parsing: "foo 0 1_""##,
        ),
        (
            br#"{a="ok"} 1"#,
            r##"metric name not set while parsing: "{a=\"ok\"} 1""##,
        ),
        (
            b"# TYPE #\n#EOF\n",
            r##"expected metric name after TYPE, got "#" ("INVALID") while parsing: "# TYPE #""##,
        ),
        (
            b"# HELP #\n#EOF\n",
            r##"expected metric name after HELP, got "#" ("INVALID") while parsing: "# HELP #""##,
        ),
        (
            b"a{b=\x00\"ssss\"} 1\n",
            r##"expected label value, got "\x00" ("INVALID") while parsing: "a{b=\x00""##,
        ),
        (
            b"a{b=\"\x00",
            r##"expected label value, got "\"\x00\n" ("INVALID") while parsing: "a{b=\"\x00\n""##,
        ),
        (
            b"a{b\x00=\"hiih\"}\t1",
            r##"expected equal, got "\x00" ("INVALID") while parsing: "a{b\x00""##,
        ),
        (
            b"a\x00{b=\"ddd\"} 1",
            r##"expected value after metric, got "\x00" ("INVALID") while parsing: "a\x00""##,
        ),
        (
            b"a 0 1\x00",
            r##"expected next entry after timestamp, got "\x00" ("INVALID") while parsing: "a 0 1\x00""##,
        ),
        (
            b"# TYPE m summaryx\n",
            r##"invalid metric type "summaryx""##,
        ),
        (
            b"a 1 99999999999999999999\n",
            r##"strconv.ParseInt: parsing "99999999999999999999": value out of range while parsing: "a 1 99999999999999999999""##,
        ),
        (
            b"a 1 -5\n",
            r##"expected timestamp or new record, got "-" ("INVALID") while parsing: "a 1 -""##,
        ),
        (
            b"\"quoted.metric\" 2\n",
            r##"expected a valid start token, got "\"" ("INVALID") while parsing: "\"""##,
        ),
        (
            br#"{"a","b"} 1"#,
            r##"metric name already set while parsing: "{\"a\",\"b\"}""##,
        ),
    ];
    for (input, want) in cases {
        assert_eq!(
            &first_error(input, Format::PrometheusText),
            want,
            "input {:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn text_format_nul_bytes_inside_values_are_accepted() {
    for input in [
        &b"null_byte_metric{a=\"abc\x00\"} 1"[..],
        b"a{b=\"\x00ss\"} 1\n",
        b"a{b=\"\x00\"} 1\n",
    ] {
        let entries = render_all(input, Format::PrometheusText).unwrap();
        assert_eq!(entries.len(), 1, "{input:?}");
    }
}

#[test]
fn openmetrics_errors_are_worded_like_prometheus() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "data does not end with # EOF"),
        (
            b"\n",
            r##"expected a valid start token, got "\n" ("INVALID") while parsing: "\n""##,
        ),
        (
            b"metric",
            r##"expected value after metric, got "metric" ("EOF") while parsing: "metric""##,
        ),
        (b"metric 1", "data does not end with # EOF"),
        (b"metric 1\n", "data does not end with # EOF"),
        (
            b"metric_total 1 # {aa=\"bb\"} 4",
            "data does not end with # EOF",
        ),
        (
            b"a\n#EOF\n",
            r##"expected value after metric, got "\n" ("INVALID") while parsing: "a\n""##,
        ),
        (
            b"\n\n#EOF\n",
            r##"expected a valid start token, got "\n" ("INVALID") while parsing: "\n""##,
        ),
        (
            b" a 1\n#EOF\n",
            r##"expected a valid start token, got " " ("INVALID") while parsing: " ""##,
        ),
        (
            b"9\n#EOF\n",
            r##"expected a valid start token, got "9" ("INVALID") while parsing: "9""##,
        ),
        (
            b"# TYPE u untyped\n#EOF\n",
            r##"invalid metric type "untyped""##,
        ),
        (
            b"# TYPE c counter \n#EOF\n",
            r##"invalid metric type "counter ""##,
        ),
        (
            b"#  TYPE c counter\n#EOF\n",
            r##"expected a valid start token, got "#  " ("INVALID") while parsing: "#  ""##,
        ),
        (
            b"# TYPE \n#EOF\n",
            r##"expected metric name after TYPE, got "\n" ("INVALID") while parsing: "# TYPE \n""##,
        ),
        (b"# TYPE m\n#EOF\n", "expected text in TYPE"),
        (
            b"# UNIT metric suffix\n#EOF\n",
            r##"unit "suffix" not a suffix of metric "metric""##,
        ),
        (
            b"# UNIT metricsuffix suffix\n#EOF\n",
            r##"unit "suffix" not a suffix of metric "metricsuffix""##,
        ),
        (
            b"# UNIT m suffix\n#EOF\n",
            r##"unit "suffix" not a suffix of metric "m""##,
        ),
        (
            b"# UNIT \n#EOF\n",
            r##"expected metric name after UNIT, got "\n" ("INVALID") while parsing: "# UNIT \n""##,
        ),
        (b"# UNIT m\n#EOF\n", "expected text in UNIT"),
        (
            b"# HELP \n#EOF\n",
            r##"expected metric name after HELP, got "\n" ("INVALID") while parsing: "# HELP \n""##,
        ),
        (b"# HELP m\n#EOF\n", "expected text in HELP"),
        (
            b"a\t1\n#EOF\n",
            r##"expected value after metric, got "\t" ("INVALID") while parsing: "a\t""##,
        ),
        (
            b"a 1\t2\n#EOF\n",
            r##"strconv.ParseFloat: parsing "1\t2": invalid syntax while parsing: "a 1\t2""##,
        ),
        (
            b"a 1 2 \n#EOF\n",
            r##"expected next entry after timestamp, got " \n" ("INVALID") while parsing: "a 1 2 \n""##,
        ),
        (
            b"a 1 2 #\n#EOF\n",
            r##"expected next entry after timestamp, got " #\n" ("TIMESTAMP") while parsing: "a 1 2 #\n""##,
        ),
        (
            b"a 1 1z\n#EOF\n",
            r##"strconv.ParseFloat: parsing "1z": invalid syntax while parsing: "a 1 1z""##,
        ),
        (
            b" # EOF\n",
            r##"expected a valid start token, got " " ("INVALID") while parsing: " ""##,
        ),
        (b"# EOF\na 1", "unexpected data after # EOF"),
        (b"# EOF\n\n", "unexpected data after # EOF"),
        (b"# EOFa 1", "unexpected data after # EOF"),
        (
            b"#\tTYPE c counter\n",
            r##"expected a valid start token, got "#\t" ("INVALID") while parsing: "#\t""##,
        ),
        (
            b"# TYPE c  counter\n",
            r##"invalid metric type " counter""##,
        ),
        (
            b"a 1 1 1\n# EOF\n",
            r##"expected next entry after timestamp, got " 1\n" ("TIMESTAMP") while parsing: "a 1 1 1\n""##,
        ),
        (
            b"a{b='c'} 1\n# EOF\n",
            r##"expected label value, got "'" ("INVALID") while parsing: "a{b='""##,
        ),
        (
            b"a{,b=\"c\"} 1\n# EOF\n",
            r##"expected label name, got ",b" ("COMMA") while parsing: "a{,b""##,
        ),
        (
            b"a{b=\"c\"d=\"e\"} 1\n# EOF\n",
            r##"expected comma or brace close, got "d=" ("LNAME") while parsing: "a{b=\"c\"d=""##,
        ),
        (
            b"a{b=\"c\",,d=\"e\"} 1\n# EOF\n",
            r##"expected label name, got ",d" ("COMMA") while parsing: "a{b=\"c\",,d""##,
        ),
        (
            b"a{b=\n# EOF\n",
            r##"expected label value, got "\n" ("INVALID") while parsing: "a{b=\n""##,
        ),
        (
            b"a{\xff=\"foo\"} 1\n# EOF\n",
            r##"expected label name, got "\xff" ("INVALID") while parsing: "a{\xff""##,
        ),
        (
            b"a{b=\"\xff\"} 1\n# EOF\n",
            r##"invalid UTF-8 label value: "\"\xff\"""##,
        ),
        (
            b"{\"a\",\"b = \"c\"}\n# EOF\n",
            r##"expected equal, got "c\"" ("LNAME") while parsing: "{\"a\",\"b = \"c\"""##,
        ),
        (
            b"{\"a\",b\\nc=\"d\"} 1\n# EOF\n",
            r##"expected equal, got "\\" ("INVALID") while parsing: "{\"a\",b\\""##,
        ),
        (
            b"a true\n",
            r##"strconv.ParseFloat: parsing "true": invalid syntax while parsing: "a true""##,
        ),
        (
            b"something_weird{problem=\"\n# EOF\n",
            r##"expected label value, got "\"\n" ("INVALID") while parsing: "something_weird{problem=\"\n""##,
        ),
        (
            b"empty_label_name{=\"\"} 0\n# EOF\n",
            r##"expected label name, got "=\"" ("EQUAL") while parsing: "empty_label_name{=\"""##,
        ),
        (
            b"{A}0\n# EOF\n",
            r##"expected equal, got "}0" ("BCLOSE") while parsing: "{A}0""##,
        ),
        (
            b"foo 1_2\n\n# EOF\n",
            r##"unsupported character in float while parsing: "foo 1_2""##,
        ),
        (
            b"foo 0 1_2\n\n# EOF\n",
            r##"unsupported character in float while parsing: "foo 0 1_2""##,
        ),
        (
            b"custom_metric_total 1 # {aa=bb}\n# EOF\n",
            r##"expected label value, got "b" ("INVALID") while parsing: "custom_metric_total 1 # {aa=b""##,
        ),
        (
            b"custom_metric_total 1 # {aa=\"bb\"}\n# EOF\n",
            r##"expected value after exemplar labels, got "\n" ("INVALID") while parsing: "custom_metric_total 1 # {aa=\"bb\"}\n""##,
        ),
        (
            br#"custom_metric_total 1 # {aa="bb"}"#,
            r##"expected value after exemplar labels, got "}" ("EOF") while parsing: "custom_metric_total 1 # {aa=\"bb\"}""##,
        ),
        (
            br#"custom_metric_total 1 # {bb}"#,
            r##"expected equal, got "}" ("BCLOSE") while parsing: "custom_metric_total 1 # {bb}""##,
        ),
        (
            br#"custom_metric_total 1 # {bb, a="dd"}"#,
            r##"expected equal, got ", " ("COMMA") while parsing: "custom_metric_total 1 # {bb, ""##,
        ),
        (
            br#"custom_metric_total 1 # {aa="bb",,cc="dd"} 1"#,
            r##"expected label name, got ",c" ("COMMA") while parsing: "custom_metric_total 1 # {aa=\"bb\",,c""##,
        ),
        (
            br#"custom_metric_total 1 # {aa="bb"} 1_2"#,
            r##"unsupported character in float while parsing: "custom_metric_total 1 # {aa=\"bb\"} 1_2""##,
        ),
        (
            br#"custom_metric_total 1 # {aa="bb"} true"#,
            r##"strconv.ParseFloat: parsing "true": invalid syntax while parsing: "custom_metric_total 1 # {aa=\"bb\"} true""##,
        ),
        (
            br#"custom_metric_total 1 # {aa="bb",cc=}"#,
            r##"expected label value, got "}" ("INVALID") while parsing: "custom_metric_total 1 # {aa=\"bb\",cc=}""##,
        ),
        (
            b"custom_metric_total 1 # {aa=\\\"\xff\\\"} 9.0",
            r##"expected label value, got "\\" ("INVALID") while parsing: "custom_metric_total 1 # {aa=\\""##,
        ),
        (
            br#"{b="c",} 1"#,
            r##"metric name not set while parsing: "{b=\"c\",} 1""##,
        ),
        (b"a 1 NaN", "invalid timestamp NaN"),
        (b"a 1 -Inf", "invalid timestamp -Inf"),
        (b"a 1 Inf", "invalid timestamp +Inf"),
        (
            b"# TYPE hhh histogram\nhhh_bucket{le=\"+Inf\"} 1 # {aa=\"bb\"} 4 NaN",
            "invalid exemplar timestamp NaN",
        ),
        (
            b"# TYPE hhh histogram\nhhh_bucket{le=\"+Inf\"} 1 # {aa=\"bb\"} 4 -Inf",
            "invalid exemplar timestamp -Inf",
        ),
        (
            b"a{b=\x00\"ssss\"} 1\n# EOF\n",
            r##"expected label value, got "\x00" ("INVALID") while parsing: "a{b=\x00""##,
        ),
        (
            b"a{b=\"\x00",
            r##"expected label value, got "\"\x00" ("INVALID") while parsing: "a{b=\"\x00""##,
        ),
        (
            b"a{b\x00=\"hiih\"}\t1",
            r##"expected equal, got "\x00" ("INVALID") while parsing: "a{b\x00""##,
        ),
        (
            b"a\x00{b=\"ddd\"} 1",
            r##"expected value after metric, got "\x00" ("INVALID") while parsing: "a\x00""##,
        ),
        (
            b"#",
            r##"expected a valid start token, got "#" ("INVALID") while parsing: "#""##,
        ),
        (
            b"# H",
            r##"expected a valid start token, got "# H" ("INVALID") while parsing: "# H""##,
        ),
        (
            b"custom_metric_total 1 # {b=\x00\"ssss\"} 1\n",
            r##"expected label value, got "\x00" ("INVALID") while parsing: "custom_metric_total 1 # {b=\x00""##,
        ),
        (
            b"custom_metric_total 1 # {b=\"\x00ss\"} 1\n",
            r##"expected label value, got "\"\x00" ("INVALID") while parsing: "custom_metric_total 1 # {b=\"\x00""##,
        ),
    ];
    for (input, want) in cases {
        assert_eq!(
            &first_error(input, Format::OpenMetrics),
            want,
            "input {:?}",
            String::from_utf8_lossy(input)
        );
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

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn drain(body: &[u8], format: Format) {
        for e in ExpositionParser::new(body, format) {
            match e {
                Ok(Entry::Series(s)) => {
                    let _ = s.labels();
                    let _ = s.metric_name();
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            drain(&body, Format::PrometheusText);
            drain(&body, Format::OpenMetrics);
        }

        #[test]
        fn exposition_like_text_never_panics(body in "[a-z_{}=\",# \\\\\n.0-9eE+\\-\t\x00]{0,120}") {
            drain(body.as_bytes(), Format::PrometheusText);
            drain(body.as_bytes(), Format::OpenMetrics);
        }

        #[test]
        fn well_formed_series_round_trip(
            name in "[a-zA-Z_:][a-zA-Z0-9_:]{0,12}",
            pairs in proptest::collection::btree_map("[a-zA-Z_][a-zA-Z0-9_]{0,8}", "[ -~]{1,10}", 0..4),
            value in -1e9f64..1e9,
            ts in proptest::option::of(0i64..4_000_000_000_000),
        ) {
            prop_assume!(!pairs.contains_key("__name__"));
            let mut line = name.clone();
            if !pairs.is_empty() {
                line.push('{');
                let parts: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", quote_value(v))).collect();
                line.push_str(&parts.join(","));
                line.push('}');
            }
            line.push_str(&format!(" {value}"));
            if let Some(ts) = ts { line.push_str(&format!(" {ts}")); }
            line.push('\n');
            let mut p = ExpositionParser::new(line.as_bytes(), Format::PrometheusText);
            let Some(Ok(Entry::Series(s))) = p.next() else { panic!("{line}") };
            let mut want: Vec<(String, String)> = pairs.into_iter().collect();
            want.push(("__name__".into(), name));
            prop_assert_eq!(s.labels().unwrap(), Labels::from_pairs(want));
            prop_assert_eq!(s.value(), value);
            prop_assert_eq!(s.timestamp_ms(), ts);
        }
    }

    fn quote_value(v: &str) -> String {
        let mut out = String::from("\"");
        for c in v.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
}
