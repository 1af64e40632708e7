//! Tests of the append logic against `MemStorage`: target labels, honor_labels,
//! relabeling, limits, staleness, the report series and the series cache.

use promlite_config::Config;
use promlite_model::{is_stale_nan, Labels, Matcher, Sample};
use promlite_storage::{Appendable, MemStorage, Queryable, SelectHints};

use super::*;
use crate::scrape_loop::cache::ScrapeCache;

const TEXT: &str = "text/plain; version=0.0.4";

fn settings(job_yaml: &str) -> AppendSettings {
    let yaml = format!("scrape_configs:\n  - job_name: j\n{job_yaml}");
    let cfg = Config::from_yaml_str(&yaml, ".").expect("config parses");
    let sc = &cfg.scrape_configs[0];
    AppendSettings::new(sc, Labels::from_pairs([("job", "j"), ("instance", "h:1")]))
}

struct Harness {
    db: MemStorage,
    cache: ScrapeCache,
    metrics: ScrapeMetrics,
    s: AppendSettings,
}

impl Harness {
    fn new(job_yaml: &str) -> Harness {
        Harness {
            db: MemStorage::new(),
            cache: ScrapeCache::default(),
            metrics: ScrapeMetrics::default(),
            s: settings(job_yaml),
        }
    }

    /// One scrape the way the loop does it: append, on error roll back and append an
    /// empty body, then the report, then commit.
    fn scrape(&mut self, body: &str, t: i64) -> (ScrapeCounts, Option<String>) {
        let mut app = self.db.appender();
        let (counts, r) = append_body(
            &self.s,
            &self.metrics,
            &mut self.cache,
            app.as_mut(),
            body.as_bytes(),
            TEXT,
            t,
            t,
        );
        let err = r.err().map(|e| e.to_string());
        if err.is_some() {
            app.rollback().unwrap();
            app = self.db.appender();
            let (_, r2) = append_body(
                &self.s,
                &self.metrics,
                &mut self.cache,
                app.as_mut(),
                b"",
                "",
                t,
                t,
            );
            r2.unwrap();
        }
        append_report(
            &self.s,
            &mut self.cache,
            app.as_mut(),
            t,
            Some(Report {
                up: err.is_none(),
                duration_seconds: 0.5,
                counts,
                body_bytes: body.len() as i64,
            }),
        )
        .unwrap();
        app.commit().unwrap();
        (counts, err)
    }

    fn samples(&self, name: &str) -> Vec<(Labels, Vec<Sample>)> {
        let q = self.db.querier(i64::MIN / 2, i64::MAX / 2).unwrap();
        q.select(
            &[Matcher::equal("__name__", name)],
            &SelectHints::range(i64::MIN / 2, i64::MAX / 2),
        )
        .unwrap()
        .map(|s| {
            let s = s.unwrap();
            let samples = s.samples(i64::MIN / 2, i64::MAX / 2).unwrap();
            (s.labels().clone(), samples)
        })
        .collect()
    }

    fn values(&self, name: &str) -> Vec<f64> {
        self.samples(name)
            .into_iter()
            .flat_map(|(_, s)| s.into_iter().map(|x| x.v))
            .collect()
    }
}

#[test]
fn appends_series_with_target_labels_and_report() {
    let mut h = Harness::new("");
    let (counts, err) = h.scrape("# TYPE a counter\na_total{x=\"1\"} 5\nb 2 1234\n", 1000);
    assert_eq!(err, None);
    assert_eq!(
        counts,
        ScrapeCounts {
            total: 2,
            added: 2,
            series_added: 2
        }
    );
    let a = h.samples("a_total");
    assert_eq!(
        a[0].0,
        Labels::from_pairs([
            ("__name__", "a_total"),
            ("x", "1"),
            ("job", "j"),
            ("instance", "h:1")
        ])
    );
    assert_eq!(a[0].1, vec![Sample::new(1000, 5.0)]);
    assert_eq!(
        h.samples("b")[0].1,
        vec![Sample::new(1234, 2.0)],
        "honor_timestamps"
    );
    assert_eq!(h.values("up"), vec![1.0]);
    assert_eq!(h.values("scrape_samples_scraped"), vec![2.0]);
    assert_eq!(h.values("scrape_samples_post_metric_relabeling"), vec![2.0]);
    assert_eq!(h.values("scrape_series_added"), vec![2.0]);
    assert_eq!(h.values("scrape_duration_seconds"), vec![0.5]);
    let up = &h.samples("up")[0].0;
    assert_eq!(up.get("job"), Some("j"));
    assert_eq!(up.get("instance"), Some("h:1"));
    assert_eq!(
        h.cache.metadata.get("a").unwrap().metric_type,
        promlite_model::MetricType::Counter
    );
    // Steady state: the second scrape adds no series and finds everything cached.
    let (counts, _) = h.scrape("# TYPE a counter\na_total{x=\"1\"} 6\nb 3 1235\n", 2000);
    assert_eq!(counts.series_added, 0);
    assert_eq!(h.cache.len(), 2 + REPORT_SERIES.len());
}

#[test]
fn extra_scrape_metrics_are_reported_when_enabled() {
    let mut h = Harness::new(
        "    extra_scrape_metrics: true\n    sample_limit: 10\n    scrape_timeout: 3s\n",
    );
    h.scrape("a 1\n", 1000);
    assert_eq!(h.values("scrape_timeout_seconds"), vec![3.0]);
    assert_eq!(h.values("scrape_sample_limit"), vec![10.0]);
    assert_eq!(h.values("scrape_body_size_bytes"), vec![4.0]);
    let mut plain = Harness::new("");
    plain.scrape("a 1\n", 1000);
    assert!(plain.values("scrape_timeout_seconds").is_empty());
}

#[test]
fn honor_labels_false_renames_conflicts() {
    let mut h = Harness::new("");
    h.scrape(
        "m{job=\"other\",exported_job=\"x\",instance=\"i\"} 1\n",
        1000,
    );
    let l = &h.samples("m")[0].0;
    assert_eq!(l.get("job"), Some("j"));
    assert_eq!(l.get("exported_instance"), Some("i"));
    assert_eq!(l.get("exported_job"), Some("x"));
    assert_eq!(l.get("exported_exported_job"), Some("other"));
    let mut h = Harness::new("    honor_labels: true\n");
    h.scrape("m{job=\"other\"} 1\n", 1000);
    let l = &h.samples("m")[0].0;
    assert_eq!(l.get("job"), Some("other"));
    assert_eq!(l.get("instance"), Some("h:1"));
}

#[test]
fn honor_timestamps_false_uses_scrape_time() {
    let mut h = Harness::new("    honor_timestamps: false\n");
    h.scrape("b 2 1234\n", 5000);
    assert_eq!(h.samples("b")[0].1, vec![Sample::new(5000, 2.0)]);
}

#[test]
fn vanished_series_and_failed_scrapes_get_staleness_markers() {
    let mut h = Harness::new("");
    h.scrape("a 1\nb 1\nc 1 500\n", 1000);
    h.scrape("a 2\nc 1 600\n", 2000);
    let b = h.values("b");
    assert_eq!(b.len(), 2);
    assert!(is_stale_nan(b[1]), "b went stale: {b:?}");
    // Series with explicit timestamps are not tracked.
    assert!(h.values("c").iter().all(|v| !is_stale_nan(*v)));
    // A failed scrape marks everything stale and reports up=0.
    h.scrape("", 3000);
    let a = h.values("a");
    assert!(is_stale_nan(*a.last().unwrap()), "{a:?}");
    assert_eq!(h.values("up"), vec![1.0, 1.0, 1.0]);
}

#[test]
fn malformed_body_fails_only_that_scrape() {
    let mut h = Harness::new("");
    h.scrape("a 1\n", 1000);
    let (_, err) = h.scrape("a 2\nbroken{ 3\n", 2000);
    assert_eq!(
        err.as_deref(),
        Some(r#"expected label name, got "3" ("INVALID") while parsing: "broken{ 3""#)
    );
    let a = h.values("a");
    assert_eq!(a.len(), 2);
    assert!(is_stale_nan(a[1]), "rolled back, then marked stale: {a:?}");
    let (_, err) = h.scrape("a 3\n", 3000);
    assert_eq!(err, None);
    assert_eq!(h.values("a").last(), Some(&3.0));
}

#[test]
fn sample_limit_fails_the_scrape() {
    let mut h = Harness::new("    sample_limit: 2\n");
    let (counts, err) = h.scrape("a 1\nb 1\nc 1\n", 1000);
    assert_eq!(err.as_deref(), Some("sample limit exceeded"));
    assert_eq!(counts.total, 3);
    assert!(h.samples("a").is_empty(), "rolled back");
    assert_eq!(
        h.metrics
            .exceeded_sample_limit
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    let (_, err) = h.scrape("a 1\nb 1\n", 2000);
    assert_eq!(err, None);
}

#[test]
fn label_limits_fail_with_prometheus_messages() {
    let mut h = Harness::new("    label_limit: 3\n");
    let (_, err) = h.scrape("m{a=\"1\",b=\"2\"} 1\n", 1000);
    assert_eq!(
        err.as_deref(),
        Some("label_limit exceeded (metric: m, number of labels: 5, limit: 3)")
    );
    let mut h = Harness::new("    label_value_length_limit: 3\n");
    let (_, err) = h.scrape("m{a=\"long\"} 1\n", 1000);
    assert_eq!(
        err.as_deref(),
        Some(
            r#"label_value_length_limit exceeded (metric: m, label name: a, value: "long", length: 4, limit: 3)"#
        )
    );
    // `__name__` counts too, as in Prometheus.
    let mut h = Harness::new("    label_name_length_limit: 8\n");
    let (_, err) = h.scrape("m{abcdefghi=\"v\"} 1\n", 1000);
    assert_eq!(
        err.as_deref(),
        Some("label_name_length_limit exceeded (metric: m, label name: abcdefghi, length: 9, limit: 8)")
    );
}

#[test]
fn metric_relabel_configs_drop_and_rewrite() {
    let mut h = Harness::new(
        "    metric_relabel_configs:\n      - source_labels: [__name__]\n        regex: drop_me\n        action: drop\n      - target_label: env\n        replacement: prod\n",
    );
    let (counts, err) = h.scrape("drop_me 1\nkeep_me 2\n", 1000);
    assert_eq!(err, None);
    assert_eq!(
        counts,
        ScrapeCounts {
            total: 2,
            added: 1,
            series_added: 1
        }
    );
    assert!(h.samples("drop_me").is_empty());
    assert_eq!(h.samples("keep_me")[0].0.get("env"), Some("prod"));
    assert_eq!(h.values("scrape_samples_post_metric_relabeling"), vec![1.0]);
    // The drop is remembered: the second scrape does not relabel again.
    let (counts, _) = h.scrape("drop_me 1\nkeep_me 3\n", 2000);
    assert_eq!(counts.added, 1);
}

#[test]
fn duplicates_within_a_scrape_are_counted_not_fatal() {
    let mut h = Harness::new("");
    let (_, err) = h.scrape("a 1\na 2\n", 1000);
    assert_eq!(err, None);
    assert_eq!(h.values("a"), vec![1.0]);
    assert_eq!(
        h.metrics
            .sample_duplicate_timestamp
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}

#[test]
fn content_type_rules_apply() {
    let mut h = Harness::new("");
    let mut app = h.db.appender();
    let (_, r) = append_body(
        &h.s,
        &h.metrics,
        &mut h.cache,
        app.as_mut(),
        b"a 1\n",
        "",
        1,
        1,
    );
    assert!(r
        .unwrap_err()
        .to_string()
        .starts_with("non-compliant scrape target sending blank Content-Type"));
    let mut h = Harness::new("    fallback_scrape_protocol: PrometheusText0.0.4\n");
    let (_, r) = append_body(
        &h.s,
        &h.metrics,
        &mut h.cache,
        app.as_mut(),
        b"a 1\n",
        "",
        1,
        1,
    );
    assert!(r.is_ok());
    let (_, r) = append_body(
        &h.s,
        &h.metrics,
        &mut h.cache,
        app.as_mut(),
        b"a 1\n# EOF\n",
        "application/openmetrics-text; version=1.0.0",
        2,
        2,
    );
    assert!(r.is_ok());
}

/// An appender that only hands out references: isolates the scrape side's own cost.
struct NopAppender {
    next: u64,
}

impl promlite_storage::Appender for NopAppender {
    fn append(
        &mut self,
        r: Option<SeriesRef>,
        _: &Labels,
        _: i64,
        _: f64,
    ) -> promlite_storage::Result<SeriesRef> {
        Ok(r.unwrap_or_else(|| {
            self.next += 1;
            self.next
        }))
    }
    fn commit(&mut self) -> promlite_storage::Result<()> {
        Ok(())
    }
    fn rollback(&mut self) -> promlite_storage::Result<()> {
        Ok(())
    }
}

/// This thread's CPU time in ns (Linux), so the figure holds on a busy machine.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Prints parse + append cost per sample for a 1,000-series body in steady state (series
/// cache warm). Run: `cargo test --release -p promlite-scrape --lib measure -- --ignored --nocapture`.
#[test]
#[ignore]
fn measure_parse_and_append_ns_per_sample() {
    let mut body = String::new();
    for fam in 0..100 {
        body.push_str(&format!(
            "# HELP family_{fam}_total Some help text.\n# TYPE family_{fam}_total counter\n"
        ));
        for i in 0..10 {
            body.push_str(&format!(
                "family_{fam}_total{{host=\"host-{i}.example.com:9100\",service=\"node\",mode=\"idle\",cpu=\"{i}\"}} {}.5\n",
                fam * 1000 + i
            ));
        }
    }
    let s = settings("");
    let metrics = ScrapeMetrics::default();
    let mut cache = ScrapeCache::default();
    let mut app = NopAppender { next: 0 };
    let rounds = 2000;
    let mut t = 0;
    let mut run = |n: usize, cache: &mut ScrapeCache| {
        for _ in 0..n {
            t += 15_000;
            let (c, r) = append_body(&s, &metrics, cache, &mut app, body.as_bytes(), TEXT, t, t);
            r.unwrap();
            assert_eq!(c.total, 1000);
        }
    };
    run(10, &mut cache);
    let (wall, cpu) = (std::time::Instant::now(), thread_cpu_ns());
    run(rounds, &mut cache);
    let per = |ns: f64, n: f64| ns / (n * 1000.0);
    let steady_wall = per(wall.elapsed().as_nanos() as f64, rounds as f64);
    let steady_cpu = thread_cpu_ns()
        .zip(cpu)
        .map(|(b, a)| per((b - a) as f64, rounds as f64));
    let (wall, cpu) = (std::time::Instant::now(), thread_cpu_ns());
    for _ in 0..20 {
        let mut cold = ScrapeCache::default();
        run(1, &mut cold);
    }
    let cold_wall = per(wall.elapsed().as_nanos() as f64, 20.0);
    let cold_cpu = thread_cpu_ns()
        .zip(cpu)
        .map(|(b, a)| per((b - a) as f64, 20.0));
    println!(
        "parse+append per sample: warm cache {steady_wall:.0} ns wall / {:.0} ns CPU; first scrape (labels built) {cold_wall:.0} ns wall / {:.0} ns CPU",
        steady_cpu.unwrap_or(f64::NAN),
        cold_cpu.unwrap_or(f64::NAN)
    );
}

/// Profiling aid: only first scrapes (every series new). Run with `--ignored`.
#[test]
#[ignore]
fn profile_first_scrapes() {
    let mut body = String::new();
    for fam in 0..100 {
        for i in 0..10 {
            body.push_str(&format!(
                "family_{fam}_total{{host=\"host-{i}.example.com:9100\",service=\"node\",mode=\"idle\",cpu=\"{i}\"}} {}.5\n",
                fam * 1000 + i
            ));
        }
    }
    let s = settings("");
    let metrics = ScrapeMetrics::default();
    let mut app = NopAppender { next: 0 };
    for _ in 0..300 {
        let mut cold = ScrapeCache::default();
        let (_, r) = append_body(
            &s,
            &metrics,
            &mut cold,
            &mut app,
            body.as_bytes(),
            TEXT,
            1,
            1,
        );
        r.unwrap();
    }
}

#[test]
fn legacy_name_validation_rejects_utf8_names() {
    let mut h = Harness::new(
        "    metric_name_validation_scheme: legacy\n    metric_name_escaping_scheme: underscores\n",
    );
    let (_, err) = h.scrape("{\"my.metric\"} 1\n", 1000);
    assert_eq!(
        err.as_deref(),
        Some(
            r#"invalid metric name or label names: {__name__="my.metric", instance="h:1", job="j"}"#
        )
    );
    let mut utf8 = Harness::new("");
    let (_, err) = utf8.scrape("{\"my.metric\"} 1\n", 1000);
    assert_eq!(err, None);
}
