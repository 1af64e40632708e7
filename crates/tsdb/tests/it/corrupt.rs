//! Damaged files: fixtures under `testdata/tsdb/corrupt/` (generated once by
//! `regenerate_corrupt_fixtures`, then committed) are opened; the database reports the
//! damage, skips or truncates what is bad, and serves the rest.

use std::fs;
use std::path::{Path, PathBuf};

use promlite_model::{ManualClock, Matcher};
use promlite_storage::{Appendable, Queryable, SelectHints};
use promlite_tsdb::{BlockWriter, Db, Options};

use crate::common::*;

const SERIES: usize = 4;
const HEAD_BATCHES: i64 = 10;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/tsdb/corrupt")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// A copy of fixture `name` in a temporary directory.
fn fixture(name: &str) -> tempfile::TempDir {
    let src = fixtures().join(name);
    assert!(src.is_dir(), "fixture {} missing", src.display());
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&src, dir.path());
    dir
}

fn labels(i: usize) -> promlite_model::Labels {
    lbl(&[("__name__", "fx"), ("i", &i.to_string())])
}

/// Two backfilled blocks `[0, 2h)`, `[2h, 4h)` and ten committed head batches at 4 h.
fn build_base(dir: &Path) {
    let clock = ManualClock::new(1_700_000_000_000);
    let mut w = BlockWriter::new(dir, 2 * HOUR)
        .unwrap()
        .with_clock(clock.clone());
    for i in 0..SERIES {
        for k in 0..240 {
            w.append(&labels(i), k * 60_000, k as f64).unwrap();
        }
    }
    w.flush().unwrap();
    let db = Db::open(
        dir,
        Options {
            clock,
            ..test_options()
        },
    )
    .unwrap();
    let mut app = db.appender();
    for b in 0..HEAD_BATCHES {
        for i in 0..SERIES {
            app.append(None, &labels(i), 4 * HOUR + b * 15_000, b as f64)
                .unwrap();
        }
        app.commit().unwrap();
    }
    db.close().unwrap();
    drop(db);
    fs::remove_dir_all(dir.join("chunks_head")).unwrap();
    fs::remove_file(dir.join("lock")).unwrap();
    // Keep only the segment with data.
    for (_, p) in promlite_tsdb::wal::list_segments(&dir.join("wal")).unwrap() {
        if fs::metadata(&p).unwrap().len() <= 8 {
            fs::remove_file(p).unwrap();
        }
    }
}

fn first_block(dir: &Path) -> PathBuf {
    promlite_tsdb::block::list_block_dirs(dir)
        .unwrap()
        .into_iter()
        .next()
        .unwrap()
}

fn wal_segment(dir: &Path) -> PathBuf {
    promlite_tsdb::wal::list_segments(&dir.join("wal"))
        .unwrap()
        .pop()
        .unwrap()
        .1
}

fn flip(path: &Path, at: impl Fn(usize) -> usize) {
    let mut b = fs::read(path).unwrap();
    let i = at(b.len());
    b[i] ^= 0x20;
    fs::write(path, b).unwrap();
}

fn cut(path: &Path, at: impl Fn(usize) -> usize) {
    let b = fs::read(path).unwrap();
    let n = at(b.len());
    fs::write(path, &b[..n]).unwrap();
}

/// Writes the fixtures. Run with `PROMLITE_REGENERATE_FIXTURES=1 cargo test -p
/// promlite-tsdb --test it regenerate_corrupt_fixtures -- --ignored`, review, commit.
#[test]
#[ignore = "writes testdata/tsdb/corrupt; run by hand"]
fn regenerate_corrupt_fixtures() {
    if std::env::var("PROMLITE_REGENERATE_FIXTURES").is_err() {
        return;
    }
    let root = fixtures();
    let _ = fs::remove_dir_all(&root);
    type Damage = fn(&Path);
    let cases: [(&str, Damage); 7] = [
        ("intact", |_| {}),
        ("wal-torn-tail", |d| cut(&wal_segment(d), |n| n - 5)),
        ("wal-bit-flip", |d| flip(&wal_segment(d), |n| n / 2)),
        ("block-chunks-bit-flip", |d| {
            flip(&first_block(d).join("chunks/000001"), |n| n / 2)
        }),
        ("block-index-truncated", |d| {
            cut(&first_block(d).join("index"), |n| n / 2)
        }),
        ("block-index-bit-flip", |d| {
            flip(&first_block(d).join("index"), |n| n / 3)
        }),
        ("block-meta-tampered", |d| {
            let p = first_block(d).join("meta.json");
            let s =
                fs::read_to_string(&p)
                    .unwrap()
                    .replacen("\"numSeries\": 4", "\"numSeries\": 5", 1);
            fs::write(p, s).unwrap();
        }),
    ];
    for (name, damage) in cases {
        let d = root.join(name);
        build_base(&d);
        damage(&d);
    }
}

fn head_batches(db: &Db) -> usize {
    query(db, &[Matcher::equal("__name__", "fx")], 4 * HOUR, i64::MAX)
        .first()
        .map_or(0, |s| s.1.len())
}

fn block_samples(db: &Db) -> usize {
    query(db, &[Matcher::equal("__name__", "fx")], 0, 4 * HOUR - 1)
        .iter()
        .map(|s| s.1.len())
        .sum()
}

#[test]
fn intact_fixture_opens_with_everything() {
    let dir = fixture("intact");
    let db = open(dir.path());
    assert_eq!(db.blocks().len(), 2);
    assert_eq!(block_samples(&db), SERIES * 240);
    assert_eq!(head_batches(&db), HEAD_BATCHES as usize);
    assert_eq!(
        db.metrics().get("prometheus_tsdb_wal_corruptions_total"),
        Some(0.0)
    );
}

#[test]
fn torn_wal_tail_loses_only_the_torn_commit() {
    let dir = fixture("wal-torn-tail");
    let db = open(dir.path());
    assert_eq!(
        db.metrics().get("prometheus_tsdb_wal_corruptions_total"),
        Some(1.0)
    );
    assert_eq!(head_batches(&db), HEAD_BATCHES as usize - 1);
    assert_eq!(block_samples(&db), SERIES * 240);
    // Writes work after the repair.
    let mut app = db.appender();
    app.append(None, &labels(0), 5 * HOUR, 1.0).unwrap();
    app.commit().unwrap();
}

#[test]
fn bit_flipped_wal_is_cut_at_the_last_good_record() {
    let dir = fixture("wal-bit-flip");
    let db = open(dir.path());
    assert_eq!(
        db.metrics().get("prometheus_tsdb_wal_corruptions_total"),
        Some(1.0)
    );
    let n = head_batches(&db);
    assert!(n < HEAD_BATCHES as usize, "{n}");
    assert_eq!(block_samples(&db), SERIES * 240);
}

fn assert_block_skipped(name: &str, file: &str) {
    let dir = fixture(name);
    let db = open(dir.path());
    assert_eq!(db.blocks().len(), 1, "{name}");
    assert_eq!(
        db.metrics().get("promlite_tsdb_blocks_corrupted_total"),
        Some(1.0),
        "{name}"
    );
    let errors = db.block_load_errors();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].contains(file) && errors[0].contains("offset"),
        "{name}: {}",
        errors[0]
    );
    // The other block and the head are served.
    assert_eq!(block_samples(&db), SERIES * 120, "{name}");
    assert_eq!(head_batches(&db), HEAD_BATCHES as usize, "{name}");
}

#[test]
fn damaged_block_files_skip_only_that_block() {
    assert_block_skipped("block-chunks-bit-flip", "000001");
    assert_block_skipped("block-index-truncated", "index");
    assert_block_skipped("block-index-bit-flip", "index");
    assert_block_skipped("block-meta-tampered", "meta.json");
}

#[test]
fn without_open_checks_a_bad_chunk_fails_only_its_series() {
    let dir = fixture("block-chunks-bit-flip");
    let db = Db::open(
        dir.path(),
        Options {
            verify_block_checksums: false,
            ..test_options()
        },
    )
    .unwrap();
    assert_eq!(db.blocks().len(), 2);
    let q = db.querier(0, i64::MAX).unwrap();
    let (mut ok, mut bad) = (0, 0);
    for s in q
        .select(
            &[Matcher::equal("__name__", "fx")],
            &SelectHints::range(0, i64::MAX),
        )
        .unwrap()
    {
        // Either block may be the damaged one: read both.
        match s.unwrap().samples(0, 4 * HOUR - 1) {
            Ok(v) => {
                assert_eq!(v.len(), 240);
                ok += 1;
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.contains("chunks/000001") && msg.contains("offset"),
                    "{msg}"
                );
                bad += 1;
            }
        }
    }
    assert_eq!((ok + bad, bad), (SERIES, 1));
}
