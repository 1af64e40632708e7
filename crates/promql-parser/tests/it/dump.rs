//! A compact, stable S-expression dump of the AST for golden files (spans left out).

use std::fmt::Write;

use promlite_promql_parser::{
    AtModifier, DurationExpr, Expr, VectorMatchCardinality, VectorMatching, VectorSelector,
};

pub fn dump(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr);
    out
}

fn write_expr(out: &mut String, expr: &Expr) {
    match expr {
        Expr::Number(n) => {
            let _ = write!(out, "(number {:?})", n.val);
        }
        Expr::String(s) => {
            let _ = write!(out, "(string {:?})", s.val);
        }
        Expr::VectorSelector(vs) => write_selector(out, vs),
        Expr::MatrixSelector(ms) => {
            out.push_str("(matrix ");
            write_selector(out, &ms.vs);
            match &ms.range_expr {
                Some(e) => {
                    let _ = write!(out, " range={}", dump_duration(e));
                }
                None => {
                    let _ = write!(out, " range={}ms", ms.range);
                }
            }
            out.push(')');
        }
        Expr::Subquery(sq) => {
            out.push_str("(subquery ");
            write_expr(out, &sq.expr);
            match &sq.range_expr {
                Some(e) => {
                    let _ = write!(out, " range={}", dump_duration(e));
                }
                None => {
                    let _ = write!(out, " range={}ms", sq.range);
                }
            }
            match (&sq.step_expr, sq.step) {
                (Some(e), _) => {
                    let _ = write!(out, " step={}", dump_duration(e));
                }
                (None, Some(ms)) => {
                    let _ = write!(out, " step={ms}ms");
                }
                (None, None) => out.push_str(" step=default"),
            }
            write_offset_at(out, sq.offset, sq.offset_expr.as_ref(), sq.at);
            out.push(')');
        }
        Expr::Call(call) => {
            let _ = write!(out, "(call {}", call.func.name);
            for arg in &call.args {
                out.push(' ');
                write_expr(out, arg);
            }
            out.push(')');
        }
        Expr::Aggregate(agg) => {
            let _ = write!(out, "(aggregate {}", agg.op.as_str());
            if agg.without || !agg.grouping.is_empty() {
                let kind = if agg.without { "without" } else { "by" };
                let _ = write!(out, " {kind}={:?}", agg.grouping);
            }
            if let Some(param) = &agg.param {
                out.push_str(" param=");
                write_expr(out, param);
            }
            out.push(' ');
            write_expr(out, &agg.expr);
            out.push(')');
        }
        Expr::Binary(b) => {
            let _ = write!(out, "(binary {}", b.op.as_str());
            if b.return_bool {
                out.push_str(" bool");
            }
            if let Some(m) = &b.matching {
                write_matching(out, m);
            }
            out.push(' ');
            write_expr(out, &b.lhs);
            out.push(' ');
            write_expr(out, &b.rhs);
            out.push(')');
        }
        Expr::Unary(u) => {
            out.push_str("(neg ");
            write_expr(out, &u.expr);
            out.push(')');
        }
        Expr::Paren(p) => {
            out.push_str("(paren ");
            write_expr(out, &p.expr);
            out.push(')');
        }
    }
}

fn write_matching(out: &mut String, m: &VectorMatching) {
    let card = match m.card {
        VectorMatchCardinality::OneToOne => "one-to-one",
        VectorMatchCardinality::ManyToOne => "many-to-one",
        VectorMatchCardinality::OneToMany => "one-to-many",
        VectorMatchCardinality::ManyToMany => "many-to-many",
    };
    let _ = write!(out, " [{card}");
    if m.on || !m.matching_labels.is_empty() {
        let kind = if m.on { "on" } else { "ignoring" };
        let _ = write!(out, " {kind}={:?}", m.matching_labels);
    }
    if !m.include.is_empty() {
        let _ = write!(out, " include={:?}", m.include);
    }
    if let Some(v) = m.fill_values.lhs {
        let _ = write!(out, " fill_left={v:?}");
    }
    if let Some(v) = m.fill_values.rhs {
        let _ = write!(out, " fill_right={v:?}");
    }
    out.push(']');
}

fn write_selector(out: &mut String, vs: &VectorSelector) {
    out.push_str("(selector");
    if let Some(name) = &vs.name {
        let _ = write!(out, " name={name:?}");
    }
    for m in &vs.matchers {
        let _ = write!(out, " {m}");
    }
    if vs.anchored {
        out.push_str(" anchored");
    }
    if vs.smoothed {
        out.push_str(" smoothed");
    }
    write_offset_at(out, vs.offset, vs.offset_expr.as_ref(), vs.at);
    out.push(')');
}

fn write_offset_at(
    out: &mut String,
    offset: i64,
    expr: Option<&DurationExpr>,
    at: Option<AtModifier>,
) {
    if let Some(e) = expr {
        let _ = write!(out, " offset={}", dump_duration(e));
    } else if offset != 0 {
        let _ = write!(out, " offset={offset}ms");
    }
    match at {
        Some(AtModifier::Timestamp(ms)) => {
            let _ = write!(out, " @{ms}ms");
        }
        Some(AtModifier::Start) => out.push_str(" @start"),
        Some(AtModifier::End) => out.push_str(" @end"),
        None => {}
    }
}

pub fn dump_duration(e: &DurationExpr) -> String {
    match e {
        DurationExpr::Number { seconds, .. } => format!("{seconds:?}s"),
        DurationExpr::Step { .. } => "step".into(),
        DurationExpr::Range { .. } => "range".into(),
        DurationExpr::MinOf { lhs, rhs, .. } => {
            format!("(min_of {} {})", dump_duration(lhs), dump_duration(rhs))
        }
        DurationExpr::MaxOf { lhs, rhs, .. } => {
            format!("(max_of {} {})", dump_duration(lhs), dump_duration(rhs))
        }
        DurationExpr::Neg { expr, .. } => format!("(neg {})", dump_duration(expr)),
        DurationExpr::Paren { expr, .. } => format!("(paren {})", dump_duration(expr)),
        DurationExpr::Binary { op, lhs, rhs, .. } => {
            format!(
                "({} {} {})",
                op.as_str(),
                dump_duration(lhs),
                dump_duration(rhs)
            )
        }
    }
}
