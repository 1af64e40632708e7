//! Warnings and info annotations in Prometheus's wording, deduplicated by message as
//! Prometheus does.

use crate::format::go_fmt_g;

/// Whether an annotation is a warning or an info.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnnotationKind {
    Warning,
    Info,
}

/// A collected annotation (its full text starts with `PromQL warning:`/`PromQL info:`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Annotation {
    pub kind: AnnotationKind,
    pub message: String,
}

/// The annotations of one query, in first-seen order, without duplicates.
#[derive(Clone, Debug, Default)]
pub(crate) struct Annotations {
    items: Vec<Annotation>,
}

impl Annotations {
    pub(crate) fn add(&mut self, a: Annotation) {
        if !self.items.iter().any(|x| x.message == a.message) {
            self.items.push(a);
        }
    }

    /// Warnings and infos as strings.
    pub(crate) fn split(&self) -> (Vec<String>, Vec<String>) {
        let mut w = Vec::new();
        let mut i = Vec::new();
        for a in &self.items {
            match a.kind {
                AnnotationKind::Warning => w.push(a.message.clone()),
                AnnotationKind::Info => i.push(a.message.clone()),
            }
        }
        (w, i)
    }
}

fn warn(msg: String) -> Annotation {
    Annotation {
        kind: AnnotationKind::Warning,
        message: format!("PromQL warning: {msg}"),
    }
}

fn info(msg: String) -> Annotation {
    Annotation {
        kind: AnnotationKind::Info,
        message: format!("PromQL info: {msg}"),
    }
}

/// Go's `%q` of a string.
fn q(s: &str) -> String {
    promlite_model::go_quote(s)
}

/// ` for metric name "x"` when the name is known.
fn for_metric_name(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!(" for metric name {}", q(name))
    }
}

pub(crate) fn invalid_quantile(q_val: f64) -> Annotation {
    warn(format!(
        "quantile value should be between 0 and 1, got {}",
        go_fmt_g(q_val)
    ))
}

pub(crate) fn invalid_ratio(r: f64, to: f64) -> Annotation {
    warn(format!(
        "ratio value should be between -1 and 1, got {}, capping to {}",
        go_fmt_g(r),
        go_fmt_g(to)
    ))
}

pub(crate) fn bad_bucket_label(metric_name: &str, le: &str) -> Annotation {
    warn(format!(
        "bucket label \"le\" is missing or has a malformed value of {}{}",
        q(le),
        for_metric_name(metric_name)
    ))
}

pub(crate) fn possible_non_counter(metric_name: &str) -> Annotation {
    info(format!(
        "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: {}",
        q(metric_name)
    ))
}

pub(crate) fn forced_monotonicity(metric_name: &str) -> Annotation {
    info(format!(
        "input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile){}",
        for_metric_name(metric_name)
    ))
}

pub(crate) fn incompatible_types_in_binop(op: &str, lhs: &str, rhs: &str) -> Annotation {
    info(format!(
        "incompatible sample types encountered for binary operator {}: {lhs} {op} {rhs}",
        q(op)
    ))
}

pub(crate) fn sort_in_range_query() -> Annotation {
    warn("sort is ineffective for range queries since results are always ordered by labels".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_matches_prometheus() {
        assert_eq!(
            invalid_quantile(f64::NAN).message,
            "PromQL warning: quantile value should be between 0 and 1, got NaN"
        );
        assert_eq!(
            bad_bucket_label("series", "Hello World").message,
            "PromQL warning: bucket label \"le\" is missing or has a malformed value of \"Hello World\" for metric name \"series\""
        );
        assert_eq!(
            possible_non_counter("foo").message,
            "PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"foo\""
        );
        let mut a = Annotations::default();
        a.add(sort_in_range_query());
        a.add(sort_in_range_query());
        a.add(possible_non_counter("x"));
        let (w, i) = a.split();
        assert_eq!((w.len(), i.len()), (1, 1));
    }
}
