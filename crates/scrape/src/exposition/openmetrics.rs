//! The OpenMetrics 1.0 text parser (`application/openmetrics-text`), following the
//! grammar and error wording of Prometheus's `openmetricsparse.go`. Exemplars are
//! checked for syntax and ignored; timestamps are float seconds, truncated to ms.

use promlite_model::MetricType;

use super::gofmt::{go_percent_f, go_quote_bytes, parse_go_float};
use super::lexer::{Lexer, State, Token};
use super::series::{unescape_lossy, Series};
use super::text::{check_utf8_name, metadata_name};
use super::{Entry, ParseError, ParserOptions};

const NO_EOF: &str = "data does not end with # EOF";

/// Parses an OpenMetrics body entry by entry. The body must end with `# EOF`.
pub struct OpenMetricsParser<'a> {
    l: Lexer<'a>,
    start: usize,
    metric_type: MetricType,
    name: Option<(usize, usize)>,
    options: ParserOptions,
    /// When false, reaching the end of input at a line start is a clean end rather than a
    /// missing `# EOF` (for parsing a big body in line-aligned chunks).
    require_eof: bool,
    saw_eof_marker: bool,
    finished: bool,
}

impl<'a> OpenMetricsParser<'a> {
    pub fn new(body: &'a [u8]) -> OpenMetricsParser<'a> {
        OpenMetricsParser::with_options(body, ParserOptions::default())
    }

    pub fn with_options(body: &'a [u8], options: ParserOptions) -> OpenMetricsParser<'a> {
        OpenMetricsParser {
            l: Lexer::new(body, false),
            start: 0,
            metric_type: MetricType::Unknown,
            name: None,
            options,
            require_eof: true,
            saw_eof_marker: false,
            finished: false,
        }
    }

    /// A parser for one line-aligned chunk of a larger body: `# EOF` is not required at
    /// its end, and the metric type carries over from the previous chunk.
    pub(crate) fn for_chunk(
        body: &'a [u8],
        options: ParserOptions,
        metric_type: MetricType,
        is_last: bool,
    ) -> OpenMetricsParser<'a> {
        let mut p = OpenMetricsParser::with_options(body, options);
        p.metric_type = metric_type;
        p.require_eof = is_last;
        p
    }

    pub(crate) fn current_metric_type(&self) -> MetricType {
        self.metric_type
    }

    /// Whether `# EOF` has been read.
    pub fn saw_eof_marker(&self) -> bool {
        self.saw_eof_marker
    }

    /// Byte offset of the next unread entry.
    pub fn offset(&self) -> usize {
        self.l.i.min(self.l.b.len())
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

    /// The next entry, `Ok(None)` after `# EOF`.
    pub fn next_entry(&mut self) -> Result<Option<Entry<'a>>, ParseError> {
        if self.finished {
            return Ok(None);
        }
        let r = self.next_entry_inner();
        if !matches!(r, Ok(Some(_))) {
            self.finished = true;
        }
        r
    }

    fn next_entry_inner(&mut self) -> Result<Option<Entry<'a>>, ParseError> {
        loop {
            self.start = self.l.i;
            self.name = None;
            let t = self.l.lex_openmetrics();
            match t {
                Token::EofWord => {
                    self.saw_eof_marker = true;
                    if self.l.lex_openmetrics() != Token::Eof {
                        return Err(ParseError::new("unexpected data after # EOF"));
                    }
                    return Ok(None);
                }
                Token::Eof if !self.require_eof && self.l.state == State::Init => return Ok(None),
                Token::Eof => return Err(ParseError::new(NO_EOF)),
                Token::Help | Token::Type | Token::Unit => return self.parse_metadata(t).map(Some),
                Token::BraceOpen | Token::MName => {
                    let mut raw_end = self.l.i;
                    let mut t2 = Token::BraceOpen;
                    if t == Token::MName {
                        self.name = Some((self.start, self.l.i));
                        t2 = self.l.lex_openmetrics();
                    }
                    if t2 == Token::BraceOpen {
                        self.parse_label_values(false)?;
                        raw_end = self.l.i;
                        t2 = self.l.lex_openmetrics();
                    }
                    let series = self.parse_series_end(t2, raw_end)?;
                    if self.options.skip_created_series && self.is_created_series(&series) {
                        continue;
                    }
                    return Ok(Some(Entry::Series(series)));
                }
                _ => return Err(self.parse_error("expected a valid start token", t)),
            }
        }
    }

    fn is_created_series(&self, series: &Series<'_>) -> bool {
        matches!(
            self.metric_type,
            MetricType::Counter | MetricType::Summary | MetricType::Histogram
        ) && series.name.ends_with(b"_created")
    }

    fn parse_metadata(&mut self, t: Token) -> Result<Entry<'a>, ParseError> {
        let t2 = self.l.lex_openmetrics();
        if t2 != Token::MName {
            return Err(self.parse_error(&format!("expected metric name after {}", t.name()), t2));
        }
        let name_token = self.l.buf();
        let family = metadata_name(name_token);
        if self.l.lex_openmetrics() != Token::Text {
            return Err(ParseError::new(format!("expected text in {}", t.name())));
        }
        let buf = self.l.buf();
        // The token is ` text\n`: drop the leading space and the newline.
        let text: &'a [u8] = if buf.len() > 1 {
            buf.get(1..buf.len() - 1).unwrap_or(&[])
        } else {
            &[]
        };
        match t {
            Token::Type => {
                let metric_type = match text {
                    b"counter" => MetricType::Counter,
                    b"gauge" => MetricType::Gauge,
                    b"histogram" => MetricType::Histogram,
                    b"gaugehistogram" => MetricType::GaugeHistogram,
                    b"summary" => MetricType::Summary,
                    b"info" => MetricType::Info,
                    b"stateset" => MetricType::StateSet,
                    b"unknown" => MetricType::Unknown,
                    _ => {
                        return Err(ParseError::new(format!(
                            "invalid metric type {}",
                            go_quote_bytes(text)
                        )))
                    }
                };
                self.metric_type = metric_type;
                Ok(Entry::Type {
                    metric_family: family,
                    metric_type,
                })
            }
            Token::Help => {
                if std::str::from_utf8(text).is_err() {
                    return Err(ParseError::new(format!(
                        "help text {} is not a valid utf8 string",
                        go_quote_bytes(text)
                    )));
                }
                Ok(Entry::Help {
                    metric_family: family,
                    help: unescape_lossy(text),
                })
            }
            _ => {
                let raw_name = match name_token {
                    [b'"', inner @ .., b'"'] => inner,
                    other => other,
                };
                if !text.is_empty() {
                    let suffix_ok = raw_name.len() > text.len()
                        && raw_name.ends_with(text)
                        && raw_name.get(raw_name.len() - text.len() - 1) == Some(&b'_');
                    if !suffix_ok {
                        return Err(ParseError::new(format!(
                            "unit {} not a suffix of metric {}",
                            go_quote_bytes(text),
                            go_quote_bytes(raw_name)
                        )));
                    }
                }
                Ok(Entry::Unit {
                    metric_family: family,
                    unit: String::from_utf8_lossy(text),
                })
            }
        }
    }

    /// The inside of `{...}` of a series (or of an exemplar when `exemplar`).
    fn parse_label_values(&mut self, exemplar: bool) -> Result<(), ParseError> {
        if !exemplar {
            while self.l.fast_label_pair() {}
        }
        let mut t = self.l.lex_openmetrics();
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
            t = self.l.lex_openmetrics();
            if quoted && (t == Token::Comma || t == Token::BraceClose) {
                if exemplar {
                    return Err(self.parse_error("expected label name", t));
                }
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
                t = self.l.lex_openmetrics();
                continue;
            }
            if t != Token::Equal {
                return Err(self.parse_error("expected equal", t));
            }
            let t2 = self.l.lex_openmetrics();
            if t2 != Token::LValue {
                return Err(self.parse_error("expected label value", t2));
            }
            if !self.l.last_quoted_ascii && std::str::from_utf8(self.l.buf()).is_err() {
                return Err(ParseError::new(format!(
                    "invalid UTF-8 label value: {}",
                    go_quote_bytes(self.l.buf())
                )));
            }
            t = self.l.lex_openmetrics();
            if t == Token::Comma {
                if !exemplar {
                    while self.l.fast_label_pair() {}
                }
                t = self.l.lex_openmetrics();
            } else if t != Token::BraceClose {
                return Err(self.parse_error("expected comma or brace close", t));
            }
        }
    }

    fn float_value(&self, t: Token, after: &str) -> Result<f64, ParseError> {
        if t != Token::Value {
            return Err(self.parse_error(&format!("expected value after {after}"), t));
        }
        parse_go_float(self.l.buf().get(1..).unwrap_or(&[])).map_err(|e| self.while_parsing(e))
    }

    fn float_timestamp(&self, what: &str) -> Result<i64, ParseError> {
        let ts = parse_go_float(self.l.buf().get(1..).unwrap_or(&[]))
            .map_err(|e| self.while_parsing(e))?;
        if !ts.is_finite() {
            return Err(ParseError::new(format!(
                "invalid {what} {}",
                go_percent_f(ts)
            )));
        }
        // Prometheus truncates (Go's int64 conversion), it does not round.
        Ok((ts * 1000.0) as i64)
    }

    fn parse_series_end(&mut self, t: Token, raw_end: usize) -> Result<Series<'a>, ParseError> {
        let Some((name_start, name_end)) = self.name else {
            return Err(ParseError::new(format!(
                "metric name not set while parsing: {}",
                go_quote_bytes(&self.l.slice(self.start, self.l.i))
            )));
        };
        let value = self.float_value(t, "metric")?;
        let mut timestamp_ms = None;
        match self.l.lex_openmetrics() {
            Token::Eof => return Err(ParseError::new(NO_EOF)),
            Token::Comment => self.parse_exemplar()?,
            Token::Timestamp => {
                timestamp_ms = Some(self.float_timestamp("timestamp")?);
                match self.l.lex_openmetrics() {
                    Token::Linebreak => {}
                    Token::Comment => self.parse_exemplar()?,
                    t3 => return Err(self.parse_error("expected next entry after timestamp", t3)),
                }
            }
            // Prometheus accepts anything else here and lets the next line fail.
            _ => {}
        }
        let body = self.l.b;
        Ok(Series {
            raw: body.get(self.start..raw_end).unwrap_or(&[]),
            name: body.get(name_start..name_end).unwrap_or(&[]),
            value,
            timestamp_ms,
            metric_type: self.metric_type,
        })
    }

    /// ` # {labels} value [timestamp]`: checked and ignored.
    fn parse_exemplar(&mut self) -> Result<(), ParseError> {
        self.parse_label_values(true)?;
        let t = self.l.lex_openmetrics();
        self.float_value(t, "exemplar labels")?;
        match self.l.lex_openmetrics() {
            Token::Eof => Err(ParseError::new(NO_EOF)),
            Token::Linebreak => Ok(()),
            Token::Timestamp => {
                self.float_timestamp("exemplar timestamp")?;
                match self.l.lex_openmetrics() {
                    Token::Linebreak => Ok(()),
                    t3 => Err(self.parse_error("expected next entry after exemplar timestamp", t3)),
                }
            }
            t2 => Err(self.parse_error("expected timestamp or comment", t2)),
        }
    }
}
