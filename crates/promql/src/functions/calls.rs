//! Evaluation of function calls: dispatch, the series-at-a-time driver for range-vector
//! functions, and `timestamp()` of a selector.

use promlite_model::{Labels, Sample};

use super::{instant, labels, Func};
use crate::annotations;
use crate::error::Result;
use crate::eval::{Evaluator, RangeArg};
use crate::plan::{CallNode, Node};
use crate::value::{StepSeries, Val};

/// Evaluates a function call over the evaluator's grid.
pub(crate) fn eval_call(ev: &Evaluator<'_, '_>, c: &CallNode) -> Result<Val> {
    if let Some(idx) = c.args.iter().position(|a| RangeArg::from_node(a).is_some()) {
        return super::range_call::eval_range_call(ev, c, idx);
    }
    match c.func {
        Func::LabelReplace => return labels::label_replace(ev, c),
        Func::LabelJoin => return labels::label_join(ev, c),
        Func::Info => return super::info::eval_info(ev, c),
        Func::Timestamp => {
            if let Some(Node::VectorSelector(sel)) = c.args.first().map(Node::unwrapped) {
                return timestamp_of_selector(ev, sel);
            }
        }
        _ => {}
    }
    if matches!(
        c.func,
        Func::Sort | Func::SortDesc | Func::SortByLabel | Func::SortByLabelDesc
    ) && !ev.is_instant()
    {
        ev.annotate(annotations::sort_in_range_query().at(c.span));
    }
    instant::eval_instant_call(ev, c)
}

/// The labels `absent()`/`absent_over_time()` give their result: the equality matchers of
/// a selector argument (a label matched twice is left out).
pub(crate) fn absent_labels(arg: &Node) -> Labels {
    let matchers = match arg.unwrapped() {
        Node::VectorSelector(s) => &s.matchers,
        Node::MatrixSelector(m) => &m.sel.matchers,
        _ => return Labels::empty(),
    };
    let mut b = promlite_model::LabelsBuilder::new();
    let mut seen: Vec<&str> = Vec::new();
    for m in matchers {
        if m.name == promlite_model::METRIC_NAME {
            continue;
        }
        if m.op == promlite_model::MatchOp::Equal && !seen.contains(&m.name.as_str()) {
            b.set(&m.name, &m.value);
            seen.push(&m.name);
        } else {
            b.del(&m.name);
        }
    }
    b.build()
}

pub(crate) fn is_counter_name(name: &str) -> bool {
    ["_total", "_sum", "_count", "_bucket"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// One series of 1s at the steps where no input series had samples in its window.
pub(crate) fn absent_over_time(
    ev: &Evaluator<'_, '_>,
    present: &[StepSeries],
    arg: &Node,
) -> Vec<StepSeries> {
    let n = ev.num_steps();
    let mut found = vec![false; n];
    for s in present {
        if s.points.len() == n {
            return Vec::new();
        }
        for p in &s.points {
            found[ev.step_index(p.t)] = true;
        }
    }
    let points: Vec<Sample> = (0..n)
        .filter(|i| !found[*i])
        .map(|i| Sample::new(ev.step_time(i), 1.0))
        .collect();
    if points.is_empty() {
        return Vec::new();
    }
    vec![StepSeries {
        labels: absent_labels(arg),
        drop_name: true,
        points,
    }]
}

/// `timestamp(selector)`: the timestamps of the samples the selector picks, not the
/// evaluation times.
fn timestamp_of_selector(ev: &Evaluator<'_, '_>, sel: &crate::plan::SelectorNode) -> Result<Val> {
    let delayed = ev.delayed();
    // Prometheus replaces the offset by `@` here, so an offset next to `@` is ignored.
    let offset = if sel.at.is_some() { 0 } else { sel.offset };
    let mut out = Vec::new();
    ev.for_each_selected(sel, |labels, samples| {
        let mut points = Vec::new();
        ev.instant_samples(samples, offset, sel.at, |t, s| {
            points.push(Sample::new(t, s.t as f64 / 1000.0));
        });
        if !points.is_empty() {
            ev.add_samples(points.len())?;
            let mut s = StepSeries::new(labels.clone(), points);
            crate::eval::series::drop_name(&mut s, delayed);
            out.push(s);
        }
        Ok(())
    })?;
    Ok(Val::Vector(crate::eval::series::merge_same_labelsets(out)?))
}
