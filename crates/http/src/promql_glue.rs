//! The few places where the API needs PromQL parsing outside query evaluation. Kept in
//! one module so that wiring `promlite-promql-parser` touches nothing else.

/// The vector selectors of a query (for `query_exemplars`). Until the PromQL parser is
/// wired in, any non-empty query counts as having selectors.
pub fn query_selectors(query: &str) -> Result<Vec<Vec<promlite_model::Matcher>>, String> {
    if query.trim().is_empty() {
        return Err("1:1: parse error: no expression found in input".to_string());
    }
    if let Ok(m) = crate::selectors::parse_metric_selector(query) {
        return Ok(vec![m]);
    }
    Ok(vec![Vec::new()])
}
