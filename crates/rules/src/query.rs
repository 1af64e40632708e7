//! How rules run PromQL: the [`RuleQuerier`] trait (an instant query returning a vector)
//! and its implementation over the promql [`Engine`] and a [`Queryable`].

use std::sync::Arc;

use promlite_model::Labels;
use promlite_promql::{Engine, QueryControl, Value};
use promlite_promql_parser::{Expr, ParseOptions};
use promlite_storage::Queryable;

use crate::template::{QuerySample, TemplateQuerier};

/// One element of a rule's result vector.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSample {
    pub labels: Labels,
    /// Milliseconds.
    pub t: i64,
    pub v: f64,
}

/// Runs instant queries for rule evaluation and for the `query` template function.
pub trait RuleQuerier: Send + Sync {
    /// Evaluates `expr` at `t_ms`. A scalar result is one sample without labels; other
    /// non-vector results are an error, as in Prometheus.
    fn query(&self, expr: &Expr, t_ms: i64) -> Result<Vec<RuleSample>, String>;

    /// Parses the text the `query` template function gets, with the PromQL features
    /// the server enables for rule expressions (default: none).
    fn parse(&self, expr: &str) -> Result<Expr, String> {
        promlite_promql_parser::parse(expr).map_err(|e| e.to_string())
    }
}

/// [`RuleQuerier`] over the PromQL engine and a storage.
#[derive(Clone)]
pub struct EngineQuerier {
    pub engine: Engine,
    pub queryable: Arc<dyn Queryable>,
    /// How template `query` calls parse their text.
    pub parse_options: ParseOptions,
}

impl EngineQuerier {
    pub fn new(engine: Engine, queryable: Arc<dyn Queryable>) -> EngineQuerier {
        EngineQuerier {
            engine,
            queryable,
            parse_options: ParseOptions::default(),
        }
    }

    /// Parses template queries with `opts` (e.g. experimental functions enabled).
    pub fn with_parse_options(mut self, opts: ParseOptions) -> EngineQuerier {
        self.parse_options = opts;
        self
    }
}

impl std::fmt::Debug for EngineQuerier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineQuerier").finish_non_exhaustive()
    }
}

impl RuleQuerier for EngineQuerier {
    fn query(&self, expr: &Expr, t_ms: i64) -> Result<Vec<RuleSample>, String> {
        let result = self
            .engine
            .instant_query(self.queryable.as_ref(), expr, t_ms, &QueryControl::new())
            .map_err(|e| e.to_string())?;
        match result.value {
            Value::Vector(v) => Ok(v
                .into_iter()
                .map(|e| RuleSample {
                    labels: e.labels,
                    t: e.t,
                    v: e.v,
                })
                .collect()),
            Value::Scalar { t, v } => Ok(vec![RuleSample {
                labels: Labels::empty(),
                t,
                v,
            }]),
            _ => Err("rule result is not a vector or scalar".into()),
        }
    }

    fn parse(&self, expr: &str) -> Result<Expr, String> {
        promlite_promql_parser::parse_with(expr, &self.parse_options).map_err(|e| e.to_string())
    }
}

/// Lets templates call `query` through a [`RuleQuerier`].
pub(crate) struct TemplateQueryAdapter<'a>(pub &'a dyn RuleQuerier);

impl TemplateQuerier for TemplateQueryAdapter<'_> {
    fn query(&self, expr: &str, t_ms: i64) -> Result<Vec<QuerySample>, String> {
        let parsed = self.0.parse(expr)?;
        let samples = self.0.query(&parsed, t_ms)?;
        Ok(samples
            .into_iter()
            .map(|s| QuerySample {
                labels: s
                    .labels
                    .iter()
                    .map(|l| (l.name.to_string(), l.value.to_string()))
                    .collect(),
                value: s.v,
            })
            .collect())
    }
}
