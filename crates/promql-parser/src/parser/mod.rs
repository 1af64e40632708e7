//! The PromQL parser: a recursive-descent parser with precedence climbing for binary
//! operators, written to accept exactly what Prometheus's yacc grammar accepts and to
//! report the first error with Prometheus's text and position.
//!
//! Prometheus reports errors in three stages, and so do we: lexer errors and syntax errors
//! as the tokens arrive (a syntax error is named after the innermost construct that has an
//! error rule in Prometheus's grammar, tracked here as a stack of [`ErrorContext`]s),
//! errors raised while building nodes (unknown function, offset placement, ...), and only
//! when all of that passed, the type checks of [`check`].

mod check;
mod duration;
mod expr;
mod modifiers;
mod selector;

use crate::ast::{Expr, Span};
use crate::error::ParseError;
use crate::lexer::Lexer;
use crate::token::{describe_token, Token, TokenKind};
use crate::ParseOptions;

pub(crate) type PResult<T> = Result<T, ParseError>;

/// How deeply the parser may recurse (parentheses, operands, arguments).
/// Prometheus has no limit; we have one because untrusted input must not overflow the stack.
pub(crate) const MAX_NESTING: usize = 128;

/// How deep the resulting tree may be (a chain of `n` binary operators is `n` deep): the
/// checks, the printer, comparisons and `Drop` recurse over it.
pub(crate) const MAX_TREE_DEPTH: usize = 400;

/// Constructs of Prometheus's grammar that own an `error` rule, and so name a syntax error
/// found anywhere inside them: `(context, expected)` of the message
/// `unexpected <token> in <context>, expected <expected>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorContext {
    Aggregation,
    Offset,
    At,
    RangeStart,
    RangeAfterDuration,
    SubqueryAfterColon,
    SubqueryAfterStep,
}

impl ErrorContext {
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            ErrorContext::Aggregation => ("aggregation", ""),
            ErrorContext::Offset => ("offset", "number, duration, step(), or range()"),
            ErrorContext::At => ("@", "timestamp"),
            ErrorContext::RangeStart => (
                "subquery or range selector",
                "number, duration, step(), or range()",
            ),
            ErrorContext::RangeAfterDuration => ("subquery or range", "\":\" or \"]\""),
            ErrorContext::SubqueryAfterColon => (
                "subquery selector",
                "number, duration, step(), range(), or \"]\"",
            ),
            ErrorContext::SubqueryAfterStep => ("subquery selector", "\"]\""),
        }
    }
}

pub(crate) struct Parser<'a> {
    pub(crate) input: &'a str,
    lexer: Lexer<'a>,
    lookahead: Option<Token>,
    pub(crate) options: ParseOptions,
    contexts: Vec<ErrorContext>,
    /// Nodes that were written under a unary `+` (which the AST drops): their span and the
    /// position of the `+`, for the type check Prometheus applies to unary expressions.
    /// Keyed by the operand's `(start, end)`; a map so checking stays linear.
    pub(crate) unary_plus: std::collections::HashMap<(u32, u32), usize>,
    /// End of the last `(...)` grouping list, for the span of aggregations.
    pub(crate) last_grouping_end: usize,
    /// Current nesting depth, see [`MAX_NESTING`].
    depth: usize,
    /// Depth of the expression (or duration expression) the parser completed last, see
    /// [`MAX_TREE_DEPTH`].
    pub(crate) tree_depth: usize,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(input: &'a str, options: ParseOptions) -> Parser<'a> {
        Parser {
            input,
            lexer: Lexer::new(input),
            lookahead: None,
            options,
            contexts: Vec::new(),
            unary_plus: std::collections::HashMap::new(),
            last_grouping_end: 0,
            depth: 0,
            tree_depth: 0,
        }
    }

    /// Parses a whole expression, then type-checks it.
    pub(crate) fn parse_expression(mut self) -> PResult<Expr> {
        if self.peek()?.kind == TokenKind::Eof {
            return Err(self.error_at(Span::new(0, 0), "no expression found in input"));
        }
        let mut expr = self.parse_expr(0)?;
        self.expect_end()?;
        check::check_ast(&self, &mut expr)?;
        Ok(expr)
    }

    pub(crate) fn expect_end(&mut self) -> PResult<()> {
        if self.peek()?.kind == TokenKind::Eof {
            Ok(())
        } else {
            Err(self.syntax_error())
        }
    }

    /// The next token (comments skipped), lexing it on first use. Like Prometheus's parser,
    /// we lex lazily, so a lexer error surfaces only once the parser needs the token.
    pub(crate) fn peek(&mut self) -> PResult<Token> {
        if let Some(token) = self.lookahead {
            return Ok(token);
        }
        loop {
            match self.lexer.next_token() {
                Ok(token) if token.kind == TokenKind::Comment => continue,
                Ok(token) => {
                    self.lookahead = Some(token);
                    return Ok(token);
                }
                Err(e) => {
                    let span = Span::new(e.pos, self.input.len());
                    return Err(self.error_at(span, e.message));
                }
            }
        }
    }

    pub(crate) fn peek_kind(&mut self) -> PResult<TokenKind> {
        Ok(self.peek()?.kind)
    }

    /// Consumes the lookahead token.
    pub(crate) fn advance(&mut self) -> PResult<Token> {
        let token = self.peek()?;
        self.lookahead = None;
        Ok(token)
    }

    /// Consumes a token of `kind`, or fails with a syntax error.
    pub(crate) fn expect(&mut self, kind: TokenKind) -> PResult<Token> {
        if self.peek_kind()? == kind {
            self.advance()
        } else {
            Err(self.syntax_error())
        }
    }

    pub(crate) fn text(&self, token: Token) -> &'a str {
        self.input.get(token.start..token.end).unwrap_or_default()
    }

    pub(crate) fn error_at(&self, span: Span, message: impl Into<String>) -> ParseError {
        ParseError::new(self.input, span, message)
    }

    pub(crate) fn push_context(&mut self, context: ErrorContext) {
        self.contexts.push(context);
    }

    pub(crate) fn pop_context(&mut self) {
        self.contexts.pop();
    }

    /// `unexpected <lookahead>`, named after the innermost construct with an error rule.
    pub(crate) fn syntax_error(&mut self) -> ParseError {
        match self.contexts.last() {
            Some(context) => {
                let (context, expected) = context.texts();
                self.unexpected(context, expected)
            }
            None => self.unexpected("", ""),
        }
    }

    /// Prometheus's `unexpected(context, expected)` about the lookahead token.
    pub(crate) fn unexpected(&mut self, context: &str, expected: &str) -> ParseError {
        let token = match self.peek() {
            Ok(token) => token,
            Err(lex_error) => return lex_error,
        };
        let mut message = format!(
            "unexpected {}",
            describe_token(token.kind, self.text(token))
        );
        if !context.is_empty() {
            message.push_str(" in ");
            message.push_str(context);
        }
        if !expected.is_empty() {
            message.push_str(", expected ");
            message.push_str(expected);
        }
        self.error_at(Span::new(token.start, token.end), message)
    }

    /// Runs `f` one recursion level deeper, failing past [`MAX_NESTING`].
    pub(crate) fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_NESTING {
            return Err(self.too_deep(MAX_NESTING));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    /// Records the depth of the node just built, failing past [`MAX_TREE_DEPTH`].
    pub(crate) fn set_tree_depth(&mut self, depth: usize) -> PResult<()> {
        if depth > MAX_TREE_DEPTH {
            return Err(self.too_deep(MAX_TREE_DEPTH));
        }
        self.tree_depth = depth;
        Ok(())
    }

    fn too_deep(&mut self, limit: usize) -> ParseError {
        let span = match self.peek() {
            Ok(token) => Span::new(token.start, token.end),
            Err(e) => return e,
        };
        self.error_at(
            span,
            format!("expression nested too deeply (more than {limit} levels)"),
        )
    }

    /// Runs `f` with `context` naming syntax errors inside it.
    pub(crate) fn within<T>(
        &mut self,
        context: ErrorContext,
        f: impl FnOnce(&mut Self) -> PResult<T>,
    ) -> PResult<T> {
        self.push_context(context);
        let result = f(self);
        self.pop_context();
        result
    }
}

/// Whether a token can start an expression (for the trailing-comma rule).
pub(crate) fn starts_expression(kind: TokenKind) -> bool {
    use TokenKind::*;
    matches!(
        kind,
        Number
            | Duration
            | String
            | LeftParen
            | LeftBrace
            | Add
            | Sub
            | Identifier
            | MetricIdentifier
            | Aggregator(_)
    ) || is_metric_identifier_keyword(kind)
}

/// Keywords Prometheus also accepts as metric names (its `metric_identifier` rule).
pub(crate) fn is_metric_identifier_keyword(kind: TokenKind) -> bool {
    use TokenKind::*;
    matches!(
        kind,
        By | Fill
            | FillLeft
            | FillRight
            | And
            | Or
            | Unless
            | Offset
            | Without
            | Start
            | End
            | Step
            | Range
            | Anchored
            | Smoothed
            | MaxOf
            | MinOf
            | Aggregator(_)
    )
}

/// Keywords Prometheus accepts as label names in grouping lists (its `maybe_label` rule;
/// `without` is missing there, as in Prometheus).
pub(crate) fn is_grouping_label_token(kind: TokenKind) -> bool {
    use TokenKind::*;
    matches!(
        kind,
        Identifier
            | MetricIdentifier
            | Aggregator(_)
            | Bool
            | By
            | GroupLeft
            | GroupRight
            | Fill
            | FillLeft
            | FillRight
            | Ignoring
            | And
            | Or
            | Unless
            | Offset
            | On
            | Start
            | End
            | Atan2
            | Step
            | Range
            | Anchored
            | Smoothed
            | MaxOf
            | MinOf
    )
}
