//! Append rules: ordering errors and counters, out of bounds, rollback, refs, concurrency.

use promlite_model::{Matcher, STALE_NAN};
use promlite_storage::{Appendable, StorageError};

use crate::common::*;

#[test]
fn ordering_rules_and_counters_match_prometheus() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    let a = lbl(&[("__name__", "x"), ("i", "1")]);
    let mut app = db.appender();
    let r = app.append(None, &a, 10_000, 1.0).unwrap();
    assert_eq!(
        app.append(Some(r), &a, 5_000, 1.0),
        Err(StorageError::OutOfOrderSample)
    );
    assert_eq!(
        app.append(Some(r), &a, 10_000, 2.0),
        Err(StorageError::DuplicateSampleForTimestamp)
    );
    assert_eq!(app.append(Some(r), &a, 10_000, 1.0), Ok(r)); // exact duplicate: accepted, not stored
    app.append(Some(r), &a, 20_000, STALE_NAN).unwrap();
    app.commit().unwrap();
    let mut app = db.appender();
    assert_eq!(
        app.append(None, &a, 15_000, 1.0),
        Err(StorageError::OutOfOrderSample)
    );
    app.append(None, &a, 30_000, 3.0).unwrap();
    app.rollback().unwrap();
    app.commit().unwrap();

    let got = dump(&db);
    assert_eq!(got.len(), 1);
    let ts: Vec<i64> = got[0].1.iter().map(|s| s.t).collect();
    assert_eq!(ts, vec![10_000, 20_000]);
    assert_eq!(got[0].1[1].v.to_bits(), STALE_NAN.to_bits());
    let m = db.metrics();
    assert_eq!(
        m.get("prometheus_tsdb_out_of_order_samples_total"),
        Some(2.0)
    );
    assert_eq!(m.get("promlite_tsdb_duplicate_samples_total"), Some(1.0));
    assert_eq!(
        m.get("prometheus_tsdb_head_samples_appended_total"),
        Some(2.0)
    );
    assert_eq!(m.get("prometheus_tsdb_head_series"), Some(1.0));
}

#[test]
fn samples_behind_the_appendable_window_are_out_of_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    let a = lbl(&[("__name__", "x")]);
    let b = lbl(&[("__name__", "y")]);
    let mut app = db.appender();
    app.append(None, &a, 10 * HOUR, 1.0).unwrap();
    app.commit().unwrap();
    // Half a block range (1 h) behind the newest sample is the limit.
    assert_eq!(
        app.append(None, &b, 10 * HOUR - 2 * HOUR, 1.0),
        Err(StorageError::OutOfBounds)
    );
    app.append(None, &b, 10 * HOUR - HOUR / 2, 1.0).unwrap();
    app.commit().unwrap();
    assert_eq!(
        db.metrics()
            .get("prometheus_tsdb_out_of_bound_samples_total"),
        Some(1.0)
    );
}

/// A wider append window lets series be loaded one after the other (an import in file
/// order), still bounded by the newest block.
#[test]
fn a_wider_append_window_admits_series_by_series_loads() {
    let dir = tempfile::tempdir().unwrap();
    let opts = promlite_tsdb::Options {
        append_window_ms: Some(i64::MAX),
        ..test_options()
    };
    let db = promlite_tsdb::Db::open(dir.path(), opts).unwrap();
    let mut app = db.appender();
    for name in ["x", "y"] {
        let l = lbl(&[("__name__", name)]);
        for step in 0..=240 {
            app.append(None, &l, step * 30_000, step as f64).unwrap();
        }
        app.commit().unwrap();
    }
    assert_eq!(
        query(&db, &[Matcher::equal("__name__", "y")], 0, 3 * HOUR)[0]
            .1
            .len(),
        241
    );
    // Blocks still bound it: after a block up to 2 h, earlier samples are out of bounds.
    db.persist_head_range(0, 2 * HOUR).unwrap();
    let z = lbl(&[("__name__", "z")]);
    assert_eq!(
        app.append(None, &z, HOUR, 1.0),
        Err(StorageError::OutOfBounds)
    );
    app.append(None, &z, 2 * HOUR, 1.0).unwrap();
    app.commit().unwrap();
}

#[test]
fn stale_refs_and_empty_labels() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    let a = lbl(&[("__name__", "x")]);
    let mut app = db.appender();
    // A reference that names no series falls back to the labels.
    let r = app.append(Some(987_654), &a, 1, 1.0).unwrap();
    // A reference with empty labels is fine once valid.
    app.append(Some(r), &promlite_model::Labels::empty(), 2, 2.0)
        .unwrap();
    assert!(matches!(
        app.append(None, &promlite_model::Labels::empty(), 3, 1.0),
        Err(StorageError::InvalidLabels(_))
    ));
    app.commit().unwrap();
    assert_eq!(dump(&db)[0].1.len(), 2);
}

#[test]
fn concurrent_appenders_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    let threads = 4;
    let series_per_thread = 200;
    // 200 steps of 15 s stay within the head's appendable window (1 h) however the threads race.
    let steps = 200;
    std::thread::scope(|s| {
        for th in 0..threads {
            let db = db.clone();
            s.spawn(move || {
                let labels: Vec<_> = (0..series_per_thread)
                    .map(|i| {
                        lbl(&[
                            ("__name__", "c"),
                            ("t", &th.to_string()),
                            ("i", &i.to_string()),
                        ])
                    })
                    .collect();
                let mut refs = vec![None; labels.len()];
                let mut app = db.appender();
                for step in 0..steps {
                    for (i, l) in labels.iter().enumerate() {
                        refs[i] = Some(
                            app.append(refs[i], l, step * 15_000, (step + i as i64) as f64)
                                .unwrap(),
                        );
                    }
                    app.commit().unwrap();
                }
            });
        }
    });
    let got = dump(&db);
    assert_eq!(got.len(), (threads * series_per_thread) as usize);
    for (l, samples) in &got {
        let i: i64 = l.get("i").unwrap().parse().unwrap();
        assert_eq!(samples.len(), steps as usize, "{l}");
        assert!(samples
            .iter()
            .enumerate()
            .all(|(s, x)| x.t == s as i64 * 15_000 && x.v == (s as i64 + i) as f64));
    }
    let n = (threads * series_per_thread * steps) as f64;
    assert_eq!(
        db.metrics()
            .get("prometheus_tsdb_head_samples_appended_total"),
        Some(n)
    );
    // Reopen: the WAL gives everything back.
    db.close().unwrap();
    drop(db);
    let db = open(dir.path());
    let again = dump(&db);
    assert_eq!(again.len(), got.len());
    for (a, b) in got.iter().zip(&again) {
        assert_eq!(a.0, b.0);
        assert!(same_samples(&a.1, &b.1));
    }
    assert_eq!(
        query(
            &db,
            &[Matcher::equal("t", "2"), Matcher::equal("i", "7")],
            0,
            i64::MAX
        )
        .len(),
        1
    );
}

#[test]
fn poisoned_database_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    let a = lbl(&[("__name__", "x")]);
    let mut app = db.appender();
    app.append(None, &a, 1, 1.0).unwrap();
    app.commit().unwrap();
    db.simulate_fsync_failure("injected by test");
    app.append(None, &a, 2, 1.0).unwrap();
    assert!(matches!(app.commit(), Err(StorageError::Poisoned(_))));
    assert!(db.poisoned().unwrap().contains("injected"));
    assert_eq!(db.metrics().get("promlite_tsdb_poisoned"), Some(1.0));
    // Reads still work.
    assert_eq!(dump(&db)[0].1.len(), 1);
}

/// A series whose only pending samples belong to open appenders is not collected by a
/// head truncation, even after another appender committed and cleared its own mark: the
/// commits that follow land in it, under its id.
#[test]
fn pending_samples_keep_their_series_through_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    let a = lbl(&[("__name__", "a")]);
    let mut app = db.appender();
    let id = app.append(None, &a, 0, 1.0).unwrap();
    app.commit().unwrap();
    let mut x = db.appender();
    let mut y = db.appender();
    x.append(Some(id), &a, 3 * HOUR, 2.0).unwrap();
    y.append(Some(id), &a, 3 * HOUR + 1, 3.0).unwrap();
    y.commit().unwrap();
    // The first truncation drops the chunk of t=0, the second y's chunk: the series is
    // empty, but x's pending sample keeps it.
    db.head().truncate(3 * HOUR + 1).unwrap();
    db.head().truncate(4 * HOUR).unwrap();
    assert_eq!(db.head().num_series(), 1);
    // x's sample is older than y's: refused at commit, counted, the series stays.
    x.commit().unwrap();
    let mut z = db.appender();
    assert_eq!(z.append(Some(id), &a, 5 * HOUR, 4.0).unwrap(), id);
    z.commit().unwrap();
    let got = query(
        &db,
        &[promlite_model::Matcher::equal("__name__", "a")],
        0,
        10 * HOUR,
    );
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].1.iter().map(|s| s.t).collect::<Vec<_>>(),
        vec![5 * HOUR]
    );
    // Once nothing is pending and the data is gone, the series is collected.
    db.head().truncate(6 * HOUR).unwrap();
    assert_eq!(db.head().num_series(), 0);
}
