//! Recording and alerting rules, templating of labels and annotations, and the
//! Alertmanager notifier.
//!
//! - [`template`]: Go `text/template` with Prometheus's functions, byte-compatible output.
//! - [`RuleManager`]: loads rule files, evaluates groups on their slots, keeps state
//!   across reloads, restores `for` state, answers the rules and alerts APIs.
//! - [`Notifier`]: relabels, queues and posts alerts to Alertmanager (API v2).
//! - [`check_rules_files`]: `promtool check rules`.
//! - [`run_rule_tests`]: `promtool test rules`.

mod alert;
mod alerting;
mod api;
mod check;
mod error;
mod group;
mod manager;
pub mod notifier;
mod query;
mod recording;
pub mod template;
mod unittest;

pub use alert::{Alert, AlertState};
pub use alerting::{AlertingRule, ALERTS_FOR_STATE_METRIC, ALERTS_METRIC, RESOLVED_RETENTION_MS};
pub use api::{format_alert_value, AlertView, RuleGroupView, RuleKindView, RuleView};
pub use check::{check_rules_files, CheckRulesReport, FileCheck};
pub use error::RulesError;
pub use group::{EvalContext, Group, GroupCounters, Rule, RuleHealth, RuleStatus};
pub use manager::{expand_rule_file_patterns, RuleManager, RuleManagerDeps, RuleManagerOptions};
pub use notifier::{
    AlertSender, AlertmanagerCounters, Notifier, NotifierAlert, NotifierMetrics, NotifierOptions,
    META_FILEPATH_LABEL,
};
pub use query::{EngineQuerier, RuleQuerier, RuleSample};
pub use recording::RecordingRule;
pub use unittest::{
    run_rule_tests, run_rule_tests_with, RuleTestFileResult, RuleTestOptions, RuleTestReport,
};
