//! Crash test: a child process (this test binary re-invoked) appends and commits,
//! printing each committed batch; the parent SIGKILLs it at random moments, reopens the
//! database and checks that every committed batch is there in full and that no batch is
//! half there. The child compacts and truncates the WAL often, so kills land in those
//! paths too.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use promlite_model::Matcher;
use promlite_storage::Appendable;
use promlite_tsdb::{Db, FsyncPolicy, Options};
use rand::Rng;

use crate::common::*;

const DIR_ENV: &str = "PROMLITE_CRASH_CHILD_DIR";
const START_ENV: &str = "PROMLITE_CRASH_CHILD_START";
const FSYNC_ENV: &str = "PROMLITE_CRASH_CHILD_FSYNC";
const SERIES: usize = 40;
const STEP_MS: i64 = 1_000;

fn crash_options(fsync: FsyncPolicy) -> Options {
    Options {
        fsync,
        // Tiny blocks and frequent compaction: head truncation, checkpoints and block
        // writes all happen while the child may be killed.
        block_range_ms: 60_000,
        compaction_interval: Duration::from_millis(30),
        background_compaction: true,
        wal_segment_size: 64 << 10,
        head_chunks_file_size: 1 << 16,
        retention_time_ms: 0,
        ..test_options()
    }
}

/// The child's body: runs only when re-invoked by the parent.
#[test]
#[ignore = "run by crash::kill_at_random_moments_and_find_every_commit as a child process"]
fn crash_child_entry() {
    let Ok(dir) = std::env::var(DIR_ENV) else {
        return;
    };
    let start: i64 = std::env::var(START_ENV).unwrap().parse().unwrap();
    let fsync = if std::env::var(FSYNC_ENV).as_deref() == Ok("every") {
        FsyncPolicy::EveryCommit
    } else {
        FsyncPolicy::Never
    };
    let db = Db::open(&dir, crash_options(fsync)).unwrap();
    let labels: Vec<_> = (0..SERIES)
        .map(|i| lbl(&[("__name__", "crash"), ("i", &i.to_string())]))
        .collect();
    let mut refs = vec![None; SERIES];
    let mut app = db.appender();
    let mut out = std::io::stdout().lock();
    for batch in start.. {
        for (i, l) in labels.iter().enumerate() {
            refs[i] = Some(
                app.append(refs[i], l, batch * STEP_MS, batch as f64)
                    .unwrap(),
            );
        }
        app.commit().unwrap();
        use std::io::Write;
        writeln!(out, "committed {batch}").unwrap();
        out.flush().unwrap();
        // A scrape-like pace keeps the data small while still crossing many blocks.
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// Batches found in the database: t/STEP_MS → number of series having it.
fn batches_in(db: &Db) -> std::collections::BTreeMap<i64, usize> {
    let mut found = std::collections::BTreeMap::new();
    for (l, samples) in query(db, &[Matcher::equal("__name__", "crash")], 0, i64::MAX) {
        for s in samples {
            assert_eq!(s.v, (s.t / STEP_MS) as f64, "{l} at {}", s.t);
            *found.entry(s.t / STEP_MS).or_insert(0) += 1;
        }
    }
    found
}

#[test]
fn kill_at_random_moments_and_find_every_commit() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = rand::thread_rng();
    let mut committed: Vec<i64> = Vec::new();
    let mut next = 0i64;
    let rounds = 24;
    for round in 0..rounds {
        let fsync = if round % 3 == 0 { "every" } else { "never" };
        let mut child = Command::new(&exe)
            .args([
                "crash::crash_child_entry",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DIR_ENV, dir.path())
            .env(START_ENV, next.to_string())
            .env(FSYNC_ENV, fsync)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("committed ") {
                    let _ = tx.send(n.trim().parse::<i64>().unwrap());
                }
            }
        });
        // Wait for the child to commit something, then kill it a random while later.
        let first = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("child committed nothing");
        committed.push(first);
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..250)));
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        committed.extend(rx.try_iter());

        let db = Db::open(
            dir.path(),
            Options {
                background_compaction: false,
                ..crash_options(FsyncPolicy::Never)
            },
        )
        .unwrap();
        let found = batches_in(&db);
        for &c in &committed {
            assert_eq!(
                found.get(&c),
                Some(&SERIES),
                "round {round}: committed batch {c} is missing or partial"
            );
        }
        for (&b, &n) in &found {
            assert_eq!(n, SERIES, "round {round}: batch {b} is half-written");
        }
        next = found.keys().next_back().map_or(0, |b| b + 1);
        db.close().unwrap();
    }
    assert!(
        committed.len() > rounds,
        "only {} commits seen",
        committed.len()
    );
}
