//! `Series`: one parsed sample line, borrowing the body. Its label set is built lazily
//! (only on a scrape-cache miss) by re-reading the already validated series text.

use std::borrow::Cow;

use nom::branch::alt;
use nom::bytes::complete::{take_while, take_while1};
use nom::combinator::recognize;
use nom::sequence::pair;
use nom::IResult;
use promlite_model::{Labels, MetricType, METRIC_NAME};

use super::gofmt::normalize_label_value;
use super::lexer::{is_label_name_char, is_label_name_start, is_metric_name_char};
use super::ParseError;

/// A sample line: metric name, labels, value and optional timestamp.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Series<'a> {
    /// The series text exactly as exposed (`name{a="b"}`): the scrape cache key.
    pub(crate) raw: &'a [u8],
    /// The metric name as written (without quotes, escapes not yet resolved).
    pub(crate) name: &'a [u8],
    pub(crate) value: f64,
    pub(crate) timestamp_ms: Option<i64>,
    pub(crate) metric_type: MetricType,
}

impl<'a> Series<'a> {
    /// The series text exactly as exposed (`name{a="b"}`), suitable as a cache key: the
    /// same bytes always produce the same label set.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The sample value; every NaN is Prometheus's normal NaN, never the stale marker.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The exposed timestamp in milliseconds (text format: as written; OpenMetrics:
    /// float seconds times 1000, truncated), if any.
    pub fn timestamp_ms(&self) -> Option<i64> {
        self.timestamp_ms
    }

    /// The type declared by the most recent `# TYPE` line (Prometheus's parsers keep it
    /// across families that declare none).
    pub fn metric_type(&self) -> MetricType {
        self.metric_type
    }

    /// The metric name with escapes resolved.
    pub fn metric_name(&self) -> Cow<'a, str> {
        unescape_lossy(self.name)
    }

    /// Builds the label set: `__name__` plus the exposed labels, `le`/`quantile` values
    /// normalised as Prometheus 3 does. Fails when a label name repeats.
    pub fn labels(&self) -> Result<Labels, ParseError> {
        let mut pairs: Vec<(Cow<'a, str>, Cow<'a, str>)> = Vec::with_capacity(8);
        self.collect_pairs(&mut pairs)?;
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for w in pairs.windows(2) {
            if let [a, b] = w {
                if a.0 == b.0 {
                    return Err(ParseError::new(format!(
                        "label name \"{}\" is not unique: invalid sample",
                        a.0
                    )));
                }
            }
        }
        Ok(Labels::from_sorted_unique(
            pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())),
        ))
    }

    fn collect_pairs(&self, out: &mut Vec<(Cow<'a, str>, Cow<'a, str>)>) -> Result<(), ParseError> {
        out.push((Cow::Borrowed(METRIC_NAME), self.metric_name()));
        let raw = self.raw;
        let mut rest: &'a [u8] = match raw.first() {
            Some(b'{') => raw.get(1..).unwrap_or(&[]),
            _ => {
                let name_len = raw
                    .iter()
                    .position(|&c| !is_metric_name_char(c))
                    .unwrap_or(raw.len());
                let after = skip_blanks(raw.get(name_len..).unwrap_or(&[]));
                match after.first() {
                    Some(b'{') => after.get(1..).unwrap_or(&[]),
                    _ => return Ok(()),
                }
            }
        };
        loop {
            rest = skip_blanks(rest);
            match rest.first() {
                None | Some(b'}') => return Ok(()),
                _ => {}
            }
            let (after_name, name) = label_name(rest).map_err(|_| corrupt(raw))?;
            let after_name = skip_blanks(after_name);
            match after_name.first() {
                Some(b',') | Some(b'}') if name.first() == Some(&b'"') => {
                    // A quoted string alone is the metric name, already recorded.
                    rest = after_name.get(1..).unwrap_or(&[]);
                    if after_name.first() == Some(&b'}') {
                        return Ok(());
                    }
                    continue;
                }
                Some(b'=') => {}
                _ => return Err(corrupt(raw)),
            }
            let after_eq = skip_blanks(after_name.get(1..).unwrap_or(&[]));
            let (after_value, value) = quoted(after_eq).map_err(|_| corrupt(raw))?;
            let name = unescape_lossy(strip_quotes(name));
            let value = unescape_lossy(strip_quotes(value));
            let value = normalize_label_value(self.metric_type, &name, value);
            out.push((name, value));
            rest = skip_blanks(after_value);
            if rest.first() == Some(&b',') {
                rest = rest.get(1..).unwrap_or(&[]);
            }
        }
    }
}

fn corrupt(raw: &[u8]) -> ParseError {
    ParseError::new(format!(
        "invalid series text: {}",
        super::gofmt::go_quote_bytes(raw)
    ))
}

fn skip_blanks(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .position(|&c| c != b' ' && c != b'\t')
        .unwrap_or(b.len());
    b.get(n..).unwrap_or(&[])
}

fn strip_quotes(b: &[u8]) -> &[u8] {
    match b {
        [b'"', inner @ .., b'"'] => inner,
        _ => b,
    }
}

/// `"..."` with backslash escapes (contents already validated by the lexer). A plain
/// byte loop: nom's `is_not` would search its stop set once per byte.
fn quoted(input: &[u8]) -> IResult<&[u8], &[u8]> {
    let fail = || {
        nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Escaped,
        ))
    };
    if input.first() != Some(&b'"') {
        return Err(fail());
    }
    let mut i = 1;
    loop {
        match input.get(i) {
            Some(b'"') => {
                let (q, rest) = input.split_at(i + 1);
                return Ok((rest, q));
            }
            Some(b'\\') => i += 2,
            Some(_) => i += 1,
            None => return Err(fail()),
        }
    }
}

/// A legacy label name or a quoted string.
fn label_name(input: &[u8]) -> IResult<&[u8], &[u8]> {
    alt((
        recognize(pair(
            take_while1(is_label_name_start),
            take_while(is_label_name_char),
        )),
        quoted,
    ))(input)
}

/// Resolves Prometheus's label-value escapes (`\"`, `\\`, `\n`; others stay as written)
/// and converts to text. The lexer has already checked UTF-8 validity.
pub(crate) fn unescape_lossy(b: &[u8]) -> Cow<'_, str> {
    unescape_with(b, true)
}

/// Help text of the text format: only `\\` and `\n` are escapes.
pub(crate) fn unescape_help(b: &[u8]) -> Cow<'_, str> {
    unescape_with(b, false)
}

fn unescape_with(b: &[u8], quote_escape: bool) -> Cow<'_, str> {
    if !b.contains(&b'\\') {
        // Same result as `from_utf8_lossy`; the plain check is quicker on valid text.
        return match std::str::from_utf8(b) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(b),
        };
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'\\' {
            match b.get(i + 1) {
                Some(b'\\') => {
                    out.push(b'\\');
                    i += 2;
                    continue;
                }
                Some(b'n') => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                Some(b'"') if quote_escape => {
                    out.push(b'"');
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(raw: &'static str, name: &'static str, t: MetricType) -> Series<'static> {
        Series {
            raw: raw.as_bytes(),
            name: name.as_bytes(),
            value: 1.0,
            timestamp_ms: None,
            metric_type: t,
        }
    }

    #[test]
    fn builds_labels_from_raw_text() {
        let s = series(r#"m { b="x\"y" , a="1",}"#, "m", MetricType::Unknown);
        assert_eq!(
            s.labels().unwrap(),
            Labels::from_pairs([("__name__", "m"), ("a", "1"), ("b", "x\"y")])
        );
        let q = series(r#"{"my.metric","a.b"="c"}"#, "my.metric", MetricType::Gauge);
        assert_eq!(
            q.labels().unwrap(),
            Labels::from_pairs([("__name__", "my.metric"), ("a.b", "c")])
        );
        let h = series(r#"h_bucket{le="1"}"#, "h_bucket", MetricType::Histogram);
        assert_eq!(h.labels().unwrap().get("le"), Some("1.0"));
        let d = series(r#"m{a="1",a="2"}"#, "m", MetricType::Unknown);
        assert_eq!(
            d.labels().unwrap_err().to_string(),
            r#"label name "a" is not unique: invalid sample"#
        );
    }

    #[test]
    fn unescapes_like_prometheus() {
        assert_eq!(unescape_lossy(br#"a\\n\"\t"#), "a\\n\"\\t");
        assert_eq!(unescape_help(br#"a\n\""#), "a\n\\\"");
    }
}
