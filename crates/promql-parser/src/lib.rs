//! PromQL lexer, parser, AST with byte spans, and printer.
//!
//! [`parse`] accepts exactly what Prometheus 3.14 accepts and fails with Prometheus's
//! error text and position (`1:7: parse error: unexpected <op:+>`); `Display` on [`Expr`]
//! prints PromQL that parses back to an equal AST.
//!
//! Structure: the lexer is a hand-written state machine that mirrors Prometheus's (token
//! boundaries, error texts and positions must match), the parser is precedence climbing
//! over its tokens, and the literal grammars inside tokens (numbers, durations, quoted
//! strings) are nom combinator parsers.
//!
//! ```
//! use promlite_promql_parser::{parse, Expr};
//! let expr = parse(r#"sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))"#).unwrap();
//! assert!(matches!(expr, Expr::Aggregate(_)));
//! assert_eq!(expr.to_string(), r#"sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))"#);
//! let err = parse("foo + ").unwrap_err();
//! assert_eq!(err.to_string(), "1:7: parse error: unexpected end of input");
//! ```

pub mod ast;
mod duration_eval;
mod error;
pub mod functions;
mod lexer;
mod literals;
mod parser;
mod printer;
mod token;

pub use ast::*;
pub use error::{ErrorPosition, ParseError};
pub use functions::{function_by_name, Function, FUNCTIONS};
pub use literals::{format_duration, parse_number};

use promlite_model::Matcher;

/// Parser switches for Prometheus's experimental PromQL features. The default is a stock
/// Prometheus: everything off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Experimental functions and the `limitk`/`limit_ratio` aggregators
    /// (`--enable-feature=promql-experimental-functions`).
    pub experimental_functions: bool,
    /// Duration arithmetic in ranges, steps and offsets (`promql-duration-expr`).
    pub duration_expressions: bool,
    /// The `anchored` and `smoothed` modifiers (`promql-extended-range-selectors`).
    pub extended_range_selectors: bool,
    /// `fill()`, `fill_left()`, `fill_right()` on binary operators
    /// (`promql-binop-fill-modifiers`).
    pub binop_fill_modifiers: bool,
}

impl ParseOptions {
    /// Every experimental feature on, as Prometheus's own PromQL test scripts run.
    pub fn all_experimental() -> ParseOptions {
        ParseOptions {
            experimental_functions: true,
            duration_expressions: true,
            extended_range_selectors: true,
            binop_fill_modifiers: true,
        }
    }
}

/// Parses a PromQL expression with the default (stock Prometheus) options.
pub fn parse(input: &str) -> Result<Expr, ParseError> {
    parse_with(input, &ParseOptions::default())
}

/// Parses a PromQL expression with the given feature switches.
pub fn parse_with(input: &str, options: &ParseOptions) -> Result<Expr, ParseError> {
    parser::Parser::new(input, *options).parse_expression()
}

/// Parses a series selector as the HTTP API's `match[]` parameter takes it
/// (`up{job="api"}`, `{__name__=~"http_.*"}`): a vector selector and nothing else. Like
/// Prometheus's `ParseMetricSelector`, it does not require a non-empty matcher. A metric
/// name comes first in the result.
pub fn parse_matchers(input: &str) -> Result<Vec<Matcher>, ParseError> {
    parser::Parser::new(input, ParseOptions::default()).parse_metric_selector()
}

/// Parses a Prometheus duration (`1h30m`, `5m`, `1d`, `1w`, `1y`, `500ms`, `0`) into
/// milliseconds, with Prometheus's error messages (`not a valid duration string: "5x"`).
pub fn parse_duration(input: &str) -> Result<i64, ParseError> {
    literals::parse_duration_nanos(input)
        .map(|nanos| nanos / 1_000_000)
        .map_err(|message| ParseError::new(input, Span::new(0, input.len()), message))
}
