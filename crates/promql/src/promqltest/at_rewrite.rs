//! The `@`-modifier invariance variants of an instant eval: every selector and subquery
//! without `@` gets `@ <eval time>`, then the query re-runs at other times and must give
//! the same result (Prometheus's `atModifierTestCases`).

use promlite_promql_parser::{AtModifier, Expr};

/// Functions whose value depends on the evaluation time even with fixed inputs.
const TIME_DEPENDENT: [&str; 15] = [
    "days_in_month",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "end",
    "hour",
    "minute",
    "month",
    "year",
    "predict_linear",
    "range",
    "start",
    "step",
    "time",
    "timestamp",
];

/// Pins `expr` to `t_ms`; returns `None` when it calls a time-dependent function (outside
/// subqueries that carry `@`), for which the variants do not apply.
pub(crate) fn pin_to(expr: &Expr, t_ms: i64) -> Option<Expr> {
    let mut e = expr.clone();
    let mut time_dependent = false;
    pin(&mut e, t_ms, &mut time_dependent);
    if time_dependent {
        None
    } else {
        Some(e)
    }
}

fn pin(e: &mut Expr, t: i64, time_dependent: &mut bool) {
    match e {
        Expr::VectorSelector(vs) => {
            if vs.at.is_none() {
                vs.at = Some(AtModifier::Timestamp(t));
            }
        }
        Expr::MatrixSelector(ms) => {
            if ms.vs.at.is_none() {
                ms.vs.at = Some(AtModifier::Timestamp(t));
            }
        }
        Expr::Subquery(sq) => {
            if sq.at.is_none() {
                sq.at = Some(AtModifier::Timestamp(t));
            }
            // Everything inside a subquery with `@` is left alone (and not inspected).
        }
        Expr::Call(c) => {
            if TIME_DEPENDENT.contains(&c.func.name) {
                *time_dependent = true;
            }
            for a in c.args.iter_mut() {
                pin(a, t, time_dependent);
            }
        }
        Expr::Aggregate(a) => {
            pin(&mut a.expr, t, time_dependent);
            if let Some(p) = a.param.as_mut() {
                pin(p, t, time_dependent);
            }
        }
        Expr::Binary(b) => {
            pin(&mut b.lhs, t, time_dependent);
            pin(&mut b.rhs, t, time_dependent);
        }
        Expr::Unary(u) => pin(&mut u.expr, t, time_dependent),
        Expr::Paren(p) => pin(&mut p.expr, t, time_dependent),
        Expr::Number(_) | Expr::String(_) => {}
    }
}

/// The other evaluation times the variants run at.
pub(crate) fn variant_times(t_ms: i64) -> Vec<i64> {
    if t_ms == 0 {
        vec![-1000, 0, 1000]
    } else {
        vec![-10 * t_ms, 0, t_ms / 5, t_ms, 10 * t_ms]
    }
}
