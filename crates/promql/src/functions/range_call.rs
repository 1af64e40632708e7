//! The series-at-a-time driver of range-vector functions: for each series, its samples
//! are read once and a window slides over them across all steps (two pointers), the
//! function computed per window. The loop is generic over the window computation so the
//! common functions (`rate`, `increase`, ...) are inlined into it.

use promlite_model::{Labels, Sample};

use super::calls::{absent_over_time, is_counter_name};
use super::extended::{anchored_samples, check_allowed, extended_rate};
use super::range::{
    extrapolated_rate, is_change, is_decrease, pair_prefix_counts, window_value, Window,
};
use super::Func;
use crate::annotations;
use crate::error::{PromqlError, Result};
use crate::eval::series::{drop_metadata_labels, new_hash_map, HashKeyMap, DUPLICATE_LABELSET};
use crate::eval::{Evaluator, RangeArg};
use crate::plan::CallNode;
use crate::value::{StepSeries, Val};

/// Where the windows of one call sit relative to the steps.
struct Slider {
    start: i64,
    interval: i64,
    steps: usize,
    /// Effective offset (with `@` folded in).
    offset: i64,
    range: i64,
    /// Extra reach of extended (`anchored`/`smoothed`) windows before and after.
    before: i64,
    after: i64,
    /// With `@`: the end of the one window every step uses.
    fixed_end: Option<i64>,
}

impl Slider {
    /// Runs `f(step, window bounds, window)` for each step whose window is not empty and
    /// collects its values as points. Returns the widest window seen.
    #[inline(always)]
    fn slide<F>(&self, samples: &[Sample], points: &mut Vec<Sample>, mut f: F) -> Result<usize>
    where
        F: FnMut(usize, usize, usize, &Window) -> Result<Option<f64>>,
    {
        let (mut lo, mut hi) = (0usize, 0usize);
        if let Some(maxt) = self.fixed_end {
            lo = samples.partition_point(|s| s.t <= maxt - self.range - self.before);
            hi = samples.partition_point(|s| s.t <= maxt + self.after);
        }
        let mut widest = 0;
        for i in 0..self.steps {
            let t = self.start + i as i64 * self.interval;
            if self.fixed_end.is_none() {
                let maxt = t - self.offset + self.after;
                let mint = t - self.offset - self.range - self.before;
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
            let win = Window {
                t,
                range_start: t - self.range - self.offset,
                range_end: t - self.offset,
                range: self.range,
            };
            if let Some(v) = f(i, lo, hi, &win)? {
                points.push(Sample::new(t, v));
            }
        }
        Ok(widest)
    }
}

/// The index of the range-vector argument of a call whose results can be streamed series
/// by series (every range function but `absent_over_time`, which needs all of them).
pub(crate) fn streamable_range_arg(c: &CallNode) -> Option<usize> {
    if c.func == Func::AbsentOverTime {
        return None;
    }
    c.args.iter().position(|a| RangeArg::from_node(a).is_some())
}

/// A function with a range-vector argument at `idx`.
pub(crate) fn eval_range_call(ev: &Evaluator<'_, '_>, c: &CallNode, idx: usize) -> Result<Val> {
    let mut out = Vec::new();
    stream_range_call(ev, c, idx, &mut |s| {
        out.push(s);
        Ok(())
    })?;
    if c.func == Func::AbsentOverTime {
        return Ok(Val::Vector(absent_over_time(ev, &out, &c.args[idx])));
    }
    Ok(Val::Vector(out))
}

/// Evaluates a range-vector function and hands each result series to `sink`.
pub(crate) fn stream_range_call(
    ev: &Evaluator<'_, '_>,
    c: &CallNode,
    idx: usize,
    sink: &mut dyn FnMut(StepSeries) -> Result<()>,
) -> Result<()> {
    let arg = RangeArg::from_node(&c.args[idx])
        .ok_or_else(|| PromqlError::Internal("range argument vanished".into()))?;
    let scalar_args: Vec<Vec<f64>> = c
        .args
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != idx)
        .map(|(_, a)| ev.eval_scalar(a))
        .collect::<Result<_>>()?;
    let func = c.func;
    let keeps_name = matches!(func, Func::LastOverTime | Func::FirstOverTime);
    let delayed = ev.delayed();
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
    let lookback = ev.ctx.lookback;
    let slider = Slider {
        start: ev.start,
        interval: ev.interval,
        steps: ev.num_steps(),
        offset,
        range: arg.range(),
        before: if extended { lookback } else { 0 },
        after: if smoothed { lookback } else { 0 },
        // With `@` the window is the one of the first step, whatever the step.
        fixed_end: at.map(|_| ev.start - offset),
    };
    let mut step_args = vec![0.0; scalar_args.len()];
    let mut invalid_quantile = None;
    // Without delayed name removal, dropping the name can make two results equal, which
    // Prometheus rejects; the label sets seen so far tell.
    let mut seen: HashKeyMap<Vec<Labels>> = new_hash_map(64);
    // Counting resets/changes once per series makes their windows O(1).
    let mut prefix: Vec<u32> = Vec::new();

    ev.for_each_range_series(arg, |labels, input_drops_name, samples| {
        let mut points = Vec::with_capacity(slider.steps.min(samples.len().max(1)));
        let widest = match func {
            Func::Rate | Func::Increase if !extended => {
                pair_prefix_counts(samples, is_decrease, &mut prefix);
                let is_rate = func == Func::Rate;
                slider.slide(samples, &mut points, |_, lo, hi, win| {
                    let decreases = (prefix[hi - 1] - prefix[lo]) as usize;
                    Ok(extrapolated_rate(
                        &samples[lo..hi],
                        win,
                        true,
                        is_rate,
                        decreases,
                    ))
                })?
            }
            Func::Resets | Func::Changes if !extended => {
                let pred = if func == Func::Resets {
                    is_decrease
                } else {
                    is_change
                };
                pair_prefix_counts(samples, pred, &mut prefix);
                slider.slide(samples, &mut points, |_, lo, hi, _| {
                    Ok(Some((prefix[hi - 1] - prefix[lo]) as f64))
                })?
            }
            _ if extended => slider.slide(samples, &mut points, |_, lo, hi, win| {
                let w = &samples[lo..hi];
                Ok(match func {
                    Func::Rate => extended_rate(w, win, smoothed, true, true),
                    Func::Increase => extended_rate(w, win, smoothed, true, false),
                    Func::Delta => extended_rate(w, win, smoothed, false, false),
                    _ => match anchored_samples(w, win.range_start) {
                        Some(a) => window_value(func, a, win, &[])?,
                        None => None,
                    },
                })
            })?,
            _ => slider.slide(samples, &mut points, |i, lo, hi, win| {
                for (v, a) in step_args.iter_mut().zip(&scalar_args) {
                    *v = a.get(i).copied().unwrap_or(f64::NAN);
                }
                if func == Func::QuantileOverTime {
                    let q = step_args.first().copied().unwrap_or(f64::NAN);
                    if q.is_nan() || !(0.0..=1.0).contains(&q) {
                        invalid_quantile = Some(q);
                    }
                }
                window_value(func, &samples[lo..hi], win, &step_args)
            })?,
        };
        // The widest window was held in memory at once.
        ev.add_samples(widest)?;
        ev.release_samples(widest);
        if points.is_empty() {
            return Ok(());
        }
        if matches!(func, Func::Rate | Func::Increase) {
            if let Some(name) = labels.metric_name() {
                if !is_counter_name(name) {
                    ev.annotate(annotations::possible_non_counter(name).at(c.arg_span(idx)));
                }
            }
        }
        ev.add_samples(points.len())?;
        let drop = !keeps_name || input_drops_name;
        let labels = if drop && !delayed {
            let l = drop_metadata_labels(labels);
            let same = seen.entry(l.stable_hash()).or_default();
            if same.contains(&l) {
                return Err(PromqlError::exec(DUPLICATE_LABELSET));
            }
            same.push(l.clone());
            l
        } else {
            labels.clone()
        };
        sink(StepSeries {
            labels,
            drop_name: drop,
            points,
        })
    })?;

    if let Some(q) = invalid_quantile {
        ev.annotate(annotations::invalid_quantile(q).at(c.arg_span(0)));
    }
    Ok(())
}
