//! The dynamic values templates compute with, each standing for the Go type Prometheus
//! would use (`float64`, `map[string]string`, `*template.sample`, ...), so type names
//! in error messages, truthiness and printing match Go's.

use std::collections::BTreeMap;
use std::sync::Arc;

/// One element of a `query` result: `*template.sample` in Prometheus.
#[derive(Clone, Debug, PartialEq)]
pub struct QuerySample {
    /// The series' labels, `__name__` included.
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// The data an alert's labels and annotations are expanded with
/// (`.Labels`, `.ExternalLabels`, `.ExternalURL`, `.Value`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertTemplateData {
    pub labels: BTreeMap<String, String>,
    pub external_labels: BTreeMap<String, String>,
    pub external_url: String,
    pub value: f64,
}

/// A template value. `Nil` is Go's nil interface (printed as `<no value>` by an action).
#[derive(Clone, Debug)]
pub enum Value {
    Nil,
    Bool(bool),
    /// Go `int`.
    Int(i64),
    Int64(i64),
    Uint64(u64),
    Float(f64),
    Str(Arc<str>),
    /// `html/template.HTML`, from `safeHtml`.
    Html(Arc<str>),
    /// `map[string]string` (labels).
    StrMap(Arc<BTreeMap<String, String>>),
    /// `map[string]interface {}` (from `args`).
    AnyMap(Arc<BTreeMap<String, Value>>),
    /// The alert template data struct.
    Alert(Arc<AlertTemplateData>),
    /// `*template.sample`; `None` is a nil pointer.
    Sample(Option<Arc<QuerySample>>),
    /// `template.queryResult`.
    QueryResult(Arc<Vec<Arc<QuerySample>>>),
    /// `*time.Time`, as Unix nanoseconds (always UTC).
    Time(i128),
    /// `*time.Duration`, in nanoseconds.
    Duration(i64),
    /// A slice `[]T` whose elements share the Go type named `elem_type`.
    Slice {
        elem_type: &'static str,
        items: Arc<Vec<Value>>,
    },
}

impl Value {
    pub fn str(s: impl Into<Arc<str>>) -> Value {
        Value::Str(s.into())
    }

    /// Go's `%T` name of the value's type.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Int64(_) => "int64".into(),
            Value::Uint64(_) => "uint64".into(),
            Value::Float(_) => "float64".into(),
            Value::Str(_) => "string".into(),
            Value::Html(_) => "template.HTML".into(),
            Value::StrMap(_) => "map[string]string".into(),
            Value::AnyMap(_) => "map[string]interface {}".into(),
            Value::Alert(_) => "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }".into(),
            Value::Sample(_) => "*template.sample".into(),
            Value::QueryResult(_) => "template.queryResult".into(),
            Value::Time(_) => "*time.Time".into(),
            Value::Duration(_) => "*time.Duration".into(),
            Value::Slice { elem_type, .. } => format!("[]{elem_type}"),
        }
    }

    /// Go's template truth: non-zero numbers, non-empty strings/maps/slices, non-nil
    /// pointers, any struct.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Uint64(u) => *u != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) | Value::Html(s) => !s.is_empty(),
            Value::StrMap(m) => !m.is_empty(),
            Value::AnyMap(m) => !m.is_empty(),
            Value::Alert(_) => true,
            Value::Sample(s) => s.is_some(),
            Value::QueryResult(v) => !v.is_empty(),
            Value::Time(_) | Value::Duration(_) => true,
            Value::Slice { items, .. } => !items.is_empty(),
        }
    }

    /// The length `len` reports, for types that have one.
    pub fn length(&self) -> Option<usize> {
        match self {
            Value::Str(s) | Value::Html(s) => Some(s.len()),
            Value::StrMap(m) => Some(m.len()),
            Value::AnyMap(m) => Some(m.len()),
            Value::QueryResult(v) => Some(v.len()),
            Value::Slice { items, .. } => Some(items.len()),
            _ => None,
        }
    }

    /// Elements of a rangeable value as (key, element) pairs: index for slices, sorted
    /// keys for maps. `None` when the value cannot be ranged over.
    pub fn range_items(&self) -> Option<Vec<(Value, Value)>> {
        Some(match self {
            Value::Nil => Vec::new(),
            Value::StrMap(m) => m
                .iter()
                .map(|(k, v)| (Value::str(k.as_str()), Value::str(v.as_str())))
                .collect(),
            Value::AnyMap(m) => m
                .iter()
                .map(|(k, v)| (Value::str(k.as_str()), v.clone()))
                .collect(),
            Value::QueryResult(v) => v
                .iter()
                .enumerate()
                .map(|(i, s)| (Value::Int(i as i64), Value::Sample(Some(s.clone()))))
                .collect(),
            Value::Slice { items, .. } => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::Int(i as i64), v.clone()))
                .collect(),
            Value::Int(n) | Value::Int64(n) => (0..(*n).max(0))
                .map(|i| (Value::Nil, Value::Int(i)))
                .collect(),
            _ => return None,
        })
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::str(s)
    }
}
