//! Postfix modifiers, which bind tighter than any operator: range selectors and
//! subqueries (`[...]`), `offset`, `@` and the experimental `anchored`/`smoothed`.

use super::duration::seconds_to_millis;
use super::{ErrorContext, PResult, Parser};
use crate::ast::{AtModifier, DurationExpr, Expr, MatrixSelector, Span, SubqueryExpr};
use crate::token::TokenKind;

const OFFSET_PLACEMENT: &str = "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery";
const AT_PLACEMENT: &str = "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery";

/// Go's `%f`: six decimals, and `+Inf`, `-Inf`, `NaN` for the special values.
fn go_percent_f(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value == f64::INFINITY {
        "+Inf".into()
    } else if value == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{value:.6}")
    }
}

impl Parser<'_> {
    pub(crate) fn parse_postfix(&mut self, mut expr: Expr) -> PResult<Expr> {
        loop {
            expr = match self.peek_kind()? {
                TokenKind::LeftBracket => self.parse_range_or_subquery(expr)?,
                TokenKind::Offset => self.parse_offset(expr)?,
                TokenKind::At => self.parse_at(expr)?,
                kind @ (TokenKind::Anchored | TokenKind::Smoothed) => {
                    self.advance()?;
                    self.set_extended_range(expr, kind == TokenKind::Anchored)?
                }
                _ => return Ok(expr),
            };
        }
    }

    fn parse_range_or_subquery(&mut self, expr: Expr) -> PResult<Expr> {
        let open = self.advance()?;
        let inner_depth = self.tree_depth;
        let (range, step, end) = self.parse_bracket_durations()?;
        self.set_tree_depth(inner_depth + 1)?;
        let (range_ms, range_expr) = split_literal(range);
        let start = expr.span().start as usize;
        let span = Span::new(start, end);
        let Some(step) = step else {
            let bracket_span = Span::new(open.start, end);
            let vs = match expr {
                Expr::VectorSelector(vs) => vs,
                _ => {
                    return Err(
                        self.error_at(bracket_span, "ranges only allowed for vector selectors")
                    )
                }
            };
            if vs.offset != 0 {
                return Err(self.error_at(bracket_span, "no offset modifiers allowed before range"));
            }
            // Like Prometheus, only a numeric `@` counts here: `foo @ end() [1h]` is accepted.
            if matches!(vs.at, Some(AtModifier::Timestamp(_))) {
                return Err(self.error_at(bracket_span, "no @ modifiers allowed before range"));
            }
            return Ok(Expr::MatrixSelector(MatrixSelector {
                vs,
                range: range_ms,
                span,
                range_expr,
            }));
        };
        let (step, step_expr) = match step {
            None => (None, None),
            Some(step) => {
                let (ms, expr) = split_literal(step);
                (expr.is_none().then_some(ms), expr)
            }
        };
        Ok(Expr::Subquery(SubqueryExpr {
            expr: Box::new(expr),
            range: range_ms,
            step,
            offset: 0,
            at: None,
            span,
            range_expr,
            step_expr,
            offset_expr: None,
        }))
    }

    fn parse_offset(&mut self, mut expr: Expr) -> PResult<Expr> {
        self.advance()?;
        let expr_depth = self.tree_depth;
        let duration = self.within(ErrorContext::Offset, |p| p.parse_offset_duration())?;
        self.tree_depth = expr_depth;
        let end = duration.span().end;
        let (millis, duration_expr) = split_literal(duration);
        let expr_span = expr.span();
        let (offset, offset_expr, span) = match &mut expr {
            Expr::VectorSelector(vs) => (&mut vs.offset, &mut vs.offset_expr, &mut vs.span),
            Expr::MatrixSelector(ms) => (&mut ms.vs.offset, &mut ms.vs.offset_expr, &mut ms.span),
            Expr::Subquery(sq) => (&mut sq.offset, &mut sq.offset_expr, &mut sq.span),
            _ => return Err(self.error_at(expr_span, OFFSET_PLACEMENT)),
        };
        if *offset != 0 || offset_expr.is_some() {
            return Err(self.error_at(expr_span, "offset may not be set multiple times"));
        }
        *offset = millis;
        *offset_expr = duration_expr;
        span.end = end;
        Ok(expr)
    }

    fn parse_at(&mut self, mut expr: Expr) -> PResult<Expr> {
        self.advance()?;
        let (at, end) = self.within(ErrorContext::At, |p| {
            let token = p.peek()?;
            match token.kind {
                TokenKind::Start | TokenKind::End => {
                    p.advance()?;
                    p.expect(TokenKind::LeftParen)?;
                    let close = p.expect(TokenKind::RightParen)?;
                    let at = if token.kind == TokenKind::Start {
                        AtModifier::Start
                    } else {
                        AtModifier::End
                    };
                    Ok((Ok(at), close.end))
                }
                TokenKind::Add | TokenKind::Sub => {
                    p.advance()?;
                    if !matches!(p.peek_kind()?, TokenKind::Number | TokenKind::Duration) {
                        return Err(p.syntax_error());
                    }
                    let number = p.advance()?;
                    let value = p.number_or_duration_value(number)?;
                    let value = if token.kind == TokenKind::Sub {
                        -value
                    } else {
                        value
                    };
                    Ok((Err(value), number.end))
                }
                TokenKind::Number | TokenKind::Duration => {
                    p.advance()?;
                    Ok((Err(p.number_or_duration_value(token)?), token.end))
                }
                _ => Err(p.syntax_error()),
            }
        })?;
        let expr_span = expr.span();
        let at = match at {
            Ok(at) => at,
            Err(seconds) => {
                // Timestamps must fit an int64 of seconds.
                if !seconds.is_finite() || seconds >= i64::MAX as f64 || seconds <= i64::MIN as f64
                {
                    return Err(self.error_at(
                        expr_span,
                        format!(
                            "timestamp out of bounds for @ modifier: {}",
                            go_percent_f(seconds)
                        ),
                    ));
                }
                AtModifier::Timestamp(promlite_model::ms_from_float_seconds(seconds))
            }
        };
        let (slot, span) = match &mut expr {
            Expr::VectorSelector(vs) => (&mut vs.at, &mut vs.span),
            Expr::MatrixSelector(ms) => (&mut ms.vs.at, &mut ms.span),
            Expr::Subquery(sq) => (&mut sq.at, &mut sq.span),
            _ => return Err(self.error_at(expr_span, AT_PLACEMENT)),
        };
        if slot.is_some() {
            return Err(self.error_at(expr_span, "@ <timestamp> may not be set multiple times"));
        }
        *slot = Some(at);
        span.end = end as u32;
        Ok(expr)
    }

    fn set_extended_range(&mut self, mut expr: Expr, anchored: bool) -> PResult<Expr> {
        let (word, other) = if anchored {
            ("anchored", "smoothed")
        } else {
            ("smoothed", "anchored")
        };
        let span = expr.span();
        if !self.options.extended_range_selectors {
            return Err(self.error_at(
                span,
                format!("{word} modifier is experimental and not enabled"),
            ));
        }
        let vs = match &mut expr {
            Expr::VectorSelector(vs) => vs,
            Expr::MatrixSelector(ms) => &mut ms.vs,
            Expr::Subquery(_) => {
                return Err(self.error_at(
                    span,
                    format!("{word} modifier is not supported for subqueries"),
                ))
            }
            _ => return Err(self.error_at(span, format!("{word} modifier not implemented"))),
        };
        if anchored {
            vs.anchored = true;
        } else {
            vs.smoothed = true;
        }
        if vs.anchored && vs.smoothed {
            return Err(self.error_at(
                span,
                "anchored and smoothed modifiers cannot be used together",
            ));
        }
        let _ = other;
        Ok(expr)
    }
}

/// A literal duration becomes milliseconds; anything else stays an expression for the
/// engine to resolve (the milliseconds are then 0).
fn split_literal(duration: DurationExpr) -> (i64, Option<DurationExpr>) {
    match duration {
        // A duration literal (`390d17h15m40s745ms`) is a whole number of milliseconds; taking
        // it exactly keeps printing and re-parsing stable. Prometheus goes through float
        // nanoseconds and can lose a millisecond beyond about 104 days.
        DurationExpr::Number {
            seconds,
            duration: true,
            ..
        } => ((seconds * 1000.0).round() as i64, None),
        DurationExpr::Number { seconds, .. } => (seconds_to_millis(seconds), None),
        other => (0, Some(other)),
    }
}
