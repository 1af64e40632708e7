//! `Labels`: an immutable, sorted label set packed into one shared allocation.
//!
//! Layout of the packed bytes: for each label in name order,
//! `varint(name.len()) name varint(value.len()) value`. One allocation per label set,
//! clone is an `Arc` increment, equality and hashing work on the raw bytes.
//! Labels with an empty value are never stored: in Prometheus an empty value is the
//! same as an absent label.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::quote::{go_quote, is_valid_legacy_label_name, is_valid_legacy_metric_name};

/// The label that holds the metric name.
pub const METRIC_NAME: &str = "__name__";

/// One borrowed label of a [`Labels`] set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label<'a> {
    pub name: &'a str,
    pub value: &'a str,
}

/// A sorted set of labels with unique names and non-empty values.
///
/// ```
/// use promlite_model::Labels;
/// let l = Labels::from_pairs([("job", "api"), ("__name__", "up"), ("empty", "")]);
/// assert_eq!(l.get("__name__"), Some("up"));
/// assert_eq!(l.len(), 2); // the empty value is dropped
/// assert_eq!(l.to_string(), r#"{__name__="up", job="api"}"#);
/// ```
#[derive(Clone)]
pub struct Labels {
    packed: Arc<[u8]>,
}

fn push_varint(out: &mut Vec<u8>, mut v: usize) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a varint from trusted packed bytes (written by `push_varint`).
#[inline]
fn read_varint(bytes: &[u8], pos: &mut usize) -> usize {
    let mut v = 0usize;
    let mut shift = 0;
    loop {
        let b = bytes[*pos];
        *pos += 1;
        v |= ((b & 0x7f) as usize) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

#[inline]
fn read_str<'a>(bytes: &'a [u8], pos: &mut usize) -> &'a str {
    let len = read_varint(bytes, pos);
    let s = &bytes[*pos..*pos + len];
    *pos += len;
    // SAFETY: packed bytes are only ever built from `&str` pieces by `Labels::from_sorted_unique`,
    // with boundaries recorded by the varint lengths, so every piece is valid UTF-8.
    unsafe { std::str::from_utf8_unchecked(s) }
}

impl Labels {
    /// The empty label set.
    pub fn empty() -> Labels {
        thread_local! {
            static EMPTY: Labels = Labels { packed: Arc::from(Vec::new()) };
        }
        EMPTY.with(|e| e.clone())
    }

    /// Builds a label set from pairs in any order. Empty values are dropped; when a name
    /// repeats, the last value wins.
    pub fn from_pairs<I, K, V>(pairs: I) -> Labels
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut v: Vec<(K, V)> = pairs.into_iter().collect();
        // Stable sort keeps input order among equal names, so "last wins" below is well defined.
        v.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
        let mut out: Vec<(&str, &str)> = Vec::with_capacity(v.len());
        for (k, val) in &v {
            let (k, val) = (k.as_ref(), val.as_ref());
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 = val,
                _ => out.push((k, val)),
            }
        }
        Labels::from_sorted_unique(out.into_iter())
    }

    /// Builds from pairs already sorted by name with unique names. Empty values are dropped.
    pub fn from_sorted_unique<'a, I>(pairs: I) -> Labels
    where
        I: Iterator<Item = (&'a str, &'a str)>,
    {
        let mut buf = Vec::with_capacity(64);
        let mut prev: Option<&str> = None;
        for (k, v) in pairs {
            debug_assert!(
                prev.is_none_or(|p| p < k),
                "labels not sorted/unique at {k:?}"
            );
            prev = Some(k);
            if v.is_empty() {
                continue;
            }
            push_varint(&mut buf, k.len());
            buf.extend_from_slice(k.as_bytes());
            push_varint(&mut buf, v.len());
            buf.extend_from_slice(v.as_bytes());
        }
        Labels {
            packed: Arc::from(buf),
        }
    }

    /// Iterates labels in name order.
    #[inline]
    pub fn iter(&self) -> LabelsIter<'_> {
        LabelsIter {
            bytes: &self.packed,
            pos: 0,
        }
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.packed.is_empty()
    }

    /// The value of label `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        for l in self.iter() {
            match l.name.cmp(name) {
                Ordering::Less => continue,
                Ordering::Equal => return Some(l.value),
                Ordering::Greater => return None,
            }
        }
        None
    }

    /// The value of label `name`, or `""` when absent (Prometheus's matcher semantics).
    pub fn get_or_empty(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The metric name (`__name__`), if present.
    pub fn metric_name(&self) -> Option<&str> {
        self.get(METRIC_NAME)
    }

    /// The packed representation; stable across versions (used for hashing).
    pub fn packed_bytes(&self) -> &[u8] {
        &self.packed
    }

    /// A stable 64-bit hash of the whole label set (xxh3 over the packed bytes).
    pub fn stable_hash(&self) -> u64 {
        xxhash_rust::xxh3::xxh3_64(&self.packed)
    }

    /// Hash of only the labels named in `names` (sorted or not); used for `by (...)` grouping
    /// and `on (...)` matching without allocating a new label set.
    pub fn hash_for_names(&self, names: &[impl AsRef<str>]) -> u64 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for l in self.iter() {
            if names.iter().any(|n| n.as_ref() == l.name) {
                h.update(l.name.as_bytes());
                h.update(&[0xff]);
                h.update(l.value.as_bytes());
                h.update(&[0xff]);
            }
        }
        h.digest()
    }

    /// Hash of all labels except those in `names` and except `__name__`; used for
    /// `without (...)` grouping and `ignoring (...)` matching.
    pub fn hash_without_names(&self, names: &[impl AsRef<str>]) -> u64 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for l in self.iter() {
            if l.name == METRIC_NAME || names.iter().any(|n| n.as_ref() == l.name) {
                continue;
            }
            h.update(l.name.as_bytes());
            h.update(&[0xff]);
            h.update(l.value.as_bytes());
            h.update(&[0xff]);
        }
        h.digest()
    }

    /// A new set keeping only the labels named in `names`.
    pub fn keep_names(&self, names: &[impl AsRef<str>]) -> Labels {
        Labels::from_sorted_unique(
            self.iter()
                .filter(|l| names.iter().any(|n| n.as_ref() == l.name))
                .map(|l| (l.name, l.value)),
        )
    }

    /// A new set without the labels named in `names` (and keeping `__name__` only if
    /// `keep_metric_name`).
    pub fn drop_names(&self, names: &[impl AsRef<str>], keep_metric_name: bool) -> Labels {
        Labels::from_sorted_unique(
            self.iter()
                .filter(|l| {
                    (keep_metric_name || l.name != METRIC_NAME)
                        && !names.iter().any(|n| n.as_ref() == l.name)
                })
                .map(|l| (l.name, l.value)),
        )
    }

    /// The same set without `__name__`; returns a cheap clone when there is none.
    pub fn without_metric_name(&self) -> Labels {
        if self.metric_name().is_none() {
            return self.clone();
        }
        Labels::from_sorted_unique(
            self.iter()
                .filter(|l| l.name != METRIC_NAME)
                .map(|l| (l.name, l.value)),
        )
    }

    /// A builder starting from this set.
    pub fn builder(&self) -> LabelsBuilder {
        LabelsBuilder::from(self)
    }

    /// Owned `(name, value)` pairs in order.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        self.iter()
            .map(|l| (l.name.to_string(), l.value.to_string()))
            .collect()
    }

    /// Approximate heap bytes held by this set (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.packed.len() + 16
    }

    /// Text form used by Prometheus for series in errors: `{__name__="up", job="x"}`.
    /// Names that are not legacy-valid are quoted.
    pub fn write_prom_string(&self, out: &mut String) {
        out.push('{');
        for (i, l) in self.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if is_valid_legacy_label_name(l.name) {
                out.push_str(l.name);
            } else {
                out.push_str(&go_quote(l.name));
            }
            out.push('=');
            out.push_str(&go_quote(l.value));
        }
        out.push('}');
    }

    /// The PromQL selector form: `up{job="x"}`, or `{"my.metric", job="x"}` for a
    /// name that needs quoting.
    pub fn to_selector_string(&self) -> String {
        let mut out = String::new();
        let name = self.metric_name();
        let mut first = true;
        match name {
            Some(n) if is_valid_legacy_metric_name(n) => out.push_str(n),
            Some(n) => {
                out.push('{');
                out.push_str(&go_quote(n));
                first = false;
            }
            None => {}
        }
        let rest: Vec<Label<'_>> = self.iter().filter(|l| l.name != METRIC_NAME).collect();
        if rest.is_empty() {
            if !first {
                out.push('}');
            } else if name.is_none() {
                out.push_str("{}");
            }
            return out;
        }
        if first {
            out.push('{');
        }
        for l in rest {
            if !first {
                out.push_str(", ");
            }
            first = false;
            if is_valid_legacy_label_name(l.name) {
                out.push_str(l.name);
            } else {
                out.push_str(&go_quote(l.name));
            }
            out.push('=');
            out.push_str(&go_quote(l.value));
        }
        out.push('}');
        out
    }
}

impl Default for Labels {
    fn default() -> Self {
        Labels::empty()
    }
}

impl PartialEq for Labels {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.packed, &other.packed) || self.packed[..] == other.packed[..]
    }
}
impl Eq for Labels {}

impl Hash for Labels {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(&self.packed);
    }
}

impl Ord for Labels {
    /// Prometheus's order: label by label, name then value, a prefix sorts first.
    fn cmp(&self, other: &Self) -> Ordering {
        if Arc::ptr_eq(&self.packed, &other.packed) {
            return Ordering::Equal;
        }
        let mut a = self.iter();
        let mut b = other.iter();
        loop {
            match (a.next(), b.next()) {
                (None, None) => return Ordering::Equal,
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
                (Some(x), Some(y)) => {
                    let c = x.name.cmp(y.name).then_with(|| x.value.cmp(y.value));
                    if c != Ordering::Equal {
                        return c;
                    }
                }
            }
        }
    }
}
impl PartialOrd for Labels {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write_prom_string(&mut s);
        f.write_str(&s)
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Iterator over the labels of a [`Labels`] set.
pub struct LabelsIter<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for LabelsIter<'a> {
    type Item = Label<'a>;
    #[inline]
    fn next(&mut self) -> Option<Label<'a>> {
        if self.pos >= self.bytes.len() {
            return None;
        }
        let name = read_str(self.bytes, &mut self.pos);
        let value = read_str(self.bytes, &mut self.pos);
        Some(Label { name, value })
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = Label<'a>;
    type IntoIter = LabelsIter<'a>;
    fn into_iter(self) -> LabelsIter<'a> {
        self.iter()
    }
}

/// Edits a label set: set, delete, keep; then [`LabelsBuilder::build`] packs it once.
#[derive(Clone, Debug, Default)]
pub struct LabelsBuilder {
    pairs: Vec<(String, String)>,
}

impl From<&Labels> for LabelsBuilder {
    fn from(l: &Labels) -> Self {
        LabelsBuilder {
            pairs: l.to_pairs(),
        }
    }
}

impl LabelsBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` to `value`; an empty value deletes the label.
    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        match self.pairs.binary_search_by(|p| p.0.as_str().cmp(name)) {
            Ok(i) => {
                if value.is_empty() {
                    self.pairs.remove(i);
                } else {
                    self.pairs[i].1 = value.to_string();
                }
            }
            Err(i) => {
                if !value.is_empty() {
                    self.pairs.insert(i, (name.to_string(), value.to_string()));
                }
            }
        }
        self
    }

    pub fn del(&mut self, name: &str) -> &mut Self {
        self.pairs.retain(|p| p.0 != name);
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .binary_search_by(|p| p.0.as_str().cmp(name))
            .ok()
            .map(|i| self.pairs[i].1.as_str())
    }

    /// Keeps only labels whose name satisfies `f`.
    pub fn retain(&mut self, mut f: impl FnMut(&str, &str) -> bool) -> &mut Self {
        self.pairs.retain(|p| f(&p.0, &p.1));
        self
    }

    /// The labels currently set, in name order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    pub fn build(&self) -> Labels {
        Labels::from_sorted_unique(self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_deduplicated() {
        let l = Labels::from_pairs([("b", "2"), ("a", "1"), ("b", "3")]);
        let v: Vec<_> = l.iter().map(|l| (l.name, l.value)).collect();
        assert_eq!(v, vec![("a", "1"), ("b", "3")]);
        assert_eq!(l.get("b"), Some("3"));
        assert_eq!(l.get("c"), None);
        assert_eq!(l.get_or_empty("c"), "");
    }

    #[test]
    fn order_matches_prometheus() {
        let a = Labels::from_pairs([("a", "1")]);
        let ab = Labels::from_pairs([("a", "1"), ("b", "1")]);
        let a2 = Labels::from_pairs([("a", "2")]);
        let b = Labels::from_pairs([("b", "0")]);
        assert!(a < ab);
        assert!(ab < a2);
        assert!(a2 < b);
        assert!(Labels::empty() < a);
    }

    #[test]
    fn builder_set_delete() {
        let l = Labels::from_pairs([("x", "1"), ("y", "2")]);
        let mut b = l.builder();
        b.set("z", "3").set("x", "").del("y");
        assert_eq!(b.build(), Labels::from_pairs([("z", "3")]));
    }

    #[test]
    fn long_values_use_multibyte_varints() {
        let long = "v".repeat(300);
        let l = Labels::from_pairs([("k", long.as_str()), ("a", "1")]);
        assert_eq!(l.get("k"), Some(long.as_str()));
        assert_eq!(l.get("a"), Some("1"));
    }

    #[test]
    fn display_and_selector_forms() {
        let l = Labels::from_pairs([("__name__", "up"), ("job", "a\"b")]);
        assert_eq!(l.to_string(), r#"{__name__="up", job="a\"b"}"#);
        assert_eq!(l.to_selector_string(), r#"up{job="a\"b"}"#);
        let q = Labels::from_pairs([("__name__", "my.metric"), ("a.b", "x")]);
        assert_eq!(q.to_selector_string(), r#"{"my.metric", "a.b"="x"}"#);
        assert_eq!(Labels::empty().to_selector_string(), "{}");
    }

    #[test]
    fn grouping_hashes_ignore_other_labels() {
        let a = Labels::from_pairs([("__name__", "m"), ("job", "j"), ("i", "1")]);
        let b = Labels::from_pairs([("__name__", "n"), ("job", "j"), ("i", "2")]);
        assert_eq!(a.hash_for_names(&["job"]), b.hash_for_names(&["job"]));
        assert_ne!(a.hash_for_names(&["i"]), b.hash_for_names(&["i"]));
        assert_eq!(a.hash_without_names(&["i"]), b.hash_without_names(&["i"]));
        assert_eq!(
            a.drop_names(&["i"], false),
            Labels::from_pairs([("job", "j")])
        );
        assert_eq!(a.keep_names(&["i"]), Labels::from_pairs([("i", "1")]));
    }
}
