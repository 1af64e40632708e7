//! Functions over instant vectors and scalars: element-wise math, clamping and rounding,
//! `scalar`/`vector`/`absent`, `time`, sorting, and the empty native-histogram functions.

use std::cmp::Ordering;

use promlite_model::{Labels, Sample};

use super::{date, histogram, Func};
use crate::error::{PromqlError, Result};
use crate::eval::series::{drop_name, merge_same_labelsets};
use crate::eval::Evaluator;
use crate::plan::{CallNode, Node};
use crate::value::{StepSeries, Val};

/// Go's `math.Max`: NaN wins, +0 beats -0.
pub(crate) fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() {
            b
        } else {
            a
        }
    } else if a > b {
        a
    } else {
        b
    }
}

/// Go's `math.Min`: NaN wins, -0 beats +0.
pub(crate) fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() {
            a
        } else {
            b
        }
    } else if a < b {
        a
    } else {
        b
    }
}

fn simple_math(func: Func) -> Option<fn(f64) -> f64> {
    Some(match func {
        Func::Abs => f64::abs,
        Func::Ceil => f64::ceil,
        Func::Floor => f64::floor,
        Func::Exp => f64::exp,
        Func::Sqrt => f64::sqrt,
        Func::Ln => f64::ln,
        Func::Log2 => f64::log2,
        Func::Log10 => f64::log10,
        Func::Sin => f64::sin,
        Func::Cos => f64::cos,
        Func::Tan => f64::tan,
        Func::Asin => f64::asin,
        Func::Acos => f64::acos,
        Func::Atan => f64::atan,
        Func::Sinh => f64::sinh,
        Func::Cosh => f64::cosh,
        Func::Tanh => f64::tanh,
        Func::Asinh => f64::asinh,
        Func::Acosh => f64::acosh,
        Func::Atanh => f64::atanh,
        Func::Rad => |v| v * std::f64::consts::PI / 180.0,
        Func::Deg => |v| v * 180.0 / std::f64::consts::PI,
        Func::Sgn => |v| {
            if v < 0.0 {
                -1.0
            } else if v > 0.0 {
                1.0
            } else {
                v
            }
        },
        _ => return None,
    })
}

/// Applies `f(step index, value)` to every point, dropping the metric name; a `None`
/// removes the point.
pub(crate) fn map_points(
    ev: &Evaluator<'_, '_>,
    series: Vec<StepSeries>,
    mut f: impl FnMut(usize, f64) -> Option<f64>,
) -> Result<Vec<StepSeries>> {
    let delayed = ev.delayed();
    let mut out = Vec::with_capacity(series.len());
    for mut s in series {
        s.points.retain_mut(|p| match f(ev.step_index(p.t), p.v) {
            Some(v) => {
                p.v = v;
                true
            }
            None => false,
        });
        if s.points.is_empty() {
            continue;
        }
        drop_name(&mut s, delayed);
        out.push(s);
    }
    merge_same_labelsets(out)
}

fn arg(c: &CallNode, i: usize) -> Result<&Node> {
    c.args
        .get(i)
        .ok_or_else(|| PromqlError::Internal(format!("{}() lacks argument {}", c.name, i + 1)))
}

fn scalar_at(v: &[f64], i: usize) -> f64 {
    v.get(i).copied().unwrap_or(f64::NAN)
}

pub(crate) fn eval_instant_call(ev: &Evaluator<'_, '_>, c: &CallNode) -> Result<Val> {
    let n = ev.num_steps();
    if let Some(f) = simple_math(c.func) {
        let v = ev.eval_vector(arg(c, 0)?)?;
        return Ok(Val::Vector(map_points(ev, v, |_, x| Some(f(x)))?));
    }
    match c.func {
        Func::Time => Ok(Val::Scalar(
            (0..n).map(|i| ev.step_time(i) as f64 / 1000.0).collect(),
        )),
        Func::Pi => Ok(Val::Scalar(vec![std::f64::consts::PI; n])),
        Func::MaxOf | Func::MinOf => {
            let a = ev.eval_scalar(arg(c, 0)?)?;
            let b = ev.eval_scalar(arg(c, 1)?)?;
            let pick = if c.func == Func::MaxOf {
                go_max
            } else {
                go_min
            };
            Ok(Val::Scalar(
                a.iter().zip(&b).map(|(x, y)| pick(*x, *y)).collect(),
            ))
        }
        Func::Scalar => {
            let v = ev.eval_vector(arg(c, 0)?)?;
            let mut count = vec![0u32; n];
            let mut value = vec![f64::NAN; n];
            for s in &v {
                for p in &s.points {
                    let i = ev.step_index(p.t);
                    count[i] += 1;
                    value[i] = p.v;
                }
            }
            Ok(Val::Scalar(
                (0..n)
                    .map(|i| if count[i] == 1 { value[i] } else { f64::NAN })
                    .collect(),
            ))
        }
        Func::Vector => {
            let s = ev.eval_scalar(arg(c, 0)?)?;
            let points = (0..n).map(|i| Sample::new(ev.step_time(i), s[i])).collect();
            Ok(Val::Vector(vec![StepSeries::new(Labels::empty(), points)]))
        }
        Func::Absent => {
            let a = arg(c, 0)?;
            let v = ev.eval_vector(a)?;
            let mut present = vec![false; n];
            for s in &v {
                for p in &s.points {
                    present[ev.step_index(p.t)] = true;
                }
            }
            let points: Vec<Sample> = (0..n)
                .filter(|i| !present[*i])
                .map(|i| Sample::new(ev.step_time(i), 1.0))
                .collect();
            if points.is_empty() {
                return Ok(Val::Vector(Vec::new()));
            }
            Ok(Val::Vector(vec![StepSeries::new(
                super::calls::absent_labels(a),
                points,
            )]))
        }
        Func::Round => {
            let v = ev.eval_vector(arg(c, 0)?)?;
            let to = match c.args.get(1) {
                Some(a) => ev.eval_scalar(a)?,
                None => vec![1.0; n],
            };
            Ok(Val::Vector(map_points(ev, v, |i, x| {
                // Dividing by the inverse rounds more accurately than multiplying.
                let inverse = 1.0 / scalar_at(&to, i);
                Some((x * inverse + 0.5).floor() / inverse)
            })?))
        }
        Func::Clamp | Func::ClampMin | Func::ClampMax => {
            let v = ev.eval_vector(arg(c, 0)?)?;
            let (lo, hi) = match c.func {
                Func::Clamp => (ev.eval_scalar(arg(c, 1)?)?, ev.eval_scalar(arg(c, 2)?)?),
                Func::ClampMin => (ev.eval_scalar(arg(c, 1)?)?, vec![f64::INFINITY; n]),
                _ => (vec![f64::NEG_INFINITY; n], ev.eval_scalar(arg(c, 1)?)?),
            };
            Ok(Val::Vector(map_points(ev, v, |i, x| {
                let (min, max) = (scalar_at(&lo, i), scalar_at(&hi, i));
                if max < min {
                    None
                } else {
                    Some(go_max(min, go_min(max, x)))
                }
            })?))
        }
        Func::Timestamp => {
            let v = ev.eval_vector(arg(c, 0)?)?;
            let times: Vec<f64> = (0..n).map(|i| ev.step_time(i) as f64 / 1000.0).collect();
            Ok(Val::Vector(map_points(ev, v, |i, _| Some(times[i]))?))
        }
        Func::DaysInMonth
        | Func::DayOfMonth
        | Func::DayOfWeek
        | Func::DayOfYear
        | Func::Hour
        | Func::Minute
        | Func::Month
        | Func::Year => date::eval_date_call(ev, c),
        Func::Sort | Func::SortDesc | Func::SortByLabel | Func::SortByLabelDesc => {
            let v = ev.eval_vector(arg(c, 0)?)?;
            if !ev.is_instant() {
                // Range results are ordered by labels anyway.
                return Ok(Val::Vector(v));
            }
            let label_args: Vec<String> = c
                .args
                .get(1..)
                .unwrap_or(&[])
                .iter()
                .map(|a| match a.unwrapped() {
                    Node::String(s) => s.text.clone(),
                    _ => String::new(),
                })
                .collect();
            Ok(Val::Vector(sort_vector(v, c.func, &label_args)))
        }
        Func::HistogramQuantile | Func::HistogramFraction | Func::HistogramQuantiles => {
            histogram::eval_histogram_call(ev, c)
        }
        Func::HistogramAvg
        | Func::HistogramCount
        | Func::HistogramSum
        | Func::HistogramStddev
        | Func::HistogramStdvar => {
            // These read native histograms only; float samples yield nothing.
            ev.eval_vector(arg(c, 0)?)?;
            Ok(Val::Vector(Vec::new()))
        }
        other => Err(PromqlError::Internal(format!(
            "function {} needs a range-vector argument",
            other.name()
        ))),
    }
}

/// Orders an instant vector for `sort`, `sort_desc`, `sort_by_label(_desc)`.
fn sort_vector(mut v: Vec<StepSeries>, func: Func, label_args: &[String]) -> Vec<StepSeries> {
    let value = |s: &StepSeries| s.points.first().map(|p| p.v).unwrap_or(f64::NAN);
    match func {
        // Ascending; NaN last.
        Func::Sort => v.sort_by(|a, b| {
            let (x, y) = (value(a), value(b));
            match (x.is_nan(), y.is_nan()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                _ => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            }
        }),
        // Descending; NaN last.
        Func::SortDesc => v.sort_by(|a, b| {
            let (x, y) = (value(a), value(b));
            match (x.is_nan(), y.is_nan()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                _ => y.partial_cmp(&x).unwrap_or(Ordering::Equal),
            }
        }),
        Func::SortByLabel | Func::SortByLabelDesc => {
            let desc = func == Func::SortByLabelDesc;
            v.sort_by(|a, b| {
                for l in label_args {
                    let (x, y) = (a.labels.get_or_empty(l), b.labels.get_or_empty(l));
                    if x == y {
                        continue;
                    }
                    let ord = if natural_less(x, y) {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    };
                    return if desc { ord.reverse() } else { ord };
                }
                let ord = a.labels.cmp(&b.labels);
                if desc {
                    ord.reverse()
                } else {
                    ord
                }
            })
        }
        _ => {}
    }
    v
}

/// Natural order ("a2" < "a10") with the leading-zero handling of the `natsort` package
/// Prometheus uses for `sort_by_label`.
pub(crate) fn natural_less(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    loop {
        if i >= a.len() {
            return j < b.len();
        }
        if j >= b.len() {
            return false;
        }
        let (mut ca, mut cb) = (a[i], b[j]);
        if ca.is_ascii_digit() && cb.is_ascii_digit() {
            // Length of the digit run, skipping leading zeros (and, like natsort, whatever
            // follows a zero becomes the run's first character).
            let mut la = 1;
            while i + la < a.len() {
                let next = a[i + la];
                if ca == b'0' {
                    i += 1;
                    ca = next;
                    continue;
                }
                if next.is_ascii_digit() {
                    la += 1;
                } else {
                    break;
                }
            }
            let mut lb = 1;
            while j + lb < b.len() {
                let next = b[j + lb];
                if cb == b'0' {
                    j += 1;
                    cb = next;
                    continue;
                }
                if next.is_ascii_digit() {
                    lb += 1;
                } else {
                    break;
                }
            }
            if lb != la {
                return lb > la;
            }
            match a[i..i + la].cmp(&b[j..j + lb]) {
                Ordering::Less => return true,
                Ordering::Greater => return false,
                Ordering::Equal => {
                    i += la;
                    j += lb;
                    continue;
                }
            }
        }
        if ca == cb {
            i += 1;
            j += 1;
            continue;
        }
        return ca < cb;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_min_max_semantics() {
        assert!(go_max(1.0, f64::NAN).is_nan());
        assert_eq!(go_max(-0.0, 0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(go_min(-0.0, 0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(go_min(1.0, 2.0), 1.0);
    }

    #[test]
    fn natural_order() {
        assert!(natural_less("a2", "a10"));
        assert!(!natural_less("a10", "a2"));
        assert!(natural_less("abc", "abd"));
        assert!(natural_less("x", "xy"));
        assert!(!natural_less("same", "same"));
        assert!(natural_less("1", "02") == natural_less("1", "2"));
    }
}
