//! PromQL evaluator: instant and range queries over the storage traits, and the
//! promqltest runner.
//!
//! ```
//! use promlite_model::Labels;
//! use promlite_promql::{Engine, EngineOptions, QueryControl, Value};
//! use promlite_promql_parser::{Expr, NumberLiteral, Span};
//! use promlite_storage::MemStorage;
//!
//! let engine = Engine::new(EngineOptions::default());
//! let expr = Expr::Number(NumberLiteral { val: 42.0, span: Span::default() });
//! let r = engine.instant_query(&MemStorage::new(), &expr, 1_000, &QueryControl::new()).unwrap();
//! assert_eq!(r.value, Value::Scalar { t: 1_000, v: 42.0 });
//! ```
//!
//! Semantics are Prometheus 3's: left-open range selectors and lookback windows
//! `(t - range, t]`, staleness markers ending series, `@` and `offset`, subqueries on
//! absolutely aligned steps, and the same result labels, warnings and errors.

mod annotations;
mod engine;
mod error;
mod eval;
mod format;
mod functions;
mod kahan;
mod options;
mod plan;
pub mod promqltest;
mod value;

pub use annotations::{Annotation, AnnotationKind};
pub use engine::Engine;
pub use error::{PromqlError, Result};
pub use options::{CancelToken, EngineOptions, QueryControl};
pub use value::{MatrixSeries, QueryResult, Value, VectorElement};
