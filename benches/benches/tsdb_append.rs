//! Append throughput: batches of 1,000 samples committed to a head of 100,000 existing
//! series, appenders reusing series references as a scrape loop does (target ≥ 5 M
//! samples/s on one core).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use promlite_model::Labels;
use promlite_storage::{Appendable, SeriesRef};
use promlite_tsdb::{Db, FsyncPolicy, Options};

const SERIES: usize = 100_000;
const BATCH: usize = 1_000;

fn series_labels() -> Vec<Labels> {
    (0..SERIES)
        .map(|i| {
            Labels::from_pairs([
                ("__name__", format!("metric_{}", i % 100)),
                ("instance", format!("host-{:04}:9100", i / 100)),
                ("job", "node".to_string()),
            ])
        })
        .collect()
}

fn append_throughput(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        fsync: FsyncPolicy::Never,
        background_compaction: false,
        ..Options::default()
    };
    let db = Db::open(dir.path(), opts).unwrap();
    let labels = series_labels();
    let mut refs: Vec<Option<SeriesRef>> = vec![None; SERIES];
    let mut app = db.appender();
    let t0 = 1_700_000_000_000i64;
    for (i, l) in labels.iter().enumerate() {
        refs[i] = Some(app.append(None, l, t0, 0.0).unwrap());
    }
    app.commit().unwrap();
    let mut next = 0usize;
    let mut round = 1i64;
    let mut group = c.benchmark_group("tsdb_append");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("commit_1000_samples_over_100k_series", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                let t = t0 + round * 15_000;
                refs[next] = Some(
                    app.append(refs[next], &labels[next], t, (round + next as i64) as f64)
                        .unwrap(),
                );
                next += 1;
                if next == SERIES {
                    next = 0;
                    round += 1;
                }
            }
            app.commit().unwrap();
        })
    });
    group.finish();
    drop(app);
    db.close().unwrap();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = append_throughput
}
criterion_main!(benches);
