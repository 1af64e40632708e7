//! Helpers shared by the integration tests.

use std::path::Path;
use std::sync::Arc;

use promlite_model::{Labels, ManualClock, Matcher, Sample};
use promlite_storage::{Queryable, SelectHints};
use promlite_tsdb::{Db, FsyncPolicy, Options};

pub const HOUR: i64 = 3600 * 1000;

/// Options for tests: no background thread, no fsync, a manual clock.
pub fn test_options() -> Options {
    Options {
        background_compaction: false,
        fsync: FsyncPolicy::Never,
        clock: ManualClock::new(1_700_000_000_000),
        head_chunks_file_size: 1 << 20,
        ..Options::default()
    }
}

pub fn open(dir: &Path) -> Db {
    Db::open(dir, test_options()).expect("open db")
}

pub fn lbl(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied())
}

/// Every series matching `matchers` with its samples in `[mint, maxt]`.
pub fn query(db: &Db, matchers: &[Matcher], mint: i64, maxt: i64) -> Vec<(Labels, Vec<Sample>)> {
    let q = db.querier(mint, maxt).expect("querier");
    let set = q
        .select(matchers, &SelectHints::range(mint, maxt))
        .expect("select");
    promlite_storage::collect_samples(set, mint, maxt).expect("samples")
}

/// Everything in the database.
pub fn dump(db: &Db) -> Vec<(Labels, Vec<Sample>)> {
    let all = Matcher::new(promlite_model::MatchOp::RegexMatch, "__name__", ".+").unwrap();
    query(db, &[all], i64::MIN / 2, i64::MAX / 2)
}

/// Compares samples bit for bit (NaN payloads included).
pub fn same_samples(a: &[Sample], b: &[Sample]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.t == y.t && x.v.to_bits() == y.v.to_bits())
}

#[allow(dead_code)]
pub fn shared<T>(t: T) -> Arc<T> {
    Arc::new(t)
}
