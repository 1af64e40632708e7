//! Running one test group the way `promtool test rules` does: input series are loaded
//! into a [`MemStorage`] step by step, every rule group is evaluated at each
//! `evaluation_interval` step from the start up to the largest `eval_time`, firing alerts
//! are compared at the step covering each alert test's `eval_time`, and PromQL
//! expressions are evaluated against the final storage.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use promlite_config::GlobalConfig;
use promlite_model::Labels;
use promlite_promql::promqltest::series::{parse_series, SeqValue};
use promlite_promql::{Engine, EngineOptions};
use promlite_storage::{Appendable, MemStorage};

use super::file::{AlertTestCase, PromqlTestCase, TestGroup};
use super::format::{
    alerts_string, indent_lines, samples_string, LabelsAndAnnotations, Pairs, ParsedSample,
};
use crate::alert::AlertState;
use crate::error::RulesError;
use crate::group::{EvalContext, Group, Rule};
use crate::manager::load_groups;
use crate::query::{EngineQuerier, RuleQuerier};
use crate::template::duration_string;

/// What every test group of one file shares.
pub(crate) struct FileSettings<'a> {
    pub rule_files: &'a [PathBuf],
    pub eval_interval_ms: i64,
    /// Group name → its position in `group_eval_order`.
    pub group_order: &'a HashMap<String, usize>,
    pub engine: &'a EngineOptions,
}

/// Input samples sorted by time, appended as evaluation reaches them.
struct InputLoader {
    series: Vec<Labels>,
    /// (timestamp, index into `series`, value), sorted by timestamp.
    samples: Vec<(i64, usize, f64)>,
    next: usize,
}

impl InputLoader {
    fn new(tg: &TestGroup, start_ms: i64, interval_ms: i64) -> Result<InputLoader, String> {
        let mut series = Vec::new();
        let mut samples = Vec::new();
        for input in &tg.input_series {
            let line = format!("{} {}", input.series, input.values);
            let (labels, values) = parse_series(&line)
                .map_err(|e| format!("error parsing input series {:?}: {e}", input.series))?;
            let index = series.len();
            series.push(labels);
            for (step, value) in (0i64..).zip(values) {
                match value {
                    SeqValue::Omitted => {}
                    SeqValue::Float(v) => {
                        let t = step
                            .checked_mul(interval_ms)
                            .and_then(|o| o.checked_add(start_ms))
                            .ok_or("input series timestamps out of range")?;
                        samples.push((t, index, v));
                    }
                    SeqValue::Histogram => {
                        return Err(format!(
                            "input series {:?}: native histograms are not supported by promlite",
                            input.series
                        ))
                    }
                }
            }
        }
        samples.sort_by_key(|s| s.0);
        Ok(InputLoader {
            series,
            samples,
            next: 0,
        })
    }

    /// Appends every sample at or before `ts` not appended yet.
    fn load_till(&mut self, ts: i64, storage: &MemStorage) -> Result<(), String> {
        let mut app = storage.appender();
        while let Some(&(t, index, v)) = self.samples.get(self.next) {
            if t > ts {
                break;
            }
            self.next += 1;
            if let Err(e) = app.append(None, &self.series[index], t, v) {
                let _ = app.rollback();
                return Err(format!("{}: {e}", self.series[index]));
            }
        }
        app.commit().map_err(|e| e.to_string())
    }
}

fn label_pairs(labels: &Labels) -> Pairs {
    labels.to_pairs()
}

/// Firing alerts of every alerting rule named in `names`, by rule name.
fn firing_alerts(
    groups: &[Group],
    names: &BTreeSet<&str>,
) -> BTreeMap<String, Vec<LabelsAndAnnotations>> {
    let mut got: BTreeMap<String, Vec<LabelsAndAnnotations>> = BTreeMap::new();
    for g in groups {
        for entry in &g.rules {
            let Rule::Alerting(rule) = &entry.rule else {
                continue;
            };
            if !names.contains(rule.name.as_str()) {
                continue;
            }
            let alerts = got.entry(rule.name.clone()).or_default();
            for a in rule.active_alerts() {
                if a.state == AlertState::Firing {
                    alerts.push(LabelsAndAnnotations {
                        labels: label_pairs(&a.labels),
                        annotations: a.annotations.clone(),
                    });
                }
            }
        }
    }
    got
}

fn check_alert_case(
    tg: &TestGroup,
    case: &AlertTestCase,
    got: &BTreeMap<String, Vec<LabelsAndAnnotations>>,
) -> Option<String> {
    let mut got_alerts = got.get(&case.alertname).cloned().unwrap_or_default();
    let mut exp_alerts: Vec<LabelsAndAnnotations> = case
        .exp_alerts
        .iter()
        .map(|a| {
            // Users list only the rule's labels; evaluation adds `alertname`.
            let mut labels = a.exp_labels.clone();
            labels.insert("alertname".into(), case.alertname.clone());
            LabelsAndAnnotations {
                labels: labels.into_iter().collect(),
                annotations: a.exp_annotations.clone().into_iter().collect(),
            }
        })
        .collect();
    got_alerts.sort();
    exp_alerts.sort();
    if got_alerts == exp_alerts {
        return None;
    }
    let name = if tg.name.is_empty() {
        String::new()
    } else {
        format!("    name: {},\n", tg.name)
    };
    let indent = " ".repeat(12);
    Some(format!(
        "{name}    alertname: {}, time: {}, \n        exp:{}, \n        got:{}",
        case.alertname,
        case.eval_time,
        indent_lines(&alerts_string(&exp_alerts), &indent),
        indent_lines(&alerts_string(&got_alerts), &indent)
    ))
}

/// Whether an expected and a computed value agree. Exact equality, NaN matching NaN, or
/// a relative difference below 1e-12: promlite's engine may round the last bits of a
/// sum differently from Prometheus, and files written against promtool must still pass.
fn values_match(expected: f64, got: f64) -> bool {
    if expected == got || (expected.is_nan() && got.is_nan()) {
        return true;
    }
    let scale = expected.abs().max(got.abs());
    scale.is_finite() && (expected - got).abs() <= 1e-12 * scale
}

fn check_promql_case(
    case: &PromqlTestCase,
    querier: &EngineQuerier,
    start_ms: i64,
) -> Option<String> {
    let fail = |err: String| {
        Some(format!(
            "    expr: {}, time: {}, err: {err}",
            promlite_model::go_quote(&case.expr),
            case.eval_time
        ))
    };
    let expr = match promlite_promql_parser::parse(&case.expr) {
        Ok(e) => e,
        Err(e) => return fail(e.to_string()),
    };
    let result = match querier.query(&expr, start_ms.saturating_add(case.eval_time.0)) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut got: Vec<ParsedSample> = result
        .into_iter()
        .map(|s| ParsedSample {
            labels: label_pairs(&s.labels),
            value: s.v,
        })
        .collect();
    let mut exp = Vec::new();
    for s in &case.exp_samples {
        let parsed = parse_metric(&s.labels).and_then(|labels| {
            if !s.histogram.is_empty() {
                return Err("native histograms are not supported by promlite".into());
            }
            Ok(labels)
        });
        match parsed {
            Ok(labels) => exp.push(ParsedSample {
                labels: label_pairs(&labels),
                value: s.value,
            }),
            Err(e) => {
                return fail(format!(
                    "labels {}: {e}",
                    promlite_model::go_quote(&s.labels)
                ))
            }
        }
    }
    exp.sort_by(|a, b| a.labels.cmp(&b.labels));
    got.sort_by(|a, b| a.labels.cmp(&b.labels));
    let same = exp.len() == got.len()
        && exp
            .iter()
            .zip(&got)
            .all(|(e, g)| e.labels == g.labels && values_match(e.value, g.value));
    if same {
        return None;
    }
    Some(format!(
        "    expr: {}, time: {},\n        exp: {}\n        got: {}",
        promlite_model::go_quote(&case.expr),
        case.eval_time,
        samples_string(&exp),
        samples_string(&got)
    ))
}

/// Parses a bare series description (`name{l="v"}`), Prometheus's `ParseMetric`. Syntax
/// errors are worded by the PromQL parser, which reads the same selector syntax.
fn parse_metric(text: &str) -> Result<Labels, String> {
    match parse_series(text) {
        Ok((labels, values)) if values.is_empty() => Ok(labels),
        Ok(_) => Err(format!("unexpected values after the labels in {text:?}")),
        Err(series_error) => match promlite_promql_parser::parse(text) {
            Err(e) => Err(e.to_string()),
            Ok(_) => Err(series_error),
        },
    }
}

/// Runs one test group; returns its failures in promtool's wording (empty = passed).
pub(crate) fn run_test_group(tg: &TestGroup, settings: &FileSettings<'_>) -> Vec<String> {
    match run_test_group_inner(tg, settings) {
        Ok(errs) => errs,
        Err(errs) => errs,
    }
}

fn run_test_group_inner(
    tg: &TestGroup,
    settings: &FileSettings<'_>,
) -> Result<Vec<String>, Vec<String>> {
    let interval_ms = if tg.interval.0 > 0 {
        tg.interval.0
    } else {
        settings.eval_interval_ms
    };
    let eval_interval = settings.eval_interval_ms.max(1);
    let start_ms = tg.start_timestamp.0;
    let mut loader = InputLoader::new(tg, start_ms, interval_ms).map_err(|e| vec![e])?;

    let storage = Arc::new(MemStorage::new());
    let mut engine_opts = settings.engine.clone();
    engine_opts.default_subquery_step_ms = eval_interval;
    let querier = EngineQuerier::new(Engine::new(engine_opts), storage.clone());

    let global = GlobalConfig {
        evaluation_interval: Duration::from_millis(u64::try_from(interval_ms).unwrap_or(0)),
        external_labels: Labels::from_pairs(tg.external_labels.iter()),
        ..GlobalConfig::default()
    };
    // Alerting rules start out restored, so ALERTS series are written from the start.
    let mut groups = load_groups(
        settings.rule_files,
        &global,
        &tg.external_url,
        true,
        &promlite_promql_parser::ParseOptions::default(),
    )
    .map_err(|e| match e {
        RulesError::Load(msgs) => msgs,
        other => vec![other.to_string()],
    })?;
    // Listed groups go in the listed order; the others count as position 0.
    groups.sort_by_key(|g| settings.group_order.get(&g.name).copied().unwrap_or(0));

    let mut alert_cases: BTreeMap<i64, Vec<&AlertTestCase>> = BTreeMap::new();
    for case in &tg.alert_rule_test {
        if case.alertname.is_empty() {
            let in_group = if tg.name.is_empty() {
                String::new()
            } else {
                format!(" (in TestGroup {})", tg.name)
            };
            return Err(vec![format!(
                "an item under alert_rule_test misses required attribute alertname at eval_time {}{in_group}",
                case.eval_time
            )]);
        }
        alert_cases.entry(case.eval_time.0).or_default().push(case);
    }
    let max_eval = tg
        .alert_rule_test
        .iter()
        .map(|c| c.eval_time.0)
        .chain(tg.promql_expr_test.iter().map(|c| c.eval_time.0))
        .max()
        .unwrap_or(0);
    let max_ts = start_ms.saturating_add(max_eval);

    let ts_now = std::cell::Cell::new(start_ms);
    let now = || ts_now.get();
    let ctx = EvalContext {
        querier: &querier,
        appendable: storage.as_ref(),
        sender: None,
        external_url: &tg.external_url,
        resend_delay_ms: 60_000,
        now_ms: &now,
    };
    let mut errs = Vec::new();
    let mut pending_checks = alert_cases.iter().peekable();
    let mut ts = start_ms;
    while ts <= max_ts {
        ts_now.set(ts);
        match loader.load_till(ts, &storage) {
            Err(e) => errs.push(e),
            Ok(()) => {
                let mut eval_errs = Vec::new();
                for g in &mut groups {
                    g.eval(ts, &ctx);
                    for entry in &g.rules {
                        if let Some(err) = &entry.status.last_error {
                            eval_errs.push(format!(
                                "    rule: {}, time: {}, err: {err}",
                                entry.rule.name(),
                                duration_string(ts.saturating_mul(1_000_000))
                            ));
                        }
                    }
                }
                if !eval_errs.is_empty() {
                    errs.extend(eval_errs);
                    return Err(errs);
                }
            }
        }
        // Alert tests whose eval_time falls in [ts, ts + interval) are checked against
        // this evaluation.
        while let Some((&t, cases)) = pending_checks.peek() {
            let offset = ts - start_ms;
            if !(offset <= t && t < offset + eval_interval) {
                break;
            }
            let names: BTreeSet<&str> = cases.iter().map(|c| c.alertname.as_str()).collect();
            let got = firing_alerts(&groups, &names);
            errs.extend(cases.iter().filter_map(|c| check_alert_case(tg, c, &got)));
            pending_checks.next();
        }
        match ts.checked_add(eval_interval) {
            Some(next) => ts = next,
            None => break,
        }
    }

    for case in &tg.promql_expr_test {
        errs.extend(check_promql_case(case, &querier, start_ms));
    }
    Ok(errs)
}

#[cfg(test)]
mod tests {
    use super::values_match;

    #[test]
    fn float_tolerance() {
        assert!(values_match(1.0, 1.0));
        assert!(values_match(f64::NAN, f64::NAN));
        assert!(values_match(0.1 + 0.2, 0.3));
        assert!(values_match(f64::INFINITY, f64::INFINITY));
        assert!(!values_match(f64::INFINITY, f64::NEG_INFINITY));
        assert!(!values_match(0.3333333333, 1.0 / 3.0));
        assert!(!values_match(0.0, 1e-300));
        assert!(!values_match(1.0, f64::NAN));
    }
}
