//! Property tests: random bytes never panic, well-formed series round-trip.

use super::super::*;
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
