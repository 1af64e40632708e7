//! `ScrapeCache`: per-target memory between scrapes. Maps the exposed series text to its
//! final label set and storage reference (so a steady-state scrape never builds labels),
//! remembers series dropped by relabeling, and tracks which series each scrape saw so
//! the ones that vanish get staleness markers.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use promlite_model::{Labels, Metadata, MetricType};
use promlite_storage::SeriesRef;

type FastMap<K, V> = HashMap<K, V, ahash::RandomState>;

pub(crate) struct CacheEntry {
    pub(crate) series_ref: SeriesRef,
    pub(crate) last_iter: u64,
    pub(crate) labels: Labels,
}

/// Metadata of one metric family, with the scrape iteration it was last seen in.
#[derive(Clone, Debug)]
pub(crate) struct MetaEntry {
    pub(crate) meta: Metadata,
    pub(crate) last_iter: u64,
}

/// A target's metric metadata, shared with the API readers.
#[derive(Clone, Default)]
pub struct MetadataStore {
    inner: Arc<Mutex<HashMap<String, MetaEntry>>>,
}

impl std::fmt::Debug for MetadataStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetadataStore")
            .field("families", &self.inner.lock().len())
            .finish()
    }
}

impl MetadataStore {
    /// Every family's metadata, sorted by family name.
    pub fn list(&self) -> Vec<(String, Metadata)> {
        let mut v: Vec<(String, Metadata)> = self
            .inner
            .lock()
            .iter()
            .map(|(k, e)| (k.clone(), e.meta.clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// One family's metadata.
    pub fn get(&self, family: &str) -> Option<Metadata> {
        self.inner.lock().get(family).map(|e| e.meta.clone())
    }

    pub(crate) fn set_type(&self, family: &str, t: MetricType, iter: u64) {
        self.update(family, iter, |m| m.metric_type = t);
    }

    pub(crate) fn set_help(&self, family: &str, help: &str, iter: u64) {
        self.update(family, iter, |m| {
            if m.help != help {
                m.help = help.to_string();
            }
        });
    }

    pub(crate) fn set_unit(&self, family: &str, unit: &str, iter: u64) {
        self.update(family, iter, |m| {
            if m.unit != unit {
                m.unit = unit.to_string();
            }
        });
    }

    fn update(&self, family: &str, iter: u64, f: impl FnOnce(&mut Metadata)) {
        let mut map = self.inner.lock();
        let entry = match map.get_mut(family) {
            Some(e) => e,
            None => map.entry(family.to_string()).or_insert(MetaEntry {
                meta: Metadata::default(),
                last_iter: iter,
            }),
        };
        f(&mut entry.meta);
        entry.last_iter = iter;
    }

    fn len(&self) -> usize {
        self.inner.lock().len()
    }

    /// Forgets families not seen for more than 10 scrapes (as Prometheus does).
    fn expire(&self, iter: u64) {
        self.inner
            .lock()
            .retain(|_, e| iter.saturating_sub(e.last_iter) <= 10);
    }
}

#[derive(Default)]
pub(crate) struct ScrapeCache {
    pub(crate) iter: u64,
    successful_count: usize,
    series: FastMap<Box<[u8]>, CacheEntry>,
    dropped: FastMap<Box<[u8]>, u64>,
    series_cur: FastMap<SeriesRef, Labels>,
    series_prev: FastMap<SeriesRef, Labels>,
    pub(crate) metadata: MetadataStore,
}

/// What the cache knows about a series text.
pub(crate) enum Lookup {
    Hit {
        series_ref: SeriesRef,
        labels: Labels,
        /// Already seen earlier in this same scrape.
        already_scraped: bool,
    },
    Miss,
}

impl ScrapeCache {
    pub(crate) fn get(&mut self, raw: &[u8]) -> Lookup {
        match self.series.get_mut(raw) {
            Some(e) => {
                let already_scraped = e.last_iter == self.iter;
                e.last_iter = self.iter;
                Lookup::Hit {
                    series_ref: e.series_ref,
                    labels: e.labels.clone(),
                    already_scraped,
                }
            }
            None => Lookup::Miss,
        }
    }

    pub(crate) fn add(&mut self, raw: &[u8], series_ref: SeriesRef, labels: Labels) {
        self.series.insert(
            raw.into(),
            CacheEntry {
                series_ref,
                last_iter: self.iter,
                labels,
            },
        );
    }

    /// Points a cached series at a new reference (the storage recreated the series).
    pub(crate) fn update_ref(&mut self, raw: &[u8], series_ref: SeriesRef) {
        if let Some(e) = self.series.get_mut(raw) {
            if e.series_ref != series_ref {
                if let Some(l) = self.series_prev.remove(&e.series_ref) {
                    self.series_prev.insert(series_ref, l);
                }
                e.series_ref = series_ref;
            }
        }
    }

    pub(crate) fn is_dropped(&mut self, raw: &[u8]) -> bool {
        match self.dropped.get_mut(raw) {
            Some(iter) => {
                *iter = self.iter;
                true
            }
            None => false,
        }
    }

    pub(crate) fn add_dropped(&mut self, raw: &[u8]) {
        self.dropped.insert(raw.into(), self.iter);
    }

    pub(crate) fn track_staleness(&mut self, series_ref: SeriesRef, labels: &Labels) {
        self.series_cur.insert(series_ref, labels.clone());
    }

    /// Drops what the current (failed) scrape recorded for staleness tracking.
    pub(crate) fn forget_current(&mut self) {
        self.series_cur.clear();
    }

    /// Series seen in the previous scrape but not in this one.
    pub(crate) fn stale_series(&self) -> Vec<(SeriesRef, Labels)> {
        self.series_prev
            .iter()
            .filter(|(r, _)| !self.series_cur.contains_key(*r))
            .map(|(r, l)| (*r, l.clone()))
            .collect()
    }

    /// Ends a scrape. `flush` (after a successful, non-empty scrape) forgets entries not
    /// seen in it; a cache growing past twice its last good size plus 1000 is flushed
    /// anyway, so failing scrapes with churning labels cannot grow it without bound.
    /// Returns whether such a forced flush happened.
    pub(crate) fn iter_done(&mut self, mut flush: bool) -> bool {
        let count = self.series.len() + self.dropped.len() + self.metadata.len();
        let mut forced = false;
        if flush {
            self.successful_count = count;
        } else if count > self.successful_count * 2 + 1000 {
            flush = true;
            forced = true;
        }
        if flush {
            let iter = self.iter;
            self.series.retain(|_, e| e.last_iter == iter);
            self.dropped.retain(|_, i| *i == iter);
            self.metadata.expire(iter);
        }
        std::mem::swap(&mut self.series_prev, &mut self.series_cur);
        self.series_cur.clear();
        self.iter += 1;
        forced
    }

    /// Number of cached series texts.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.series.len()
    }
}
