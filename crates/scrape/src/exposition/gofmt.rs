//! Go-compatible number parsing and formatting for exposition text: `strconv.ParseFloat`
//! acceptance rules and error wording, `%q` quoting of raw bytes, and OpenMetrics float
//! formatting of `le`/`quantile` label values.

use std::borrow::Cow;

use nom::branch::alt;
use nom::bytes::complete::tag_no_case;
use nom::character::complete::one_of;
use nom::combinator::{all_consuming, opt, recognize};
use nom::sequence::pair;
use nom::IResult;

/// The NaN bit pattern Prometheus stores for every NaN it parses (`value.NormalNaN`), so
/// that it never collides with the staleness marker.
pub const NORMAL_NAN_BITS: u64 = 0x7ff8_0000_0000_0001;

/// Quotes raw bytes like Go's `%q` on a byte slice: valid UTF-8 is quoted as
/// `strconv.Quote` does, invalid bytes become `\xNN`.
pub fn go_quote_bytes(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len() + 2);
    out.push('"');
    for chunk in b.utf8_chunks() {
        let valid = chunk.valid();
        if !valid.is_empty() {
            let q = promlite_model::go_quote(valid);
            // `go_quote` adds the surrounding quotes; keep only the escaped body.
            out.push_str(q.get(1..q.len().saturating_sub(1)).unwrap_or(""));
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out.push('"');
    out
}

/// Go's special values: `[+-]?(inf|infinity)` and unsigned `nan`, case-insensitive.
fn go_special(input: &[u8]) -> IResult<&[u8], &[u8]> {
    alt((
        recognize(pair(
            opt(one_of("+-")),
            alt((tag_no_case("infinity"), tag_no_case("inf"))),
        )),
        tag_no_case("nan"),
    ))(input)
}

/// Parses a float like Prometheus's `parseFloat`: Go syntax, no `p`/`P`/`_`, overflow
/// is an error. The error text is Go's (`strconv.ParseFloat: parsing "x": invalid syntax`).
pub fn parse_go_float(s: &[u8]) -> Result<f64, String> {
    if let Some(v) = fast_integer(s) {
        return Ok(v);
    }
    if s.iter().any(|&c| c == b'p' || c == b'P' || c == b'_') {
        return Err("unsupported character in float".to_string());
    }
    // Rust's float syntax is Go's minus signed NaNs (and the hex and underscore forms
    // rejected above), so the standard parser does the work and the grammar below only
    // decides the special cases.
    let parsed = std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse::<f64>().ok());
    let v = match parsed {
        Some(v) if !(v.is_nan() && matches!(s.first(), Some(b'+' | b'-'))) => v,
        _ => {
            return Err(format!(
                "strconv.ParseFloat: parsing {}: invalid syntax",
                go_quote_bytes(s)
            ))
        }
    };
    if v.is_infinite() && all_consuming(go_special)(s).is_err() {
        return Err(format!(
            "strconv.ParseFloat: parsing {}: value out of range",
            go_quote_bytes(s)
        ));
    }
    if v.is_nan() {
        return Ok(f64::from_bits(NORMAL_NAN_BITS));
    }
    Ok(v)
}

/// Exact powers of ten (all representable in an f64).
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Plain decimals with at most 15 significant digits (`123`, `-0.25`, `1000.5`): the
/// digits are an exact integer and one correctly rounded division by an exact power of
/// ten gives the correctly rounded value (Clinger's fast path). Covers most exposed
/// values; anything else goes to the full parser.
#[inline]
fn fast_integer(s: &[u8]) -> Option<f64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, s.get(1..)?),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut v: u64 = 0;
    let mut n_digits = 0usize;
    let mut frac_digits: Option<usize> = None;
    for &c in digits {
        if c.is_ascii_digit() {
            v = v * 10 + u64::from(c - b'0');
            n_digits += 1;
            if let Some(f) = frac_digits.as_mut() {
                *f += 1;
            }
        } else if c == b'.' && frac_digits.is_none() {
            frac_digits = Some(0);
        } else {
            return None;
        }
    }
    if n_digits == 0 || n_digits > 15 {
        return None;
    }
    let f = v as f64 / POW10.get(frac_digits.unwrap_or(0)).copied()?;
    Some(if neg { -f } else { f })
}

/// Parses a decimal `int64` like Go's `strconv.ParseInt(s, 10, 64)` for a digits-only token.
pub fn parse_go_int(s: &[u8]) -> Result<i64, String> {
    let mut v: i64 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return Err(format!(
                "strconv.ParseInt: parsing {}: invalid syntax",
                go_quote_bytes(s)
            ));
        }
        v = match v
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(c - b'0')))
        {
            Some(v) => v,
            None => {
                return Err(format!(
                    "strconv.ParseInt: parsing {}: value out of range",
                    go_quote_bytes(s)
                ))
            }
        };
    }
    if s.is_empty() {
        return Err("strconv.ParseInt: parsing \"\": invalid syntax".to_string());
    }
    Ok(v)
}

/// Go's `%f` for the non-finite values Prometheus reports in timestamp errors.
pub fn go_percent_f(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v == f64::INFINITY {
        "+Inf".to_string()
    } else if v == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        format!("{v:.6}")
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`: shortest round-trip digits, exponent form
/// when the decimal exponent is below -4 or at least 6 (Go decides with precision 6 when
/// asked for the shortest form).
pub fn format_go_float_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // Rust's `{:e}` gives the same shortest round-trip digits as Go.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let nd = digits.len() as i32;
    let mut out = String::with_capacity(24);
    if f < 0.0 {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        out.push_str(digits.get(..1).unwrap_or("0"));
        if nd > 1 {
            out.push('.');
            out.push_str(digits.get(1..).unwrap_or(""));
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
        return out;
    }
    let dp = exp + 1; // digits before the decimal point
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.push_str(&digits);
    } else if dp >= nd {
        out.push_str(&digits);
        for _ in 0..(dp - nd) {
            out.push('0');
        }
    } else {
        let (int_part, frac) = digits.split_at(dp as usize);
        out.push_str(int_part);
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// Prometheus's `FormatOpenMetricsFloat`: Go's `%g` with `.0` added to integers.
pub fn format_openmetrics_float(f: f64) -> String {
    if f == 1.0 {
        return "1.0".to_string();
    }
    if f == 0.0 {
        return "0.0".to_string();
    }
    if f == -1.0 {
        return "-1.0".to_string();
    }
    let mut s = format_go_float_g(f);
    if f.is_finite() && !s.contains(['e', '.']) {
        s.push_str(".0");
    }
    s
}

/// Normalises `le` (histograms) and `quantile` (summaries) label values the way
/// Prometheus 3 does, so `le="1"` and `le="1.0"` name the same series.
pub fn normalize_label_value<'v>(
    metric_type: promlite_model::MetricType,
    name: &str,
    value: Cow<'v, str>,
) -> Cow<'v, str> {
    use promlite_model::MetricType;
    let applies = (metric_type == MetricType::Summary && name == "quantile")
        || (metric_type == MetricType::Histogram && name == "le");
    if !applies {
        return value;
    }
    // Go's ParseFloat (not the exposition one): hex and underscores would parse in Go,
    // but such label values are vanishingly rare; decimal and special forms are covered.
    match parse_go_float(value.as_bytes()) {
        Ok(f) => {
            let formatted = format_openmetrics_float(f);
            if formatted == value.as_ref() {
                value
            } else {
                Cow::Owned(formatted)
            }
        }
        Err(_) => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nom::bytes::complete::{take_while, take_while1};
    use nom::sequence::{preceded, tuple};

    fn is_digit(c: u8) -> bool {
        c.is_ascii_digit()
    }

    /// Recognises the decimal float syntax Go's `strconv.ParseFloat` accepts (without
    /// underscores and hex forms, which the exposition parsers reject beforehand). Used by
    /// tests to check that the fast path accepts exactly this language.
    fn go_decimal(input: &[u8]) -> IResult<&[u8], &[u8]> {
        recognize(tuple((
            opt(one_of("+-")),
            alt((
                recognize(pair(
                    take_while1(is_digit),
                    opt(pair(nom::bytes::complete::tag("."), take_while(is_digit))),
                )),
                recognize(pair(nom::bytes::complete::tag("."), take_while1(is_digit))),
            )),
            opt(preceded(
                one_of("eE"),
                pair(opt(one_of("+-")), take_while1(is_digit)),
            )),
        )))(input)
    }

    #[test]
    fn floats_follow_go_acceptance() {
        assert_eq!(parse_go_float(b"1").unwrap(), 1.0);
        assert_eq!(parse_go_float(b"-1.5e3").unwrap(), -1500.0);
        assert_eq!(parse_go_float(b".5").unwrap(), 0.5);
        assert_eq!(parse_go_float(b"1.").unwrap(), 1.0);
        assert_eq!(parse_go_float(b"+Inf").unwrap(), f64::INFINITY);
        assert_eq!(parse_go_float(b"-inf").unwrap(), f64::NEG_INFINITY);
        assert_eq!(parse_go_float(b"Infinity").unwrap(), f64::INFINITY);
        assert_eq!(
            parse_go_float(b"NaN").unwrap().to_bits(),
            NORMAL_NAN_BITS,
            "NaN is normalised"
        );
        assert_eq!(
            parse_go_float(b"true").unwrap_err(),
            r#"strconv.ParseFloat: parsing "true": invalid syntax"#
        );
        assert_eq!(
            parse_go_float(b"+NaN").unwrap_err(),
            r#"strconv.ParseFloat: parsing "+NaN": invalid syntax"#
        );
        assert_eq!(
            parse_go_float(b"1e999").unwrap_err(),
            r#"strconv.ParseFloat: parsing "1e999": value out of range"#
        );
        assert_eq!(
            parse_go_float(b"0x1p-3").unwrap_err(),
            "unsupported character in float"
        );
        assert!(parse_go_float(b"infin").is_err());
        assert!(parse_go_float(b"").is_err());
        assert!(parse_go_float(b"1e").is_err());
        assert_eq!(parse_go_float(b"1e-400").unwrap(), 0.0);
        for text in [
            "0.1",
            "1000.5",
            "-0.000123",
            "123456789012.345",
            "9.999999999999999",
            "5.",
        ] {
            assert_eq!(
                parse_go_float(text.as_bytes()).unwrap(),
                text.parse::<f64>().unwrap(),
                "{text}"
            );
        }
    }

    #[test]
    fn fast_path_accepts_exactly_go_syntax() {
        for s in [
            "1",
            "1.",
            ".5",
            "+.5",
            "-1e5",
            "1E+5",
            "1e-5",
            "inf",
            "+Infinity",
            "NaN",
            "nan",
            "-nan",
            "+nan",
            "1e",
            "e5",
            ".",
            "",
            "1.2.3",
            "--1",
            "1 ",
            " 1",
            "0x10",
            "infi",
            "in",
            "1e5.5",
            "+-1",
            "١",
        ] {
            let go_ok = all_consuming(go_decimal)(s.as_bytes()).is_ok()
                || all_consuming(go_special)(s.as_bytes()).is_ok();
            assert_eq!(parse_go_float(s.as_bytes()).is_ok(), go_ok, "{s:?}");
        }
    }

    #[test]
    fn ints_follow_go() {
        assert_eq!(parse_go_int(b"123").unwrap(), 123);
        assert_eq!(
            parse_go_int(b"99999999999999999999").unwrap_err(),
            r#"strconv.ParseInt: parsing "99999999999999999999": value out of range"#
        );
    }

    #[test]
    fn g_format_matches_go() {
        for (f, want) in [
            (1000000.0, "1e+06"),
            (123456.0, "123456"),
            (123456789.0, "1.23456789e+08"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (2.5, "2.5"),
            (-0.25, "-0.25"),
            (1e21, "1e+21"),
            (1.5e-300, "1.5e-300"),
        ] {
            assert_eq!(format_go_float_g(f), want, "{f}");
        }
        assert_eq!(format_openmetrics_float(1.0), "1.0");
        assert_eq!(format_openmetrics_float(5.0), "5.0");
        assert_eq!(format_openmetrics_float(0.5), "0.5");
        assert_eq!(format_openmetrics_float(1e6), "1e+06");
        assert_eq!(format_openmetrics_float(f64::INFINITY), "+Inf");
    }

    #[test]
    fn quotes_invalid_bytes() {
        assert_eq!(go_quote_bytes(b"a\xffb\n"), r#""a\xffb\n""#);
        assert_eq!(go_quote_bytes(b"\"x\""), r#""\"x\"""#);
    }
}
