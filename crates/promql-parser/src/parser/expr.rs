//! Expressions: precedence climbing over binary operators, unary minus/plus, literals,
//! parentheses, function calls and aggregations.

use super::{starts_expression, ErrorContext, PResult, Parser};
use crate::ast::{
    AggregateExpr, AggregateOp, BinaryExpr, BinaryOp, Call, Expr, NumberLiteral, ParenExpr, Span,
    StringLiteral, UnaryExpr, VectorMatchCardinality, VectorMatchFillValues, VectorMatching,
};
use crate::functions::function_by_name;
use crate::literals::{parse_duration_nanos, parse_number_literal, unquote};
use crate::token::{Token, TokenKind};

/// Precedence of `^`, the only operator that binds tighter than unary minus.
const POW_PRECEDENCE: u8 = 6;

pub(crate) fn binary_op(kind: TokenKind) -> Option<BinaryOp> {
    use TokenKind as T;
    Some(match kind {
        T::Add => BinaryOp::Add,
        T::Sub => BinaryOp::Sub,
        T::Mul => BinaryOp::Mul,
        T::Div => BinaryOp::Div,
        T::Mod => BinaryOp::Mod,
        T::Pow => BinaryOp::Pow,
        T::Atan2 => BinaryOp::Atan2,
        T::Eqlc => BinaryOp::Eql,
        T::Neq => BinaryOp::Neq,
        T::Gtr => BinaryOp::Gtr,
        T::Lss => BinaryOp::Lss,
        T::Gte => BinaryOp::Gte,
        T::Lte => BinaryOp::Lte,
        T::And => BinaryOp::And,
        T::Or => BinaryOp::Or,
        T::Unless => BinaryOp::Unless,
        T::TrimUpper => BinaryOp::TrimUpper,
        T::TrimLower => BinaryOp::TrimLower,
        _ => return None,
    })
}

/// Seconds of a Go `time.Duration` given in nanoseconds (`Duration.Seconds()`).
pub(crate) fn nanos_to_seconds(nanos: i64) -> f64 {
    let whole = nanos / 1_000_000_000;
    let fraction = nanos % 1_000_000_000;
    whole as f64 + fraction as f64 / 1e9
}

impl Parser<'_> {
    /// Parses an expression whose binary operators bind at least as tightly as `min_prec`.
    pub(crate) fn parse_expr(&mut self, min_prec: u8) -> PResult<Expr> {
        self.nested(|p| {
            let lhs = p.parse_unary()?;
            p.continue_binary(lhs, min_prec)
        })
    }

    fn continue_binary(&mut self, mut lhs: Expr, min_prec: u8) -> PResult<Expr> {
        let mut lhs_depth = self.tree_depth;
        loop {
            let token = self.peek()?;
            let Some(op) = binary_op(token.kind) else {
                self.tree_depth = lhs_depth;
                return Ok(lhs);
            };
            let precedence = op.precedence();
            if precedence < min_prec {
                self.tree_depth = lhs_depth;
                return Ok(lhs);
            }
            self.advance()?;
            let matching = self.parse_binary_modifiers()?;
            let next_min = if op.is_right_associative() {
                precedence
            } else {
                precedence + 1
            };
            let rhs = self.parse_expr(next_min)?;
            self.set_tree_depth(1 + lhs_depth.max(self.tree_depth))?;
            lhs_depth = self.tree_depth;
            lhs = self.new_binary(lhs, op, matching, rhs)?;
        }
    }

    fn new_binary(
        &mut self,
        lhs: Expr,
        op: BinaryOp,
        modifiers: BinaryModifiers,
        rhs: Expr,
    ) -> PResult<Expr> {
        let span = lhs.span().to(rhs.span());
        let fill = modifiers.matching.fill_values;
        if !self.options.binop_fill_modifiers && (fill.lhs.is_some() || fill.rhs.is_some()) {
            return Err(self.error_at(
                span,
                "binop fill modifiers are experimental and not enabled",
            ));
        }
        Ok(Expr::Binary(BinaryExpr {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
            matching: Some(modifiers.matching),
            return_bool: modifiers.return_bool,
            span,
        }))
    }

    /// `bool`, `on`/`ignoring (...)`, `group_left`/`group_right [(...)]` and the `fill`
    /// modifiers, in the order Prometheus's grammar allows them.
    fn parse_binary_modifiers(&mut self) -> PResult<BinaryModifiers> {
        let mut matching = VectorMatching {
            card: VectorMatchCardinality::OneToOne,
            matching_labels: Vec::new(),
            on: false,
            include: Vec::new(),
            fill_values: VectorMatchFillValues::default(),
        };
        let return_bool = if self.peek_kind()? == TokenKind::Bool {
            self.advance()?;
            true
        } else {
            false
        };
        let kind = self.peek_kind()?;
        if matches!(kind, TokenKind::On | TokenKind::Ignoring) {
            self.advance()?;
            matching.on = kind == TokenKind::On;
            matching.matching_labels = self.parse_grouping_labels()?;
            let group = self.peek_kind()?;
            if matches!(group, TokenKind::GroupLeft | TokenKind::GroupRight) {
                self.advance()?;
                matching.card = if group == TokenKind::GroupLeft {
                    VectorMatchCardinality::ManyToOne
                } else {
                    VectorMatchCardinality::OneToMany
                };
                // The label list is optional, but Prometheus's grammar still reports a token
                // that can follow neither as a missing list.
                let next = self.peek_kind()?;
                if next == TokenKind::LeftParen {
                    matching.include = self.parse_grouping_labels()?;
                } else if !starts_expression(next)
                    && !matches!(
                        next,
                        TokenKind::Fill | TokenKind::FillLeft | TokenKind::FillRight
                    )
                {
                    return Err(self.unexpected("grouping opts", "\"(\""));
                }
            }
        }
        match self.peek_kind()? {
            TokenKind::Fill => {
                self.advance()?;
                let value = self.parse_fill_value()?;
                matching.fill_values.lhs = Some(value);
                matching.fill_values.rhs = Some(value);
            }
            first @ (TokenKind::FillLeft | TokenKind::FillRight) => {
                self.advance()?;
                let value = self.parse_fill_value()?;
                let other = if first == TokenKind::FillLeft {
                    matching.fill_values.lhs = Some(value);
                    TokenKind::FillRight
                } else {
                    matching.fill_values.rhs = Some(value);
                    TokenKind::FillLeft
                };
                if self.peek_kind()? == other {
                    self.advance()?;
                    let value = self.parse_fill_value()?;
                    if other == TokenKind::FillLeft {
                        matching.fill_values.lhs = Some(value);
                    } else {
                        matching.fill_values.rhs = Some(value);
                    }
                }
            }
            _ => {}
        }
        Ok(BinaryModifiers {
            matching,
            return_bool,
        })
    }

    /// `( [+|-] number_or_duration )` after a fill keyword.
    fn parse_fill_value(&mut self) -> PResult<f64> {
        self.expect(TokenKind::LeftParen)?;
        let negate = match self.peek_kind()? {
            TokenKind::Add => {
                self.advance()?;
                false
            }
            TokenKind::Sub => {
                self.advance()?;
                true
            }
            _ => false,
        };
        let value = match self.peek_kind()? {
            TokenKind::Number | TokenKind::Duration => {
                let token = self.advance()?;
                self.number_or_duration_value(token)?
            }
            _ => return Err(self.syntax_error()),
        };
        self.expect(TokenKind::RightParen)?;
        Ok(if negate { -value } else { value })
    }

    /// Unary minus and plus bind looser than `^` and tighter than `*`.
    fn parse_unary(&mut self) -> PResult<Expr> {
        let kind = self.peek_kind()?;
        if !matches!(kind, TokenKind::Add | TokenKind::Sub) {
            let primary = self.parse_primary()?;
            return self.parse_postfix(primary);
        }
        let op = self.advance()?;
        let operand = self.parse_expr(POW_PRECEDENCE)?;
        let span = Span::new(op.start, operand.span().end as usize);
        if kind == TokenKind::Sub && !matches!(operand, Expr::Number(_)) {
            self.set_tree_depth(self.tree_depth + 1)?;
        }
        match operand {
            Expr::Number(mut number) => {
                if kind == TokenKind::Sub {
                    number.val = -number.val;
                }
                number.span = span;
                Ok(Expr::Number(number))
            }
            operand if kind == TokenKind::Sub => Ok(Expr::Unary(UnaryExpr {
                expr: Box::new(operand),
                span,
            })),
            operand => {
                let span = operand.span();
                self.unary_plus
                    .entry((span.start, span.end))
                    .or_insert(op.start);
                Ok(operand)
            }
        }
    }

    fn parse_primary(&mut self) -> PResult<Expr> {
        let token = self.peek()?;
        // Leaves are one deep; composite nodes below set their own depth.
        self.tree_depth = 1;
        match token.kind {
            TokenKind::Number | TokenKind::Duration => {
                self.advance()?;
                let val = self.number_or_duration_value(token)?;
                Ok(Expr::Number(NumberLiteral {
                    val,
                    span: Span::new(token.start, token.end),
                }))
            }
            TokenKind::String => {
                self.advance()?;
                let val = self.unquote_token(token)?;
                let invalid_utf8 = crate::literals::unquote_bytes(self.text(token))
                    .ok()
                    .filter(|bytes| std::str::from_utf8(bytes).is_err());
                Ok(Expr::String(StringLiteral {
                    val,
                    span: Span::new(token.start, token.end),
                    invalid_utf8,
                }))
            }
            TokenKind::LeftParen => self.parse_paren(),
            TokenKind::LeftBrace => self.parse_vector_selector(None),
            TokenKind::Aggregator(op) => {
                self.advance()?;
                let next = self.peek_kind()?;
                if matches!(
                    next,
                    TokenKind::LeftParen | TokenKind::By | TokenKind::Without
                ) {
                    self.parse_aggregation(token, op)
                } else {
                    self.parse_vector_selector(Some(token))
                }
            }
            TokenKind::Identifier
            | TokenKind::Start
            | TokenKind::End
            | TokenKind::Step
            | TokenKind::Range
            | TokenKind::MaxOf
            | TokenKind::MinOf => {
                self.advance()?;
                if self.peek_kind()? == TokenKind::LeftParen {
                    self.parse_call(token)
                } else {
                    self.parse_vector_selector(Some(token))
                }
            }
            kind if super::is_metric_identifier_keyword(kind)
                || kind == TokenKind::MetricIdentifier =>
            {
                self.advance()?;
                self.parse_vector_selector(Some(token))
            }
            _ => Err(self.syntax_error()),
        }
    }

    fn parse_paren(&mut self) -> PResult<Expr> {
        let open = self.advance()?;
        let expr = self.parse_expr(0)?;
        let close = self.expect(TokenKind::RightParen)?;
        self.set_tree_depth(self.tree_depth + 1)?;
        Ok(Expr::Paren(ParenExpr {
            expr: Box::new(expr),
            span: Span::new(open.start, close.end),
        }))
    }

    /// The value of a number or duration token (durations in seconds).
    pub(crate) fn number_or_duration_value(&self, token: Token) -> PResult<f64> {
        let text = self.text(token);
        let span = Span::new(token.start, token.end);
        if token.kind == TokenKind::Duration {
            return parse_duration_nanos(text)
                .map(nanos_to_seconds)
                .map_err(|message| self.error_at(span, message));
        }
        parse_number_literal(text)
            .map_err(|e| self.error_at(span, format!("error parsing number: {e}")))
    }

    pub(crate) fn unquote_token(&self, token: Token) -> PResult<String> {
        let text = self.text(token);
        unquote(text).map_err(|()| {
            self.error_at(
                Span::new(token.start, token.end),
                format!(
                    "error unquoting string {}: invalid syntax",
                    promlite_model::go_quote(text)
                ),
            )
        })
    }

    /// `( args )` of a call or an aggregation; returns the arguments and the `)` token.
    fn parse_call_args(&mut self) -> PResult<(Vec<Expr>, Token)> {
        self.expect(TokenKind::LeftParen)?;
        let mut args = Vec::new();
        self.tree_depth = 0;
        if self.peek_kind()? == TokenKind::RightParen {
            return Ok((args, self.advance()?));
        }
        let mut deepest = 0;
        loop {
            args.push(self.parse_expr(0)?);
            deepest = deepest.max(self.tree_depth);
            self.tree_depth = deepest;
            match self.peek_kind()? {
                TokenKind::Comma => {
                    let comma = self.advance()?;
                    let next = self.peek_kind()?;
                    if next == TokenKind::RightParen || !starts_expression(next) {
                        return Err(self.error_at(
                            Span::new(comma.start, comma.end),
                            "trailing commas not allowed in function call args",
                        ));
                    }
                }
                TokenKind::RightParen => return Ok((args, self.advance()?)),
                _ => return Err(self.syntax_error()),
            }
        }
    }

    fn parse_call(&mut self, name: Token) -> PResult<Expr> {
        let (args, close) = self.parse_call_args()?;
        self.set_tree_depth(self.tree_depth + 1)?;
        let text = self.text(name);
        let name_span = Span::new(name.start, name.end);
        let Some(func) = function_by_name(text) else {
            return Err(self.error_at(
                name_span,
                format!(
                    "unknown function with name {}",
                    promlite_model::go_quote(text)
                ),
            ));
        };
        if func.experimental && !self.options.experimental_functions {
            return Err(self.error_at(
                name_span,
                format!("function {} is not enabled", promlite_model::go_quote(text)),
            ));
        }
        Ok(Expr::Call(Call {
            func,
            args,
            span: Span::new(name.start, close.end),
        }))
    }

    fn parse_aggregation(&mut self, op_token: Token, op: AggregateOp) -> PResult<Expr> {
        let (grouping, without, args, end) = self.within(ErrorContext::Aggregation, |p| {
            let mut grouping = Vec::new();
            let mut without = false;
            let modifier_first = matches!(p.peek_kind()?, TokenKind::By | TokenKind::Without);
            if modifier_first {
                without = p.advance()?.kind == TokenKind::Without;
                grouping = p.parse_grouping_labels()?;
            }
            if p.peek_kind()? != TokenKind::LeftParen {
                return Err(p.syntax_error());
            }
            let (args, close) = p.parse_call_args()?;
            let args_depth = p.tree_depth;
            let mut end = close.end;
            if !modifier_first && matches!(p.peek_kind()?, TokenKind::By | TokenKind::Without) {
                without = p.advance()?.kind == TokenKind::Without;
                grouping = p.parse_grouping_labels()?;
                end = p.last_grouping_end;
            }
            p.tree_depth = args_depth;
            Ok((grouping, without, args, end))
        })?;
        self.set_tree_depth(self.tree_depth + 1)?;
        let span = Span::new(op_token.start, end);
        self.new_aggregation(op, span, grouping, without, args)
    }

    fn new_aggregation(
        &mut self,
        op: AggregateOp,
        span: Span,
        grouping: Vec<String>,
        without: bool,
        args: Vec<Expr>,
    ) -> PResult<Expr> {
        if args.is_empty() {
            return Err(self.error_at(span, "no arguments for aggregate expression provided"));
        }
        let desired = if op.takes_param() { 2 } else { 1 };
        if op.takes_param()
            && matches!(op, AggregateOp::LimitK | AggregateOp::LimitRatio)
            && !self.options.experimental_functions
        {
            return Err(self.error_at(
                span,
                format!(
                    "{}() is experimental and must be enabled with --enable-feature=promql-experimental-functions",
                    op.as_str()
                ),
            ));
        }
        if args.len() != desired {
            return Err(self.error_at(
                span,
                format!(
                    "wrong number of arguments for aggregate expression provided, expected {desired}, got {}",
                    args.len()
                ),
            ));
        }
        let mut args = args.into_iter();
        let param = if desired == 2 {
            args.next().map(Box::new)
        } else {
            None
        };
        let Some(expr) = args.next() else {
            return Err(self.error_at(span, "no arguments for aggregate expression provided"));
        };
        Ok(Expr::Aggregate(AggregateExpr {
            op,
            expr: Box::new(expr),
            param,
            grouping,
            without,
            span,
        }))
    }
}

pub(crate) struct BinaryModifiers {
    matching: VectorMatching,
    return_bool: bool,
}
