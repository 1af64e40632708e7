//! Set operators `and`, `or`, `unless`: per match signature, which steps have a series
//! on the other side, as a bitset over the steps.

use super::binary::signature;
use super::series::{new_hash_map, HashKeyMap};
use super::Evaluator;
use crate::plan::Matching;
use crate::value::StepSeries;

/// One bit per step.
struct StepBits(Vec<u64>);

impl StepBits {
    fn new(n: usize) -> StepBits {
        StepBits(vec![0; n.div_ceil(64)])
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
}

impl<'c, 'q> Evaluator<'c, 'q> {
    /// For each signature, the steps at which some series of `side` has a point.
    fn presence(&self, side: &[StepSeries], m: &Matching) -> HashKeyMap<StepBits> {
        let n = self.num_steps();
        let mut map = new_hash_map::<StepBits>(side.len());
        for s in side {
            let bits = map
                .entry(signature(&s.labels, m))
                .or_insert_with(|| StepBits::new(n));
            for p in &s.points {
                bits.set(self.step_index(p.t));
            }
        }
        map
    }

    /// `lhs and rhs` (`keep_matched`) or `lhs unless rhs` (not `keep_matched`): the lhs
    /// points whose signature is (is not) present on the right at their step.
    pub(crate) fn vector_and_unless(
        &self,
        lhs: Vec<StepSeries>,
        rhs: Vec<StepSeries>,
        m: &Matching,
        keep_matched: bool,
    ) -> Vec<StepSeries> {
        if rhs.is_empty() {
            return if keep_matched { Vec::new() } else { lhs };
        }
        let present = self.presence(&rhs, m);
        let mut out = Vec::with_capacity(lhs.len());
        for mut s in lhs {
            match present.get(&signature(&s.labels, m)) {
                Some(bits) => s
                    .points
                    .retain(|p| bits.get(self.step_index(p.t)) == keep_matched),
                None if keep_matched => s.points.clear(),
                None => {}
            }
            if !s.points.is_empty() {
                out.push(s);
            }
        }
        out
    }

    /// `lhs or rhs`: all of lhs, and the rhs points whose signature lhs lacks at their step.
    pub(crate) fn vector_or(
        &self,
        lhs: Vec<StepSeries>,
        rhs: Vec<StepSeries>,
        m: &Matching,
    ) -> Vec<StepSeries> {
        if lhs.is_empty() {
            return rhs;
        }
        if rhs.is_empty() {
            return lhs;
        }
        let present = self.presence(&lhs, m);
        let mut out = lhs;
        for mut s in rhs {
            if let Some(bits) = present.get(&signature(&s.labels, m)) {
                s.points.retain(|p| !bits.get(self.step_index(p.t)));
            }
            if !s.points.is_empty() {
                out.push(s);
            }
        }
        out
    }
}
