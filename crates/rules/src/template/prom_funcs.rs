//! Prometheus's template functions (`humanize*`, `query`/`first`/`label`/`value`,
//! `reReplaceAll`, `match`, `title`, `stripPort`, `toTime`, `parseDuration`, ...) with
//! the output and error texts of Prometheus's `template/template.go`.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::funcs::FuncEnv;
use super::gofmt::format_float;
use super::value::Value;

fn str_arg(argv: &[Value], i: usize) -> &str {
    match argv.get(i) {
        Some(Value::Str(s)) | Some(Value::Html(s)) => s,
        _ => "",
    }
}

/// Calls Prometheus function `name`.
pub(crate) fn call(name: &str, argv: &[Value], env: &FuncEnv<'_>) -> Result<Value, String> {
    let first = argv.first().cloned().unwrap_or(Value::Nil);
    Ok(match name {
        "query" => {
            let Some(querier) = env.querier else {
                return Err(
                    "runtime error: invalid memory address or nil pointer dereference".into(),
                );
            };
            let samples = querier.query(str_arg(argv, 0), env.timestamp_ms)?;
            Value::QueryResult(Arc::new(samples.into_iter().map(Arc::new).collect()))
        }
        "first" => match &first {
            Value::QueryResult(v) if !v.is_empty() => Value::Sample(Some(v[0].clone())),
            _ => return Err("first() called on vector with no elements".into()),
        },
        "label" => match argv.get(1) {
            Some(Value::Sample(Some(s))) => {
                Value::str(s.labels.get(str_arg(argv, 0)).map_or("", String::as_str))
            }
            _ => return Err(nil_deref()),
        },
        "value" => match &first {
            Value::Sample(Some(s)) => Value::Float(s.value),
            _ => return Err(nil_deref()),
        },
        "strvalue" => match &first {
            Value::Sample(Some(s)) => {
                Value::str(s.labels.get("__value__").map_or("", String::as_str))
            }
            _ => return Err(nil_deref()),
        },
        "args" => {
            let map: BTreeMap<String, Value> = argv
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("arg{i}"), v.clone()))
                .collect();
            Value::AnyMap(Arc::new(map))
        }
        "reReplaceAll" => {
            let pattern = str_arg(argv, 0);
            let re = regex::Regex::new(pattern).map_err(|e| {
                format!(
                    "regexp: Compile({}): {}",
                    go_regexp_quote(pattern),
                    regexp_error(&e)
                )
            })?;
            Value::str(
                re.replace_all(str_arg(argv, 2), str_arg(argv, 1))
                    .into_owned(),
            )
        }
        "match" => {
            let re = regex::Regex::new(str_arg(argv, 0)).map_err(|e| regexp_error(&e))?;
            Value::Bool(re.is_match(str_arg(argv, 1)))
        }
        "safeHtml" => Value::Html(str_arg(argv, 0).into()),
        "title" => Value::str(title(str_arg(argv, 0))),
        "toUpper" => Value::str(map_chars(str_arg(argv, 0), char::to_uppercase)),
        "toLower" => Value::str(map_chars(str_arg(argv, 0), char::to_lowercase)),
        "graphLink" => Value::str(format!(
            "/graph?g0.expr={}&g0.tab=0",
            query_escape(str_arg(argv, 0))
        )),
        "tableLink" => Value::str(format!(
            "/graph?g0.expr={}&g0.tab=1",
            query_escape(str_arg(argv, 0))
        )),
        "sortByLabel" => {
            let label = str_arg(argv, 0);
            let Some(Value::QueryResult(v)) = argv.get(1) else {
                return Ok(Value::QueryResult(Default::default()));
            };
            let mut sorted: Vec<_> = v.iter().cloned().collect();
            sorted.sort_by(|a, b| {
                let la = a.labels.get(label).map_or("", String::as_str);
                let lb = b.labels.get(label).map_or("", String::as_str);
                la.cmp(lb)
            });
            Value::QueryResult(Arc::new(sorted))
        }
        "stripPort" => {
            let hp = str_arg(argv, 0);
            Value::str(split_host_port(hp).map_or(hp, |(h, _)| h))
        }
        "stripDomain" => Value::str(strip_domain(str_arg(argv, 0))),
        "humanize" => Value::str(humanize(convert_to_float(&first)?)),
        "humanize1024" => Value::str(humanize1024(convert_to_float(&first)?)),
        "humanizeDuration" => Value::str(humanize_duration(convert_to_float(&first)?)),
        "humanizePercentage" => Value::str(format!(
            "{}%",
            format_float(convert_to_float(&first)? * 100.0, 'g', Some(4))
        )),
        "humanizeTimestamp" => {
            let v = convert_to_float(&first)?;
            if v.is_nan() || v.is_infinite() {
                Value::str(format_float(v, 'g', Some(4)))
            } else {
                Value::str(super::gotime::time_string(float_to_time(v)?))
            }
        }
        "toTime" => {
            let v = convert_to_float(&first)?;
            if v.is_nan() || v.is_infinite() {
                return Err("value is NaN or Inf".into());
            }
            Value::Time(float_to_time(v)?)
        }
        "toDuration" => {
            let v = convert_to_float(&first)?;
            // Go's float-to-int conversion saturates on this platform's semantics.
            Value::Duration((v * 1e9) as i64)
        }
        "now" => Value::Float(env.timestamp_ms as f64 / 1000.0),
        "pathPrefix" => Value::str(url_path(env.external_url)),
        "externalURL" => Value::str(env.external_url),
        "parseDuration" => Value::Float(parse_duration_seconds(str_arg(argv, 0))?),
        "urlQueryEscape" => Value::str(query_escape(str_arg(argv, 0))),
        _ => {
            return Err(format!(
                "{} is not a defined function",
                promlite_model::go_quote(name)
            ))
        }
    })
}

fn nil_deref() -> String {
    "runtime error: invalid memory address or nil pointer dereference".into()
}

/// Go's regexp error text for a pattern the `regex` crate rejects.
fn regexp_error(e: &regex::Error) -> String {
    let detail = e.to_string();
    let last = detail
        .lines()
        .rev()
        .find(|l| l.starts_with("error:"))
        .map(|l| l.trim_start_matches("error:").trim().to_string())
        .unwrap_or(detail);
    format!("error parsing regexp: {last}")
}

/// `regexp`'s quoting of patterns in errors: backquotes when possible.
fn go_regexp_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c != '`' && (c == '\t' || !c.is_control()))
    {
        format!("`{s}`")
    } else {
        promlite_model::go_quote(s)
    }
}

fn map_chars<I: Iterator<Item = char>>(s: &str, f: impl Fn(char) -> I) -> String {
    // Go maps rune by rune; a mapping to several characters (ß -> SS) keeps the rune.
    s.chars()
        .map(|c| {
            let mut it = f(c);
            match (it.next(), it.next()) {
                (Some(m), None) => m,
                _ => c,
            }
        })
        .collect()
}

/// `cases.Title(language.AmericanEnglish, cases.NoLower)`: upper-cases the first letter
/// of each word, leaves the rest alone.
fn title(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let word_start = match i.checked_sub(1).map(|p| chars[p]) {
            None => true,
            Some(p) if p.is_alphanumeric() || p == '_' => false,
            // Apostrophes, periods and colons between letters do not break a word.
            Some('\'' | '.' | ':' | '\u{2019}') => {
                let before = i.checked_sub(2).map(|p| chars[p]);
                !(before.is_some_and(char::is_alphanumeric) && c.is_alphanumeric())
            }
            Some(_) => true,
        };
        if word_start && c.is_lowercase() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The path of a URL (`http://host:9090/prefix` -> `/prefix`).
fn url_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    let end = path.find(['?', '#']).unwrap_or(path.len());
    path[..end].to_string()
}

/// Go's `net.SplitHostPort`.
fn split_host_port(hp: &str) -> Option<(&str, &str)> {
    if let Some(rest) = hp.strip_prefix('[') {
        let end = rest.find(']')?;
        let host = &rest[..end];
        let after = &rest[end + 1..];
        let port = after.strip_prefix(':')?;
        if port.contains(':') || host.contains(['[', ']']) {
            return None;
        }
        return Some((host, port));
    }
    let i = hp.rfind(':')?;
    let (host, port) = (&hp[..i], &hp[i + 1..]);
    if host.contains(':') || host.contains(['[', ']']) || port.contains(['[', ']']) {
        return None;
    }
    Some((host, port))
}

fn strip_domain(hp: &str) -> String {
    let (host, port) = split_host_port(hp).unwrap_or((hp, ""));
    if host.parse::<std::net::IpAddr>().is_ok() {
        return hp.to_string();
    }
    let short = host.split('.').next().unwrap_or(host);
    if port.is_empty() {
        short.to_string()
    } else if short.contains(':') {
        format!("[{short}]:{port}")
    } else {
        format!("{short}:{port}")
    }
}

/// Prometheus's `ConvertToFloat`: float64, numeric strings and integers.
pub(crate) fn convert_to_float(v: &Value) -> Result<f64, String> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) | Value::Int64(i) => Ok(*i as f64),
        Value::Uint64(u) => Ok(*u as f64),
        Value::Str(s) => go_parse_float(s),
        other => Err(format!("can't convert {} to float", other.type_name())),
    }
}

/// `strconv.ParseFloat(s, 64)` with Go's error texts.
pub(crate) fn go_parse_float(s: &str) -> Result<f64, String> {
    let syntax = || {
        format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            promlite_model::go_quote(s)
        )
    };
    let lower = s.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if s.is_empty() || s.contains('_') || lower.contains("0x") || s.trim() != s {
        return Err(syntax());
    }
    let special = matches!(unsigned, "inf" | "infinity" | "nan");
    if !special
        && unsigned
            .chars()
            .any(|c| c.is_ascii_alphabetic() && c != 'e')
    {
        return Err(syntax());
    }
    let v: f64 = s.parse().map_err(|_| syntax())?;
    if v.is_infinite() && !special {
        return Err(format!(
            "strconv.ParseFloat: parsing {}: value out of range",
            promlite_model::go_quote(s)
        ));
    }
    Ok(v)
}

/// `FloatToTime`: seconds to Unix nanoseconds at millisecond precision.
fn float_to_time(v: f64) -> Result<i128, String> {
    let ns = v * 1e9;
    if ns > i64::MAX as f64 || ns < i64::MIN as f64 {
        return Err(format!(
            "{} cannot be represented as a nanoseconds timestamp since it overflows int64",
            format_float(v, 'g', None)
        ));
    }
    // model.TimeFromUnixNano truncates to milliseconds toward zero.
    let ms = (ns as i64) / 1_000_000;
    Ok(i128::from(ms) * 1_000_000)
}

fn humanize(v: f64) -> String {
    if v == 0.0 || v.is_nan() || v.is_infinite() {
        return format_float(v, 'g', Some(4));
    }
    let mut v = v;
    let mut prefix = "";
    if v.abs() >= 1.0 {
        for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
            if v.abs() < 1000.0 {
                break;
            }
            prefix = p;
            v /= 1000.0;
        }
    } else {
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if v.abs() >= 1.0 {
                break;
            }
            prefix = p;
            v *= 1000.0;
        }
    }
    format!("{}{prefix}", format_float(v, 'g', Some(4)))
}

fn humanize1024(v: f64) -> String {
    if v.abs() <= 1.0 || v.is_nan() || v.is_infinite() {
        return format_float(v, 'g', Some(4));
    }
    let mut v = v;
    let mut prefix = "";
    for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
        if v.abs() < 1024.0 {
            break;
        }
        prefix = p;
        v /= 1024.0;
    }
    format!("{}{prefix}", format_float(v, 'g', Some(4)))
}

fn humanize_duration(v: f64) -> String {
    if v.is_nan() || v.is_infinite() {
        return format_float(v, 'g', Some(4));
    }
    if v == 0.0 {
        return format!("{}s", format_float(v, 'g', Some(4)));
    }
    if v.abs() >= 1.0 {
        let sign = if v < 0.0 { "-" } else { "" };
        let v = v.abs();
        // Go's int64 conversion; saturating is fine for durations beyond 292 years.
        let duration = v as i64;
        let seconds = duration % 60;
        let minutes = (duration / 60) % 60;
        let hours = (duration / 60 / 60) % 24;
        let days = duration / 60 / 60 / 24;
        if days != 0 {
            return format!("{sign}{days}d {hours}h {minutes}m {seconds}s");
        }
        if hours != 0 {
            return format!("{sign}{hours}h {minutes}m {seconds}s");
        }
        if minutes != 0 {
            return format!("{sign}{minutes}m {seconds}s");
        }
        return format!("{sign}{}s", format_float(v, 'g', Some(4)));
    }
    let mut v = v;
    let mut prefix = "";
    for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        v *= 1000.0;
    }
    format!("{}{prefix}s", format_float(v, 'g', Some(4)))
}

/// Prometheus's `model.ParseDurationAllowNegative`, in seconds.
fn parse_duration_seconds(s: &str) -> Result<f64, String> {
    let invalid = || {
        format!(
            "not a valid duration string: {}",
            promlite_model::go_quote(s)
        )
    };
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if body == "0" {
        return Ok(0.0);
    }
    if body.is_empty() {
        return Err(invalid());
    }
    const UNITS: [(&str, u128); 7] = [
        ("y", 365 * 24 * 3_600_000),
        ("w", 7 * 24 * 3_600_000),
        ("d", 24 * 3_600_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ];
    let mut rest = body;
    let mut total_ms: u128 = 0;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(invalid());
        }
        let n: u128 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        // "ms" must win over "m".
        let unit_idx = if rest.starts_with("ms") {
            6
        } else {
            UNITS
                .iter()
                .position(|(u, _)| rest.starts_with(u))
                .ok_or_else(invalid)?
        };
        if unit_idx < next_unit {
            return Err(invalid());
        }
        next_unit = unit_idx + 1;
        rest = &rest[UNITS[unit_idx].0.len()..];
        total_ms = total_ms.saturating_add(n.saturating_mul(UNITS[unit_idx].1));
    }
    if total_ms > (i64::MAX as u128) / 1_000_000 {
        return Err("duration out of range".into());
    }
    let secs = total_ms as f64 / 1000.0;
    Ok(if neg { -secs } else { secs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humanize_family_matches_prometheus() {
        assert_eq!(humanize(1234567.0), "1.235M");
        assert_eq!(humanize(0.12), "120m");
        assert_eq!(humanize(-1.0), "-1");
        assert_eq!(humanize(i64::MAX as f64), "9.223E");
        assert_eq!(humanize1024(1048576.0), "1Mi");
        assert_eq!(humanize1024(0.12), "0.12");
        assert_eq!(humanize1024(1234567.0), "1.177Mi");
        assert_eq!(humanize_duration(3725.0), "1h 2m 5s");
        assert_eq!(humanize_duration(899.99), "14m 59s");
        assert_eq!(humanize_duration(0.0001), "100us");
        assert_eq!(humanize_duration(1.2345), "1.234s");
        assert_eq!(
            humanize_duration(-(86400.0 * 2.0 + 3600.0 * 3.0 + 60.0 * 4.0 + 5.0)),
            "-2d 3h 4m 5s"
        );
    }

    #[test]
    fn helpers_follow_go() {
        assert_eq!(parse_duration_seconds("1h2m10ms").unwrap(), 3720.01);
        assert_eq!(parse_duration_seconds("-30m").unwrap(), -1800.0);
        assert!(parse_duration_seconds("5m1h").is_err());
        assert_eq!(query_escape("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
        assert_eq!(title("aa bb CC it's foo-bar"), "Aa Bb CC It's Foo-Bar");
        assert_eq!(url_path("http://testhost:9090/path/prefix"), "/path/prefix");
        assert_eq!(
            go_parse_float("one").unwrap_err(),
            "strconv.ParseFloat: parsing \"one\": invalid syntax"
        );
        assert_eq!(go_parse_float("+Inf").unwrap(), f64::INFINITY);
        assert_eq!(strip_domain("foo.example.com:12345"), "foo:12345");
        assert_eq!(strip_domain("[2001:0DB8::1]:12345"), "[2001:0DB8::1]:12345");
    }
}
