//! The experimental `anchored` and `smoothed` range modifiers (Prometheus's
//! `promql-extended-range-selectors`): windows that also see the samples around their
//! boundaries, and values taken or interpolated exactly at the boundaries.

use promlite_model::Sample;

use super::range::Window;
use super::Func;
use crate::error::{PromqlError, Result};

/// The functions `anchored` may be used with.
const ANCHORED_SAFE: &str = "changes, delta, increase, rate, resets";
/// The functions `smoothed` may be used with.
const SMOOTHED_SAFE: &str = "delta, increase, rate";

/// Rejects functions that cannot take an extended window.
pub(crate) fn check_allowed(func: Func, anchored: bool) -> Result<()> {
    let ok = if anchored {
        matches!(
            func,
            Func::Changes | Func::Delta | Func::Increase | Func::Rate | Func::Resets
        )
    } else {
        matches!(func, Func::Delta | Func::Increase | Func::Rate)
    };
    if ok {
        return Ok(());
    }
    let (modifier, safe) = if anchored {
        ("anchored", ANCHORED_SAFE)
    } else {
        ("smoothed", SMOOTHED_SAFE)
    };
    Err(PromqlError::exec(format!(
        "{modifier} modifier can only be used with: {safe} - not with {}",
        func.name()
    )))
}

/// Linear interpolation at `t` between two samples; a counter that dropped restarts at 0.
fn interpolate(p1: Sample, p2: Sample, t: i64, is_counter: bool) -> f64 {
    let mut y1 = p1.v;
    let y2 = p2.v;
    if is_counter && y2 < y1 {
        y1 = 0.0;
    }
    y1 + (y2 - y1) * (t - p1.t) as f64 / (p2.t - p1.t) as f64
}

fn left_value(w: &[Sample], first: usize, start: i64, smoothed: bool, is_counter: bool) -> f64 {
    if smoothed && w[first].t < start && first + 1 < w.len() {
        return interpolate(w[first], w[first + 1], start, is_counter);
    }
    w[first].v
}

fn right_value(w: &[Sample], last: usize, end: i64, smoothed: bool, is_counter: bool) -> f64 {
    if smoothed && last > 0 && w[last].t > end {
        return interpolate(w[last - 1], w[last], end, is_counter);
    }
    w[last].v
}

/// First index in `[0, n)` where `pred` holds, or `n` (Go's `sort.Search`).
fn search(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// The sample indexes a boundary value comes from: the last sample at or before `start`
/// (or the first), and, when smoothed, the first at or after `end` (or the last).
fn boundary_indexes(w: &[Sample], start: i64, end: i64, smoothed: bool) -> (usize, usize) {
    let mut last = w.len() - 1;
    let first = search(last, |i| w[i].t > start).saturating_sub(1);
    if smoothed {
        last = search(last, |i| w[i].t >= end);
    }
    (first, last)
}

/// The samples strictly inside the boundaries (boundary samples are already in the left
/// and right values).
fn inner_samples(w: &[Sample], first: usize, last: usize, start: i64, end: i64) -> &[Sample] {
    let from = if w[first].t <= start {
        first + 1
    } else {
        first
    };
    let to = if w[last].t >= end { last } else { last + 1 };
    if from < to {
        &w[from..to]
    } else {
        &[]
    }
}

/// `rate`, `increase`, `delta` over an extended window (Prometheus's `extendedRate`).
pub(crate) fn extended_rate(
    w: &[Sample],
    win: &Window,
    smoothed: bool,
    is_counter: bool,
    is_rate: bool,
) -> Option<f64> {
    if w.is_empty() {
        return None;
    }
    let (start, end) = (win.range_start, win.range_end);
    let (first, last) = boundary_indexes(w, start, end, smoothed);
    if w[last].t <= start || (smoothed && w[first].t > end) {
        return None;
    }
    let left = left_value(w, first, start, smoothed, is_counter);
    let right = right_value(w, last, end, smoothed, is_counter);
    let mut result = right - left;
    if is_counter {
        let inner = inner_samples(w, first, last, start, end);
        let mut correction = 0.0;
        let mut prev = left;
        for p in inner {
            if p.v < prev {
                correction += prev;
            }
            prev = p.v;
        }
        if right < prev {
            correction += prev;
        }
        result += correction;
    }
    if is_rate {
        result /= win.range as f64 / 1000.0;
    }
    Some(result)
}

/// The samples an anchored `resets`/`changes` counts from: the last one at or before the
/// range start (the anchor) and all after it; `None` when nothing follows the start.
pub(crate) fn anchored_samples(w: &[Sample], range_start: i64) -> Option<&[Sample]> {
    let after = w.partition_point(|s| s.t <= range_start);
    if after >= w.len() {
        return None;
    }
    Some(&w[after.saturating_sub(1)..])
}

/// The raw samples of an extended range selector evaluated on its own, with synthetic
/// points at both boundaries (Prometheus's `extendFloats`).
pub(crate) fn extend_floats(w: &[Sample], mint: i64, maxt: i64, smoothed: bool) -> Vec<Sample> {
    if w.is_empty() {
        return Vec::new();
    }
    let (first, last) = boundary_indexes(w, mint, maxt, smoothed);
    if w[last].t <= mint {
        return Vec::new();
    }
    let left = left_value(w, first, mint, smoothed, false);
    let right = right_value(w, last, maxt, smoothed, false);
    let mut out = Vec::with_capacity(w.len() + 2);
    out.push(Sample::new(mint, left));
    out.extend_from_slice(inner_samples(w, first, last, mint, maxt));
    out.push(Sample::new(maxt, right));
    out
}

/// The value of a smoothed instant selector at `t` from the samples in
/// `(t - lookback, t + lookback]`: the sample at `t`, the interpolation across `t`, or the
/// last sample before it.
pub(crate) fn smoothed_value(w: &[Sample], t: i64) -> Option<f64> {
    let i = w.partition_point(|s| s.t < t);
    match (w.get(i), i.checked_sub(1).and_then(|j| w.get(j))) {
        (Some(s), _) if s.t == t => Some(s.v),
        (Some(next), Some(prev)) => Some(interpolate(*prev, *next, t, false)),
        (None, Some(prev)) => Some(prev.v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[(i64, f64)]) -> Vec<Sample> {
        v.iter().map(|&(t, v)| Sample::new(t, v)).collect()
    }

    #[test]
    fn anchored_increase_uses_the_sample_before_the_window() {
        let w = s(&[(0, 0.0), (15_000, 1.0), (30_000, 2.0), (45_000, 3.0)]);
        let win = Window {
            t: 50_000,
            range_start: -10_000,
            range_end: 50_000,
            range: 60_000,
        };
        assert_eq!(extended_rate(&w, &win, false, true, false), Some(3.0));
    }

    #[test]
    fn smoothed_values_interpolate() {
        let w = s(&[(0, 0.0), (10_000, 10.0)]);
        assert_eq!(smoothed_value(&w, 5_000), Some(5.0));
        assert_eq!(smoothed_value(&w, 10_000), Some(10.0));
        assert_eq!(smoothed_value(&w, 20_000), Some(10.0));
        assert_eq!(smoothed_value(&w, -1), None);
        let ext = extend_floats(&w, 2_000, 8_000, true);
        assert_eq!(ext, s(&[(2_000, 2.0), (8_000, 8.0)]));
    }

    #[test]
    fn only_safe_functions() {
        assert!(check_allowed(Func::Rate, true).is_ok());
        let e = check_allowed(Func::Deriv, false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "smoothed modifier can only be used with: delta, increase, rate - not with deriv"
        );
    }
}
