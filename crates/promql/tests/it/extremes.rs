//! Extreme inputs must give an answer or an error, never a panic.

use promlite_model::Labels;
use promlite_promql::{Engine, EngineOptions, QueryControl};
use promlite_promql_parser::{parse_with, ParseOptions};
use promlite_storage::{Appendable, MemStorage};

const QUERIES: [&str; 14] = [
    "foo offset 290y",
    "foo offset -290y",
    "foo @ 9223372036854775.807",
    "foo @ -9223372036854775.808",
    "rate(foo[290y])",
    "rate(foo[1m] @ 9223372036854775.807)",
    "max_over_time(foo[100y:1ms])",
    "foo[1y:1ms]",
    "sum_over_time(rate(foo[1m])[290y:1h] offset 290y)",
    "topk(1e300, foo)",
    "quantile(1e308, foo)",
    "round(foo, 1e-320)",
    "histogram_quantile(0.5, foo)",
    "predict_linear(foo[5m], 1e308)",
];

#[test]
fn extreme_queries_do_not_panic() {
    let db = MemStorage::new();
    let mut app = db.appender();
    let l = Labels::from_pairs([("__name__", "foo"), ("le", "1")]);
    for i in 0..100 {
        app.append(None, &l, i * 15_000, i as f64).unwrap();
    }
    app.commit().unwrap();
    let engine = Engine::new(EngineOptions {
        max_samples: 1_000_000,
        enable_experimental_functions: true,
        ..EngineOptions::default()
    });
    let ctl = QueryControl::new();
    for q in QUERIES {
        let Ok(expr) = parse_with(q, &ParseOptions::all_experimental()) else {
            continue;
        };
        for t in [i64::MIN / 2, -1, 0, 1_000_000, i64::MAX / 2] {
            let _ = engine.instant_query(&db, &expr, t, &ctl);
        }
        let _ = engine.range_query(&db, &expr, 0, 3_600_000, 1, &ctl);
        let _ = engine.range_query(&db, &expr, -1_000_000, 1_000_000, 1_000, &ctl);
        let _ = engine.range_query(&db, &expr, i64::MIN / 4, i64::MAX / 4, i64::MAX / 8, &ctl);
    }
}
