//! WAL replay speed: opening a database whose head holds 1,000,000 samples of 10,000
//! series only in the WAL, as after a crash (target ≥ 10 M samples/s); and, for
//! comparison, opening the same head from the snapshot a clean close writes.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
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
    promlite_benches::append_replay_dataset(&db, SERIES, STEPS);
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
