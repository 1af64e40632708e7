//! PromQL evaluation speed: the query set of the side-by-side harness
//! (`../shared/bench/query_bench.py`) as range queries (step 15 s and 60 s over 2 h) and
//! instant queries, on the in-memory storage (`mem/...`) and on blocks written by the TSDB
//! backfill writer (`tsdb/...`), with a dataset shaped like the harness's node_exporter
//! workload: `PROMQL_BENCH_INSTANCES` instances (default 100, so 10,000 series) × 100
//! series, one sample every 15 s.
//!
//! `cargo bench -p promlite-benches --bench promql [-- <filter>]`, e.g. `-- tsdb/range_15s`
//!
//! With `PROMQL_BENCH_CPU=1` the figures are this thread's CPU time instead of wall time,
//! which stays meaningful on a busy shared machine.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Bencher, Criterion};
use promlite_model::Labels;
use promlite_promql::{Engine, EngineOptions, QueryControl};
use promlite_promql_parser::parse;
use promlite_storage::{Appendable, MemStorage, Queryable};
use promlite_tsdb::{BlockWriter, Db, Options, DEFAULT_BLOCK_RANGE_MS};

/// The harness's queries, unchanged.
const QUERIES: [(&str, &str); 15] = [
    ("selector", "node_load1"),
    (
        "regex_selector",
        r#"node_cpu_seconds_total{mode=~"user|system",cpu=~"0|1"}"#,
    ),
    ("name_regex", r#"{__name__=~"node_memory_.+"}"#),
    ("rate", "rate(node_network_receive_bytes_total[5m])"),
    (
        "sum_by_job_rate",
        "sum by (job) (rate(node_cpu_seconds_total[5m]))",
    ),
    (
        "cpu_util_by_instance",
        r#"1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))"#,
    ),
    (
        "histogram_quantile",
        "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    ),
    (
        "topk_rate",
        "topk(5, rate(node_network_receive_bytes_total[5m]))",
    ),
    ("increase_1h", "increase(http_requests_total[1h])"),
    (
        "avg_over_time_10m",
        "avg_over_time(node_memory_MemAvailable_bytes[10m])",
    ),
    (
        "binop_two_rates",
        "rate(node_network_receive_bytes_total[5m]) + rate(node_network_transmit_bytes_total[5m])",
    ),
    ("count_by_instance_up", "count by (instance) (up)"),
    ("sum_all_cpu_rate", "sum(rate(node_cpu_seconds_total[5m]))"),
    (
        "sum_all_buckets",
        "sum(rate(http_request_duration_seconds_bucket[5m]))",
    ),
    ("count_all_series", r#"count({__name__=~".+"})"#),
];

const STEP_MS: i64 = 15_000;
/// Two hours, starting at a block boundary.
const START_MS: i64 = 1_795_305_600_000;
const SPAN_MS: i64 = 2 * 3600 * 1000;

/// The series of one instance: labels and whether it is a counter.
fn instance_series(i: usize) -> Vec<(Labels, bool)> {
    let jobs = ["node", "api", "db", "cache"];
    let modes = [
        "user", "system", "idle", "iowait", "irq", "softirq", "steal", "nice",
    ];
    let buckets = [
        "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
    ];
    let instance = format!("host-{i:04}:9100");
    let job = jobs[i % jobs.len()];
    let mut out = Vec::new();
    let mut add = |name: &str, extra: &[(&str, &str)], counter: bool| {
        let mut l = vec![("__name__", name), ("job", job), ("instance", &instance)];
        l.extend_from_slice(extra);
        out.push((Labels::from_pairs(l), counter));
    };
    add("up", &[], false);
    add("node_load1", &[], false);
    add("node_memory_MemAvailable_bytes", &[], false);
    for cpu in ["0", "1", "2", "3"] {
        for m in modes {
            add("node_cpu_seconds_total", &[("cpu", cpu), ("mode", m)], true);
        }
    }
    for d in ["eth0", "eth1"] {
        add("node_network_receive_bytes_total", &[("device", d)], true);
        add("node_network_transmit_bytes_total", &[("device", d)], true);
    }
    for h in ["/api", "/metrics"] {
        for b in buckets {
            let extra = [("handler", h), ("le", b)];
            add("http_request_duration_seconds_bucket", &extra, true);
        }
        add("http_request_duration_seconds_sum", &[("handler", h)], true);
        add(
            "http_request_duration_seconds_count",
            &[("handler", h)],
            true,
        );
        add(
            "http_requests_total",
            &[("handler", h), ("code", "200")],
            true,
        );
        add(
            "http_requests_total",
            &[("handler", h), ("code", "500")],
            true,
        );
    }
    for k in 0..(100 - 3 - 32 - 4 - 32) {
        add(&format!("node_memory_filler{k}_bytes"), &[], false);
    }
    out
}

/// Writes the dataset as blocks (then opens the database) and into the in-memory storage.
fn dataset(dir: &std::path::Path, instances: usize) -> (Db, MemStorage) {
    let mut w = BlockWriter::new(dir, DEFAULT_BLOCK_RANGE_MS).expect("block writer");
    let mem = MemStorage::new();
    let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..instances {
        let mut app = mem.appender();
        for (labels, counter) in instance_series(i) {
            let mut v = 100.0;
            let mut t = START_MS;
            let mut series_ref = None;
            while t < START_MS + SPAN_MS {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let noise = (rng % 1000) as f64 / 100.0;
                v = if counter { v + noise } else { 100.0 + noise };
                w.append(&labels, t, v).expect("append");
                series_ref = Some(app.append(series_ref, &labels, t, v).expect("append"));
                t += STEP_MS;
            }
        }
        app.commit().expect("commit");
    }
    w.flush().expect("flush blocks");
    let db = Db::open(dir, Options::default()).expect("open db");
    (db, mem)
}

/// This thread's CPU time (Linux), if readable.
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Times `f` by wall clock, or by thread CPU time when `cpu` is set.
fn measure<R>(b: &mut Bencher<'_>, cpu: bool, mut f: impl FnMut() -> R) {
    b.iter_custom(|iters| {
        let (t0, c0) = (Instant::now(), thread_cpu());
        for _ in 0..iters {
            std::hint::black_box(f());
        }
        match (cpu, c0, thread_cpu()) {
            (true, Some(a), Some(b)) => b.saturating_sub(a),
            _ => t0.elapsed(),
        }
    })
}

fn bench_queries(c: &mut Criterion) {
    let cpu = std::env::var_os("PROMQL_BENCH_CPU").is_some();
    let instances = std::env::var("PROMQL_BENCH_INSTANCES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, mem) = dataset(dir.path(), instances);
    let engine = Engine::new(EngineOptions::default());
    let ctl = QueryControl::new();
    let end = START_MS + SPAN_MS - STEP_MS;
    let mut g = c.benchmark_group("promql");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let storages: [(&str, &dyn Queryable); 2] = [("mem", &mem), ("tsdb", &db)];
    for (storage, queryable) in storages {
        for (name, q) in QUERIES {
            let expr = parse(q).expect("query parses");
            for (mode, step) in [("range_15s", STEP_MS), ("range_60s", 60_000)] {
                g.bench_function(format!("{storage}/{mode}/{name}"), |b| {
                    measure(b, cpu, || {
                        engine
                            .range_query(queryable, &expr, START_MS, end, step, &ctl)
                            .expect("query runs")
                    })
                });
            }
            g.bench_function(format!("{storage}/instant/{name}"), |b| {
                measure(b, cpu, || {
                    engine
                        .instant_query(queryable, &expr, end, &ctl)
                        .expect("query runs")
                })
            });
        }
    }
    g.finish();
    db.close().expect("close db");
}

criterion_group!(benches, bench_queries);
criterion_main!(benches);
