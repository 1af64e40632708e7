//! Head snapshots at close: they replace the WAL segments, survive the crash windows of
//! their own writing, stay consistent with blocks cut later, and go once blocks hold
//! all of their data.

use std::path::Path;

use promlite_model::{Labels, Sample};
use promlite_storage::Appendable;
use promlite_tsdb::wal::list_segments;
use promlite_tsdb::Db;

use crate::common::*;

fn fill(db: &Db, series: usize, steps: std::ops::Range<i64>, step_ms: i64) {
    let mut app = db.appender();
    for step in steps {
        for i in 0..series {
            let l = lbl(&[("__name__", "s"), ("i", &i.to_string())]);
            app.append(None, &l, step * step_ms, (step * 3 + i as i64) as f64 / 7.0)
                .unwrap();
        }
        app.commit().unwrap();
    }
}

fn open_snapshots(dir: &Path, on: bool) -> Db {
    let opts = promlite_tsdb::Options {
        head_snapshot_on_close: on,
        ..test_options()
    };
    Db::open(dir, opts).unwrap()
}

fn assert_same(a: &[(Labels, Vec<Sample>)], b: &[(Labels, Vec<Sample>)]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.0, y.0);
        assert!(
            same_samples(&x.1, &y.1),
            "{}: {} vs {}",
            x.0,
            x.1.len(),
            y.1.len()
        );
    }
}

fn snapshot_dirs(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("wal"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("snapshot."))
        .collect();
    v.sort();
    v
}

/// A crash after the snapshot was renamed into place but before the segments it covers
/// were deleted: the reopen uses the snapshot, skips (and deletes) those segments.
#[test]
fn segments_left_next_to_a_snapshot_are_not_replayed_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_snapshots(dir.path(), false);
    fill(&db, 10, 0..300, 15_000);
    let before = dump(&db);
    db.close().unwrap();
    drop(db);
    let wal = dir.path().join("wal");
    let kept = tempfile::tempdir().unwrap();
    for (_, p) in list_segments(&wal).unwrap() {
        std::fs::copy(&p, kept.path().join(p.file_name().unwrap())).unwrap();
    }
    let db = open_snapshots(dir.path(), true);
    db.close().unwrap();
    drop(db);
    assert!(list_segments(&wal).unwrap().is_empty());
    assert_eq!(snapshot_dirs(dir.path()).len(), 1);
    for e in std::fs::read_dir(kept.path()).unwrap().flatten() {
        std::fs::copy(e.path(), wal.join(e.file_name())).unwrap();
    }
    let db = open_snapshots(dir.path(), true);
    assert_same(&before, &dump(&db));
    assert_eq!(
        db.metrics().get("promlite_tsdb_wal_replayed_samples_total"),
        Some(0.0)
    );
    assert!(list_segments(&wal)
        .unwrap()
        .iter()
        .all(|(i, _)| snapshot_dirs(dir.path())[0] < format!("snapshot.{i:08}")));
}

/// Blocks cut after a snapshot load hold its old data; the reopen drops the snapshot's
/// chunks they cover, and the snapshot is deleted once blocks hold all of it.
#[test]
fn blocks_cut_after_a_snapshot_load_take_over_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_snapshots(dir.path(), true);
    // 2.5 h at 1 min: not enough for a block yet.
    fill(&db, 10, 0..150, 60_000);
    db.close().unwrap();
    drop(db);
    assert_eq!(snapshot_dirs(dir.path()).len(), 1);

    // Reopen, add 3 more hours: the head now spans > 3 h, so a block [0, 2 h) is cut.
    let db = open_snapshots(dir.path(), true);
    fill(&db, 10, 150..330, 60_000);
    db.compact().unwrap();
    assert!(!db.blocks().is_empty());
    let all = dump(&db);
    assert_eq!(all[0].1.len(), 330);
    // A crash now: the snapshot still holds [2 h, 2.5 h) for the head.
    drop(db);
    assert_eq!(snapshot_dirs(dir.path()).len(), 1);
    let db = open_snapshots(dir.path(), true);
    assert_same(&all, &dump(&db));

    // More data and another cut past the snapshot's newest sample: it goes away.
    fill(&db, 10, 330..480, 60_000);
    db.compact().unwrap();
    let all = dump(&db);
    assert_eq!(all[0].1.len(), 480);
    assert!(snapshot_dirs(dir.path()).is_empty());
    drop(db);
    let db = open_snapshots(dir.path(), true);
    assert_same(&all, &dump(&db));
    db.close().unwrap();
    drop(db);
    let db = open_snapshots(dir.path(), false);
    assert_same(&all, &dump(&db));
}

/// A damaged snapshot is cut like a damaged checkpoint: the database opens, the damage
/// is counted, and what precedes it is kept.
#[test]
fn a_torn_snapshot_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_snapshots(dir.path(), true);
    fill(&db, 3_000, 0..20, 15_000);
    db.close().unwrap();
    drop(db);
    let snap = dir.path().join("wal").join(&snapshot_dirs(dir.path())[0]);
    let file = snap.join("00000000");
    let len = std::fs::metadata(&file).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(len - 10)
        .unwrap();
    let db = open_snapshots(dir.path(), true);
    assert_eq!(
        db.metrics().get("prometheus_tsdb_wal_corruptions_total"),
        Some(1.0)
    );
    let got = dump(&db);
    // The first batches of series (2,000 per record pair) survive whole.
    assert!(got.len() >= 2_000, "{}", got.len());
    assert!(got.iter().all(|(_, s)| s.len() == 20));
}

fn chunks_head_files(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir.join("chunks_head")) {
        Ok(rd) => rd
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Completed head chunks are not stored twice after a clean close: chunks_head/ is
/// emptied (the snapshot, or the WAL, holds them), with or without a snapshot, and
/// reopening twice in a row brings back every sample without growing the directory.
#[test]
fn close_leaves_no_head_chunk_files_behind() {
    for snapshot in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let db = open_snapshots(dir.path(), snapshot);
        // 300 samples a series: two chunks per series are cut to chunks_head/.
        fill(&db, 20, 0..300, 15_000);
        assert!(!chunks_head_files(dir.path()).is_empty());
        let before = dump(&db);
        db.close().unwrap();
        drop(db);
        assert_eq!(chunks_head_files(dir.path()), Vec::<String>::new());
        assert!(
            !dir.path().join("lock").exists(),
            "a clean close removes the lock"
        );
        for _ in 0..2 {
            let db = open_snapshots(dir.path(), snapshot);
            assert_same(&before, &dump(&db));
            db.close().unwrap();
            drop(db);
            assert_eq!(chunks_head_files(dir.path()), Vec::<String>::new());
        }
    }
}
