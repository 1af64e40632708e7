//! Property tests: random well-typed ASTs print to PromQL that parses back to the same AST,
//! and random token soup never panics the parser (and round-trips whenever it parses).

use promlite_promql_parser::{parse_with, Expr, ParseOptions, ValueType};
use proptest::prelude::*;

use crate::ast_gen::Gen;
use crate::dump::dump;

fn check_round_trip(expr: &Expr) -> Result<(), TestCaseError> {
    let options = ParseOptions::all_experimental();
    let printed = expr.to_string();
    match parse_with(&printed, &options) {
        Ok(parsed) => {
            prop_assert!(
                parsed == *expr,
                "printed {printed}\n  want {}\n  got  {}",
                dump(expr),
                dump(&parsed)
            );
        }
        Err(e) => prop_assert!(false, "printed {printed} fails: {e}\n  ast {}", dump(expr)),
    }
    Ok(())
}

const SOUP: &[&str] = &[
    "foo",
    "sum",
    "rate",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    "a=\"b\"",
    "5m",
    "1",
    "-",
    "+",
    "*",
    "^",
    "/",
    "==",
    "bool",
    "on",
    "(a)",
    "group_left",
    "by",
    "without",
    "offset",
    "@",
    "start()",
    "step()",
    ":",
    "\"s\"",
    "and",
    "or",
    "anchored",
    "fill(0)",
    "</",
    "#",
    "0x1f",
    "Inf",
    " ",
    "min_of(",
    "topk",
    "{\"m.n\"}",
    "\n",
    "'",
    "`",
    "1e3",
    ".5",
    "count_values",
];

proptest! {
    // `PROPTEST_CASES=100000` for a longer run.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
    ))]

    #[test]
    fn random_asts_round_trip(seed in any::<u64>(), depth in 0u32..4) {
        let mut gen = Gen { state: seed };
        let want = gen.pick(&[ValueType::Vector, ValueType::Vector, ValueType::Scalar, ValueType::Matrix, ValueType::String]);
        let expr = gen.expr(want, depth);
        check_round_trip(&expr)?;
    }

    #[test]
    fn token_soup_never_panics_and_round_trips(parts in proptest::collection::vec(0..SOUP.len(), 0..12)) {
        let query: String = parts.iter().map(|i| SOUP[*i]).collect::<Vec<_>>().join(" ");
        if let Ok(expr) = parse_with(&query, &ParseOptions::all_experimental()) {
            check_round_trip(&expr)?;
        }
    }

    #[test]
    fn arbitrary_text_never_panics(query in "\\PC{0,40}") {
        let _ = parse_with(&query, &ParseOptions::all_experimental());
        let _ = promlite_promql_parser::parse_matchers(&query);
        let _ = promlite_promql_parser::parse_duration(&query);
    }
}

/// Deep nesting is refused with an error instead of overflowing the stack, and anything
/// below the limits parses, checks, prints and drops on a test thread's small stack.
#[test]
fn deep_nesting_is_bounded() {
    let options = ParseOptions::all_experimental();
    let queries = |depth: usize| {
        vec![
            format!("{}1{}", "(".repeat(depth), ")".repeat(depth)),
            vec!["a"; depth].join(" + "),
            vec!["2"; depth].join(" ^ "),
            format!("{}a", "-".repeat(depth)),
            format!("{}a{}", "abs(".repeat(depth), ")".repeat(depth)),
            format!("foo[{}]", vec!["1s"; depth].join(" + ")),
        ]
    };
    for query in queries(100)
        .into_iter()
        .chain([vec!["a"; 390].join(" or ")])
    {
        let expr = parse_with(&query, &options).expect("within the limits");
        assert_eq!(parse_with(&expr.to_string(), &options).ok(), Some(expr));
    }
    for query in queries(100_000) {
        let err = parse_with(&query, &options).expect_err("beyond the limits");
        assert!(err.message.contains("nested too deeply"), "{err}");
    }
}
