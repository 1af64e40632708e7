//! Error wording tables: the messages Prometheus gives for the same malformed inputs.

use super::*;

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
