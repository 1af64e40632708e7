//! Conversions of literal token text with Prometheus's (that is, Go's) rules, written as
//! nom parsers: numbers (`strconv.ParseInt(s, 0, 64)` then `ParseFloat`), durations
//! (`model.ParseDuration`) and quoted strings (`strutil.Unquote`).
//!
//! The literal grammars are self-contained languages, so they are nom combinator parsers
//! over the whole token text. The lexer that finds the token boundaries is different: it
//! follows Prometheus's hand-written state machine (see `crate::lexer`), because token
//! boundaries, error texts and error positions must match Prometheus's exactly.

mod duration;
mod number;
mod quoted;

pub use duration::format_duration;
pub(crate) use duration::parse_duration_nanos;
pub use number::parse_number;
pub(crate) use number::parse_number_literal;
pub(crate) use quoted::{unquote, unquote_bytes};

#[cfg(test)]
mod differential_tests;
#[cfg(test)]
mod reference_impl;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_go() {
        assert_eq!(parse_number_literal("0x1f"), Ok(31.0));
        assert_eq!(parse_number_literal("010"), Ok(8.0));
        assert_eq!(parse_number_literal("08"), Ok(8.0));
        assert_eq!(parse_number_literal("1_000"), Ok(1000.0));
        assert_eq!(parse_number_literal("1e3"), Ok(1000.0));
        assert_eq!(parse_number_literal(".5"), Ok(0.5));
        assert_eq!(parse_number_literal("5."), Ok(5.0));
        assert!(parse_number_literal("NaN").unwrap().is_nan());
        assert_eq!(parse_number_literal("inf"), Ok(f64::INFINITY));
        assert_eq!(
            parse_number_literal("1e400"),
            Err("strconv.ParseFloat: parsing \"1e400\": value out of range".into())
        );
        assert_eq!(
            parse_number_literal("0xffffffffffffffff"),
            Err("strconv.ParseFloat: parsing \"0xffffffffffffffff\": invalid syntax".into())
        );
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        assert_eq!(parse_number("abc"), None);
    }

    #[test]
    fn durations_follow_prometheus() {
        assert_eq!(parse_duration_nanos("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration_nanos("500ms"), Ok(500_000_000));
        assert_eq!(parse_duration_nanos("0"), Ok(0));
        assert_eq!(
            parse_duration_nanos("1m1h"),
            Err("not a valid duration string: \"1m1h\"".into())
        );
        assert_eq!(
            parse_duration_nanos("1hs"),
            Err("unknown unit \"hs\" in duration \"1hs\"".into())
        );
        assert_eq!(
            parse_duration_nanos("300y"),
            Err("duration out of range".into())
        );
        assert_eq!(format_duration(90_000), "1m30s");
        assert_eq!(format_duration(500), "500ms");
        assert_eq!(format_duration(90 * 86_400_000), "90d");
        assert_eq!(format_duration(14 * 86_400_000), "2w");
        assert_eq!(format_duration(-60_000), "-1m");
        assert_eq!(format_duration(0), "0s");
    }

    #[test]
    fn unquotes_like_go() {
        assert_eq!(unquote(r#""a\n\"b""#), Ok("a\n\"b".into()));
        assert_eq!(unquote(r"'it\'s'"), Ok("it's".into()));
        assert_eq!(unquote(r"`raw\n`"), Ok("raw\\n".into()));
        assert_eq!(unquote(r#""\u00e9\x41\101""#), Ok("éAA".into()));
        assert_eq!(unquote(r#""\xc3\xa9""#), Ok("é".into()));
        assert!(unquote(r#""\q""#).is_err());
    }
}
