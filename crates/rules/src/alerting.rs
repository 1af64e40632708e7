//! Alerting rules: turn each element of the expression's result into an alert that goes
//! inactive → pending → firing → resolved exactly as Prometheus's `AlertingRule.Eval`
//! does (`for`, `keep_firing_for`, the 15-minute resolved retention, `limit`), expand
//! its labels and annotations, and produce the `ALERTS` / `ALERTS_FOR_STATE` samples.

use std::collections::BTreeMap;
use std::sync::Arc;

use promlite_model::{Labels, LabelsBuilder};
use promlite_promql_parser::Expr;

use crate::alert::{Alert, AlertState};
use crate::error::RulesError;
use crate::query::{RuleQuerier, RuleSample, TemplateQueryAdapter};
use crate::template::{AlertTemplateData, FuncEnv, Template, TemplateError};

/// Metric name of the synthetic alert series.
pub const ALERTS_METRIC: &str = "ALERTS";
/// Metric name of the series that remembers when each alert became active.
pub const ALERTS_FOR_STATE_METRIC: &str = "ALERTS_FOR_STATE";
/// How long a resolved alert is kept (and re-sent) after it resolved.
pub const RESOLVED_RETENTION_MS: i64 = 15 * 60 * 1000;

/// A label or annotation template, parsed once.
#[derive(Clone, Debug)]
pub(crate) struct TemplatedValue {
    pub name: String,
    pub raw: String,
    parsed: Result<Template, TemplateError>,
}

impl TemplatedValue {
    fn new(alert_name: &str, name: &str, raw: &str) -> TemplatedValue {
        TemplatedValue {
            name: name.to_string(),
            raw: raw.to_string(),
            parsed: Template::parse_alert(alert_name, raw),
        }
    }

    fn expand(&self, data: &AlertTemplateData, env: &FuncEnv<'_>) -> String {
        // A value without actions needs no engine.
        if !self.raw.contains("{{") {
            return self.raw.clone();
        }
        match &self.parsed {
            Ok(t) => t.expand_alert(data, env),
            Err(e) => format!("<error expanding template: {e}>"),
        }
    }
}

/// An alerting rule and its active alerts.
#[derive(Clone, Debug)]
pub struct AlertingRule {
    pub(crate) name: String,
    pub(crate) expr: Expr,
    pub(crate) expr_text: String,
    pub(crate) hold_ms: i64,
    pub(crate) keep_firing_for_ms: i64,
    /// Group and rule labels (rule wins), sorted by name, unexpanded.
    pub(crate) labels: Vec<TemplatedValue>,
    /// Sorted by name, unexpanded.
    pub(crate) annotations: Vec<TemplatedValue>,
    pub(crate) external_labels: Arc<BTreeMap<String, String>>,
    pub(crate) external_url: Arc<str>,
    /// `ALERTS`/`ALERTS_FOR_STATE` are written only once `for` state was restored.
    pub(crate) restored: bool,
    pub(crate) active: BTreeMap<Labels, Alert>,
}

/// Rule settings for [`AlertingRule::new`].
pub(crate) struct AlertingRuleSpec<'a> {
    pub name: &'a str,
    pub expr: Expr,
    pub hold_ms: i64,
    pub keep_firing_for_ms: i64,
    pub labels: &'a BTreeMap<String, String>,
    pub annotations: &'a BTreeMap<String, String>,
    pub external_labels: Arc<BTreeMap<String, String>>,
    pub external_url: Arc<str>,
    pub restored: bool,
}

impl AlertingRule {
    pub(crate) fn new(spec: AlertingRuleSpec<'_>) -> AlertingRule {
        let templated = |m: &BTreeMap<String, String>| {
            m.iter()
                .map(|(k, v)| TemplatedValue::new(spec.name, k, v))
                .collect()
        };
        AlertingRule {
            name: spec.name.to_string(),
            expr_text: spec.expr.to_string(),
            expr: spec.expr,
            hold_ms: spec.hold_ms,
            keep_firing_for_ms: spec.keep_firing_for_ms,
            labels: templated(spec.labels),
            annotations: templated(spec.annotations),
            external_labels: spec.external_labels,
            external_url: spec.external_url,
            restored: spec.restored,
            active: BTreeMap::new(),
        }
    }

    /// The rule's labels, unexpanded, sorted by name.
    pub fn labels(&self) -> Vec<(String, String)> {
        self.labels
            .iter()
            .map(|t| (t.name.clone(), t.raw.clone()))
            .collect()
    }

    /// The rule's annotations, unexpanded, sorted by name.
    pub fn annotations(&self) -> Vec<(String, String)> {
        self.annotations
            .iter()
            .map(|t| (t.name.clone(), t.raw.clone()))
            .collect()
    }

    /// Highest state of its alerts (`Unknown` before the first evaluation is decided by
    /// the caller, which knows the evaluation time).
    pub fn max_state(&self) -> AlertState {
        self.active
            .values()
            .map(|a| a.state)
            .max()
            .unwrap_or(AlertState::Inactive)
            .max(AlertState::Inactive)
    }

    /// Evaluates the rule at `ts` and returns the `ALERTS`/`ALERTS_FOR_STATE` samples.
    pub(crate) fn eval(
        &mut self,
        ts: i64,
        query_offset_ms: i64,
        querier: &dyn RuleQuerier,
        limit: u64,
    ) -> Result<Vec<RuleSample>, RulesError> {
        let result = querier
            .query(&self.expr, ts - query_offset_ms)
            .map_err(RulesError::Eval)?;
        let adapter = TemplateQueryAdapter(querier);
        let env = FuncEnv {
            querier: Some(&adapter),
            timestamp_ms: ts,
            external_url: &self.external_url,
        };
        let mut fresh: BTreeMap<Labels, Alert> = BTreeMap::new();
        for sample in &result {
            let data = AlertTemplateData {
                labels: sample
                    .labels
                    .iter()
                    .map(|l| (l.name.to_string(), l.value.to_string()))
                    .collect(),
                external_labels: (*self.external_labels).clone(),
                external_url: self.external_url.to_string(),
                value: sample.v,
            };
            let mut lb = LabelsBuilder::from(&sample.labels);
            lb.del(promlite_model::METRIC_NAME);
            for l in &self.labels {
                lb.set(&l.name, &l.expand(&data, &env));
            }
            lb.set("alertname", &self.name);
            let annotations: Vec<(String, String)> = self
                .annotations
                .iter()
                .map(|a| (a.name.clone(), a.expand(&data, &env)))
                .collect();
            let labels = lb.build();
            if fresh.contains_key(&labels) {
                return Err(RulesError::DuplicateAlertLabelSet);
            }
            fresh.insert(
                labels.clone(),
                Alert {
                    state: AlertState::Pending,
                    labels,
                    annotations,
                    value: sample.v,
                    active_at: ts,
                    fired_at: None,
                    resolved_at: None,
                    last_sent_at: None,
                    valid_until: None,
                    keep_firing_since: None,
                },
            );
        }

        for (labels, alert) in &fresh {
            match self.active.get_mut(labels) {
                Some(existing) if existing.state != AlertState::Inactive => {
                    existing.value = alert.value;
                    existing.annotations = alert.annotations.clone();
                }
                _ => {
                    self.active.insert(labels.clone(), alert.clone());
                }
            }
        }

        let mut out = Vec::new();
        let mut num_active_pending = 0usize;
        let mut to_delete = Vec::new();
        let sample_ts = ts - query_offset_ms;
        let mut active = std::mem::take(&mut self.active);
        for (labels, a) in active.iter_mut() {
            if !fresh.contains_key(labels) {
                let mut keep_firing = false;
                if a.state == AlertState::Firing && self.keep_firing_for_ms > 0 {
                    let since = *a.keep_firing_since.get_or_insert(ts);
                    if ts - since < self.keep_firing_for_ms {
                        keep_firing = true;
                    }
                }
                // Resolved alerts stay for a while so their resolution keeps being sent.
                if a.state == AlertState::Pending
                    || a.resolved_at
                        .is_some_and(|r| ts - r > RESOLVED_RETENTION_MS)
                {
                    to_delete.push(labels.clone());
                }
                if a.state != AlertState::Inactive && !keep_firing {
                    a.state = AlertState::Inactive;
                    a.resolved_at = Some(ts);
                }
                if !keep_firing {
                    continue;
                }
            } else {
                a.keep_firing_since = None;
            }
            num_active_pending += 1;
            if a.state == AlertState::Pending && ts - a.active_at >= self.hold_ms {
                a.state = AlertState::Firing;
                a.fired_at = Some(ts);
            }
            // A shorter `for` after a reload may not have been reached yet.
            if a.state == AlertState::Firing && ts - a.active_at < self.hold_ms {
                a.state = AlertState::Pending;
                a.fired_at = None;
                a.last_sent_at = None;
                a.keep_firing_since = None;
            }
            if self.restored {
                out.push(self.alerts_sample(a, sample_ts));
                let active_at_seconds = a.active_at.div_euclid(1000) as f64;
                out.push(self.for_state_sample(Some(a), sample_ts, active_at_seconds));
            }
        }
        self.active = active;
        for labels in to_delete {
            self.active.remove(&labels);
        }
        if limit > 0 && num_active_pending as u64 > limit {
            self.active.clear();
            return Err(RulesError::LimitExceeded {
                limit,
                count: num_active_pending,
                what: "alerts",
            });
        }
        Ok(out)
    }

    fn base_builder(&self) -> LabelsBuilder {
        let mut lb = LabelsBuilder::new();
        for l in &self.labels {
            lb.set(&l.name, &l.raw);
        }
        lb
    }

    fn alerts_sample(&self, a: &Alert, t: i64) -> RuleSample {
        let mut lb = self.base_builder();
        for l in a.labels.iter() {
            lb.set(l.name, l.value);
        }
        lb.set(promlite_model::METRIC_NAME, ALERTS_METRIC);
        lb.set("alertname", &self.name);
        lb.set("alertstate", a.state.as_str());
        RuleSample {
            labels: lb.build(),
            t,
            v: 1.0,
        }
    }

    /// An `ALERTS_FOR_STATE` sample; without an alert, the labels every such series of
    /// this rule shares.
    pub(crate) fn for_state_sample(&self, a: Option<&Alert>, t: i64, v: f64) -> RuleSample {
        let mut lb = self.base_builder();
        if let Some(a) = a {
            for l in a.labels.iter() {
                lb.set(l.name, l.value);
            }
        }
        lb.set(promlite_model::METRIC_NAME, ALERTS_FOR_STATE_METRIC);
        lb.set("alertname", &self.name);
        RuleSample {
            labels: lb.build(),
            t,
            v,
        }
    }

    /// Alerts that are due to be sent at `ts`, marked as sent, with `valid_until` set to
    /// `ts + 4 × max(interval, resend_delay)` as Prometheus does.
    pub(crate) fn alerts_to_send(
        &mut self,
        ts: i64,
        resend_delay_ms: i64,
        interval_ms: i64,
    ) -> Vec<Alert> {
        let mut out = Vec::new();
        for a in self.active.values_mut() {
            if a.needs_sending(ts, resend_delay_ms) {
                a.last_sent_at = Some(ts);
                a.valid_until = Some(ts + 4 * interval_ms.max(resend_delay_ms));
                out.push(a.clone());
            }
        }
        out
    }

    /// Alerts that are pending or firing (resolved ones excluded).
    pub fn active_alerts(&self) -> Vec<Alert> {
        self.active
            .values()
            .filter(|a| a.resolved_at.is_none())
            .cloned()
            .collect()
    }
}
