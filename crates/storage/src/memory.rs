//! `MemStorage`: a simple, correct in-memory implementation of the storage traits,
//! used by the PromQL engine's tests, the promqltest runner and HTTP handler tests.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use parking_lot::RwLock;
use promlite_model::{matches_all, Labels, Matcher, Sample};

use crate::admin::{HeadStats, StatEntry, StorageAdmin, TsdbStats};
use crate::append::{Appendable, Appender, SeriesRef};
use crate::query::{
    Querier, Queryable, SampleIterator, SelectHints, Series, SeriesSet, VecSampleIterator,
};
use crate::{Result, StorageError};

#[derive(Default)]
struct Inner {
    /// Sorted by labels, so `select` needs no sort.
    series: BTreeMap<Labels, Arc<Vec<Sample>>>,
    /// Dense references handed out by appenders.
    refs: Vec<Labels>,
    ref_of: HashMap<Labels, SeriesRef>,
}

/// An in-memory storage. Clones share the same data.
#[derive(Clone, Default)]
pub struct MemStorage {
    inner: Arc<RwLock<Inner>>,
}

impl std::fmt::Debug for MemStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemStorage")
            .field("series", &self.inner.read().series.len())
            .finish()
    }
}

impl MemStorage {
    pub fn new() -> MemStorage {
        MemStorage::default()
    }

    /// Number of series stored.
    pub fn num_series(&self) -> usize {
        self.inner.read().series.len()
    }

    /// Total samples stored.
    pub fn num_samples(&self) -> usize {
        self.inner.read().series.values().map(|s| s.len()).sum()
    }
}

/// Checks a new sample against the newest one of its series, with Prometheus's rules.
fn check_order(last: Option<Sample>, t: i64, v: f64) -> Result<bool> {
    match last {
        Some(l) if t < l.t => Err(StorageError::OutOfOrderSample),
        Some(l) if t == l.t => {
            if l.v.to_bits() == v.to_bits() {
                Ok(false) // an exact duplicate is silently ignored, as in Prometheus
            } else {
                Err(StorageError::DuplicateSampleForTimestamp)
            }
        }
        _ => Ok(true),
    }
}

impl Appendable for MemStorage {
    fn appender(&self) -> Box<dyn Appender> {
        Box::new(MemAppender {
            storage: self.clone(),
            pending: Vec::new(),
            last_pending: HashMap::new(),
        })
    }
}

struct MemAppender {
    storage: MemStorage,
    pending: Vec<(Labels, Sample)>,
    last_pending: HashMap<Labels, Sample>,
}

impl Appender for MemAppender {
    fn append(
        &mut self,
        series_ref: Option<SeriesRef>,
        labels: &Labels,
        t: i64,
        v: f64,
    ) -> Result<SeriesRef> {
        if labels.is_empty() {
            return Err(StorageError::InvalidLabels("empty label set".into()));
        }
        let inner = self.storage.inner.read();
        let labels = match series_ref.and_then(|r| inner.refs.get(r as usize)) {
            Some(l) if l == labels => l.clone(),
            _ => labels.clone(),
        };
        let last = self
            .last_pending
            .get(&labels)
            .copied()
            .or_else(|| inner.series.get(&labels).and_then(|s| s.last().copied()));
        let existing_ref = inner.ref_of.get(&labels).copied();
        drop(inner);
        if check_order(last, t, v)? {
            self.last_pending.insert(labels.clone(), Sample::new(t, v));
            self.pending.push((labels.clone(), Sample::new(t, v)));
        }
        Ok(match existing_ref {
            Some(r) => r,
            None => {
                let mut inner = self.storage.inner.write();
                let next = inner.refs.len() as SeriesRef;
                let r = *inner.ref_of.entry(labels.clone()).or_insert(next);
                if r == next {
                    inner.refs.push(labels);
                }
                r
            }
        })
    }

    fn commit(&mut self) -> Result<()> {
        let mut inner = self.storage.inner.write();
        for (labels, s) in self.pending.drain(..) {
            let series = inner.series.entry(labels).or_default();
            // Another appender may have committed newer samples meanwhile: drop, as the head does.
            if let Ok(true) = check_order(series.last().copied(), s.t, s.v) {
                Arc::make_mut(series).push(s);
            }
        }
        self.last_pending.clear();
        Ok(())
    }

    fn rollback(&mut self) -> Result<()> {
        self.pending.clear();
        self.last_pending.clear();
        Ok(())
    }
}

impl Queryable for MemStorage {
    fn querier(&self, mint: i64, maxt: i64) -> Result<Box<dyn Querier>> {
        Ok(Box::new(MemQuerier {
            storage: self.clone(),
            mint,
            maxt,
        }))
    }
}

struct MemQuerier {
    storage: MemStorage,
    mint: i64,
    maxt: i64,
}

struct MemSeries {
    labels: Labels,
    samples: Arc<Vec<Sample>>,
    mint: i64,
    maxt: i64,
}

impl Series for MemSeries {
    fn labels(&self) -> &Labels {
        &self.labels
    }

    fn iter(&self, mint: i64, maxt: i64) -> Box<dyn SampleIterator + '_> {
        Box::new(VecSampleIterator::new(
            &self.samples,
            mint.max(self.mint),
            maxt.min(self.maxt),
        ))
    }

    fn samples_into(&self, mint: i64, maxt: i64, out: &mut Vec<Sample>) -> Result<()> {
        let (lo, hi) = (mint.max(self.mint), maxt.min(self.maxt));
        let a = self.samples.partition_point(|s| s.t < lo);
        let b = self.samples.partition_point(|s| s.t <= hi);
        if a < b {
            out.extend_from_slice(&self.samples[a..b]);
        }
        Ok(())
    }
}

fn has_sample_in(samples: &[Sample], mint: i64, maxt: i64) -> bool {
    let i = samples.partition_point(|s| s.t < mint);
    samples.get(i).is_some_and(|s| s.t <= maxt)
}

impl MemQuerier {
    fn matching(
        &self,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Vec<(Labels, Arc<Vec<Sample>>)> {
        let inner = self.storage.inner.read();
        inner
            .series
            .iter()
            .filter(|(l, s)| matches_all(l, matchers) && has_sample_in(s, mint, maxt))
            .map(|(l, s)| (l.clone(), s.clone()))
            .collect()
    }
}

impl Querier for MemQuerier {
    fn select<'a>(&'a self, matchers: &[Matcher], hints: &SelectHints) -> Result<SeriesSet<'a>> {
        let mint = hints.start.max(self.mint);
        let maxt = hints.end.min(self.maxt);
        let found = self.matching(matchers, mint, maxt);
        Ok(Box::new(found.into_iter().map(move |(labels, samples)| {
            Ok(Box::new(MemSeries {
                labels,
                samples,
                mint,
                maxt,
            }) as Box<dyn Series>)
        })))
    }

    fn label_values(&self, name: &str, matchers: &[Matcher]) -> Result<Vec<String>> {
        let mut out = BTreeSet::new();
        for (l, _) in self.matching(matchers, self.mint, self.maxt) {
            if let Some(v) = l.get(name) {
                out.insert(v.to_string());
            }
        }
        Ok(out.into_iter().collect())
    }

    fn label_names(&self, matchers: &[Matcher]) -> Result<Vec<String>> {
        let mut out = BTreeSet::new();
        for (l, _) in self.matching(matchers, self.mint, self.maxt) {
            for lab in l.iter() {
                out.insert(lab.name.to_string());
            }
        }
        Ok(out.into_iter().collect())
    }
}

impl StorageAdmin for MemStorage {
    fn delete_series(&self, matchers: &[Matcher], mint: i64, maxt: i64) -> Result<()> {
        let mut inner = self.inner.write();
        for (l, s) in inner.series.iter_mut() {
            if matches_all(l, matchers) {
                Arc::make_mut(s).retain(|x| x.t < mint || x.t > maxt);
            }
        }
        inner.series.retain(|_, s| !s.is_empty());
        Ok(())
    }

    fn clean_tombstones(&self) -> Result<()> {
        Ok(())
    }

    fn stats(&self, limit: usize) -> Result<TsdbStats> {
        let inner = self.inner.read();
        let mut by_name: HashMap<String, u64> = HashMap::new();
        let mut values_by_label: HashMap<String, BTreeSet<String>> = HashMap::new();
        let mut bytes_by_label: HashMap<String, u64> = HashMap::new();
        let mut by_pair: HashMap<String, u64> = HashMap::new();
        let (mut mint, mut maxt) = (i64::MAX, i64::MIN);
        for (l, s) in &inner.series {
            if let (Some(f), Some(last)) = (s.first(), s.last()) {
                mint = mint.min(f.t);
                maxt = maxt.max(last.t);
            }
            *by_name
                .entry(l.metric_name().unwrap_or("").to_string())
                .or_default() += 1;
            for lab in l.iter() {
                if values_by_label
                    .entry(lab.name.to_string())
                    .or_default()
                    .insert(lab.value.to_string())
                {
                    *bytes_by_label.entry(lab.name.to_string()).or_default() +=
                        lab.value.len() as u64;
                }
                *by_pair
                    .entry(format!("{}={}", lab.name, lab.value))
                    .or_default() += 1;
            }
        }
        let top = |m: HashMap<String, u64>| {
            let mut v: Vec<StatEntry> = m
                .into_iter()
                .map(|(name, value)| StatEntry { name, value })
                .collect();
            v.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.name.cmp(&b.name)));
            v.truncate(limit);
            v
        };
        let num_label_pairs = by_pair.len() as u64;
        Ok(TsdbStats {
            head: HeadStats {
                num_series: inner.series.len() as u64,
                num_label_pairs,
                chunk_count: 0,
                min_time: mint,
                max_time: maxt,
            },
            series_count_by_metric_name: top(by_name),
            label_value_count_by_label_name: top(values_by_label
                .into_iter()
                .map(|(k, v)| (k, v.len() as u64))
                .collect()),
            memory_in_bytes_by_label_name: top(bytes_by_label),
            series_count_by_label_value_pair: top(by_pair),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use promlite_model::MatchOp;

    fn lbl(pairs: &[(&str, &str)]) -> Labels {
        Labels::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn append_rules_match_prometheus() {
        let db = MemStorage::new();
        let a = lbl(&[("__name__", "x")]);
        let mut app = db.appender();
        app.append(None, &a, 10, 1.0).unwrap();
        assert_eq!(
            app.append(None, &a, 5, 1.0),
            Err(StorageError::OutOfOrderSample)
        );
        assert_eq!(
            app.append(None, &a, 10, 2.0),
            Err(StorageError::DuplicateSampleForTimestamp)
        );
        app.append(None, &a, 10, 1.0).unwrap(); // exact duplicate: ignored
        app.commit().unwrap();
        assert_eq!(db.num_samples(), 1);
        let mut app = db.appender();
        assert_eq!(
            app.append(None, &a, 9, 1.0),
            Err(StorageError::OutOfOrderSample)
        );
        app.append(None, &a, 20, 1.0).unwrap();
        app.rollback().unwrap();
        app.commit().unwrap();
        assert_eq!(db.num_samples(), 1);
    }

    #[test]
    fn select_sorts_and_filters_by_time_and_matchers() {
        let db = MemStorage::new();
        let mut app = db.appender();
        for (i, job) in ["b", "a", "c"].iter().enumerate() {
            let l = lbl(&[("__name__", "up"), ("job", job)]);
            app.append(None, &l, 100 * i as i64, 1.0).unwrap();
        }
        app.commit().unwrap();
        let q = db.querier(0, 1000).unwrap();
        let m = [Matcher::new(MatchOp::RegexMatch, "job", "a|b|c").unwrap()];
        let got =
            crate::collect_samples(q.select(&m, &SelectHints::range(0, 1000)).unwrap(), 0, 1000)
                .unwrap();
        let jobs: Vec<_> = got
            .iter()
            .map(|(l, _)| l.get("job").unwrap().to_string())
            .collect();
        assert_eq!(jobs, ["a", "b", "c"]);
        let got = q.select(&m, &SelectHints::range(50, 1000)).unwrap().count();
        assert_eq!(got, 2);
        assert_eq!(q.label_values("job", &[]).unwrap(), ["a", "b", "c"]);
        assert_eq!(q.label_names(&[]).unwrap(), ["__name__", "job"]);
    }

    #[test]
    fn iterator_seek_never_goes_back() {
        let s: Vec<Sample> = (0..10).map(|i| Sample::new(i * 10, i as f64)).collect();
        let mut it = VecSampleIterator::new(&s, 0, 100);
        assert_eq!(it.seek(35).unwrap().map(|s| s.t), Some(40));
        assert_eq!(it.seek(0).unwrap().map(|s| s.t), Some(50));
        assert_eq!(it.seek(1000).unwrap(), None);
    }

    #[test]
    fn delete_and_stats() {
        let db = MemStorage::new();
        let mut app = db.appender();
        let a = lbl(&[("__name__", "x"), ("i", "1")]);
        let b = lbl(&[("__name__", "x"), ("i", "2")]);
        for t in 0..10 {
            app.append(None, &a, t, 1.0).unwrap();
            app.append(None, &b, t, 1.0).unwrap();
        }
        app.commit().unwrap();
        db.delete_series(&[Matcher::equal("i", "1")], 0, 4).unwrap();
        assert_eq!(db.num_samples(), 15);
        let st = db.stats(10).unwrap();
        assert_eq!(st.head.num_series, 2);
        assert_eq!(
            st.series_count_by_metric_name[0],
            StatEntry {
                name: "x".into(),
                value: 2
            }
        );
        assert_eq!((st.head.min_time, st.head.max_time), (0, 9));
    }
}
