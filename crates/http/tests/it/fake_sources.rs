//! `StaticSources`: fixed answers for every source trait (targets, metadata, rules,
//! Alertmanagers, lifecycle, metrics, runtime info, health), so the status endpoints
//! have something to show, and the state builders that use them.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use promlite_http::{
    router, ActiveTarget, AlertInfo, AlertState, AlertingRuleInfo, AlertmanagersSource,
    ApiStateBuilder, DroppedTarget, HealthSource, Lifecycle, MetadataSource, MetricsSource,
    RecordingRuleInfo, RuleGroupInfo, RuleHealth, RuleInfo, RulesSource, RuntimeInfo,
    RuntimeInfoSource, TargetHealth, TargetMetadata, TargetsSource,
};
use promlite_model::{Labels, Metadata, MetricType};

use crate::support::{fixture_builder, T_END};

/// Fixed answers for every source trait, so the status endpoints have something to show.
#[derive(Debug, Default)]
pub struct StaticSources {
    pub reloads: std::sync::atomic::AtomicUsize,
    pub quits: std::sync::atomic::AtomicUsize,
    pub reload_error: Option<String>,
    pub poisoned: std::sync::Mutex<Option<String>>,
}

impl TargetsSource for StaticSources {
    fn active_targets(&self) -> Vec<ActiveTarget> {
        vec![
            ActiveTarget {
                discovered_labels: Labels::from_pairs([
                    ("__address__", "localhost:9100"),
                    ("__scheme__", "http"),
                    ("job", "node"),
                ]),
                labels: Labels::from_pairs([("instance", "localhost:9100"), ("job", "node")]),
                scrape_pool: "node".into(),
                scrape_url: "http://localhost:9100/metrics".into(),
                global_url: "http://host:9100/metrics".into(),
                last_error: String::new(),
                last_scrape_ms: Some(T_END - 1500),
                last_scrape_duration_seconds: 0.003_25,
                health: TargetHealth::Up,
                scrape_interval: "15s".into(),
                scrape_timeout: "10s".into(),
            },
            ActiveTarget {
                discovered_labels: Labels::from_pairs([
                    ("__address__", "api:8080"),
                    ("job", "api"),
                ]),
                labels: Labels::from_pairs([("instance", "api:8080"), ("job", "api")]),
                scrape_pool: "api".into(),
                scrape_url: "http://api:8080/metrics".into(),
                global_url: "http://api:8080/metrics".into(),
                last_error: "connection refused".into(),
                last_scrape_ms: None,
                last_scrape_duration_seconds: 0.0,
                health: TargetHealth::Down,
                scrape_interval: "30s".into(),
                scrape_timeout: "10s".into(),
            },
        ]
    }

    fn dropped_targets(&self) -> Vec<DroppedTarget> {
        vec![DroppedTarget {
            discovered_labels: Labels::from_pairs([("__address__", "drop:1"), ("job", "node")]),
            scrape_pool: "node".into(),
        }]
    }

    fn dropped_target_counts(&self) -> BTreeMap<String, usize> {
        BTreeMap::from([("api".to_string(), 0), ("node".to_string(), 1)])
    }
}

impl MetadataSource for StaticSources {
    fn targets_metadata(&self) -> Vec<TargetMetadata> {
        let counter = Metadata {
            metric_type: MetricType::Counter,
            help: "Requests <total>.".into(),
            unit: String::new(),
        };
        let gauge = Metadata {
            metric_type: MetricType::Gauge,
            help: "Up.".into(),
            unit: String::new(),
        };
        vec![
            TargetMetadata {
                target: Labels::from_pairs([("instance", "api:8080"), ("job", "api")]),
                metrics: vec![
                    ("http_requests_total".into(), counter.clone()),
                    ("up".into(), gauge.clone()),
                ],
            },
            TargetMetadata {
                target: Labels::from_pairs([("instance", "localhost:9100"), ("job", "node")]),
                metrics: vec![
                    (
                        "node_cpu_seconds_total".into(),
                        Metadata {
                            help: "CPU.".into(),
                            unit: "seconds".into(),
                            ..counter
                        },
                    ),
                    ("up".into(), gauge),
                ],
            },
        ]
    }
}

impl RulesSource for StaticSources {
    fn rule_groups(&self) -> Vec<RuleGroupInfo> {
        vec![
            RuleGroupInfo {
                name: "recording".into(),
                file: "/etc/prometheus/rules.yml".into(),
                interval_seconds: 60.0,
                limit: 0,
                rules: vec![RuleInfo::Recording(RecordingRuleInfo {
                    name: "job:up:sum".into(),
                    query: "sum by (job) (up)".into(),
                    labels: Labels::empty(),
                    health: RuleHealth::Ok,
                    last_error: String::new(),
                    evaluation_time_seconds: 0.000_512,
                    last_evaluation_ms: Some(T_END - 20_000),
                })],
                evaluation_time_seconds: 0.000_6,
                last_evaluation_ms: Some(T_END - 20_000),
            },
            RuleGroupInfo {
                name: "alerts".into(),
                file: "/etc/prometheus/alerts.yml".into(),
                interval_seconds: 15.0,
                limit: 10,
                rules: vec![
                    RuleInfo::Alerting(AlertingRuleInfo {
                        state: AlertState::Firing,
                        name: "InstanceDown".into(),
                        query: "up == 0".into(),
                        duration_seconds: 300.0,
                        keep_firing_for_seconds: 0.0,
                        labels: Labels::from_pairs([("severity", "page")]),
                        annotations: Labels::from_pairs([(
                            "summary",
                            "Instance {{ $labels.instance }} down",
                        )]),
                        alerts: vec![AlertInfo {
                            labels: Labels::from_pairs([
                                ("alertname", "InstanceDown"),
                                ("instance", "api-1:8080"),
                                ("severity", "page"),
                            ]),
                            annotations: Labels::from_pairs([(
                                "summary",
                                "Instance api-1:8080 down",
                            )]),
                            state: AlertState::Firing,
                            active_at_ms: Some(T_END - 600_000),
                            keep_firing_since_ms: None,
                            value: 0.0,
                        }],
                        health: RuleHealth::Ok,
                        last_error: String::new(),
                        evaluation_time_seconds: 0.001,
                        last_evaluation_ms: Some(T_END - 5_000),
                    }),
                    RuleInfo::Alerting(AlertingRuleInfo {
                        state: AlertState::Inactive,
                        name: "Broken".into(),
                        query: "vector(1) > bad".into(),
                        labels: Labels::from_pairs([("severity", "ticket")]),
                        health: RuleHealth::Err,
                        last_error: "bad is not a metric".into(),
                        ..AlertingRuleInfo::default()
                    }),
                ],
                evaluation_time_seconds: 0.0015,
                last_evaluation_ms: Some(T_END - 5_000),
            },
        ]
    }
}

impl AlertmanagersSource for StaticSources {
    fn active(&self) -> Vec<String> {
        vec!["http://alertmanager:9093/api/v2/alerts".into()]
    }
    fn dropped(&self) -> Vec<String> {
        Vec::new()
    }
}

impl Lifecycle for StaticSources {
    fn reload(&self) -> Result<(), String> {
        self.reloads
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        match &self.reload_error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
    fn quit(&self) {
        self.quits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl MetricsSource for StaticSources {
    fn render(&self) -> String {
        "# HELP prometheus_tsdb_head_series Total number of series in the head block.\n\
         # TYPE prometheus_tsdb_head_series gauge\nprometheus_tsdb_head_series 11\n"
            .to_string()
    }
}

impl RuntimeInfoSource for StaticSources {
    fn runtime_info(&self) -> RuntimeInfo {
        RuntimeInfo {
            start_time_ms: T_END - 3_600_000,
            cwd: "/var/lib/promlite".into(),
            hostname: "testhost".into(),
            reload_config_success: true,
            last_config_time_ms: Some(T_END - 3_600_000),
            corruption_count: 0,
            goroutine_count: 12,
            gomaxprocs: 2,
            gomemlimit: i64::MAX,
            gogc: String::new(),
            godebug: String::new(),
            storage_retention: "15d".into(),
        }
    }
}

impl HealthSource for StaticSources {
    fn poisoned(&self) -> Option<String> {
        self.poisoned.lock().ok().and_then(|g| g.clone())
    }
}

/// The fixture state with every source set, admin and lifecycle APIs on.
pub fn full_builder(sources: Arc<StaticSources>) -> ApiStateBuilder {
    fixture_builder()
        .targets(sources.clone())
        .metadata(sources.clone())
        .rules(sources.clone())
        .alertmanagers(sources.clone())
        .lifecycle(sources.clone())
        .metrics(sources.clone())
        .runtime_info(sources.clone())
        .health(sources)
        .enable_admin_api(true)
        .enable_lifecycle(true)
        .config_yaml(promlite_http::SharedValue::new(
            "global:\n  scrape_interval: 15s\n  external_labels:\n    cluster: eu-1\n".to_string(),
        ))
        .external_labels(promlite_http::SharedValue::new(Labels::from_pairs([(
            "cluster", "eu-1",
        )])))
        .flags(BTreeMap::from([
            ("storage.tsdb.path".to_string(), "data/".to_string()),
            ("web.enable-lifecycle".to_string(), "true".to_string()),
        ]))
}

pub fn full_router() -> (Router, Arc<StaticSources>) {
    let sources = Arc::new(StaticSources::default());
    (router(full_builder(sources.clone()).build()), sources)
}
