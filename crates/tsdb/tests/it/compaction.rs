//! Compaction, retention, deletion and backfill.

use promlite_model::{Matcher, Sample};
use promlite_storage::{Appendable, StorageAdmin};
use promlite_tsdb::{BlockWriter, Db, Options};

use crate::common::*;

fn backfill(dir: &std::path::Path, hours: i64, start: i64) {
    let mut w = BlockWriter::new(dir, 2 * HOUR).unwrap();
    for i in 0..5 {
        let l = lbl(&[("__name__", "b"), ("i", &i.to_string())]);
        let mut t = start;
        while t < start + hours * HOUR {
            w.append(&l, t, (t / 1000) as f64).unwrap();
            t += 60_000;
        }
    }
    let metas = w.flush().unwrap();
    assert_eq!(metas.len() as i64, hours / 2);
    // Each block spans its samples (first minute .. last minute + 1 ms) inside its
    // aligned 2 h window, as promtool's blocks do.
    assert!(metas
        .iter()
        .all(|m| m.min_time % (2 * HOUR) == start.rem_euclid(2 * HOUR)
            && m.max_time - m.min_time == 2 * HOUR - 60_000 + 1));
}

#[test]
fn backfilled_old_blocks_open_query_and_compact_to_larger_ranges() {
    let dir = tempfile::tempdir().unwrap();
    // Far older than "now" (2001).
    let start = 1_000_000_000_000 / (2 * HOUR) * (2 * HOUR);
    backfill(dir.path(), 12, start);
    let db = open(dir.path());
    assert_eq!(db.blocks().len(), 6);
    let got = query(&db, &[Matcher::equal("i", "2")], start, start + 12 * HOUR);
    assert_eq!(got[0].1.len(), 12 * 60);
    db.compact().unwrap();
    let metas = db.blocks();
    // 2 h → 6 h → 24 h capped at retention/10 (36 h): two 6 h blocks in one 24 h window.
    assert!(metas.len() < 6, "{metas:?}");
    assert_eq!(
        metas.iter().map(|m| m.stats.num_samples).sum::<u64>(),
        5 * 12 * 60
    );
    let got = query(&db, &[Matcher::equal("i", "2")], start, start + 12 * HOUR);
    assert_eq!(got[0].1.len(), 12 * 60);
    assert!(got[0].1.iter().all(|s| s.v == (s.t / 1000) as f64));
    assert!(
        db.metrics()
            .get("prometheus_tsdb_compactions_total")
            .unwrap()
            >= 1.0
    );
}

#[test]
fn retention_by_time_and_size_deletes_oldest_blocks() {
    let dir = tempfile::tempdir().unwrap();
    backfill(dir.path(), 8, 0);
    let opts = Options {
        retention_time_ms: 3 * HOUR,
        ..test_options()
    };
    let db = Db::open(dir.path(), opts).unwrap();
    db.compact().unwrap();
    // Newest block ends at 8 h: blocks ending more than 3 h before are gone.
    let metas = db.blocks();
    assert!(
        metas.iter().all(|m| 8 * HOUR - m.max_time <= 3 * HOUR),
        "{metas:?}"
    );
    assert_eq!(
        db.metrics().get("prometheus_tsdb_time_retentions_total"),
        Some(2.0)
    );
    db.close().unwrap();
    drop(db);

    let size = promlite_tsdb::util::dir_size(&dir.path().join(&metas[0].ulid));
    let opts = Options {
        retention_size_bytes: size + size / 2,
        retention_time_ms: 0,
        ..test_options()
    };
    let db = Db::open(dir.path(), opts).unwrap();
    db.compact().unwrap();
    assert_eq!(db.blocks().len(), 1, "{:?} {metas:?}", db.blocks());
    assert_eq!(db.blocks()[0].max_time, 8 * HOUR - 60_000 + 1);
}

#[test]
fn delete_series_hides_data_and_clean_tombstones_rewrites_blocks() {
    let dir = tempfile::tempdir().unwrap();
    backfill(dir.path(), 2, 0);
    let db = open(dir.path());
    let mut app = db.appender();
    for t in 0..30 {
        for i in 0..5 {
            let l = lbl(&[("__name__", "b"), ("i", &i.to_string())]);
            app.append(None, &l, 2 * HOUR + t * 60_000, 1.0).unwrap();
        }
    }
    app.commit().unwrap();
    let m = [Matcher::equal("i", "1")];
    db.delete_series(&m, HOUR, 2 * HOUR + 10 * 60_000).unwrap();
    let got = query(&db, &m, 0, i64::MAX);
    let ts: Vec<i64> = got[0].1.iter().map(|s| s.t).collect();
    assert_eq!(ts.len(), 60 + 19);
    assert!(ts
        .iter()
        .all(|&t| !(HOUR..=2 * HOUR + 10 * 60_000).contains(&t)));
    // Other series untouched.
    assert_eq!(
        query(&db, &[Matcher::equal("i", "2")], 0, i64::MAX)[0]
            .1
            .len(),
        120 + 30
    );
    let before = db.blocks()[0].ulid.clone();
    db.clean_tombstones().unwrap();
    let after = db.blocks();
    assert_ne!(after[0].ulid, before);
    assert_eq!(after[0].stats.num_samples, 5 * 120 - 60);
    // Head tombstones survive a restart (they are in the WAL).
    db.close().unwrap();
    drop(db);
    let db = open(dir.path());
    let got = query(&db, &m, 0, i64::MAX);
    assert_eq!(got[0].1.len(), 60 + 19);
    assert_eq!(
        query(&db, &[Matcher::equal("i", "1")], 0, HOUR - 1)[0].1,
        (0..60)
            .map(|k| Sample::new(k * 60_000, (k * 60) as f64))
            .collect::<Vec<_>>()
    );
}

#[test]
fn stats_report_head_cardinality() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    let mut app = db.appender();
    for i in 0..6 {
        let name = if i < 4 { "a" } else { "b" };
        app.append(
            None,
            &lbl(&[("__name__", name), ("i", &i.to_string())]),
            1000,
            1.0,
        )
        .unwrap();
    }
    app.commit().unwrap();
    let st = db.stats(1).unwrap();
    assert_eq!(st.head.num_series, 6);
    assert_eq!(st.head.num_label_pairs, 8);
    assert_eq!((st.head.min_time, st.head.max_time), (1000, 1000));
    assert_eq!(st.series_count_by_metric_name[0].name, "a");
    assert_eq!(st.series_count_by_metric_name[0].value, 4);
    assert_eq!(st.label_value_count_by_label_name[0].name, "i");
}
