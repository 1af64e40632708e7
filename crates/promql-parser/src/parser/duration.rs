//! Durations in ranges, subquery steps and offsets: plain literals (`5m`, `90`, `-1h`) and
//! the experimental duration expressions (`5m + step()`, `min_of(range(), 1h)`).

use super::{ErrorContext, PResult, Parser};
use crate::ast::{DurationExpr, DurationOp, Span};
use crate::token::TokenKind;

/// The largest magnitude in seconds a Go `time.Duration` (int64 nanoseconds) can hold.
const MAX_DURATION_SECONDS: f64 = 9_223_372_036.854_776;

fn duration_op(kind: TokenKind) -> Option<DurationOp> {
    Some(match kind {
        TokenKind::Add => DurationOp::Add,
        TokenKind::Sub => DurationOp::Sub,
        TokenKind::Mul => DurationOp::Mul,
        TokenKind::Div => DurationOp::Div,
        TokenKind::Mod => DurationOp::Mod,
        TokenKind::Pow => DurationOp::Pow,
        _ => return None,
    })
}

fn duration_precedence(op: DurationOp) -> u8 {
    match op {
        DurationOp::Add | DurationOp::Sub => 4,
        DurationOp::Mul | DurationOp::Div | DurationOp::Mod => 5,
        DurationOp::Pow => 6,
    }
}

/// Go's `durationLiteralOutOfRange`; NaN is not out of range there.
#[allow(clippy::manual_range_contains)]
fn out_of_range(seconds: f64) -> bool {
    seconds > MAX_DURATION_SECONDS || seconds < -MAX_DURATION_SECONDS
}

/// Go's `time.Duration(math.Round(seconds * 1e9))` truncated to milliseconds, as the
/// engine uses it. NaN becomes `i64::MIN` nanoseconds, as on amd64.
pub(crate) fn seconds_to_millis(seconds: f64) -> i64 {
    let nanos = (seconds * 1e9).round();
    let nanos = if nanos.is_nan() {
        i64::MIN
    } else {
        nanos as i64
    };
    nanos / 1_000_000
}

impl Parser<'_> {
    /// A range or subquery step (`positive_duration_expr` in Prometheus's grammar).
    pub(crate) fn parse_positive_duration(&mut self) -> PResult<DurationExpr> {
        let expr = self.parse_duration_expr(0)?;
        if let DurationExpr::Number { seconds, span, .. } = expr {
            if seconds <= 0.0 {
                return Err(self.error_at(span, "duration must be greater than 0"));
            }
        }
        Ok(expr)
    }

    fn experimental_duration(&self, span: Span) -> PResult<()> {
        if self.options.duration_expressions {
            Ok(())
        } else {
            Err(self.error_at(span, "experimental duration expression is not enabled"))
        }
    }

    pub(crate) fn parse_duration_expr(&mut self, min_prec: u8) -> PResult<DurationExpr> {
        self.nested(|p| {
            let lhs = p.parse_duration_unary()?;
            p.continue_duration(lhs, min_prec)
        })
    }

    fn continue_duration(&mut self, mut lhs: DurationExpr, min_prec: u8) -> PResult<DurationExpr> {
        let mut lhs_depth = self.tree_depth;
        loop {
            let Some(op) = duration_op(self.peek_kind()?) else {
                self.tree_depth = lhs_depth;
                return Ok(lhs);
            };
            let precedence = duration_precedence(op);
            if precedence < min_prec {
                self.tree_depth = lhs_depth;
                return Ok(lhs);
            }
            let op_token = self.advance()?;
            let next_min = if op == DurationOp::Pow {
                precedence
            } else {
                precedence + 1
            };
            let rhs = self.parse_duration_expr(next_min)?;
            self.set_tree_depth(1 + lhs_depth.max(self.tree_depth))?;
            lhs_depth = self.tree_depth;
            self.experimental_duration(lhs.span())?;
            if let DurationExpr::Number { seconds, .. } = rhs {
                let op_span = Span::new(op_token.start, op_token.end);
                if seconds == 0.0 && op == DurationOp::Div {
                    return Err(self.error_at(op_span, "division by zero"));
                }
                if seconds == 0.0 && op == DurationOp::Mod {
                    return Err(self.error_at(op_span, "modulo by zero"));
                }
            }
            let span = lhs.span().to(rhs.span());
            lhs = DurationExpr::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                span,
            };
        }
    }

    fn parse_duration_unary(&mut self) -> PResult<DurationExpr> {
        let token = self.peek()?;
        self.tree_depth = 1;
        match token.kind {
            TokenKind::Add | TokenKind::Sub => {
                self.advance()?;
                let operand = self.parse_duration_expr(6)?;
                self.set_tree_depth(self.tree_depth + 1)?;
                self.apply_unary(token.kind == TokenKind::Sub, token.start, operand, false)
            }
            TokenKind::Number | TokenKind::Duration => self.parse_duration_literal(),
            TokenKind::Step | TokenKind::Range | TokenKind::MaxOf | TokenKind::MinOf => {
                self.parse_duration_function()
            }
            TokenKind::LeftParen => {
                self.advance()?;
                let inner = self.parse_duration_expr(0)?;
                let close = self.expect(TokenKind::RightParen)?;
                self.set_tree_depth(self.tree_depth + 1)?;
                self.experimental_duration(inner.span())?;
                Ok(wrap_in_paren(inner, Span::new(token.start, close.end)))
            }
            _ => Err(self.syntax_error()),
        }
    }

    fn parse_duration_literal(&mut self) -> PResult<DurationExpr> {
        let token = self.advance()?;
        let seconds = self.number_or_duration_value(token)?;
        let span = Span::new(token.start, token.end);
        if out_of_range(seconds) {
            return Err(self.error_at(span, "duration out of range"));
        }
        Ok(DurationExpr::Number {
            seconds,
            duration: token.kind == TokenKind::Duration,
            span,
        })
    }

    /// `step()`, `range()`, `min_of(a, b)`, `max_of(a, b)`.
    fn parse_duration_function(&mut self) -> PResult<DurationExpr> {
        let token = self.advance()?;
        self.expect(TokenKind::LeftParen)?;
        let expr = match token.kind {
            TokenKind::Step | TokenKind::Range => {
                let close = self.expect(TokenKind::RightParen)?;
                let span = Span::new(token.start, close.end);
                if token.kind == TokenKind::Step {
                    DurationExpr::Step { span }
                } else {
                    DurationExpr::Range { span }
                }
            }
            _ => {
                let lhs = Box::new(self.parse_duration_expr(0)?);
                let lhs_depth = self.tree_depth;
                self.expect(TokenKind::Comma)?;
                let rhs = Box::new(self.parse_duration_expr(0)?);
                self.set_tree_depth(1 + lhs_depth.max(self.tree_depth))?;
                let close = self.expect(TokenKind::RightParen)?;
                let span = Span::new(token.start, close.end);
                if token.kind == TokenKind::MaxOf {
                    DurationExpr::MaxOf { lhs, rhs, span }
                } else {
                    DurationExpr::MinOf { lhs, rhs, span }
                }
            }
        };
        self.experimental_duration(expr.span())?;
        Ok(expr)
    }

    /// Prometheus's `applyUnaryOpToDurationExpr`: a sign folds into a literal; `-` over
    /// anything else becomes a negation; `wrapped` keeps the parentheses of `-(...)`.
    fn apply_unary(
        &mut self,
        negate: bool,
        op_start: usize,
        operand: DurationExpr,
        wrapped: bool,
    ) -> PResult<DurationExpr> {
        let operand_span = operand.span();
        let span = Span::new(op_start, operand_span.end as usize);
        match operand {
            DurationExpr::Number {
                seconds, duration, ..
            } => {
                let seconds = if negate { -seconds } else { seconds };
                if out_of_range(seconds) {
                    return Err(
                        self.error_at(Span::new(op_start, op_start + 1), "duration out of range")
                    );
                }
                Ok(DurationExpr::Number {
                    seconds,
                    duration,
                    span,
                })
            }
            other => {
                let other = if wrapped {
                    wrap_in_paren(other, Span::new(op_start + 1, span.end as usize))
                } else {
                    other
                };
                if negate {
                    Ok(DurationExpr::Neg {
                        expr: Box::new(other),
                        span,
                    })
                } else {
                    Ok(other)
                }
            }
        }
    }

    /// The duration after `offset`. Without parentheses only a single (signed) literal,
    /// `step()`, `range()` or `min_of`/`max_of` call belongs to the offset: `foo offset 5m
    /// * 2` multiplies the selected vector. After a parenthesised expression Prometheus's
    /// grammar keeps reading duration operators: `foo offset (1m) * 2` is a 2m offset.
    pub(crate) fn parse_offset_duration(&mut self) -> PResult<DurationExpr> {
        let token = self.peek()?;
        match token.kind {
            TokenKind::Number | TokenKind::Duration => self.parse_duration_literal(),
            TokenKind::Step | TokenKind::Range | TokenKind::MaxOf | TokenKind::MinOf => {
                self.parse_duration_function()
            }
            TokenKind::LeftParen => {
                let first = self.parse_duration_unary()?;
                self.continue_duration(first, 0)
            }
            TokenKind::Add | TokenKind::Sub => {
                self.advance()?;
                let negate = token.kind == TokenKind::Sub;
                match self.peek_kind()? {
                    TokenKind::Number | TokenKind::Duration => {
                        let literal = self.parse_duration_literal()?;
                        self.apply_unary(negate, token.start, literal, false)
                    }
                    TokenKind::Step | TokenKind::Range | TokenKind::MaxOf | TokenKind::MinOf => {
                        let call = self.parse_duration_function()?;
                        self.apply_unary(negate, token.start, call, false)
                    }
                    TokenKind::LeftParen => {
                        let open = self.advance()?;
                        let inner = self.parse_duration_expr(0)?;
                        self.expect(TokenKind::RightParen)?;
                        let _ = open;
                        self.apply_unary(negate, token.start, inner, true)
                    }
                    TokenKind::Add | TokenKind::Sub => {
                        let inner = self.parse_duration_unary()?;
                        let operand = self.continue_duration(inner, 6)?;
                        let signed = self.apply_unary(negate, token.start, operand, false)?;
                        self.continue_duration(signed, 0)
                    }
                    _ => Err(self.syntax_error()),
                }
            }
            _ => Err(self.syntax_error()),
        }
    }

    /// Parses `[range]`, `[range:]` or `[range:step]` after the `[`: returns the range and
    /// the step (`None` when omitted) with the closing bracket's end.
    pub(crate) fn parse_bracket_durations(
        &mut self,
    ) -> PResult<(DurationExpr, Option<Option<DurationExpr>>, usize)> {
        let range = self.within(ErrorContext::RangeStart, |p| p.parse_positive_duration())?;
        match self.peek_kind()? {
            TokenKind::RightBracket => {
                let close = self.advance()?;
                Ok((range, None, close.end))
            }
            TokenKind::Colon => {
                self.advance()?;
                let step = self.within(ErrorContext::SubqueryAfterColon, |p| {
                    if p.peek_kind()? == TokenKind::RightBracket {
                        Ok(None)
                    } else {
                        p.parse_positive_duration().map(Some)
                    }
                })?;
                let close = self.within(ErrorContext::SubqueryAfterStep, |p| {
                    p.expect(TokenKind::RightBracket)
                })?;
                Ok((range, Some(step), close.end))
            }
            _ => Err(self.within(ErrorContext::RangeAfterDuration, |p| Ok(p.syntax_error()))?),
        }
    }
}

/// Parentheses around a duration expression; a literal keeps none (as in Prometheus), and
/// doubled parentheses collapse.
fn wrap_in_paren(inner: DurationExpr, span: Span) -> DurationExpr {
    match inner {
        DurationExpr::Number { .. } | DurationExpr::Paren { .. } => inner,
        other => DurationExpr::Paren {
            expr: Box::new(other),
            span,
        },
    }
}
