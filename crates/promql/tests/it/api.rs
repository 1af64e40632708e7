//! The engine API: result shapes, error types, limits, cancellation and options.

use std::time::Duration;

use promlite_model::Labels;
use promlite_promql::{
    CancelToken, Engine, EngineOptions, MatrixSeries, PromqlError, QueryControl, Value,
};
use promlite_promql_parser::{parse, parse_with, Expr, ParseOptions};
use promlite_storage::{Appendable, MemStorage};

/// `up{job="a|b"}` with one sample a minute for an hour; b is twice a.
fn storage() -> MemStorage {
    let db = MemStorage::new();
    let mut app = db.appender();
    for (job, scale) in [("a", 1.0), ("b", 2.0)] {
        let l = Labels::from_pairs([("__name__", "up_total"), ("job", job)]);
        for i in 0..=60 {
            app.append(None, &l, i * 60_000, i as f64 * scale).unwrap();
        }
    }
    app.commit().unwrap();
    db
}

fn q(s: &str) -> Expr {
    parse(s).unwrap()
}

#[test]
fn instant_vector_keeps_evaluation_order() {
    let db = storage();
    let e = Engine::new(EngineOptions::default());
    let r = e
        .instant_query(
            &db,
            &q("sort_desc(up_total)"),
            600_000,
            &QueryControl::new(),
        )
        .unwrap();
    let Value::Vector(v) = r.value else {
        panic!("{:?}", r.value)
    };
    let jobs: Vec<_> = v.iter().map(|s| s.labels.get("job").unwrap()).collect();
    assert_eq!(jobs, ["b", "a"]);
    assert!(v.iter().all(|s| s.t == 600_000));
    assert_eq!((v[0].v, v[1].v), (20.0, 10.0));
    assert!(r.peak_samples >= 2);
}

#[test]
fn range_results_are_sorted_matrices() {
    let db = storage();
    let e = Engine::new(EngineOptions::default());
    let r = e
        .range_query(
            &db,
            &q("rate(up_total[5m])"),
            600_000,
            1_200_000,
            300_000,
            &QueryControl::new(),
        )
        .unwrap();
    let Value::Matrix(m) = r.value else { panic!() };
    assert_eq!(m.len(), 2);
    assert!(m[0].labels < m[1].labels);
    assert_eq!(m[0].labels, Labels::from_pairs([("job", "a")]));
    let ts: Vec<i64> = m[0].samples.iter().map(|s| s.t).collect();
    assert_eq!(ts, [600_000, 900_000, 1_200_000]);
    // 1 per minute.
    assert!(m[0]
        .samples
        .iter()
        .all(|s| (s.v - 1.0 / 60.0).abs() < 1e-12));
    // A scalar range query is one series without labels.
    let r = e
        .range_query(&db, &q("time()"), 0, 120_000, 60_000, &QueryControl::new())
        .unwrap();
    assert_eq!(
        r.value,
        Value::Matrix(vec![MatrixSeries {
            labels: Labels::empty(),
            samples: vec![
                promlite_model::Sample::new(0, 0.0),
                promlite_model::Sample::new(60_000, 60.0),
                promlite_model::Sample::new(120_000, 120.0)
            ],
        }])
    );
}

#[test]
fn error_types_follow_the_http_api() {
    let db = storage();
    let e = Engine::new(EngineOptions::default());
    let ctl = QueryControl::new();
    let err = e
        .range_query(&db, &q("up_total[5m]"), 0, 60_000, 1000, &ctl)
        .unwrap_err();
    assert_eq!(err.error_type(), "bad_data");
    assert_eq!(
        err.to_string(),
        "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector"
    );
    let err = e
        .range_query(&db, &q("up_total"), 0, 60_000, 0, &ctl)
        .unwrap_err();
    assert_eq!(err.error_type(), "bad_data");
    let err = e
        .instant_query(
            &db,
            &q(r#"label_replace(up_total, "x", "", "job", "(")"#),
            0,
            &ctl,
        )
        .unwrap_err();
    assert_eq!(err.error_type(), "execution");
    // An experimental function needs the option, even when the parser accepted it.
    let exp = parse_with(
        "sort_by_label(up_total, \"job\")",
        &ParseOptions::all_experimental(),
    )
    .unwrap();
    let err = e.instant_query(&db, &exp, 0, &ctl).unwrap_err();
    assert_eq!(err.error_type(), "bad_data");
    let on = Engine::new(EngineOptions {
        enable_experimental_functions: true,
        ..EngineOptions::default()
    });
    assert!(on.instant_query(&db, &exp, 0, &ctl).is_ok());
}

#[test]
fn limits_cancellation_and_timeout() {
    let db = storage();
    let small = Engine::new(EngineOptions {
        max_samples: 50,
        ..EngineOptions::default()
    });
    let ctl = QueryControl::new();
    let err = small
        .range_query(&db, &q("up_total"), 0, 3_600_000, 60_000, &ctl)
        .unwrap_err();
    assert_eq!(err, PromqlError::TooManySamples("query execution"));
    assert!(small
        .range_query(&db, &q("up_total"), 0, 600_000, 60_000, &ctl)
        .is_ok());

    let e = Engine::new(EngineOptions::default());
    let token = CancelToken::new();
    token.cancel();
    let err = e
        .instant_query(&db, &q("up_total"), 0, &QueryControl::with_cancel(token))
        .unwrap_err();
    assert_eq!(err.error_type(), "canceled");
    let timed = QueryControl {
        timeout: Some(Duration::ZERO),
        ..QueryControl::new()
    };
    let err = e.instant_query(&db, &q("up_total"), 0, &timed).unwrap_err();
    assert_eq!(err.to_string(), "query timed out in expression evaluation");
    assert_eq!(err.error_type(), "timeout");
}

#[test]
fn lookback_and_subquery_step_options() {
    let db = storage();
    let ctl = QueryControl::new();
    // The last sample is at 60m; the default lookback finds it until 65m (exclusive).
    let e = Engine::new(EngineOptions::default());
    let at = |e: &Engine, t: i64, ctl: &QueryControl| match e
        .instant_query(&db, &q("up_total"), t, ctl)
        .unwrap()
        .value
    {
        Value::Vector(v) => v.len(),
        other => panic!("{other:?}"),
    };
    assert_eq!(at(&e, 3_899_999, &ctl), 2);
    assert_eq!(at(&e, 3_900_000, &ctl), 0);
    let short = QueryControl {
        lookback_delta_ms: Some(60_000),
        ..QueryControl::new()
    };
    assert_eq!(at(&e, 3_659_999, &short), 2);
    assert_eq!(at(&e, 3_660_000, &short), 0);
    // A subquery without a step uses the default evaluation interval.
    let e = Engine::new(EngineOptions {
        default_subquery_step_ms: 10 * 60_000,
        ..EngineOptions::default()
    });
    let r = e
        .instant_query(&db, &q("count_over_time(up_total[1h:])"), 3_600_000, &ctl)
        .unwrap();
    let Value::Vector(v) = r.value else { panic!() };
    assert_eq!(v[0].v, 6.0);
}

#[test]
fn annotations_point_into_the_query_text() {
    let db = MemStorage::new();
    let mut app = db.appender();
    let l = Labels::from_pairs([("__name__", "temp"), ("job", "a")]);
    for i in 0..10 {
        app.append(None, &l, i * 15_000, 20.0 + i as f64).unwrap();
    }
    app.commit().unwrap();
    let e = Engine::new(EngineOptions::default());
    let text = "sum(\n  rate(temp[1m])\n)";
    let r = e
        .instant_query(&db, &q(text), 120_000, &QueryControl::new())
        .unwrap();
    let msg = "PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"temp\"";
    assert_eq!(r.infos, [msg]);
    let (warnings, infos) = r.annotations_for_query(text);
    assert!(warnings.is_empty());
    assert_eq!(infos, [format!("{msg} (2:8)")]);
}
