//! Binary operators: scalar/scalar, vector/scalar and vector/vector with `on`/`ignoring`
//! and `group_left`/`group_right` matching. Vector matching works per match group over
//! all steps at once; result labels are computed once per matched pair of series.

use std::collections::HashSet;

use promlite_model::{Labels, Sample};
use promlite_promql_parser::{BinaryOp, ValueType, VectorMatchCardinality};

use super::series::{drop_name, merge_same_labelsets, new_hash_map};
use super::Evaluator;
use crate::error::{PromqlError, Result};
use crate::plan::{BinaryNode, Matching};
use crate::value::{StepSeries, Val};

/// Whether the operator changes what the value means (so the metric name goes).
fn changes_metric_schema(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Add
            | BinaryOp::Sub
            | BinaryOp::Mul
            | BinaryOp::Div
            | BinaryOp::Pow
            | BinaryOp::Mod
            | BinaryOp::Atan2
    )
}

fn btos(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// Arithmetic on two floats (Go's `math` semantics, which `f64` shares).
fn arith(op: BinaryOp, l: f64, r: f64) -> f64 {
    match op {
        BinaryOp::Add => l + r,
        BinaryOp::Sub => l - r,
        BinaryOp::Mul => l * r,
        BinaryOp::Div => l / r,
        BinaryOp::Pow => l.powf(r),
        BinaryOp::Mod => l % r,
        BinaryOp::Atan2 => l.atan2(r),
        _ => f64::NAN,
    }
}

fn compare(op: BinaryOp, l: f64, r: f64) -> bool {
    match op {
        BinaryOp::Eql => l == r,
        BinaryOp::Neq => l != r,
        BinaryOp::Gtr => l > r,
        BinaryOp::Lss => l < r,
        BinaryOp::Gte => l >= r,
        BinaryOp::Lte => l <= r,
        _ => false,
    }
}

/// The value of `l op r` between vector elements and whether the element is kept.
#[inline]
fn elem_binop(op: BinaryOp, l: f64, r: f64) -> (f64, bool) {
    if op.is_comparison() {
        (l, compare(op, l, r))
    } else {
        (arith(op, l, r), true)
    }
}

/// The histogram trim operators `</` and `>/` have no meaning for floats.
fn is_trim(op: BinaryOp) -> bool {
    matches!(op, BinaryOp::TrimUpper | BinaryOp::TrimLower)
}

impl<'c, 'q> Evaluator<'c, 'q> {
    pub(crate) fn eval_binary(&self, b: &BinaryNode) -> Result<Val> {
        if is_trim(b.op) && b.lhs_type != ValueType::Scalar {
            // Floats only here: every element is dropped with an info annotation.
            let l = self.eval(&b.lhs)?;
            let r = self.eval(&b.rhs)?;
            if l.num_points() > 0 && r.num_points() > 0 {
                self.annotate(
                    crate::annotations::incompatible_types_in_binop(
                        b.op.as_str(),
                        "float",
                        "float",
                    )
                    .at(b.span),
                );
            }
            return Ok(Val::Vector(Vec::new()));
        }
        match (b.lhs_type, b.rhs_type) {
            (ValueType::Scalar, ValueType::Scalar) => {
                let l = self.eval_scalar(&b.lhs)?;
                let r = self.eval_scalar(&b.rhs)?;
                Ok(Val::Scalar(
                    l.iter()
                        .zip(&r)
                        .map(|(x, y)| {
                            if b.op.is_comparison() {
                                btos(compare(b.op, *x, *y))
                            } else {
                                arith(b.op, *x, *y)
                            }
                        })
                        .collect(),
                ))
            }
            (ValueType::Vector, ValueType::Scalar) => {
                let l = self.eval_vector(&b.lhs)?;
                let r = self.eval_scalar(&b.rhs)?;
                self.vector_scalar(b, l, &r, false)
            }
            (ValueType::Scalar, ValueType::Vector) => {
                let l = self.eval_scalar(&b.lhs)?;
                let r = self.eval_vector(&b.rhs)?;
                self.vector_scalar(b, r, &l, true)
            }
            (ValueType::Vector, ValueType::Vector) => {
                let l = self.eval_vector(&b.lhs)?;
                let r = self.eval_vector(&b.rhs)?;
                let matching = b.matching.as_ref().ok_or_else(|| {
                    PromqlError::Internal("vector operation without matching".into())
                })?;
                let out = match b.op {
                    BinaryOp::And => self.vector_and_unless(l, r, matching, true),
                    BinaryOp::Unless => self.vector_and_unless(l, r, matching, false),
                    BinaryOp::Or => self.vector_or(l, r, matching),
                    _ => self.vector_binop(b, l, r, matching)?,
                };
                Ok(Val::Vector(merge_same_labelsets(out)?))
            }
            (lt, rt) => Err(PromqlError::Internal(format!(
                "binary operator {} between {lt} and {rt}",
                b.op.as_str()
            ))),
        }
    }

    /// A vector and a scalar; `swapped` when the scalar is on the left.
    fn vector_scalar(
        &self,
        b: &BinaryNode,
        series: Vec<StepSeries>,
        scalar: &[f64],
        swapped: bool,
    ) -> Result<Val> {
        let drops = changes_metric_schema(b.op) || b.return_bool;
        let delayed = self.delayed();
        let mut out = Vec::with_capacity(series.len());
        for mut s in series {
            s.points.retain_mut(|p| {
                let sv = scalar
                    .get(self.step_index(p.t))
                    .copied()
                    .unwrap_or(f64::NAN);
                let (l, r) = if swapped { (sv, p.v) } else { (p.v, sv) };
                let (mut v, mut keep) = elem_binop(b.op, l, r);
                if b.op.is_comparison() && swapped {
                    // A comparison keeps the vector's value even when it is on the right.
                    v = r;
                }
                if b.return_bool {
                    v = btos(keep);
                    keep = true;
                }
                p.v = v;
                keep
            });
            if s.points.is_empty() {
                continue;
            }
            if drops {
                drop_name(&mut s, delayed);
            }
            out.push(s);
        }
        Ok(Val::Vector(merge_same_labelsets(out)?))
    }

    /// The labels of a result of `lhs op rhs` (Prometheus's `resultMetric`).
    fn result_labels(
        &self,
        lhs: &Labels,
        rhs: &Labels,
        op: BinaryOp,
        m: &Matching,
        return_bool: bool,
    ) -> Labels {
        let mut b = lhs.builder();
        if (!self.delayed() && return_bool) || changes_metric_schema(op) {
            b.del("__name__").del("__type__").del("__unit__");
        }
        if m.card == VectorMatchCardinality::OneToOne {
            if m.on {
                b.retain(|name, _| m.labels.iter().any(|l| l == name));
            } else {
                b.retain(|name, _| !m.labels.iter().any(|l| l == name));
            }
        }
        for name in &m.include {
            // Included labels come from the "one" side.
            match rhs.get(name) {
                Some(v) => b.set(name, v),
                None => b.del(name),
            };
        }
        b.build()
    }

    /// Arithmetic and comparison between two vectors.
    fn vector_binop(
        &self,
        b: &BinaryNode,
        lhs: Vec<StepSeries>,
        rhs: Vec<StepSeries>,
        m: &Matching,
    ) -> Result<Vec<StepSeries>> {
        let fills = m.fill_lhs.is_some() || m.fill_rhs.is_some();
        if (lhs.is_empty() && rhs.is_empty()) || ((lhs.is_empty() || rhs.is_empty()) && !fills) {
            return Ok(Vec::new());
        }
        // Work with the "many" side on the left, as Prometheus does (fill values included).
        let one_to_many = m.card == VectorMatchCardinality::OneToMany;
        let (left, right) = if one_to_many { (rhs, lhs) } else { (lhs, rhs) };
        let mut job = BinopJob {
            ev: self,
            b,
            m,
            one_to_many,
            right_at: vec![None; self.num_steps()],
            matched_at: vec![false; self.num_steps()],
            out: Vec::new(),
            out_index: new_hash_map(left.len()),
            slots: Default::default(),
            results_at: HashSet::new(),
        };
        let left_sigs: Vec<u64> = left.iter().map(|s| signature(&s.labels, m)).collect();
        let mut right_by_sig = new_hash_map::<Vec<usize>>(right.len());
        let mut right_order: Vec<u64> = Vec::new();
        for (i, s) in right.iter().enumerate() {
            let sig = signature(&s.labels, m);
            right_by_sig
                .entry(sig)
                .or_insert_with(|| {
                    right_order.push(sig);
                    Vec::new()
                })
                .push(i);
        }
        let mut left_by_sig = new_hash_map::<Vec<usize>>(left.len());
        let mut left_order: Vec<u64> = Vec::new();
        for (i, sig) in left_sigs.iter().enumerate() {
            left_by_sig
                .entry(*sig)
                .or_insert_with(|| {
                    left_order.push(*sig);
                    Vec::new()
                })
                .push(i);
        }
        self.check_one_side_unique(&left, &right, &right_order, &right_by_sig, m, fills)?;
        let none: Vec<usize> = Vec::new();
        for sig in &left_order {
            self.check_abort()?;
            let rights = right_by_sig.get(sig).unwrap_or(&none);
            if rights.is_empty() && m.fill_rhs.is_none() {
                continue;
            }
            job.group(&left, &right, &left_by_sig[sig], rights)?;
        }
        if m.fill_lhs.is_some() {
            for sig in right_order.iter().filter(|s| !left_by_sig.contains_key(*s)) {
                job.group(&left, &right, &none, &right_by_sig[sig])?;
            }
        }
        let mut out = job.out;
        out.retain(|s| !s.points.is_empty());
        for s in out.iter_mut() {
            if s.points.windows(2).any(|w| w[1].t <= w[0].t) {
                s.points.sort_by_key(|p| p.t);
                if s.points.windows(2).any(|w| w[1].t == w[0].t) {
                    return Err(PromqlError::exec(super::series::DUPLICATE_LABELSET));
                }
            }
        }
        Ok(out)
    }
}

impl Evaluator<'_, '_> {
    /// Prometheus checks the "one" side for duplicate signatures at every step where the
    /// operation runs at all (both sides non-empty, or one with a fill value), whether or
    /// not the other side has that signature. Reports the earliest such step.
    fn check_one_side_unique(
        &self,
        left: &[StepSeries],
        right: &[StepSeries],
        right_order: &[u64],
        right_by_sig: &super::series::HashKeyMap<Vec<usize>>,
        m: &Matching,
        fills: bool,
    ) -> Result<()> {
        let n = self.num_steps();
        let mut left_present = vec![false; n];
        for s in left {
            for p in &s.points {
                left_present[self.step_index(p.t)] = true;
            }
        }
        // (step, second series, first series) of the earliest clash.
        let mut clash: Option<(usize, usize, usize)> = None;
        let mut owner: Vec<Option<usize>> = vec![None; n];
        for sig in right_order {
            let members = &right_by_sig[sig];
            if members.len() < 2 {
                continue;
            }
            for &ri in members {
                for p in &right[ri].points {
                    let i = self.step_index(p.t);
                    match owner[i] {
                        Some(first) if left_present[i] || fills => {
                            if clash.is_none_or(|(ci, cs, _)| (i, ri) < (ci, cs)) {
                                clash = Some((i, ri, first));
                            }
                        }
                        Some(_) => {}
                        None => owner[i] = Some(ri),
                    }
                }
            }
            for &ri in members {
                for p in &right[ri].points {
                    owner[self.step_index(p.t)] = None;
                }
            }
        }
        match clash {
            Some((_, second, first)) => Err(duplicate_match_error(
                m,
                &right[second].labels,
                &right[first].labels,
            )),
            None => Ok(()),
        }
    }
}

/// Where one operand of a matched pair comes from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Operand {
    /// An input series of its side.
    Series(usize),
    /// A fill value standing in for a missing series; the index is the series of the other
    /// side it was matched for.
    Fill(usize),
}

/// The state of one vector/vector operation.
struct BinopJob<'a, 'c, 'q> {
    ev: &'a Evaluator<'c, 'q>,
    b: &'a BinaryNode,
    m: &'a Matching,
    one_to_many: bool,
    /// For the current match group: the right-hand point at each step.
    right_at: Vec<Option<(usize, f64)>>,
    /// For the current match group: whether a step produced a match.
    matched_at: Vec<bool>,
    out: Vec<StepSeries>,
    out_index: super::series::HashKeyMap<Vec<usize>>,
    /// For the current match group: the output series of each matched pair.
    slots: std::collections::HashMap<(Operand, Operand), usize>,
    /// For the current match group: (step, output series) already produced.
    results_at: HashSet<(usize, usize)>,
}

impl BinopJob<'_, '_, '_> {
    /// One match group: its left series and right series over all steps.
    fn group(
        &mut self,
        left: &[StepSeries],
        right: &[StepSeries],
        lefts: &[usize],
        rights: &[usize],
    ) -> Result<()> {
        let ev = self.ev;
        let m = self.m;
        for &ri in rights {
            for p in &right[ri].points {
                let i = ev.step_index(p.t);
                if let Some((prev, _)) = self.right_at[i] {
                    return Err(duplicate_match_error(
                        m,
                        &right[ri].labels,
                        &right[prev].labels,
                    ));
                }
                self.right_at[i] = Some((ri, p.v));
            }
        }
        self.slots.clear();
        self.results_at.clear();
        for &lj in lefts {
            for p in &left[lj].points {
                let i = ev.step_index(p.t);
                let (r_op, rv) = match (self.right_at[i], m.fill_rhs) {
                    (Some((ri, rv)), _) => (Operand::Series(ri), rv),
                    (None, Some(f)) => (Operand::Fill(lj), f),
                    (None, None) => continue,
                };
                self.pair(left, right, (Operand::Series(lj), r_op), i, p.t, (p.v, rv))?;
            }
        }
        if let Some(f) = m.fill_lhs {
            for &ri in rights {
                for p in &right[ri].points {
                    let i = ev.step_index(p.t);
                    if self.matched_at[i] {
                        continue;
                    }
                    let key = (Operand::Fill(ri), Operand::Series(ri));
                    self.pair(left, right, key, i, p.t, (f, p.v))?;
                }
            }
        }
        for &ri in rights {
            for p in &right[ri].points {
                let i = ev.step_index(p.t);
                self.right_at[i] = None;
                self.matched_at[i] = false;
            }
        }
        for &lj in lefts {
            for p in &left[lj].points {
                self.matched_at[ev.step_index(p.t)] = false;
            }
        }
        Ok(())
    }

    fn labels_of(&self, op: Operand, own: &[StepSeries], other: &[StepSeries]) -> Labels {
        match op {
            Operand::Series(i) => own[i].labels.clone(),
            Operand::Fill(j) => match_labels(&other[j].labels, self.m),
        }
    }

    /// Combines a left and a right value at step `i` (Prometheus's `doBinOp`).
    fn pair(
        &mut self,
        left: &[StepSeries],
        right: &[StepSeries],
        key: (Operand, Operand),
        i: usize,
        t: i64,
        (lv, rv): (f64, f64),
    ) -> Result<()> {
        let (b, m) = (self.b, self.m);
        if m.card == VectorMatchCardinality::OneToOne && self.matched_at[i] {
            return Err(PromqlError::exec(
                "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
            ));
        }
        self.matched_at[i] = true;
        let out_idx = match self.slots.get(&key) {
            Some(o) => *o,
            None => {
                let ll = self.labels_of(key.0, left, right);
                let rl = self.labels_of(key.1, right, left);
                let labels = self.ev.result_labels(&ll, &rl, b.op, m, b.return_bool);
                let o = output_slot(&mut self.out, &mut self.out_index, labels, b.return_bool);
                self.slots.insert(key, o);
                o
            }
        };
        if m.card != VectorMatchCardinality::OneToOne && !self.results_at.insert((i, out_idx)) {
            return Err(PromqlError::exec(
                "multiple matches for labels: grouping labels must ensure unique matches",
            ));
        }
        let (fl, fr) = if self.one_to_many { (rv, lv) } else { (lv, rv) };
        let (mut v, keep) = elem_binop(b.op, fl, fr);
        if b.return_bool {
            v = btos(keep);
        } else if !keep {
            return Ok(());
        }
        self.out[out_idx].points.push(Sample::new(t, v));
        Ok(())
    }
}

/// The output series for `labels`, created on first use.
fn output_slot(
    out: &mut Vec<StepSeries>,
    index: &mut super::series::HashKeyMap<Vec<usize>>,
    labels: Labels,
    drop: bool,
) -> usize {
    let candidates = index.entry(labels.stable_hash()).or_default();
    if let Some(&o) = candidates.iter().find(|&&o| out[o].labels == labels) {
        return o;
    }
    candidates.push(out.len());
    out.push(StepSeries {
        labels,
        drop_name: drop,
        points: Vec::new(),
    });
    out.len() - 1
}

/// The match signature of a series: a hash of the `on` labels, or of all labels but the
/// `ignoring` ones and the metric name.
pub(crate) fn signature(l: &Labels, m: &Matching) -> u64 {
    if m.on {
        l.hash_for_names(&m.labels)
    } else {
        l.hash_without_names(&m.labels)
    }
}

/// The labels a match group is identified by, for error messages.
fn match_labels(l: &Labels, m: &Matching) -> Labels {
    if m.on {
        l.keep_names(&m.labels)
    } else {
        l.drop_names(&m.labels, false)
    }
}

fn duplicate_match_error(m: &Matching, second: &Labels, first: &Labels) -> PromqlError {
    let side = if m.card == VectorMatchCardinality::OneToMany {
        "left"
    } else {
        "right"
    };
    PromqlError::exec(format!(
        "found duplicate series for the match group {} on the {side} hand-side of the operation: [{second}, {first}];many-to-many matching not allowed: matching labels must be unique on one side",
        match_labels(second, m)
    ))
}
