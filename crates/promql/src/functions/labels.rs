//! `label_replace` and `label_join`: they rewrite series labels, not values.

use crate::error::{PromqlError, Result};
use crate::eval::series::merge_same_labelsets;
use crate::eval::Evaluator;
use crate::plan::{CallNode, Node};
use crate::value::{StepSeries, Val};

/// Whether `name` may name a label. Prometheus 3 accepts any valid UTF-8; the parser turns
/// invalid bytes in string literals into U+FFFD, so that character marks an invalid name.
pub(crate) fn is_valid_label_name(name: &str) -> bool {
    promlite_model::is_valid_label_name(name) && !name.contains('\u{fffd}')
}

fn string_arg(c: &CallNode, i: usize) -> Result<&str> {
    match c.args.get(i).map(Node::unwrapped) {
        Some(Node::String(s)) => Ok(s),
        _ => Err(PromqlError::Internal(format!(
            "{}() expects a string as argument {}",
            c.name,
            i + 1
        ))),
    }
}

fn vector_arg(ev: &Evaluator<'_, '_>, c: &CallNode) -> Result<Vec<StepSeries>> {
    let a = c
        .args
        .first()
        .ok_or_else(|| PromqlError::Internal(format!("{}() without arguments", c.name)))?;
    ev.eval_vector(a)
}

/// Sets `dst` on a series; naming the metric (`__name__`) keeps it from being dropped.
fn set_label(s: &mut StepSeries, dst: &str, value: &str) {
    let mut b = s.labels.builder();
    b.set(dst, value);
    s.labels = b.build();
    if dst == promlite_model::METRIC_NAME {
        s.drop_name = false;
    }
}

pub(crate) fn label_replace(ev: &Evaluator<'_, '_>, c: &CallNode) -> Result<Val> {
    let dst = string_arg(c, 1)?;
    let repl = string_arg(c, 2)?;
    let src = string_arg(c, 3)?;
    let pattern = string_arg(c, 4)?;
    let re = regex::Regex::new(&format!("^(?s:{pattern})$")).map_err(|_| {
        PromqlError::exec(format!(
            "invalid regular expression in label_replace(): {pattern}"
        ))
    })?;
    if !is_valid_label_name(dst) {
        return Err(PromqlError::exec(format!(
            "invalid destination label name in label_replace(): {dst}"
        )));
    }
    let mut series = vector_arg(ev, c)?;
    let mut expanded = String::new();
    for s in series.iter_mut() {
        let value = s.labels.get_or_empty(src).to_string();
        if let Some(caps) = re.captures(&value) {
            expanded.clear();
            caps.expand(repl, &mut expanded);
            set_label(s, dst, &expanded);
        }
    }
    Ok(Val::Vector(merge_same_labelsets(series)?))
}

pub(crate) fn label_join(ev: &Evaluator<'_, '_>, c: &CallNode) -> Result<Val> {
    let dst = string_arg(c, 1)?;
    let sep = string_arg(c, 2)?;
    let mut sources = Vec::new();
    for i in 3..c.args.len() {
        let src = string_arg(c, i)?;
        if !is_valid_label_name(src) {
            return Err(PromqlError::exec(format!(
                "invalid source label name in label_join(): {src}"
            )));
        }
        sources.push(src);
    }
    if !is_valid_label_name(dst) {
        return Err(PromqlError::exec(format!(
            "invalid destination label name in label_join(): {dst}"
        )));
    }
    let mut series = vector_arg(ev, c)?;
    for s in series.iter_mut() {
        let joined = sources
            .iter()
            .map(|src| s.labels.get_or_empty(src))
            .collect::<Vec<_>>()
            .join(sep);
        set_label(s, dst, &joined);
    }
    Ok(Val::Vector(merge_same_labelsets(series)?))
}
