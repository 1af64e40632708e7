//! WAL replay: reopen after close, torn tails, checkpoints after head truncation.

use std::fs::OpenOptions;

use promlite_model::Matcher;
use promlite_storage::Appendable;

use crate::common::*;

fn fill(db: &promlite_tsdb::Db, series: usize, steps: i64, start: i64) {
    let mut app = db.appender();
    for step in 0..steps {
        for i in 0..series {
            let l = lbl(&[("__name__", "w"), ("i", &i.to_string())]);
            app.append(None, &l, start + step * 15_000, step as f64)
                .unwrap();
        }
        app.commit().unwrap();
    }
}

fn open_with_snapshots(dir: &std::path::Path, snapshot: bool) -> promlite_tsdb::Db {
    let opts = promlite_tsdb::Options {
        head_snapshot_on_close: snapshot,
        ..test_options()
    };
    promlite_tsdb::Db::open(dir, opts).unwrap()
}

#[test]
fn reopen_replays_everything() {
    for snapshot in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let db = open_with_snapshots(dir.path(), snapshot);
        fill(&db, 20, 500, 0);
        let before = dump(&db);
        db.close().unwrap();
        drop(db);
        let wal = dir.path().join("wal");
        let segments = promlite_tsdb::wal::list_segments(&wal).unwrap();
        // With a snapshot, it replaces every segment.
        assert_eq!(segments.is_empty(), snapshot, "{segments:?}");
        let db = open_with_snapshots(dir.path(), snapshot);
        let after = dump(&db);
        assert_eq!(before.len(), after.len());
        for (a, b) in before.iter().zip(&after) {
            assert_eq!(a.0, b.0);
            assert!(same_samples(&a.1, &b.1));
        }
        let replayed = if snapshot { 0.0 } else { 20.0 * 500.0 };
        assert_eq!(
            db.metrics().get("promlite_tsdb_wal_replayed_samples_total"),
            Some(replayed)
        );
        // Appending continues after the replayed data, and survives a crash (no close).
        fill(&db, 20, 10, 500 * 15_000);
        let more = dump(&db);
        drop(db);
        let db = open_with_snapshots(dir.path(), snapshot);
        let again = dump(&db);
        assert_eq!(more.len(), again.len());
        for (a, b) in more.iter().zip(&again) {
            assert_eq!(a.0, b.0);
            assert!(same_samples(&a.1, &b.1), "{}", a.0);
            assert_eq!(b.1.len(), 510);
        }
        // Out-of-order appends are still refused after a snapshot load.
        let mut app = db.appender();
        let l = lbl(&[("__name__", "w"), ("i", "3")]);
        assert!(app.append(None, &l, 100 * 15_000, 1.0).is_err());
    }
}

#[test]
fn torn_tail_is_truncated_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    // Segments (not a snapshot) must be left behind to be torn.
    let db = open_with_snapshots(dir.path(), false);
    fill(&db, 5, 100, 0);
    db.close().unwrap();
    drop(db);
    let segs = promlite_tsdb::wal::list_segments(&dir.path().join("wal")).unwrap();
    let (_, last) = segs
        .iter()
        .rev()
        .find(|(_, p)| std::fs::metadata(p).unwrap().len() > 100)
        .unwrap();
    let len = std::fs::metadata(last).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(last)
        .unwrap()
        .set_len(len - 7)
        .unwrap();
    let db = open_with_snapshots(dir.path(), false);
    assert_eq!(
        db.metrics().get("prometheus_tsdb_wal_corruptions_total"),
        Some(1.0)
    );
    let got = dump(&db);
    // The last commit (5 samples at step 99) is lost, everything before survives.
    assert_eq!(got.len(), 5);
    assert!(got.iter().all(|(_, s)| s.len() == 99));
    // The cut segment now ends on a record boundary: a second open finds no damage.
    db.close().unwrap();
    drop(db);
    let db = open_with_snapshots(dir.path(), false);
    assert_eq!(
        db.metrics().get("prometheus_tsdb_wal_corruptions_total"),
        Some(0.0)
    );
}

#[test]
fn head_truncation_checkpoints_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    // 5 h of data at 1 min: the head spans more than 1.5 block ranges.
    let mut app = db.appender();
    for step in 0..300 {
        for i in 0..10 {
            let l = lbl(&[("__name__", "w"), ("i", &i.to_string())]);
            app.append(None, &l, step * 60_000, step as f64).unwrap();
        }
        app.commit().unwrap();
    }
    let before = dump(&db);
    db.compact().unwrap();
    assert!(!db.blocks().is_empty());
    assert!(db.head().min_time() >= 2 * HOUR);
    // Some more data in a fresh segment, then a second truncation drops old segments.
    for step in 300..500 {
        for i in 0..10 {
            let l = lbl(&[("__name__", "w"), ("i", &i.to_string())]);
            app.append(None, &l, step * 60_000, step as f64).unwrap();
        }
        app.commit().unwrap();
    }
    db.compact().unwrap();
    assert!(
        db.metrics()
            .get("prometheus_tsdb_checkpoint_creations_total")
            .unwrap()
            >= 1.0
    );
    let all = dump(&db);
    db.close().unwrap();
    drop(db);
    let db = open(dir.path());
    let reopened = dump(&db);
    assert_eq!(all.len(), reopened.len());
    for (a, b) in all.iter().zip(&reopened) {
        assert_eq!(a.0, b.0);
        assert!(
            same_samples(&a.1, &b.1),
            "{}: {} vs {}",
            a.0,
            a.1.len(),
            b.1.len()
        );
    }
    assert_eq!(reopened[0].1.len(), 500);
    assert!(same_samples(&before[3].1, &reopened[3].1[..300]));
    assert_eq!(query(&db, &[Matcher::equal("i", "3")], 0, HOUR).len(), 1);
}
