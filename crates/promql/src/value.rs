//! Query results ([`Value`], [`QueryResult`]) and the evaluator's internal step series.

use promlite_model::{Labels, Sample};

/// One element of an instant vector: labels, evaluation timestamp (ms) and value.
#[derive(Clone, Debug, PartialEq)]
pub struct VectorElement {
    pub labels: Labels,
    pub t: i64,
    pub v: f64,
}

/// One series of a matrix: labels and points in time order.
#[derive(Clone, Debug, PartialEq)]
pub struct MatrixSeries {
    pub labels: Labels,
    pub samples: Vec<Sample>,
}

/// The value of a query, as the HTTP API reports it (`resultType`).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `scalar`: evaluation time (ms) and value.
    Scalar { t: i64, v: f64 },
    /// `string`: evaluation time (ms) and text.
    String { t: i64, v: String },
    /// `vector`: the result of an instant query, in evaluation order (sorted for `sort`,
    /// `topk`, ...).
    Vector(Vec<VectorElement>),
    /// `matrix`: the result of a range query (one point per step), or of an instant query
    /// of a range vector (raw samples). Always sorted by labels.
    Matrix(Vec<MatrixSeries>),
}

impl Value {
    /// Prometheus's `resultType` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Scalar { .. } => "scalar",
            Value::String { .. } => "string",
            Value::Vector(_) => "vector",
            Value::Matrix(_) => "matrix",
        }
    }
}

/// A query's value with the annotations Prometheus returns beside it (HTTP `warnings`
/// and `infos`), each string in Prometheus's wording (`PromQL warning: ...`).
#[derive(Clone, Debug, PartialEq)]
pub struct QueryResult {
    pub value: Value,
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
    /// The most samples the query held in memory at once (Prometheus's `peakSamples`).
    pub peak_samples: usize,
    /// The same warnings and infos with where they point in the query text.
    pub annotations: Vec<crate::Annotation>,
}

impl QueryResult {
    /// Warnings and infos as Prometheus 3.14's HTTP API shows them, each followed by the
    /// `(line:col)` of its expression in `query`, the text the query was parsed from.
    pub fn annotations_for_query(&self, query: &str) -> (Vec<String>, Vec<String>) {
        let mut w = Vec::new();
        let mut i = Vec::new();
        for a in &self.annotations {
            match a.kind {
                crate::AnnotationKind::Warning => w.push(a.render(query)),
                crate::AnnotationKind::Info => i.push(a.render(query)),
            }
        }
        (w, i)
    }
}

/// A series of the evaluator: one point per step of the evaluation grid where it has a
/// value (instant vectors), or raw samples (range vectors).
#[derive(Clone, Debug)]
pub(crate) struct StepSeries {
    pub labels: Labels,
    /// The metric name must be removed before the result leaves the engine (delayed
    /// name removal); without delayed removal the label is already gone.
    pub drop_name: bool,
    pub points: Vec<Sample>,
}

impl StepSeries {
    pub(crate) fn new(labels: Labels, points: Vec<Sample>) -> StepSeries {
        StepSeries {
            labels,
            drop_name: false,
            points,
        }
    }
}

/// What an expression evaluates to over the evaluation grid.
#[derive(Clone, Debug)]
pub(crate) enum Val {
    /// One value per step (dense).
    Scalar(Vec<f64>),
    /// Instant vectors over all steps; points sit on grid timestamps.
    Vector(Vec<StepSeries>),
    /// A range vector (raw samples, instant evaluation only).
    Matrix(Vec<StepSeries>),
    String(String),
}

impl Val {
    /// Points held, for the max-samples limit.
    pub(crate) fn num_points(&self) -> usize {
        match self {
            Val::Scalar(v) => v.len(),
            Val::Vector(s) | Val::Matrix(s) => s.iter().map(|s| s.points.len()).sum(),
            Val::String(_) => 0,
        }
    }
}
