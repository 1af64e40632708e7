//! `GET /federate`: the newest sample (within the lookback delta) of every series
//! matching `match[]`, in the text exposition format 0.0.4, with external labels
//! attached, like Prometheus's federation handler.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use promlite_model::{is_stale_nan, is_valid_legacy_label_name, is_valid_legacy_metric_name};
use promlite_model::{Labels, METRIC_NAME};
use promlite_storage::SelectHints;

use crate::handlers::blocking;
use crate::json::format_go_g;
use crate::params::Form;
use crate::selectors::parse_metric_selector;
use crate::state::ApiState;

/// The content type Prometheus 3 negotiates for the text format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores";

fn plain_error(status: StatusCode, msg: impl std::fmt::Display) -> Response {
    let mut r = (status, format!("{msg}\n")).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// A name as the text format writes it under underscore escaping: legacy-valid names
/// unchanged, otherwise every character outside `[a-zA-Z0-9_:]` (and a leading digit)
/// replaced by `_`.
fn escape_name(name: &str, metric: bool) -> String {
    let valid = if metric {
        is_valid_legacy_metric_name(name)
    } else {
        is_valid_legacy_label_name(name)
    };
    if valid {
        return name.to_string();
    }
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            let ok =
                c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit());
            if ok {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn push_label_value(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// One federated sample.
struct Latest {
    labels: Labels,
    t: i64,
    v: f64,
}

/// Renders samples (already sorted by metric name) as the text format.
fn render(samples: &[Latest], external: &Labels) -> String {
    // Prometheus always attaches `instance`, empty when there is none to attach, so
    // federated series never inherit the federating server's scrape instance.
    let mut ext: Vec<(&str, &str)> = external.iter().map(|l| (l.name, l.value)).collect();
    if !ext.iter().any(|(n, _)| *n == "instance") {
        ext.push(("instance", ""));
        ext.sort();
    }
    let mut out = String::with_capacity(samples.len() * 96);
    let mut last_name: Option<&str> = None;
    for s in samples {
        let Some(name) = s.labels.metric_name() else {
            continue; // nameless series cannot be exposed
        };
        let escaped = escape_name(name, true);
        if last_name != Some(name) {
            out.push_str("# TYPE ");
            out.push_str(&escaped);
            out.push_str(" untyped\n");
            last_name = Some(name);
        }
        out.push_str(&escaped);
        let mut first = true;
        let mut put = |out: &mut String, n: &str, v: &str| {
            out.push(if first { '{' } else { ',' });
            first = false;
            out.push_str(&escape_name(n, false));
            out.push_str("=\"");
            push_label_value(out, v);
            out.push('"');
        };
        for l in s.labels.iter().filter(|l| l.name != METRIC_NAME) {
            put(&mut out, l.name, l.value);
        }
        for (n, v) in &ext {
            if !s.labels.contains(n) {
                put(&mut out, n, v);
            }
        }
        if !first {
            out.push('}');
        }
        out.push(' ');
        out.push_str(&format_go_g(s.v));
        out.push(' ');
        out.push_str(&s.t.to_string());
        out.push('\n');
    }
    out
}

/// `GET /federate`.
pub async fn federate(State(st): State<ApiState>, form: Form) -> Response {
    if let Some(e) = &form.parse_error {
        return plain_error(
            StatusCode::BAD_REQUEST,
            format!("error parsing form values: {e}"),
        );
    }
    let mut sets = Vec::new();
    for m in form.values("match[]") {
        match parse_metric_selector(m) {
            Ok(s) => sets.push(s),
            Err(e) => return plain_error(StatusCode::BAD_REQUEST, e),
        }
    }
    let maxt = st.now_ms();
    let mint = maxt.saturating_sub(st.inner.lookback_delta_ms);
    let queryable = st.inner.queryable.clone();
    let result = blocking(move || {
        let q = queryable.querier(mint, maxt)?;
        let hints = SelectHints::range(mint, maxt);
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for set in &sets {
            for s in q.select(set, &hints)? {
                let s = s?;
                if !seen.insert(s.labels().clone()) {
                    continue;
                }
                let samples = s.samples(mint, maxt)?;
                if let Some(last) = samples.last() {
                    // Exposition formats cannot carry staleness markers.
                    if !is_stale_nan(last.v) {
                        out.push(Latest {
                            labels: s.labels().clone(),
                            t: last.t,
                            v: last.v,
                        });
                    }
                }
            }
        }
        // Series come sorted by labels per set; Prometheus then orders by metric name
        // only (a stable sort), so equal names keep label order.
        out.sort_by(|a, b| {
            let key = |x: &Latest| x.labels.metric_name().unwrap_or("").to_string();
            key(a).cmp(&key(b)).then_with(|| a.labels.cmp(&b.labels))
        });
        Ok(out)
    })
    .await;
    match result {
        Ok(samples) => {
            let body = render(&samples, &st.inner.external_labels.get());
            let mut r = (StatusCode::OK, body).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(TEXT_FORMAT));
            r
        }
        Err(e) => plain_error(e.kind.status(), e.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_text_format_with_external_labels() {
        let samples = vec![
            Latest {
                labels: Labels::from_pairs([("__name__", "up"), ("job", "a\"b")]),
                t: 1000,
                v: 1.0,
            },
            Latest {
                labels: Labels::from_pairs([("__name__", "up"), ("instance", "x"), ("job", "c")]),
                t: 2000,
                v: 1e6,
            },
            Latest {
                labels: Labels::from_pairs([("__name__", "my.metric"), ("zone", "z")]),
                t: 3000,
                v: f64::NAN,
            },
        ];
        let ext = Labels::from_pairs([("cluster", "eu")]);
        assert_eq!(
            render(&samples, &ext),
            "# TYPE up untyped\n\
             up{job=\"a\\\"b\",cluster=\"eu\",instance=\"\"} 1 1000\n\
             up{instance=\"x\",job=\"c\",cluster=\"eu\"} 1e+06 2000\n\
             # TYPE my_metric untyped\n\
             my_metric{zone=\"z\",cluster=\"eu\",instance=\"\"} NaN 3000\n"
        );
    }
}
