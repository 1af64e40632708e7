//! The evaluation plan: the AST lowered into the evaluator's own node tree, with
//! parentheses removed, `@ start()`/`@ end()` and `start()`/`end()`/`range()`/`step()`
//! resolved, step-invariant subtrees marked, functions dispatched to an enum, and each
//! selector's storage time range computed (Prometheus's `FindMinMaxTime` /
//! `getTimeRangesForSelector`).

mod lower;

use promlite_model::Matcher;
use promlite_promql_parser::{AggregateOp, BinaryOp, Span, ValueType, VectorMatchCardinality};
use promlite_storage::SelectHints;

use crate::functions::Func;

pub(crate) use lower::{bounded, lower, LowerParams};

/// An instant vector selector.
#[derive(Debug, Clone)]
pub(crate) struct SelectorNode {
    pub matchers: Vec<Matcher>,
    /// Offset as written (ms).
    pub offset: i64,
    /// Resolved `@` time (ms).
    pub at: Option<i64>,
    /// Experimental `anchored` modifier: windows also take the last sample before them.
    pub anchored: bool,
    /// Experimental `smoothed` modifier: values interpolated at window boundaries.
    pub smoothed: bool,
    /// What to ask the storage for: the time range covers every step that will read it.
    pub hints: SelectHints,
}

/// A range selector `sel[range]`.
#[derive(Debug, Clone)]
pub(crate) struct MatrixNode {
    pub sel: SelectorNode,
    pub range: i64,
}

/// A subquery `expr[range:step]`.
#[derive(Debug, Clone)]
pub(crate) struct SubqueryNode {
    pub expr: Node,
    pub range: i64,
    /// Resolved step (the engine default when omitted).
    pub step: i64,
    pub offset: i64,
    pub at: Option<i64>,
}

/// A function call.
#[derive(Debug, Clone)]
pub(crate) struct CallNode {
    pub func: Func,
    pub name: &'static str,
    pub args: Vec<Node>,
    /// Where the call and each argument (without parentheses) were written.
    pub span: Span,
    pub arg_spans: Vec<Span>,
}

impl CallNode {
    /// Where argument `i` was written (empty when there is none).
    pub(crate) fn arg_span(&self, i: usize) -> Span {
        self.arg_spans.get(i).copied().unwrap_or_default()
    }
}

/// An aggregation.
#[derive(Debug, Clone)]
pub(crate) struct AggregateNode {
    pub op: AggregateOp,
    pub expr: Node,
    pub param: Option<Node>,
    pub param_span: Span,
    /// Sorted grouping labels.
    pub grouping: Vec<String>,
    pub without: bool,
}

/// How the series of two vectors are matched (`on`/`ignoring`, `group_left/right`).
#[derive(Debug, Clone)]
pub(crate) struct Matching {
    pub card: VectorMatchCardinality,
    /// Labels listed in `on (...)` or `ignoring (...)`.
    pub labels: Vec<String>,
    pub on: bool,
    /// Labels copied from the "one" side (`group_left (...)`).
    pub include: Vec<String>,
    /// `fill_left(v)`: the value standing in for a missing left-hand series.
    pub fill_lhs: Option<f64>,
    /// `fill_right(v)`: the value standing in for a missing right-hand series.
    pub fill_rhs: Option<f64>,
}

/// A binary operation.
#[derive(Debug, Clone)]
pub(crate) struct BinaryNode {
    pub op: BinaryOp,
    pub lhs: Node,
    pub rhs: Node,
    pub lhs_type: ValueType,
    pub rhs_type: ValueType,
    /// Present when both sides are instant vectors.
    pub matching: Option<Matching>,
    pub return_bool: bool,
    pub span: Span,
}

/// A string literal.
#[derive(Debug, Clone)]
pub(crate) struct StrNode {
    /// The value (invalid UTF-8 replaced by U+FFFD).
    pub text: String,
    /// The Go-quoted original when its bytes were not valid UTF-8 (`"a\xc5z"`): such a
    /// string can never name a label.
    pub invalid_quoted: Option<String>,
}

/// A node of the plan.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Number(f64),
    String(StrNode),
    VectorSelector(Box<SelectorNode>),
    MatrixSelector(Box<MatrixNode>),
    Subquery(Box<SubqueryNode>),
    Call(Box<CallNode>),
    Aggregate(Box<AggregateNode>),
    Binary(Box<BinaryNode>),
    /// Unary minus.
    Negate(Box<Node>),
    /// A subtree whose value does not depend on the evaluation time: evaluated once at
    /// the start and repeated for every step.
    StepInvariant(Box<Node>),
}

impl Node {
    /// Whether the node evaluates to a scalar (one value at every step).
    pub(crate) fn is_scalar_valued(&self) -> bool {
        match self {
            Node::Number(_) => true,
            Node::Call(c) => c.func.returns_scalar(),
            Node::Binary(b) => b.lhs_type == ValueType::Scalar && b.rhs_type == ValueType::Scalar,
            Node::Negate(n) | Node::StepInvariant(n) => n.is_scalar_valued(),
            _ => false,
        }
    }

    /// The node without step-invariance wrappers.
    pub(crate) fn unwrapped(&self) -> &Node {
        match self {
            Node::StepInvariant(n) => n.unwrapped(),
            n => n,
        }
    }
}
