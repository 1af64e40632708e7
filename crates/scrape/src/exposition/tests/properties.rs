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

/// Every entry (and the first error) of a text body, each parsed with the hint
/// `hint(k, series_seen_so_far)`.
fn entries_with_hints<'a>(
    body: &'a [u8],
    mut hint: impl FnMut(usize, usize) -> Option<Vec<u8>>,
) -> Vec<Result<Entry<'a>, ParseError>> {
    let mut p = TextParser::new(body);
    let mut out = Vec::new();
    let mut series = 0;
    for k in 0.. {
        let h = hint(k, series);
        match p.next_entry_expecting(h.as_deref()) {
            Ok(Some(e)) => {
                series += usize::from(matches!(e, Entry::Series(_)));
                out.push(Ok(e));
            }
            Ok(None) => break,
            Err(e) => {
                out.push(Err(e));
                break;
            }
        }
    }
    out
}

/// A series text like the one expected, but changed in one of a few tricky ways.
fn mutate_hint(raw: &[u8], how: u8) -> Vec<u8> {
    let mut v = raw.to_vec();
    match how % 6 {
        0 => v.push(b'x'),
        1 => {
            v.pop();
        }
        2 => v.extend_from_slice(b"{a=\"b\"}"),
        3 => v.truncate(v.iter().position(|&c| c == b'{').unwrap_or(v.len())),
        4 => v.insert(0, b' '),
        _ => {}
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// The scrape cache's hint only saves work: with any hints, right or wrong, the
    /// text parser yields exactly the entries and the error it yields without.
    #[test]
    fn hinted_text_parse_matches_plain_parse(
        lines in proptest::collection::vec(prop_oneof![
            "[a-c_:][a-c1_:]{0,2}[ \t]?(\\{([a-c]{1,2}=\"[a-c\\\\\"\n\x00]{0,3}\"(,[ab]=\"x\")?,?|\"[a.]{1,2}\",?)?\\})?[ \t]{0,2}[0-9.eE+-]{0,4}([ \t][0-9]{0,3})?[ \t]?",
            "# (TYPE|HELP) [a-c]{1,3} [a-z]{0,6}",
            "[a-c_{}=\",# \\\\.0-9\t\x00]{0,20}",
        ], 0..8),
        trailing_newline in any::<bool>(),
        picks in proptest::collection::vec((any::<u8>(), any::<u8>()), 8),
    ) {
        let mut body = lines.join("\n");
        if trailing_newline {
            body.push('\n');
        }
        let body = body.as_bytes();
        let plain = entries_with_hints(body, |_, _| None);
        let raws: Vec<Vec<u8>> = plain
            .iter()
            .filter_map(|e| match e {
                Ok(Entry::Series(s)) => Some(s.raw().to_vec()),
                _ => None,
            })
            .collect();
        let hinted = entries_with_hints(body, |k, seen| {
            let (kind, n) = picks.get(k).copied().unwrap_or((1, 0));
            let pick = |i: usize| raws.get(i).cloned();
            match kind % 4 {
                0 => None,
                1 => pick(seen),
                2 => pick(n as usize % raws.len().max(1)),
                _ => pick(seen).map(|r| mutate_hint(&r, n)),
            }
        });
        prop_assert_eq!(plain, hinted);
    }
}
