//! Subqueries (a child evaluation on the subquery's own, absolutely aligned step grid)
//! and the common view of range-vector arguments: range selectors and subqueries.

use promlite_model::{is_stale_nan, Labels, Sample};

use super::Evaluator;
use crate::error::{PromqlError, Result};
use crate::plan::{MatrixNode, Node, SubqueryNode};
use crate::value::{StepSeries, Val};

/// A range-vector argument of a function.
#[derive(Clone, Copy)]
pub(crate) enum RangeArg<'n> {
    Selector(&'n MatrixNode),
    Subquery(&'n SubqueryNode),
}

impl<'n> RangeArg<'n> {
    /// The argument node as a range vector, if it is one.
    pub(crate) fn from_node(node: &'n Node) -> Option<RangeArg<'n>> {
        match node.unwrapped() {
            Node::MatrixSelector(m) => Some(RangeArg::Selector(m)),
            Node::Subquery(s) => Some(RangeArg::Subquery(s)),
            _ => None,
        }
    }

    pub(crate) fn range(&self) -> i64 {
        match self {
            RangeArg::Selector(m) => m.range,
            RangeArg::Subquery(s) => s.range,
        }
    }

    pub(crate) fn offset(&self) -> i64 {
        match self {
            RangeArg::Selector(m) => m.sel.offset,
            RangeArg::Subquery(s) => s.offset,
        }
    }

    pub(crate) fn at(&self) -> Option<i64> {
        match self {
            RangeArg::Selector(m) => m.sel.at,
            RangeArg::Subquery(s) => s.at,
        }
    }
}

impl<'c, 'q> Evaluator<'c, 'q> {
    /// Runs a subquery: its expression evaluated on the grid of multiples of its step that
    /// fall in `(start - offset - range, end - offset]`.
    pub(crate) fn run_subquery(&self, sq: &SubqueryNode) -> Result<Vec<StepSeries>> {
        let offset = self.effective_offset(sq.offset, sq.at);
        let parent_end = self.start + ((self.end - self.start) / self.interval) * self.interval;
        let sub_end = parent_end - offset;
        let lower = self.start - offset - sq.range;
        // Integer division truncates toward zero, as in Go; the adjustment below makes the
        // first step the smallest multiple of the step strictly after `lower` either way.
        let mut sub_start = sq.step * (lower / sq.step);
        if sub_start <= lower {
            sub_start += sq.step;
        }
        let child = self.child(sub_start, sub_end, sq.step);
        match child.eval(&sq.expr)? {
            Val::Vector(v) => Ok(v),
            Val::Scalar(values) => {
                // A scalar inside a subquery (not valid PromQL, but harmless): one series.
                let points = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Sample::new(child.step_time(i), *v))
                    .collect();
                Ok(vec![StepSeries::new(Labels::empty(), points)])
            }
            other => Err(PromqlError::Internal(format!(
                "subquery of {}",
                super::val_kind(&other)
            ))),
        }
    }

    /// Calls `f` with each series of a range-vector argument and its samples (staleness
    /// markers removed), in order: `(labels, drop_name, samples)`.
    pub(crate) fn for_each_range_series(
        &self,
        arg: RangeArg<'_>,
        mut f: impl FnMut(&Labels, bool, &[Sample]) -> Result<()>,
    ) -> Result<()> {
        match arg {
            RangeArg::Selector(m) => {
                let mut clean: Vec<Sample> = Vec::new();
                self.for_each_selected(&m.sel, |labels, samples| {
                    if samples.iter().any(|s| is_stale_nan(s.v)) {
                        clean.clear();
                        clean.extend(samples.iter().filter(|s| !is_stale_nan(s.v)).copied());
                        f(labels, false, &clean)
                    } else {
                        f(labels, false, samples)
                    }
                })
            }
            RangeArg::Subquery(sq) => {
                // The child evaluation already counted these points as held.
                let series = self.run_subquery(sq)?;
                for s in &series {
                    self.check_abort()?;
                    f(&s.labels, s.drop_name, &s.points)?;
                }
                Ok(())
            }
        }
    }
}
