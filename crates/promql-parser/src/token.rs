//! Token kinds of the PromQL lexer and how Prometheus names them in error messages.

use crate::ast::AggregateOp;

/// The kind of a token. Mirrors Prometheus's item types, so error messages can name
/// tokens the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Eof,
    Comment,
    // Punctuation.
    Comma,
    Colon,
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    LeftBracket,
    RightBracket,
    /// `=` (a label matcher).
    Assign,
    // Literals and names.
    Identifier,
    MetricIdentifier,
    Number,
    Duration,
    String,
    // Operators.
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    /// `==`.
    Eqlc,
    Neq,
    Lss,
    Lte,
    Gtr,
    Gte,
    TrimUpper,
    TrimLower,
    EqlRegex,
    NeqRegex,
    At,
    And,
    Or,
    Unless,
    Atan2,
    Aggregator(AggregateOp),
    // Keywords.
    Bool,
    By,
    GroupLeft,
    GroupRight,
    Fill,
    FillLeft,
    FillRight,
    Ignoring,
    Offset,
    Smoothed,
    Anchored,
    On,
    Without,
    // "Preprocessors": words with a meaning in `@` modifiers and duration expressions.
    Start,
    End,
    Step,
    Range,
    MaxOf,
    MinOf,
}

/// A token: its kind and byte range in the query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

/// Looks a word up among the keywords (case-insensitively, as Prometheus does).
/// `inf` and `nan` are numbers.
pub(crate) fn keyword(word: &str) -> Option<TokenKind> {
    let lower = word.to_ascii_lowercase();
    let kind = match lower.as_str() {
        "and" => TokenKind::And,
        "or" => TokenKind::Or,
        "unless" => TokenKind::Unless,
        "atan2" => TokenKind::Atan2,
        "sum" => TokenKind::Aggregator(AggregateOp::Sum),
        "avg" => TokenKind::Aggregator(AggregateOp::Avg),
        "count" => TokenKind::Aggregator(AggregateOp::Count),
        "min" => TokenKind::Aggregator(AggregateOp::Min),
        "max" => TokenKind::Aggregator(AggregateOp::Max),
        "group" => TokenKind::Aggregator(AggregateOp::Group),
        "stddev" => TokenKind::Aggregator(AggregateOp::Stddev),
        "stdvar" => TokenKind::Aggregator(AggregateOp::Stdvar),
        "topk" => TokenKind::Aggregator(AggregateOp::TopK),
        "bottomk" => TokenKind::Aggregator(AggregateOp::BottomK),
        "count_values" => TokenKind::Aggregator(AggregateOp::CountValues),
        "quantile" => TokenKind::Aggregator(AggregateOp::Quantile),
        "limitk" => TokenKind::Aggregator(AggregateOp::LimitK),
        "limit_ratio" => TokenKind::Aggregator(AggregateOp::LimitRatio),
        "offset" => TokenKind::Offset,
        "smoothed" => TokenKind::Smoothed,
        "anchored" => TokenKind::Anchored,
        "by" => TokenKind::By,
        "without" => TokenKind::Without,
        "on" => TokenKind::On,
        "ignoring" => TokenKind::Ignoring,
        "group_left" => TokenKind::GroupLeft,
        "group_right" => TokenKind::GroupRight,
        "fill" => TokenKind::Fill,
        "fill_left" => TokenKind::FillLeft,
        "fill_right" => TokenKind::FillRight,
        "bool" => TokenKind::Bool,
        "start" => TokenKind::Start,
        "end" => TokenKind::End,
        "step" => TokenKind::Step,
        "range" => TokenKind::Range,
        "max_of" => TokenKind::MaxOf,
        "min_of" => TokenKind::MinOf,
        "inf" | "nan" => TokenKind::Number,
        _ => return None,
    };
    Some(kind)
}

impl TokenKind {
    /// Binary and set operators (Prometheus's `IsOperator`, which includes `@`, `=~`, `!~`).
    fn is_operator(self) -> bool {
        use TokenKind::*;
        matches!(
            self,
            Add | Sub
                | Mul
                | Div
                | Mod
                | Pow
                | Eqlc
                | Neq
                | Lss
                | Lte
                | Gtr
                | Gte
                | TrimUpper
                | TrimLower
                | EqlRegex
                | NeqRegex
                | At
                | And
                | Or
                | Unless
                | Atan2
        )
    }

    fn is_keyword(self) -> bool {
        use TokenKind::*;
        matches!(
            self,
            Bool | By
                | GroupLeft
                | GroupRight
                | Fill
                | FillLeft
                | FillRight
                | Ignoring
                | Offset
                | Smoothed
                | Anchored
                | On
                | Without
        )
    }

    /// Whether Prometheus has a fixed spelling for the kind (its `ItemTypeStr` table);
    /// such tokens are described by their text alone.
    fn has_fixed_spelling(self) -> bool {
        use TokenKind::*;
        !matches!(
            self,
            Eof | Comment | Identifier | MetricIdentifier | Number | Duration | String
        )
    }

    /// Prometheus's `ItemType.desc()` for kinds without a fixed spelling.
    fn category(self) -> &'static str {
        match self {
            TokenKind::Eof => "end of input",
            TokenKind::Comment => "comment",
            TokenKind::Identifier => "identifier",
            TokenKind::MetricIdentifier => "metric identifier",
            TokenKind::String => "string",
            TokenKind::Number => "number",
            TokenKind::Duration => "duration",
            _ => "token",
        }
    }
}

/// How Prometheus's `unexpected ...` messages name a token (`Item.desc()`):
/// `<op:+>`, `<aggr:sum>`, `<by>`, `"("`, `identifier "foo"`, `end of input`, ...
pub(crate) fn describe_token(kind: TokenKind, text: &str) -> String {
    use promlite_model::go_quote;
    if kind == TokenKind::Eof {
        return "end of input".to_string();
    }
    let shown = if kind.is_keyword() {
        format!("<{text}>")
    } else if kind.is_operator() {
        format!("<op:{text}>")
    } else if matches!(kind, TokenKind::Aggregator(_)) {
        format!("<aggr:{text}>")
    } else if matches!(kind, TokenKind::Identifier | TokenKind::MetricIdentifier) {
        go_quote(text)
    } else if text.len() > 10 {
        // Go's `%.10q...`: the first ten characters, quoted.
        let prefix: String = text.chars().take(10).collect();
        format!("{}...", go_quote(&prefix))
    } else {
        go_quote(text)
    };
    if kind.has_fixed_spelling() {
        shown
    } else {
        format!("{} {}", kind.category(), shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_match_prometheus() {
        assert_eq!(describe_token(TokenKind::Add, "+"), "<op:+>");
        assert_eq!(describe_token(TokenKind::And, "AND"), "<op:AND>");
        assert_eq!(
            describe_token(TokenKind::Aggregator(AggregateOp::Sum), "sum"),
            "<aggr:sum>"
        );
        assert_eq!(describe_token(TokenKind::By, "by"), "<by>");
        assert_eq!(describe_token(TokenKind::RightParen, ")"), "\")\"");
        assert_eq!(
            describe_token(TokenKind::Identifier, "foo"),
            "identifier \"foo\""
        );
        assert_eq!(describe_token(TokenKind::Number, "1"), "number \"1\"");
        assert_eq!(describe_token(TokenKind::Eof, ""), "end of input");
        assert_eq!(
            describe_token(TokenKind::String, "\"0123456789abc\""),
            "string \"\\\"012345678\"..."
        );
        assert_eq!(describe_token(TokenKind::Step, "step"), "\"step\"");
    }
}
