//! `topk`, `bottomk`, `limitk` and `limit_ratio`: per step and group, a selection of
//! input series. The selection heap follows Go's `container/heap` step for step and the
//! final order Go's sort, so equal values come out in Prometheus's order.

use promlite_model::{Labels, Sample};
use promlite_promql_parser::AggregateOp;

use super::aggregate::{group_key, param_bounds, param_values};
use super::series::{new_hash_map, HashKeyMap};
use super::Evaluator;
use crate::annotations;
use crate::error::{PromqlError, Result};
use crate::format::go_fmt_g;
use crate::plan::AggregateNode;
use crate::value::{StepSeries, Val};

/// An element of a selection: value and input series index.
type Elem = (f64, usize);

/// Go's `container/heap` over a `less` order.
struct GoHeap {
    items: Vec<Elem>,
    less: fn(f64, f64) -> bool,
}

impl GoHeap {
    fn lt(&self, i: usize, j: usize) -> bool {
        (self.less)(self.items[i].0, self.items[j].0)
    }

    fn push(&mut self, e: Elem) {
        self.items.push(e);
        self.up(self.items.len() - 1);
    }

    fn up(&mut self, mut j: usize) {
        while j > 0 {
            let i = (j - 1) / 2;
            if !self.lt(j, i) {
                break;
            }
            self.items.swap(i, j);
            j = i;
        }
    }

    fn down(&mut self, i0: usize) -> bool {
        let n = self.items.len();
        let mut i = i0;
        loop {
            let j1 = 2 * i + 1;
            if j1 >= n {
                break;
            }
            let mut j = j1;
            if j1 + 1 < n && self.lt(j1 + 1, j1) {
                j = j1 + 1;
            }
            if !self.lt(j, i) {
                break;
            }
            self.items.swap(i, j);
            i = j;
        }
        i > i0
    }

    fn fix(&mut self, i: usize) {
        if !self.down(i) {
            self.up(i);
        }
    }

    /// Sorts so that `self.less` is reversed (Go's `sort.Sort(sort.Reverse(h))`):
    /// insertion sort for short slices as Go does, a stable sort otherwise.
    fn into_reverse_sorted(mut self) -> Vec<Elem> {
        let less = self.less;
        let rev = |a: &Elem, b: &Elem| less(b.0, a.0);
        if self.items.len() <= 12 {
            for i in 1..self.items.len() {
                let mut j = i;
                while j > 0 && rev(&self.items[j], &self.items[j - 1]) {
                    self.items.swap(j, j - 1);
                    j -= 1;
                }
            }
        } else {
            self.items.sort_by(|a, b| {
                if rev(a, b) {
                    std::cmp::Ordering::Less
                } else if rev(b, a) {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            });
        }
        self.items
    }
}

fn by_value(a: f64, b: f64) -> bool {
    a.is_nan() || a < b
}

fn by_reverse_value(a: f64, b: f64) -> bool {
    a.is_nan() || a > b
}

/// Prometheus's `labels.Hash()`: xxHash64 of `name 0xff value 0xff ...`.
pub(crate) fn prometheus_labels_hash(l: &Labels) -> u64 {
    let mut h = xxhash_rust::xxh64::Xxh64::new(0);
    for x in l.iter() {
        h.update(x.name.as_bytes());
        h.update(&[0xff]);
        h.update(x.value.as_bytes());
        h.update(&[0xff]);
    }
    h.digest()
}

fn ratio_selects(r: f64, l: &Labels) -> bool {
    let offset = prometheus_labels_hash(l) as f64 / u64::MAX as f64;
    (r >= 0.0 && offset < r) || (r < 0.0 && offset >= 1.0 + r)
}

impl<'c, 'q> Evaluator<'c, 'q> {
    pub(crate) fn aggregate_k(&self, a: &AggregateNode) -> Result<Val> {
        let params = param_values(self, a.param.as_ref())?;
        let input = self.eval_vector(&a.expr)?;
        let Some((lo, hi)) = param_bounds(&params) else {
            return Ok(Val::Vector(Vec::new()));
        };
        let any_nan = params.iter().any(|v| v.is_nan());
        if a.op == AggregateOp::LimitRatio {
            if hi == 0.0 && lo == 0.0 {
                return Ok(Val::Vector(Vec::new()));
            }
            if any_nan {
                return Err(PromqlError::exec("Ratio value is NaN"));
            }
            if hi > 1.0 {
                self.annotate(annotations::invalid_ratio(hi, 1.0).at(a.param_span));
            }
            if lo < -1.0 {
                self.annotate(annotations::invalid_ratio(lo, -1.0).at(a.param_span));
            }
        } else {
            if hi < 1.0 {
                return Ok(Val::Vector(Vec::new()));
            }
            if any_nan {
                return Err(PromqlError::exec("Parameter value is NaN"));
            }
            if lo <= i64::MIN as f64 {
                return Err(PromqlError::exec(format!(
                    "Scalar value {} underflows int64",
                    go_fmt_g(lo)
                )));
            }
            if hi >= i64::MAX as f64 {
                return Err(PromqlError::exec(format!(
                    "Scalar value {} overflows int64",
                    go_fmt_g(hi)
                )));
            }
        }

        let n = self.num_steps();
        let mut index: HashKeyMap<usize> = new_hash_map(64);
        let mut group_of = Vec::with_capacity(input.len());
        for s in &input {
            let key = group_key(&s.labels, &a.grouping, a.without);
            let next = index.len();
            group_of.push(*index.entry(key).or_insert(next));
        }
        let num_groups = index.len();
        // The input as (series, value) per step, in series order.
        let mut per_step: Vec<Vec<Elem>> = vec![Vec::new(); n];
        for (si, s) in input.iter().enumerate() {
            for p in &s.points {
                per_step[self.step_index(p.t)].push((p.v, si));
            }
        }

        let mut selected: Vec<Vec<Sample>> = vec![Vec::new(); input.len()];
        let mut order: Vec<usize> = Vec::new();
        let mut heaps: Vec<Option<GoHeap>> = Vec::new();
        for (i, entries) in per_step.iter().enumerate() {
            self.check_abort()?;
            let t = self.step_time(i);
            let param = params.get(i).copied().unwrap_or(0.0);
            let (k, ratio) = match a.op {
                AggregateOp::LimitRatio => {
                    if param == 0.0 {
                        continue;
                    }
                    (0usize, param.clamp(-1.0, 1.0))
                }
                _ => {
                    let k = (param as i64).min(input.len() as i64);
                    if k < 1 {
                        continue;
                    }
                    (k as usize, 0.0)
                }
            };
            heaps.clear();
            heaps.resize_with(num_groups, || None);
            let mut group_order: Vec<usize> = Vec::new();
            for &(v, si) in entries {
                let g = group_of[si];
                let heap = heaps[g].get_or_insert_with(|| {
                    group_order.push(g);
                    GoHeap {
                        items: Vec::with_capacity(k),
                        less: if a.op == AggregateOp::BottomK {
                            by_reverse_value
                        } else {
                            by_value
                        },
                    }
                });
                match a.op {
                    AggregateOp::TopK | AggregateOp::BottomK => {
                        if heap.items.len() < k {
                            heap.push((v, si));
                        } else {
                            let top = heap.items[0].0;
                            let better = if a.op == AggregateOp::TopK {
                                top < v
                            } else {
                                top > v
                            };
                            if better || (top.is_nan() && !v.is_nan()) {
                                heap.items[0] = (v, si);
                                if k > 1 {
                                    heap.fix(0);
                                }
                            }
                        }
                    }
                    AggregateOp::LimitK => {
                        if heap.items.len() < k {
                            heap.push((v, si));
                        }
                    }
                    _ => {
                        if ratio_selects(ratio, &input[si].labels) {
                            heap.push((v, si));
                        }
                    }
                }
            }
            // Group indexes follow the first appearance of their series in the input.
            group_order.sort_unstable();
            for g in group_order {
                let Some(heap) = heaps[g].take() else {
                    continue;
                };
                let elems = match a.op {
                    AggregateOp::TopK | AggregateOp::BottomK => heap.into_reverse_sorted(),
                    _ => heap.items,
                };
                for (v, si) in elems {
                    if selected[si].is_empty() {
                        order.push(si);
                    }
                    selected[si].push(Sample::new(t, v));
                }
            }
        }

        let mut out = Vec::with_capacity(order.len());
        for si in order {
            let points = std::mem::take(&mut selected[si]);
            self.add_samples(points.len())?;
            out.push(StepSeries {
                labels: input[si].labels.clone(),
                drop_name: input[si].drop_name,
                points,
            });
        }
        Ok(Val::Vector(out))
    }
}
