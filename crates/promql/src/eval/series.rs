//! Helpers over step series: metric-name dropping, duplicate label-set checks and merges,
//! and a hash map keyed by precomputed 64-bit hashes.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use promlite_model::{Labels, Sample};

use crate::error::{PromqlError, Result};
use crate::value::StepSeries;

/// The message Prometheus gives when two results share a label set at one time.
pub(crate) const DUPLICATE_LABELSET: &str = "vector cannot contain metrics with the same labelset";

/// Labels that describe a metric's schema; dropped together with the name when a
/// function or operator changes what the value means.
const METADATA_LABELS: [&str; 3] = ["__name__", "__type__", "__unit__"];

/// A `Hasher` for keys that are already good 64-bit hashes.
#[derive(Default)]
pub(crate) struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are used; fold anything else in case.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }
}

/// A map keyed by precomputed hashes.
pub(crate) type HashKeyMap<V> = HashMap<u64, V, BuildHasherDefault<PassThroughHasher>>;

pub(crate) fn new_hash_map<V>(capacity: usize) -> HashKeyMap<V> {
    HashMap::with_capacity_and_hasher(capacity, BuildHasherDefault::default())
}

/// The labels without `__name__`, `__type__` and `__unit__` (a cheap clone when none is set).
pub(crate) fn drop_metadata_labels(l: &Labels) -> Labels {
    if !l.iter().any(|x| METADATA_LABELS.contains(&x.name)) {
        return l.clone();
    }
    l.drop_names(&METADATA_LABELS, false)
}

/// Whether two series in `series` carry the same labels (at any time).
pub(crate) fn has_duplicate_labelsets(series: &[StepSeries]) -> bool {
    if series.len() < 2 {
        return false;
    }
    let mut seen = new_hash_map::<Vec<usize>>(series.len());
    for (i, s) in series.iter().enumerate() {
        let entry = seen.entry(s.labels.stable_hash()).or_default();
        if entry.iter().any(|&j| series[j].labels == s.labels) {
            return true;
        }
        entry.push(i);
    }
    false
}

/// Merges series with equal labels into one (their points interleaved by time) and fails
/// when two of them have a point at the same time, as Prometheus does when it assembles a
/// range result. The first series' position and `drop_name` win.
pub(crate) fn merge_same_labelsets(series: Vec<StepSeries>) -> Result<Vec<StepSeries>> {
    if !has_duplicate_labelsets(&series) {
        return Ok(series);
    }
    let mut index = new_hash_map::<Vec<usize>>(series.len());
    let mut out: Vec<StepSeries> = Vec::with_capacity(series.len());
    for s in series {
        let bucket = index.entry(s.labels.stable_hash()).or_default();
        match bucket.iter().find(|&&j| out[j].labels == s.labels) {
            Some(&j) => {
                let target = &mut out[j];
                target.points = merge_points(std::mem::take(&mut target.points), s.points)?;
            }
            None => {
                bucket.push(out.len());
                out.push(s);
            }
        }
    }
    Ok(out)
}

fn merge_points(a: Vec<Sample>, b: Vec<Sample>) -> Result<Vec<Sample>> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].t == b[j].t {
            return Err(PromqlError::exec(DUPLICATE_LABELSET));
        }
        if a[i].t < b[j].t {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    Ok(out)
}

/// Applies Prometheus's name dropping to a result series: without delayed name removal the
/// metadata labels go now; with it, the series is only marked.
pub(crate) fn drop_name(series: &mut StepSeries, delayed: bool) {
    if !delayed {
        series.labels = drop_metadata_labels(&series.labels);
    }
    series.drop_name = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(pairs: &[(&str, &str)], ts: &[i64]) -> StepSeries {
        StepSeries::new(
            Labels::from_pairs(pairs.iter().copied()),
            ts.iter().map(|&t| Sample::new(t, t as f64)).collect(),
        )
    }

    #[test]
    fn merges_disjoint_and_rejects_overlaps() {
        let a = s(&[("a", "1")], &[0, 20]);
        let b = s(&[("a", "1")], &[10]);
        let c = s(&[("a", "2")], &[0]);
        let merged = merge_same_labelsets(vec![a.clone(), c, b]).unwrap();
        assert_eq!(merged.len(), 2);
        let ts: Vec<i64> = merged[0].points.iter().map(|p| p.t).collect();
        assert_eq!(ts, [0, 10, 20]);
        let err = merge_same_labelsets(vec![a.clone(), a]).unwrap_err();
        assert_eq!(err.to_string(), DUPLICATE_LABELSET);
    }

    #[test]
    fn metadata_labels_are_dropped_together() {
        let l = Labels::from_pairs([
            ("__name__", "x"),
            ("__type__", "counter"),
            ("__unit__", "s"),
            ("job", "a"),
        ]);
        assert_eq!(drop_metadata_labels(&l), Labels::from_pairs([("job", "a")]));
    }
}
