//! `ParseError`: the crate's one error type, printed exactly like Prometheus's `ParseErr`.

use std::fmt;

use crate::ast::Span;

/// Where an error starts, as Prometheus prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorPosition {
    /// 1-based line and 1-based byte column.
    LineColumn { line: u32, column: u32 },
    /// The query was empty (`unknown position`).
    Unknown,
    /// The span lies outside the query (`invalid position`).
    Invalid,
}

impl fmt::Display for ErrorPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorPosition::LineColumn { line, column } => write!(f, "{line}:{column}"),
            ErrorPosition::Unknown => f.write_str("unknown position"),
            ErrorPosition::Invalid => f.write_str("invalid position"),
        }
    }
}

/// A PromQL parse error: what went wrong and where.
///
/// `Display` gives Prometheus's text, `<line>:<col>: parse error: <message>`, e.g.
/// `1:7: parse error: unexpected <op:+>`. The HTTP API wraps it the way Prometheus does.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{position}: parse error: {message}")]
pub struct ParseError {
    /// Byte range of the offending text.
    pub span: Span,
    /// The message without position, e.g. `unexpected end of input`.
    pub message: String,
    pub position: ErrorPosition,
}

impl ParseError {
    /// Builds an error, computing the line and column of `span.start` in `query`.
    pub fn new(query: &str, span: Span, message: impl Into<String>) -> ParseError {
        ParseError {
            span,
            message: message.into(),
            position: position_in(query, span.start as usize),
        }
    }
}

/// Prometheus's `PositionRange.StartPosInput`: lines are counted by `\n`, columns in bytes.
fn position_in(query: &str, pos: usize) -> ErrorPosition {
    if query.is_empty() {
        return ErrorPosition::Unknown;
    }
    let Some(before) = query.as_bytes().get(..pos) else {
        return ErrorPosition::Invalid;
    };
    let mut line = 1u32;
    let mut last_line_break: isize = -1;
    for (index, byte) in before.iter().enumerate() {
        if *byte == b'\n' {
            line = line.saturating_add(1);
            last_line_break = index as isize;
        }
    }
    let column = (pos as isize - last_line_break) as u32;
    ErrorPosition::LineColumn { line, column }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_prometheus() {
        let e = ParseError::new("foo + ", Span::new(6, 6), "unexpected end of input");
        assert_eq!(e.to_string(), "1:7: parse error: unexpected end of input");
        let e = ParseError::new("a\nbc d", Span::new(5, 6), "x");
        assert_eq!(e.to_string(), "2:4: parse error: x");
        let e = ParseError::new("", Span::new(0, 0), "no expression found in input");
        assert_eq!(
            e.to_string(),
            "unknown position: parse error: no expression found in input"
        );
        let e = ParseError::new("a", Span::new(9, 9), "x");
        assert_eq!(e.to_string(), "invalid position: parse error: x");
    }
}
