//! The text of `promtool test rules` failures: alert lists (`[\n0:\n  Labels:{...}`),
//! sample lists (`{...} 1E+00, ...`), label sets, and the indentation promtool applies.

use promlite_model::{go_quote, is_valid_legacy_label_name};

use crate::template::format_float;

/// Label or annotation pairs sorted by name; empty values are kept (Prometheus keeps
/// them when it builds expected labels from a map).
pub(crate) type Pairs = Vec<(String, String)>;

/// One alert as compared: its labels and its annotations.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct LabelsAndAnnotations {
    pub labels: Pairs,
    pub annotations: Pairs,
}

/// One sample as compared: its labels and value.
#[derive(Clone, Debug)]
pub(crate) struct ParsedSample {
    pub labels: Pairs,
    pub value: f64,
}

/// `{name="value", ...}` as Prometheus's `labels.Labels.String()` prints it.
pub(crate) fn pairs_string(pairs: &Pairs) -> String {
    let mut out = String::from("{");
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if is_valid_legacy_label_name(name) {
            out.push_str(name);
        } else {
            out.push_str(&go_quote(name));
        }
        out.push('=');
        out.push_str(&go_quote(value));
    }
    out.push('}');
    out
}

/// Prefixes every line but the first with `indent`.
pub(crate) fn indent_lines(text: &str, indent: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(indent);
        }
        out.push_str(line);
    }
    out
}

fn alert_string(a: &LabelsAndAnnotations) -> String {
    format!(
        "Labels:{}\nAnnotations:{}",
        pairs_string(&a.labels),
        pairs_string(&a.annotations)
    )
}

/// A list of alerts: `[]`, or numbered entries with their labels and annotations.
pub(crate) fn alerts_string(alerts: &[LabelsAndAnnotations]) -> String {
    if alerts.is_empty() {
        return "[]".to_string();
    }
    let mut out = String::from("[");
    for (i, a) in alerts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            "\n{i}:{}",
            indent_lines(&format!("\n{}", alert_string(a)), "  ")
        ));
    }
    out.push_str("\n]");
    out
}

/// A list of samples: `nil`, or `{labels} value` joined by `, ` with the value in Go's
/// `%E` shortest form (`1E+00`).
pub(crate) fn samples_string(samples: &[ParsedSample]) -> String {
    if samples.is_empty() {
        return "nil".to_string();
    }
    samples
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                pairs_string(&s.labels),
                format_float(s.value, 'E', None)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Pairs {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn alert_lists_print_like_promtool() {
        assert_eq!(alerts_string(&[]), "[]");
        let a = LabelsAndAnnotations {
            labels: pairs(&[("alertname", "Down"), ("job", "x")]),
            annotations: pairs(&[("summary", "s \"q\"")]),
        };
        let b = LabelsAndAnnotations {
            labels: pairs(&[("alertname", "Down")]),
            annotations: Vec::new(),
        };
        assert_eq!(
            alerts_string(&[a, b]),
            "[\n0:\n  Labels:{alertname=\"Down\", job=\"x\"}\n  Annotations:{summary=\"s \\\"q\\\"\"},\n1:\n  Labels:{alertname=\"Down\"}\n  Annotations:{}\n]"
        );
    }

    #[test]
    fn sample_lists_print_like_promtool() {
        assert_eq!(samples_string(&[]), "nil");
        let s = |l: &[(&str, &str)], v| ParsedSample {
            labels: pairs(l),
            value: v,
        };
        assert_eq!(
            samples_string(&[s(&[("job", "a")], 1.0), s(&[], 0.055), s(&[], 1234.5)]),
            "{job=\"a\"} 1E+00, {} 5.5E-02, {} 1.2345E+03"
        );
        assert_eq!(
            samples_string(&[s(&[], f64::NAN), s(&[], f64::NEG_INFINITY)]),
            "{} NaN, {} -Inf"
        );
        assert_eq!(indent_lines("a\nb\nc", "  "), "a\n  b\n  c");
    }
}
