//! `/api/v1/targets`, `/api/v1/targets/metadata`, `/api/v1/metadata`,
//! `/api/v1/scrape_pools` and `/api/v1/alertmanagers`, built from the sources the
//! binary provides, in Prometheus's shapes.

use std::collections::BTreeMap;

use axum::extract::State;
use promlite_model::{matches_all, Metadata};
use serde::Serialize;

use crate::error::ApiError;
use crate::json::SerLabels;
use crate::params::{go_atoi, Form};
use crate::response::{ApiReply, ApiResult};
use crate::selectors::selector_param;
use crate::sources::{ActiveTarget, DroppedTarget};
use crate::state::ApiState;
use crate::timefmt::format_optional_time;

#[derive(Serialize)]
struct TargetJson<'a> {
    #[serde(rename = "discoveredLabels")]
    discovered_labels: SerLabels<'a>,
    labels: SerLabels<'a>,
    #[serde(rename = "scrapePool")]
    scrape_pool: &'a str,
    #[serde(rename = "scrapeUrl")]
    scrape_url: &'a str,
    #[serde(rename = "globalUrl")]
    global_url: &'a str,
    #[serde(rename = "lastError")]
    last_error: &'a str,
    #[serde(rename = "lastScrape")]
    last_scrape: String,
    #[serde(rename = "lastScrapeDuration")]
    last_scrape_duration: f64,
    health: &'static str,
    #[serde(rename = "scrapeInterval")]
    scrape_interval: &'a str,
    #[serde(rename = "scrapeTimeout")]
    scrape_timeout: &'a str,
}

#[derive(Serialize)]
struct DroppedTargetJson<'a> {
    #[serde(rename = "discoveredLabels")]
    discovered_labels: SerLabels<'a>,
    #[serde(rename = "scrapePool")]
    scrape_pool: &'a str,
}

#[derive(Serialize)]
struct TargetDiscovery<'a> {
    #[serde(rename = "activeTargets")]
    active_targets: Vec<TargetJson<'a>>,
    #[serde(rename = "droppedTargets")]
    dropped_targets: Vec<DroppedTargetJson<'a>>,
    /// `null` when dropped targets were not asked for, as in Prometheus.
    #[serde(rename = "droppedTargetCounts")]
    dropped_target_counts: Option<BTreeMap<String, usize>>,
}

/// `GET /api/v1/targets` with the `state` (`active`, `dropped`, `any`) and
/// `scrapePool` filters.
pub async fn targets(State(st): State<ApiState>, form: Form) -> ApiResult {
    let pool_filter = form.url_value("scrapePool");
    let state = form.url_value("state").to_ascii_lowercase();
    let show_active = matches!(state.as_str(), "" | "any" | "active");
    let show_dropped = matches!(state.as_str(), "" | "any" | "dropped");
    let source = st.inner.targets.clone();
    let mut active: Vec<ActiveTarget> = Vec::new();
    let mut dropped: Vec<DroppedTarget> = Vec::new();
    let mut counts = None;
    if let Some(src) = &source {
        if show_active {
            active = src.active_targets();
            // Pools in name order, targets in their pool's order (stable sort).
            active.sort_by(|a, b| a.scrape_pool.cmp(&b.scrape_pool));
            active.retain(|t| pool_filter.is_empty() || t.scrape_pool == pool_filter);
        }
        if show_dropped {
            counts = Some(src.dropped_target_counts());
            dropped = src.dropped_targets();
            dropped.sort_by(|a, b| a.scrape_pool.cmp(&b.scrape_pool));
            dropped.retain(|t| pool_filter.is_empty() || t.scrape_pool == pool_filter);
        }
    } else if show_dropped {
        counts = Some(BTreeMap::new());
    }
    let data = TargetDiscovery {
        active_targets: active
            .iter()
            .map(|t| TargetJson {
                discovered_labels: SerLabels(&t.discovered_labels),
                labels: SerLabels(&t.labels),
                scrape_pool: &t.scrape_pool,
                scrape_url: &t.scrape_url,
                global_url: &t.global_url,
                last_error: &t.last_error,
                last_scrape: format_optional_time(t.last_scrape_ms),
                last_scrape_duration: t.last_scrape_duration_seconds,
                health: t.health.as_str(),
                scrape_interval: &t.scrape_interval,
                scrape_timeout: &t.scrape_timeout,
            })
            .collect(),
        dropped_targets: dropped
            .iter()
            .map(|t| DroppedTargetJson {
                discovered_labels: SerLabels(&t.discovered_labels),
                scrape_pool: &t.scrape_pool,
            })
            .collect(),
        dropped_target_counts: counts,
    };
    ApiReply::serde(&data)
}

#[derive(Serialize)]
struct ScrapePools {
    #[serde(rename = "scrapePools")]
    scrape_pools: Vec<String>,
}

/// `GET /api/v1/scrape_pools`.
pub async fn scrape_pools(State(st): State<ApiState>) -> ApiResult {
    let mut pools = st
        .inner
        .targets
        .as_ref()
        .map(|t| t.scrape_pools())
        .unwrap_or_default();
    pools.sort();
    ApiReply::serde(&ScrapePools {
        scrape_pools: pools,
    })
}

#[derive(Serialize)]
struct MetadataJson<'a> {
    #[serde(rename = "type")]
    metric_type: &'static str,
    help: &'a str,
    unit: &'a str,
}

impl<'a> From<&'a Metadata> for MetadataJson<'a> {
    fn from(m: &'a Metadata) -> Self {
        MetadataJson {
            metric_type: m.metric_type.as_str(),
            help: &m.help,
            unit: &m.unit,
        }
    }
}

#[derive(Serialize)]
struct TargetMetadataJson<'a> {
    target: SerLabels<'a>,
    #[serde(rename = "metric", skip_serializing_if = "str::is_empty")]
    metric: &'a str,
    #[serde(rename = "type")]
    metric_type: &'static str,
    help: &'a str,
    unit: &'a str,
}

/// A `limit`-like parameter: absent is -1 (no limit), otherwise an integer.
fn optional_count(form: &Form, name: &str) -> Result<i64, ApiError> {
    let s = form.value(name);
    if s.is_empty() {
        return Ok(-1);
    }
    go_atoi(s).map_err(|_| ApiError::bad_data(format!("{name} must be a number")))
}

/// `GET /api/v1/targets/metadata` with `match_target`, `metric` and `limit`.
pub async fn targets_metadata(State(st): State<ApiState>, form: Form) -> ApiResult {
    let limit = optional_count(&form, "limit")?;
    let match_target = form.value("match_target");
    let matchers = if match_target.is_empty() {
        None
    } else {
        Some(selector_param("match_target", match_target)?)
    };
    let metric = form.value("metric");
    let all = st
        .inner
        .metadata
        .as_ref()
        .map(|m| m.targets_metadata())
        .unwrap_or_default();
    let mut out: Vec<TargetMetadataJson<'_>> = Vec::new();
    for t in &all {
        // Like Prometheus, the limit is checked per target, so one target's list is
        // never cut in the middle.
        if limit >= 0 && out.len() as i64 >= limit {
            break;
        }
        if let Some(m) = &matchers {
            if !matches_all(&t.target, m) {
                continue;
            }
        }
        for (family, md) in &t.metrics {
            if metric.is_empty() || family == metric {
                let m = MetadataJson::from(md);
                out.push(TargetMetadataJson {
                    target: SerLabels(&t.target),
                    metric: if metric.is_empty() { family } else { "" },
                    metric_type: m.metric_type,
                    help: m.help,
                    unit: m.unit,
                });
                if !metric.is_empty() {
                    break;
                }
            }
        }
    }
    ApiReply::serde(&out)
}

/// `GET /api/v1/metadata` with `metric`, `limit` (metric families) and
/// `limit_per_metric`.
pub async fn metadata(State(st): State<ApiState>, form: Form) -> ApiResult {
    let limit = optional_count(&form, "limit")?;
    let limit_per_metric = optional_count(&form, "limit_per_metric")?;
    let metric = form.value("metric");
    let all = st
        .inner
        .metadata
        .as_ref()
        .map(|m| m.targets_metadata())
        .unwrap_or_default();
    let mut families: BTreeMap<&str, Vec<&Metadata>> = BTreeMap::new();
    for t in &all {
        for (family, md) in &t.metrics {
            if !metric.is_empty() && family != metric {
                continue;
            }
            let entry = families.entry(family.as_str()).or_default();
            if limit_per_metric > 0 && entry.len() as i64 >= limit_per_metric {
                continue;
            }
            if !entry.contains(&md) {
                entry.push(md);
            }
        }
    }
    let out: BTreeMap<&str, Vec<MetadataJson<'_>>> = families
        .into_iter()
        .take(if limit >= 0 {
            limit as usize
        } else {
            usize::MAX
        })
        .map(|(k, v)| (k, v.into_iter().map(MetadataJson::from).collect()))
        .collect();
    ApiReply::serde(&out)
}

#[derive(Serialize)]
struct AlertmanagerJson {
    url: String,
}

#[derive(Serialize)]
struct AlertmanagerDiscovery {
    #[serde(rename = "activeAlertmanagers")]
    active: Vec<AlertmanagerJson>,
    #[serde(rename = "droppedAlertmanagers")]
    dropped: Vec<AlertmanagerJson>,
}

/// `GET /api/v1/alertmanagers`.
pub async fn alertmanagers(State(st): State<ApiState>) -> ApiResult {
    let (active, dropped) = match &st.inner.alertmanagers {
        Some(s) => (s.active(), s.dropped()),
        None => (Vec::new(), Vec::new()),
    };
    let wrap = |v: Vec<String>| v.into_iter().map(|url| AlertmanagerJson { url }).collect();
    ApiReply::serde(&AlertmanagerDiscovery {
        active: wrap(active),
        dropped: wrap(dropped),
    })
}
