//! The Prometheus text format 0.0.4 parser (`text/plain`), following the grammar and
//! the error wording of Prometheus's `promparse.go`.

use std::borrow::Cow;

use promlite_model::MetricType;

use super::gofmt::{go_quote_bytes, parse_go_float, parse_go_int};
use super::lexer::{
    is_metric_name_char, is_metric_name_start, is_text_value_char, Lexer, State, Token,
};
use super::series::{unescape_help, unescape_lossy, Series};
use super::{Entry, ParseError};

/// Parses a text-format body entry by entry. Stops for good after the first error.
pub struct TextParser<'a> {
    l: Lexer<'a>,
    /// Where the current entry began (Go's `p.start`).
    start: usize,
    metric_type: MetricType,
    /// Metric name span of the current series: (start, end) in the body.
    name: Option<(usize, usize)>,
    /// Where the series text begins: the first token of the line. Prometheus counts
    /// leading blanks into the metric name; we do not.
    series_start: usize,
    finished: bool,
}

impl<'a> TextParser<'a> {
    pub fn new(body: &'a [u8]) -> TextParser<'a> {
        TextParser {
            l: Lexer::new(body, true),
            start: 0,
            metric_type: MetricType::Unknown,
            name: None,
            series_start: 0,
            finished: false,
        }
    }

    /// A parser for one line-aligned chunk of a larger body, continuing the metric type
    /// of the previous chunk.
    pub(crate) fn for_chunk(body: &'a [u8], metric_type: MetricType) -> TextParser<'a> {
        let mut p = TextParser::new(body);
        p.metric_type = metric_type;
        p
    }

    pub(crate) fn current_metric_type(&self) -> MetricType {
        self.metric_type
    }

    /// Byte offset of the next unread entry (for progress reporting on big inputs).
    pub fn offset(&self) -> usize {
        self.l.i.min(self.l.b.len())
    }

    fn next_token(&mut self) -> Token {
        loop {
            let t = self.l.lex_text();
            if t != Token::Whitespace {
                return t;
            }
        }
    }

    fn parse_error(&self, expected: &str, got: Token) -> ParseError {
        let e = self.l.n.min(self.l.i + 1);
        ParseError::new(format!(
            "{expected}, got {} ({}) while parsing: {}",
            go_quote_bytes(&self.l.slice(self.l.start, e)),
            promlite_model::go_quote(got.name()),
            go_quote_bytes(&self.l.slice(self.start, e)),
        ))
    }

    fn while_parsing(&self, err: String) -> ParseError {
        ParseError::new(format!(
            "{err} while parsing: {}",
            go_quote_bytes(&self.l.slice(self.start, self.l.i))
        ))
    }

    /// The next entry, `Ok(None)` at the end of the body.
    pub fn next_entry(&mut self) -> Result<Option<Entry<'a>>, ParseError> {
        self.next_entry_expecting(None)
    }

    /// [`TextParser::next_entry`], told the series text the next line probably starts
    /// with (the scrape cache's guess from the previous scrape). When the line does start
    /// with exactly that text, its name and labels are not lexed again: the lexer on the
    /// same bytes, from the same state, would reach the same place in the same state
    /// with the same outcome. Anything unusual falls back to the token-by-token path, so
    /// the result, errors included, is what `next_entry` gives.
    pub(crate) fn next_entry_expecting(
        &mut self,
        expected: Option<&[u8]>,
    ) -> Result<Option<Entry<'a>>, ParseError> {
        if self.finished {
            return Ok(None);
        }
        let fast = match expected {
            Some(e) => self.known_series_line(e),
            None => None,
        };
        let r = match fast {
            Some(entry) => Ok(Some(entry)),
            None => self.next_entry_inner(),
        };
        if !matches!(r, Ok(Some(_))) {
            self.finished = true;
        }
        r
    }

    /// The fast path of [`TextParser::next_entry_expecting`]: `Some` only for a valid
    /// series line starting with `expected`; otherwise the lexer is left where it was.
    fn known_series_line(&mut self, expected: &[u8]) -> Option<Entry<'a>> {
        let line = self.l.i;
        // Only a name-first series text at the very start of a line (the usual shape; a
        // line with leading blanks or a quoted name takes the slow path). The lexer is
        // in its initial state at every line start.
        let name_len = expected
            .iter()
            .position(|&c| !is_metric_name_char(c))
            .unwrap_or(expected.len());
        if name_len == 0
            || !expected.first().is_some_and(|&c| is_metric_name_start(c))
            || self.l.state != State::Init
        {
            return None;
        }
        let end = line.checked_add(expected.len())?;
        if self.l.b.get(line..end)? != expected {
            return None;
        }
        if name_len == expected.len() {
            // A bare name: the name token ends here only if no name byte follows.
            if self.l.b.get(end).is_some_and(|&c| is_metric_name_char(c)) {
                return None;
            }
        } else if expected.get(name_len) != Some(&b'{') || expected.last() != Some(&b'}') {
            // Only `name{...}`: anything else between the name and the value (blanks
            // before the brace) is left to the slow path.
            return None;
        }
        if let Some(entry) = self.blanks_value_newline(line, end, name_len) {
            return Some(entry);
        }
        let saved = (self.l.start, self.l.last_quoted_ascii);
        self.start = line;
        self.series_start = line;
        self.name = Some((line, line + name_len));
        self.l.i = end;
        self.l.start = end;
        self.l.state = State::Value;
        let t = self.next_token();
        if t == Token::Value {
            if let Ok(entry) = self.parse_metric_suffix(t, end) {
                return Some(entry);
            }
        }
        // Not the line we expected after all (labels follow a bare name, or the rest of
        // the line is malformed): lex it from its start the usual way.
        self.l.i = line;
        (self.l.start, self.l.last_quoted_ascii) = saved;
        self.l.state = State::Init;
        self.name = None;
        None
    }

    fn next_entry_inner(&mut self) -> Result<Option<Entry<'a>>, ParseError> {
        loop {
            self.start = self.l.i;
            self.name = None;
            let t = self.next_token();
            self.series_start = self.l.start;
            match t {
                Token::Eof => return Ok(None),
                Token::Linebreak => continue,
                Token::Help | Token::Type => return self.parse_metadata(t).map(Some),
                Token::Comment => {
                    let text = self.l.buf();
                    let t2 = self.next_token();
                    if t2 != Token::Linebreak {
                        return Err(self.parse_error("linebreak expected after comment", t2));
                    }
                    return Ok(Some(Entry::Comment(text)));
                }
                Token::BraceOpen => {
                    self.parse_label_values()?;
                    let raw_end = self.l.i;
                    let t2 = self.next_token();
                    return self.parse_metric_suffix(t2, raw_end).map(Some);
                }
                Token::MName => {
                    self.name = Some((self.series_start, self.l.i));
                    let mut raw_end = self.l.i;
                    let mut t2 = self.next_token();
                    if t2 == Token::BraceOpen {
                        self.parse_label_values()?;
                        raw_end = self.l.i;
                        t2 = self.next_token();
                    }
                    return self.parse_metric_suffix(t2, raw_end).map(Some);
                }
                _ => return Err(self.parse_error("expected a valid start token", t)),
            }
        }
    }

    fn parse_metadata(&mut self, t: Token) -> Result<Entry<'a>, ParseError> {
        let t2 = self.next_token();
        if t2 != Token::MName {
            return Err(self.parse_error(&format!("expected metric name after {}", t.name()), t2));
        }
        let family = metadata_name(self.l.buf());
        let t3 = self.next_token();
        if t3 != Token::Text {
            return Err(ParseError::new(format!(
                "expected text in {}, got {}",
                t.name(),
                t3.name()
            )));
        }
        let buf = self.l.buf();
        let text: &'a [u8] = if buf.len() > 1 {
            buf.get(1..).unwrap_or(&[])
        } else {
            &[]
        };
        let entry = if t == Token::Type {
            let metric_type = match text {
                b"counter" => MetricType::Counter,
                b"gauge" => MetricType::Gauge,
                b"histogram" => MetricType::Histogram,
                b"summary" => MetricType::Summary,
                b"untyped" => MetricType::Unknown,
                _ => {
                    return Err(ParseError::new(format!(
                        "invalid metric type {}",
                        go_quote_bytes(text)
                    )))
                }
            };
            self.metric_type = metric_type;
            Entry::Type {
                metric_family: family,
                metric_type,
            }
        } else {
            if std::str::from_utf8(text).is_err() {
                return Err(ParseError::new(format!(
                    "help text {} is not a valid utf8 string",
                    go_quote_bytes(text)
                )));
            }
            Entry::Help {
                metric_family: family,
                help: unescape_help(text),
            }
        };
        let t4 = self.next_token();
        if t4 != Token::Linebreak {
            return Err(self.parse_error("linebreak expected after metadata", t4));
        }
        Ok(entry)
    }

    /// The inside of `{...}`; the opening brace has been read.
    fn parse_label_values(&mut self) -> Result<(), ParseError> {
        while self.l.fast_label_pair() {}
        let mut t = self.next_token();
        loop {
            let (tok_start, tok_end) = (self.l.start, self.l.i);
            let quoted = match t {
                Token::BraceClose => return Ok(()),
                Token::LName => false,
                Token::QString => true,
                _ => return Err(self.parse_error("expected label name", t)),
            };
            if quoted && !self.l.last_quoted_ascii {
                check_utf8_name(self.l.buf())?;
            }
            t = self.next_token();
            // A quoted string followed by a comma or a brace is the metric name.
            if quoted && (t == Token::Comma || t == Token::BraceClose) {
                if self.name.is_some() {
                    return Err(ParseError::new(format!(
                        "metric name already set while parsing: {}",
                        go_quote_bytes(&self.l.slice(self.start, self.l.i))
                    )));
                }
                self.name = Some((tok_start + 1, tok_end.saturating_sub(1)));
                if t == Token::BraceClose {
                    return Ok(());
                }
                t = self.next_token();
                continue;
            }
            if t != Token::Equal {
                return Err(self.parse_error("expected equal", t));
            }
            let t2 = self.next_token();
            if t2 != Token::LValue {
                return Err(self.parse_error("expected label value", t2));
            }
            if !self.l.last_quoted_ascii && std::str::from_utf8(self.l.buf()).is_err() {
                return Err(ParseError::new(format!(
                    "invalid UTF-8 label value: {}",
                    go_quote_bytes(self.l.buf())
                )));
            }
            // A trailing comma is allowed; so is whitespace between pairs.
            t = self.next_token();
            if t == Token::Comma {
                while self.l.fast_label_pair() {}
                t = self.next_token();
            }
        }
    }

    /// The usual rest of a known series line, read without the token machinery: blanks,
    /// a value the float parser accepts, a real newline. The lexer would read the same:
    /// a blank run, a value run ending at the newline, the line break; the parser ends
    /// up in the same place in the same state. `None` (nothing consumed) otherwise.
    fn blanks_value_newline(
        &mut self,
        line: usize,
        end: usize,
        name_len: usize,
    ) -> Option<Entry<'a>> {
        let b = self.l.b;
        let rest = b.get(end..)?;
        let blanks = rest
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count();
        let value_text = rest.get(blanks..)?;
        let value_len = value_text
            .iter()
            .take_while(|&&c| is_text_value_char(c))
            .count();
        if blanks == 0 || value_len == 0 || value_text.get(value_len) != Some(&b'\n') {
            return None;
        }
        let value = parse_go_float(value_text.get(..value_len)?).ok()?;
        let series = Series {
            raw: b.get(line..end)?,
            name: b.get(line..line + name_len)?,
            value,
            timestamp_ms: None,
            metric_type: self.metric_type,
        };
        let newline = end + blanks + value_len;
        self.start = line;
        self.series_start = line;
        self.name = Some((line, line + name_len));
        self.l.start = newline;
        self.l.i = newline + 1;
        self.l.state = State::Init;
        Some(Entry::Series(series))
    }

    fn parse_metric_suffix(&mut self, t: Token, raw_end: usize) -> Result<Entry<'a>, ParseError> {
        let Some((name_start, name_end)) = self.name else {
            return Err(ParseError::new(format!(
                "metric name not set while parsing: {}",
                go_quote_bytes(&self.l.slice(self.start, self.l.i))
            )));
        };
        if t != Token::Value {
            return Err(self.parse_error("expected value after metric", t));
        }
        let value = parse_go_float(self.l.buf()).map_err(|e| self.while_parsing(e))?;
        let mut timestamp_ms = None;
        match self.next_token() {
            Token::Linebreak => {}
            Token::Timestamp => {
                timestamp_ms = Some(parse_go_int(self.l.buf()).map_err(|e| self.while_parsing(e))?);
                let t2 = self.next_token();
                if t2 != Token::Linebreak {
                    return Err(self.parse_error("expected next entry after timestamp", t2));
                }
            }
            other => return Err(self.parse_error("expected timestamp or new record", other)),
        }
        let body = self.l.b;
        Ok(Entry::Series(Series {
            raw: body.get(self.series_start..raw_end).unwrap_or(&[]),
            name: body.get(name_start..name_end).unwrap_or(&[]),
            value,
            timestamp_ms,
            metric_type: self.metric_type,
        }))
    }
}

/// The family name of a metadata line, quotes removed and escapes resolved.
pub(crate) fn metadata_name(token: &[u8]) -> Cow<'_, str> {
    match token {
        [b'"', inner @ .., b'"'] => unescape_lossy(inner),
        _ => unescape_lossy(token),
    }
}

/// Quoted label and metric names must be UTF-8 (Prometheus rejects them when it
/// validates the label set; we reject them while parsing).
pub(crate) fn check_utf8_name(token: &[u8]) -> Result<(), ParseError> {
    if std::str::from_utf8(token).is_err() {
        return Err(ParseError::new(format!(
            "invalid UTF-8 label name: {}",
            go_quote_bytes(token)
        )));
    }
    Ok(())
}
