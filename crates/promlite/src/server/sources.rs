//! Adapters that show the scrape manager, the rule manager, the notifier and the
//! storage engine to the HTTP API through its source traits.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use promlite_http as http;
use promlite_model::Labels;
use promlite_rules::{Notifier, RuleGroupView, RuleKindView, RuleManager};
use promlite_scrape::ScrapeManager;

use super::self_metrics::ReloadStatus;

/// `/api/v1/targets` and the metadata endpoints, from the scrape manager.
pub struct ScrapeSource {
    pub manager: Arc<ScrapeManager>,
    /// `--web.listen-address`, for `globalUrl`.
    pub listen_address: String,
    /// The resolved external URL, for `globalUrl`.
    pub external_url: String,
}

fn health(h: promlite_scrape::TargetHealth) -> http::TargetHealth {
    match h {
        promlite_scrape::TargetHealth::Up => http::TargetHealth::Up,
        promlite_scrape::TargetHealth::Down => http::TargetHealth::Down,
        promlite_scrape::TargetHealth::Unknown => http::TargetHealth::Unknown,
    }
}

impl http::TargetsSource for ScrapeSource {
    fn active_targets(&self) -> Vec<http::ActiveTarget> {
        self.manager
            .targets()
            .active
            .into_iter()
            .map(|t| http::ActiveTarget {
                discovered_labels: t.discovered_labels,
                labels: t.labels,
                scrape_pool: t.scrape_pool,
                scrape_url: t.scrape_url,
                global_url: super::web::global_url(
                    &t.global_url,
                    &self.listen_address,
                    &self.external_url,
                ),
                last_error: t.last_error,
                last_scrape_ms: t.last_scrape_ms,
                last_scrape_duration_seconds: t.last_scrape_duration_seconds,
                health: health(t.health),
                scrape_interval: t.scrape_interval,
                scrape_timeout: t.scrape_timeout,
            })
            .collect()
    }

    fn dropped_targets(&self) -> Vec<http::DroppedTarget> {
        self.manager
            .targets()
            .dropped
            .into_iter()
            .map(|t| http::DroppedTarget {
                discovered_labels: t.discovered_labels,
                scrape_pool: t.scrape_pool,
            })
            .collect()
    }

    fn dropped_target_counts(&self) -> BTreeMap<String, usize> {
        self.manager.targets().dropped_counts
    }

    fn scrape_pools(&self) -> Vec<String> {
        self.manager.scrape_pools()
    }
}

impl http::MetadataSource for ScrapeSource {
    fn targets_metadata(&self) -> Vec<http::TargetMetadata> {
        self.manager
            .targets()
            .active
            .into_iter()
            .map(|t| http::TargetMetadata {
                target: t.labels.clone(),
                metrics: t.target.metadata().list(),
            })
            .collect()
    }
}

/// `/api/v1/rules` and `/api/v1/alerts`, from the rule manager.
pub struct RulesSource(pub Arc<RuleManager>);

fn pairs_to_labels(pairs: &[(String, String)]) -> Labels {
    Labels::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

fn rule_health(h: &str) -> http::RuleHealth {
    match h {
        "ok" => http::RuleHealth::Ok,
        "err" => http::RuleHealth::Err,
        _ => http::RuleHealth::Unknown,
    }
}

fn alert_state(s: &str) -> http::AlertState {
    match s {
        "firing" => http::AlertState::Firing,
        "pending" => http::AlertState::Pending,
        _ => http::AlertState::Inactive,
    }
}

fn alert_info(a: &promlite_rules::AlertView) -> http::AlertInfo {
    http::AlertInfo {
        labels: a.labels.clone(),
        annotations: pairs_to_labels(&a.annotations),
        state: alert_state(a.state),
        active_at_ms: Some(a.active_at),
        keep_firing_since_ms: a.keep_firing_since,
        value: a.value,
    }
}

fn group_info(g: RuleGroupView) -> http::RuleGroupInfo {
    let rules = g
        .rules
        .into_iter()
        .map(|r| match r.kind {
            RuleKindView::Recording => http::RuleInfo::Recording(http::RecordingRuleInfo {
                name: r.name,
                query: r.query,
                labels: pairs_to_labels(&r.labels),
                health: rule_health(r.health),
                last_error: r.last_error,
                evaluation_time_seconds: r.evaluation_time_seconds,
                last_evaluation_ms: r.last_evaluation,
            }),
            RuleKindView::Alerting {
                state,
                duration_seconds,
                keep_firing_for_seconds,
                annotations,
                alerts,
            } => http::RuleInfo::Alerting(http::AlertingRuleInfo {
                state: alert_state(state),
                name: r.name,
                query: r.query,
                duration_seconds,
                keep_firing_for_seconds,
                labels: pairs_to_labels(&r.labels),
                annotations: pairs_to_labels(&annotations),
                alerts: alerts.iter().map(alert_info).collect(),
                health: rule_health(r.health),
                last_error: r.last_error,
                evaluation_time_seconds: r.evaluation_time_seconds,
                last_evaluation_ms: r.last_evaluation,
            }),
        })
        .collect();
    http::RuleGroupInfo {
        name: g.name,
        file: g.file,
        interval_seconds: g.interval_seconds,
        limit: i64::try_from(g.limit).unwrap_or(i64::MAX),
        rules,
        evaluation_time_seconds: g.evaluation_time_seconds,
        last_evaluation_ms: g.last_evaluation,
    }
}

impl http::RulesSource for RulesSource {
    fn rule_groups(&self) -> Vec<http::RuleGroupInfo> {
        self.0.rule_groups().into_iter().map(group_info).collect()
    }
}

/// `/api/v1/alertmanagers`, from the notifier.
pub struct AlertmanagersSource(pub Arc<Notifier>);

impl http::AlertmanagersSource for AlertmanagersSource {
    fn active(&self) -> Vec<String> {
        self.0.alertmanager_urls()
    }

    fn dropped(&self) -> Vec<String> {
        Vec::new()
    }
}

/// `/api/v1/status/runtimeinfo`: the facts fixed at start plus the live ones (reload
/// outcome, threads).
pub struct ServerRuntimeInfo {
    pub fixed: http::RuntimeInfo,
    pub reload: Arc<ReloadStatus>,
}

impl http::RuntimeInfoSource for ServerRuntimeInfo {
    fn runtime_info(&self) -> http::RuntimeInfo {
        // Whole seconds, as Prometheus reads it back from its reload timestamp gauge.
        let last_ms = self.reload.last_success_time_ms.load(Ordering::Relaxed) / 1000 * 1000;
        http::RuntimeInfo {
            reload_config_success: self.reload.last_success.load(Ordering::Relaxed) == 1,
            last_config_time_ms: (last_ms > 0).then_some(last_ms),
            goroutine_count: i64::try_from(super::process::ProcessStats::read().threads)
                .unwrap_or(0),
            ..self.fixed.clone()
        }
    }
}

/// `/-/ready` reports a poisoned database.
pub struct TsdbHealth(pub Arc<promlite_tsdb::Db>);

impl http::HealthSource for TsdbHealth {
    fn poisoned(&self) -> Option<String> {
        self.0.poisoned()
    }
}
