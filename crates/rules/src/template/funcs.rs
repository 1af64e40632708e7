//! The function table: every function a template may call (Go's builtins and
//! Prometheus's additions) with its Go signature, so argument checks and error messages
//! (`wrong type for value; expected string; got float64`) match, plus the methods of
//! `*time.Time` and `*time.Duration` values.

use super::ast::Arg;
use super::builtins;
use super::gotime;
use super::prom_funcs;
use super::value::{QuerySample, Value};

/// Runs a PromQL instant query for the `query` template function.
pub trait TemplateQuerier: Send + Sync {
    /// Evaluates `expr` at `t_ms`; scalars come back as one sample without labels.
    fn query(&self, expr: &str, t_ms: i64) -> Result<Vec<QuerySample>, String>;
}

/// What Prometheus's functions need from outside the template.
pub struct FuncEnv<'a> {
    pub querier: Option<&'a dyn TemplateQuerier>,
    /// Evaluation time in ms (`now`, `query`).
    pub timestamp_ms: i64,
    /// `--web.external-url` as a string (`externalURL`).
    pub external_url: &'a str,
}

/// A parameter's Go type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Param {
    /// `interface{}`.
    Any,
    /// `reflect.Value` (builtins that inspect their arguments).
    Reflect,
    /// No type (receiver of a chain).
    Untyped,
    Str,
    Sample,
    QueryResult,
    Duration,
    Time,
}

impl Param {
    pub fn go_name(self) -> &'static str {
        match self {
            Param::Any | Param::Untyped => "interface {}",
            Param::Reflect => "reflect.Value",
            Param::Str => "string",
            Param::Sample => "*template.sample",
            Param::QueryResult => "template.queryResult",
            Param::Duration => "time.Duration",
            Param::Time => "time.Time",
        }
    }
}

/// Fixed parameters, then an optional variadic element type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Signature {
    pub params: &'static [Param],
    pub variadic: Option<Param>,
}

const fn fixed(params: &'static [Param]) -> Signature {
    Signature {
        params,
        variadic: None,
    }
}

const fn variadic(params: &'static [Param], rest: Param) -> Signature {
    Signature {
        params,
        variadic: Some(rest),
    }
}

use Param::*;

/// The signature of template function `name`, if it exists.
pub(crate) fn function_signature(name: &str) -> Option<Signature> {
    Some(match name {
        // Go builtins.
        "and" | "or" => variadic(&[Reflect], Reflect),
        "call" => variadic(&[Reflect], Reflect),
        "html" | "js" | "urlquery" | "print" | "println" => variadic(&[], Any),
        "printf" => variadic(&[Str], Any),
        "index" | "slice" => variadic(&[Reflect], Reflect),
        "len" | "not" => fixed(&[Reflect]),
        "eq" => variadic(&[Reflect], Reflect),
        "ne" | "lt" | "le" | "gt" | "ge" => fixed(&[Reflect, Reflect]),
        // Prometheus.
        "query" => fixed(&[Str]),
        "first" => fixed(&[QueryResult]),
        "label" => fixed(&[Str, Sample]),
        "value" | "strvalue" => fixed(&[Sample]),
        "args" => variadic(&[], Any),
        "reReplaceAll" => fixed(&[Str, Str, Str]),
        "safeHtml" | "title" | "toUpper" | "toLower" | "graphLink" | "tableLink" | "stripPort"
        | "stripDomain" | "parseDuration" | "urlQueryEscape" => fixed(&[Str]),
        "match" => fixed(&[Str, Str]),
        "sortByLabel" => fixed(&[Str, QueryResult]),
        "humanize" | "humanize1024" | "humanizeDuration" | "humanizePercentage"
        | "humanizeTimestamp" | "toTime" | "toDuration" => fixed(&[Any]),
        "now" | "pathPrefix" | "externalURL" => fixed(&[]),
        _ => return None,
    })
}

/// Whether `name` is a function templates may call (checked at parse time).
pub(crate) fn has_function(name: &str) -> bool {
    function_signature(name).is_some()
}

/// The signature of method `name` on `receiver`, if it has one.
pub(crate) fn method_signature(receiver: &Value, name: &str) -> Option<Signature> {
    match receiver {
        Value::Time(_) => Some(match name {
            "Format" => fixed(&[Str]),
            "Add" | "Truncate" | "Round" => fixed(&[Duration]),
            "Sub" | "Before" | "After" | "Equal" => fixed(&[Time]),
            "String" | "Unix" | "UnixMilli" | "UnixMicro" | "UnixNano" | "Year" | "YearDay"
            | "Month" | "Day" | "Hour" | "Minute" | "Second" | "Nanosecond" | "Weekday" | "UTC"
            | "Local" | "IsZero" => fixed(&[]),
            _ => return None,
        }),
        Value::Duration(_) => Some(match name {
            "String" | "Seconds" | "Minutes" | "Hours" | "Milliseconds" | "Microseconds"
            | "Nanoseconds" | "Abs" => fixed(&[]),
            "Round" | "Truncate" => fixed(&[Duration]),
            _ => return None,
        }),
        _ => None,
    }
}

/// The zero value `nil` stands for when passed as `param`, if nil is allowed.
pub(crate) fn zero_for_nil(param: Param) -> Option<Value> {
    match param {
        Any | Reflect | Untyped => Some(Value::Nil),
        Sample => Some(Value::Sample(None)),
        QueryResult => Some(Value::QueryResult(Default::default())),
        _ => None,
    }
}

/// Go's `validateType`: checks that `value` can be passed as `param`.
pub(crate) fn validate_type(value: Value, param: Param) -> Result<Value, String> {
    if let Value::Nil = value {
        return zero_for_nil(param)
            .ok_or_else(|| format!("invalid value; expected {}", param.go_name()));
    }
    let ok = match param {
        Any | Reflect | Untyped => true,
        Str => matches!(value, Value::Str(_)),
        Sample => matches!(value, Value::Sample(_)),
        QueryResult => matches!(value, Value::QueryResult(_)),
        Duration => matches!(value, Value::Duration(_)),
        Time => matches!(value, Value::Time(_)),
    };
    if ok {
        Ok(value)
    } else {
        Err(format!(
            "wrong type for value; expected {}; got {}",
            param.go_name(),
            value.type_name()
        ))
    }
}

fn arg_str(argv: &[Value], i: usize) -> &str {
    match argv.get(i) {
        Some(Value::Str(s)) | Some(Value::Html(s)) => s,
        _ => "",
    }
}

/// Calls function `name` with already-checked arguments.
pub(crate) fn call_function(
    name: &str,
    argv: &[Value],
    arg_nodes: &[Arg],
    env: &FuncEnv<'_>,
) -> Result<Value, String> {
    let first = argv.first().cloned().unwrap_or(Value::Nil);
    match name {
        "not" => Ok(Value::Bool(!first.is_true())),
        "len" => builtins::length(&first).map(|n| Value::Int(n as i64)),
        "index" => builtins::index(&first, &argv[1..]),
        "slice" => builtins::slice(&first, &argv[1..]),
        "call" => Err(match first {
            Value::Nil => "call of nil".to_string(),
            other => format!(
                "non-function {} of type {}",
                arg_nodes.first().map(|a| a.to_string()).unwrap_or_default(),
                other.type_name()
            ),
        }),
        "print" => Ok(Value::str(super::gofmt::sprint(argv))),
        "println" => Ok(Value::str(super::gofmt::sprintln(argv))),
        "printf" => Ok(Value::str(super::gofmt::sprintf(
            arg_str(argv, 0),
            &argv[1..],
        ))),
        "html" => Ok(Value::str(builtins::html_escape(&builtins::eval_args(
            argv,
        )))),
        "js" => Ok(Value::str(builtins::js_escape(&builtins::eval_args(argv)))),
        "urlquery" => Ok(Value::str(prom_funcs::query_escape(&builtins::eval_args(
            argv,
        )))),
        "eq" => builtins::eq(&first, &argv[1..]).map(Value::Bool),
        "ne" => builtins::eq(&first, &argv[1..2]).map(|b| Value::Bool(!b)),
        "lt" => builtins::lt(&first, &argv[1]).map(Value::Bool),
        "le" => builtins::le(&first, &argv[1]).map(Value::Bool),
        "gt" => builtins::le(&first, &argv[1]).map(|b| Value::Bool(!b)),
        "ge" => builtins::lt(&first, &argv[1]).map(|b| Value::Bool(!b)),
        _ => prom_funcs::call(name, argv, env),
    }
}

/// Calls method `name` of a `*time.Time` or `*time.Duration`.
pub(crate) fn call_method(receiver: &Value, name: &str, argv: &[Value]) -> Result<Value, String> {
    match receiver {
        Value::Time(ns) => time_method(*ns, name, argv),
        Value::Duration(d) => duration_method(*d, name, argv),
        _ => Err(format!(
            "can't call method {name} on {}",
            receiver.type_name()
        )),
    }
}

fn time_method(ns: i128, name: &str, argv: &[Value]) -> Result<Value, String> {
    let c = gotime::civil(ns);
    let other_time = || match argv.first() {
        Some(Value::Time(t)) => *t,
        _ => 0,
    };
    let dur = || match argv.first() {
        Some(Value::Duration(d)) => i128::from(*d),
        _ => 0,
    };
    let seconds = ns.div_euclid(1_000_000_000);
    Ok(match name {
        "Format" => Value::str(gotime::format_layout(ns, arg_str(argv, 0))),
        "String" => Value::str(gotime::time_string(ns)),
        "Unix" => Value::Int64(seconds as i64),
        "UnixMilli" => Value::Int64(ns.div_euclid(1_000_000) as i64),
        "UnixMicro" => Value::Int64(ns.div_euclid(1_000) as i64),
        "UnixNano" => Value::Int64(ns as i64),
        "Year" => Value::Int(c.year),
        "YearDay" => Value::Int(i64::from(c.year_day)),
        "Month" => Value::str(gotime::month_name(c.month)),
        "Weekday" => Value::str(gotime::weekday_name(c.weekday)),
        "Day" => Value::Int(i64::from(c.day)),
        "Hour" => Value::Int(i64::from(c.hour)),
        "Minute" => Value::Int(i64::from(c.minute)),
        "Second" => Value::Int(i64::from(c.second)),
        "Nanosecond" => Value::Int(i64::from(c.nanosecond)),
        "UTC" | "Local" => Value::Time(ns),
        "IsZero" => Value::Bool(ns == -62_135_596_800_000_000_000),
        "Add" => Value::Time(ns + dur()),
        "Sub" => {
            Value::Duration((ns - other_time()).clamp(i64::MIN as i128, i64::MAX as i128) as i64)
        }
        "Before" => Value::Bool(ns < other_time()),
        "After" => Value::Bool(ns > other_time()),
        "Equal" => Value::Bool(ns == other_time()),
        "Truncate" | "Round" => {
            let d = dur();
            if d <= 0 {
                Value::Time(ns)
            } else {
                let rem = ns.rem_euclid(d);
                let down = ns - rem;
                if name == "Round" && rem * 2 >= d {
                    Value::Time(down + d)
                } else {
                    Value::Time(down)
                }
            }
        }
        _ => return Err(format!("can't evaluate field {name} in type *time.Time")),
    })
}

fn duration_method(d: i64, name: &str, argv: &[Value]) -> Result<Value, String> {
    let m = match argv.first() {
        Some(Value::Duration(m)) => *m,
        _ => 0,
    };
    Ok(match name {
        "String" => Value::str(gotime::duration_string(d)),
        "Seconds" => Value::Float(d as f64 / 1e9),
        "Minutes" => Value::Float(d as f64 / 6e10),
        "Hours" => Value::Float(d as f64 / 3.6e12),
        "Milliseconds" => Value::Int64(d / 1_000_000),
        "Microseconds" => Value::Int64(d / 1_000),
        "Nanoseconds" => Value::Int64(d),
        "Abs" => Value::Duration(d.checked_abs().unwrap_or(i64::MAX)),
        "Truncate" if m > 0 => Value::Duration(d - d % m),
        "Round" if m > 0 => {
            let r = d % m;
            let down = d - r;
            if r.abs() * 2 >= m {
                Value::Duration(if d < 0 { down - m } else { down + m })
            } else {
                Value::Duration(down)
            }
        }
        "Truncate" | "Round" => Value::Duration(d),
        _ => {
            return Err(format!(
                "can't evaluate field {name} in type *time.Duration"
            ))
        }
    })
}
