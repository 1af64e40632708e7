//! `match[]` and other selector parameters: parsed with `promlite-promql-parser`'s
//! metric-selector parser, plus Prometheus's API check that each `match[]` set has a
//! matcher that does not match the empty string.

use promlite_model::Matcher;
use promlite_promql_parser::parse_matchers;

use crate::error::ApiError;

/// Parses one metric selector (`up{job="api"}`) into matchers, like Prometheus's
/// `ParseMetricSelector`; the error text is the parser's (`1:4: parse error: ...`).
pub fn parse_metric_selector(s: &str) -> Result<Vec<Matcher>, String> {
    parse_matchers(s).map_err(|e| e.to_string())
}

/// Prometheus's `parseMatchersParam`: every `match[]` value parsed, and each set must
/// select something (`{job=~".*"}` would select every series).
pub fn parse_match_params(values: &[&str]) -> Result<Vec<Vec<Matcher>>, String> {
    let mut sets = Vec::with_capacity(values.len());
    for v in values {
        sets.push(parse_metric_selector(v)?);
    }
    if sets
        .iter()
        .any(|set| set.iter().all(Matcher::matches_empty))
    {
        return Err("match[] must contain at least one non-empty matcher".to_string());
    }
    Ok(sets)
}

/// One selector parameter (`match_target`, `match[]` of deletions) with Prometheus's
/// `invalid parameter "<name>": ...` error.
pub fn selector_param(name: &str, s: &str) -> Result<Vec<Matcher>, ApiError> {
    parse_metric_selector(s).map_err(|e| ApiError::invalid_param(name, e))
}

/// [`parse_match_params`] with a bad_data error.
pub fn match_params_or_bad_data(values: &[&str]) -> Result<Vec<Vec<Matcher>>, ApiError> {
    parse_match_params(values).map_err(ApiError::bad_data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_params_need_a_selective_matcher() {
        let sets = parse_match_params(&["up", r#"{__name__=~"http_.*",le="1.0"}"#]).unwrap();
        assert_eq!(sets.len(), 2);
        assert_eq!(
            parse_match_params(&["up", r#"{job=~".*"}"#]).unwrap_err(),
            "match[] must contain at least one non-empty matcher"
        );
        assert!(parse_match_params(&["up{"])
            .unwrap_err()
            .contains("parse error"));
        assert!(parse_match_params(&["rate(up[5m])"]).is_err());
        assert!(parse_match_params(&[]).unwrap().is_empty());
    }
}
