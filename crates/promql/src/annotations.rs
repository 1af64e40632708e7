//! Warnings and info annotations in Prometheus's wording, deduplicated by message as
//! Prometheus does.

use promlite_promql_parser::Span;

use crate::format::go_fmt_g;

/// Whether an annotation is a warning or an info.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnnotationKind {
    Warning,
    Info,
}

/// A warning or info of a query.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    pub kind: AnnotationKind,
    /// Prometheus's text, starting with `PromQL warning:` or `PromQL info:`.
    pub message: String,
    /// Where in the query text the expression it is about was written.
    pub span: Option<Span>,
    /// For `histogram_quantile`'s monotonicity fix: what was fixed, merged over steps.
    pub(crate) monotonicity: Option<MonotonicityFix>,
}

/// The details Prometheus reports about forced bucket monotonicity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct MonotonicityFix {
    min_ts: i64,
    max_ts: i64,
    min_bucket: f64,
    max_bucket: f64,
    max_diff: f64,
    occurrences: usize,
}

impl MonotonicityFix {
    fn merge(&mut self, o: &MonotonicityFix) {
        self.min_ts = self.min_ts.min(o.min_ts);
        self.max_ts = self.max_ts.max(o.max_ts);
        self.min_bucket = self.min_bucket.min(o.min_bucket);
        self.max_bucket = self.max_bucket.max(o.max_bucket);
        self.max_diff = self.max_diff.max(o.max_diff);
        self.occurrences += o.occurrences;
    }

    /// `, from buckets 1 to 2, with a max diff of 0.5, over 3 samples from ... to ...`
    fn describe(&self) -> String {
        format!(
            ", from buckets {} to {}, with a max diff of {}, over {} samples from {} to {}",
            go_fmt_g(self.min_bucket),
            go_fmt_g(self.max_bucket),
            go_fmt_g_prec2(self.max_diff),
            self.occurrences,
            rfc3339_seconds(self.min_ts),
            rfc3339_seconds(self.max_ts)
        )
    }
}

/// Go's `%.2g`: two significant digits.
fn go_fmt_g_prec2(f: f64) -> String {
    if !f.is_finite() || f == 0.0 {
        return go_fmt_g(f);
    }
    let sci = format!("{f:.1e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (
            m.trim_end_matches('0').trim_end_matches('.'),
            e.parse::<i32>().unwrap_or(0),
        ),
        None => return sci,
    };
    if !(-4..2).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
    } else {
        // Round to two significant digits, then print without an exponent.
        let v: f64 = format!("{mantissa}e{exp}").parse().unwrap_or(f);
        crate::format::go_format_float_f(v)
    }
}

/// `time.Unix(ms / 1000, 0).UTC().Format(time.RFC3339)`.
fn rfc3339_seconds(ms: i64) -> String {
    let secs = ms / 1000;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = crate::functions::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

impl Annotation {
    /// The annotation about the expression at `span`.
    pub(crate) fn at(mut self, span: Span) -> Annotation {
        self.span = Some(span);
        self
    }

    /// The text Prometheus's HTTP API shows: the message followed by the `line:col` of the
    /// expression in `query` (as Prometheus 3.14's `AsStrings`).
    pub fn render(&self, query: &str) -> String {
        let detail = self.monotonicity.map(|m| m.describe()).unwrap_or_default();
        let Some(span) = self.span else {
            return format!("{}{detail}", self.message);
        };
        let pos = span.start as usize;
        let Some(before) = query.get(..pos) else {
            return format!("{}{detail} (invalid position)", self.message);
        };
        let (line, col) = match before.rfind('\n') {
            Some(nl) => (before.matches('\n').count() + 1, pos - nl),
            None => (1, pos + 1),
        };
        format!("{}{detail} ({line}:{col})", self.message)
    }
}

/// The annotations of one query, in first-seen order, without duplicates.
#[derive(Clone, Debug, Default)]
pub(crate) struct Annotations {
    items: Vec<Annotation>,
}

impl Annotations {
    pub(crate) fn add(&mut self, a: Annotation) {
        match self.items.iter_mut().find(|x| x.message == a.message) {
            Some(x) => {
                // Prometheus keeps the latest position, and merges monotonicity details.
                if a.span.is_some() {
                    x.span = a.span;
                }
                if let (Some(m), Some(n)) = (x.monotonicity.as_mut(), a.monotonicity.as_ref()) {
                    m.merge(n);
                }
            }
            None => self.items.push(a),
        }
    }

    pub(crate) fn into_vec(self) -> Vec<Annotation> {
        self.items
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
        span: None,
        monotonicity: None,
    }
}

fn info(msg: String) -> Annotation {
    Annotation {
        kind: AnnotationKind::Info,
        message: format!("PromQL info: {msg}"),
        span: None,
        monotonicity: None,
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

pub(crate) fn forced_monotonicity(
    metric_name: &str,
    t: i64,
    fix: &crate::functions::histogram::QuantileFix,
) -> Annotation {
    let mut a = info(format!(
        "input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile){}",
        for_metric_name(metric_name)
    ));
    a.monotonicity = Some(MonotonicityFix {
        min_ts: t,
        max_ts: t,
        min_bucket: fix.min_bucket,
        max_bucket: fix.max_bucket,
        max_diff: fix.max_diff,
        occurrences: 1,
    });
    a
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

    #[test]
    fn positions_and_monotonicity_details_render_like_the_api() {
        let a = possible_non_counter("foo").at(Span::new(5, 12));
        assert_eq!(
            a.render("rate(foo[5m])"),
            "PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"foo\" (1:6)"
        );
        assert_eq!(
            a.render("x +\n rate(foo[5m])")
                .rsplit_once(' ')
                .map(|x| x.1),
            Some("(2:2)")
        );
        let fix = crate::functions::histogram::QuantileFix {
            forced_monotonic: true,
            min_bucket: 1.0,
            max_bucket: 2.5,
            max_diff: 123.0,
        };
        let mut all = Annotations::default();
        all.add(forced_monotonicity("", 60_000, &fix).at(Span::new(0, 1)));
        all.add(forced_monotonicity("", 120_000, &fix).at(Span::new(0, 1)));
        let v = all.into_vec();
        assert_eq!(v.len(), 1);
        assert!(v[0].render("x").ends_with(
            ", from buckets 1 to 2.5, with a max diff of 1.2e+02, over 2 samples from 1970-01-01T00:01:00Z to 1970-01-01T00:02:00Z (1:1)"
        ), "{}", v[0].render("x"));
        assert_eq!(go_fmt_g_prec2(0.5), "0.5");
        assert_eq!(go_fmt_g_prec2(12.0), "12");
        assert_eq!(go_fmt_g_prec2(0.123), "0.12");
    }
}
