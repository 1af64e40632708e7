//! The embedding facade beyond its doctest: per-query control (cancel, timeout) and
//! error conversions an embedder relies on with `?`.

use std::time::Duration;

use promlite::{CancelToken, Db, Error, Labels, MatchOp, Matcher, Options, QueryControl, Value};

fn db_with_samples(dir: &std::path::Path) -> Db {
    let db = Db::open(dir, Options::default()).expect("open");
    let mut app = db.appender();
    let series = Labels::from_pairs([("__name__", "m"), ("job", "a")]);
    for i in 0..10 {
        app.append(None, &series, i * 15_000, i as f64)
            .expect("append");
    }
    app.commit().expect("commit");
    db
}

#[test]
fn a_canceled_control_stops_the_query_and_a_fresh_one_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_with_samples(dir.path());
    let token = CancelToken::new();
    token.cancel();
    let err = db
        .query_range_with("m", 0, 135_000, 15_000, &QueryControl::with_cancel(token))
        .expect_err("canceled");
    assert!(err.to_string().contains("cancel"), "{err}");

    let ctl = QueryControl {
        timeout: Some(Duration::from_secs(5)),
        ..QueryControl::new()
    };
    let r = db.query_instant_with("m", 135_000, &ctl).expect("query");
    match r.value {
        Value::Vector(v) => assert_eq!(v.len(), 1),
        other => panic!("unexpected {other:?}"),
    }
    db.close().expect("close");
}

fn bad_matcher() -> Result<Matcher, Error> {
    Ok(Matcher::new(MatchOp::RegexMatch, "job", "(")?)
}

#[test]
fn a_bad_matcher_converts_into_the_facade_error() {
    let err = bad_matcher().expect_err("invalid regex");
    assert!(matches!(err, Error::Model(_)), "{err:?}");
}
