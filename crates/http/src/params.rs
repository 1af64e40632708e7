//! Request parameters as Prometheus reads them: the URL query merged with a
//! `application/x-www-form-urlencoded` body (Go's `r.ParseForm`: body values first, so
//! `FormValue` prefers them), and the parameter value parsers (timestamps, durations,
//! limits) with Prometheus's error texts.

use axum::extract::{FromRequest, Request};
use http::{header, Method};

use crate::error::ApiError;
use crate::timefmt::parse_rfc3339_ms;

/// Go's `http.ParseForm` body limit.
const MAX_FORM_BODY_BYTES: usize = 10 << 20;

/// Prometheus's `MinTime` (the default `start`), in milliseconds.
pub const MIN_TIME_MS: i64 = -9_223_309_901_257_974_000;
/// Prometheus's `MaxTime` (the default `end`), in milliseconds.
pub const MAX_TIME_MS: i64 = 9_223_309_901_257_974_999;
/// How Go prints `MinTime`; clients send it back and Prometheus accepts it.
const MIN_TIME_FORMATTED: &str = "-292273086-05-16T16:47:06Z";
/// How Go prints `MaxTime`.
const MAX_TIME_FORMATTED: &str = "292277025-08-18T07:12:54.999999999Z";

/// Parsed request parameters.
#[derive(Debug, Clone, Default)]
pub struct Form {
    /// Body pairs first, then URL query pairs (Go's `r.Form` order).
    pairs: Vec<(String, String)>,
    /// Pairs of the URL query only (Go's `r.URL.Query()`).
    query_pairs: Vec<(String, String)>,
    /// The first problem met while decoding, like Go's `ParseForm` error.
    pub parse_error: Option<String>,
}

impl Form {
    /// Builds a form from a URL query string and an optional urlencoded body.
    pub fn from_parts(query: Option<&str>, body: Option<&[u8]>) -> Form {
        let mut form = Form::default();
        let mut errors = Vec::new();
        if let Some(body) = body {
            let text = String::from_utf8_lossy(body);
            form.pairs.extend(parse_urlencoded(&text, &mut errors));
        }
        if let Some(q) = query {
            let pairs = parse_urlencoded(q, &mut errors);
            form.query_pairs = pairs.clone();
            form.pairs.extend(pairs);
        }
        form.parse_error = errors.into_iter().next();
        form
    }

    /// The first value of `name`, or `""` (Go's `r.FormValue`).
    pub fn value(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name` in order (Go's `r.Form[name]`).
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of `name` in the URL query only (Go's `r.URL.Query().Get`).
    pub fn url_value(&self, name: &str) -> &str {
        self.query_pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Like Go's explicit `r.ParseForm()` check some handlers make.
    pub fn check_parsed(&self) -> Result<(), ApiError> {
        match &self.parse_error {
            Some(e) => Err(ApiError::bad_data(format!(
                "error parsing form values: {e}"
            ))),
            None => Ok(()),
        }
    }
}

/// Decodes `application/x-www-form-urlencoded` text like Go's `url.ParseQuery`: pairs
/// split on `&`, a pair with `;` or a bad `%` escape is skipped and reported.
fn parse_urlencoded(s: &str, errors: &mut Vec<String>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in s.split('&') {
        if part.is_empty() {
            continue;
        }
        if part.contains(';') {
            errors.push("invalid semicolon separator in query".to_string());
            continue;
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        match (query_unescape(k), query_unescape(v)) {
            (Ok(k), Ok(v)) => out.push((k, v)),
            (Err(e), _) | (_, Err(e)) => errors.push(e),
        }
    }
    out
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Go's `url.QueryUnescape`: `+` is a space, `%XX` a byte.
fn query_unescape(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hi = b.get(i + 1).copied().and_then(hex_value);
                let lo = b.get(i + 2).copied().and_then(hex_value);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push(h << 4 | l),
                    _ => {
                        let end = (i + 3).min(b.len());
                        let bad = String::from_utf8_lossy(&b[i..end]);
                        return Err(format!("invalid URL escape {:?}", bad));
                    }
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Form, ApiError> {
        let query = req.uri().query().map(str::to_string);
        let is_form_method =
            matches!(*req.method(), Method::POST | Method::PUT) || req.method() == Method::PATCH;
        let is_urlencoded = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                v.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        let body = if is_form_method && is_urlencoded {
            // Go reads at most 10 MiB of form body; axum's default extractor limit
            // (2 MiB) would refuse big Grafana queries that Prometheus accepts.
            let bytes = axum::body::to_bytes(req.into_body(), MAX_FORM_BODY_BYTES)
                .await
                .map_err(|_| {
                    ApiError::bad_data("error parsing form values: http: POST too large")
                })?;
            Some(bytes)
        } else {
            None
        };
        Ok(Form::from_parts(query.as_deref(), body.as_deref()))
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the inputs Prometheus sees: decimal and
/// exponent forms, `Inf`/`Infinity`/`NaN` in any case with an optional sign. Values out
/// of range are errors, as in Go.
pub fn parse_go_float(s: &str) -> Option<f64> {
    let t = s.trim_start_matches(['+', '-']);
    // Rust also accepts these, but only when they are the whole word.
    let lower = t.to_ascii_lowercase();
    let special = matches!(lower.as_str(), "inf" | "infinity" | "nan");
    if !special
        && !t
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == b'.')
    {
        return None;
    }
    if s.len() - t.len() > 1 {
        return None; // "+-1"
    }
    let v: f64 = s.parse().ok()?;
    if v.is_infinite() && !special {
        return None; // Go reports ErrRange for 1e400
    }
    Some(v)
}

/// Parses a timestamp parameter: float Unix seconds (rounded to the millisecond) or
/// RFC 3339, like Prometheus's `parseTime`. The error text is Prometheus's.
pub fn parse_time(s: &str) -> Result<i64, String> {
    if let Some(t) = parse_go_float(s) {
        if t.is_finite() {
            let whole = t.trunc();
            let frac_ms = ((t - whole) * 1000.0).round();
            let ms = whole * 1000.0 + frac_ms;
            return Ok(ms.clamp(i64::MIN as f64, i64::MAX as f64) as i64);
        }
    }
    if let Some(ms) = parse_rfc3339_ms(s) {
        return Ok(ms);
    }
    match s {
        MIN_TIME_FORMATTED => Ok(MIN_TIME_MS),
        MAX_TIME_FORMATTED => Ok(MAX_TIME_MS),
        _ => Err(format!("cannot parse {} to a valid timestamp", go_q(s))),
    }
}

/// A time parameter with a default when absent or empty (Prometheus's `parseTimeParam`,
/// whose error names the parameter twice).
pub fn time_param(form: &Form, name: &str, default_ms: i64) -> Result<i64, ApiError> {
    let v = form.value(name);
    if v.is_empty() {
        return Ok(default_ms);
    }
    parse_time(v)
        .map_err(|e| ApiError::invalid_param(name, format!("invalid time value for '{name}': {e}")))
}

/// Nanoseconds in one unit of a Prometheus duration.
const NS_PER_MS: u128 = 1_000_000;

/// Prometheus's `model.ParseDuration`: units `y w d h m s ms` in that order, each at
/// most once, integers only; `"0"` alone is allowed. Returns nanoseconds.
pub fn parse_prometheus_duration_ns(s: &str) -> Option<i64> {
    if s == "0" {
        return Some(0);
    }
    if s.is_empty() {
        return None;
    }
    let units: [(&str, u128); 7] = [
        ("y", 365 * 24 * 3600 * 1000 * NS_PER_MS),
        ("w", 7 * 24 * 3600 * 1000 * NS_PER_MS),
        ("d", 24 * 3600 * 1000 * NS_PER_MS),
        ("h", 3600 * 1000 * NS_PER_MS),
        ("m", 60 * 1000 * NS_PER_MS),
        ("s", 1000 * NS_PER_MS),
        ("ms", NS_PER_MS),
    ];
    let b = s.as_bytes();
    let mut pos = 0;
    let mut total: u128 = 0;
    let mut next_unit = 0;
    while pos < b.len() {
        let start = pos;
        while pos < b.len() && b[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos == start {
            return None;
        }
        let n: u128 = s[start..pos].parse().ok()?;
        let ustart = pos;
        while pos < b.len() && !b[pos].is_ascii_digit() {
            pos += 1;
        }
        let unit = &s[ustart..pos];
        let idx = units.iter().position(|(u, _)| *u == unit)?;
        if idx < next_unit {
            return None;
        }
        next_unit = idx + 1;
        total = total.checked_add(n.checked_mul(units[idx].1)?)?;
        if total > i64::MAX as u128 {
            return None;
        }
    }
    Some(total as i64)
}

/// Parses a duration parameter: float seconds or a Prometheus duration, like
/// Prometheus's `parseDuration`. Returns nanoseconds (Go's `time.Duration`).
pub fn parse_duration_ns(s: &str) -> Result<i64, String> {
    if let Some(d) = parse_go_float(s) {
        let ns = d * 1e9;
        if ns.is_nan() {
            return Ok(i64::MIN); // Go's int64(NaN) on amd64: a negative duration
        }
        // Go compares against float64(MaxInt64), which is 2^63.
        let limit = 2f64.powi(63);
        if !(-limit..=limit).contains(&ns) {
            return Err(format!(
                "cannot parse {} to a valid duration. It overflows int64",
                go_q(s)
            ));
        }
        return Ok(ns as i64);
    }
    parse_prometheus_duration_ns(s)
        .ok_or_else(|| format!("cannot parse {} to a valid duration", go_q(s)))
}

/// Prometheus's `parseLimitParam`: empty is 0 (no limit); negative is an error.
pub fn parse_limit(s: &str) -> Result<usize, ApiError> {
    if s.is_empty() {
        return Ok(0);
    }
    let n = go_atoi(s).map_err(|e| ApiError::invalid_param("limit", e))?;
    if n < 0 {
        return Err(ApiError::invalid_param(
            "limit",
            "limit must be non-negative",
        ));
    }
    Ok(n as usize)
}

/// Go's `strconv.Atoi` with its error texts.
pub fn go_atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {}: invalid syntax", go_q(s)));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", go_q(s)))
}

/// Go's `%q` of a string.
pub fn go_q(s: &str) -> String {
    promlite_model::go_quote(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_merges_body_before_query() {
        let f = Form::from_parts(
            Some("query=up&match%5B%5D=a&x=1+2"),
            Some(b"query=down&match[]=b"),
        );
        assert_eq!(f.value("query"), "down");
        assert_eq!(f.values("match[]"), vec!["b", "a"]);
        assert_eq!(f.value("x"), "1 2");
        assert_eq!(f.url_value("query"), "up");
        assert_eq!(f.value("missing"), "");
        assert!(f.parse_error.is_none());
        let bad = Form::from_parts(Some("a=%zz&b=2;c=3&d=4"), None);
        assert_eq!(bad.value("d"), "4");
        assert_eq!(bad.value("a"), "");
        assert!(bad.parse_error.unwrap().contains("invalid URL escape"));
    }

    #[test]
    fn times_parse_like_prometheus() {
        assert_eq!(parse_time("1435781451.781"), Ok(1435781451781));
        assert_eq!(parse_time("1435781451"), Ok(1435781451000));
        assert_eq!(parse_time("1767218400.5"), Ok(1767218400500));
        assert_eq!(parse_time("-1.5"), Ok(-1500));
        assert_eq!(parse_time("1e3"), Ok(1_000_000));
        assert_eq!(parse_time("2015-07-01T20:10:51.781Z"), Ok(1435781451781));
        assert_eq!(parse_time(MIN_TIME_FORMATTED), Ok(MIN_TIME_MS));
        assert_eq!(parse_time(MAX_TIME_FORMATTED), Ok(MAX_TIME_MS));
        assert_eq!(
            parse_time("abc"),
            Err(r#"cannot parse "abc" to a valid timestamp"#.to_string())
        );
        assert!(parse_time("").is_err());
        assert!(parse_time("1e400").is_err());
    }

    #[test]
    fn durations_parse_like_prometheus() {
        assert_eq!(parse_duration_ns("15"), Ok(15_000_000_000));
        assert_eq!(parse_duration_ns("0.5"), Ok(500_000_000));
        assert_eq!(parse_duration_ns("-3"), Ok(-3_000_000_000));
        assert_eq!(parse_duration_ns("1m30s"), Ok(90_000_000_000));
        assert_eq!(parse_duration_ns("1h"), Ok(3_600_000_000_000));
        assert_eq!(parse_duration_ns("250ms"), Ok(250_000_000));
        assert_eq!(parse_duration_ns("1y"), Ok(365 * 86_400 * 1_000_000_000));
        assert_eq!(parse_duration_ns("0"), Ok(0));
        for bad in ["", "abc", "1.5m", "30s1m", "1m1m", "5x", "m", "1e30"] {
            assert!(parse_duration_ns(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_duration_ns("abc"),
            Err(r#"cannot parse "abc" to a valid duration"#.to_string())
        );
    }

    #[test]
    fn limits_and_atoi() {
        assert_eq!(parse_limit("").unwrap(), 0);
        assert_eq!(parse_limit("5").unwrap(), 5);
        assert_eq!(parse_limit("+5").unwrap(), 5);
        let e = parse_limit("-1").unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"bad_data: invalid parameter "limit": limit must be non-negative"#
        );
        let e = parse_limit("x").unwrap_err();
        assert!(e
            .message()
            .ends_with(r#"strconv.Atoi: parsing "x": invalid syntax"#));
        assert!(go_atoi("99999999999999999999")
            .unwrap_err()
            .contains("value out of range"));
    }

    #[test]
    fn go_floats() {
        assert_eq!(parse_go_float("Inf"), Some(f64::INFINITY));
        assert_eq!(parse_go_float("-infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_go_float("NaN").unwrap().is_nan());
        assert_eq!(parse_go_float(".5"), Some(0.5));
        assert_eq!(parse_go_float("+-1"), None);
        assert_eq!(parse_go_float("e5"), None);
        assert_eq!(parse_go_float("infx"), None);
    }
}

#[cfg(test)]
mod never_panic {
    use super::*;
    use crate::timefmt::parse_rfc3339_ms;

    proptest::proptest! {
        /// Untrusted parameter text never panics any parser.
        #[test]
        fn parameter_parsers_never_panic(s in "\\PC{0,40}", bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let _ = parse_time(&s);
            let _ = parse_duration_ns(&s);
            let _ = parse_limit(&s);
            let _ = parse_rfc3339_ms(&s);
            let _ = crate::handlers::series::unescape_label_name(&s);
            let _ = crate::handlers::series::unescape_label_name(&format!("U__{s}"));
            let text = String::from_utf8_lossy(&bytes);
            let f = Form::from_parts(Some(&text), Some(&bytes));
            let _ = f.values("match[]");
        }

        /// RFC 3339 text built from random fields parses exactly when the fields are valid.
        #[test]
        fn rfc3339_fields(y in 1970i64..2100, mo in 0u32..14, d in 0u32..33, h in 0u32..25, mi in 0u32..61, sec in 0u32..61, ms in 0u32..1000) {
            let s = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}.{ms:03}Z");
            let valid = (1..=12).contains(&mo) && d >= 1 && d <= crate::timefmt::days_in_month_pub(y, mo) && h < 24 && mi < 60 && sec < 60;
            let parsed = parse_rfc3339_ms(&s);
            proptest::prop_assert_eq!(parsed.is_some(), valid, "{}", s);
            if let Some(t) = parsed {
                // Formatting trims trailing fractional zeros (and the point with them).
                let frac = format!("{ms:03}");
                let frac = frac.trim_end_matches('0');
                let want = if frac.is_empty() {
                    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}Z")
                } else {
                    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}.{frac}Z")
                };
                proptest::prop_assert_eq!(crate::timefmt::format_rfc3339_ms(t), want);
            }
        }
    }
}
