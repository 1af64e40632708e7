//! Go `text/template` builtins that need more than a line: `len`, `index`, `slice`,
//! the comparisons `eq`/`lt`/`le` (Go's kind rules, int/uint mixing, error texts), and
//! the `html`/`js` escapers.

use std::sync::Arc;

use super::gofmt;
use super::value::Value;

/// Go's comparison kinds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Uint,
    Float,
    Str,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) | Value::Int64(_) => Kind::Int,
        Value::Uint64(_) => Kind::Uint,
        Value::Float(_) => Kind::Float,
        Value::Str(_) | Value::Html(_) => Kind::Str,
        _ => Kind::Invalid,
    }
}

fn as_int(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        _ => 0,
    }
}

fn as_uint(v: &Value) -> u64 {
    match v {
        Value::Uint64(u) => *u,
        _ => 0,
    }
}

fn as_float(v: &Value) -> f64 {
    match v {
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

fn as_str(v: &Value) -> &str {
    match v {
        Value::Str(s) | Value::Html(s) => s,
        _ => "",
    }
}

fn is_nillable(v: &Value) -> bool {
    matches!(
        v,
        Value::Nil
            | Value::StrMap(_)
            | Value::AnyMap(_)
            | Value::Sample(_)
            | Value::QueryResult(_)
            | Value::Slice { .. }
            | Value::Time(_)
            | Value::Duration(_)
    )
}

/// `eq arg1 arg2...`: true if arg1 equals any of the others.
pub(crate) fn eq(arg1: &Value, others: &[Value]) -> Result<bool, String> {
    if others.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(arg1);
    for arg in others {
        let k2 = basic_kind(arg);
        let truth = if k1 != k2 {
            match (k1, k2) {
                (Kind::Int, Kind::Uint) => as_int(arg1) >= 0 && as_int(arg1) as u64 == as_uint(arg),
                (Kind::Uint, Kind::Int) => as_int(arg) >= 0 && as_uint(arg1) == as_int(arg) as u64,
                _ => {
                    if !matches!(arg1, Value::Nil) && !matches!(arg, Value::Nil) {
                        return Err(format!(
                            "incompatible types for comparison: {} and {}",
                            arg1.type_name(),
                            arg.type_name()
                        ));
                    }
                    false
                }
            }
        } else {
            match k1 {
                Kind::Bool => matches!((arg1, arg), (Value::Bool(a), Value::Bool(b)) if a == b),
                Kind::Float => as_float(arg1) == as_float(arg),
                Kind::Int => as_int(arg1) == as_int(arg),
                Kind::Uint => as_uint(arg1) == as_uint(arg),
                Kind::Str => as_str(arg1) == as_str(arg),
                Kind::Invalid => compare_other(arg1, arg)?,
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Equality of non-basic values: nil checks, pointer identity; maps are not comparable.
fn compare_other(a: &Value, b: &Value) -> Result<bool, String> {
    let a_nil = matches!(a, Value::Nil | Value::Sample(None));
    let b_nil = matches!(b, Value::Nil | Value::Sample(None));
    if a_nil || b_nil {
        return Ok(a_nil == b_nil && (is_nillable(a) && is_nillable(b)));
    }
    match (a, b) {
        (Value::Sample(Some(x)), Value::Sample(Some(y))) => Ok(Arc::ptr_eq(x, y)),
        (Value::Time(x), Value::Time(y)) => Ok(x == y),
        (Value::Duration(x), Value::Duration(y)) => Ok(x == y),
        (Value::Alert(x), Value::Alert(y)) => Ok(x == y),
        _ => Err(format!(
            "non-comparable type {}: {}",
            gofmt::print_value(b),
            b.type_name()
        )),
    }
}

/// `lt a b`.
pub(crate) fn lt(a: &Value, b: &Value) -> Result<bool, String> {
    let k1 = basic_kind(a);
    let k2 = basic_kind(b);
    if k1 == Kind::Invalid || k2 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return match (k1, k2) {
            (Kind::Int, Kind::Uint) => Ok(as_int(a) < 0 || (as_int(a) as u64) < as_uint(b)),
            (Kind::Uint, Kind::Int) => Ok(as_int(b) >= 0 && as_uint(a) < as_int(b) as u64),
            _ => Err(format!(
                "incompatible types for comparison: {} and {}",
                a.type_name(),
                b.type_name()
            )),
        };
    }
    Ok(match k1 {
        Kind::Bool => return Err("invalid type for comparison".into()),
        Kind::Float => as_float(a) < as_float(b),
        Kind::Int => as_int(a) < as_int(b),
        Kind::Uint => as_uint(a) < as_uint(b),
        Kind::Str => as_str(a) < as_str(b),
        Kind::Invalid => false,
    })
}

/// `le a b`: `lt` or `eq`.
pub(crate) fn le(a: &Value, b: &Value) -> Result<bool, String> {
    if lt(a, b)? {
        return Ok(true);
    }
    eq(a, std::slice::from_ref(b))
}

/// `len x`.
pub(crate) fn length(v: &Value) -> Result<usize, String> {
    match v {
        Value::Nil => Err("reflect: call of reflect.Value.Type on zero Value".into()),
        Value::Sample(None) => Err("len of nil pointer".into()),
        Value::Sample(Some(_)) => Err("len of type template.sample".into()),
        other => other
            .length()
            .ok_or_else(|| format!("len of type {}", other.type_name())),
    }
}

fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x: i128 = match index {
        Value::Int(i) | Value::Int64(i) => i128::from(*i),
        Value::Uint64(u) => i128::from(*u),
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        other => {
            return Err(format!(
                "cannot index slice/array with type {}",
                other.type_name()
            ))
        }
    };
    if x < 0 || x > cap as i128 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

/// `index x 1 2`: `x[1][2]` over slices, strings (bytes) and maps.
pub(crate) fn index(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    if matches!(item, Value::Nil) {
        return Err("index of untyped nil".into());
    }
    let mut item = item.clone();
    for idx in indexes {
        item = match &item {
            Value::Sample(None) => return Err("index of nil pointer".into()),
            Value::Str(s) | Value::Html(s) => {
                let x = index_arg(idx, s.len())?;
                match s.as_bytes().get(x) {
                    Some(b) => Value::Int(i64::from(*b)),
                    None => return Err("reflect: string index out of range".into()),
                }
            }
            Value::QueryResult(v) => {
                let x = index_arg(idx, v.len())?;
                match v.get(x) {
                    Some(s) => Value::Sample(Some(s.clone())),
                    None => return Err("reflect: slice index out of range".into()),
                }
            }
            Value::Slice { items, .. } => {
                let x = index_arg(idx, items.len())?;
                match items.get(x) {
                    Some(v) => v.clone(),
                    None => return Err("reflect: slice index out of range".into()),
                }
            }
            Value::StrMap(m) => {
                let key = map_key(idx)?;
                Value::str(m.get(key).map_or("", String::as_str))
            }
            Value::AnyMap(m) => {
                let key = map_key(idx)?;
                m.get(key).cloned().unwrap_or(Value::Nil)
            }
            Value::Sample(Some(_)) => return Err("can't index item of type template.sample".into()),
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

fn map_key(idx: &Value) -> Result<&str, String> {
    match idx {
        Value::Str(s) => Ok(s),
        Value::Nil => Err("value is nil; should be of type string".into()),
        other => Err(format!(
            "value has type {}; should be string",
            other.type_name()
        )),
    }
}

/// `slice x 1 2`: `x[1:2]` over strings and slices.
pub(crate) fn slice(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    if matches!(item, Value::Nil) {
        return Err("slice of untyped nil".into());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match item {
        Value::Str(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::QueryResult(v) => v.len(),
        Value::Slice { items, .. } => items.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut idx = [0usize, len, len];
    for (i, v) in indexes.iter().enumerate() {
        idx[i] = index_arg(v, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    let (lo, hi) = (idx[0], idx[1]);
    Ok(match item {
        Value::Str(s) => match s.get(lo..hi) {
            Some(sub) => Value::str(sub),
            // Go slices bytes; a cut inside a UTF-8 sequence keeps the bytes lossily.
            None => Value::str(String::from_utf8_lossy(&s.as_bytes()[lo..hi]).into_owned()),
        },
        Value::QueryResult(v) => Value::QueryResult(Arc::new(v[lo..hi].to_vec())),
        Value::Slice { elem_type, items } => Value::Slice {
            elem_type,
            items: Arc::new(items[lo..hi].to_vec()),
        },
        _ => Value::Nil,
    })
}

/// Arguments of `html`/`js`/`urlquery` as one string (`fmt.Sprint` of printable values).
pub(crate) fn eval_args(args: &[Value]) -> String {
    if let [Value::Str(s)] = args {
        return s.to_string();
    }
    let printable: Vec<Value> = args
        .iter()
        .map(|a| match a {
            Value::Time(ns) => Value::str(super::gotime::time_string(*ns)),
            Value::Duration(d) => Value::str(super::gotime::duration_string(*d)),
            other => other.clone(),
        })
        .collect();
    gofmt::sprint(&printable)
}

/// Go's `template.HTMLEscapeString`.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{fffd}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
pub(crate) fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u00{:02X}", c as u32)),
            c if !c.is_ascii() && !promlite_model::is_go_printable(c) => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}
