//! PromQL functions: the dispatch enum and the evaluation of calls.
//!
//! Functions over range vectors live in `range` (sliding windows per series), element-wise
//! and per-step functions over instant vectors in `instant`, label functions in `labels`,
//! classic-histogram functions in `histogram`, date functions in `date`.

mod calls;
mod date;
mod extended;
pub(crate) mod histogram;
mod info;
mod instant;
mod labels;
pub(crate) mod range;
mod range_call;

pub(crate) use calls::eval_call;
pub(crate) use date::civil_from_days;
pub(crate) use extended::{extend_floats, smoothed_value};
pub(crate) use instant::{go_max, go_min};
pub(crate) use labels::is_valid_label_name;
pub(crate) use range_call::{stream_range_call, streamable_range_arg};

macro_rules! funcs {
    ($( $variant:ident = $name:literal ),* $(,)?) => {
        /// Every function the evaluator implements.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub(crate) enum Func { $( $variant ),* }

        impl Func {
            pub(crate) fn from_name(name: &str) -> Option<Func> {
                match name {
                    $( $name => Some(Func::$variant), )*
                    _ => None,
                }
            }

            /// Whether the function returns a scalar.
            pub(crate) fn returns_scalar(self) -> bool {
                matches!(self, Func::Time | Func::Pi | Func::Scalar | Func::MaxOf | Func::MinOf)
            }

            pub(crate) fn name(self) -> &'static str {
                match self { $( Func::$variant => $name ),* }
            }
        }
    };
}

funcs! {
    Abs = "abs",
    Absent = "absent",
    AbsentOverTime = "absent_over_time",
    Acos = "acos",
    Acosh = "acosh",
    Asin = "asin",
    Asinh = "asinh",
    Atan = "atan",
    Atanh = "atanh",
    AvgOverTime = "avg_over_time",
    Ceil = "ceil",
    Changes = "changes",
    Clamp = "clamp",
    ClampMax = "clamp_max",
    ClampMin = "clamp_min",
    Cos = "cos",
    Cosh = "cosh",
    CountOverTime = "count_over_time",
    DaysInMonth = "days_in_month",
    DayOfMonth = "day_of_month",
    DayOfWeek = "day_of_week",
    DayOfYear = "day_of_year",
    Deg = "deg",
    Delta = "delta",
    Deriv = "deriv",
    DoubleExponentialSmoothing = "double_exponential_smoothing",
    Exp = "exp",
    FirstOverTime = "first_over_time",
    Floor = "floor",
    HistogramAvg = "histogram_avg",
    HistogramCount = "histogram_count",
    HistogramFraction = "histogram_fraction",
    HistogramQuantile = "histogram_quantile",
    HistogramQuantiles = "histogram_quantiles",
    HistogramStddev = "histogram_stddev",
    HistogramStdvar = "histogram_stdvar",
    HistogramSum = "histogram_sum",
    Hour = "hour",
    Idelta = "idelta",
    Info = "info",
    Increase = "increase",
    Irate = "irate",
    LabelJoin = "label_join",
    LabelReplace = "label_replace",
    LastOverTime = "last_over_time",
    Ln = "ln",
    Log10 = "log10",
    Log2 = "log2",
    MadOverTime = "mad_over_time",
    MaxOf = "max_of",
    MaxOverTime = "max_over_time",
    MinOf = "min_of",
    MinOverTime = "min_over_time",
    Minute = "minute",
    Month = "month",
    Pi = "pi",
    PredictLinear = "predict_linear",
    PresentOverTime = "present_over_time",
    QuantileOverTime = "quantile_over_time",
    Rad = "rad",
    Rate = "rate",
    Resets = "resets",
    Round = "round",
    Scalar = "scalar",
    Sgn = "sgn",
    Sin = "sin",
    Sinh = "sinh",
    Sort = "sort",
    SortByLabel = "sort_by_label",
    SortByLabelDesc = "sort_by_label_desc",
    SortDesc = "sort_desc",
    Sqrt = "sqrt",
    StddevOverTime = "stddev_over_time",
    StdvarOverTime = "stdvar_over_time",
    SumOverTime = "sum_over_time",
    Tan = "tan",
    Tanh = "tanh",
    Time = "time",
    Timestamp = "timestamp",
    TsOfFirstOverTime = "ts_of_first_over_time",
    TsOfLastOverTime = "ts_of_last_over_time",
    TsOfMaxOverTime = "ts_of_max_over_time",
    TsOfMinOverTime = "ts_of_min_over_time",
    Vector = "vector",
    Year = "year",
}
