//! Vector selectors (`name{label="value", ...}`, quoted UTF-8 names included), label
//! matchers and the label lists of `by`, `without`, `on`, `ignoring` and `group_*`.

use promlite_model::{go_quote, MatchOp, Matcher, METRIC_NAME};

use super::{is_grouping_label_token, PResult, Parser};
use crate::ast::{Expr, Span, VectorSelector};
use crate::token::{Token, TokenKind};

fn match_op(kind: TokenKind) -> Option<MatchOp> {
    match kind {
        TokenKind::Assign => Some(MatchOp::Equal),
        TokenKind::Neq => Some(MatchOp::NotEqual),
        TokenKind::EqlRegex => Some(MatchOp::RegexMatch),
        TokenKind::NeqRegex => Some(MatchOp::RegexNoMatch),
        _ => None,
    }
}

/// One entry of a `{...}` list before assembly.
enum MatcherEntry {
    /// A bare quoted name: `{"my.metric"}`.
    MetricName(String),
    Label(Matcher),
}

impl Parser<'_> {
    /// A vector selector whose metric name token (if any) has been consumed.
    pub(crate) fn parse_vector_selector(&mut self, name: Option<Token>) -> PResult<Expr> {
        let mut span = match name {
            Some(token) => Span::new(token.start, token.end),
            None => Span::new(self.peek()?.start, self.peek()?.end),
        };
        let mut entries = Vec::new();
        if name.is_none() || self.peek_kind()? == TokenKind::LeftBrace {
            let (parsed, close) = self.parse_label_matchers()?;
            entries = parsed;
            span.end = close.end as u32;
        }
        let outside_name = name.map(|token| self.text(token).to_string());
        Ok(Expr::VectorSelector(assemble_selector(
            outside_name,
            entries,
            span,
        )))
    }

    /// `{ matcher, ... }`; returns the entries and the closing brace.
    fn parse_label_matchers(&mut self) -> PResult<(Vec<MatcherEntry>, Token)> {
        self.expect(TokenKind::LeftBrace)?;
        let mut entries = Vec::new();
        if self.peek_kind()? == TokenKind::RightBrace {
            return Ok((entries, self.advance()?));
        }
        loop {
            entries.push(self.parse_label_matcher()?);
            match self.peek_kind()? {
                TokenKind::Comma => {
                    self.advance()?;
                    if self.peek_kind()? == TokenKind::RightBrace {
                        return Ok((entries, self.advance()?));
                    }
                }
                TokenKind::RightBrace => return Ok((entries, self.advance()?)),
                _ => return Err(self.unexpected("label matching", "\",\" or \"}\"")),
            }
        }
    }

    fn parse_label_matcher(&mut self) -> PResult<MatcherEntry> {
        let name_token = self.peek()?;
        let name = match name_token.kind {
            TokenKind::Identifier => self.text(name_token).to_string(),
            TokenKind::String => self.unquote_token(name_token)?,
            _ => return Err(self.unexpected("label matching", "identifier or \"}\"")),
        };
        self.advance()?;
        let Some(op) = match_op(self.peek_kind()?) else {
            if name_token.kind == TokenKind::String {
                return Ok(MatcherEntry::MetricName(name));
            }
            return Err(self.unexpected("label matching", "label matching operator"));
        };
        self.advance()?;
        let value_token = self.peek()?;
        if value_token.kind != TokenKind::String {
            return Err(self.unexpected("label matching", "string"));
        }
        self.advance()?;
        let value = self.unquote_token(value_token)?;
        Matcher::new(op, name, value)
            .map(MatcherEntry::Label)
            .map_err(|e| self.error_at(Span::new(name_token.start, value_token.end), e.to_string()))
    }

    /// `( label, ... )` after `by`, `without`, `on`, `ignoring`, `group_left`, `group_right`.
    pub(crate) fn parse_grouping_labels(&mut self) -> PResult<Vec<String>> {
        if self.peek_kind()? != TokenKind::LeftParen {
            return Err(self.unexpected("grouping opts", "\"(\""));
        }
        self.advance()?;
        let mut labels = Vec::new();
        if self.peek_kind()? == TokenKind::RightParen {
            self.last_grouping_end = self.advance()?.end;
            return Ok(labels);
        }
        loop {
            let token = self.peek()?;
            let label = if token.kind == TokenKind::String {
                let label = self.unquote_token(token)?;
                if label.is_empty() {
                    return Err(self.error_at(
                        Span::new(token.start, token.end),
                        format!("invalid label name for grouping: {}", go_quote(&label)),
                    ));
                }
                label
            } else if is_grouping_label_token(token.kind) {
                self.text(token).to_string()
            } else {
                return Err(self.unexpected("grouping opts", "label"));
            };
            self.advance()?;
            labels.push(label);
            match self.peek_kind()? {
                TokenKind::Comma => {
                    self.advance()?;
                    if self.peek_kind()? == TokenKind::RightParen {
                        self.last_grouping_end = self.advance()?.end;
                        return Ok(labels);
                    }
                }
                TokenKind::RightParen => {
                    self.last_grouping_end = self.advance()?.end;
                    return Ok(labels);
                }
                _ => return Err(self.unexpected("grouping opts", "\",\" or \")\"")),
            }
        }
    }

    /// The HTTP API's `match[]`: a vector selector and nothing else.
    pub(crate) fn parse_metric_selector(mut self) -> PResult<Vec<Matcher>> {
        let token = self.peek()?;
        let selector = match token.kind {
            TokenKind::LeftBrace => self.parse_vector_selector(None)?,
            TokenKind::Identifier | TokenKind::MetricIdentifier => {
                self.advance()?;
                self.parse_vector_selector(Some(token))?
            }
            kind if super::is_metric_identifier_keyword(kind) => {
                self.advance()?;
                self.parse_vector_selector(Some(token))?
            }
            _ => return Err(self.syntax_error()),
        };
        self.expect_end()?;
        match selector {
            Expr::VectorSelector(vs) => Ok(vs.matchers),
            _ => Ok(Vec::new()),
        }
    }
}

/// Builds the selector: the metric name (written before the braces, or the first non-empty
/// bare quoted name inside them) becomes `name` and its `__name__` matcher goes first, so
/// that printing and re-parsing gives the same matcher order.
fn assemble_selector(
    outside_name: Option<String>,
    entries: Vec<MatcherEntry>,
    span: Span,
) -> VectorSelector {
    let mut name = outside_name;
    let mut matchers = Vec::with_capacity(entries.len() + 1);
    if let Some(n) = &name {
        matchers.push(Matcher::equal(METRIC_NAME, n.clone()));
    }
    let mut name_index = None;
    for entry in entries {
        match entry {
            MatcherEntry::Label(m) => matchers.push(m),
            MatcherEntry::MetricName(n) => {
                if name.is_none() && !n.is_empty() {
                    name = Some(n.clone());
                    name_index = Some(matchers.len());
                }
                matchers.push(Matcher::equal(METRIC_NAME, n));
            }
        }
    }
    if let Some(index) = name_index {
        let name_matcher = matchers.remove(index);
        matchers.insert(0, name_matcher);
    }
    VectorSelector {
        name,
        matchers,
        offset: 0,
        at: None,
        span,
        offset_expr: None,
        anchored: false,
        smoothed: false,
    }
}
