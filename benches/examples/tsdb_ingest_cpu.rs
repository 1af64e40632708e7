//! CPU cost of the two ingestion paths the criterion benches time by the wall clock, in
//! load-independent units: the appending thread's CPU time (append) and the whole
//! process's CPU time (replay, which decodes on a second thread), as samples per
//! CPU-second next to samples per wall-second.
//!
//! * append: batches of 1,000 samples committed over 100,000 existing series
//!   (the `tsdb_append` bench), `--rounds R` passes over every series (default 240: two chunk cuts per series).
//! * replay: opening a database of 10,000 series × 100 samples held only in the WAL
//!   (the `tsdb_wal_replay` bench), `--opens N` times (default 10); with `--snapshot 1`
//!   the database was closed with a head snapshot, which the opens load instead.
//!
//! `cargo run --release -p promlite-benches --example tsdb_ingest_cpu -- [append|replay]`
//! Under `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured_*'`
//! only the measured loops are counted, so instructions per sample can be read off.

use std::time::Instant;

use promlite_benches::arg;
use promlite_model::Labels;
use promlite_storage::{Appendable, SeriesRef};
use promlite_tsdb::{Db, FsyncPolicy, Options};

fn cpu_seconds(clock: libc::clockid_t) -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// No head snapshot at close: the replay measured is the WAL's (the crash path).
fn options() -> Options {
    Options {
        fsync: FsyncPolicy::Never,
        background_compaction: false,
        head_snapshot_on_close: false,
        ..Options::default()
    }
}

fn report(what: &str, samples: u64, cpu: f64, wall: f64) {
    println!(
        "{what:8} samples={samples} cpu_s={cpu:.3} wall_s={wall:.3} samples_per_cpu_s={:.0} samples_per_wall_s={:.0} cpu_ns_per_sample={:.1}",
        samples as f64 / cpu,
        samples as f64 / wall,
        cpu * 1e9 / samples as f64
    );
}

const APPEND_SERIES: usize = 100_000;
const APPEND_BATCH: usize = 1_000;

#[inline(never)]
fn measured_append(
    app: &mut dyn promlite_storage::Appender,
    labels: &[Labels],
    refs: &mut [Option<SeriesRef>],
    t0: i64,
    rounds: i64,
) -> u64 {
    let mut n = 0u64;
    for round in 1..=rounds {
        let t = t0 + round * 15_000;
        for batch_start in (0..APPEND_SERIES).step_by(APPEND_BATCH) {
            for i in batch_start..batch_start + APPEND_BATCH {
                refs[i] = Some(
                    app.append(refs[i], &labels[i], t, (round + i as i64) as f64)
                        .unwrap(),
                );
            }
            app.commit().unwrap();
            n += APPEND_BATCH as u64;
        }
    }
    n
}

fn append() {
    let rounds = arg("--rounds", 240) as i64;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), options()).unwrap();
    let labels: Vec<Labels> = (0..APPEND_SERIES)
        .map(|i| {
            Labels::from_pairs([
                ("__name__", format!("metric_{}", i % 100)),
                ("instance", format!("host-{:04}:9100", i / 100)),
                ("job", "node".to_string()),
            ])
        })
        .collect();
    let mut refs: Vec<Option<SeriesRef>> = vec![None; APPEND_SERIES];
    let mut app = db.appender();
    let t0 = 1_700_000_000_000i64;
    for (i, l) in labels.iter().enumerate() {
        refs[i] = Some(app.append(None, l, t0, 0.0).unwrap());
    }
    app.commit().unwrap();
    let cpu0 = cpu_seconds(libc::CLOCK_THREAD_CPUTIME_ID);
    let wall0 = Instant::now();
    let n = measured_append(app.as_mut(), &labels, &mut refs, t0, rounds);
    let cpu = cpu_seconds(libc::CLOCK_THREAD_CPUTIME_ID) - cpu0;
    report("append", n, cpu, wall0.elapsed().as_secs_f64());
    drop(app);
    db.close().unwrap();
}

const REPLAY_SERIES: usize = 10_000;
const REPLAY_STEPS: i64 = 100;

#[inline(never)]
fn measured_open(dir: &std::path::Path) {
    let db = Db::open(dir, options()).unwrap();
    assert_eq!(db.head().num_series(), REPLAY_SERIES as u64);
    db.close().unwrap();
}

fn replay() {
    let opens = arg("--opens", 10);
    // `--snapshot 1`: the database is closed with a head snapshot, so the opens load it
    // instead of replaying the WAL.
    let snapshot = arg("--snapshot", 0) == 1;
    let dir = tempfile::tempdir().unwrap();
    {
        let opts = Options {
            head_snapshot_on_close: snapshot,
            ..options()
        };
        let db = Db::open(dir.path(), opts).unwrap();
        promlite_benches::append_replay_dataset(&db, REPLAY_SERIES, REPLAY_STEPS);
        db.close().unwrap();
    }
    let per_open = REPLAY_SERIES as u64 * REPLAY_STEPS as u64;
    println!(
        "closed database: wal/ {:.2} B/sample",
        promlite_tsdb::util::dir_size(&dir.path().join("wal")) as f64 / per_open as f64
    );
    let cpu0 = cpu_seconds(libc::CLOCK_PROCESS_CPUTIME_ID);
    let wall0 = Instant::now();
    for _ in 0..opens {
        measured_open(dir.path());
    }
    let cpu = cpu_seconds(libc::CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    report(
        if snapshot { "snapshot" } else { "replay" },
        per_open * opens as u64,
        cpu,
        wall0.elapsed().as_secs_f64(),
    );
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    if which != "replay" {
        append();
    }
    if which != "append" {
        replay();
    }
}
