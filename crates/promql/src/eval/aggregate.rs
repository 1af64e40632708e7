//! Aggregations `sum`, `avg`, `count`, `min`, `max`, `group`, `stddev`, `stdvar`,
//! `quantile` and `count_values`. Each input series is mapped to its group once; each
//! group keeps one accumulator per step, fed series by series in input order (the order
//! Prometheus adds them in, so sums round the same way).

use promlite_model::{Labels, Sample};
use promlite_promql_parser::AggregateOp;

use super::series::{merge_same_labelsets, new_hash_map, HashKeyMap};
use super::Evaluator;
use crate::annotations;
use crate::error::{PromqlError, Result};
use crate::format::go_format_float_f;
use crate::functions::range::quantile;
use crate::functions::{go_max, go_min};
use crate::kahan::{kahan_inc, KahanMean};
use crate::plan::{AggregateNode, Node};
use crate::value::{StepSeries, Val};

/// The grouping key of a series.
pub(crate) fn group_key(l: &Labels, grouping: &[String], without: bool) -> u64 {
    if without {
        l.hash_without_names(grouping)
    } else if grouping.is_empty() {
        0
    } else {
        l.hash_for_names(grouping)
    }
}

/// The labels of a series' group.
pub(crate) fn group_labels(l: &Labels, grouping: &[String], without: bool) -> Labels {
    if without {
        l.drop_names(grouping, false)
    } else if grouping.is_empty() {
        Labels::empty()
    } else {
        l.keep_names(grouping)
    }
}

/// Per-step state of one group.
#[derive(Default)]
struct Acc {
    seen: Vec<bool>,
    drop: Vec<bool>,
    /// sum / min / max / stdvar running value.
    value: Vec<f64>,
    /// Kahan compensation, or stdvar mean.
    aux: Vec<f64>,
    count: Vec<f64>,
    mean: Vec<KahanMean>,
    lists: Vec<Vec<f64>>,
}

impl Acc {
    fn new(op: AggregateOp, n: usize) -> Acc {
        let mut a = Acc {
            seen: vec![false; n],
            drop: vec![false; n],
            ..Acc::default()
        };
        match op {
            AggregateOp::Sum | AggregateOp::Min | AggregateOp::Max => {
                a.value = vec![0.0; n];
                a.aux = vec![0.0; n];
            }
            AggregateOp::Avg => a.mean = vec![KahanMean::default(); n],
            AggregateOp::Count => a.count = vec![0.0; n],
            AggregateOp::Stddev | AggregateOp::Stdvar => {
                a.value = vec![0.0; n];
                a.aux = vec![0.0; n];
                a.count = vec![0.0; n];
            }
            AggregateOp::Quantile => a.lists = vec![Vec::new(); n],
            _ => {}
        }
        a
    }

    fn add(&mut self, op: AggregateOp, i: usize, f: f64, drop: bool) {
        if !self.seen[i] {
            self.seen[i] = true;
            self.drop[i] = drop;
            match op {
                AggregateOp::Sum | AggregateOp::Min | AggregateOp::Max => self.value[i] = f,
                AggregateOp::Avg => self.mean[i] = KahanMean::new(f),
                AggregateOp::Count => self.count[i] = 1.0,
                AggregateOp::Stddev | AggregateOp::Stdvar => {
                    self.count[i] = 1.0;
                    self.aux[i] = f;
                    self.value[i] = if f.is_nan() || f.is_infinite() {
                        f64::NAN
                    } else {
                        0.0
                    };
                }
                AggregateOp::Quantile => self.lists[i].push(f),
                _ => {}
            }
            return;
        }
        self.drop[i] |= drop;
        match op {
            AggregateOp::Sum => {
                let (s, c) = kahan_inc(f, self.value[i], self.aux[i]);
                self.value[i] = s;
                self.aux[i] = c;
            }
            AggregateOp::Avg => self.mean[i].add(f),
            AggregateOp::Count => self.count[i] += 1.0,
            AggregateOp::Max if self.value[i] < f || self.value[i].is_nan() => self.value[i] = f,
            AggregateOp::Min if self.value[i] > f || self.value[i].is_nan() => self.value[i] = f,
            AggregateOp::Stddev | AggregateOp::Stdvar => {
                self.count[i] += 1.0;
                let delta = f - self.aux[i];
                self.aux[i] += delta / self.count[i];
                self.value[i] += delta * (f - self.aux[i]);
            }
            AggregateOp::Quantile => self.lists[i].push(f),
            _ => {}
        }
    }

    fn result(&mut self, op: AggregateOp, i: usize, q: f64) -> f64 {
        match op {
            AggregateOp::Sum => self.value[i] + self.aux[i],
            AggregateOp::Avg => self.mean[i].value(),
            AggregateOp::Count => self.count[i],
            AggregateOp::Stdvar => self.value[i] / self.count[i],
            AggregateOp::Stddev => (self.value[i] / self.count[i]).sqrt(),
            AggregateOp::Quantile => quantile(q, &mut self.lists[i]),
            AggregateOp::Group => 1.0,
            _ => self.value[i],
        }
    }
}

/// Evaluates an aggregation's numeric parameter: its per-step values.
pub(crate) fn param_values(ev: &Evaluator<'_, '_>, param: Option<&Node>) -> Result<Vec<f64>> {
    match param {
        Some(p) => ev.eval_scalar(p),
        None => Ok(Vec::new()),
    }
}

/// Go's `math.Max`/`math.Min` over the values (NaN wins); `None` when empty.
pub(crate) fn param_bounds(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let (mut lo, mut hi) = (f64::MAX, -f64::MAX);
    for &v in values {
        hi = go_max(hi, v);
        lo = go_min(lo, v);
    }
    Some((lo, hi))
}

impl<'c, 'q> Evaluator<'c, 'q> {
    pub(crate) fn eval_aggregate(&self, a: &AggregateNode) -> Result<Val> {
        match a.op {
            AggregateOp::CountValues => return self.count_values(a),
            AggregateOp::TopK
            | AggregateOp::BottomK
            | AggregateOp::LimitK
            | AggregateOp::LimitRatio => return self.aggregate_k(a),
            _ => {}
        }
        let params = param_values(self, a.param.as_ref())?;
        if a.op == AggregateOp::Quantile {
            if params.iter().any(|q| q.is_nan()) {
                self.annotate(annotations::invalid_quantile(f64::NAN).at(a.param_span));
            }
            if let Some((lo, hi)) = param_bounds(&params) {
                if hi > 1.0 {
                    self.annotate(annotations::invalid_quantile(hi).at(a.param_span));
                }
                if lo < 0.0 {
                    self.annotate(annotations::invalid_quantile(lo).at(a.param_span));
                }
            }
        }
        let n = self.num_steps();
        let mut index: HashKeyMap<usize> = new_hash_map(64);
        let mut groups: Vec<(Labels, Option<Acc>)> = Vec::new();
        // Input series are folded into their groups as they are produced.
        self.stream_vector(&a.expr, &mut |s| {
            let key = group_key(&s.labels, &a.grouping, a.without);
            let g = *index.entry(key).or_insert_with(|| {
                groups.push((group_labels(&s.labels, &a.grouping, a.without), None));
                groups.len() - 1
            });
            let acc = groups[g].1.get_or_insert_with(|| Acc::new(a.op, n));
            for p in &s.points {
                acc.add(a.op, self.step_index(p.t), p.v, s.drop_name);
            }
            Ok(())
        })?;
        let mut out = Vec::with_capacity(groups.len());
        for (labels, acc) in groups {
            let Some(mut acc) = acc else { continue };
            let mut points = Vec::new();
            let mut drop = false;
            for i in 0..n {
                if acc.seen[i] {
                    let q = params.get(i).copied().unwrap_or(0.0);
                    points.push(Sample::new(self.step_time(i), acc.result(a.op, i, q)));
                    drop = acc.drop[i];
                }
            }
            if !points.is_empty() {
                self.add_samples(points.len())?;
                out.push(StepSeries {
                    labels,
                    drop_name: drop,
                    points,
                });
            }
        }
        Ok(Val::Vector(out))
    }

    fn count_values(&self, a: &AggregateNode) -> Result<Val> {
        let label = match a.param.as_ref().map(Node::unwrapped) {
            Some(Node::String(s)) => {
                if let Some(q) = &s.invalid_quoted {
                    return Err(PromqlError::exec(format!("invalid label name {q}")));
                }
                s.text.clone()
            }
            _ => {
                return Err(PromqlError::Internal(
                    "count_values without a string parameter".into(),
                ))
            }
        };
        if !crate::functions::is_valid_label_name(&label) {
            return Err(PromqlError::exec(format!(
                "invalid label name {}",
                promlite_model::go_quote(&label)
            )));
        }
        let mut grouping = a.grouping.clone();
        if !a.without {
            grouping.push(label.clone());
            grouping.sort();
        }
        let input = self.eval_vector(&a.expr)?;
        // Every (group, step) occurrence; counted after sorting.
        let mut hits: Vec<(u64, usize)> = Vec::new();
        let mut labels_of: HashKeyMap<Labels> = new_hash_map(64);
        let mut order: Vec<u64> = Vec::new();
        for s in &input {
            self.check_abort()?;
            for p in &s.points {
                let mut b = s.labels.builder();
                b.set(&label, &go_format_float_f(p.v));
                let with_value = b.build();
                let key = group_key(&with_value, &grouping, a.without);
                labels_of.entry(key).or_insert_with(|| {
                    order.push(key);
                    group_labels(&with_value, &grouping, a.without)
                });
                hits.push((key, self.step_index(p.t)));
            }
        }
        hits.sort_unstable();
        let mut points_of: HashKeyMap<Vec<Sample>> = new_hash_map(order.len());
        for run in hits.chunk_by(|a, b| a == b) {
            let (key, i) = run[0];
            points_of
                .entry(key)
                .or_default()
                .push(Sample::new(self.step_time(i), run.len() as f64));
        }
        let mut out = Vec::with_capacity(order.len());
        for key in order {
            let points = points_of.remove(&key).unwrap_or_default();
            let labels = labels_of.remove(&key).unwrap_or_default();
            self.add_samples(points.len())?;
            out.push(StepSeries::new(labels, points));
        }
        Ok(Val::Vector(merge_same_labelsets(out)?))
    }
}
