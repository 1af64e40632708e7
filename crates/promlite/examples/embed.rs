//! Embedding promlite: write a few samples, read them back by label and with PromQL.
//!
//! Run with `cargo run -p promlite --example embed [DIR]`.

use promlite::{Db, Labels, Matcher, Options, SelectHints, Value};

fn main() -> Result<(), promlite::Error> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "embed-data".to_string());
    let db = Db::open(&dir, Options::default())?;

    // One appender per batch; commit makes the batch durable and visible.
    let mut app = db.appender();
    let start = 1_700_000_000_000_i64;
    for host in ["a", "b"] {
        let labels = Labels::from_pairs([("__name__", "cpu_seconds_total"), ("host", host)]);
        for i in 0..20 {
            app.append(None, &labels, start + i * 15_000, i as f64 * 1.5)?;
        }
    }
    app.commit()?;

    // Label selection through the querier.
    let end = start + 19 * 15_000;
    let querier = db.querier(start, end)?;
    let set = querier.select(
        &[Matcher::equal("host", "a")],
        &SelectHints::range(start, end),
    )?;
    for series in set {
        let series = series?;
        let samples = series.samples(start, end)?;
        println!("{} has {} samples", series.labels(), samples.len());
    }

    // PromQL in-process.
    let result = db.query_instant("sum(rate(cpu_seconds_total[1m]))", end)?;
    if let Value::Vector(v) = result.value {
        println!("sum(rate(cpu_seconds_total[1m])) = {}", v[0].v);
    }
    db.close()
}
