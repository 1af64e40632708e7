//! Selectors: reading series from the storage once per query and turning their samples
//! into per-step values (instant selectors, with lookback and staleness) or raw windows
//! (range selectors).

use promlite_model::{is_stale_nan, Labels, Sample};

use super::Evaluator;
use crate::error::Result;
use crate::plan::{MatrixNode, SelectorNode};
use crate::value::{StepSeries, Val};

impl<'c, 'q> Evaluator<'c, 'q> {
    /// Calls `f` with each selected series and its samples within the selector's time
    /// range (staleness markers included), in label order. One buffer is reused.
    pub(crate) fn for_each_selected(
        &self,
        sel: &SelectorNode,
        mut f: impl FnMut(&Labels, &[Sample]) -> Result<()>,
    ) -> Result<()> {
        let set = self.ctx.querier.select(&sel.matchers, &sel.hints)?;
        let mut buf: Vec<Sample> = Vec::new();
        for series in set {
            self.check_abort()?;
            let series = series?;
            buf.clear();
            series.samples_into(sel.hints.start, sel.hints.end, &mut buf)?;
            f(series.labels(), &buf)?;
        }
        Ok(())
    }

    /// The time a selector reads at for evaluation time `t`.
    #[inline]
    pub(crate) fn reference_time(t: i64, offset: i64, at: Option<i64>) -> i64 {
        match at {
            Some(a) => a - offset,
            None => t - offset,
        }
    }

    /// The offset Prometheus uses for a selector or subquery relative to this grid's start
    /// once `@` is folded into it (`setOffsetForAtModifier`).
    pub(crate) fn effective_offset(&self, offset: i64, at: Option<i64>) -> i64 {
        match at {
            Some(a) => offset + (self.start - a),
            None => offset,
        }
    }

    /// The latest sample at or before `ref_t`, if it is newer than the lookback delta and
    /// not a staleness marker.
    pub(crate) fn lookback_sample(&self, samples: &[Sample], ref_t: i64) -> Option<Sample> {
        let j = samples.partition_point(|s| s.t <= ref_t);
        let s = *samples.get(j.checked_sub(1)?)?;
        if s.t > ref_t - self.ctx.lookback && !is_stale_nan(s.v) {
            Some(s)
        } else {
            None
        }
    }

    /// Per-step samples of one series for an instant selector: `(step time, sample found)`.
    pub(crate) fn instant_samples(
        &self,
        samples: &[Sample],
        offset: i64,
        at: Option<i64>,
        mut f: impl FnMut(i64, Sample),
    ) {
        let n = self.num_steps();
        if let Some(a) = at {
            if let Some(s) = self.lookback_sample(samples, a - offset) {
                for i in 0..n {
                    f(self.step_time(i), s);
                }
            }
            return;
        }
        let lookback = self.ctx.lookback;
        let mut j = 0;
        for i in 0..n {
            let t = self.step_time(i);
            let ref_t = t - offset;
            while j < samples.len() && samples[j].t <= ref_t {
                j += 1;
            }
            if j == 0 {
                continue;
            }
            let s = samples[j - 1];
            if s.t > ref_t - lookback && !is_stale_nan(s.v) {
                f(t, s);
            }
        }
    }

    pub(crate) fn eval_vector_selector(&self, sel: &SelectorNode) -> Result<Val> {
        if sel.smoothed {
            return self.eval_smoothed_selector(sel);
        }
        let mut out = Vec::new();
        self.stream_vector_selector(sel, &mut |s| {
            out.push(s);
            Ok(())
        })?;
        Ok(Val::Vector(out))
    }

    /// Hands each selected series' per-step values to `sink`, one series at a time.
    pub(crate) fn stream_vector_selector(
        &self,
        sel: &SelectorNode,
        sink: &mut dyn FnMut(StepSeries) -> Result<()>,
    ) -> Result<()> {
        let steps = self.num_steps();
        self.for_each_selected(sel, |labels, samples| {
            let mut points = Vec::with_capacity(steps.min(samples.len()));
            self.instant_samples(samples, sel.offset, sel.at, |t, s| {
                points.push(Sample::new(t, s.v));
            });
            if points.is_empty() {
                return Ok(());
            }
            self.add_samples(points.len())?;
            sink(StepSeries::new(labels.clone(), points))
        })
    }

    /// A `smoothed` instant selector: per step, the value at the reference time
    /// interpolated from the samples within one lookback on either side.
    fn eval_smoothed_selector(&self, sel: &SelectorNode) -> Result<Val> {
        let lookback = self.ctx.lookback;
        let mut out = Vec::new();
        let mut clean: Vec<Sample> = Vec::new();
        self.for_each_selected(sel, |labels, samples| {
            clean.clear();
            clean.extend(samples.iter().filter(|s| !is_stale_nan(s.v)).copied());
            let mut points = Vec::new();
            for i in 0..self.num_steps() {
                let t = self.step_time(i);
                let ref_t = Self::reference_time(t, sel.offset, sel.at);
                let lo = clean.partition_point(|s| s.t <= ref_t - lookback);
                let hi = clean.partition_point(|s| s.t <= ref_t + lookback);
                if let Some(v) = crate::functions::smoothed_value(&clean[lo..hi.max(lo)], ref_t) {
                    points.push(Sample::new(t, v));
                }
            }
            if !points.is_empty() {
                self.add_samples(points.len())?;
                out.push(StepSeries::new(labels.clone(), points));
            }
            Ok(())
        })?;
        Ok(Val::Vector(out))
    }

    /// A range selector evaluated on its own (instant query of `foo[5m]`): the raw samples
    /// in `(t - offset - range, t - offset]` at the first step, staleness markers removed.
    pub(crate) fn eval_matrix_selector(&self, m: &MatrixNode) -> Result<Val> {
        let maxt = Self::reference_time(self.start, m.sel.offset, m.sel.at);
        let mint = maxt - m.range;
        let extended = m.sel.anchored || m.sel.smoothed;
        let before = if extended { self.ctx.lookback } else { 0 };
        let after = if m.sel.smoothed { self.ctx.lookback } else { 0 };
        let mut out = Vec::new();
        self.for_each_selected(&m.sel, |labels, samples| {
            let lo = samples.partition_point(|s| s.t <= mint - before);
            let hi = samples.partition_point(|s| s.t <= maxt + after);
            let mut points: Vec<Sample> = samples[lo..hi.max(lo)]
                .iter()
                .filter(|s| !is_stale_nan(s.v))
                .copied()
                .collect();
            if extended {
                points = crate::functions::extend_floats(&points, mint, maxt, m.sel.smoothed);
            }
            if !points.is_empty() {
                self.add_samples(points.len())?;
                out.push(StepSeries::new(labels.clone(), points));
            }
            Ok(())
        })?;
        Ok(Val::Matrix(out))
    }
}
