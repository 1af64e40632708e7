//! `MetadataStore`: a target's metric metadata (type, help, unit per family) as the
//! scrapes report it, shared with the API readers; families unseen for more than 10
//! scrapes are forgotten.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use promlite_model::{Metadata, MetricType};

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

    /// Marks the `families` families last seen in iteration `prev` as seen in `iter`;
    /// false (and nothing changed) when the store no longer has exactly that many.
    pub(crate) fn mark_seen_again(&self, prev: u64, families: usize, iter: u64) -> bool {
        let mut map = self.inner.lock();
        if map.values().filter(|e| e.last_iter == prev).count() != families {
            return false;
        }
        for e in map.values_mut().filter(|e| e.last_iter == prev) {
            e.last_iter = iter;
        }
        true
    }

    /// How many families were last seen in iteration `iter`.
    pub(crate) fn count_seen_in(&self, iter: u64) -> usize {
        self.inner
            .lock()
            .values()
            .filter(|e| e.last_iter == iter)
            .count()
    }

    /// Every family with its metadata and last iteration, sorted (for tests).
    #[cfg(test)]
    pub(crate) fn snapshot_with_iters(&self) -> Vec<(String, Metadata, u64)> {
        let mut v: Vec<(String, Metadata, u64)> = self
            .inner
            .lock()
            .iter()
            .map(|(k, e)| (k.clone(), e.meta.clone(), e.last_iter))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    pub(crate) fn len(&self) -> usize {
        self.inner.lock().len()
    }

    /// Forgets families not seen for more than 10 scrapes (as Prometheus does).
    pub(crate) fn expire(&self, iter: u64) {
        self.inner
            .lock()
            .retain(|_, e| iter.saturating_sub(e.last_iter) <= 10);
    }
}
