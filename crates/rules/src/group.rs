//! A rule group: rules evaluated in order at one timestamp (so later rules see earlier
//! results), their results appended to storage with staleness markers for series that
//! went away, alerts handed to the notifier, `for` state restored from
//! `ALERTS_FOR_STATE` after a restart, and Prometheus's per-group evaluation slot.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use promlite_model::{Labels, Matcher, STALE_NAN};
use promlite_storage::{Appendable, Queryable, SelectHints, StorageError};

use crate::alert::{Alert, AlertState};
use crate::alerting::AlertingRule;
use crate::notifier::{AlertSender, NotifierAlert};
use crate::query::{RuleQuerier, RuleSample};
use crate::recording::RecordingRule;

/// A recording or alerting rule.
#[derive(Clone, Debug)]
pub enum Rule {
    Recording(RecordingRule),
    Alerting(AlertingRule),
}

impl Rule {
    pub fn name(&self) -> &str {
        match self {
            Rule::Recording(r) => &r.name,
            Rule::Alerting(r) => &r.name,
        }
    }

    /// The expression as Prometheus prints it.
    pub fn query(&self) -> &str {
        match self {
            Rule::Recording(r) => &r.expr_text,
            Rule::Alerting(r) => &r.expr_text,
        }
    }

    /// Everything that defines the rule, for deciding whether a reload changed it.
    pub(crate) fn definition(&self) -> String {
        match self {
            Rule::Recording(r) => format!("record:{}\n{}\n{:?}", r.name, r.expr_text, r.labels),
            Rule::Alerting(r) => format!(
                "alert:{}\n{}\n{}\n{}\n{:?}\n{:?}",
                r.name,
                r.expr_text,
                r.hold_ms,
                r.keep_firing_for_ms,
                r.labels(),
                r.annotations()
            ),
        }
    }

    /// Name plus labels: how a reload matches old rules to new ones.
    fn identity(&self) -> String {
        match self {
            Rule::Recording(r) => format!("{}{:?}", r.name, r.labels),
            Rule::Alerting(r) => format!("{}{:?}", r.name, r.labels()),
        }
    }
}

/// `ok`, `err` or `unknown`, as `/api/v1/rules` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleHealth {
    Unknown,
    Ok,
    Err,
}

impl RuleHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleHealth::Unknown => "unknown",
            RuleHealth::Ok => "ok",
            RuleHealth::Err => "err",
        }
    }
}

/// The outcome of a rule's last evaluation.
#[derive(Clone, Debug)]
pub struct RuleStatus {
    pub health: RuleHealth,
    pub last_error: Option<String>,
    /// Wall-clock ms when the last evaluation started (`None` = never).
    pub last_evaluation: Option<i64>,
    /// Seconds the last evaluation took.
    pub evaluation_seconds: f64,
}

/// A rule with its evaluation state.
#[derive(Clone, Debug)]
pub(crate) struct RuleEntry {
    pub rule: Rule,
    pub status: RuleStatus,
    /// Series written by the last successful evaluation (for staleness markers).
    pub previous_series: Option<HashSet<Labels>>,
}

/// What a group needs from the outside to evaluate.
pub struct EvalContext<'a> {
    pub querier: &'a dyn RuleQuerier,
    pub appendable: &'a dyn Appendable,
    pub sender: Option<&'a dyn AlertSender>,
    /// `--web.external-url`, prefixed to `generatorURL`.
    pub external_url: &'a str,
    /// `--rules.alert.resend-delay` in ms.
    pub resend_delay_ms: i64,
    /// Wall clock in ms, for `lastEvaluation` (never for evaluation timestamps).
    pub now_ms: &'a dyn Fn() -> i64,
}

/// Counters of a group's evaluations, as Prometheus's `prometheus_rule_*` metrics
/// count them (kept across reloads that change the group).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupCounters {
    /// Rules evaluated (`prometheus_rule_evaluations_total`).
    pub evaluations: u64,
    /// Rule evaluations that failed (`prometheus_rule_evaluation_failures_total`).
    pub evaluation_failures: u64,
    /// Scheduled iterations, missed ones included (`..._rule_group_iterations_total`).
    pub iterations: u64,
    /// Iterations skipped because an evaluation ran late
    /// (`prometheus_rule_group_iterations_missed_total`).
    pub iterations_missed: u64,
    /// Samples the last evaluation produced (`..._last_evaluation_samples`).
    pub last_samples: u64,
}

/// A group of rules sharing an interval.
#[derive(Clone, Debug)]
pub struct Group {
    pub(crate) name: String,
    pub(crate) file: String,
    pub(crate) interval_ms: i64,
    pub(crate) limit: u64,
    pub(crate) query_offset_ms: i64,
    pub(crate) rules: Vec<RuleEntry>,
    pub(crate) stale_series: Vec<Labels>,
    pub(crate) should_restore: bool,
    pub(crate) evaluation_seconds: f64,
    pub(crate) last_evaluation: Option<i64>,
    pub(crate) last_eval_timestamp: Option<i64>,
    pub(crate) counters: GroupCounters,
}

impl Group {
    pub(crate) fn new(
        name: &str,
        file: &str,
        interval_ms: i64,
        limit: u64,
        query_offset_ms: i64,
        rules: Vec<Rule>,
        should_restore: bool,
    ) -> Group {
        Group {
            name: name.to_string(),
            file: file.to_string(),
            interval_ms,
            limit,
            query_offset_ms,
            rules: rules
                .into_iter()
                .map(|rule| RuleEntry {
                    rule,
                    status: RuleStatus {
                        health: RuleHealth::Unknown,
                        last_error: None,
                        last_evaluation: None,
                        evaluation_seconds: 0.0,
                    },
                    previous_series: None,
                })
                .collect(),
            stale_series: Vec::new(),
            should_restore,
            evaluation_seconds: 0.0,
            last_evaluation: None,
            last_eval_timestamp: None,
            counters: GroupCounters::default(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn interval_ms(&self) -> i64 {
        self.interval_ms
    }

    /// Prometheus's slot offset for this group: a hash of (file, name) modulo the
    /// interval, so groups spread out but each always evaluates at the same phase.
    pub fn offset_ns(&self) -> i64 {
        let mut buf = Vec::with_capacity(self.file.len() + self.name.len() + 12);
        for (k, v) in [("file", &self.file), ("name", &self.name)] {
            buf.extend_from_slice(k.as_bytes());
            buf.push(0xff);
            buf.extend_from_slice(v.as_bytes());
            buf.push(0xff);
        }
        let hash = xxhash_rust::xxh64::xxh64(&buf, 0);
        let interval_ns = (self.interval_ms.max(1) as u64).saturating_mul(1_000_000);
        (hash % interval_ns) as i64
    }

    /// The evaluation slot at or before `now_ms` (Prometheus's `EvalTimestamp`), in ms.
    pub fn eval_timestamp(&self, now_ms: i64) -> i64 {
        let interval_ns = i128::from(self.interval_ms.max(1)) * 1_000_000;
        let offset = i128::from(self.offset_ns());
        let adj = i128::from(now_ms) * 1_000_000 - offset;
        let base = adj - adj.rem_euclid(interval_ns);
        ((base + offset).div_euclid(1_000_000)) as i64
    }

    /// Evaluates every rule in order at `ts` (ms), appends results and staleness
    /// markers, and sends due alerts.
    pub fn eval(&mut self, ts: i64, ctx: &EvalContext<'_>) {
        let start = Instant::now();
        let wall_start = (ctx.now_ms)();
        let offset = self.query_offset_ms;
        let (interval, limit) = (self.interval_ms, self.limit);
        let mut samples = 0u64;
        for entry in &mut self.rules {
            self.counters.evaluations += 1;
            let rule_start = Instant::now();
            let result = match &mut entry.rule {
                Rule::Recording(r) => r.eval(ts, offset, ctx.querier, limit),
                Rule::Alerting(r) => r.eval(ts, offset, ctx.querier, limit),
            };
            entry.status.last_evaluation = Some((ctx.now_ms)());
            match result {
                Err(e) => {
                    self.counters.evaluation_failures += 1;
                    entry.status.health = RuleHealth::Err;
                    entry.status.last_error = Some(e.to_string());
                    tracing::warn!(group = %self.name, rule = %entry.rule.name(), err = %e, "Evaluating rule failed");
                }
                Ok(vector) => {
                    entry.status.health = RuleHealth::Ok;
                    entry.status.last_error = None;
                    if let Rule::Alerting(r) = &mut entry.rule {
                        let due = r.alerts_to_send(ts, ctx.resend_delay_ms, interval);
                        send_alerts(ctx, &r.expr_text, due);
                    }
                    samples += vector.len() as u64;
                    write_results(entry, &vector, ts - offset, ctx.appendable);
                }
            }
            entry.status.evaluation_seconds = rule_start.elapsed().as_secs_f64();
        }
        self.counters.last_samples = samples;
        self.cleanup_stale_series(ts, ctx.appendable);
        self.evaluation_seconds = start.elapsed().as_secs_f64();
        self.last_evaluation = Some(wall_start);
        self.last_eval_timestamp = Some(ts);
    }

    /// Marks series of removed rules stale (after a reload).
    fn cleanup_stale_series(&mut self, ts: i64, appendable: &dyn Appendable) {
        if self.stale_series.is_empty() {
            return;
        }
        let mut app = appendable.appender();
        for s in &self.stale_series {
            let _ = app.append(None, s, ts - self.query_offset_ms, STALE_NAN);
        }
        match app.commit() {
            Ok(()) => self.stale_series.clear(),
            Err(e) => {
                tracing::warn!(err = %e, "Stale sample appending for previous configuration failed")
            }
        }
    }

    /// Restores the `for` state of active alerts from `ALERTS_FOR_STATE` (Prometheus's
    /// `RestoreForState`): alerts that were pending keep their progress, extended by the
    /// outage and bounded below by `for_grace_period`.
    pub fn restore_for_state(
        &mut self,
        ts: i64,
        queryable: &dyn Queryable,
        outage_tolerance_ms: i64,
        for_grace_period_ms: i64,
    ) {
        self.should_restore = false;
        let mint = ts - outage_tolerance_ms;
        let querier = match queryable.querier(mint, ts) {
            Ok(q) => q,
            Err(e) => {
                tracing::error!(err = %e, "Failed to get Querier");
                return;
            }
        };
        for entry in &mut self.rules {
            let Rule::Alerting(rule) = &mut entry.rule else {
                continue;
            };
            if rule.hold_ms < for_grace_period_ms {
                rule.restored = true;
                continue;
            }
            let template = rule.for_state_sample(None, ts, 0.0);
            let matchers: Vec<Matcher> = template
                .labels
                .iter()
                .filter(|l| !l.value.contains("{{"))
                .map(|l| Matcher::equal(l.name, l.value))
                .collect();
            let mut by_labels: BTreeMap<Labels, Option<(i64, f64)>> = BTreeMap::new();
            match querier.select(&matchers, &SelectHints::range(mint, ts)) {
                Ok(set) => {
                    for series in set.flatten() {
                        let mut lb = promlite_model::LabelsBuilder::from(series.labels());
                        lb.del(promlite_model::METRIC_NAME);
                        let key = lb.build();
                        let last = series
                            .samples(mint, ts)
                            .ok()
                            .and_then(|s| s.last().copied());
                        by_labels.insert(key, last.map(|s| (s.t, s.v)));
                    }
                }
                Err(e) => tracing::error!(err = %e, "Failed to restore 'for' state"),
            }
            let hold = rule.hold_ms;
            for alert in rule.active.values_mut() {
                let Some(Some((t, v))) = by_labels.get(&alert.labels) else {
                    continue;
                };
                if v.is_nan() {
                    continue;
                }
                // Prometheus works in whole seconds here.
                let down_at = t.div_euclid(1000) * 1000;
                let mut restored_active_at = (*v as i64) * 1000;
                let remaining = hold - (down_at - restored_active_at);
                if remaining <= 0 {
                    // Was firing when it went down; the next evaluation decides.
                } else if remaining < for_grace_period_ms {
                    restored_active_at = ts + for_grace_period_ms - hold;
                } else {
                    restored_active_at += ts - down_at;
                }
                alert.active_at = restored_active_at;
            }
            rule.restored = true;
        }
    }

    /// Takes over alert and staleness state from the group this one replaces.
    pub(crate) fn copy_state(&mut self, from: &Group) {
        self.counters = from.counters;
        self.evaluation_seconds = from.evaluation_seconds;
        self.last_evaluation = from.last_evaluation;
        let mut by_identity: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, r) in from.rules.iter().enumerate() {
            by_identity.entry(r.rule.identity()).or_default().push(i);
        }
        for entry in &mut self.rules {
            let Some(indexes) = by_identity.get_mut(&entry.rule.identity()) else {
                continue;
            };
            if indexes.is_empty() {
                continue;
            }
            let fi = indexes.remove(0);
            let old = &from.rules[fi];
            entry.previous_series = old.previous_series.clone();
            if let (Rule::Alerting(new), Rule::Alerting(old)) = (&mut entry.rule, &old.rule) {
                for (k, v) in &old.active {
                    new.active.insert(k.clone(), v.clone());
                }
            }
        }
        self.stale_series = from.stale_series.clone();
        for indexes in by_identity.values() {
            for &fi in indexes {
                if let Some(series) = &from.rules[fi].previous_series {
                    self.stale_series.extend(series.iter().cloned());
                }
            }
        }
    }

    /// Every series the group's rules wrote last time (for staleness on removal).
    pub(crate) fn all_previous_series(&self) -> Vec<Labels> {
        self.rules
            .iter()
            .filter_map(|r| r.previous_series.as_ref())
            .flat_map(|s| s.iter().cloned())
            .collect()
    }

    /// Whether two groups have the same settings and rules (a reload keeps such a group).
    pub(crate) fn same_definition(&self, other: &Group) -> bool {
        self.name == other.name
            && self.file == other.file
            && self.interval_ms == other.interval_ms
            && self.limit == other.limit
            && self.query_offset_ms == other.query_offset_ms
            && self.rules.len() == other.rules.len()
            && self
                .rules
                .iter()
                .zip(&other.rules)
                .all(|(a, b)| a.rule.definition() == b.rule.definition())
    }

    /// The highest alert state of an alerting rule (`Unknown` before evaluation).
    pub(crate) fn rule_state(entry: &RuleEntry) -> AlertState {
        match &entry.rule {
            Rule::Alerting(r) if entry.status.last_evaluation.is_some() => r.max_state(),
            _ => AlertState::Unknown,
        }
    }
}

fn send_alerts(ctx: &EvalContext<'_>, expr: &str, alerts: Vec<Alert>) {
    let Some(sender) = ctx.sender else {
        return;
    };
    if alerts.is_empty() {
        return;
    }
    let generator_url = format!(
        "{}/graph?g0.expr={}&g0.tab=1",
        ctx.external_url,
        crate::template::query_escape(expr)
    );
    let converted = alerts
        .into_iter()
        .map(|a| NotifierAlert {
            ends_at: a.resolved_at.or(a.valid_until),
            starts_at: a.fired_at,
            labels: a.labels,
            annotations: a.annotations,
            generator_url: generator_url.clone(),
        })
        .collect();
    sender.send(converted);
}

fn is_tolerated(e: &StorageError) -> bool {
    matches!(
        e,
        StorageError::OutOfOrderSample
            | StorageError::DuplicateSampleForTimestamp
            | StorageError::OutOfBounds
    )
}

/// Appends a rule's results and staleness markers for series it no longer returns.
fn write_results(
    entry: &mut RuleEntry,
    vector: &[RuleSample],
    t: i64,
    appendable: &dyn Appendable,
) {
    let mut app = appendable.appender();
    let mut returned = HashSet::with_capacity(vector.len());
    for s in vector {
        match app.append(None, &s.labels, s.t, s.v) {
            Ok(_) => {
                returned.insert(s.labels.clone());
            }
            Err(e) => {
                entry.status.health = RuleHealth::Err;
                entry.status.last_error = Some(e.to_string());
                if !is_tolerated(&e) {
                    tracing::warn!(err = %e, "Rule evaluation result discarded");
                }
            }
        }
    }
    if let Some(previous) = &entry.previous_series {
        for lset in previous.difference(&returned) {
            if let Err(e) = app.append(None, lset, t, STALE_NAN) {
                if !is_tolerated(&e) {
                    tracing::warn!(err = %e, "Adding stale sample failed");
                }
            }
        }
    }
    match app.commit() {
        Ok(()) => entry.previous_series = Some(returned),
        Err(e) => {
            entry.status.health = RuleHealth::Err;
            entry.status.last_error = Some(e.to_string());
        }
    }
}
