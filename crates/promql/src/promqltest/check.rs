//! Checking a query's outcome against an eval's expectations: values (with Prometheus's
//! 1e-6 relative tolerance), label sets, order, and annotations.

use promlite_model::{Labels, Sample};

use super::script::{EvalCmd, Expected, ExpectedSeries, Pattern};
use super::series::SeqValue;
use crate::functions::histogram::almost_equal;
use crate::value::{MatrixSeries, QueryResult, Value, VectorElement};

const EPSILON: f64 = 1e-6;

/// Checks the warnings and infos of a result.
pub(crate) fn check_annotations(cmd: &EvalCmd, r: &QueryResult) -> Result<(), String> {
    if cmd.warn_required && r.warnings.is_empty() {
        return Err("expected warnings but got none".into());
    }
    if cmd.info_required && r.infos.is_empty() {
        return Err("expected info annotations but got none".into());
    }
    check_kind("warn", &cmd.warns, &r.warnings)?;
    check_kind("info", &cmd.infos, &r.infos)?;
    if cmd.no_warn && !r.warnings.is_empty() {
        return Err(format!("unexpected warnings: {:?}", r.warnings));
    }
    if cmd.no_info && !r.infos.is_empty() {
        return Err(format!("unexpected infos: {:?}", r.infos));
    }
    Ok(())
}

fn check_kind(kind: &str, expected: &[Pattern], actual: &[String]) -> Result<(), String> {
    if expected.is_empty() {
        return Ok(());
    }
    if actual.is_empty() {
        return Err(format!("expected {kind} annotations but none were found"));
    }
    for e in expected {
        if !actual.iter().any(|a| e.matches(a)) {
            return Err(format!(
                "expected {kind} annotation matching {e} but found {actual:?}"
            ));
        }
    }
    for a in actual {
        if !expected.iter().any(|e| e.matches(a)) {
            return Err(format!("unexpected {kind} annotation {a:?}"));
        }
    }
    Ok(())
}

fn find<'a>(expected: &'a [ExpectedSeries], l: &Labels) -> Option<&'a ExpectedSeries> {
    expected.iter().find(|e| &e.labels == l)
}

fn first_float(e: &ExpectedSeries) -> Option<f64> {
    match e.values.first() {
        Some(SeqValue::Float(f)) => Some(*f),
        _ => None,
    }
}

/// Compares an instant vector (in result order).
pub(crate) fn compare_vector(cmd: &EvalCmd, v: &[VectorElement]) -> Result<(), String> {
    let expected: &[ExpectedSeries] = match &cmd.expected {
        Expected::Series(s) => s,
        Expected::Scalar(_) => return Err("expected scalar result, but got vector".into()),
        Expected::String(_) => return Err("expected string result, but got vector".into()),
    };
    for (i, el) in v.iter().enumerate() {
        let e = find(expected, &el.labels).ok_or_else(|| {
            format!(
                "unexpected metric {} in result, has value {}",
                el.labels, el.v
            )
        })?;
        if cmd.ordered && e.pos != i + 1 {
            return Err(format!(
                "expected metric {} at position {} but was at {}",
                el.labels,
                e.pos,
                i + 1
            ));
        }
        let want = first_float(e).ok_or_else(|| format!("no float expected for {}", el.labels))?;
        if !almost_equal(want, el.v, EPSILON) {
            return Err(format!(
                "expected {want} for {} but got {}",
                el.labels, el.v
            ));
        }
    }
    for e in expected {
        if !v.iter().any(|el| el.labels == e.labels) {
            return Err(format!("expected metric {} not found", e.labels));
        }
    }
    Ok(())
}

/// Compares a matrix whose expected points sit at `start + i*step` (up to `end`).
pub(crate) fn compare_matrix(
    cmd: &EvalCmd,
    m: &[MatrixSeries],
    start: i64,
    end: i64,
    step: i64,
) -> Result<(), String> {
    let expected: &[ExpectedSeries] = match &cmd.expected {
        Expected::Series(s) => s,
        Expected::Scalar(_) => return Err("expected scalar result, but got matrix".into()),
        Expected::String(_) => return Err("expected string result, but got matrix".into()),
    };
    if cmd.ordered {
        return Err("expected ordered result, but query returned a matrix".into());
    }
    check_sorted(m)?;
    for s in m {
        let e = find(expected, &s.labels).ok_or_else(|| {
            format!(
                "unexpected metric {} in result, has {}",
                s.labels,
                fmt_points(&s.samples)
            )
        })?;
        let mut want: Vec<Sample> = Vec::new();
        for (i, v) in e.values.iter().enumerate() {
            let t = start + i as i64 * step;
            if t > end {
                return Err(format!(
                    "expected {} points for {}, but query time range cannot return this many points",
                    e.values.len(),
                    e.labels
                ));
            }
            match v {
                SeqValue::Float(f) => want.push(Sample::new(t, *f)),
                SeqValue::Omitted => {}
                SeqValue::Histogram => {
                    return Err("histogram expectations are not supported".into())
                }
            }
        }
        if want.len() != s.samples.len() {
            return Err(format!(
                "expected {} points for {}, but got {}",
                want.len(),
                e.labels,
                fmt_points(&s.samples)
            ));
        }
        for (w, got) in want.iter().zip(&s.samples) {
            if w.t != got.t {
                return Err(format!(
                    "expected a point at {} for {}, but it was at {} ({})",
                    w.t,
                    e.labels,
                    got.t,
                    fmt_points(&s.samples)
                ));
            }
            if !almost_equal(got.v, w.v, EPSILON) {
                return Err(format!(
                    "expected {} at t={} for {}, but got {} ({})",
                    w.v,
                    w.t,
                    e.labels,
                    got.v,
                    fmt_points(&s.samples)
                ));
            }
        }
    }
    for e in expected {
        if !m.iter().any(|s| s.labels == e.labels) {
            return Err(format!("expected metric {} not found", e.labels));
        }
    }
    Ok(())
}

/// Range results must be sorted by labels.
pub(crate) fn check_sorted(m: &[MatrixSeries]) -> Result<(), String> {
    for w in m.windows(2) {
        if w[0].labels > w[1].labels {
            return Err(format!(
                "matrix results should always be sorted by labels, but {} sorts after {}",
                w[0].labels, w[1].labels
            ));
        }
    }
    Ok(())
}

fn fmt_points(p: &[Sample]) -> String {
    let items: Vec<String> = p.iter().map(|s| format!("{} @[{}]", s.v, s.t)).collect();
    format!("{} points [{}]", p.len(), items.join(" "))
}

/// Compares any value of an instant query.
pub(crate) fn compare_instant(cmd: &EvalCmd, value: &Value) -> Result<(), String> {
    match value {
        Value::Vector(v) => compare_vector(cmd, v),
        Value::Scalar { v, .. } => match &cmd.expected {
            Expected::Scalar(want) => {
                if almost_equal(*want, *v, EPSILON) {
                    Ok(())
                } else {
                    Err(format!("expected scalar {want} but got {v}"))
                }
            }
            _ => Err(format!(
                "expected vector or matrix result, but got scalar {v}"
            )),
        },
        Value::String { v, .. } => match &cmd.expected {
            Expected::String(want) if want == v => Ok(()),
            _ => Err(format!("unexpected string result {v:?}")),
        },
        Value::Matrix(m) => match cmd.range_vector {
            Some((start, end, step)) => compare_matrix(cmd, m, start, end, step),
            None => Err("unexpected range vector result of an instant query".into()),
        },
    }
}
