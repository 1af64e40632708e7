//! The checks Prometheus runs on a syntactically valid expression (`checkAST`): operand
//! and argument types, vector matching rules, selector sanity. Walks in Prometheus's order
//! and stops at the first error, which is the one Prometheus would report.

use promlite_model::METRIC_NAME;

use super::{PResult, Parser};
use crate::ast::{
    AggregateOp, BinaryExpr, Call, Expr, Span, ValueType, VectorMatchCardinality, VectorSelector,
};
use crate::lexer::is_space;

pub(crate) fn check_ast(parser: &Parser<'_>, expr: &mut Expr) -> PResult<()> {
    Checker { parser }.check(expr, false).map(|_| ())
}

struct Checker<'p, 'a> {
    parser: &'p Parser<'a>,
}

/// Prometheus's `ValueType` names, used raw in one message.
fn raw_type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::Scalar => "scalar",
        ValueType::Vector => "vector",
        ValueType::Matrix => "matrix",
        ValueType::String => "string",
    }
}

impl Checker<'_, '_> {
    fn error(&self, span: Span, message: impl Into<String>) -> crate::ParseError {
        self.parser.error_at(span, message)
    }

    /// Checks `expr` and returns its type. `bypass_empty_matcher_check` is set for the
    /// second argument of `info()`, a bare label selector.
    fn check(&self, expr: &mut Expr, bypass_empty_matcher_check: bool) -> PResult<ValueType> {
        let own_type = expr.value_type();
        match expr {
            Expr::Aggregate(agg) => {
                self.expect_type(&mut agg.expr, ValueType::Vector, "aggregation expression")?;
                let param_type = match agg.op {
                    AggregateOp::TopK
                    | AggregateOp::BottomK
                    | AggregateOp::Quantile
                    | AggregateOp::LimitK
                    | AggregateOp::LimitRatio => Some(ValueType::Scalar),
                    AggregateOp::CountValues => Some(ValueType::String),
                    _ => None,
                };
                if let (Some(want), Some(param)) = (param_type, agg.param.as_mut()) {
                    self.expect_type(param, want, "aggregation parameter")?;
                }
            }
            Expr::Binary(binary) => self.check_binary(binary)?,
            Expr::Call(call) => self.check_call(call)?,
            Expr::Paren(paren) => {
                self.check(&mut paren.expr, false)?;
            }
            Expr::Unary(unary) => {
                let inner = self.check(&mut unary.expr, false)?;
                self.check_unary_operand(inner, unary.span.start as usize)?;
            }
            Expr::Subquery(subquery) => {
                let inner = self.check(&mut subquery.expr, false)?;
                if inner != ValueType::Vector {
                    return Err(self.error(
                        subquery.span,
                        format!(
                            "subquery is only allowed on instant vector, got {} instead",
                            raw_type_name(inner)
                        ),
                    ));
                }
            }
            Expr::MatrixSelector(matrix) => self.check_selector(&matrix.vs, false)?,
            Expr::VectorSelector(vs) => self.check_selector(vs, bypass_empty_matcher_check)?,
            Expr::Number(_) | Expr::String(_) => {}
        }
        // A unary `+` is dropped from the AST, but Prometheus still checks its operand.
        let span = expr.span();
        if let Some(plus_start) = self.parser.unary_plus.get(&(span.start, span.end)) {
            self.check_unary_operand(own_type, *plus_start)?;
        }
        Ok(own_type)
    }

    fn check_unary_operand(&self, operand: ValueType, start: usize) -> PResult<()> {
        if operand != ValueType::Scalar && operand != ValueType::Vector {
            return Err(self.error(
                Span::new(start, start),
                format!(
                    "unary expression only allowed on expressions of type scalar or instant vector, got {}",
                    promlite_model::go_quote(operand.as_str())
                ),
            ));
        }
        Ok(())
    }

    fn expect_type(&self, expr: &mut Expr, want: ValueType, context: &str) -> PResult<()> {
        let got = self.check(expr, false)?;
        if got != want {
            return Err(self.error(
                expr.span(),
                format!("expected type {want} in {context}, got {got}"),
            ));
        }
        Ok(())
    }

    /// Where the operator of a binary expression starts: the first non-space byte after
    /// the left operand.
    fn operator_span(&self, binary: &BinaryExpr) -> Span {
        let bytes = self.parser.input.as_bytes();
        let mut start = binary.lhs.span().end as usize;
        while bytes.get(start).is_some_and(|b| is_space(char::from(*b))) {
            start += 1;
        }
        Span::new(start, start)
    }

    fn check_binary(&self, binary: &mut BinaryExpr) -> PResult<()> {
        let lhs_type = self.check(&mut binary.lhs, false)?;
        let rhs_type = self.check(&mut binary.rhs, false)?;
        let op = binary.op;
        if binary.return_bool && !op.is_comparison() {
            return Err(self.error(
                self.operator_span(binary),
                "bool modifier can only be used on comparison operators",
            ));
        }
        if op.is_comparison()
            && !binary.return_bool
            && lhs_type == ValueType::Scalar
            && rhs_type == ValueType::Scalar
        {
            return Err(self.error(
                self.operator_span(binary),
                "comparisons between scalars must use BOOL modifier",
            ));
        }
        let operator_span = self.operator_span(binary);
        let span = binary.span;
        let Some(matching) = binary.matching.as_mut() else {
            return Ok(());
        };
        if op.is_set_operator() && matching.card == VectorMatchCardinality::OneToOne {
            matching.card = VectorMatchCardinality::ManyToMany;
        }
        if matching.on {
            for label in &matching.matching_labels {
                if matching.include.contains(label) {
                    return Err(self.error(
                        operator_span,
                        format!(
                            "label {} must not occur in ON and GROUP clause at once",
                            promlite_model::go_quote(label)
                        ),
                    ));
                }
            }
        }
        let valid = |t: ValueType| t == ValueType::Scalar || t == ValueType::Vector;
        if !valid(lhs_type) {
            return Err(self.error(
                binary.lhs.span(),
                "binary expression must contain only scalar and instant vector types",
            ));
        }
        if !valid(rhs_type) {
            return Err(self.error(
                binary.rhs.span(),
                "binary expression must contain only scalar and instant vector types",
            ));
        }
        let fills = matching.fill_values.lhs.is_some() || matching.fill_values.rhs.is_some();
        if lhs_type != ValueType::Vector || rhs_type != ValueType::Vector {
            if !matching.matching_labels.is_empty() {
                return Err(
                    self.error(span, "vector matching only allowed between instant vectors")
                );
            }
            if fills {
                return Err(self.error(
                    span,
                    "filling in missing series only allowed between instant vectors",
                ));
            }
            binary.matching = None;
        } else if op.is_set_operator() {
            if matches!(
                matching.card,
                VectorMatchCardinality::OneToMany | VectorMatchCardinality::ManyToOne
            ) {
                return Err(self.error(
                    span,
                    format!(
                        "no grouping allowed for {} operation",
                        promlite_model::go_quote(op.as_str())
                    ),
                ));
            }
            if fills {
                return Err(self.error(
                    span,
                    "filling in missing series not allowed for set operators",
                ));
            }
        }
        if (lhs_type == ValueType::Scalar || rhs_type == ValueType::Scalar) && op.is_set_operator()
        {
            return Err(self.error(
                span,
                format!(
                    "set operator {} not allowed in binary scalar expression",
                    promlite_model::go_quote(op.as_str())
                ),
            ));
        }
        Ok(())
    }

    fn check_call(&self, call: &mut Call) -> PResult<()> {
        let func = call.func;
        let given = call.args.len();
        let quoted_name = promlite_model::go_quote(func.name);
        let declared = func.arg_types.len();
        if func.variadic == 0 {
            if declared != given {
                return Err(self.error(
                    call.span,
                    format!(
                        "expected {declared} argument(s) in call to {quoted_name}, got {given}"
                    ),
                ));
            }
        } else {
            let min = declared.saturating_sub(1);
            if min > given {
                return Err(self.error(
                    call.span,
                    format!(
                        "expected at least {min} argument(s) in call to {quoted_name}, got {given}"
                    ),
                ));
            }
            if let Some(max) = func.max_args() {
                if max < given {
                    return Err(self.error(
                        call.span,
                        format!("expected at most {max} argument(s) in call to {quoted_name}, got {given}"),
                    ));
                }
            }
        }
        let mut bypass_second = false;
        if func.name == "info" {
            if let Some(second) = call.args.get(1) {
                let second_type = second.value_type();
                if second_type != ValueType::Vector {
                    return Err(self.error(
                        call.span,
                        format!(
                            "expected type instant vector in call to function \"info\", got {second_type}"
                        ),
                    ));
                }
                match second {
                    Expr::VectorSelector(vs) if self.name_outside_braces(vs) => {
                        return Err(self.error(
                            second.span(),
                            "expected label selectors only, got vector selector instead",
                        ))
                    }
                    Expr::VectorSelector(_) => bypass_second = true,
                    _ => return Err(self.error(second.span(), "expected label selectors only")),
                }
            }
        }
        for (index, arg) in call.args.iter_mut().enumerate() {
            let Some(want) = func.arg_type(index) else {
                break;
            };
            let got = self.check(arg, bypass_second && index == 1)?;
            if got != want {
                return Err(self.error(
                    arg.span(),
                    format!("expected type {want} in call to function {quoted_name}, got {got}"),
                ));
            }
        }
        Ok(())
    }

    /// Prometheus's `VectorSelector.Name` is only set by a name written before the braces.
    fn name_outside_braces(&self, vs: &VectorSelector) -> bool {
        vs.name.is_some() && self.parser.input.as_bytes().get(vs.span.start as usize) != Some(&b'{')
    }

    fn check_selector(&self, vs: &VectorSelector, bypass_empty_matcher_check: bool) -> PResult<()> {
        if self.name_outside_braces(vs) {
            let name = vs.name.as_deref().unwrap_or_default();
            if let Some(other) = vs.matchers.iter().skip(1).find(|m| m.name == METRIC_NAME) {
                return Err(self.error(
                    vs.span,
                    format!(
                        "metric name must not be set twice: {} or {}",
                        promlite_model::go_quote(name),
                        promlite_model::go_quote(&other.value)
                    ),
                ));
            }
            return Ok(());
        }
        if !bypass_empty_matcher_check && vs.matchers.iter().all(|m| m.matches("")) {
            return Err(self.error(
                vs.span,
                "vector selector must contain at least one non-empty matcher",
            ));
        }
        Ok(())
    }
}
