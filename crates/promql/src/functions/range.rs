//! Functions over range vectors, computed on one window of one series at a time: the
//! value at one step from the samples in `(range_start, range_end]`.

use promlite_model::Sample;

use super::Func;
use crate::error::{PromqlError, Result};
use crate::kahan::{kahan_inc, KahanMean};

/// Where a window sits: the step it is computed for and its bounds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    /// Evaluation time of the step.
    pub t: i64,
    /// Exclusive start of the range (ms).
    pub range_start: i64,
    /// Inclusive end of the range (ms).
    pub range_end: i64,
    /// The selector's range (ms).
    pub range: i64,
}

/// The value of `func` over the (non-empty, staleness-free) samples `w`, or `None` when
/// the function yields nothing for it. `args` are the scalar arguments at this step.
pub(crate) fn window_value(
    func: Func,
    w: &[Sample],
    win: &Window,
    args: &[f64],
) -> Result<Option<f64>> {
    let (first, last) = match (w.first(), w.last()) {
        (Some(f), Some(l)) => (*f, *l),
        _ => return Ok(None),
    };
    Ok(match func {
        Func::Rate => extrapolated_rate(w, win, true, true, usize::MAX),
        Func::Increase => extrapolated_rate(w, win, true, false, usize::MAX),
        Func::Delta => extrapolated_rate(w, win, false, false, 0),
        Func::Irate => instant_value(w, true),
        Func::Idelta => instant_value(w, false),
        Func::Deriv => {
            if w.len() < 2 {
                None
            } else {
                Some(linear_regression(w, first.t).0)
            }
        }
        Func::PredictLinear => {
            if w.len() < 2 {
                None
            } else {
                let duration = args.first().copied().unwrap_or(f64::NAN);
                let (slope, intercept) = linear_regression(w, win.t);
                Some(slope * duration + intercept)
            }
        }
        Func::AvgOverTime => {
            let mut m = KahanMean::new(first.v);
            for s in &w[1..] {
                m.add(s.v);
            }
            Some(m.value())
        }
        Func::SumOverTime => {
            let (mut sum, mut c) = (0.0, 0.0);
            for s in w {
                (sum, c) = kahan_inc(s.v, sum, c);
            }
            Some(if sum.is_infinite() { sum } else { sum + c })
        }
        Func::CountOverTime => Some(w.len() as f64),
        Func::PresentOverTime | Func::AbsentOverTime => Some(1.0),
        Func::LastOverTime => Some(last.v),
        Func::FirstOverTime => Some(first.v),
        Func::TsOfFirstOverTime => Some(first.t as f64 / 1000.0),
        Func::TsOfLastOverTime => Some(last.t as f64 / 1000.0),
        Func::MaxOverTime => Some(compare_over_time(w, |cur, best| cur > best).v),
        Func::MinOverTime => Some(compare_over_time(w, |cur, best| cur < best).v),
        Func::TsOfMaxOverTime => {
            Some(compare_over_time(w, |cur, best| cur >= best).t as f64 / 1000.0)
        }
        Func::TsOfMinOverTime => {
            Some(compare_over_time(w, |cur, best| cur <= best).t as f64 / 1000.0)
        }
        Func::QuantileOverTime => {
            let q = args.first().copied().unwrap_or(f64::NAN);
            let mut values: Vec<f64> = w.iter().map(|s| s.v).collect();
            Some(quantile(q, &mut values))
        }
        Func::MadOverTime => {
            if w.iter().any(|s| s.v.is_nan()) {
                Some(f64::NAN)
            } else {
                let mut values: Vec<f64> = w.iter().map(|s| s.v).collect();
                let median = quantile(0.5, &mut values);
                values.iter_mut().for_each(|v| *v = (*v - median).abs());
                Some(quantile(0.5, &mut values))
            }
        }
        Func::StddevOverTime => Some(variance(w).sqrt()),
        Func::StdvarOverTime => Some(variance(w)),
        Func::Resets => Some(w.windows(2).filter(|p| is_decrease(p[0], p[1])).count() as f64),
        Func::Changes => Some(w.windows(2).filter(|p| is_change(p[0], p[1])).count() as f64),
        Func::DoubleExponentialSmoothing => double_exponential_smoothing(w, args)?,
        other => {
            return Err(PromqlError::Internal(format!(
                "{} is not a range-vector function",
                other.name()
            )))
        }
    })
}

/// Whether `b` after `a` is a counter reset.
#[inline]
pub(crate) fn is_decrease(a: Sample, b: Sample) -> bool {
    b.v < a.v
}

/// Whether `b` after `a` is a change (two NaNs are no change).
#[inline]
pub(crate) fn is_change(a: Sample, b: Sample) -> bool {
    b.v != a.v && !(b.v.is_nan() && a.v.is_nan())
}

/// Prefix counts of pairs satisfying `pred`: `out[i]` counts the pairs ending at or before
/// `i`, so a window `[lo, hi)` holds `out[hi - 1] - out[lo]` of them.
pub(crate) fn pair_prefix_counts(
    samples: &[Sample],
    pred: fn(Sample, Sample) -> bool,
    out: &mut Vec<u32>,
) {
    out.clear();
    out.reserve(samples.len());
    let mut n = 0u32;
    out.push(0);
    for p in samples.windows(2) {
        if pred(p[0], p[1]) {
            n += 1;
        }
        out.push(n);
    }
}

/// `rate`, `increase` and `delta`: the change over the window extrapolated towards the
/// range boundaries (Prometheus's `extrapolatedRate`). `decreases` is the number of counter
/// resets in the window when known (0 skips the scan for them).
#[inline]
pub(crate) fn extrapolated_rate(
    w: &[Sample],
    win: &Window,
    is_counter: bool,
    is_rate: bool,
    decreases: usize,
) -> Option<f64> {
    if w.len() < 2 {
        return None;
    }
    let first = w[0];
    let last = w[w.len() - 1];
    let mut result = last.v - first.v;
    if is_counter && decreases != 0 {
        for p in w.windows(2) {
            if p[1].v < p[0].v {
                result += p[0].v;
            }
        }
    }
    let mut duration_to_start = (first.t - win.range_start) as f64 / 1000.0;
    let mut duration_to_end = (win.range_end - last.t) as f64 / 1000.0;
    let sampled_interval = (last.t - first.t) as f64 / 1000.0;
    let average_between = sampled_interval / (w.len() - 1) as f64;
    let threshold = average_between * 1.1;
    if duration_to_start >= threshold {
        duration_to_start = average_between / 2.0;
    }
    if is_counter {
        // A counter cannot go below zero: do not extrapolate past the point where it
        // would have been zero.
        let mut duration_to_zero = duration_to_start;
        if result > 0.0 && first.v >= 0.0 {
            duration_to_zero = sampled_interval * (first.v / result);
        }
        if duration_to_zero < duration_to_start {
            duration_to_start = duration_to_zero;
        }
    }
    if duration_to_end >= threshold {
        duration_to_end = average_between / 2.0;
    }
    let mut factor = 1.0;
    if sampled_interval != 0.0 {
        factor = (sampled_interval + duration_to_start + duration_to_end) / sampled_interval;
    }
    if is_rate {
        factor /= win.range as f64 / 1000.0;
    }
    Some(result * factor)
}

/// `irate` and `idelta`: from the last two samples.
fn instant_value(w: &[Sample], is_rate: bool) -> Option<f64> {
    if w.len() < 2 {
        return None;
    }
    let (a, b) = (w[w.len() - 2], w[w.len() - 1]);
    let interval = b.t - a.t;
    if interval == 0 {
        return None;
    }
    let mut result = b.v;
    if !is_rate || b.v >= a.v || b.v.is_nan() || a.v.is_nan() {
        // Gauge, or counter without reset (a NaN compares as no reset).
        result = b.v - a.v;
    }
    if is_rate {
        result /= interval as f64 / 1000.0;
    }
    Some(result)
}

/// Least-squares fit of the samples; returns (slope, intercept at `intercept_time`).
pub(crate) fn linear_regression(w: &[Sample], intercept_time: i64) -> (f64, f64) {
    let mut n = 0.0;
    let (mut sum_x, mut c_x) = (0.0, 0.0);
    let (mut sum_y, mut c_y) = (0.0, 0.0);
    let (mut sum_xy, mut c_xy) = (0.0, 0.0);
    let (mut sum_x2, mut c_x2) = (0.0, 0.0);
    let init_y = w[0].v;
    let mut const_y = true;
    for (i, s) in w.iter().enumerate() {
        if const_y && i > 0 && s.v != init_y {
            const_y = false;
        }
        n += 1.0;
        let x = (s.t - intercept_time) as f64 / 1e3;
        (sum_x, c_x) = kahan_inc(x, sum_x, c_x);
        (sum_y, c_y) = kahan_inc(s.v, sum_y, c_y);
        (sum_xy, c_xy) = kahan_inc(x * s.v, sum_xy, c_xy);
        (sum_x2, c_x2) = kahan_inc(x * x, sum_x2, c_x2);
    }
    if const_y {
        if init_y.is_infinite() {
            return (f64::NAN, f64::NAN);
        }
        return (0.0, init_y);
    }
    sum_x += c_x;
    sum_y += c_y;
    sum_xy += c_xy;
    sum_x2 += c_x2;
    let cov_xy = sum_xy - sum_x * sum_y / n;
    let var_x = sum_x2 - sum_x * sum_x / n;
    let slope = cov_xy / var_x;
    let intercept = sum_y / n - slope * sum_x / n;
    (slope, intercept)
}

/// The sample a comparison keeps (`better(cur, best)`); NaN never stays best.
fn compare_over_time(w: &[Sample], better: impl Fn(f64, f64) -> bool) -> Sample {
    let mut best = w[0];
    for s in w {
        if better(s.v, best.v) || best.v.is_nan() {
            best = *s;
        }
    }
    best
}

/// Population variance with Kahan-compensated Welford updates (Prometheus's
/// `varianceOverTime`).
fn variance(w: &[Sample]) -> f64 {
    let mut count = 0.0;
    let (mut mean, mut c_mean) = (0.0, 0.0);
    let (mut aux, mut c_aux) = (0.0, 0.0);
    for s in w {
        count += 1.0;
        let delta = s.v - (mean + c_mean);
        (mean, c_mean) = kahan_inc(delta / count, mean, c_mean);
        (aux, c_aux) = kahan_inc(delta * (s.v - (mean + c_mean)), aux, c_aux);
    }
    (aux + c_aux) / count
}

/// Sorts values with NaNs first, then ascending (Prometheus's `vectorByValueHeap` order).
pub(crate) fn sort_nan_first(values: &mut [f64]) {
    values.sort_by(|a, b| match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        _ => a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal),
    });
}

/// The φ-quantile of `values` with linear interpolation (Prometheus's `quantile`).
/// Sorts `values`.
pub(crate) fn quantile(q: f64, values: &mut [f64]) -> f64 {
    if values.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    sort_nan_first(values);
    let n = values.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0);
    let upper = (lower + 1.0).min(n - 1.0);
    let weight = rank - rank.floor();
    values[lower as usize] * (1.0 - weight) + values[upper as usize] * weight
}

fn double_exponential_smoothing(w: &[Sample], args: &[f64]) -> Result<Option<f64>> {
    let sf = args.first().copied().unwrap_or(f64::NAN);
    let tf = args.get(1).copied().unwrap_or(f64::NAN);
    if sf <= 0.0 || sf >= 1.0 {
        return Err(PromqlError::exec(format!(
            "invalid smoothing factor. Expected: 0 < sf < 1, got: {}",
            go_fmt_f6(sf)
        )));
    }
    if tf <= 0.0 || tf >= 1.0 {
        return Err(PromqlError::exec(format!(
            "invalid trend factor. Expected: 0 < tf < 1, got: {}",
            go_fmt_f6(tf)
        )));
    }
    if w.len() < 2 {
        return Ok(None);
    }
    let mut s0 = 0.0;
    let mut s1 = w[0].v;
    let mut b = w[1].v - w[0].v;
    for (i, s) in w.iter().enumerate().skip(1) {
        let x = sf * s.v;
        // The trend at this point (Prometheus's calcTrendValue for index i-1).
        if i - 1 != 0 {
            b = tf * (s1 - s0) + (1.0 - tf) * b;
        }
        let y = (1.0 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
    }
    Ok(Some(s1))
}

/// Go's `%f` (six decimals).
fn go_fmt_f6(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{f:.6}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(vals: &[(i64, f64)]) -> Vec<Sample> {
        vals.iter().map(|&(t, v)| Sample::new(t, v)).collect()
    }

    #[test]
    fn rate_extrapolates_like_prometheus() {
        // 0..=100 by 10 per 10s over a 100s window ending at 100s: the classic 1/s.
        let w = samples(
            &(0..=10)
                .map(|i| (i * 10_000, i as f64 * 10.0))
                .collect::<Vec<_>>(),
        );
        let win = Window {
            t: 100_000,
            range_start: 0,
            range_end: 100_000,
            range: 100_000,
        };
        let r = window_value(Func::Rate, &w[1..], &win, &[])
            .unwrap()
            .unwrap();
        assert!((r - 1.0).abs() < 1e-12, "{r}");
        let inc = window_value(Func::Increase, &w[1..], &win, &[])
            .unwrap()
            .unwrap();
        assert!((inc - 100.0).abs() < 1e-9, "{inc}");
    }

    #[test]
    fn counter_resets_are_corrected() {
        let w = samples(&[(10_000, 5.0), (20_000, 1.0), (30_000, 3.0)]);
        let win = Window {
            t: 30_000,
            range_start: 0,
            range_end: 30_000,
            range: 30_000,
        };
        assert_eq!(
            window_value(Func::Resets, &w, &win, &[]).unwrap(),
            Some(1.0)
        );
        assert_eq!(
            window_value(Func::Changes, &w, &win, &[]).unwrap(),
            Some(2.0)
        );
        assert_eq!(window_value(Func::Irate, &w, &win, &[]).unwrap(), Some(0.2));
        assert_eq!(
            window_value(Func::Idelta, &w, &win, &[]).unwrap(),
            Some(2.0)
        );
    }

    #[test]
    fn quantile_interpolates_and_handles_bounds() {
        let mut v = vec![3.0, 1.0, 2.0, 4.0];
        assert_eq!(quantile(0.5, &mut v), 2.5);
        assert_eq!(quantile(-1.0, &mut v), f64::NEG_INFINITY);
        assert!(quantile(f64::NAN, &mut v).is_nan());
    }

    #[test]
    fn regression_of_a_line() {
        let w = samples(&[(0, 1.0), (1000, 3.0), (2000, 5.0)]);
        let (slope, intercept) = linear_regression(&w, 0);
        assert!((slope - 2.0).abs() < 1e-12 && (intercept - 1.0).abs() < 1e-12);
    }
}
