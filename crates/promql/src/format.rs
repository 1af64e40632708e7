//! Number formatting exactly as Go prints it, where Prometheus's output depends on it:
//! `%g` in annotation texts and `strconv.FormatFloat(f, 'f', -1, 64)` in `count_values`.

/// Go's text for NaN and the infinities, which every float format shares.
fn go_special(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".into())
    } else if f == f64::INFINITY {
        Some("+Inf".into())
    } else if f == f64::NEG_INFINITY {
        Some("-Inf".into())
    } else {
        None
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest round-trip digits, never an exponent.
pub(crate) fn go_format_float_f(f: f64) -> String {
    if let Some(s) = go_special(f) {
        return s;
    }
    // Rust's `Display` for f64 is the shortest round-trip representation without an
    // exponent, the same digits Go picks.
    let s = format!("{f}");
    if s == "-0" {
        return "-0".into();
    }
    s
}

/// Go's `fmt` `%g` of a float64: shortest round-trip digits, in exponent form when the
/// decimal exponent is below -4 or at least 6 (strconv's rule for shortest `'g'`).
pub(crate) fn go_fmt_g(f: f64) -> String {
    if let Some(s) = go_special(f) {
        return s;
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Shortest round-trip digits in scientific form: "d.ddddde±x".
    let sci = format!("{f:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        let abs = exp.unsigned_abs();
        if abs < 10 {
            format!("{mantissa}e{sign}0{abs}")
        } else {
            format!("{mantissa}e{sign}{abs}")
        }
    } else {
        go_format_float_f(f)
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms Prometheus meets in label values and
/// test scripts: decimal and exponent notation, `Inf`/`+Inf`/`-Inf`/`Infinity` and `NaN`
/// in any case.
pub(crate) fn parse_go_float(s: &str) -> Option<f64> {
    if s.is_empty() || s.contains('_') {
        return None;
    }
    s.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_format_never_uses_exponents() {
        assert_eq!(go_format_float_f(1.0), "1");
        assert_eq!(go_format_float_f(0.1), "0.1");
        assert_eq!(go_format_float_f(1e21), "1000000000000000000000");
        assert_eq!(go_format_float_f(1e-7), "0.0000001");
        assert_eq!(go_format_float_f(f64::INFINITY), "+Inf");
        assert_eq!(go_format_float_f(f64::NAN), "NaN");
    }

    #[test]
    fn g_format_matches_go() {
        assert_eq!(go_fmt_g(1.5), "1.5");
        assert_eq!(go_fmt_g(-0.5), "-0.5");
        assert_eq!(go_fmt_g(1e6), "1e+06");
        assert_eq!(go_fmt_g(123456.0), "123456");
        assert_eq!(go_fmt_g(1234567.0), "1.234567e+06");
        assert_eq!(go_fmt_g(0.0001), "0.0001");
        assert_eq!(go_fmt_g(0.00001), "1e-05");
        assert_eq!(go_fmt_g(f64::NEG_INFINITY), "-Inf");
        assert_eq!(go_fmt_g(2.0), "2");
        // `%v` of a float64 is `%g`.
        assert_eq!(go_fmt_g(i64::MIN as f64), "-9.223372036854776e+18");
    }
}
