//! `label_replace` and `label_join`: they rewrite series labels, not values.

use crate::error::{PromqlError, Result};
use crate::eval::series::merge_same_labelsets;
use crate::eval::Evaluator;
use crate::plan::{CallNode, Node};
use crate::value::{StepSeries, Val};

/// Whether `name` may name a label: Prometheus 3 accepts any valid UTF-8.
pub(crate) fn is_valid_label_name(name: &str) -> bool {
    promlite_model::is_valid_label_name(name)
}

/// A string argument, or `None` when its bytes are not valid UTF-8 (so it cannot name a
/// label).
fn string_arg(c: &CallNode, i: usize) -> Result<Option<&str>> {
    match c.args.get(i).map(Node::unwrapped) {
        Some(Node::String(s)) if s.invalid_quoted.is_some() => Ok(None),
        Some(Node::String(s)) => Ok(Some(&s.text)),
        _ => Err(PromqlError::Internal(format!(
            "{}() expects a string as argument {}",
            c.name,
            i + 1
        ))),
    }
}

/// A string argument that is not used as a label name.
fn text_arg(c: &CallNode, i: usize) -> Result<String> {
    match c.args.get(i).map(Node::unwrapped) {
        Some(Node::String(s)) => Ok(s.text.clone()),
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
    let repl = text_arg(c, 2)?;
    let src = text_arg(c, 3)?;
    let pattern = text_arg(c, 4)?;
    let re = regex::Regex::new(&format!("^(?s:{pattern})$")).map_err(|_| {
        PromqlError::exec(format!(
            "invalid regular expression in label_replace(): {pattern}"
        ))
    })?;
    let dst = match dst {
        Some(d) if is_valid_label_name(d) => d,
        _ => {
            return Err(PromqlError::exec(format!(
                "invalid destination label name in label_replace(): {}",
                text_arg(c, 1)?
            )))
        }
    };
    let mut series = vector_arg(ev, c)?;
    let mut expanded = String::new();
    for s in series.iter_mut() {
        let value = s.labels.get_or_empty(&src).to_string();
        if let Some(caps) = re.captures(&value) {
            expanded.clear();
            caps.expand(&repl, &mut expanded);
            set_label(s, dst, &expanded);
        }
    }
    Ok(Val::Vector(merge_same_labelsets(series)?))
}

pub(crate) fn label_join(ev: &Evaluator<'_, '_>, c: &CallNode) -> Result<Val> {
    let dst = string_arg(c, 1)?;
    let sep = text_arg(c, 2)?;
    let mut sources = Vec::new();
    for i in 3..c.args.len() {
        match string_arg(c, i)? {
            Some(src) if is_valid_label_name(src) => sources.push(src),
            _ => {
                return Err(PromqlError::exec(format!(
                    "invalid source label name in label_join(): {}",
                    text_arg(c, i)?
                )))
            }
        }
    }
    let dst = match dst {
        Some(d) if is_valid_label_name(d) => d,
        _ => {
            return Err(PromqlError::exec(format!(
                "invalid destination label name in label_join(): {}",
                text_arg(c, 1)?
            )))
        }
    };
    let mut series = vector_arg(ev, c)?;
    for s in series.iter_mut() {
        let joined = sources
            .iter()
            .map(|src| s.labels.get_or_empty(src))
            .collect::<Vec<_>>()
            .join(&sep);
        set_label(s, dst, &joined);
    }
    Ok(Val::Vector(merge_same_labelsets(series)?))
}
