//! Plain views of rule groups, rules and alerts for `/api/v1/rules` and `/api/v1/alerts`
//! (the http crate renders them as Prometheus's JSON).

use promlite_model::Labels;

use crate::alert::{Alert, AlertState};
use crate::group::{Group, GroupCounters, Rule, RuleEntry};
use crate::manager::RuleManager;

/// One alert as the API shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertView {
    pub labels: Labels,
    pub annotations: Vec<(String, String)>,
    /// `pending` or `firing`.
    pub state: &'static str,
    /// ms since the epoch.
    pub active_at: i64,
    pub value: f64,
    pub keep_firing_since: Option<i64>,
}

/// `recording` or `alerting` with the fields that kind has.
#[derive(Clone, Debug, PartialEq)]
pub enum RuleKindView {
    Recording,
    Alerting {
        /// `inactive`, `pending`, `firing` (or `unknown` before the first evaluation).
        state: &'static str,
        duration_seconds: f64,
        keep_firing_for_seconds: f64,
        annotations: Vec<(String, String)>,
        alerts: Vec<AlertView>,
    },
}

/// One rule as the API shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleView {
    pub name: String,
    pub query: String,
    pub labels: Vec<(String, String)>,
    /// `ok`, `err` or `unknown`.
    pub health: &'static str,
    /// Empty when the last evaluation succeeded.
    pub last_error: String,
    pub evaluation_time_seconds: f64,
    /// Wall-clock ms of the last evaluation (`None` = never: Go's zero time).
    pub last_evaluation: Option<i64>,
    pub kind: RuleKindView,
}

/// One group as the API shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleGroupView {
    pub name: String,
    pub file: String,
    pub interval_seconds: f64,
    pub limit: u64,
    pub rules: Vec<RuleView>,
    pub evaluation_time_seconds: f64,
    pub last_evaluation: Option<i64>,
    /// Evaluation counters for `/metrics`.
    pub counters: GroupCounters,
}

fn alert_view(a: &Alert) -> AlertView {
    AlertView {
        labels: a.labels.clone(),
        annotations: a.annotations.clone(),
        state: a.state.as_str(),
        active_at: a.active_at,
        value: a.value,
        keep_firing_since: a.keep_firing_since,
    }
}

fn rule_view(entry: &RuleEntry) -> RuleView {
    let (labels, kind) = match &entry.rule {
        Rule::Recording(r) => (
            r.labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            RuleKindView::Recording,
        ),
        Rule::Alerting(r) => (
            r.labels(),
            RuleKindView::Alerting {
                state: Group::rule_state(entry).as_str(),
                duration_seconds: r.hold_ms as f64 / 1000.0,
                keep_firing_for_seconds: r.keep_firing_for_ms as f64 / 1000.0,
                annotations: r.annotations(),
                alerts: r.active_alerts().iter().map(alert_view).collect(),
            },
        ),
    };
    RuleView {
        name: entry.rule.name().to_string(),
        query: entry.rule.query().to_string(),
        labels,
        health: entry.status.health.as_str(),
        last_error: entry.status.last_error.clone().unwrap_or_default(),
        evaluation_time_seconds: entry.status.evaluation_seconds,
        last_evaluation: entry.status.last_evaluation,
        kind,
    }
}

/// Prometheus's text for an alert's value in the API (`strconv.FormatFloat(v, 'e', -1, 64)`).
pub fn format_alert_value(v: f64) -> String {
    crate::template::format_float(v, 'e', None)
}

impl RuleManager {
    /// Every group, sorted by file then name, with its rules in order.
    pub fn rule_groups(&self) -> Vec<RuleGroupView> {
        self.with_groups(|groups| {
            let mut out: Vec<RuleGroupView> = groups
                .into_iter()
                .map(|g| RuleGroupView {
                    name: g.name.clone(),
                    file: g.file.clone(),
                    interval_seconds: g.interval_ms as f64 / 1000.0,
                    limit: g.limit,
                    rules: g.rules.iter().map(rule_view).collect(),
                    evaluation_time_seconds: g.evaluation_seconds,
                    last_evaluation: g.last_evaluation,
                    counters: g.counters,
                })
                .collect();
            out.sort_by(|a, b| (&a.file, &a.name).cmp(&(&b.file, &b.name)));
            out
        })
    }

    /// Every pending or firing alert (`/api/v1/alerts`).
    pub fn alerts(&self) -> Vec<AlertView> {
        self.with_groups(|groups| {
            groups
                .iter()
                .flat_map(|g| g.rules.iter())
                .filter_map(|e| match &e.rule {
                    Rule::Alerting(r) => Some(r.active_alerts()),
                    Rule::Recording(_) => None,
                })
                .flatten()
                .filter(|a| a.state != AlertState::Inactive)
                .map(|a| alert_view(&a))
                .collect()
        })
    }
}
