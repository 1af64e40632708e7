//! The evaluator: evaluates a plan over a grid of steps (`start..=end` by `interval`),
//! every node producing all its steps at once.
//!
//! Like Prometheus, an instant query is a one-step grid. Unlike Prometheus's per-step
//! loops, selectors and range functions run series by series over all steps, reading
//! each series' samples once.

mod aggregate;
mod aggregate_k;
mod binary;
mod selector;
pub(crate) mod series;
mod set_ops;
mod subquery;

use std::cell::{Cell, RefCell};

use promlite_storage::Querier;

use crate::annotations::{Annotation, Annotations};
use crate::error::{PromqlError, Result, ENV_QUERY_EXECUTION};
use crate::options::Abort;
use crate::plan::Node;
use crate::value::{StepSeries, Val};

pub(crate) use subquery::RangeArg;

/// The most steps an evaluation grid may have (a range query has at most a few thousand;
/// a subquery's grid is its range divided by its step).
const MAX_STEPS: usize = 1 << 24;

/// What every evaluator of one query shares.
pub(crate) struct EvalContext<'q> {
    pub querier: &'q dyn Querier,
    pub lookback: i64,
    pub max_samples: usize,
    pub delayed_name_removal: bool,
    pub abort: Abort,
    /// Samples currently held by the query (Prometheus's `currentSamples`).
    samples: Cell<usize>,
    /// Peak of `samples`.
    peak_samples: Cell<usize>,
    annotations: RefCell<Annotations>,
    /// Calls since the deadline was last looked at (reading the clock is not free).
    abort_calls: Cell<u32>,
}

impl<'q> EvalContext<'q> {
    pub(crate) fn new(
        querier: &'q dyn Querier,
        lookback: i64,
        max_samples: usize,
        delayed_name_removal: bool,
        abort: Abort,
    ) -> EvalContext<'q> {
        EvalContext {
            querier,
            lookback,
            max_samples,
            delayed_name_removal,
            abort,
            samples: Cell::new(0),
            peak_samples: Cell::new(0),
            annotations: RefCell::new(Annotations::default()),
            abort_calls: Cell::new(0),
        }
    }

    pub(crate) fn take_annotations(&self) -> Annotations {
        self.annotations.take()
    }

    /// The most samples the query held in memory at once.
    pub(crate) fn peak_samples(&self) -> usize {
        self.peak_samples.get()
    }
}

/// Evaluates nodes over one grid of steps.
pub(crate) struct Evaluator<'c, 'q> {
    pub ctx: &'c EvalContext<'q>,
    pub start: i64,
    pub end: i64,
    /// Step in ms (1 for an instant evaluation, as in Prometheus).
    pub interval: i64,
}

impl<'c, 'q> Evaluator<'c, 'q> {
    pub(crate) fn new(ctx: &'c EvalContext<'q>, start: i64, end: i64, interval: i64) -> Self {
        Evaluator {
            ctx,
            start,
            end,
            interval: interval.max(1),
        }
    }

    /// An evaluator over another grid sharing this one's context.
    pub(crate) fn child(&self, start: i64, end: i64, interval: i64) -> Evaluator<'c, 'q> {
        Evaluator::new(self.ctx, start, end, interval)
    }

    pub(crate) fn num_steps(&self) -> usize {
        if self.end < self.start {
            return 0;
        }
        ((self.end - self.start) / self.interval) as usize + 1
    }

    /// Whether the grid has a single step (an instant evaluation).
    pub(crate) fn is_instant(&self) -> bool {
        self.start == self.end
    }

    #[inline]
    pub(crate) fn step_time(&self, i: usize) -> i64 {
        self.start + i as i64 * self.interval
    }

    #[inline]
    pub(crate) fn step_index(&self, t: i64) -> usize {
        ((t - self.start) / self.interval) as usize
    }

    pub(crate) fn delayed(&self) -> bool {
        self.ctx.delayed_name_removal
    }

    /// Checks cancellation always and the deadline every few calls.
    pub(crate) fn check_abort(&self) -> Result<()> {
        let n = self.ctx.abort_calls.get().wrapping_add(1);
        self.ctx.abort_calls.set(n);
        if n.is_multiple_of(16) || self.ctx.abort.cancel_requested() {
            self.ctx.abort.check()
        } else {
            Ok(())
        }
    }

    /// Records `n` more samples held in memory; fails past the limit.
    pub(crate) fn add_samples(&self, n: usize) -> Result<()> {
        let cur = self.ctx.samples.get() + n;
        self.ctx.samples.set(cur);
        if cur > self.ctx.peak_samples.get() {
            self.ctx.peak_samples.set(cur);
        }
        if cur > self.ctx.max_samples {
            return Err(PromqlError::TooManySamples(ENV_QUERY_EXECUTION));
        }
        Ok(())
    }

    /// Records that `n` samples were released.
    pub(crate) fn release_samples(&self, n: usize) {
        let cur = self.ctx.samples.get();
        self.ctx.samples.set(cur.saturating_sub(n));
    }

    pub(crate) fn annotate(&self, a: Annotation) {
        self.ctx.annotations.borrow_mut().add(a);
    }

    /// Evaluates `node` over this grid.
    pub(crate) fn eval(&self, node: &Node) -> Result<Val> {
        self.check_abort()?;
        let steps = self.num_steps();
        // A scalar holds one sample per step, so its grid alone can exceed the limit (as in
        // Prometheus); no grid may be so long that per-step bookkeeping would not fit.
        if steps > MAX_STEPS || (steps > self.ctx.max_samples && node.is_scalar_valued()) {
            return Err(PromqlError::TooManySamples(ENV_QUERY_EXECUTION));
        }
        let before = self.ctx.samples.get();
        let v = self.eval_node(node)?;
        // Whatever the children held is released; the result is held until the parent is done.
        self.ctx.samples.set(before);
        self.add_samples(v.num_points())?;
        Ok(v)
    }

    fn eval_node(&self, node: &Node) -> Result<Val> {
        if self.end < self.start {
            return Ok(Val::Vector(Vec::new()));
        }
        match node {
            Node::Number(v) => Ok(Val::Scalar(vec![*v; self.num_steps()])),
            Node::String(s) => Ok(Val::String(s.text.clone())),
            Node::VectorSelector(sel) => self.eval_vector_selector(sel),
            Node::MatrixSelector(m) => self.eval_matrix_selector(m),
            Node::Subquery(sq) => Ok(Val::Matrix(self.run_subquery(sq)?)),
            Node::Call(c) => crate::functions::eval_call(self, c),
            Node::Aggregate(a) => self.eval_aggregate(a),
            Node::Binary(b) => self.eval_binary(b),
            Node::Negate(inner) => self.eval_negate(inner),
            Node::StepInvariant(inner) => self.eval_step_invariant(inner),
        }
    }

    fn eval_negate(&self, inner: &Node) -> Result<Val> {
        match self.eval(inner)? {
            Val::Scalar(mut v) => {
                v.iter_mut().for_each(|x| *x = -*x);
                Ok(Val::Scalar(v))
            }
            Val::Vector(mut series) => {
                for s in series.iter_mut() {
                    series::drop_name(s, self.delayed());
                    s.points.iter_mut().for_each(|p| p.v = -p.v);
                }
                if !self.delayed() {
                    series = series::merge_same_labelsets(series)?;
                }
                Ok(Val::Vector(series))
            }
            other => Err(PromqlError::Internal(format!(
                "unary minus on {}",
                val_kind(&other)
            ))),
        }
    }

    /// Evaluates a step-invariant subtree once, at the first step, and repeats its value.
    fn eval_step_invariant(&self, inner: &Node) -> Result<Val> {
        if self.is_instant() {
            return self.eval(inner);
        }
        let single = self.child(self.start, self.start, self.interval);
        let v = single.eval(inner)?;
        let n = self.num_steps();
        Ok(match v {
            Val::Scalar(s) => Val::Scalar(vec![s.first().copied().unwrap_or(f64::NAN); n]),
            Val::Vector(series) => {
                self.add_samples(series.len() * n.saturating_sub(1))?;
                Val::Vector(
                    series
                        .into_iter()
                        .filter_map(|s| {
                            let v = s.points.first()?.v;
                            Some(StepSeries {
                                labels: s.labels,
                                drop_name: s.drop_name,
                                points: (0..n)
                                    .map(|i| promlite_model::Sample::new(self.step_time(i), v))
                                    .collect(),
                            })
                        })
                        .collect(),
                )
            }
            other => other,
        })
    }

    /// Evaluates a node that must be a scalar.
    pub(crate) fn eval_scalar(&self, node: &Node) -> Result<Vec<f64>> {
        match self.eval(node)? {
            Val::Scalar(v) => Ok(v),
            other => Err(PromqlError::Internal(format!(
                "expected scalar, got {}",
                val_kind(&other)
            ))),
        }
    }

    /// Hands the series of an instant-vector node to `sink` one at a time. Selectors and
    /// range functions produce them without materializing the whole vector; other nodes
    /// are evaluated first.
    pub(crate) fn stream_vector(
        &self,
        node: &Node,
        sink: &mut dyn FnMut(StepSeries) -> Result<()>,
    ) -> Result<()> {
        self.check_abort()?;
        match node {
            Node::VectorSelector(sel) if !sel.smoothed => self.stream_vector_selector(sel, sink),
            Node::Call(c) => match crate::functions::streamable_range_arg(c) {
                Some(idx) => crate::functions::stream_range_call(self, c, idx, sink),
                None => self.eval_vector(node)?.into_iter().try_for_each(sink),
            },
            _ => self.eval_vector(node)?.into_iter().try_for_each(sink),
        }
    }

    /// Evaluates a node that must be an instant vector.
    pub(crate) fn eval_vector(&self, node: &Node) -> Result<Vec<StepSeries>> {
        match self.eval(node)? {
            Val::Vector(v) => Ok(v),
            other => Err(PromqlError::Internal(format!(
                "expected instant vector, got {}",
                val_kind(&other)
            ))),
        }
    }
}

pub(crate) fn val_kind(v: &Val) -> &'static str {
    match v {
        Val::Scalar(_) => "scalar",
        Val::Vector(_) => "instant vector",
        Val::Matrix(_) => "range vector",
        Val::String(_) => "string",
    }
}
