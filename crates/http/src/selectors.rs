//! `match[]` parameters: metric selectors (`up{job="api"}`) parsed into matcher sets,
//! with Prometheus's check that each set has a matcher that does not match the empty
//! string.
//!
//! The parsing itself is a small stand-in for `promlite-promql-parser`'s selector
//! parser, which replaces it once it lands; it accepts the selector subset of PromQL.

use promlite_model::{MatchOp, Matcher, METRIC_NAME};

use crate::error::ApiError;

/// A selector parse error in Prometheus's layout: `1:5: parse error: <what>`.
fn parse_error(pos: usize, what: impl std::fmt::Display) -> String {
    format!("1:{}: parse error: {what}", pos + 1)
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn skip_ws(&mut self) {
        while let Some(c) = self.s[self.pos..].chars().next() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn identifier(&mut self, metric: bool) -> Option<&'a str> {
        let start = self.pos;
        for (i, c) in self.s[start..].char_indices() {
            let ok = c.is_ascii_alphabetic()
                || c == '_'
                || (metric && c == ':')
                || (i > 0 && c.is_ascii_digit());
            if !ok {
                break;
            }
            self.pos = start + i + c.len_utf8();
        }
        (self.pos > start).then(|| &self.s[start..self.pos])
    }

    fn string(&mut self) -> Result<String, String> {
        let start = self.pos;
        let quote = self
            .peek()
            .ok_or_else(|| parse_error(start, "unexpected end of input"))?;
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.s[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                self.pos += i + 1;
                return Ok(out);
            }
            if c == '\\' && quote != '`' {
                let (_, e) = chars
                    .next()
                    .ok_or_else(|| parse_error(start, "unterminated quoted string"))?;
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
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut v = 0u32;
                        for _ in 0..n {
                            let (_, h) = chars
                                .next()
                                .ok_or_else(|| parse_error(start, "unterminated quoted string"))?;
                            let d = h
                                .to_digit(16)
                                .ok_or_else(|| parse_error(start, "invalid escape sequence"))?;
                            v = v * 16 + d;
                        }
                        out.push(
                            char::from_u32(v)
                                .ok_or_else(|| parse_error(start, "invalid escape sequence"))?,
                        );
                    }
                    _ => return Err(parse_error(start, "unknown escape sequence")),
                }
                continue;
            }
            out.push(c);
        }
        Err(parse_error(start, "unterminated quoted string"))
    }

    fn op(&mut self) -> Option<MatchOp> {
        let rest = &self.s[self.pos..];
        let (op, len) = if rest.starts_with("=~") {
            (MatchOp::RegexMatch, 2)
        } else if rest.starts_with("!~") {
            (MatchOp::RegexNoMatch, 2)
        } else if rest.starts_with("!=") {
            (MatchOp::NotEqual, 2)
        } else if rest.starts_with('=') {
            (MatchOp::Equal, 1)
        } else {
            return None;
        };
        self.pos += len;
        Some(op)
    }
}

/// Parses one metric selector into matchers (the metric name as `__name__="..."`).
pub fn parse_metric_selector(s: &str) -> Result<Vec<Matcher>, String> {
    let mut c = Cursor { s, pos: 0 };
    let mut matchers = Vec::new();
    c.skip_ws();
    if let Some(name) = c.identifier(true) {
        matchers.push(Matcher::equal(METRIC_NAME, name));
    }
    c.skip_ws();
    if c.peek() == Some('{') {
        c.pos += 1;
        loop {
            c.skip_ws();
            match c.peek() {
                None => return Err(parse_error(c.pos, "unexpected end of input inside braces")),
                Some('}') => {
                    c.pos += 1;
                    break;
                }
                _ => {}
            }
            let name_pos = c.pos;
            let name = match c.peek() {
                Some('"') | Some('\'') | Some('`') => c.string()?,
                _ => c
                    .identifier(false)
                    .map(str::to_string)
                    .ok_or_else(|| match c.peek() {
                        Some(ch) => parse_error(
                            c.pos,
                            format!("unexpected character inside braces: {ch:?}"),
                        ),
                        None => parse_error(c.pos, "unexpected end of input inside braces"),
                    })?,
            };
            c.skip_ws();
            match c.op() {
                Some(op) => {
                    c.skip_ws();
                    if !matches!(c.peek(), Some('"') | Some('\'') | Some('`')) {
                        return Err(match c.peek() {
                            None => parse_error(c.pos, "unexpected end of input inside braces"),
                            Some(_) => parse_error(
                                c.pos,
                                "unexpected identifier in label matching, expected string",
                            ),
                        });
                    }
                    let value = c.string()?;
                    let m = Matcher::new(op, name, value).map_err(|e| {
                        parse_error(name_pos, format!("invalid regular expression: {e}"))
                    })?;
                    matchers.push(m);
                }
                // A lone quoted string is the metric name (Prometheus 3 UTF-8 syntax).
                None if c.s[name_pos..].starts_with(['"', '\'', '`']) => {
                    matchers.push(Matcher::equal(METRIC_NAME, name));
                }
                None => {
                    return Err(match c.peek() {
                        None => parse_error(c.pos, "unexpected end of input inside braces"),
                        Some(_) => parse_error(
                            c.pos,
                            "unexpected character inside braces, expected label matching operator",
                        ),
                    })
                }
            }
            c.skip_ws();
            match c.peek() {
                Some(',') => c.pos += 1,
                Some('}') => {}
                None => return Err(parse_error(c.pos, "unexpected end of input inside braces")),
                Some(ch) => {
                    return Err(parse_error(
                        c.pos,
                        format!("unexpected character inside braces: {ch:?}"),
                    ))
                }
            }
        }
    }
    c.skip_ws();
    if c.pos != s.len() {
        return Err(parse_error(c.pos, "unexpected input after selector"));
    }
    if matchers.is_empty() {
        return Err(parse_error(0, "unexpected end of input"));
    }
    if matchers.iter().all(Matcher::matches_empty) {
        return Err(parse_error(
            0,
            "vector selector must contain at least one non-empty matcher",
        ));
    }
    Ok(matchers)
}

/// Prometheus's `parseMatchersParam`: every `match[]` value parsed; the error text is
/// the parser's (callers decide whether to prefix `invalid parameter "match[]"`).
pub fn parse_match_params(values: &[&str]) -> Result<Vec<Vec<Matcher>>, String> {
    let mut sets = Vec::with_capacity(values.len());
    for v in values {
        let set = parse_metric_selector(v)?;
        if set.iter().all(Matcher::matches_empty) {
            return Err("match[] must contain at least one non-empty matcher".to_string());
        }
        sets.push(set);
    }
    Ok(sets)
}

/// [`parse_match_params`] with a bad_data error.
pub fn match_params_or_bad_data(values: &[&str]) -> Result<Vec<Vec<Matcher>>, ApiError> {
    parse_match_params(values).map_err(ApiError::bad_data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_selectors() {
        let m = parse_metric_selector(r#"up{job="api", code=~"5..",}"#).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].to_string(), r#"__name__="up""#);
        let m = parse_metric_selector(r#"{"my.metric", le='1.0'}"#).unwrap();
        assert_eq!(m[0].value, "my.metric");
        assert_eq!(m[1].value, "1.0");
        assert!(parse_metric_selector("up{")
            .unwrap_err()
            .contains("parse error"));
        assert!(parse_metric_selector(r#"{job=~".*"}"#)
            .unwrap_err()
            .contains("non-empty matcher"));
        assert!(parse_metric_selector("up[5m]").is_err());
        assert!(parse_metric_selector("").is_err());
        assert!(parse_metric_selector("up{job=}").is_err());
        assert!(parse_metric_selector(r#"up{job=~"("}"#).is_err());
    }
}
