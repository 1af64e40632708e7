//! The structural checks on rule groups, worded as Prometheus's `rulefmt` words them.

use super::{RawGroup, RawRule, Rule, RuleGroup, RuleGroups, RuleKind};
use crate::{ConfigError, NameValidationScheme, SourceLine};

fn at(line: usize, column: usize, message: String) -> ConfigError {
    ConfigError::invalid(format!("{line}:{column}: {message}"), None)
}

pub(super) fn check(
    raw: Vec<RawGroup>,
    scheme: NameValidationScheme,
) -> Result<RuleGroups, Vec<ConfigError>> {
    let mut errors = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut groups = Vec::new();
    for g in raw {
        if g.name.is_empty() {
            errors.push(at(g.line, g.column, "Groupname must not be empty".into()));
        }
        if seen.contains(&g.name) {
            errors.push(at(
                g.line,
                g.column,
                format!("groupname: \"{}\" is repeated in the same file", g.name),
            ));
        }
        seen.push(g.name.clone());
        for (name, _, line) in &g.labels {
            if !scheme.is_valid_label_name(name) || name == "__name__" {
                errors.push(ConfigError::invalid(
                    format!("invalid label name: {name}"),
                    Some(*line),
                ));
            }
        }
        let mut rules = Vec::new();
        for (i, r) in g.rules.into_iter().enumerate() {
            let problems = check_rule(&r, scheme);
            let name = r
                .alert
                .as_ref()
                .or(r.record.as_ref())
                .map(|(n, _, _)| n.clone())
                .unwrap_or_default();
            if problems.is_empty() {
                rules.push(into_rule(r));
                continue;
            }
            for (message, line, column) in problems {
                errors.push(ConfigError::Rule {
                    group: g.name.clone(),
                    rule_number: i + 1,
                    rule_name: name.clone(),
                    message,
                    line,
                    column,
                });
            }
        }
        groups.push(RuleGroup {
            name: g.name,
            interval: g.interval,
            query_offset: g.query_offset,
            limit: g.limit,
            labels: g.labels.into_iter().map(|(k, v, _)| (k, v)).collect(),
            rules,
            line: SourceLine(g.line),
            column: g.column,
        });
    }
    if errors.is_empty() {
        Ok(RuleGroups { groups })
    } else {
        Err(errors)
    }
}

/// Problems with one rule: (message, line, column).
fn check_rule(r: &RawRule, scheme: NameValidationScheme) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let rule_pos = (r.line, r.column);
    let pos_of =
        |f: &Option<(String, usize, usize)>| f.as_ref().map_or(rule_pos, |(_, l, c)| (*l, *c));
    let mut push =
        |m: &str, (line, column): (usize, usize)| out.push((m.to_string(), line, column));
    let record = r
        .record
        .as_ref()
        .map(|(n, _, _)| n.as_str())
        .filter(|n| !n.is_empty());
    let alert = r
        .alert
        .as_ref()
        .map(|(n, _, _)| n.as_str())
        .filter(|n| !n.is_empty());
    match (record, alert) {
        (Some(_), Some(_)) => push(
            "only one of 'record' and 'alert' must be set",
            pos_of(&r.record),
        ),
        (None, None) => push("one of 'record' or 'alert' must be set", rule_pos),
        _ => {}
    }
    if r.expr.as_ref().is_none_or(|(e, _, _)| e.is_empty()) {
        push("field 'expr' must be set in rule", pos_of(&r.expr));
    }
    if let Some(name) = record {
        let pos = pos_of(&r.record);
        if !r.annotations.is_empty() {
            push("invalid field 'annotations' in recording rule", pos);
        }
        if !r.for_duration.is_zero() {
            push("invalid field 'for' in recording rule", pos);
        }
        if !r.keep_firing_for.is_zero() {
            push("invalid field 'keep_firing_for' in recording rule", pos);
        }
        if !scheme.is_valid_metric_name(name) {
            push(&format!("invalid recording rule name: {name}"), pos);
        }
        // A common mistake: a selector pasted into the name.
        if name.contains('{') || name.contains('}') {
            push(
                &format!(
                    "braces present in the recording rule name; should it be in expr?: {name}"
                ),
                pos,
            );
        }
    }
    for (k, _, line) in &r.labels {
        if !scheme.is_valid_label_name(k) || k == "__name__" {
            push(&format!("invalid label name: {k}"), (*line, 0));
        }
    }
    for (k, _, line) in &r.annotations {
        if !scheme.is_valid_label_name(k) {
            push(&format!("invalid annotation name: {k}"), (*line, 0));
        }
    }
    out
}

fn into_rule(r: RawRule) -> Rule {
    let nonempty = |f: Option<(String, usize, usize)>| f.filter(|(n, _, _)| !n.is_empty());
    // Validation guarantees exactly one of the two is set.
    let kind = match (nonempty(r.alert), nonempty(r.record)) {
        (Some((name, _, _)), _) => RuleKind::Alerting(name),
        (None, Some((name, _, _))) => RuleKind::Recording(name),
        (None, None) => RuleKind::Recording(String::new()),
    };
    let (expr, expr_line) = r.expr.map(|(e, l, _)| (e, l)).unwrap_or_default();
    Rule {
        kind,
        expr,
        expr_line: SourceLine(expr_line),
        for_duration: r.for_duration,
        keep_firing_for: r.keep_firing_for,
        labels: r.labels.into_iter().map(|(k, v, _)| (k, v)).collect(),
        annotations: r.annotations.into_iter().map(|(k, v, _)| (k, v)).collect(),
        line: SourceLine(r.line),
        column: r.column,
    }
}
