//! `Display` for the AST: canonical PromQL in the style of Prometheus's `String()`, such
//! that parsing the output gives back an equal AST (`parse(print(ast)) == ast`).
//!
//! Like Prometheus, the printer adds no parentheses of its own: the parser keeps them as
//! `Paren` nodes. The exceptions are places where Prometheus's grammar would read its own
//! output differently (offset expressions, negative literals under `^`, names that are
//! keywords), where we print a form that reads back the same.

use std::fmt::{self, Display, Formatter, Write};

use promlite_model::{go_quote, is_valid_legacy_label_name, is_valid_legacy_metric_name};

use crate::ast::{
    AggregateExpr, AtModifier, BinaryExpr, DurationExpr, DurationOp, Expr, MatrixSelector,
    SubqueryExpr, VectorMatchCardinality, VectorSelector,
};
use crate::literals::format_duration;
use crate::parser::{is_grouping_label_token, is_metric_identifier_keyword};
use crate::token::keyword;

/// Go's `strconv.FormatFloat(v, 'f', -1, 64)` (Prometheus's number literal format).
pub(crate) fn format_number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value == f64::INFINITY {
        "+Inf".to_string()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        format!("{value}")
    }
}

/// Go's `%v` for a float (`strconv.FormatFloat(v, 'g', -1, 64)`), used for fill values.
fn format_go_g(value: f64) -> String {
    if !value.is_finite() || value == 0.0 {
        return format_number(value);
    }
    let exponent = value.abs().log10().floor() as i32;
    let scientific = format!("{value:e}");
    // Go's shortest `%g`: exponent form below 1e-4 and from 1e6 up.
    let (mantissa, exp) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exp: i32 = exp.parse().unwrap_or(exponent);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    format_number(value)
}

/// Go's `strconv.Quote`, except that U+FFFD is escaped: Prometheus's lexer rejects the
/// literal character, so Go's output would not parse back.
pub(crate) fn quote_string(s: &str) -> String {
    go_quote(s).replace('\u{FFFD}', "\\ufffd")
}

/// Go's `strconv.Quote` of bytes that are not all UTF-8: invalid bytes as `\xNN`.
fn quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        let valid = quote_string(chunk.valid());
        out.push_str(&valid[1..valid.len() - 1]);
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out.push('"');
    out
}

/// A label matcher as Prometheus prints it (`name="value"`, names quoted when needed).
fn matcher_text(m: &promlite_model::Matcher) -> String {
    let name = if is_valid_legacy_label_name(&m.name) {
        m.name.clone()
    } else {
        quote_string(&m.name)
    };
    format!("{name}{}{}", m.op.as_str(), quote_string(&m.value))
}

/// Prints a metric name bare when it lexes back as a metric name.
fn bare_metric_name_ok(name: &str) -> bool {
    if !is_valid_legacy_metric_name(name) {
        return false;
    }
    // Keywords the grammar also takes as metric names print bare; `bool`, `on`, `inf`, ...
    // would lex as something else.
    keyword(name).is_none_or(is_metric_identifier_keyword)
}

/// Prints a grouping label bare when Prometheus's grammar accepts it there.
fn write_label_list(f: &mut Formatter<'_>, labels: &[String]) -> fmt::Result {
    for (index, label) in labels.iter().enumerate() {
        if index > 0 {
            f.write_str(", ")?;
        }
        let bare =
            is_valid_legacy_label_name(label) && keyword(label).is_none_or(is_grouping_label_token);
        if bare {
            f.write_str(label)?;
        } else {
            f.write_str(&quote_string(label))?;
        }
    }
    Ok(())
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number(n) => f.write_str(&format_number(n.val)),
            Expr::String(s) => match &s.invalid_utf8 {
                Some(bytes) => f.write_str(&quote_bytes(bytes)),
                None => f.write_str(&quote_string(&s.val)),
            },
            Expr::VectorSelector(vs) => write_vector_selector(f, vs, true),
            Expr::MatrixSelector(ms) => write_matrix_selector(f, ms),
            Expr::Subquery(sq) => write_subquery(f, sq),
            Expr::Call(call) => {
                write!(f, "{}(", call.func.name)?;
                for (index, arg) in call.args.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(")")
            }
            Expr::Aggregate(agg) => write_aggregate(f, agg),
            Expr::Binary(binary) => write_binary(f, binary),
            Expr::Unary(unary) => write!(f, "-{}", unary.expr),
            Expr::Paren(paren) => write!(f, "({})", paren.expr),
        }
    }
}

fn write_aggregate(f: &mut Formatter<'_>, agg: &AggregateExpr) -> fmt::Result {
    f.write_str(agg.op.as_str())?;
    if agg.without {
        f.write_str(" without (")?;
        write_label_list(f, &agg.grouping)?;
        f.write_str(") ")?;
    } else if !agg.grouping.is_empty() {
        f.write_str(" by (")?;
        write_label_list(f, &agg.grouping)?;
        f.write_str(") ")?;
    }
    f.write_str("(")?;
    if let Some(param) = &agg.param {
        write!(f, "{param}, ")?;
    }
    write!(f, "{})", agg.expr)
}

fn write_binary(f: &mut Formatter<'_>, binary: &BinaryExpr) -> fmt::Result {
    write!(f, "{} {}", binary.lhs, binary.op.as_str())?;
    if binary.return_bool {
        f.write_str(" bool")?;
    }
    if let Some(vm) = &binary.matching {
        let grouped = matches!(
            vm.card,
            VectorMatchCardinality::ManyToOne | VectorMatchCardinality::OneToMany
        );
        if !vm.matching_labels.is_empty() || vm.on || grouped {
            f.write_str(if vm.on { " on (" } else { " ignoring (" })?;
            write_label_list(f, &vm.matching_labels)?;
            f.write_str(")")?;
        }
        if grouped {
            f.write_str(if vm.card == VectorMatchCardinality::ManyToOne {
                " group_left ("
            } else {
                " group_right ("
            })?;
            write_label_list(f, &vm.include)?;
            f.write_str(")")?;
        }
        match (vm.fill_values.lhs, vm.fill_values.rhs) {
            (Some(l), Some(r)) if l == r => write!(f, " fill ({})", format_go_g(l))?,
            (lhs, rhs) => {
                if let Some(l) = lhs {
                    write!(f, " fill_left ({})", format_go_g(l))?;
                }
                if let Some(r) = rhs {
                    write!(f, " fill_right ({})", format_go_g(r))?;
                }
            }
        }
    }
    write!(f, " {}", binary.rhs)
}

/// The name and `{...}` of a selector. The parser puts the metric name's matcher first;
/// a hand-built selector whose `name` has no such matcher still prints its name.
fn write_matchers(f: &mut Formatter<'_>, vs: &VectorSelector) -> fmt::Result {
    let is_name_matcher = |m: &promlite_model::Matcher, n: &str| {
        m.name == promlite_model::METRIC_NAME
            && m.op == promlite_model::MatchOp::Equal
            && m.value == n
    };
    let mut rest: &[promlite_model::Matcher] = &vs.matchers;
    let mut inside: Vec<String> = Vec::new();
    if let Some(n) = vs.name.as_deref() {
        if vs.matchers.first().is_some_and(|m| is_name_matcher(m, n)) {
            rest = vs.matchers.get(1..).unwrap_or_default();
        }
        let other_name_matcher = rest.iter().any(|m| m.name == promlite_model::METRIC_NAME);
        if bare_metric_name_ok(n) && !other_name_matcher {
            f.write_str(n)?;
            if rest.is_empty() {
                return Ok(());
            }
        } else {
            inside.push(quote_string(n));
        }
    }
    inside.extend(rest.iter().map(matcher_text));
    write!(f, "{{{}}}", inside.join(","))
}

fn write_at(f: &mut Formatter<'_>, at: Option<AtModifier>) -> fmt::Result {
    match at {
        Some(AtModifier::Timestamp(ms)) => write!(f, " @ {}", format_at_timestamp(ms)),
        Some(AtModifier::Start) => f.write_str(" @ start()"),
        Some(AtModifier::End) => f.write_str(" @ end()"),
        None => Ok(()),
    }
}

/// Seconds with exactly three decimals, as Prometheus prints `@` timestamps. Far beyond
/// 2^53 ms the decimal may not survive the float arithmetic of parsing, so a neighbour that
/// does read back as `ms` is printed instead.
fn format_at_timestamp(ms: i64) -> String {
    let text = |ms: i64| {
        let sign = if ms < 0 { "-" } else { "" };
        let abs = ms.unsigned_abs();
        format!("{sign}{}.{:03}", abs / 1000, abs % 1000)
    };
    let reads_back = |candidate: &str| {
        candidate
            .parse::<f64>()
            .is_ok_and(|s| promlite_model::ms_from_float_seconds(s) == ms)
    };
    for delta in [0i64, -1, 1, -2, 2, -3, 3, -4, 4] {
        let candidate = text(ms.saturating_add(delta));
        if reads_back(&candidate) {
            return candidate;
        }
    }
    text(ms)
}

fn write_extended(f: &mut Formatter<'_>, vs: &VectorSelector) -> fmt::Result {
    if vs.anchored {
        f.write_str(" anchored")?;
    } else if vs.smoothed {
        f.write_str(" smoothed")?;
    }
    Ok(())
}

fn write_offset(f: &mut Formatter<'_>, offset: i64, expr: Option<&DurationExpr>) -> fmt::Result {
    if let Some(expr) = expr {
        f.write_str(" offset ")?;
        return write_offset_expr(f, expr);
    }
    match offset {
        0 => Ok(()),
        ms if ms > 0 => write!(f, " offset {}", format_duration(ms)),
        ms => write!(f, " offset -{}", format_duration(ms.saturating_neg())),
    }
}

fn write_vector_selector(
    f: &mut Formatter<'_>,
    vs: &VectorSelector,
    modifiers: bool,
) -> fmt::Result {
    write_matchers(f, vs)?;
    if modifiers {
        write_at(f, vs.at)?;
        write_extended(f, vs)?;
        write_offset(f, vs.offset, vs.offset_expr.as_ref())?;
    }
    Ok(())
}

/// A literal range or step: a duration, or (below a millisecond) a number of seconds
/// that parses back to the same 0 ms.
fn write_literal_duration(f: &mut Formatter<'_>, ms: i64) -> fmt::Result {
    if ms == 0 {
        f.write_str("0.0001")
    } else {
        f.write_str(&format_duration(ms))
    }
}

fn write_matrix_selector(f: &mut Formatter<'_>, ms: &MatrixSelector) -> fmt::Result {
    write_vector_selector(f, &ms.vs, false)?;
    f.write_str("[")?;
    match &ms.range_expr {
        Some(expr) => write!(f, "{expr}")?,
        None => write_literal_duration(f, ms.range)?,
    }
    f.write_str("]")?;
    write_extended(f, &ms.vs)?;
    write_at(f, ms.vs.at)?;
    write_offset(f, ms.vs.offset, ms.vs.offset_expr.as_ref())
}

fn write_subquery(f: &mut Formatter<'_>, sq: &SubqueryExpr) -> fmt::Result {
    write!(f, "{}[", sq.expr)?;
    match &sq.range_expr {
        Some(expr) => write!(f, "{expr}")?,
        None => write_literal_duration(f, sq.range)?,
    }
    f.write_str(":")?;
    match (&sq.step_expr, sq.step) {
        (Some(expr), _) => write!(f, "{expr}")?,
        (None, Some(ms)) => write_literal_duration(f, ms)?,
        (None, None) => {}
    }
    f.write_str("]")?;
    write_at(f, sq.at)?;
    write_offset(f, sq.offset, sq.offset_expr.as_ref())
}

impl Display for DurationExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            DurationExpr::Number {
                seconds, duration, ..
            } => f.write_str(&format_duration_number(*seconds, *duration)),
            DurationExpr::Step { .. } => f.write_str("step()"),
            DurationExpr::Range { .. } => f.write_str("range()"),
            DurationExpr::MinOf { lhs, rhs, .. } => write!(f, "min_of({lhs}, {rhs})"),
            DurationExpr::MaxOf { lhs, rhs, .. } => write!(f, "max_of({lhs}, {rhs})"),
            DurationExpr::Neg { expr, .. } => write!(f, "-{expr}"),
            DurationExpr::Paren { expr, .. } => write!(f, "({expr})"),
            DurationExpr::Binary { op, lhs, rhs, .. } => {
                // `(-2) ^ x`: the parser reads `-2 ^ x` as `-(2 ^ x)`.
                let negative_base = *op == DurationOp::Pow
                    && matches!(**lhs, DurationExpr::Number { seconds, .. } if seconds.is_sign_negative());
                if negative_base {
                    write!(f, "({lhs})")?;
                } else {
                    write!(f, "{lhs}")?;
                }
                write!(f, " {} {rhs}", op.as_str())
            }
        }
    }
}

fn format_duration_number(seconds: f64, duration: bool) -> String {
    let millis = seconds * 1000.0;
    let exact = millis.is_finite() && millis.fract() == 0.0 && millis.abs() < 9.2e18;
    if duration && exact && seconds != 0.0 {
        return format_duration(millis as i64);
    }
    format_number(seconds)
}

/// An offset expression. Without parentheses Prometheus's grammar gives the offset only
/// one (signed) term and reads what follows as an operator on the selector, so a leading
/// term that would be taken that way is wrapped or prefixed to keep the meaning.
fn write_offset_expr(f: &mut Formatter<'_>, expr: &DurationExpr) -> fmt::Result {
    match expr {
        // `+(d)` reads back as the same parenthesised expression, and unlike `(d)` it does
        // not let a following `+ x` continue the offset.
        DurationExpr::Paren { .. } => return write!(f, "+{expr}"),
        DurationExpr::Binary { .. } => {}
        _ => return write!(f, "{expr}"),
    }
    let mut text = String::new();
    write_binary_with_guarded_leftmost(&mut text, expr)?;
    f.write_str(&text)
}

fn write_binary_with_guarded_leftmost(out: &mut String, expr: &DurationExpr) -> fmt::Result {
    match expr {
        DurationExpr::Binary { op, lhs, rhs, .. } => {
            write_binary_with_guarded_leftmost(out, lhs)?;
            write!(out, " {} {rhs}", op.as_str())
        }
        DurationExpr::Number { .. } => write!(out, "({expr})"),
        DurationExpr::Paren { .. } => write!(out, "{expr}"),
        DurationExpr::Neg { expr: inner, .. } if matches!(**inner, DurationExpr::Neg { .. }) => {
            write!(out, "{expr}")
        }
        DurationExpr::Neg { .. } => write!(out, "+{expr}"),
        _ => write!(out, "++{expr}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_go() {
        assert_eq!(format_number(1e20), "100000000000000000000");
        assert_eq!(format_number(1e-7), "0.0000001");
        assert_eq!(format_number(-0.5), "-0.5");
        assert_eq!(format_number(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_go_g(-23.0), "-23");
        assert_eq!(format_go_g(1e21), "1e+21");
        assert_eq!(format_go_g(123456.0), "123456");
        assert_eq!(format_go_g(1e6), "1e+06");
        assert_eq!(format_go_g(1234567.0), "1.234567e+06");
        assert_eq!(format_go_g(1.5e-5), "1.5e-05");
        assert_eq!(format_at_timestamp(-1500), "-1.500");
    }
}
