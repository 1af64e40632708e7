//! Recording rules: evaluate the expression and store each result under the rule's
//! metric name with the rule's labels applied.

use std::collections::BTreeMap;

use promlite_model::LabelsBuilder;
use promlite_promql_parser::Expr;

use crate::error::RulesError;
use crate::query::{RuleQuerier, RuleSample};

/// A recording rule.
#[derive(Clone, Debug)]
pub struct RecordingRule {
    pub(crate) name: String,
    pub(crate) expr: Expr,
    pub(crate) expr_text: String,
    /// Group and rule labels (rule wins), sorted by name.
    pub(crate) labels: BTreeMap<String, String>,
}

impl RecordingRule {
    pub(crate) fn new(name: &str, expr: Expr, labels: BTreeMap<String, String>) -> RecordingRule {
        RecordingRule {
            name: name.to_string(),
            expr_text: expr.to_string(),
            expr,
            labels,
        }
    }

    /// Evaluates at `ts` (minus the query offset) and renames the results.
    pub(crate) fn eval(
        &self,
        ts: i64,
        query_offset_ms: i64,
        querier: &dyn RuleQuerier,
        limit: u64,
    ) -> Result<Vec<RuleSample>, RulesError> {
        let mut vector = querier
            .query(&self.expr, ts - query_offset_ms)
            .map_err(RulesError::Eval)?;
        for s in &mut vector {
            let mut lb = LabelsBuilder::from(&s.labels);
            lb.set(promlite_model::METRIC_NAME, &self.name);
            for (k, v) in &self.labels {
                lb.set(k, v);
            }
            s.labels = lb.build();
        }
        let mut seen = std::collections::HashSet::with_capacity(vector.len());
        for s in &vector {
            if !seen.insert(&s.labels) {
                return Err(RulesError::DuplicateRecordingLabelSet);
            }
        }
        if limit > 0 && vector.len() as u64 > limit {
            return Err(RulesError::LimitExceeded {
                limit,
                count: vector.len(),
                what: "series",
            });
        }
        Ok(vector)
    }
}
