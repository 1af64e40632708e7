//! The crate's helper entry points: `parse_matchers`, `parse_duration`, `parse_number`,
//! `format_duration`, the option switches, and AST details other crates rely on.

use promlite_model::MatchOp;
use promlite_promql_parser::{
    format_duration, parse, parse_duration, parse_matchers, parse_number, parse_with, AtModifier,
    Expr, ParseOptions,
};

#[test]
fn match_parameter_selectors() {
    let matchers = parse_matchers(r#"up{job="api", instance=~"a.*"}"#).unwrap();
    let shown: Vec<String> = matchers.iter().map(|m| m.to_string()).collect();
    assert_eq!(
        shown,
        [r#"__name__="up""#, r#"job="api""#, r#"instance=~"a.*""#]
    );
    // Like Prometheus's ParseMetricSelector, no non-empty matcher is required here.
    assert_eq!(parse_matchers("{}").unwrap(), vec![]);
    let matchers = parse_matchers(r#"{"my.metric", le!~"1|2"}"#).unwrap();
    assert_eq!(matchers[0].value, "my.metric");
    assert_eq!(matchers[1].op, MatchOp::RegexNoMatch);
    assert_eq!(
        parse_matchers("up offset 5m").unwrap_err().to_string(),
        "1:4: parse error: unexpected <offset>"
    );
    assert_eq!(
        parse_matchers("rate(up[5m])").unwrap_err().to_string(),
        "1:5: parse error: unexpected \"(\""
    );
    assert_eq!(
        parse_matchers("").unwrap_err().to_string(),
        "unknown position: parse error: unexpected end of input"
    );
}

#[test]
fn durations() {
    assert_eq!(parse_duration("1h30m").unwrap(), 5_400_000);
    assert_eq!(parse_duration("500ms").unwrap(), 500);
    assert_eq!(parse_duration("1d").unwrap(), 86_400_000);
    assert_eq!(parse_duration("1w").unwrap(), 604_800_000);
    assert_eq!(parse_duration("1y").unwrap(), 31_536_000_000);
    assert_eq!(parse_duration("0").unwrap(), 0);
    assert_eq!(
        parse_duration("5x").unwrap_err().message,
        "unknown unit \"x\" in duration \"5x\""
    );
    assert_eq!(
        parse_duration("-5m").unwrap_err().message,
        "not a valid duration string: \"-5m\""
    );
    for ms in [
        1,
        999,
        60_000,
        90_000,
        5_400_000,
        86_400_000 * 90,
        31_536_000_000,
    ] {
        assert_eq!(parse_duration(&format_duration(ms)).unwrap(), ms);
    }
}

#[test]
fn numbers() {
    assert_eq!(parse_number("0x1f"), Some(31.0));
    assert_eq!(parse_number("-Inf"), Some(f64::NEG_INFINITY));
    assert_eq!(parse_number("1e3"), Some(1000.0));
    assert_eq!(parse_number("5m"), None);
}

#[test]
fn modifiers_land_in_milliseconds() {
    let Expr::Subquery(sq) = parse("rate(foo[5m])[1h:30s] offset -1m @ 1700000000.5").unwrap()
    else {
        panic!("not a subquery");
    };
    assert_eq!(
        (sq.range, sq.step, sq.offset),
        (3_600_000, Some(30_000), -60_000)
    );
    assert_eq!(sq.at, Some(AtModifier::Timestamp(1_700_000_000_500)));
    let Expr::MatrixSelector(ms) = parse("foo[90] offset 1.5 @ end()").unwrap() else {
        panic!("not a matrix selector");
    };
    assert_eq!(
        (ms.range, ms.vs.offset, ms.vs.at),
        (90_000, 1_500, Some(AtModifier::End))
    );
    assert_eq!(ms.vs.name.as_deref(), Some("foo"));
}

#[test]
fn options_switch_experimental_features_one_by_one() {
    let only = |f: fn(&mut ParseOptions)| {
        let mut options = ParseOptions::default();
        f(&mut options);
        options
    };
    let cases: [(&str, ParseOptions); 4] = [
        (
            "sort_by_label(foo, \"a\")",
            only(|o| o.experimental_functions = true),
        ),
        ("foo[5m + step()]", only(|o| o.duration_expressions = true)),
        (
            "foo[5m] anchored",
            only(|o| o.extended_range_selectors = true),
        ),
        ("a + fill(0) b", only(|o| o.binop_fill_modifiers = true)),
    ];
    for (query, options) in cases {
        assert!(parse(query).is_err(), "{query} accepted by default");
        assert!(
            parse_with(query, &options).is_ok(),
            "{query} rejected when enabled"
        );
    }
}

#[test]
fn hand_built_selectors_print_their_name() {
    use promlite_promql_parser::{Span, VectorSelector};
    let vs = VectorSelector {
        name: Some("up".into()),
        matchers: vec![promlite_model::Matcher::equal("job", "api")],
        offset: 0,
        at: None,
        span: Span::default(),
        offset_expr: None,
        anchored: false,
        smoothed: false,
    };
    assert_eq!(Expr::VectorSelector(vs).to_string(), r#"up{job="api"}"#);
}
