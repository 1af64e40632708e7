//! Float formatting exactly like Go's `strconv.FormatFloat` with precision -1, in the
//! three flavours Prometheus's outputs use: `'f'`/`'e'` for API sample values, `'g'` for
//! the text exposition format, and `encoding/json`'s rule for plain JSON numbers.
//!
//! Rust's `{}` and `{:e}` already produce the shortest digits that round-trip (as Go
//! does); only the layout differs (`1e-7` vs Go's `1e-07`, `inf` vs `+Inf`), so every
//! function here starts from Rust's shortest scientific form and lays the digits out
//! the way Go would.

use std::fmt::Write as _;

/// The shortest round-trip decimal digits of a finite, non-zero `|v|` and its decimal
/// exponent: `v = 0.d1d2d3... * 10^(exp + 1)`, i.e. `d1.d2d3... * 10^exp`.
struct ShortestDigits {
    digits: String,
    exp: i32,
}

fn shortest_digits(v: f64) -> ShortestDigits {
    let mut s = String::with_capacity(32);
    // `{:e}` prints the shortest representation that round-trips: `1.2345e-7`.
    let _ = write!(s, "{:e}", v.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    ShortestDigits {
        digits,
        exp: exp.parse().unwrap_or(0),
    }
}

/// Appends Go's `%e` layout: `d.ddde±XX` (at least two exponent digits).
fn push_exponent_form(out: &mut String, negative: bool, d: &ShortestDigits) {
    if negative {
        out.push('-');
    }
    let mut chars = d.digits.chars();
    if let Some(first) = chars.next() {
        out.push(first);
    }
    let rest = chars.as_str();
    if !rest.is_empty() {
        out.push('.');
        out.push_str(rest);
    }
    out.push('e');
    out.push(if d.exp < 0 { '-' } else { '+' });
    let e = d.exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    let _ = write!(out, "{e}");
}

/// Appends the special values the way Go spells them; returns false for finite values.
fn push_non_finite(out: &mut String, v: f64) -> bool {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v == f64::INFINITY {
        out.push_str("+Inf");
    } else if v == f64::NEG_INFINITY {
        out.push_str("-Inf");
    } else {
        return false;
    }
    true
}

/// Prometheus's API sample value (`jsonutil.MarshalFloat`, without the quotes): `'e'`
/// format when `|v| < 1e-6` or `|v| >= 1e21`, else `'f'`; `+Inf`, `-Inf`, `NaN`.
pub fn push_sample_value(out: &mut String, v: f64) {
    if push_non_finite(out, v) {
        return;
    }
    let abs = v.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        push_exponent_form(out, v.is_sign_negative(), &shortest_digits(v));
    } else {
        // Rust's Display is the shortest round-trip digits in fixed notation, which is
        // Go's 'f' with precision -1 (including "-0" for negative zero).
        let _ = write!(out, "{v}");
    }
}

/// [`push_sample_value`] into a new string.
pub fn format_sample_value(v: f64) -> String {
    let mut s = String::with_capacity(24);
    push_sample_value(&mut s, v);
    s
}

/// Go's `strconv.FormatFloat(v, 'g', -1, 64)`, used by the text exposition format.
/// With the shortest precision Go decides on precision 6: exponent form when the
/// decimal exponent is below -4 or at least 6 (`1e+06`, `1.234567e+06`, `1e-05`).
pub fn format_go_g(v: f64) -> String {
    let mut out = String::with_capacity(24);
    if push_non_finite(&mut out, v) {
        return out;
    }
    if v == 0.0 {
        out.push_str(if v.is_sign_negative() { "-0" } else { "0" });
        return out;
    }
    let d = shortest_digits(v);
    if d.exp < -4 || d.exp >= 6 {
        push_exponent_form(&mut out, v.is_sign_negative(), &d);
    } else {
        let _ = write!(out, "{v}");
    }
    out
}

/// Go's `strconv.FormatFloat(v, 'e', -1, 64)`: `1e+00`, `1.2345e+03`, `0e+00`.
pub fn format_go_e(v: f64) -> String {
    let mut out = String::with_capacity(24);
    if push_non_finite(&mut out, v) {
        return out;
    }
    push_exponent_form(&mut out, v.is_sign_negative(), &shortest_digits(v));
    out
}

/// Go's `encoding/json` rule for float64 fields: `'f'` unless `|v| < 1e-6` or
/// `|v| >= 1e21`, then `'e'` with a one-digit negative exponent kept short (`1e-7`).
/// Non-finite values cannot be JSON numbers; they are written as `0`, never panicking.
pub fn format_json_number(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let abs = v.abs();
    let mut out = String::with_capacity(24);
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        push_exponent_form(&mut out, v.is_sign_negative(), &shortest_digits(v));
        // encoding/json turns "e-07" into "e-7" (but keeps "e+21").
        let n = out.len();
        if n >= 4 && out.as_bytes()[n - 4] == b'e' && &out[n - 3..n - 1] == "-0" {
            let last = out.as_bytes()[n - 1] as char;
            out.truncate(n - 2);
            out.push(last);
        }
    } else {
        let _ = write!(out, "{v}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_values_match_go_marshal_float() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (0.0, "0"),
            (-0.0, "-0"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (0.1, "0.1"),
            (1e-6, "0.000001"),
            (1e-7, "1e-07"),
            (1.234e-7, "1.234e-07"),
            (-3.5e-10, "-3.5e-10"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e22, "1.5e+22"),
            (1e100, "1e+100"),
            (5e-324, "5e-324"),
            (1767214800.5, "1767214800.5"),
            (0.30000000000000004, "0.30000000000000004"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
        ];
        for (v, want) in cases {
            assert_eq!(format_sample_value(*v), *want, "value {v:e}");
        }
    }

    #[test]
    fn g_format_matches_go() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (0.0, "0"),
            (100000.0, "100000"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (123456.7, "123456.7"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (-42.5, "-42.5"),
            (1767214800.0, "1.7672148e+09"),
            (f64::INFINITY, "+Inf"),
            (f64::NAN, "NaN"),
        ];
        for (v, want) in cases {
            assert_eq!(format_go_g(*v), *want, "value {v:e}");
        }
    }

    #[test]
    fn json_numbers_match_encoding_json() {
        let cases: &[(f64, &str)] = &[
            (15.0, "15"),
            (0.001234, "0.001234"),
            (1e-7, "1e-7"),
            (1.5e-12, "1.5e-12"),
            (1e21, "1e+21"),
            (-0.5, "-0.5"),
        ];
        for (v, want) in cases {
            assert_eq!(format_json_number(*v), *want, "value {v:e}");
        }
    }
}
