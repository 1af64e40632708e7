//! Fuzz target for the PromQL parser: any UTF-8 text must parse or fail without panicking,
//! and whatever parses must print to PromQL that parses back to an equal AST.

#![no_main]

use libfuzzer_sys::fuzz_target;
use promlite_promql_parser::{parse_matchers, parse_with, ParseOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_matchers(query);
    for options in [ParseOptions::default(), ParseOptions::all_experimental()] {
        let Ok(expr) = parse_with(query, &options) else {
            continue;
        };
        let printed = expr.to_string();
        match parse_with(&printed, &options) {
            Ok(again) => assert!(
                again == expr,
                "round trip changed the AST\nquery:   {query:?}\nprinted: {printed:?}\nfirst:   {expr:?}\nsecond:  {again:?}"
            ),
            Err(e) => panic!("printed form does not parse\nquery:   {query:?}\nprinted: {printed:?}\nerror:   {e}"),
        }
    }
});
