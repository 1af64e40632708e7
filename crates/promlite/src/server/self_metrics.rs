//! `/metrics`: promlite's own metrics in the text exposition format, named as
//! Prometheus names their twins so dashboards for Prometheus itself keep working.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

use promlite_http::MetricsSource;
use promlite_remote::RemoteWriteManager;
use promlite_rules::{Notifier, RuleManager};
use promlite_scrape::ScrapeManager;

/// Config reload outcomes, shown as `prometheus_config_last_reload_*`.
#[derive(Debug, Default)]
pub struct ReloadStatus {
    /// 1 when the last reload succeeded.
    pub last_success: AtomicU64,
    /// Unix milliseconds of the last successful reload.
    pub last_success_time_ms: AtomicI64,
    /// Failed reloads since start.
    pub failures_total: AtomicU64,
}

/// Everything `/metrics` reads.
pub struct SelfMetrics {
    pub tsdb: Arc<promlite_tsdb::Db>,
    pub scrape: Arc<ScrapeManager>,
    pub notifier: Arc<Notifier>,
    pub rules: Arc<RuleManager>,
    pub remote: Arc<RemoteWriteManager>,
    pub reload: Arc<ReloadStatus>,
    pub start_time_s: f64,
}

/// Writes metric families in the text format 0.0.4.
#[derive(Default)]
struct Exposition {
    out: String,
}

impl Exposition {
    fn header(&mut self, name: &str, help: &str, kind: &str) {
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], v: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, val)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape_label_value(val));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", format_value(v));
    }

    fn single(&mut self, name: &str, help: &str, kind: &str, v: f64) {
        self.header(name, help, kind);
        self.sample(name, &[], v);
    }
}

fn escape_label_value(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        v.to_string()
    }
}

impl SelfMetrics {
    fn scrape_metrics(&self, e: &mut Exposition) {
        let s = self.scrape.metrics_snapshot();
        let counters: [(&str, &str, u64); 13] = [
            ("prometheus_target_scrapes_sample_out_of_order_total", "Total number of samples rejected due to not being out of the expected order.", s.target_scrapes_sample_out_of_order_total),
            ("prometheus_target_scrapes_sample_duplicate_timestamp_total", "Total number of samples rejected due to duplicate timestamps but different values.", s.target_scrapes_sample_duplicate_timestamp_total),
            ("prometheus_target_scrapes_sample_out_of_bounds_total", "Total number of samples rejected due to timestamp falling outside of the time bounds.", s.target_scrapes_sample_out_of_bounds_total),
            ("prometheus_target_scrapes_exceeded_sample_limit_total", "Total number of scrapes that hit the sample limit and were rejected.", s.target_scrapes_exceeded_sample_limit_total),
            ("prometheus_target_scrapes_exceeded_body_size_limit_total", "Total number of scrapes that hit the body size limit", s.target_scrapes_exceeded_body_size_limit_total),
            ("prometheus_target_scrape_pool_exceeded_label_limits_total", "Total number of times scrape pools hit the label limits, during sync or config reload.", s.target_scrape_pool_exceeded_label_limits_total),
            ("prometheus_target_scrape_pool_exceeded_target_limit_total", "Total number of times scrape pools hit the target limit, during sync or config reload.", s.target_scrape_pool_exceeded_target_limit_total),
            ("prometheus_target_scrapes_cache_flush_forced_total", "How many times a scrape cache was flushed due to getting big while scrapes are failing.", s.target_scrapes_cache_flush_forced_total),
            ("prometheus_target_scrape_pools_total", "Total number of scrape pool creation attempts.", s.target_scrape_pools_total),
            ("prometheus_target_scrape_pools_failed_total", "Total number of scrape pool creations that failed.", s.target_scrape_pools_failed_total),
            ("prometheus_target_scrape_pool_reloads_total", "Total number of scrape pool reloads.", s.target_scrape_pool_reloads_total),
            ("prometheus_target_scrape_pool_reloads_failed_total", "Total number of failed scrape pool reloads.", s.target_scrape_pool_reloads_failed_total),
            ("prometheus_target_sync_failed_total", "Total number of target sync failures.", s.target_sync_failed_total),
        ];
        for (name, help, v) in counters {
            e.single(name, help, "counter", v as f64);
        }
        let name = "prometheus_target_interval_length_seconds";
        e.header(name, "Actual intervals between scrapes.", "summary");
        for summary in &s.target_interval_length_seconds {
            for (q, v) in &summary.quantiles {
                let q = q.to_string();
                e.sample(
                    name,
                    &[("interval", &summary.interval), ("quantile", &q)],
                    *v,
                );
            }
            e.sample(
                &format!("{name}_sum"),
                &[("interval", &summary.interval)],
                summary.sum,
            );
            e.sample(
                &format!("{name}_count"),
                &[("interval", &summary.interval)],
                summary.count as f64,
            );
        }
        let name = "prometheus_target_scrape_pool_targets";
        e.header(
            name,
            "Current number of targets in this scrape pool.",
            "gauge",
        );
        for (job, n) in &s.target_scrape_pool_targets {
            e.sample(name, &[("scrape_job", job)], *n as f64);
        }
    }

    fn notifier_metrics(&self, e: &mut Exposition) {
        let n = self.notifier.metrics();
        e.single(
            "prometheus_notifications_dropped_total",
            "Total number of alerts dropped due to errors when sending to Alertmanager.",
            "counter",
            n.dropped_total as f64,
        );
        e.single(
            "prometheus_notifications_queue_length",
            "The number of alert notifications in the queue.",
            "gauge",
            n.queue_length as f64,
        );
        e.single(
            "prometheus_notifications_queue_capacity",
            "The capacity of the alert notifications queue.",
            "gauge",
            n.queue_capacity as f64,
        );
        e.single(
            "prometheus_notifications_alertmanagers_discovered",
            "The number of alertmanagers discovered and active.",
            "gauge",
            n.alertmanagers_discovered as f64,
        );
        let sent = "prometheus_notifications_sent_total";
        e.header(sent, "Total number of alerts sent.", "counter");
        for (am, c) in &n.per_alertmanager {
            e.sample(sent, &[("alertmanager", am)], c.sent_total as f64);
        }
        let errors = "prometheus_notifications_errors_total";
        e.header(
            errors,
            "Total number of sent alerts affected by errors.",
            "counter",
        );
        for (am, c) in &n.per_alertmanager {
            e.sample(errors, &[("alertmanager", am)], c.errors_total as f64);
        }
    }

    /// `prometheus_rule_*`, one series per group labelled `rule_group="<file>;<name>"`.
    fn rule_metrics(&self, e: &mut Exposition) {
        let groups = self.rules.rule_groups();
        let keys: Vec<String> = groups
            .iter()
            .map(|g| format!("{};{}", g.file, g.name))
            .collect();
        type Value = fn(&promlite_rules::RuleGroupView) -> f64;
        let families: [(&str, &str, &str, Value); 9] = [
            ("prometheus_rule_evaluations_total", "The total number of rule evaluations.", "counter", |g| g.counters.evaluations as f64),
            ("prometheus_rule_evaluation_failures_total", "The total number of rule evaluation failures.", "counter", |g| g.counters.evaluation_failures as f64),
            ("prometheus_rule_group_iterations_total", "The total number of scheduled rule group evaluations, whether executed or missed.", "counter", |g| g.counters.iterations as f64),
            ("prometheus_rule_group_iterations_missed_total", "The total number of rule group evaluations missed due to slow rule group evaluation.", "counter", |g| g.counters.iterations_missed as f64),
            ("prometheus_rule_group_interval_seconds", "The interval of a rule group.", "gauge", |g| g.interval_seconds),
            ("prometheus_rule_group_last_duration_seconds", "The duration of the last rule group evaluation.", "gauge", |g| g.evaluation_time_seconds),
            ("prometheus_rule_group_last_evaluation_timestamp_seconds", "The timestamp of the last rule group evaluation in seconds.", "gauge", |g| g.last_evaluation.map_or(0.0, |ms| ms as f64 / 1000.0)),
            ("prometheus_rule_group_last_evaluation_samples", "The number of samples returned during the last rule group evaluation.", "gauge", |g| g.counters.last_samples as f64),
            ("prometheus_rule_group_rules", "The number of rules.", "gauge", |g| g.rules.len() as f64),
        ];
        for (name, help, kind, value) in families {
            e.header(name, help, kind);
            for (g, key) in groups.iter().zip(&keys) {
                e.sample(name, &[("rule_group", key)], value(g));
            }
        }
    }

    fn remote_metrics(&self, e: &mut Exposition) {
        for family in self.remote.metrics().families() {
            let kind = match family.kind {
                promlite_remote::MetricKind::Counter => "counter",
                promlite_remote::MetricKind::Gauge => "gauge",
            };
            e.header(family.name, family.help, kind);
            for (labels, v) in &family.series {
                let pairs: Vec<(&str, &str)> = labels.iter().map(|l| (l.name, l.value)).collect();
                e.sample(family.name, &pairs, *v);
            }
        }
    }

    fn process_metrics(&self, e: &mut Exposition) {
        let p = crate::server::process::ProcessStats::read();
        e.single(
            "process_cpu_seconds_total",
            "Total user and system CPU time spent in seconds.",
            "counter",
            p.cpu_seconds,
        );
        e.single(
            "process_resident_memory_bytes",
            "Resident memory size in bytes.",
            "gauge",
            p.resident_bytes as f64,
        );
        e.single(
            "process_virtual_memory_bytes",
            "Virtual memory size in bytes.",
            "gauge",
            p.virtual_bytes as f64,
        );
        e.single(
            "process_open_fds",
            "Number of open file descriptors.",
            "gauge",
            p.open_fds as f64,
        );
        e.single(
            "process_max_fds",
            "Maximum number of open file descriptors.",
            "gauge",
            p.max_fds as f64,
        );
        e.single(
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.",
            "gauge",
            self.start_time_s,
        );
        e.single(
            "process_threads",
            "Number of OS threads in the process.",
            "gauge",
            p.threads as f64,
        );
    }
}

impl MetricsSource for SelfMetrics {
    fn render(&self) -> String {
        let mut e = Exposition::default();
        e.header("prometheus_build_info", "A metric with a constant '1' value labeled by version, revision, branch, goversion from which prometheus was built, and the goos and goarch for the build.", "gauge");
        e.sample(
            "prometheus_build_info",
            &[
                ("branch", ""),
                ("goarch", std::env::consts::ARCH),
                ("goos", std::env::consts::OS),
                ("goversion", "promlite"),
                ("revision", concat!("promlite-", env!("CARGO_PKG_VERSION"))),
                ("version", promlite_http::EMULATED_PROMETHEUS_VERSION),
            ],
            1.0,
        );
        e.single("prometheus_ready", "Whether Prometheus startup was fully completed and the server is ready for normal operation.", "gauge", 1.0);
        e.single(
            "prometheus_config_last_reload_successful",
            "Whether the last configuration reload attempt was successful.",
            "gauge",
            self.reload.last_success.load(Ordering::Relaxed) as f64,
        );
        e.single(
            "prometheus_config_last_reload_success_timestamp_seconds",
            "Timestamp of the last successful configuration reload.",
            "gauge",
            (self.reload.last_success_time_ms.load(Ordering::Relaxed) / 1000) as f64,
        );
        self.process_metrics(&mut e);
        e.out.push_str(&self.tsdb.metrics().to_prometheus_text());
        self.scrape_metrics(&mut e);
        self.notifier_metrics(&mut e);
        self.rule_metrics(&mut e);
        self.remote_metrics(&mut e);
        e.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_escapes_and_formats() {
        let mut e = Exposition::default();
        e.single("a_total", "help", "counter", 3.0);
        e.sample("b", &[("x", "q\"\\\n")], f64::INFINITY);
        assert_eq!(
            e.out,
            "# HELP a_total help\n# TYPE a_total counter\na_total 3\nb{x=\"q\\\"\\\\\\n\"} +Inf\n"
        );
    }
}
