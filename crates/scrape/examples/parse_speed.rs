//! Prints how many nanoseconds per sample the exposition parsers take on a body shaped
//! like a typical exporter's (1,000 series): `cargo run --release -p promlite-scrape
//! --example parse_speed`.

use std::time::Instant;

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

fn main() {
    for (name, format) in [
        ("text", Format::PrometheusText),
        ("openmetrics", Format::OpenMetrics),
    ] {
        let b = body(1000, format == Format::OpenMetrics);
        let rounds = 2000;
        let start = Instant::now();
        let mut n = 0usize;
        for _ in 0..rounds {
            for e in ExpositionParser::new(b.as_bytes(), format) {
                if let Entry::Series(s) = e.unwrap() {
                    n += 1;
                    std::hint::black_box(s.value());
                }
            }
        }
        let parse = start.elapsed().as_nanos() as f64 / n as f64;
        let start = Instant::now();
        let mut m = 0usize;
        for _ in 0..rounds / 10 {
            for e in ExpositionParser::new(b.as_bytes(), format) {
                if let Entry::Series(s) = e.unwrap() {
                    m += 1;
                    std::hint::black_box(s.labels().unwrap());
                }
            }
        }
        let with_labels = start.elapsed().as_nanos() as f64 / m as f64;
        println!("{name}: parse {parse:.0} ns/sample, parse+labels {with_labels:.0} ns/sample");
    }
}
