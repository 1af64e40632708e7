//! `histogram_quantile`, `histogram_fraction` and `histogram_quantiles` over classic
//! histograms: `le`-labelled bucket series grouped by their other labels, with
//! Prometheus's bucket coalescing and monotonicity fix.

use promlite_model::{Labels, Sample};

use super::Func;
use crate::annotations;
use crate::error::{PromqlError, Result};
use crate::eval::series::{drop_metadata_labels, merge_same_labelsets, new_hash_map};
use crate::eval::Evaluator;
use crate::format::{go_fmt_g, parse_go_float};
use crate::plan::{CallNode, Node};
use crate::value::{StepSeries, Val};

/// Relative difference between adjacent buckets that counts as float noise.
const SMALL_DELTA_TOLERANCE: f64 = 1e-12;

/// One bucket: upper bound and cumulative count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Bucket {
    pub upper: f64,
    pub count: f64,
}

/// What fixing the bucket counts found: whether counts had to be raised to keep them
/// monotonic, between which bucket bounds, and by how much at most.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct QuantileFix {
    pub forced_monotonic: bool,
    pub min_bucket: f64,
    pub max_bucket: f64,
    pub max_diff: f64,
}

impl Default for QuantileFix {
    fn default() -> Self {
        QuantileFix {
            forced_monotonic: false,
            min_bucket: f64::INFINITY,
            max_bucket: f64::NEG_INFINITY,
            max_diff: 0.0,
        }
    }
}

/// Sorts the buckets by bound and merges equal bounds; `None` without a `+Inf` bucket
/// (no quantile or fraction can be computed then).
fn sorted_with_inf(mut buckets: Vec<Bucket>) -> Option<Vec<Bucket>> {
    buckets.sort_by(|a, b| {
        a.upper
            .partial_cmp(&b.upper)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    if buckets.last()?.upper != f64::INFINITY {
        return None;
    }
    let mut out: Vec<Bucket> = Vec::with_capacity(buckets.len());
    for b in buckets {
        match out.last_mut() {
            Some(last) if last.upper == b.upper => last.count += b.count,
            _ => out.push(b),
        }
    }
    Some(out)
}

/// Whether `a` and `b` differ by less than `eps` relative (Prometheus's `almost.Equal`).
pub(crate) fn almost_equal(a: f64, b: f64, eps: f64) -> bool {
    if promlite_model::is_stale_nan(a) || promlite_model::is_stale_nan(b) {
        return promlite_model::is_stale_nan(a) && promlite_model::is_stale_nan(b);
    }
    if a.is_nan() && b.is_nan() {
        return true;
    }
    if a == b {
        return true;
    }
    let min_normal = f64::from_bits(0x0010_0000_0000_0000);
    let abs_sum = a.abs() + b.abs();
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || abs_sum < min_normal {
        return diff < eps * min_normal;
    }
    diff / abs_sum.min(f64::MAX) < eps
}

/// Ignores float-noise differences and removes decreases between adjacent buckets.
fn ensure_monotonic(buckets: &mut [Bucket], fix: &mut QuantileFix) {
    let Some(first) = buckets.first() else {
        return;
    };
    let mut prev = first.count;
    for b in buckets.iter_mut().skip(1) {
        let cur = b.count;
        if cur == prev {
            continue;
        }
        if almost_equal(prev, cur, SMALL_DELTA_TOLERANCE) {
            b.count = prev;
            continue;
        }
        if cur < prev {
            b.count = prev;
            fix.forced_monotonic = true;
            fix.min_bucket = fix.min_bucket.min(b.upper);
            fix.max_bucket = fix.max_bucket.max(b.upper);
            fix.max_diff = fix.max_diff.max(prev - cur);
            continue;
        }
        prev = cur;
    }
}

/// The φ-quantile of classic buckets (Prometheus's `BucketQuantile`).
pub(crate) fn bucket_quantile(q: f64, buckets: Vec<Bucket>) -> (f64, QuantileFix) {
    let mut fix = QuantileFix::default();
    if q.is_nan() {
        return (f64::NAN, fix);
    }
    if q < 0.0 {
        return (f64::NEG_INFINITY, fix);
    }
    if q > 1.0 {
        return (f64::INFINITY, fix);
    }
    let Some(mut buckets) = sorted_with_inf(buckets) else {
        return (f64::NAN, fix);
    };
    ensure_monotonic(&mut buckets, &mut fix);
    if buckets.len() < 2 {
        return (f64::NAN, fix);
    }
    let observations = buckets[buckets.len() - 1].count;
    if observations == 0.0 {
        return (f64::NAN, fix);
    }
    let mut rank = q * observations;
    let last = buckets.len() - 1;
    let b = buckets[..last].partition_point(|x| x.count < rank);
    let v = if b == last {
        buckets[last - 1].upper
    } else if b == 0 && buckets[0].upper <= 0.0 {
        buckets[0].upper
    } else {
        let mut start = 0.0;
        let end = buckets[b].upper;
        let mut count = buckets[b].count;
        if b > 0 {
            start = buckets[b - 1].upper;
            count -= buckets[b - 1].count;
            rank -= buckets[b - 1].count;
        }
        start + (end - start) * (rank / count)
    };
    (v, fix)
}

/// The fraction of observations between `lower` and `upper` (Prometheus's
/// `BucketFraction`).
pub(crate) fn bucket_fraction(lower: f64, upper: f64, buckets: Vec<Bucket>) -> f64 {
    let Some(buckets) = sorted_with_inf(buckets) else {
        return f64::NAN;
    };
    let count = buckets[buckets.len() - 1].count;
    if count == 0.0 || lower.is_nan() || upper.is_nan() {
        return f64::NAN;
    }
    if lower >= upper {
        return 0.0;
    }
    let (mut rank, mut lower_rank, mut upper_rank) = (0.0, 0.0, 0.0);
    let (mut lower_set, mut upper_set) = (false, false);
    let mut lower_bound = if buckets[0].upper <= 0.0 {
        f64::NEG_INFINITY
    } else {
        0.0
    };
    for (i, b) in buckets.iter().enumerate() {
        if i > 0 {
            lower_bound = buckets[i - 1].upper;
        }
        let upper_bound = b.upper;
        let interpolate = |v: f64| {
            // Infinite-width buckets contribute nothing to a fraction.
            if lower_bound == f64::NEG_INFINITY {
                return b.count;
            }
            rank + (b.count - rank) * (v - lower_bound) / (upper_bound - lower_bound)
        };
        if !lower_set && lower_bound >= lower {
            lower_rank = rank;
            lower_set = true;
        }
        if !upper_set && lower_bound >= upper {
            upper_rank = rank;
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        if !lower_set && lower_bound < lower && upper_bound > lower {
            lower_rank = interpolate(lower);
            lower_set = true;
        }
        if !upper_set && lower_bound < upper && upper_bound > upper {
            upper_rank = interpolate(upper);
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        rank = b.count;
    }
    if !lower_set || lower_rank > count {
        lower_rank = count;
    }
    if !upper_set || upper_rank > count {
        upper_rank = count;
    }
    (upper_rank - lower_rank) / count
}

/// OpenMetrics float text (`1.0`, `0.5`, `+Inf`) for the quantile label of
/// `histogram_quantiles`.
fn openmetrics_float(f: f64) -> String {
    let s = go_fmt_g(f);
    if f.is_finite() && !s.contains(['e', '.']) {
        format!("{s}.0")
    } else {
        s
    }
}

/// A histogram: the labels of its buckets without `le`, and its bucket series.
struct Group {
    labels: Labels,
    metric_name: String,
}

pub(crate) fn eval_histogram_call(ev: &Evaluator<'_, '_>, c: &CallNode) -> Result<Val> {
    let n = ev.num_steps();
    let arg = |i: usize| {
        c.args
            .get(i)
            .ok_or_else(|| PromqlError::Internal(format!("{}() lacks arguments", c.name)))
    };
    // Scalar parameters first, then the buckets, in argument order as Prometheus does.
    let (params, input, quantile_label): (Vec<Vec<f64>>, &Node, Option<String>) = match c.func {
        Func::HistogramQuantile => (vec![ev.eval_scalar(arg(0)?)?], arg(1)?, None),
        Func::HistogramFraction => (
            vec![ev.eval_scalar(arg(0)?)?, ev.eval_scalar(arg(1)?)?],
            arg(2)?,
            None,
        ),
        _ => {
            let label = match arg(1)?.unwrapped() {
                Node::String(s) => s.text.clone(),
                _ => String::new(),
            };
            let qs = c
                .args
                .get(2..)
                .unwrap_or(&[])
                .iter()
                .map(|a| ev.eval_scalar(a))
                .collect::<Result<Vec<_>>>()?;
            (qs, arg(0)?, Some(label))
        }
    };
    let series = ev.eval_vector(input)?;
    let delayed = ev.delayed();
    let input_span = c.arg_span(match c.func {
        Func::HistogramQuantile => 1,
        Func::HistogramFraction => 2,
        _ => 0,
    });
    // Where quantile `k` (of `params`) was written.
    let quantile_span = |k: usize| {
        c.arg_span(if c.func == Func::HistogramQuantiles {
            2 + k
        } else {
            0
        })
    };

    // Bucket series → histogram group (first-seen order), with each series' bound.
    let mut group_of = new_hash_map::<Vec<usize>>(series.len());
    let mut groups: Vec<Group> = Vec::new();
    let mut members: Vec<Option<(usize, f64)>> = Vec::with_capacity(series.len());
    for s in &series {
        let le = s.labels.get_or_empty("le");
        let upper = match parse_go_float(le) {
            Some(u) => u,
            None => {
                let name = if delayed {
                    s.labels.metric_name().unwrap_or("")
                } else {
                    ""
                };
                ev.annotate(annotations::bad_bucket_label(name, le).at(input_span));
                members.push(None);
                continue;
            }
        };
        let without_le = s.labels.drop_names(&["le"], true);
        let key = without_le.stable_hash();
        let candidates = group_of.entry(key).or_default();
        let g = match candidates.iter().find(|&&g| groups[g].labels == without_le) {
            Some(&g) => g,
            None => {
                candidates.push(groups.len());
                groups.push(Group {
                    metric_name: without_le.metric_name().unwrap_or("").to_string(),
                    labels: without_le,
                });
                groups.len() - 1
            }
        };
        members.push(Some((g, upper)));
    }

    // Buckets per step and group, filled series by series.
    let mut per_step: Vec<Vec<(usize, Bucket)>> = vec![Vec::new(); n];
    for (s, m) in series.iter().zip(&members) {
        let Some((g, upper)) = *m else { continue };
        for p in &s.points {
            per_step[ev.step_index(p.t)].push((g, Bucket { upper, count: p.v }));
        }
    }

    let q_count = if quantile_label.is_some() {
        params.len()
    } else {
        1
    };
    if c.func != Func::HistogramFraction {
        let mut last_bad: Option<u64> = None;
        for (k, qs) in params.iter().enumerate() {
            for &q in qs {
                if (q.is_nan() || !(0.0..=1.0).contains(&q)) && last_bad != Some(q.to_bits()) {
                    last_bad = Some(q.to_bits());
                    ev.annotate(annotations::invalid_quantile(q).at(quantile_span(k)));
                }
            }
        }
    }

    let mut out_points: Vec<Vec<Vec<Sample>>> = vec![vec![Vec::new(); q_count]; groups.len()];
    let mut buckets_of: Vec<Vec<Bucket>> = vec![Vec::new(); groups.len()];
    let mut touched: Vec<usize> = Vec::new();
    for (i, entries) in per_step.iter().enumerate() {
        let t = ev.step_time(i);
        touched.clear();
        for (g, b) in entries {
            if buckets_of[*g].is_empty() {
                touched.push(*g);
            }
            buckets_of[*g].push(*b);
        }
        for &g in &touched {
            let buckets = std::mem::take(&mut buckets_of[g]);
            match c.func {
                Func::HistogramFraction => {
                    let at = |k: usize| params.get(k).and_then(|p| p.get(i)).copied();
                    let v = bucket_fraction(
                        at(0).unwrap_or(f64::NAN),
                        at(1).unwrap_or(f64::NAN),
                        buckets,
                    );
                    out_points[g][0].push(Sample::new(t, v));
                }
                _ => {
                    for (qi, qs) in params.iter().enumerate().take(q_count) {
                        let (v, fix) = bucket_quantile(qs[i], buckets.clone());
                        if fix.forced_monotonic {
                            let name = if delayed {
                                groups[g].metric_name.as_str()
                            } else {
                                ""
                            };
                            ev.annotate(
                                annotations::forced_monotonicity(name, t, &fix).at(input_span),
                            );
                        }
                        out_points[g][qi].push(Sample::new(t, v));
                    }
                }
            }
        }
    }

    let mut out = Vec::new();
    for (g, per_q) in groups.iter().zip(out_points) {
        for (qi, points) in per_q.into_iter().enumerate() {
            if points.is_empty() {
                continue;
            }
            let mut labels = if delayed {
                g.labels.clone()
            } else {
                drop_metadata_labels(&g.labels)
            };
            if let Some(label) = &quantile_label {
                let q = params[qi].first().copied().unwrap_or(f64::NAN);
                let mut b = labels.builder();
                b.set(label, &openmetrics_float(q));
                labels = b.build();
            }
            ev.add_samples(points.len())?;
            out.push(StepSeries {
                labels,
                drop_name: true,
                points,
            });
        }
    }
    Ok(Val::Vector(merge_same_labelsets(out)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(pairs: &[(f64, f64)]) -> Vec<Bucket> {
        pairs
            .iter()
            .map(|&(upper, count)| Bucket { upper, count })
            .collect()
    }

    #[test]
    fn quantile_interpolates_within_bucket() {
        let buckets = b(&[(0.1, 10.0), (0.2, 20.0), (f64::INFINITY, 20.0)]);
        let (v, fix) = bucket_quantile(0.75, buckets);
        assert!((v - 0.15).abs() < 1e-12, "{v}");
        assert!(!fix.forced_monotonic);
    }

    #[test]
    fn quantile_needs_inf_bucket_and_fixes_monotonicity() {
        assert!(bucket_quantile(0.5, b(&[(1.0, 1.0)])).0.is_nan());
        let (_, fix) = bucket_quantile(0.5, b(&[(1.0, 5.0), (2.0, 3.0), (f64::INFINITY, 6.0)]));
        assert!(fix.forced_monotonic);
    }

    #[test]
    fn fraction_of_buckets() {
        let buckets = b(&[(1.0, 5.0), (2.0, 10.0), (f64::INFINITY, 10.0)]);
        assert!((bucket_fraction(0.0, 1.0, buckets.clone()) - 0.5).abs() < 1e-12);
        assert!((bucket_fraction(1.0, 1.5, buckets) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn openmetrics_floats() {
        assert_eq!(openmetrics_float(1.0), "1.0");
        assert_eq!(openmetrics_float(0.5), "0.5");
        assert_eq!(openmetrics_float(f64::INFINITY), "+Inf");
    }
}
