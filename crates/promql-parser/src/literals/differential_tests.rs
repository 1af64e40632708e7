//! Differential tests: the literal conversions must agree byte for byte (values, error
//! texts) with the previous implementation frozen in `reference_impl`, on hand-picked edge
//! cases and on generated strings biased toward each literal grammar.

use proptest::prelude::*;

use super::reference_impl as previous;

/// Cases per property; `PROPTEST_CASES` raises it for a long local run.
fn proptest_config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(2048);
    ProptestConfig::with_cases(cases)
}

/// Floats are equal when their bits are (so `-0.0` differs from `0.0`), or both are NaN.
fn same_float(left: f64, right: f64) -> bool {
    left.to_bits() == right.to_bits() || (left.is_nan() && right.is_nan())
}

fn assert_number_literal_agrees(text: &str) {
    let now = super::parse_number_literal(text);
    let before = previous::parse_number_literal(text);
    let agree = match (&now, &before) {
        (Ok(now), Ok(before)) => same_float(*now, *before),
        (Err(now), Err(before)) => now == before,
        _ => false,
    };
    assert!(
        agree,
        "parse_number_literal({text:?}): now {now:?}, before {before:?}"
    );
}

fn assert_number_agrees(text: &str) {
    let now = super::parse_number(text);
    let before = previous::parse_number(text);
    let agree = match (now, before) {
        (Some(now), Some(before)) => same_float(now, before),
        (None, None) => true,
        _ => false,
    };
    assert!(
        agree,
        "parse_number({text:?}): now {now:?}, before {before:?}"
    );
}

fn assert_duration_agrees(text: &str) {
    assert_eq!(
        super::parse_duration_nanos(text),
        previous::parse_duration_nanos(text),
        "parse_duration_nanos({text:?})"
    );
}

fn assert_quoted_agrees(text: &str) {
    assert_eq!(
        super::unquote_bytes(text),
        previous::unquote_bytes(text),
        "unquote_bytes({text:?})"
    );
    assert_eq!(
        super::unquote(text),
        previous::unquote(text),
        "unquote({text:?})"
    );
}

/// Joins 0..max pieces drawn from `pieces` into one string.
fn joined(pieces: &'static [&'static str], max: usize) -> BoxedStrategy<String> {
    prop::collection::vec(prop::sample::select(pieces), 0..max)
        .prop_map(|parts| parts.concat())
        .boxed()
}

const NUMBER_PIECES: &[&str] = &[
    "0",
    "1",
    "2",
    "7",
    "8",
    "9",
    "00",
    "01",
    "0x",
    "0X",
    "0o",
    "0O",
    "0b",
    "0B",
    "_",
    "__",
    "x",
    "o",
    "b",
    "e",
    "E",
    "p",
    "P",
    "+",
    "-",
    ".",
    "a",
    "f",
    "F",
    "g",
    "inf",
    "Inf",
    "INFINITY",
    "nan",
    "NaN",
    " ",
    "\t",
    "é",
    "\u{212A}",
    "\u{130}",
    "\u{FFFD}",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "1e308",
    "1e309",
    "4e-324",
    "2e-400",
    "ffffffffffffffff",
    "7fffffffffffffff",
    "777777777777777777777",
];

const DURATION_PIECES: &[&str] = &[
    "0",
    "1",
    "5",
    "9",
    "00",
    "30",
    "300",
    "106751",
    "292",
    "99999999999999999999",
    "18446744073709551615",
    "9223372036",
    "y",
    "w",
    "d",
    "h",
    "m",
    "s",
    "ms",
    "x",
    "hs",
    "mm",
    "sm",
    "µs",
    "é",
    "-",
    "+",
    " ",
    ".",
    "_",
];

const QUOTED_PIECES: &[&str] = &[
    "\"",
    "'",
    "`",
    "\\",
    "\\\\",
    "\\\"",
    "\\'",
    "\\`",
    "\\n",
    "\\a",
    "\\b",
    "\\f",
    "\\r",
    "\\t",
    "\\v",
    "\\q",
    "\\x",
    "\\u",
    "\\U",
    "\\0",
    "\\3",
    "\\4",
    "\\7",
    "\\8",
    "0",
    "7",
    "8",
    "a",
    "f",
    "F",
    "g",
    "ff",
    "c3",
    "a9",
    "00e9",
    "D800",
    "dfff",
    "0010ffff",
    "00110000",
    "\n",
    "\r",
    "é",
    "\u{FFFD}",
    "\u{10FFFF}",
    "\u{2028}",
    " ",
];

/// A quoted-literal candidate: random pieces, often wrapped in a matching quote pair.
fn quoted_candidate() -> BoxedStrategy<String> {
    let quote = prop::sample::select(&["\"", "'", "`", ""][..]);
    (quote, joined(QUOTED_PIECES, 10))
        .prop_map(|(quote, body)| format!("{quote}{body}{quote}"))
        .boxed()
}

#[test]
fn number_literals_agree_on_edge_cases() {
    let cases = [
        "",
        "0",
        "00",
        "08",
        "0_7",
        "0_",
        "_0",
        "0x",
        "0x_",
        "0x_1",
        "0x1_",
        "0X1F",
        "0xg",
        "0o17",
        "0O_7",
        "0o8",
        "0b101",
        "0b2",
        "0B_1",
        "1_000",
        "1__0",
        "1_",
        "_1",
        "1_.5",
        "1._5",
        "1e_5",
        "1_0e1_0",
        ".",
        ".5",
        "5.",
        "1.e5",
        ".e5",
        "e5",
        "1e",
        "1e+",
        "1e+5",
        "+1",
        "-1",
        "+.5",
        "++1",
        "inf",
        "Inf",
        "+inf",
        "infinity",
        "Infinity",
        "infinit",
        "nan",
        "NaN",
        "1e309",
        "1e308",
        "4e-324",
        "1e-400",
        "0x1p3",
        "0x1.8",
        "1.2.3",
        "9223372036854775807",
        "9223372036854775808",
        "0x7fffffffffffffff",
        "0x8000000000000000",
        "0777777777777777777777",
        "0777777777777777777777.5",
        " 1",
        "1 ",
        "é",
        "0é",
        "\u{212A}",
    ];
    for text in cases {
        assert_number_literal_agrees(text);
        assert_number_agrees(text);
        assert_number_agrees(&format!("-{text}"));
        assert_number_agrees(&format!(" +{text}\n"));
    }
}

#[test]
fn durations_agree_on_edge_cases() {
    let cases = [
        "",
        "0",
        "00",
        "0s",
        "1",
        "h",
        "1h",
        "1h30m",
        "1m1h",
        "1h1h",
        "1hs",
        "1h5",
        "5x",
        "1y2w3d4h5m6s7ms",
        "500ms",
        "1ms1s",
        "292y",
        "293y",
        "300y",
        "300y1x",
        "300y5",
        "106751d",
        "106752d",
        "99999999999999999999s",
        "99999999999999999999x",
        "18446744073709551615ms",
        "9223372036854ms",
        "9223372036855ms",
        "1µs",
        "1s ",
        " 1s",
        "-1s",
        "1.5h",
        "1h2x3m",
    ];
    for text in cases {
        assert_duration_agrees(text);
    }
}

#[test]
fn quoted_strings_agree_on_edge_cases() {
    let cases = [
        "",
        "\"",
        "'",
        "`",
        "\"\"",
        "''",
        "``",
        "\"a\"",
        "'a'",
        "`a`",
        "\"a'",
        "`a``",
        "`a`b`",
        "`a\nb`",
        "\"a\nb\"",
        "\"a\\\"",
        "\"\\\"\"",
        "\"\\'\"",
        "'\\''",
        "'\\\"'",
        "\"\\q\"",
        "\"\\x41\"",
        "\"\\x4\"",
        "\"\\xg1\"",
        "\"\\101\"",
        "\"\\400\"",
        "\"\\377\"",
        "\"\\18\"",
        "\"\\u00e9\"",
        "\"\\ud800\"",
        "\"\\U0010ffff\"",
        "\"\\U00110000\"",
        "\"\\xc3\\xa9\"",
        "\"\\xff\"",
        "\"é\"",
        "éé",
        "\"é",
        "aéa",
        "\"a\"b\"",
        "x\"a\"x",
    ];
    for text in cases {
        assert_quoted_agrees(text);
    }
}

#[test]
fn formatted_durations_agree() {
    for ms in [
        0,
        1,
        500,
        90_000,
        3_600_000,
        86_400_000,
        14 * 86_400_000,
        365 * 86_400_000,
        -60_000,
        i64::MAX,
        i64::MIN,
    ] {
        assert_eq!(
            super::format_duration(ms),
            previous::format_duration(ms),
            "{ms}"
        );
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn number_literals_agree(text in joined(NUMBER_PIECES, 8)) {
        assert_number_literal_agrees(&text);
        assert_number_agrees(&text);
    }

    #[test]
    fn number_literals_agree_on_any_text(text in any::<String>()) {
        assert_number_literal_agrees(&text);
        assert_number_agrees(&text);
    }

    #[test]
    fn durations_agree(text in joined(DURATION_PIECES, 8)) {
        assert_duration_agrees(&text);
    }

    #[test]
    fn durations_agree_on_any_text(text in any::<String>()) {
        assert_duration_agrees(&text);
    }

    #[test]
    fn quoted_strings_agree(text in quoted_candidate()) {
        assert_quoted_agrees(&text);
    }

    #[test]
    fn quoted_strings_agree_on_any_text(text in any::<String>()) {
        assert_quoted_agrees(&text);
    }

    #[test]
    fn formatted_durations_agree_on_any_millis(ms in any::<i64>()) {
        prop_assert_eq!(super::format_duration(ms), previous::format_duration(ms));
    }
}
