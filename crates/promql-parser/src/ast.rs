//! The PromQL abstract syntax tree: expressions with byte spans into the query text.
//!
//! Equality of AST nodes ignores spans (see [`Span`]), so `parse(print(ast)) == ast`
//! can hold although printing moves things around.

use promlite_model::Matcher;

use crate::functions::Function;

/// Byte offsets `[start, end)` of a node in the query text.
///
/// `PartialEq` always returns `true`: two expressions are equal when they mean the same,
/// wherever they were written. Compare `start`/`end` directly when the position matters.
// Equality ignores the offsets but the derived `Hash` does not, which breaks the Hash/Eq
// contract for spans as map keys; nothing uses spans as keys.
#[allow(clippy::derived_hash_with_manual_eq)]
#[derive(Clone, Copy, Debug, Default, Eq, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl PartialEq for Span {
    fn eq(&self, _other: &Span) -> bool {
        true
    }
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// The type an expression evaluates to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueType {
    Scalar,
    Vector,
    Matrix,
    String,
}

impl ValueType {
    /// Prometheus's name for the type, as used in error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Scalar => "scalar",
            ValueType::Vector => "instant vector",
            ValueType::Matrix => "range vector",
            ValueType::String => "string",
        }
    }
}

impl std::fmt::Display for ValueType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `@` modifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtModifier {
    /// `@ <unix seconds>`, stored in milliseconds.
    Timestamp(i64),
    /// `@ start()`.
    Start,
    /// `@ end()`.
    End,
}

/// An instant vector selector: `name{matchers} offset d @ t`.
#[derive(Clone, Debug, PartialEq)]
pub struct VectorSelector {
    /// The metric name when written before the braces or as a quoted name inside them.
    pub name: Option<String>,
    /// All matchers, including `__name__="<name>"` when `name` is set.
    pub matchers: Vec<Matcher>,
    /// `offset` in milliseconds; negative for a negative offset; 0 when absent.
    pub offset: i64,
    pub at: Option<AtModifier>,
    pub span: Span,
    /// Experimental (`promql-duration-expr`): `offset <duration expression>`; `offset` is 0
    /// until the engine resolves it.
    pub offset_expr: Option<DurationExpr>,
    /// Experimental (`promql-extended-range-selectors`): the `anchored` modifier.
    pub anchored: bool,
    /// Experimental (`promql-extended-range-selectors`): the `smoothed` modifier.
    pub smoothed: bool,
}

/// A range selector: `selector[range]`. Offset and `@` live on the inner selector.
#[derive(Clone, Debug, PartialEq)]
pub struct MatrixSelector {
    pub vs: VectorSelector,
    /// Range in milliseconds (> 0); 0 when `range_expr` is set.
    pub range: i64,
    pub span: Span,
    /// Experimental (`promql-duration-expr`): the range as a duration expression
    /// (`foo[5m + step()]`), resolved by the engine once per query.
    pub range_expr: Option<DurationExpr>,
}

/// A subquery: `expr[range:step] offset d @ t`.
#[derive(Clone, Debug, PartialEq)]
pub struct SubqueryExpr {
    pub expr: Box<Expr>,
    /// Range in milliseconds.
    pub range: i64,
    /// Step in milliseconds; `None` when omitted (the engine's default evaluation interval).
    pub step: Option<i64>,
    pub offset: i64,
    pub at: Option<AtModifier>,
    pub span: Span,
    /// Experimental (`promql-duration-expr`): range, step and offset written as duration
    /// expressions; the plain fields are 0 / `None` until the engine resolves them.
    pub range_expr: Option<DurationExpr>,
    pub step_expr: Option<DurationExpr>,
    pub offset_expr: Option<DurationExpr>,
}

/// A function call.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub func: &'static Function,
    pub args: Vec<Expr>,
    pub span: Span,
}

/// Aggregation operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggregateOp {
    Sum,
    Avg,
    Count,
    Min,
    Max,
    Group,
    Stddev,
    Stdvar,
    TopK,
    BottomK,
    CountValues,
    Quantile,
    /// Experimental.
    LimitK,
    /// Experimental.
    LimitRatio,
}

impl AggregateOp {
    pub fn as_str(self) -> &'static str {
        match self {
            AggregateOp::Sum => "sum",
            AggregateOp::Avg => "avg",
            AggregateOp::Count => "count",
            AggregateOp::Min => "min",
            AggregateOp::Max => "max",
            AggregateOp::Group => "group",
            AggregateOp::Stddev => "stddev",
            AggregateOp::Stdvar => "stdvar",
            AggregateOp::TopK => "topk",
            AggregateOp::BottomK => "bottomk",
            AggregateOp::CountValues => "count_values",
            AggregateOp::Quantile => "quantile",
            AggregateOp::LimitK => "limitk",
            AggregateOp::LimitRatio => "limit_ratio",
        }
    }

    /// Whether the operator takes a parameter before the vector.
    pub fn takes_param(self) -> bool {
        matches!(
            self,
            AggregateOp::TopK
                | AggregateOp::BottomK
                | AggregateOp::CountValues
                | AggregateOp::Quantile
                | AggregateOp::LimitK
                | AggregateOp::LimitRatio
        )
    }
}

/// An aggregation: `op by (labels) (param, expr)`.
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateExpr {
    pub op: AggregateOp,
    pub expr: Box<Expr>,
    pub param: Option<Box<Expr>>,
    /// Labels listed in `by (...)` or `without (...)`.
    pub grouping: Vec<String>,
    /// `without` rather than `by`.
    pub without: bool,
    pub span: Span,
}

/// Binary operators, in no particular order (see [`BinaryOp::precedence`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Atan2,
    Eql,
    Neq,
    Gtr,
    Lss,
    Gte,
    Lte,
    And,
    Or,
    Unless,
    /// `</`: trims the upper part of native histograms (experimental in Prometheus 3.x).
    TrimUpper,
    /// `>/`: trims the lower part of native histograms.
    TrimLower,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "^",
            BinaryOp::Atan2 => "atan2",
            BinaryOp::Eql => "==",
            BinaryOp::Neq => "!=",
            BinaryOp::Gtr => ">",
            BinaryOp::Lss => "<",
            BinaryOp::Gte => ">=",
            BinaryOp::Lte => "<=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::Unless => "unless",
            BinaryOp::TrimUpper => "</",
            BinaryOp::TrimLower => ">/",
        }
    }

    /// Binding strength: `or` 1, `and`/`unless` 2, comparisons and `</ >/` 3, `+ -` 4,
    /// `* / % atan2` 5, `^` 6.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And | BinaryOp::Unless => 2,
            BinaryOp::Eql
            | BinaryOp::Neq
            | BinaryOp::Gtr
            | BinaryOp::Lss
            | BinaryOp::Gte
            | BinaryOp::Lte
            | BinaryOp::TrimUpper
            | BinaryOp::TrimLower => 3,
            BinaryOp::Add | BinaryOp::Sub => 4,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod | BinaryOp::Atan2 => 5,
            BinaryOp::Pow => 6,
        }
    }

    /// Only `^` associates to the right.
    pub fn is_right_associative(self) -> bool {
        self == BinaryOp::Pow
    }

    /// `== != > < >= <=` (not the trim operators, which share their precedence).
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eql
                | BinaryOp::Neq
                | BinaryOp::Gtr
                | BinaryOp::Lss
                | BinaryOp::Gte
                | BinaryOp::Lte
        )
    }

    pub fn is_set_operator(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or | BinaryOp::Unless)
    }
}

/// Cardinality of a vector match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VectorMatchCardinality {
    OneToOne,
    /// `group_left`.
    ManyToOne,
    /// `group_right`.
    OneToMany,
    /// Set operators.
    ManyToMany,
}

/// `on`/`ignoring` and `group_left`/`group_right` of a binary operation between vectors.
#[derive(Clone, Debug, PartialEq)]
pub struct VectorMatching {
    pub card: VectorMatchCardinality,
    /// Labels listed in `on (...)` or `ignoring (...)`.
    pub matching_labels: Vec<String>,
    /// `on` rather than `ignoring`.
    pub on: bool,
    /// Labels listed in `group_left (...)` / `group_right (...)`.
    pub include: Vec<String>,
    /// Experimental (`promql-binop-fill-modifiers`): `fill(v)`, `fill_left(v)`,
    /// `fill_right(v)`.
    pub fill_values: VectorMatchFillValues,
}

/// Values standing in for a missing series on one side of a vector match. `None`: no
/// filling, unmatched series produce no output.
#[derive(Clone, Copy, Debug, Default)]
pub struct VectorMatchFillValues {
    pub lhs: Option<f64>,
    pub rhs: Option<f64>,
}

impl PartialEq for VectorMatchFillValues {
    /// NaN equals NaN here, as for [`NumberLiteral`]: `fill(NaN)` must round-trip.
    fn eq(&self, o: &Self) -> bool {
        same_optional_float(self.lhs, o.lhs) && same_optional_float(self.rhs, o.rhs)
    }
}

fn same_float(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn same_optional_float(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same_float(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Arithmetic operators of duration expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DurationOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

impl DurationOp {
    pub fn as_str(self) -> &'static str {
        match self {
            DurationOp::Add => "+",
            DurationOp::Sub => "-",
            DurationOp::Mul => "*",
            DurationOp::Div => "/",
            DurationOp::Mod => "%",
            DurationOp::Pow => "^",
        }
    }
}

/// Experimental (`promql-duration-expr`): arithmetic over durations in a range, a subquery
/// step or an offset, e.g. `foo[5m + step()]` or `foo offset -min_of(step(), 1m)`.
///
/// Values are in seconds, as in Prometheus, which resolves the expression once per query
/// (`step()` is the query step, `range()` its end minus its start; both 0 for an instant
/// query). A plain literal range or offset never becomes a `DurationExpr`.
#[derive(Clone, Debug)]
pub enum DurationExpr {
    /// A number of seconds, or a duration literal converted to seconds (`5m` is 300).
    /// `duration` records which of the two was written (for printing; ignored by `==`).
    Number {
        seconds: f64,
        duration: bool,
        span: Span,
    },
    /// `step()`.
    Step { span: Span },
    /// `range()`.
    Range { span: Span },
    /// `min_of(a, b)`.
    MinOf {
        lhs: Box<DurationExpr>,
        rhs: Box<DurationExpr>,
        span: Span,
    },
    /// `max_of(a, b)`.
    MaxOf {
        lhs: Box<DurationExpr>,
        rhs: Box<DurationExpr>,
        span: Span,
    },
    /// Unary minus.
    Neg { expr: Box<DurationExpr>, span: Span },
    /// `lhs op rhs`.
    Binary {
        op: DurationOp,
        lhs: Box<DurationExpr>,
        rhs: Box<DurationExpr>,
        span: Span,
    },
    /// Parentheses around a non-literal duration expression.
    Paren { expr: Box<DurationExpr>, span: Span },
}

impl PartialEq for DurationExpr {
    fn eq(&self, o: &Self) -> bool {
        use DurationExpr as D;
        match (self, o) {
            (D::Number { seconds: a, .. }, D::Number { seconds: b, .. }) => same_float(*a, *b),
            (D::Step { .. }, D::Step { .. }) | (D::Range { .. }, D::Range { .. }) => true,
            (D::MinOf { lhs: a, rhs: b, .. }, D::MinOf { lhs: c, rhs: d, .. })
            | (D::MaxOf { lhs: a, rhs: b, .. }, D::MaxOf { lhs: c, rhs: d, .. }) => {
                a == c && b == d
            }
            (D::Neg { expr: a, .. }, D::Neg { expr: b, .. })
            | (D::Paren { expr: a, .. }, D::Paren { expr: b, .. }) => a == b,
            (
                D::Binary {
                    op: o1,
                    lhs: a,
                    rhs: b,
                    ..
                },
                D::Binary {
                    op: o2,
                    lhs: c,
                    rhs: d,
                    ..
                },
            ) => o1 == o2 && a == c && b == d,
            _ => false,
        }
    }
}

impl DurationExpr {
    /// Where the expression was written.
    pub fn span(&self) -> Span {
        match self {
            DurationExpr::Number { span, .. }
            | DurationExpr::Step { span }
            | DurationExpr::Range { span }
            | DurationExpr::MinOf { span, .. }
            | DurationExpr::MaxOf { span, .. }
            | DurationExpr::Neg { span, .. }
            | DurationExpr::Binary { span, .. }
            | DurationExpr::Paren { span, .. } => *span,
        }
    }
}

/// A binary operation.
#[derive(Clone, Debug, PartialEq)]
pub struct BinaryExpr {
    pub op: BinaryOp,
    pub lhs: Box<Expr>,
    pub rhs: Box<Expr>,
    /// Present when both sides are instant vectors (filled with the defaults when the
    /// query wrote no modifiers: one-to-one, or many-to-many for set operators).
    pub matching: Option<VectorMatching>,
    /// The `bool` modifier of a comparison.
    pub return_bool: bool,
    pub span: Span,
}

/// Unary minus (unary plus is dropped by the parser).
#[derive(Clone, Debug, PartialEq)]
pub struct UnaryExpr {
    pub expr: Box<Expr>,
    pub span: Span,
}

/// A parenthesised expression.
#[derive(Clone, Debug, PartialEq)]
pub struct ParenExpr {
    pub expr: Box<Expr>,
    pub span: Span,
}

/// A number literal.
#[derive(Clone, Debug)]
pub struct NumberLiteral {
    pub val: f64,
    pub span: Span,
}

impl PartialEq for NumberLiteral {
    /// NaN equals NaN here: the literal `NaN` must survive a print/parse round trip.
    fn eq(&self, o: &Self) -> bool {
        same_float(self.val, o.val)
    }
}

/// A string literal (after unescaping).
#[derive(Clone, Debug, PartialEq)]
pub struct StringLiteral {
    pub val: String,
    pub span: Span,
    /// The exact bytes when escapes produced invalid UTF-8 (`"a\xc5z"`); `val` then holds
    /// them decoded lossily. Prometheus keeps such bytes, and rejects them at evaluation
    /// where a label name is needed (`invalid label name "a\xc5z"`).
    pub invalid_utf8: Option<Vec<u8>>,
}

/// A PromQL expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Number(NumberLiteral),
    String(StringLiteral),
    VectorSelector(VectorSelector),
    MatrixSelector(MatrixSelector),
    Subquery(SubqueryExpr),
    Call(Call),
    Aggregate(AggregateExpr),
    Binary(BinaryExpr),
    Unary(UnaryExpr),
    Paren(ParenExpr),
}

impl Expr {
    /// The type this expression evaluates to.
    pub fn value_type(&self) -> ValueType {
        match self {
            Expr::Number(_) => ValueType::Scalar,
            Expr::String(_) => ValueType::String,
            Expr::VectorSelector(_) => ValueType::Vector,
            Expr::MatrixSelector(_) | Expr::Subquery(_) => ValueType::Matrix,
            Expr::Call(c) => c.func.return_type,
            Expr::Aggregate(_) => ValueType::Vector,
            Expr::Binary(b) => {
                if b.lhs.value_type() == ValueType::Scalar
                    && b.rhs.value_type() == ValueType::Scalar
                {
                    ValueType::Scalar
                } else {
                    ValueType::Vector
                }
            }
            Expr::Unary(u) => u.expr.value_type(),
            Expr::Paren(p) => p.expr.value_type(),
        }
    }

    /// Where the expression was written.
    pub fn span(&self) -> Span {
        match self {
            Expr::Number(e) => e.span,
            Expr::String(e) => e.span,
            Expr::VectorSelector(e) => e.span,
            Expr::MatrixSelector(e) => e.span,
            Expr::Subquery(e) => e.span,
            Expr::Call(e) => e.span,
            Expr::Aggregate(e) => e.span,
            Expr::Binary(e) => e.span,
            Expr::Unary(e) => e.span,
            Expr::Paren(e) => e.span,
        }
    }
}
