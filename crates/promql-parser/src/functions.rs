//! The PromQL function signature table: names, argument types, return types.
//!
//! The parser checks calls against it; the evaluator dispatches on `Function::name`.
//! The table lists every function of Prometheus 3.14 (`promql/parser/functions.go`),
//! the experimental ones flagged.

use crate::ast::ValueType;

/// The signature of a PromQL function.
#[derive(Debug, PartialEq, Eq)]
pub struct Function {
    pub name: &'static str,
    /// Types of the arguments, in order. With `variadic != 0` the last entry repeats.
    pub arg_types: &'static [ValueType],
    /// As in Prometheus: 0 means exactly `arg_types.len()` arguments. n > 0 means between
    /// `arg_types.len() - 1` and `arg_types.len() - 1 + n` arguments, the extra ones of the
    /// last type (`round(v)` and `round(v, to)`; `histogram_quantiles(v, "q", 0.5, ...)`).
    /// -1 means at least `arg_types.len() - 1`, with no upper bound (`label_join`).
    pub variadic: i32,
    pub return_type: ValueType,
    /// Only available when the engine enables experimental functions.
    pub experimental: bool,
}

impl Function {
    /// The fewest arguments a call may pass.
    pub fn min_args(&self) -> usize {
        if self.variadic == 0 {
            self.arg_types.len()
        } else {
            self.arg_types.len().saturating_sub(1)
        }
    }

    /// The most arguments a call may pass (`None`: unbounded).
    pub fn max_args(&self) -> Option<usize> {
        match self.variadic {
            0 => Some(self.arg_types.len()),
            n if n > 0 => Some(self.min_args() + n as usize),
            _ => None,
        }
    }

    /// The type expected for argument `index` (the last type repeats for variadic
    /// functions); `None` past the end of a non-variadic signature.
    pub fn arg_type(&self, index: usize) -> Option<ValueType> {
        match self.arg_types.get(index) {
            Some(t) => Some(*t),
            None if self.variadic != 0 => self.arg_types.last().copied(),
            None => None,
        }
    }
}

/// Looks up a function by name (experimental ones included; the parser decides whether
/// they are allowed).
pub fn function_by_name(name: &str) -> Option<&'static Function> {
    FUNCTIONS
        .binary_search_by(|f| f.name.cmp(name))
        .ok()
        .and_then(|i| FUNCTIONS.get(i))
}

const fn f(
    name: &'static str,
    arg_types: &'static [ValueType],
    variadic: i32,
    return_type: ValueType,
    experimental: bool,
) -> Function {
    Function {
        name,
        arg_types,
        variadic,
        return_type,
        experimental,
    }
}

const S: ValueType = ValueType::Scalar;
const V: ValueType = ValueType::Vector;
const M: ValueType = ValueType::Matrix;
const STR: ValueType = ValueType::String;

/// Every known function, sorted by name (lookups use binary search).
pub static FUNCTIONS: &[Function] = &[
    f("abs", &[V], 0, V, false),
    f("absent", &[V], 0, V, false),
    f("absent_over_time", &[M], 0, V, false),
    f("acos", &[V], 0, V, false),
    f("acosh", &[V], 0, V, false),
    f("asin", &[V], 0, V, false),
    f("asinh", &[V], 0, V, false),
    f("atan", &[V], 0, V, false),
    f("atanh", &[V], 0, V, false),
    f("avg_over_time", &[M], 0, V, false),
    f("ceil", &[V], 0, V, false),
    f("changes", &[M], 0, V, false),
    f("clamp", &[V, S, S], 0, V, false),
    f("clamp_max", &[V, S], 0, V, false),
    f("clamp_min", &[V, S], 0, V, false),
    f("cos", &[V], 0, V, false),
    f("cosh", &[V], 0, V, false),
    f("count_over_time", &[M], 0, V, false),
    f("day_of_month", &[V], 1, V, false),
    f("day_of_week", &[V], 1, V, false),
    f("day_of_year", &[V], 1, V, false),
    f("days_in_month", &[V], 1, V, false),
    f("deg", &[V], 0, V, false),
    f("delta", &[M], 0, V, false),
    f("deriv", &[M], 0, V, false),
    f("double_exponential_smoothing", &[M, S, S], 0, V, true),
    f("end", &[], 0, S, true),
    f("exp", &[V], 0, V, false),
    f("first_over_time", &[M], 0, V, false),
    f("floor", &[V], 0, V, false),
    f("histogram_avg", &[V], 0, V, false),
    f("histogram_count", &[V], 0, V, false),
    f("histogram_fraction", &[S, S, V], 0, V, false),
    f("histogram_quantile", &[S, V], 0, V, false),
    f("histogram_quantiles", &[V, STR, S, S], 9, V, true),
    f("histogram_stddev", &[V], 0, V, false),
    f("histogram_stdvar", &[V], 0, V, false),
    f("histogram_sum", &[V], 0, V, false),
    f("hour", &[V], 1, V, false),
    f("idelta", &[M], 0, V, false),
    f("increase", &[M], 0, V, false),
    f("info", &[V, V], 1, V, true),
    f("irate", &[M], 0, V, false),
    f("label_join", &[V, STR, STR, STR], -1, V, false),
    f("label_replace", &[V, STR, STR, STR, STR], 0, V, false),
    f("last_over_time", &[M], 0, V, false),
    f("ln", &[V], 0, V, false),
    f("log10", &[V], 0, V, false),
    f("log2", &[V], 0, V, false),
    f("mad_over_time", &[M], 0, V, true),
    f("max_of", &[S, S], 0, S, true),
    f("max_over_time", &[M], 0, V, false),
    f("min_of", &[S, S], 0, S, true),
    f("min_over_time", &[M], 0, V, false),
    f("minute", &[V], 1, V, false),
    f("month", &[V], 1, V, false),
    f("pi", &[], 0, S, false),
    f("predict_linear", &[M, S], 0, V, false),
    f("present_over_time", &[M], 0, V, false),
    f("quantile_over_time", &[S, M], 0, V, false),
    f("rad", &[V], 0, V, false),
    f("range", &[], 0, S, true),
    f("rate", &[M], 0, V, false),
    f("resets", &[M], 0, V, false),
    f("round", &[V, S], 1, V, false),
    f("scalar", &[V], 0, S, false),
    f("sgn", &[V], 0, V, false),
    f("sin", &[V], 0, V, false),
    f("sinh", &[V], 0, V, false),
    f("sort", &[V], 0, V, false),
    f("sort_by_label", &[V, STR], -1, V, true),
    f("sort_by_label_desc", &[V, STR], -1, V, true),
    f("sort_desc", &[V], 0, V, false),
    f("sqrt", &[V], 0, V, false),
    f("start", &[], 0, S, true),
    f("start_timestamp", &[V], 0, V, true),
    f("stddev_over_time", &[M], 0, V, false),
    f("stdvar_over_time", &[M], 0, V, false),
    f("step", &[], 0, S, true),
    f("sum_over_time", &[M], 0, V, false),
    f("tan", &[V], 0, V, false),
    f("tanh", &[V], 0, V, false),
    f("time", &[], 0, S, false),
    f("timestamp", &[V], 0, V, false),
    f("ts_of_first_over_time", &[M], 0, V, true),
    f("ts_of_last_over_time", &[M], 0, V, true),
    f("ts_of_max_over_time", &[M], 0, V, true),
    f("ts_of_min_over_time", &[M], 0, V, true),
    f("vector", &[S], 0, V, false),
    f("year", &[V], 1, V, false),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique_so_binary_search_finds_everything() {
        for pair in FUNCTIONS.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} >= {}",
                pair[0].name,
                pair[1].name
            );
        }
        for func in FUNCTIONS {
            assert_eq!(function_by_name(func.name).map(|f| f.name), Some(func.name));
        }
        assert!(function_by_name("no_such_function").is_none());
    }

    #[test]
    fn signatures_match_prometheus() {
        let rate = function_by_name("rate").unwrap();
        assert_eq!(rate.arg_types, &[M]);
        assert_eq!(rate.return_type, V);
        let round = function_by_name("round").unwrap();
        assert_eq!((round.min_args(), round.max_args()), (1, Some(2)));
        let label_join = function_by_name("label_join").unwrap();
        assert_eq!((label_join.min_args(), label_join.max_args()), (3, None));
        assert_eq!(label_join.arg_type(7), Some(STR));
        let quantiles = function_by_name("histogram_quantiles").unwrap();
        assert_eq!((quantiles.min_args(), quantiles.max_args()), (3, Some(12)));
        assert!(quantiles.experimental);
        let time = function_by_name("time").unwrap();
        assert_eq!((time.min_args(), time.max_args()), (0, Some(0)));
        assert_eq!(time.arg_type(0), None);
        for name in [
            "double_exponential_smoothing",
            "info",
            "sort_by_label",
            "mad_over_time",
        ] {
            assert!(function_by_name(name).unwrap().experimental, "{name}");
        }
        assert!(!function_by_name("first_over_time").unwrap().experimental);
        assert_eq!(FUNCTIONS.len(), 90);
    }
}
