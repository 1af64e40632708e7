//! The head's inverted index: label name → value → roaring bitmap of series ids, plus the
//! bitmap of every id. New series are added under a write lock; appends to existing
//! series never touch it.

use std::collections::HashMap;

use promlite_model::Labels;
use roaring::RoaringBitmap;

use crate::error::Result;
use crate::query::postings::IndexView;

/// Maps keyed by label names and values: aHash, several times faster than SipHash on
/// these short strings (every new series looks up each of its label pairs).
type StrMap<V> = HashMap<Box<str>, V, ahash::RandomState>;

/// Postings of the head.
#[derive(Debug, Default)]
pub struct HeadIndex {
    postings: StrMap<StrMap<RoaringBitmap>>,
    all: RoaringBitmap,
}

impl HeadIndex {
    pub fn add(&mut self, id: u32, labels: &Labels) {
        for l in labels.iter() {
            let values = match self.postings.get_mut(l.name) {
                Some(v) => v,
                None => self.postings.entry(l.name.into()).or_default(),
            };
            match values.get_mut(l.value) {
                Some(b) => {
                    b.insert(id);
                }
                None => {
                    let mut b = RoaringBitmap::new();
                    b.insert(id);
                    values.insert(l.value.into(), b);
                }
            }
        }
        self.all.insert(id);
    }

    pub fn remove(&mut self, id: u32, labels: &Labels) {
        for l in labels.iter() {
            if let Some(values) = self.postings.get_mut(l.name) {
                if let Some(b) = values.get_mut(l.value) {
                    b.remove(id);
                    if b.is_empty() {
                        values.remove(l.value);
                    }
                }
                if values.is_empty() {
                    self.postings.remove(l.name);
                }
            }
        }
        self.all.remove(id);
    }

    pub fn num_series(&self) -> u64 {
        self.all.len()
    }

    /// Number of distinct name=value pairs.
    pub fn num_label_pairs(&self) -> u64 {
        self.postings.values().map(|v| v.len() as u64).sum()
    }

    /// Sorted label names.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.postings.keys().map(|k| k.to_string()).collect();
        v.sort();
        v
    }

    /// Values of `name` with their postings.
    pub fn values_with_postings(&self, name: &str) -> impl Iterator<Item = (&str, &RoaringBitmap)> {
        self.postings
            .get(name)
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, v)| (&**k, v)))
    }

    /// Every (name, value count) pair.
    pub fn names_with_value_counts(&self) -> impl Iterator<Item = (&str, &StrMap<RoaringBitmap>)> {
        self.postings.iter().map(|(k, v)| (&**k, v))
    }
}

impl IndexView for HeadIndex {
    fn all_postings(&self) -> Result<RoaringBitmap> {
        Ok(self.all.clone())
    }

    fn postings(&self, name: &str, value: &str) -> Result<RoaringBitmap> {
        Ok(self
            .postings
            .get(name)
            .and_then(|m| m.get(value))
            .cloned()
            .unwrap_or_default())
    }

    fn label_values(&self, name: &str) -> Result<Vec<String>> {
        let mut v: Vec<String> = self
            .postings
            .get(name)
            .map(|m| m.keys().map(|k| k.to_string()).collect())
            .unwrap_or_default();
        v.sort();
        Ok(v)
    }

    fn union_postings_where(
        &self,
        name: &str,
        prefix: Option<&str>,
        keep: &mut dyn FnMut(&str) -> bool,
    ) -> Result<RoaringBitmap> {
        let mut out = RoaringBitmap::new();
        if let Some(m) = self.postings.get(name) {
            for (v, b) in m {
                if prefix.is_none_or(|p| v.starts_with(p)) && keep(v) {
                    out |= b;
                }
            }
        }
        Ok(out)
    }
}
