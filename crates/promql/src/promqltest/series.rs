//! The series notation of promqltest scripts: a label set (`name{l="v"}`) followed by
//! value items (`1 2 _ stale 1+2x3 _x4 {{...}}`), and Prometheus durations (`1h30m`).
//! [`parse_series`] and [`parse_values`] are public because `promtool test rules` files
//! (the rules crate) use the same expanding notation for their `input_series`.

use promlite_model::{Labels, STALE_NAN};

use crate::format::parse_go_float;

/// One position of a series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SeqValue {
    /// No sample at this position (`_`).
    Omitted,
    /// A float sample (the staleness marker included).
    Float(f64),
    /// A native histogram sample (`{{...}}`), which promlite does not store.
    Histogram,
}

/// Parses a Prometheus duration (`model.ParseDuration`): `0`, or units `y w d h m s ms`
/// in that order, each at most once. Returns milliseconds.
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    let err = || format!("not a valid duration string: {s:?}");
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(err());
    }
    const UNITS: [(&str, i64); 7] = [
        ("y", 365 * 24 * 3_600_000),
        ("w", 7 * 24 * 3_600_000),
        ("d", 24 * 3_600_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
        ("ms", 1),
    ];
    let bytes = s.as_bytes();
    let mut pos = 0;
    let mut total: i64 = 0;
    let mut last_unit: Option<usize> = None;
    while pos < bytes.len() {
        let start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        if start == pos {
            return Err(err());
        }
        let n: i64 = s[start..pos].parse().map_err(|_| err())?;
        let unit_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_alphabetic() {
            pos += 1;
        }
        let unit = &s[unit_start..pos];
        let idx = UNITS.iter().position(|(u, _)| *u == unit).ok_or_else(err)?;
        if last_unit.is_some_and(|l| idx <= l) {
            return Err(err());
        }
        last_unit = Some(idx);
        total = n
            .checked_mul(UNITS[idx].1)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(err)?;
    }
    Ok(total)
}

/// A tiny cursor over the text of one line.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }
    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }
    fn skip_ws(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start().len();
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }
    fn ident(&mut self, metric: bool) -> Option<&'a str> {
        let r = self.rest();
        let end = r
            .char_indices()
            .find(|&(i, c)| {
                !(c.is_ascii_alphabetic()
                    || c == '_'
                    || (metric && c == ':')
                    || (i > 0 && c.is_ascii_digit()))
            })
            .map(|(i, _)| i)
            .unwrap_or(r.len());
        if end == 0 {
            return None;
        }
        self.pos += end;
        Some(&r[..end])
    }
}

/// Unquotes a Go string literal (`"..."` with escapes, `'...'`, or a raw backtick string)
/// at the start of `s`; returns the value and the bytes consumed.
pub(crate) fn unquote_prefix(s: &str) -> Result<(String, usize), String> {
    let mut chars = s.char_indices();
    let quote = match chars.next() {
        Some((_, q @ ('"' | '\'' | '`'))) => q,
        _ => return Err(format!("expected a string at {s:?}")),
    };
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            return Ok((out, i + 1));
        }
        if c != '\\' || quote == '`' {
            out.push(c);
            continue;
        }
        let (_, e) = chars.next().ok_or("unterminated escape")?;
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\\' | '"' | '\'' => out.push(e),
            'x' | 'u' | 'U' => {
                let len = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..len)
                    .filter_map(|_| chars.next().map(|(_, h)| h))
                    .collect();
                let code = u32::from_str_radix(&hex, 16).map_err(|_| "bad escape")?;
                out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
            }
            d @ '0'..='7' => {
                let mut code = d.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    let (_, o) = chars.next().ok_or("bad octal escape")?;
                    code = code * 8 + o.to_digit(8).ok_or("bad octal escape")?;
                }
                out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
            }
            other => return Err(format!("unknown escape \\{other}")),
        }
    }
    Err("unterminated string".into())
}

fn label_set(c: &mut Cursor<'_>) -> Result<Labels, String> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Some(name) = c.ident(true) {
        pairs.push(("__name__".into(), name.to_string()));
    }
    c.skip_ws();
    // `name {{...}}`: a histogram value, not a label set.
    if c.rest().starts_with("{{") || !c.eat('{') {
        if pairs.is_empty() {
            return Err(format!("expected a series at {:?}", c.rest()));
        }
        return Ok(Labels::from_pairs(pairs));
    }
    loop {
        c.skip_ws();
        if c.eat('}') {
            break;
        }
        let name = match c.peek() {
            Some('"' | '\'' | '`') => {
                let (v, n) = unquote_prefix(c.rest())?;
                c.pos += n;
                v
            }
            _ => c
                .ident(false)
                .ok_or_else(|| format!("expected a label name at {:?}", c.rest()))?
                .to_string(),
        };
        c.skip_ws();
        if c.eat('=') {
            c.skip_ws();
            let (value, n) = unquote_prefix(c.rest())?;
            c.pos += n;
            pairs.push((name, value));
        } else {
            // A lone quoted string inside the braces is the metric name.
            pairs.push(("__name__".into(), name));
        }
        c.skip_ws();
        if !c.eat(',') {
            c.skip_ws();
            if !c.eat('}') {
                return Err(format!("expected ',' or '}}' at {:?}", c.rest()));
            }
            break;
        }
    }
    Ok(Labels::from_pairs(pairs))
}

/// Scans a number at the start of `s` (sign, decimal/exponent, `Inf`, `NaN`; no hex, so
/// that `0x5` reads as "0 five more times" as in Prometheus);
/// returns it and its length.
fn number_prefix(s: &str) -> Option<(f64, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let body = &s[i..];
    for word in ["Inf", "inf", "NaN", "nan"] {
        if body.starts_with(word) {
            let v = parse_go_float(&s[..i + 3])?;
            return Some((v, i + 3));
        }
    }
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i == start || (i == start + 1 && b[start] == b'.') {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let exp_digits = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits > 0 {
            i = j + exp_digits;
        }
    }
    Some((parse_go_float(&s[..i])?, i))
}

fn repeat_count(s: &str) -> Result<u64, String> {
    s.parse::<u64>()
        .map_err(|_| format!("invalid repetition in {s:?}"))
}

/// Expands one whitespace-free value item.
fn value_item(item: &str, out: &mut Vec<SeqValue>) -> Result<(), String> {
    if item == "_" {
        out.push(SeqValue::Omitted);
        return Ok(());
    }
    if let Some(n) = item.strip_prefix("_x") {
        for _ in 0..repeat_count(n)? {
            out.push(SeqValue::Omitted);
        }
        return Ok(());
    }
    if item == "stale" {
        out.push(SeqValue::Float(STALE_NAN));
        return Ok(());
    }
    let (a, n) = number_prefix(item).ok_or_else(|| format!("invalid value {item:?}"))?;
    let rest = &item[n..];
    if rest.is_empty() {
        out.push(SeqValue::Float(a));
        return Ok(());
    }
    let (delta, times) = if let Some(times) = rest.strip_prefix('x') {
        (0.0, times)
    } else {
        let (d, m) = number_prefix(rest).ok_or_else(|| format!("invalid value {item:?}"))?;
        if !(rest.starts_with('+') || rest.starts_with('-')) {
            return Err(format!("invalid value {item:?}"));
        }
        let times = rest[m..]
            .strip_prefix('x')
            .ok_or_else(|| format!("invalid value {item:?}"))?;
        (d, times)
    };
    let times = repeat_count(times)?;
    let mut v = a;
    for _ in 0..=times {
        out.push(SeqValue::Float(v));
        v += delta;
    }
    Ok(())
}

/// Expands the value items of a line (`1+1x3 _ stale`): one [`SeqValue`] per step.
pub fn parse_values(s: &str) -> Result<Vec<SeqValue>, String> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        if rest.starts_with("{{") {
            // A native histogram, possibly `{{...}}xN` or `{{...}}+{{...}}xN`.
            let mut end = 0;
            let mut item_end;
            loop {
                let close = rest[end..].find("}}").ok_or("unterminated histogram")? + end + 2;
                item_end = close;
                let tail = &rest[close..];
                if tail.starts_with("+{{") || tail.starts_with("-{{") {
                    end = close + 1;
                    continue;
                }
                break;
            }
            let tail = &rest[item_end..];
            let word_end = tail.find(char::is_whitespace).unwrap_or(tail.len());
            let times = match tail[..word_end].strip_prefix('x') {
                Some(t) => repeat_count(t)?,
                None => 0,
            };
            for _ in 0..=times {
                out.push(SeqValue::Histogram);
            }
            rest = tail[word_end..].trim_start();
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        value_item(&rest[..end], &mut out)?;
        rest = rest[end..].trim_start();
    }
    Ok(out)
}

/// Parses a series line: its label set (`name{l="v"}`), then its expanded values.
/// With no values after the labels it reads a bare series description.
pub fn parse_series(line: &str) -> Result<(Labels, Vec<SeqValue>), String> {
    let mut c = Cursor { s: line, pos: 0 };
    let labels = label_set(&mut c)?;
    let values = parse_values(c.rest())?;
    Ok((labels, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floats(s: &str) -> Vec<f64> {
        parse_values(s)
            .unwrap()
            .into_iter()
            .map(|v| match v {
                SeqValue::Float(f) => f,
                SeqValue::Omitted => -999.0,
                SeqValue::Histogram => -777.0,
            })
            .collect()
    }

    #[test]
    fn value_notation() {
        assert_eq!(floats("0+10x3"), [0.0, 10.0, 20.0, 30.0]);
        assert_eq!(floats("1-1x2 _"), [1.0, 0.0, -1.0, -999.0]);
        assert_eq!(
            floats("-2+4x1 _x2 3x1"),
            [-2.0, 2.0, -999.0, -999.0, 3.0, 3.0]
        );
        assert_eq!(floats("1e3 .5 0x2"), [1000.0, 0.5, 0.0, 0.0, 0.0]);
        assert_eq!(floats("52+0x1"), [52.0, 52.0]);
        assert!(floats("NaN")[0].is_nan());
        assert_eq!(floats("-Inf +Inf"), [f64::NEG_INFINITY, f64::INFINITY]);
        assert!(promlite_model::is_stale_nan(floats("stale")[0]));
        assert_eq!(
            floats("{{schema:0 sum:1 count:1}}x2 1"),
            [-777.0, -777.0, -777.0, 1.0]
        );
        assert_eq!(floats("{{sum:1}}+{{sum:2}}x1"), [-777.0, -777.0]);
        assert!(parse_values("1+").is_err());
    }

    #[test]
    fn label_sets() {
        let (l, v) = parse_series(r#"http_requests{path="/foo", "odd.name"="x\"y"} 1 2"#).unwrap();
        assert_eq!(l.get("__name__"), Some("http_requests"));
        assert_eq!(l.get("odd.name"), Some("x\"y"));
        assert_eq!(v.len(), 2);
        let (l, _) = parse_series(r#"{__name__="a", b="c,}"} 1"#).unwrap();
        assert_eq!(l.get("b"), Some("c,}"));
        let (l, _) = parse_series(r#"{"quoted.name", x="1"} 1"#).unwrap();
        assert_eq!(l.metric_name(), Some("quoted.name"));
        let (l, v) = parse_series("metric {{schema:0}} 1").unwrap();
        assert_eq!(l.metric_name(), Some("metric"));
        assert_eq!(v, [SeqValue::Histogram, SeqValue::Float(1.0)]);
        let (l, _) = parse_series("{} 1").unwrap();
        assert!(l.is_empty());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("10s"), Ok(10_000));
        assert_eq!(parse_duration("100ms"), Ok(100));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("1m1h").is_err());
    }
}
