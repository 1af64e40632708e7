//! Prints how many nanoseconds of CPU per sample the exposition parsers take on a body
//! shaped like a typical exporter's (1,000 series) and on a backfill-shaped OpenMetrics
//! stream: `cargo run --release -p promlite-scrape --example parse_speed`.

use promlite_scrape::exposition::{Entry, ExpositionParser, Format};

fn body(series: usize, openmetrics: bool) -> String {
    let mut b = String::new();
    for fam in 0..series / 10 {
        b.push_str(&format!(
            "# HELP family_{fam}_total Some help text.\n# TYPE family_{fam}_total counter\n"
        ));
        for i in 0..10 {
            b.push_str(&format!(
                "family_{fam}_total{{instance=\"host-{i}.example.com:9100\",job=\"node\",mode=\"idle\",cpu=\"{i}\"}} {}.5\n",
                fam * 1000 + i
            ));
        }
    }
    if openmetrics {
        b = b.replace("_total counter", " counter");
        b.push_str("# EOF\n");
    }
    b
}

/// This thread's CPU time in ns (Linux), so figures hold on a busy machine.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// A backfill-shaped OpenMetrics file: 1,000 series, many timestamped samples each.
fn backfill_body(samples: usize) -> String {
    let mut b = String::from("# TYPE http_requests counter\n");
    for i in 0..samples {
        b.push_str(&format!(
            "http_requests_total{{code=\"200\",handler=\"/api/{}\"}} {} {}\n",
            i % 1000,
            i,
            1_700_000_000 + (i / 1000) * 15
        ));
    }
    b.push_str("# EOF\n");
    b
}

fn main() {
    let backfill = backfill_body(1_000_000);
    let cpu = thread_cpu_ns();
    let n =
        promlite_scrape::exposition::for_each_entry_in_reader::<_, std::convert::Infallible, _>(
            backfill.as_bytes(),
            Format::OpenMetrics,
            Default::default(),
            |e| {
                if let Entry::Series(s) = e {
                    std::hint::black_box(s.value());
                }
                Ok(())
            },
        )
        .unwrap();
    let secs = (thread_cpu_ns() - cpu) as f64 / 1e9;
    println!(
        "openmetrics stream: {n} samples, {:.1} MB in {secs:.2} s CPU ({:.0} ns/sample, {:.0} MB/s)",
        backfill.len() as f64 / 1e6,
        secs * 1e9 / n as f64,
        backfill.len() as f64 / 1e6 / secs
    );
    for (name, format) in [
        ("text", Format::PrometheusText),
        ("openmetrics", Format::OpenMetrics),
    ] {
        let b = body(1000, format == Format::OpenMetrics);
        let rounds = 2000;
        let start = thread_cpu_ns();
        let mut n = 0usize;
        for _ in 0..rounds {
            for e in ExpositionParser::new(b.as_bytes(), format) {
                if let Entry::Series(s) = e.unwrap() {
                    n += 1;
                    std::hint::black_box(s.value());
                }
            }
        }
        let parse = (thread_cpu_ns() - start) as f64 / n as f64;
        let start = thread_cpu_ns();
        let mut m = 0usize;
        for _ in 0..rounds / 10 {
            for e in ExpositionParser::new(b.as_bytes(), format) {
                if let Entry::Series(s) = e.unwrap() {
                    m += 1;
                    std::hint::black_box(s.labels().unwrap());
                }
            }
        }
        let with_labels = (thread_cpu_ns() - start) as f64 / m as f64;
        println!(
            "{name}: parse {parse:.0} ns/sample CPU, parse+labels {with_labels:.0} ns/sample CPU"
        );
    }
}
