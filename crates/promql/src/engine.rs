//! The public entry points: [`Engine::instant_query`] and [`Engine::range_query`].

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use promlite_model::Sample;
use promlite_promql_parser::{Expr, ValueType};
use promlite_storage::Queryable;

use crate::error::{PromqlError, Result};
use crate::eval::series::{drop_metadata_labels, merge_same_labelsets};
use crate::eval::{EvalContext, Evaluator};
use crate::options::{Abort, EngineOptions, QueryControl};
use crate::plan::{bounded, lower, LowerParams, Node};
use crate::value::{MatrixSeries, QueryResult, StepSeries, Val, Value, VectorElement};

/// A PromQL engine. Cheap to share; every query gets its own evaluation state.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    opts: EngineOptions,
    /// The step of subqueries that name none; shared by every clone of this engine, so a
    /// config reload that changes the evaluation interval reaches all of them.
    default_subquery_step_ms: Arc<AtomicI64>,
}

/// The time range of a query.
#[derive(Clone, Copy, Debug)]
struct Range {
    start: i64,
    end: i64,
    /// 0 for an instant query.
    step: i64,
}

impl Engine {
    pub fn new(opts: EngineOptions) -> Engine {
        let step = Arc::new(AtomicI64::new(opts.default_subquery_step_ms));
        Engine {
            opts,
            default_subquery_step_ms: step,
        }
    }

    /// Changes the default subquery step (Prometheus: the global evaluation interval) of
    /// this engine and all its clones, for queries that start afterwards.
    pub fn set_default_subquery_step_ms(&self, step_ms: i64) {
        self.default_subquery_step_ms
            .store(step_ms, Ordering::Relaxed);
    }

    /// The step subqueries without one use now.
    pub fn default_subquery_step_ms(&self) -> i64 {
        self.default_subquery_step_ms.load(Ordering::Relaxed)
    }

    pub fn options(&self) -> &EngineOptions {
        &self.opts
    }

    /// Evaluates `expr` at time `t_ms`.
    pub fn instant_query(
        &self,
        queryable: &dyn Queryable,
        expr: &Expr,
        t_ms: i64,
        ctl: &QueryControl,
    ) -> Result<QueryResult> {
        self.exec(
            queryable,
            expr,
            Range {
                start: t_ms,
                end: t_ms,
                step: 0,
            },
            ctl,
        )
    }

    /// Evaluates `expr` at every step from `start_ms` to `end_ms` (both ms, inclusive).
    pub fn range_query(
        &self,
        queryable: &dyn Queryable,
        expr: &Expr,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
        ctl: &QueryControl,
    ) -> Result<QueryResult> {
        if step_ms <= 0 {
            return Err(PromqlError::BadData(
                "zero or negative query resolution step widths are not accepted. Try a positive integer".into(),
            ));
        }
        if end_ms < start_ms {
            return Err(PromqlError::BadData(
                "end timestamp must not be before start time".into(),
            ));
        }
        let t = expr.value_type();
        if t != ValueType::Scalar && t != ValueType::Vector {
            return Err(PromqlError::BadData(format!(
                "invalid expression type {:?} for range query, must be Scalar or instant Vector",
                t.as_str()
            )));
        }
        self.exec(
            queryable,
            expr,
            Range {
                start: start_ms,
                end: end_ms,
                step: step_ms,
            },
            ctl,
        )
    }

    fn exec(
        &self,
        queryable: &dyn Queryable,
        expr: &Expr,
        r: Range,
        ctl: &QueryControl,
    ) -> Result<QueryResult> {
        let timeout = match ctl.timeout {
            Some(t) if t < self.opts.timeout => t,
            _ => self.opts.timeout,
        };
        let abort = Abort::new(ctl.cancel.clone(), timeout);
        abort.check()?;
        bounded(r.start, "start time")?;
        bounded(r.end, "end time")?;
        bounded(r.step, "step")?;
        let lookback = ctl
            .lookback_delta_ms
            .filter(|l| *l > 0)
            .unwrap_or(self.opts.lookback_delta_ms);
        let params = LowerParams {
            start: r.start,
            end: r.end,
            step: r.step,
            lookback,
            default_subquery_step: self.default_subquery_step_ms().max(1),
            enable_experimental: self.opts.enable_experimental_functions,
        };
        let root = lower(expr, &params)?;
        let (mint, maxt) = min_max_time(&root);
        let querier = queryable.querier(mint, maxt)?;
        let ctx = EvalContext::new(
            querier.as_ref(),
            lookback,
            self.opts.max_samples,
            self.opts.enable_delayed_name_removal,
            abort,
        );
        let interval = if r.step == 0 { 1 } else { r.step };
        let ev = Evaluator::new(&ctx, r.start, r.end, interval);
        let mut val = ev.eval(&root)?;
        ctx.abort.check()?;
        if self.opts.enable_delayed_name_removal {
            val = remove_delayed_names(val)?;
        }
        let value = if r.step == 0 {
            instant_value(val, r.start)
        } else {
            range_value(val, &ev)
        };
        let annotations = ctx.take_annotations();
        let (warnings, infos) = annotations.split();
        Ok(QueryResult {
            value,
            warnings,
            infos,
            peak_samples: ctx.peak_samples(),
            annotations: annotations.into_vec(),
        })
    }
}

/// Drops the names marked for removal and merges what became equal.
fn remove_delayed_names(val: Val) -> Result<Val> {
    let clean = |series: Vec<StepSeries>| -> Result<Vec<StepSeries>> {
        let series = series
            .into_iter()
            .map(|mut s| {
                if s.drop_name {
                    s.labels = drop_metadata_labels(&s.labels);
                    s.drop_name = false;
                }
                s
            })
            .collect();
        merge_same_labelsets(series)
    };
    Ok(match val {
        Val::Vector(s) => Val::Vector(clean(s)?),
        Val::Matrix(s) => Val::Matrix(clean(s)?),
        other => other,
    })
}

fn sorted_matrix(series: Vec<StepSeries>) -> Value {
    let mut m: Vec<MatrixSeries> = series
        .into_iter()
        .filter(|s| !s.points.is_empty())
        .map(|s| MatrixSeries {
            labels: s.labels,
            samples: s.points,
        })
        .collect();
    m.sort_by(|a, b| a.labels.cmp(&b.labels));
    Value::Matrix(m)
}

fn instant_value(val: Val, t: i64) -> Value {
    match val {
        Val::Scalar(v) => Value::Scalar {
            t,
            v: v.first().copied().unwrap_or(f64::NAN),
        },
        Val::String(s) => Value::String { t, v: s },
        Val::Vector(series) => Value::Vector(
            series
                .into_iter()
                .filter_map(|s| {
                    let p = s.points.first()?;
                    Some(VectorElement {
                        labels: s.labels,
                        t,
                        v: p.v,
                    })
                })
                .collect(),
        ),
        Val::Matrix(series) => sorted_matrix(series),
    }
}

fn range_value(val: Val, ev: &Evaluator<'_, '_>) -> Value {
    match val {
        Val::Scalar(v) => {
            let samples = v
                .iter()
                .enumerate()
                .map(|(i, x)| Sample::new(ev.step_time(i), *x))
                .collect();
            Value::Matrix(vec![MatrixSeries {
                labels: promlite_model::Labels::empty(),
                samples,
            }])
        }
        Val::Vector(s) | Val::Matrix(s) => sorted_matrix(s),
        Val::String(s) => Value::String { t: ev.start, v: s },
    }
}

/// The earliest and latest sample time any selector reads (Prometheus's
/// `FindMinMaxTime`); `(0, 0)` without selectors.
fn min_max_time(root: &Node) -> (i64, i64) {
    let mut min = i64::MAX;
    let mut max = i64::MIN;
    visit_selectors(root, &mut |h| {
        min = min.min(h.start);
        max = max.max(h.end);
    });
    if max == i64::MIN {
        (0, 0)
    } else {
        (min, max)
    }
}

fn visit_selectors(n: &Node, f: &mut impl FnMut(&promlite_storage::SelectHints)) {
    match n {
        Node::VectorSelector(s) => f(&s.hints),
        Node::MatrixSelector(m) => f(&m.sel.hints),
        Node::Subquery(s) => visit_selectors(&s.expr, f),
        Node::Call(c) => c.args.iter().for_each(|a| visit_selectors(a, f)),
        Node::Aggregate(a) => {
            visit_selectors(&a.expr, f);
            if let Some(p) = &a.param {
                visit_selectors(p, f);
            }
        }
        Node::Binary(b) => {
            visit_selectors(&b.lhs, f);
            visit_selectors(&b.rhs, f);
        }
        Node::Negate(x) | Node::StepInvariant(x) => visit_selectors(x, f),
        Node::Number(_) | Node::String(_) => {}
    }
}
