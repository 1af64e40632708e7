//! `/api/v1/rules` (with the `type`, `rule_name[]`, `rule_group[]`, `file[]`,
//! `match[]`, `exclude_alerts` and `group_limit`/`group_next_token` filters) and
//! `/api/v1/alerts`.

use std::collections::HashSet;

use axum::extract::State;
use promlite_model::{matches_all, Matcher};
use serde::Serialize;

use crate::error::ApiError;
use crate::json::SerLabels;
use crate::params::Form;
use crate::response::{ApiReply, ApiResult};
use crate::selectors::match_params_or_bad_data;
use crate::sources::{AlertInfo, RuleGroupInfo, RuleInfo};
use crate::state::ApiState;
use crate::timefmt::format_optional_time;

#[derive(Serialize)]
struct AlertJson<'a> {
    labels: SerLabels<'a>,
    annotations: SerLabels<'a>,
    state: &'static str,
    #[serde(rename = "activeAt")]
    active_at: String,
    #[serde(rename = "keepFiringSince", skip_serializing_if = "Option::is_none")]
    keep_firing_since: Option<String>,
    value: String,
}

/// Alert values are shown with Go's `strconv.FormatFloat(v, 'e', -1, 64)`.
fn format_e(v: f64) -> String {
    crate::json::format_go_e(v)
}

fn alert_json(a: &AlertInfo) -> AlertJson<'_> {
    AlertJson {
        labels: SerLabels(&a.labels),
        annotations: SerLabels(&a.annotations),
        state: a.state.as_str(),
        active_at: format_optional_time(a.active_at_ms),
        keep_firing_since: a
            .keep_firing_since_ms
            .map(|t| format_optional_time(Some(t))),
        value: format_e(a.value),
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum RuleJson<'a> {
    Alerting {
        state: &'static str,
        name: &'a str,
        query: &'a str,
        duration: f64,
        #[serde(rename = "keepFiringFor")]
        keep_firing_for: f64,
        labels: SerLabels<'a>,
        annotations: SerLabels<'a>,
        /// `null` with `exclude_alerts=true`.
        alerts: Option<Vec<AlertJson<'a>>>,
        health: &'static str,
        #[serde(rename = "lastError", skip_serializing_if = "str::is_empty")]
        last_error: &'a str,
        #[serde(rename = "evaluationTime")]
        evaluation_time: f64,
        #[serde(rename = "lastEvaluation")]
        last_evaluation: String,
        #[serde(rename = "type")]
        kind: &'static str,
    },
    Recording {
        name: &'a str,
        query: &'a str,
        labels: SerLabels<'a>,
        health: &'static str,
        #[serde(rename = "lastError", skip_serializing_if = "str::is_empty")]
        last_error: &'a str,
        #[serde(rename = "evaluationTime")]
        evaluation_time: f64,
        #[serde(rename = "lastEvaluation")]
        last_evaluation: String,
        #[serde(rename = "type")]
        kind: &'static str,
    },
}

#[derive(Serialize)]
struct RuleGroupJson<'a> {
    name: &'a str,
    file: &'a str,
    rules: Vec<RuleJson<'a>>,
    interval: f64,
    limit: i64,
    #[serde(rename = "evaluationTime")]
    evaluation_time: f64,
    #[serde(rename = "lastEvaluation")]
    last_evaluation: String,
}

#[derive(Serialize)]
struct RuleDiscovery<'a> {
    groups: Vec<RuleGroupJson<'a>>,
    #[serde(rename = "groupNextToken", skip_serializing_if = "String::is_empty")]
    group_next_token: String,
}

/// An opaque, stable page token for a group.
fn group_token(g: &RuleGroupInfo) -> String {
    let key = format!("{};{}", g.file, g.name);
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(key.as_bytes()))
}

/// Go's `strconv.ParseBool` on a lower-cased value.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "true" => Some(true),
        "0" | "f" | "false" => Some(false),
        _ => None,
    }
}

fn rule_matches(rule: &RuleInfo, sets: &[Vec<Matcher>]) -> bool {
    sets.is_empty() || sets.iter().any(|s| matches_all(rule.labels(), s))
}

/// `GET /api/v1/rules`.
pub async fn rules(State(st): State<ApiState>, form: Form) -> ApiResult {
    form.check_parsed()?;
    let names: HashSet<&str> = form.values("rule_name[]").into_iter().collect();
    let groups_wanted: HashSet<&str> = form.values("rule_group[]").into_iter().collect();
    let files: HashSet<&str> = form.values("file[]").into_iter().collect();
    let sets = match_params_or_bad_data(&form.values("match[]"))?;
    let typ = form.url_value("type").to_ascii_lowercase();
    if !matches!(typ.as_str(), "" | "alert" | "record") {
        return Err(ApiError::invalid_param(
            "type",
            format!("not supported value {}", crate::params::go_q(&typ)),
        ));
    }
    let want_alerting = typ.is_empty() || typ == "alert";
    let want_recording = typ.is_empty() || typ == "record";
    let exclude_param = form.url_value("exclude_alerts").to_ascii_lowercase();
    let exclude_alerts = if exclude_param.is_empty() {
        false
    } else {
        parse_bool(&exclude_param).ok_or_else(|| {
            ApiError::invalid_param(
                "exclude_alerts",
                format!(
                    "error converting exclude_alerts: strconv.ParseBool: parsing {}: invalid syntax",
                    crate::params::go_q(&exclude_param)
                ),
            )
        })?
    };
    let (max_groups, next_token) = pagination(&form)?;

    let all = st
        .inner
        .rules
        .as_ref()
        .map(|r| r.rule_groups())
        .unwrap_or_default();
    let mut out = RuleDiscovery {
        groups: Vec::new(),
        group_next_token: String::new(),
    };
    let mut found_token = false;
    for g in &all {
        if max_groups > 0 && !next_token.is_empty() && !found_token {
            if next_token != group_token(g) {
                continue;
            }
            found_token = true;
        }
        if !groups_wanted.is_empty() && !groups_wanted.contains(g.name.as_str()) {
            continue;
        }
        if !files.is_empty() && !files.contains(g.file.as_str()) {
            continue;
        }
        let mut rules = Vec::new();
        for r in g.rules.iter().filter(|r| rule_matches(r, &sets)) {
            if !names.is_empty() && !names.contains(r.name()) {
                continue;
            }
            match r {
                RuleInfo::Alerting(a) if want_alerting => rules.push(RuleJson::Alerting {
                    state: a.state.as_str(),
                    name: &a.name,
                    query: &a.query,
                    duration: a.duration_seconds,
                    keep_firing_for: a.keep_firing_for_seconds,
                    labels: SerLabels(&a.labels),
                    annotations: SerLabels(&a.annotations),
                    alerts: (!exclude_alerts).then(|| a.alerts.iter().map(alert_json).collect()),
                    health: a.health.as_str(),
                    last_error: &a.last_error,
                    evaluation_time: a.evaluation_time_seconds,
                    last_evaluation: format_optional_time(a.last_evaluation_ms),
                    kind: "alerting",
                }),
                RuleInfo::Recording(rec) if want_recording => rules.push(RuleJson::Recording {
                    name: &rec.name,
                    query: &rec.query,
                    labels: SerLabels(&rec.labels),
                    health: rec.health.as_str(),
                    last_error: &rec.last_error,
                    evaluation_time: rec.evaluation_time_seconds,
                    last_evaluation: format_optional_time(rec.last_evaluation_ms),
                    kind: "recording",
                }),
                _ => {}
            }
        }
        // Groups whose rules were all filtered out are left out.
        if rules.is_empty() {
            continue;
        }
        if max_groups > 0 && out.groups.len() as i64 == max_groups {
            out.group_next_token = group_token(g);
            break;
        }
        out.groups.push(RuleGroupJson {
            name: &g.name,
            file: &g.file,
            rules,
            interval: g.interval_seconds,
            limit: g.limit,
            evaluation_time: g.evaluation_time_seconds,
            last_evaluation: format_optional_time(g.last_evaluation_ms),
        });
    }
    if max_groups > 0 && !next_token.is_empty() && !found_token {
        return Err(ApiError::invalid_param(
            "group_next_token",
            format!("invalid group_next_token '{next_token}'. were rule groups changed?"),
        ));
    }
    ApiReply::serde(&out)
}

/// `group_limit` and `group_next_token`, checked like Prometheus.
fn pagination(form: &Form) -> Result<(i64, String), ApiError> {
    let max = form.url_value("group_limit");
    let token = form.url_value("group_next_token");
    if !token.is_empty() && max.is_empty() {
        return Err(ApiError::invalid_param(
            "group_next_token",
            "group_limit needs to be present in order to paginate over the groups",
        ));
    }
    if max.is_empty() {
        return Ok((-1, String::new()));
    }
    let n: i64 = match max.parse::<i32>() {
        Ok(n) => n as i64,
        Err(_) => {
            return Err(ApiError::invalid_param(
                "group_limit",
                format!(
                    "group_limit needs to be a valid number: strconv.ParseInt: parsing {}: invalid syntax",
                    crate::params::go_q(max)
                ),
            ))
        }
    };
    if n <= 0 {
        return Err(ApiError::invalid_param(
            "group_limit",
            "group_limit needs to be greater than 0",
        ));
    }
    Ok((n, token.to_string()))
}

#[derive(Serialize)]
struct AlertDiscovery<'a> {
    alerts: Vec<AlertJson<'a>>,
}

/// `GET /api/v1/alerts`: the active alerts of every alerting rule.
pub async fn alerts(State(st): State<ApiState>) -> ApiResult {
    let all = st
        .inner
        .rules
        .as_ref()
        .map(|r| r.rule_groups())
        .unwrap_or_default();
    let alerts = all
        .iter()
        .flat_map(|g| g.rules.iter())
        .filter_map(|r| match r {
            RuleInfo::Alerting(a) => Some(a.alerts.iter().map(alert_json)),
            RuleInfo::Recording(_) => None,
        })
        .flatten()
        .collect();
    ApiReply::serde(&AlertDiscovery { alerts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_values_use_go_e_format() {
        assert_eq!(format_e(1.0), "1e+00");
        assert_eq!(format_e(0.0), "0e+00");
        assert_eq!(format_e(1234.5), "1.2345e+03");
        assert_eq!(format_e(f64::NAN), "NaN");
        assert_eq!(format_e(f64::NEG_INFINITY), "-Inf");
    }
}
