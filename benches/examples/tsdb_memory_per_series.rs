//! Heap + mapped memory per active head series: appends `--series N` (default
//! 1,000,000) series × `--samples K` (default 20, one 15 s scrape each) and prints the
//! growth of the process's resident set (VmRSS, which counts touched mapped pages of
//! `chunks_head/` too) divided by the number of series. Target: < 1 KiB per series.
//!
//! `cargo run --release -p promlite-benches --example tsdb_memory_per_series -- --series 1000000`

use promlite_benches::arg;
use promlite_model::Labels;
use promlite_storage::Appendable;
use promlite_tsdb::{Db, FsyncPolicy, Options};

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let series = arg("--series", 1_000_000);
    let samples = arg("--samples", 20) as i64;
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        fsync: FsyncPolicy::Never,
        background_compaction: false,
        ..Options::default()
    };
    let db = Db::open(dir.path(), opts).unwrap();
    let before = rss_bytes();
    let mut refs = vec![None; series];
    let t0 = 1_700_000_000_000i64;
    for step in 0..samples {
        let mut app = db.appender();
        for (i, r) in refs.iter_mut().enumerate() {
            // Labels are built per append, as a scraper would parse them; the head keeps one copy.
            let labels = if r.is_none() {
                Labels::from_pairs([
                    ("__name__", format!("node_metric_{}", i % 100)),
                    ("instance", format!("host-{:05}:9100", i / 100)),
                    ("job", "node".to_string()),
                ])
            } else {
                Labels::empty()
            };
            *r = Some(
                app.append(
                    *r,
                    &labels,
                    t0 + step * 15_000,
                    ((i as i64 + step) % 977) as f64,
                )
                .unwrap(),
            );
            if i % 10_000 == 9_999 {
                app.commit().unwrap();
            }
        }
        app.commit().unwrap();
    }
    drop(refs);
    let after = rss_bytes();
    let per_series = (after.saturating_sub(before)) as f64 / series as f64;
    println!(
        "series={series} samples_per_series={samples} rss_before={:.1}MiB rss_after={:.1}MiB bytes_per_series={per_series:.0} head_chunks_files={:.1}MiB",
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        db.head().chunk_files_bytes() as f64 / 1048576.0
    );
    db.close().unwrap();
}
