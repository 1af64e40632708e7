//! `/api/v1/series`, `/api/v1/labels` and `/api/v1/label/<name>/values`: the
//! metadata reads Grafana's query editor uses, with Prometheus's defaults (the whole
//! time range), `match[]` semantics (union of the sets) and `limit` warnings.

use std::collections::BTreeSet;

use axum::extract::{Path, State};
use promlite_model::{Labels, Matcher};
use promlite_storage::SelectHints;

use crate::error::ApiError;
use crate::handlers::blocking;
use crate::json::JsonWriter;
use crate::params::{parse_limit, time_param, Form, MAX_TIME_MS, MIN_TIME_MS};
use crate::response::{ApiReply, ApiResult};
use crate::selectors::{match_params_or_bad_data, parse_match_params};
use crate::state::ApiState;

const TRUNCATED: &str = "results truncated due to limit";

/// `GET|POST /api/v1/series`.
pub async fn series(State(st): State<ApiState>, form: Form) -> ApiResult {
    form.check_parsed()?;
    let matches = form.values("match[]");
    if matches.is_empty() {
        return Err(ApiError::bad_data("no match[] parameter provided"));
    }
    let limit = parse_limit(form.value("limit"))?;
    let start = time_param(&form, "start", MIN_TIME_MS)?;
    let end = time_param(&form, "end", MAX_TIME_MS)?;
    let sets = parse_match_params(&matches).map_err(|e| ApiError::invalid_param("match[]", e))?;
    let queryable = st.inner.queryable.clone();
    let (found, truncated) = blocking(move || {
        let q = queryable.querier(start, end)?;
        let hints = SelectHints {
            start,
            end,
            func: Some("series".to_string()),
            ..SelectHints::default()
        };
        let mut out: Vec<Labels> = Vec::new();
        if sets.len() == 1 {
            for s in q.select(&sets[0], &hints)? {
                out.push(s?.labels().clone());
                if limit > 0 && out.len() > limit {
                    break;
                }
            }
        } else {
            // Several match[]: the union, deduplicated and sorted like a merged set.
            let mut all = BTreeSet::new();
            for set in &sets {
                for s in q.select(set, &hints)? {
                    all.insert(s?.labels().clone());
                }
            }
            out = all.into_iter().collect();
        }
        let truncated = limit > 0 && out.len() > limit;
        if truncated {
            out.truncate(limit);
        }
        Ok((out, truncated))
    })
    .await?;
    let mut w = JsonWriter::with_capacity(64 + found.len() * 96);
    w.byte(b'[');
    for (i, l) in found.iter().enumerate() {
        if i > 0 {
            w.byte(b',');
        }
        w.labels(l);
    }
    w.byte(b']');
    Ok(ApiReply::raw(w.into_bytes()).with_warnings(truncated.then(|| TRUNCATED.to_string())))
}

/// Answers a sorted list of strings, cut to `limit` with Prometheus's warning.
fn string_list_reply(mut items: Vec<String>, limit: usize) -> ApiReply {
    let truncated = limit > 0 && items.len() > limit;
    if truncated {
        items.truncate(limit);
    }
    let mut w = JsonWriter::with_capacity(16 + items.iter().map(|s| s.len() + 3).sum::<usize>());
    w.string_array(&items);
    ApiReply::raw(w.into_bytes()).with_warnings(truncated.then(|| TRUNCATED.to_string()))
}

/// Runs `per_set` for every matcher set (or once with no matchers) and merges the
/// sorted, deduplicated results.
fn union_over_sets(
    sets: &[Vec<Matcher>],
    mut per_set: impl FnMut(&[Matcher]) -> Result<Vec<String>, ApiError>,
) -> Result<Vec<String>, ApiError> {
    match sets.len() {
        0 => per_set(&[]),
        1 => per_set(&sets[0]),
        _ => {
            let mut all = BTreeSet::new();
            for set in sets {
                all.extend(per_set(set)?);
            }
            Ok(all.into_iter().collect())
        }
    }
}

/// `GET|POST /api/v1/labels`.
pub async fn label_names(State(st): State<ApiState>, form: Form) -> ApiResult {
    let limit = parse_limit(form.value("limit"))?;
    let start = time_param(&form, "start", MIN_TIME_MS)?;
    let end = time_param(&form, "end", MAX_TIME_MS)?;
    let sets = match_params_or_bad_data(&form.values("match[]"))?;
    let queryable = st.inner.queryable.clone();
    let names = blocking(move || {
        let q = queryable.querier(start, end)?;
        union_over_sets(&sets, |m| {
            q.label_names(m)
                .map_err(|e| ApiError::execution(e.to_string()))
        })
    })
    .await?;
    Ok(string_list_reply(names, limit))
}

/// Prometheus 3 accepts label names escaped as `U__` + value encoding in the path
/// (`U__my_2e_label` is `my.label`); anything that does not decode stays as written.
pub fn unescape_label_name(name: &str) -> String {
    let Some(rest) = name.strip_prefix("U__") else {
        return name.to_string();
    };
    let b = rest.as_bytes();
    let mut out = String::with_capacity(rest.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'_' {
            // Copy one whole UTF-8 character.
            let ch_len = rest[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&rest[i..i + ch_len]);
            i += ch_len;
            continue;
        }
        i += 1;
        match b.get(i) {
            None => return name.to_string(),
            Some(b'_') => {
                out.push('_');
                i += 1;
            }
            Some(_) => {
                let mut code: u32 = 0;
                let mut digits = 0;
                loop {
                    match b.get(i) {
                        None => return name.to_string(),
                        Some(b'_') => break,
                        Some(&c) => {
                            if digits >= 6 {
                                return name.to_string();
                            }
                            let Some(d) = (c as char).to_digit(16) else {
                                return name.to_string();
                            };
                            code = code * 16 + d;
                            digits += 1;
                            i += 1;
                        }
                    }
                }
                i += 1; // the closing underscore
                match char::from_u32(code) {
                    Some(c) => out.push(c),
                    None => return name.to_string(),
                }
            }
        }
    }
    out
}

/// `GET /api/v1/label/<name>/values`.
pub async fn label_values(
    State(st): State<ApiState>,
    Path(name): Path<String>,
    form: Form,
) -> ApiResult {
    let name = unescape_label_name(&name);
    if name.is_empty() {
        return Err(ApiError::bad_data(format!(
            "invalid label name: {}",
            crate::params::go_q(&name)
        )));
    }
    let limit = parse_limit(form.value("limit"))?;
    let start = time_param(&form, "start", MIN_TIME_MS)?;
    let end = time_param(&form, "end", MAX_TIME_MS)?;
    let sets = match_params_or_bad_data(&form.values("match[]"))?;
    let queryable = st.inner.queryable.clone();
    let values = blocking(move || {
        let q = queryable
            .querier(start, end)
            .map_err(|e| ApiError::execution(e.to_string()))?;
        union_over_sets(&sets, |m| {
            q.label_values(&name, m)
                .map_err(|e| ApiError::execution(e.to_string()))
        })
    })
    .await?;
    Ok(string_list_reply(values, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_value_encoded_names() {
        assert_eq!(unescape_label_name("job"), "job");
        assert_eq!(unescape_label_name("U__my_2e_label"), "my.label");
        assert_eq!(unescape_label_name("U__a__b"), "a_b");
        assert_eq!(unescape_label_name("U__z_fc_rich"), "zürich");
        assert_eq!(unescape_label_name("U___1f600_"), "\u{1f600}");
        // Invalid encodings stay as written.
        assert_eq!(unescape_label_name("U__a_zz_"), "U__a_zz_");
        assert_eq!(unescape_label_name("U__a_"), "U__a_");
        assert_eq!(unescape_label_name("U__a_d800_"), "U__a_d800_");
        assert_eq!(unescape_label_name("U__a_1234567_"), "U__a_1234567_");
    }
}
