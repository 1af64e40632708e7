//! Float formatting exactly like Go's `strconv.FormatFloat` with precision -1, in the
//! three flavours Prometheus's outputs use: `'f'`/`'e'` for API sample values, `'g'` for
//! the text exposition format, and `encoding/json`'s rule for plain JSON numbers.
//!
//! `ryu` produces the shortest digits that round-trip, as Go does; only the layout
//! differs (`1e-7` vs Go's `1e-07`, `inf` vs `+Inf`), so every function here takes
//! ryu's digits and lays them out the way Go would. (ryu is several times faster than
//! `{}` formatting, which dominated encoding big matrices.)

use std::fmt::Write as _;

/// The shortest round-trip decimal digits of a finite, non-zero `|v|` and its decimal
/// exponent: `v = d1.d2d3... * 10^exp`.
struct ShortestDigits {
    /// ASCII digits, no leading or trailing zeros.
    digits: [u8; 24],
    len: usize,
    exp: i32,
}

impl ShortestDigits {
    fn digits(&self) -> &[u8] {
        &self.digits[..self.len]
    }
}

/// Decomposes ryu's shortest output (`1234.5`, `0.003`, `1e-7`, `1.5e22`) into digits
/// and exponent. ryu (like Go) finds the shortest digits that round-trip; only the
/// layout differs, and the callers lay the digits out Go's way.
fn shortest_digits(v: f64) -> ShortestDigits {
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(v.abs()).as_bytes();
    let (mantissa, exp10) = match s.iter().position(|&c| c == b'e') {
        Some(e) => {
            let exp = std::str::from_utf8(&s[e + 1..])
                .ok()
                .and_then(|x| x.parse::<i32>().ok())
                .unwrap_or(0);
            (&s[..e], exp)
        }
        None => (s, 0),
    };
    let mut out = ShortestDigits {
        digits: [0; 24],
        len: 0,
        exp: 0,
    };
    let mut int_len: i32 = 0;
    let mut seen_point = false;
    let mut leading_zeros: i32 = 0;
    for &c in mantissa {
        if c == b'.' {
            seen_point = true;
            continue;
        }
        if !seen_point {
            int_len += 1;
        }
        if out.len == 0 && c == b'0' {
            leading_zeros += 1;
            continue;
        }
        if out.len < out.digits.len() {
            out.digits[out.len] = c;
            out.len += 1;
        }
    }
    while out.len > 0 && out.digits[out.len - 1] == b'0' {
        out.len -= 1;
    }
    // The decimal point sits after `int_len` mantissa digits; the first significant
    // digit is `leading_zeros` places in. Zero has no digits and exponent 0.
    out.exp = if out.len == 0 {
        0
    } else {
        int_len + exp10 - leading_zeros - 1
    };
    out
}

/// Appends Go's `'f'` layout with the shortest digits (`FormatFloat(v, 'f', -1, 64)`)
/// for a finite `v`.
pub fn push_fixed_form(out: &mut String, v: f64) {
    if v.is_sign_negative() {
        out.push('-');
    }
    if v == 0.0 {
        out.push('0');
        return;
    }
    let d = shortest_digits(v);
    let digits = d.digits();
    let point = d.exp + 1; // digits before the decimal point
    let push = |out: &mut String, b: &[u8]| {
        // Only ASCII digits are ever pushed.
        for &c in b {
            out.push(c as char);
        }
    };
    if point <= 0 {
        out.push_str("0.");
        for _ in 0..-point {
            out.push('0');
        }
        push(out, digits);
    } else if point as usize >= digits.len() {
        push(out, digits);
        for _ in 0..(point as usize - digits.len()) {
            out.push('0');
        }
    } else {
        push(out, &digits[..point as usize]);
        out.push('.');
        push(out, &digits[point as usize..]);
    }
}

/// Appends Go's `%e` layout: `d.ddde±XX` (at least two exponent digits).
fn push_exponent_form(out: &mut String, negative: bool, d: &ShortestDigits) {
    if negative {
        out.push('-');
    }
    let digits = d.digits();
    if let Some((&first, rest)) = digits.split_first() {
        out.push(first as char);
        if !rest.is_empty() {
            out.push('.');
            for &c in rest {
                out.push(c as char);
            }
        }
    } else {
        out.push('0');
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
        push_fixed_form(out, v);
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
        push_fixed_form(&mut out, v);
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
        push_fixed_form(&mut out, v);
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

    /// Significant digits of Rust's shortest scientific form (`1.25e3` has 3).
    fn shortest_len(v: f64) -> usize {
        let s = format!("{v:e}");
        let m = s.split('e').next().unwrap_or("");
        m.trim_start_matches('-')
            .chars()
            .filter(char::is_ascii_digit)
            .count()
    }

    fn significant_digits(s: &str) -> usize {
        let m = s.split('e').next().unwrap_or("");
        let digits: String = m.chars().filter(char::is_ascii_digit).collect();
        digits
            .trim_start_matches('0')
            .trim_end_matches('0')
            .len()
            .max(1)
    }

    // Rust's `{}` is not the reference: on exact ties between two shortest candidates it
    // rounds half up, while Go (and ryu) round half to even. So the properties are:
    // the text round-trips, has the shortest length, and has Go's layout.
    proptest::proptest! {
        #[test]
        fn fixed_layout_round_trips_with_shortest_digits(bits in proptest::num::u64::ANY) {
            let v = f64::from_bits(bits);
            if v.is_finite() && v != 0.0 {
                let mut s = String::new();
                push_fixed_form(&mut s, v);
                proptest::prop_assert!(!s.contains('e'));
                proptest::prop_assert_eq!(s.parse::<f64>().unwrap().to_bits(), v.to_bits());
                proptest::prop_assert_eq!(significant_digits(&s), shortest_len(v), "{}", s);
            }
        }

        #[test]
        fn exponent_layout_round_trips_with_shortest_digits(bits in proptest::num::u64::ANY) {
            let v = f64::from_bits(bits);
            if v.is_finite() && v != 0.0 {
                let go = format_go_e(v);
                proptest::prop_assert_eq!(go.parse::<f64>().unwrap().to_bits(), v.to_bits());
                proptest::prop_assert_eq!(significant_digits(&go), shortest_len(v), "{}", go);
                let (mantissa, exp) = go.split_once('e').unwrap();
                proptest::prop_assert!(exp.len() >= 3 && (exp.starts_with('+') || exp.starts_with('-')));
                let m = mantissa.trim_start_matches('-');
                proptest::prop_assert!(m.len() == 1 || m.as_bytes()[1] == b'.');
            }
        }
    }

    #[test]
    fn ties_round_half_to_even_like_go() {
        // 1129038920315748.25 exactly (a tie between ...48.2 and ...48.3); Prometheus
        // 2.42 prints vector(1129038920315748.25) as ".2".
        let tie = f64::from_bits(4_832_374_956_222_434_705);
        assert_eq!(format_sample_value(tie), "1129038920315748.2");
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
