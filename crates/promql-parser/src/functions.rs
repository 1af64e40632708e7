//! The PromQL function signature table: names, argument types, return types.
//!
//! The parser checks calls against it; the evaluator dispatches on `Function::name`.

use crate::ast::ValueType;

/// The signature of a PromQL function.
#[derive(Debug, PartialEq, Eq)]
pub struct Function {
    pub name: &'static str,
    /// Types of the arguments, in order. With `variadic != 0` the last entry repeats.
    pub arg_types: &'static [ValueType],
    /// 0: exactly `arg_types.len()` arguments. n > 0: up to n arguments may be left out at
    /// the end (`round(v)` and `round(v, to)`). -1: any number of repeats of the last type
    /// (`label_join`).
    pub variadic: i32,
    pub return_type: ValueType,
    /// Only available when the engine enables experimental functions.
    pub experimental: bool,
}

/// Looks up a function by name (experimental ones included; the parser decides whether
/// they are allowed).
pub fn function_by_name(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// Every known function (filled in by the parser work).
pub static FUNCTIONS: &[Function] = &[];
