//! WAL replay speed: opening a database whose head holds 1,000,000 samples of 10,000
//! series only in the WAL, as after a crash (target ≥ 10 M samples/s); and, for
//! comparison, opening the same head from the snapshot a clean close writes.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use promlite_model::Labels;
use promlite_storage::Appendable;
use promlite_tsdb::{Db, FsyncPolicy, Options};

const SERIES: usize = 10_000;
const STEPS: i64 = 100;

fn options(snapshot: bool) -> Options {
    Options {
        fsync: FsyncPolicy::Never,
        background_compaction: false,
        head_snapshot_on_close: snapshot,
        ..Options::default()
    }
}

/// A database of SERIES × STEPS samples, closed with or without a head snapshot.
fn prepare(dir: &std::path::Path, snapshot: bool) {
    let db = Db::open(dir, options(snapshot)).unwrap();
    let labels: Vec<Labels> = (0..SERIES)
        .map(|i| {
            Labels::from_pairs([
                ("__name__", format!("m{}", i % 100)),
                ("instance", format!("h{}", i / 100)),
            ])
        })
        .collect();
    let mut refs = vec![None; SERIES];
    let mut app = db.appender();
    for step in 0..STEPS {
        for (i, l) in labels.iter().enumerate() {
            let v = ((step * 7 + i as i64) % 1000) as f64 / 10.0;
            refs[i] = Some(
                app.append(refs[i], l, 1_700_000_000_000 + step * 15_000, v)
                    .unwrap(),
            );
        }
        app.commit().unwrap();
    }
    db.close().unwrap();
}

fn wal_replay(c: &mut Criterion) {
    let mut group = c.benchmark_group("tsdb_wal_replay");
    group.throughput(Throughput::Elements(SERIES as u64 * STEPS as u64));
    group.sample_size(10);
    for (name, snapshot) in [
        ("open_1m_samples_10k_series", false),
        ("open_1m_samples_10k_series_from_head_snapshot", true),
    ] {
        let dir = tempfile::tempdir().unwrap();
        prepare(dir.path(), snapshot);
        group.bench_function(name, |b| {
            b.iter(|| {
                // Reopened without writing a snapshot, so every open finds the same files.
                let db = Db::open(dir.path(), options(false)).unwrap();
                assert_eq!(db.head().num_series(), SERIES as u64);
                db.close().unwrap();
            })
        });
    }
    group.finish();
}

criterion_group!(benches, wal_replay);
criterion_main!(benches);
