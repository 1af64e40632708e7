//! Queries: matchers against a naive model on head and block indexes, head → block →
//! query equivalence, label names and values, iterators.

use std::collections::BTreeMap;

use promlite_model::{matches_all, Labels, MatchOp, Matcher, Sample, STALE_NAN};
use promlite_storage::{Appendable, Queryable, SelectHints};
use proptest::prelude::*;

use crate::common::*;

fn label_sets() -> impl Strategy<Value = Vec<Labels>> {
    let pair = (prop_oneof![Just("a"), Just("b"), Just("c")], "[xyz]{1,2}");
    proptest::collection::vec(proptest::collection::vec(pair, 0..3), 1..30).prop_map(|sets| {
        let mut out: Vec<Labels> = sets
            .into_iter()
            .map(|mut v| {
                v.push(("__name__", "m".to_string()));
                Labels::from_pairs(v)
            })
            .collect();
        out.sort();
        out.dedup();
        out
    })
}

fn matcher() -> impl Strategy<Value = Matcher> {
    let op = prop_oneof![
        Just(MatchOp::Equal),
        Just(MatchOp::NotEqual),
        Just(MatchOp::RegexMatch),
        Just(MatchOp::RegexNoMatch)
    ];
    let value = prop_oneof![
        Just(""),
        Just("x"),
        Just("xy"),
        Just("x.*"),
        Just("x|zz"),
        Just(".*"),
        Just(".+"),
        Just("[yz]+")
    ];
    (op, prop_oneof![Just("a"), Just("b"), Just("d")], value).prop_filter_map(
        "compiles",
        |(op, n, v)| {
            let v = if op.is_regex() {
                v.to_string()
            } else {
                v.replace(['.', '*', '+', '|', '[', ']'], "")
            };
            Matcher::new(op, n, v).ok()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The same random label sets in the head and in a block answer random matchers like
    /// a scan of the label sets does.
    #[test]
    fn head_and_block_indexes_agree_with_a_naive_model(sets in label_sets(), ms in proptest::collection::vec(matcher(), 0..3)) {
        let dir = tempfile::tempdir().unwrap();
        let db = open(dir.path());
        let mut app = db.appender();
        for l in &sets {
            app.append(None, l, 1_000, 1.0).unwrap();
        }
        app.commit().unwrap();
        let mut all = ms.clone();
        all.push(Matcher::equal("__name__", "m"));
        let want: Vec<Labels> = sets.iter().filter(|l| matches_all(l, &all)).cloned().collect();
        let got: Vec<Labels> = query(&db, &all, 0, 10_000).into_iter().map(|x| x.0).collect();
        prop_assert_eq!(&got, &want);
        db.persist_head_range(0, 2 * HOUR).unwrap();
        prop_assert_eq!(db.blocks().len(), 1);
        let got: Vec<Labels> = query(&db, &all, 0, 10_000).into_iter().map(|x| x.0).collect();
        prop_assert_eq!(&got, &want);
        let q = db.querier(0, 10_000).unwrap();
        let mut names: Vec<String> = want.iter().flat_map(|l| l.iter().map(|p| p.name.to_string())).collect();
        names.sort();
        names.dedup();
        prop_assert_eq!(q.label_names(&all).unwrap(), names);
        let mut values: Vec<String> = want.iter().filter_map(|l| l.get("a").map(str::to_string)).collect();
        values.sort();
        values.dedup();
        prop_assert_eq!(q.label_values("a", &all).unwrap(), values);
    }
}

/// Random-ish data through head, block, merged block and reopen all read the same.
#[test]
fn head_block_and_compacted_blocks_return_the_same_samples() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    let mut model: BTreeMap<Labels, Vec<Sample>> = BTreeMap::new();
    let mut app = db.appender();
    let mut x: u64 = 42;
    for step in 0..(7 * 60) {
        let t = step * 60_000 + (step % 7) * 13;
        for i in 0..15 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if x.is_multiple_of(10) {
                continue; // gaps
            }
            let v = match x % 50 {
                0 => f64::NAN,
                1 => STALE_NAN,
                2 => f64::INFINITY,
                3 => -0.0,
                _ => (x >> 20) as f64 / 1000.0,
            };
            let l = lbl(&[
                ("__name__", "q"),
                ("job", if i % 2 == 0 { "even" } else { "odd" }),
                ("i", &i.to_string()),
            ]);
            app.append(None, &l, t, v).unwrap();
            model.entry(l).or_default().push(Sample::new(t, v));
        }
        app.commit().unwrap();
    }
    let check = |db: &promlite_tsdb::Db, what: &str| {
        let got = dump(db);
        assert_eq!(got.len(), model.len(), "{what}");
        for ((l, s), (ml, ms)) in got.iter().zip(&model) {
            assert_eq!(l, ml, "{what}");
            assert!(
                same_samples(s, ms),
                "{what}: {l} has {} samples, want {}",
                s.len(),
                ms.len()
            );
        }
        // A sub-range through the iterator with seeks.
        let q = db.querier(0, i64::MAX).unwrap();
        let set = q
            .select(
                &[Matcher::equal("i", "4")],
                &SelectHints::range(HOUR, 3 * HOUR),
            )
            .unwrap();
        for s in set {
            let s = s.unwrap();
            let want: Vec<Sample> = model[s.labels()]
                .iter()
                .copied()
                .filter(|x| x.t >= HOUR && x.t <= 3 * HOUR)
                .collect();
            let mut it = s.iter(HOUR, 3 * HOUR);
            let mut got = Vec::new();
            while let Some(x) = it.next().unwrap() {
                got.push(x);
            }
            assert!(same_samples(&got, &want), "{what}: iterator");
            let mut it = s.iter(HOUR, 3 * HOUR);
            let target = 2 * HOUR + 1;
            let first = want.iter().find(|x| x.t >= target).map(|x| x.t);
            assert_eq!(it.seek(target).unwrap().map(|x| x.t), first, "{what}: seek");
        }
    };
    check(&db, "head");
    db.compact().unwrap();
    assert!(db.blocks().len() >= 2, "{:?}", db.blocks());
    check(&db, "head + 2h blocks");
    // Force the head into blocks and then merge them.
    db.persist_head_range(4 * HOUR, 6 * HOUR).unwrap();
    db.persist_head_range(6 * HOUR, 8 * HOUR).unwrap();
    check(&db, "blocks only");
    db.compact().unwrap();
    let metas = db.blocks();
    assert!(metas.iter().any(|m| m.compaction.level == 2), "{metas:?}");
    check(&db, "merged blocks");
    db.close().unwrap();
    drop(db);
    let db = open(dir.path());
    check(&db, "reopened");
}

#[test]
fn equal_series_in_overlapping_blocks_and_head_are_merged() {
    let dir = tempfile::tempdir().unwrap();
    let l = lbl(&[("__name__", "o")]);
    {
        let mut w = promlite_tsdb::BlockWriter::new(dir.path(), 2 * HOUR).unwrap();
        for t in 0..10 {
            w.append(&l, t * 1000, t as f64).unwrap();
        }
        w.flush().unwrap();
        let mut w = promlite_tsdb::BlockWriter::new(dir.path(), 2 * HOUR).unwrap();
        for t in 5..15 {
            w.append(&l, t * 1000, t as f64).unwrap();
        }
        w.flush().unwrap();
    }
    let db = open(dir.path());
    assert_eq!(db.blocks().len(), 2);
    let got = dump(&db);
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].1.iter().map(|s| s.t).collect::<Vec<_>>(),
        (0..15).map(|t| t * 1000).collect::<Vec<_>>()
    );
    // Vertical compaction merges the overlapping blocks into one.
    db.compact().unwrap();
    assert_eq!(db.blocks().len(), 1);
    assert_eq!(dump(&db)[0].1.len(), 15);
}
