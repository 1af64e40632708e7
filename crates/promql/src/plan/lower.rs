//! Lowering: `Expr` → [`Node`], then marking step-invariant subtrees.

use promlite_promql_parser::{
    AggregateOp, AtModifier, Expr, ValueType, VectorMatchCardinality, VectorSelector,
};
use promlite_storage::SelectHints;

use super::{
    AggregateNode, BinaryNode, CallNode, Matching, MatrixNode, Node, SelectorNode, SubqueryNode,
};
use crate::error::{PromqlError, Result};
use crate::functions::Func;

/// What lowering needs to know about the query.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LowerParams {
    pub start: i64,
    pub end: i64,
    /// Step of a range query; 0 for an instant query.
    pub step: i64,
    pub lookback: i64,
    pub default_subquery_step: i64,
    pub enable_experimental: bool,
}

/// What the path from the root to a node contributes to its selectors' time ranges
/// (Prometheus's `subqueryTimes`, `getLastSubqueryInterval`, `extractFuncFromPath`).
#[derive(Clone, Copy, Debug, Default)]
struct PathCtx {
    subq_offset: i64,
    subq_range: i64,
    subq_at: Option<i64>,
    subq_interval: Option<i64>,
    func: Option<&'static str>,
}

/// Lowers `expr` for evaluation with `p`.
pub(crate) fn lower(expr: &Expr, p: &LowerParams) -> Result<Node> {
    let mut node = lower_expr(expr, p, PathCtx::default())?;
    let (_, wrap) = mark_step_invariant(&mut node);
    if wrap {
        node = Node::StepInvariant(Box::new(node));
    }
    Ok(node)
}

/// Go's `%q` of bytes that are not valid UTF-8: invalid bytes become `\xNN`.
fn go_quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        let valid = promlite_model::go_quote(chunk.valid());
        out.push_str(&valid[1..valid.len() - 1]);
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}

fn unparen(mut e: &Expr) -> &Expr {
    while let Expr::Paren(p) = e {
        e = &p.expr;
    }
    e
}

/// The largest magnitude (ms, about 285,000 years) a time, offset, range or step may
/// have: sums of a few of them stay far from `i64` overflow.
pub(crate) const MAX_TIME_MS: i64 = 1 << 53;

/// Rejects a time or duration whose arithmetic could overflow.
pub(crate) fn bounded(v: i64, what: &str) -> Result<i64> {
    if (-MAX_TIME_MS..=MAX_TIME_MS).contains(&v) {
        Ok(v)
    } else {
        Err(PromqlError::BadData(format!("{what} is out of range")))
    }
}

fn resolve_at(at: Option<AtModifier>, p: &LowerParams) -> Result<Option<i64>> {
    at.map(|a| match a {
        AtModifier::Timestamp(t) => bounded(t, "@ timestamp"),
        AtModifier::Start => Ok(p.start),
        AtModifier::End => Ok(p.end),
    })
    .transpose()
}

/// Resolves an experimental duration expression (`foo[5m + step()]`) to ms, or takes the
/// literal value.
fn duration(
    literal: i64,
    expr: Option<&promlite_promql_parser::DurationExpr>,
    p: &LowerParams,
    allow_negative: bool,
) -> Result<i64> {
    match expr {
        None => Ok(literal),
        Some(e) => e
            .resolve_millis(p.step, p.end - p.start, allow_negative)
            .map_err(PromqlError::BadData),
    }
}

fn selector(
    vs: &VectorSelector,
    p: &LowerParams,
    path: PathCtx,
    eval_range: i64,
) -> Result<SelectorNode> {
    let at = resolve_at(vs.at, p)?;
    let offset = bounded(
        duration(vs.offset, vs.offset_expr.as_ref(), p, true)?,
        "offset",
    )?;
    let (mut start, mut end) = (p.start, p.end);
    if let Some(t) = path.subq_at {
        start = t;
        end = t;
    }
    if let Some(t) = at {
        start = t;
        end = t;
    } else {
        start -= path.subq_offset + path.subq_range;
        end -= path.subq_offset;
    }
    if eval_range == 0 {
        // Lookback is left-open: a sample exactly `lookback` old is not used.
        start -= p.lookback - 1;
        if vs.smoothed {
            end += p.lookback;
        }
    } else if vs.anchored || vs.smoothed {
        // Extended windows reach one lookback further back (and forward when smoothed).
        start -= p.lookback + eval_range - 1;
        if vs.smoothed {
            end += p.lookback;
        }
    } else {
        start -= eval_range - 1;
    }
    start -= offset;
    end -= offset;
    Ok(SelectorNode {
        matchers: vs.matchers.clone(),
        offset,
        at,
        anchored: vs.anchored,
        smoothed: vs.smoothed,
        hints: SelectHints {
            start,
            end,
            step: path.subq_interval.unwrap_or(p.step),
            func: path.func.map(str::to_string),
            range: eval_range,
        },
    })
}

fn lower_expr(expr: &Expr, p: &LowerParams, path: PathCtx) -> Result<Node> {
    Ok(match expr {
        Expr::Number(n) => Node::Number(n.val),
        Expr::String(s) => Node::String(super::StrNode {
            text: s.val.clone(),
            invalid_quoted: s.invalid_utf8.as_deref().map(go_quote_bytes),
        }),
        Expr::Paren(e) => lower_expr(&e.expr, p, path)?,
        Expr::Unary(u) => Node::Negate(Box::new(lower_expr(&u.expr, p, path)?)),
        Expr::VectorSelector(vs) => Node::VectorSelector(Box::new(selector(vs, p, path, 0)?)),
        Expr::MatrixSelector(ms) => {
            let range = bounded(
                duration(ms.range, ms.range_expr.as_ref(), p, false)?,
                "range",
            )?;
            Node::MatrixSelector(Box::new(MatrixNode {
                sel: selector(&ms.vs, p, path, range)?,
                range,
            }))
        }
        Expr::Subquery(sq) => {
            let at = resolve_at(sq.at, p)?;
            let range = bounded(
                duration(sq.range, sq.range_expr.as_ref(), p, false)?,
                "range",
            )?;
            let offset = bounded(
                duration(sq.offset, sq.offset_expr.as_ref(), p, true)?,
                "offset",
            )?;
            let step = bounded(
                match &sq.step_expr {
                    Some(e) => duration(0, Some(e), p, false)?,
                    None => sq
                        .step
                        .filter(|s| *s > 0)
                        .unwrap_or(p.default_subquery_step),
                },
                "subquery step",
            )?;
            let mut inner = path;
            inner.subq_offset += offset;
            inner.subq_range += range;
            if let Some(t) = at {
                // An `@` on a subquery resets what the outer subqueries contributed.
                inner.subq_offset = offset;
                inner.subq_range = range;
                inner.subq_at = Some(t);
            }
            inner.subq_interval = Some(step);
            Node::Subquery(Box::new(SubqueryNode {
                expr: lower_expr(unparen(&sq.expr), p, inner)?,
                range,
                step,
                offset,
                at,
            }))
        }
        Expr::Call(c) => {
            let name = c.func.name;
            if c.func.experimental && !p.enable_experimental {
                return Err(PromqlError::BadData(format!(
                    "parse error: function {} is not enabled",
                    promlite_model::go_quote(name)
                )));
            }
            match name {
                "start" => return Ok(Node::Number(p.start as f64 / 1000.0)),
                "end" => return Ok(Node::Number(p.end as f64 / 1000.0)),
                "range" => return Ok(Node::Number((p.end - p.start) as f64 / 1000.0)),
                "step" => {
                    let v = if p.start != p.end {
                        p.step as f64 / 1000.0
                    } else {
                        0.0
                    };
                    return Ok(Node::Number(v));
                }
                _ => {}
            }
            let func = Func::from_name(name).ok_or_else(|| {
                PromqlError::BadData(format!("parse error: function {name:?} is not supported"))
            })?;
            let mut inner = path;
            inner.func = Some(name);
            let args = c
                .args
                .iter()
                .map(|a| lower_expr(unparen(a), p, inner))
                .collect::<Result<Vec<_>>>()?;
            let arg_spans = c.args.iter().map(|a| unparen(a).span()).collect();
            Node::Call(Box::new(CallNode {
                func,
                name,
                args,
                span: c.span,
                arg_spans,
            }))
        }
        Expr::Aggregate(a) => {
            if matches!(a.op, AggregateOp::LimitK | AggregateOp::LimitRatio)
                && !p.enable_experimental
            {
                return Err(PromqlError::BadData(format!(
                    "parse error: {}() is experimental and must be enabled with --enable-feature=promql-experimental-functions",
                    a.op.as_str()
                )));
            }
            let mut inner = path;
            inner.func = Some(a.op.as_str());
            let mut grouping = a.grouping.clone();
            grouping.sort();
            grouping.dedup();
            Node::Aggregate(Box::new(AggregateNode {
                op: a.op,
                expr: lower_expr(unparen(&a.expr), p, inner)?,
                param_span: a
                    .param
                    .as_deref()
                    .map(|p| unparen(p).span())
                    .unwrap_or_default(),
                param: match &a.param {
                    Some(pe) => Some(lower_expr(unparen(pe), p, inner)?),
                    None => None,
                },
                grouping,
                without: a.without,
            }))
        }
        Expr::Binary(b) => {
            let mut inner = path;
            inner.func = None;
            Node::Binary(Box::new(BinaryNode {
                op: b.op,
                lhs_type: b.lhs.value_type(),
                rhs_type: b.rhs.value_type(),
                lhs: lower_expr(&b.lhs, p, inner)?,
                rhs: lower_expr(&b.rhs, p, inner)?,
                matching: matching(b),
                return_bool: b.return_bool,
                span: b.span,
            }))
        }
    })
}

fn matching(b: &promlite_promql_parser::BinaryExpr) -> Option<Matching> {
    if b.lhs.value_type() != ValueType::Vector || b.rhs.value_type() != ValueType::Vector {
        return None;
    }
    Some(match &b.matching {
        Some(m) => Matching {
            card: m.card,
            labels: m.matching_labels.clone(),
            on: m.on,
            include: m.include.clone(),
            fill_lhs: m.fill_values.lhs,
            fill_rhs: m.fill_values.rhs,
        },
        None => Matching {
            card: if b.op.is_set_operator() {
                VectorMatchCardinality::ManyToMany
            } else {
                VectorMatchCardinality::OneToOne
            },
            labels: Vec::new(),
            on: false,
            include: Vec::new(),
            fill_lhs: None,
            fill_rhs: None,
        },
    })
}

/// Functions whose value can change with the evaluation time although their arguments
/// do not (Prometheus's `AtModifierUnsafeFunctions`; `start`/`end`/`range`/`step` are
/// folded to numbers before this runs).
fn at_modifier_unsafe(f: Func) -> bool {
    use Func::*;
    matches!(
        f,
        DaysInMonth
            | DayOfMonth
            | DayOfWeek
            | DayOfYear
            | Hour
            | Minute
            | Month
            | Year
            | PredictLinear
            | Time
            | Timestamp
    )
}

fn take(n: &mut Node) -> Node {
    std::mem::replace(n, Node::Number(0.0))
}

fn wrap(n: &mut Node) {
    let inner = take(n);
    *n = Node::StepInvariant(Box::new(inner));
}

/// Prometheus's `preprocessExprHelper`: returns (is step invariant, should be wrapped)
/// and wraps the highest step-invariant children of non-invariant nodes.
fn mark_step_invariant(node: &mut Node) -> (bool, bool) {
    match node {
        Node::VectorSelector(s) => (s.at.is_some(), s.at.is_some()),
        Node::Number(_) | Node::String(_) => (true, false),
        Node::MatrixSelector(m) => (m.sel.at.is_some(), false),
        Node::Negate(inner) => mark_step_invariant(inner),
        Node::StepInvariant(_) => (true, false),
        Node::Aggregate(a) => mark_step_invariant(&mut a.expr),
        Node::Subquery(sq) => {
            let (inner_inv, _) = mark_step_invariant(&mut sq.expr);
            if inner_inv {
                wrap(&mut sq.expr);
            }
            (sq.at.is_some(), sq.at.is_some())
        }
        Node::Binary(b) => {
            let (li, lw) = mark_step_invariant(&mut b.lhs);
            let (ri, rw) = mark_step_invariant(&mut b.rhs);
            if li && ri {
                return (true, true);
            }
            if lw {
                wrap(&mut b.lhs);
            }
            if rw {
                wrap(&mut b.rhs);
            }
            (false, false)
        }
        Node::Call(c) => {
            let mut invariant = !at_modifier_unsafe(c.func);
            // timestamp(selector @ t) is invariant although timestamp() is not.
            let mut timestamp_of_fixed_selector = c.func == Func::Timestamp;
            let mut should_wrap = Vec::with_capacity(c.args.len());
            for arg in c.args.iter_mut() {
                let (ai, aw) = mark_step_invariant(arg);
                invariant &= ai;
                if !ai || !matches!(arg, Node::VectorSelector(_)) {
                    timestamp_of_fixed_selector = false;
                }
                should_wrap.push(aw);
            }
            if invariant || timestamp_of_fixed_selector {
                return (true, true);
            }
            for (arg, w) in c.args.iter_mut().zip(should_wrap) {
                // Range-vector arguments stay in place: the function reads their windows.
                if w && !matches!(arg, Node::Subquery(_) | Node::MatrixSelector(_)) {
                    wrap(arg);
                }
            }
            (false, false)
        }
    }
}
