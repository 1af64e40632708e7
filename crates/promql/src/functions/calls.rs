//! Evaluation of function calls: dispatch, the series-at-a-time driver for range-vector
//! functions, and `timestamp()` of a selector.

use promlite_model::{Labels, Sample};

use super::extended::{anchored_samples, check_allowed, extended_rate};
use super::range::{is_change, is_decrease, pair_prefix_counts, window_value, Window};
use super::{instant, labels, Func};
use crate::annotations;
use crate::error::{PromqlError, Result};
use crate::eval::series::{drop_metadata_labels, has_duplicate_labelsets, DUPLICATE_LABELSET};
use crate::eval::{Evaluator, RangeArg};
use crate::plan::{CallNode, Node};
use crate::value::{StepSeries, Val};

/// Evaluates a function call over the evaluator's grid.
pub(crate) fn eval_call(ev: &Evaluator<'_, '_>, c: &CallNode) -> Result<Val> {
    if let Some(idx) = c.args.iter().position(|a| RangeArg::from_node(a).is_some()) {
        return eval_range_call(ev, c, idx);
    }
    match c.func {
        Func::LabelReplace => return labels::label_replace(ev, c),
        Func::LabelJoin => return labels::label_join(ev, c),
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
        ev.annotate(annotations::sort_in_range_query());
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

fn is_counter_name(name: &str) -> bool {
    ["_total", "_sum", "_count", "_bucket"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// A function with a range-vector argument at `idx`: windows slide over each series.
fn eval_range_call(ev: &Evaluator<'_, '_>, c: &CallNode, idx: usize) -> Result<Val> {
    let arg = RangeArg::from_node(&c.args[idx])
        .ok_or_else(|| PromqlError::Internal("range argument vanished".into()))?;
    let scalar_args: Vec<Vec<f64>> = c
        .args
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != idx)
        .map(|(_, a)| ev.eval_scalar(a))
        .collect::<Result<_>>()?;
    let n = ev.num_steps();
    let func = c.func;
    let keeps_name = matches!(func, Func::LastOverTime | Func::FirstOverTime);
    let delayed = ev.delayed();
    let range = arg.range();
    let at = arg.at();
    let offset = ev.effective_offset(arg.offset(), at);
    let (anchored, smoothed) = match arg {
        RangeArg::Selector(m) => (m.sel.anchored, m.sel.smoothed),
        RangeArg::Subquery(_) => (false, false),
    };
    let extended = anchored || smoothed;
    if extended {
        check_allowed(func, anchored)?;
    }
    // Extended windows see one lookback further back, and forward when smoothed.
    let (before, after) = match (extended, smoothed) {
        (false, _) => (0, 0),
        (true, false) => (ev.ctx.lookback, 0),
        (true, true) => (ev.ctx.lookback, ev.ctx.lookback),
    };
    // With `@` the window is the one of the first step, whatever the step.
    let fixed_end = at.map(|_| ev.start - offset);
    let mut step_args = vec![0.0; scalar_args.len()];
    let mut out: Vec<StepSeries> = Vec::new();
    let mut invalid_quantile = None;
    // Counting resets/changes once per series makes each window O(1) for these functions.
    let pair_pred: Option<fn(promlite_model::Sample, promlite_model::Sample) -> bool> = match func {
        _ if extended => None,
        Func::Rate | Func::Increase | Func::Resets => Some(is_decrease),
        Func::Changes => Some(is_change),
        _ => None,
    };
    let mut prefix: Vec<u32> = Vec::new();

    ev.for_each_range_series(arg, |labels, input_drops_name, samples| {
        if let Some(pred) = pair_pred {
            pair_prefix_counts(samples, pred, &mut prefix);
        }
        let mut points = Vec::with_capacity(n.min(samples.len().max(1)));
        let (mut lo, mut hi) = (0usize, 0usize);
        if let Some(maxt) = fixed_end {
            lo = samples.partition_point(|s| s.t <= maxt - range - before);
            hi = samples.partition_point(|s| s.t <= maxt + after);
        }
        let mut widest = 0;
        for i in 0..n {
            let t = ev.step_time(i);
            if fixed_end.is_none() {
                let maxt = t - offset + after;
                let mint = t - offset - range - before;
                while lo < samples.len() && samples[lo].t <= mint {
                    lo += 1;
                }
                hi = hi.max(lo);
                while hi < samples.len() && samples[hi].t <= maxt {
                    hi += 1;
                }
            }
            if lo >= hi {
                continue;
            }
            widest = widest.max(hi - lo);
            for (v, a) in step_args.iter_mut().zip(&scalar_args) {
                *v = a.get(i).copied().unwrap_or(f64::NAN);
            }
            if func == Func::QuantileOverTime {
                let q = step_args.first().copied().unwrap_or(f64::NAN);
                if q.is_nan() || !(0.0..=1.0).contains(&q) {
                    invalid_quantile = Some(q);
                }
            }
            let pairs = pair_pred.map(|_| (prefix[hi - 1] - prefix[lo]) as usize);
            let win = Window {
                t,
                range_start: t - range - offset,
                range_end: t - offset,
                range,
                decreases: if func == Func::Changes { None } else { pairs },
                changes: if func == Func::Changes { pairs } else { None },
            };
            let w = &samples[lo..hi];
            let value = match func {
                _ if !extended => window_value(func, w, &win, &step_args)?,
                Func::Rate => extended_rate(w, &win, smoothed, true, true),
                Func::Increase => extended_rate(w, &win, smoothed, true, false),
                Func::Delta => extended_rate(w, &win, smoothed, false, false),
                _ => match anchored_samples(w, win.range_start) {
                    Some(a) => window_value(func, a, &win, &step_args)?,
                    None => None,
                },
            };
            if let Some(v) = value {
                points.push(Sample::new(t, v));
            }
        }
        // The widest window was held in memory at once.
        ev.add_samples(widest)?;
        ev.release_samples(widest);
        if points.is_empty() {
            return Ok(());
        }
        if matches!(func, Func::Rate | Func::Increase) {
            if let Some(name) = labels.metric_name() {
                if !is_counter_name(name) {
                    ev.annotate(annotations::possible_non_counter(name));
                }
            }
        }
        ev.add_samples(points.len())?;
        let drop = !keeps_name || input_drops_name;
        let labels = if drop && !delayed {
            drop_metadata_labels(labels)
        } else {
            labels.clone()
        };
        out.push(StepSeries {
            labels,
            drop_name: drop,
            points,
        });
        Ok(())
    })?;

    if let Some(q) = invalid_quantile {
        ev.annotate(annotations::invalid_quantile(q));
    }
    if func == Func::AbsentOverTime {
        return Ok(Val::Vector(absent_over_time(ev, &out, &c.args[idx])));
    }
    if !delayed && has_duplicate_labelsets(&out) {
        return Err(PromqlError::exec(DUPLICATE_LABELSET));
    }
    Ok(Val::Vector(out))
}

/// One series of 1s at the steps where no input series had samples in its window.
fn absent_over_time(ev: &Evaluator<'_, '_>, present: &[StepSeries], arg: &Node) -> Vec<StepSeries> {
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
