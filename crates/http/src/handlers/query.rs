//! `/api/v1/query`, `/api/v1/query_range` and `/api/v1/query_exemplars`: parameter
//! checks in Prometheus's order and wording, evaluation on a blocking thread with a
//! cancel token tied to the request, limits and the result envelope.

use std::time::Duration;

use axum::extract::State;

use crate::engine::{truncate_value, CancelOnDrop, CancelToken, QueryParams, QueryResult};
use crate::error::{ApiError, ErrorType};
use crate::handlers::blocking;
use crate::json::encode_query_data;
use crate::params::{
    parse_duration_ns, parse_limit, parse_time, time_param, Form, MAX_TIME_MS, MIN_TIME_MS,
};
use crate::response::{ApiReply, ApiResult};
use crate::state::ApiState;

/// Prometheus refuses range queries with more points per series than this.
const MAX_POINTS_PER_SERIES: i128 = 11_000;

/// The `timeout` parameter as a duration (negative means already expired).
fn timeout_param(form: &Form) -> Result<Option<Duration>, ApiError> {
    let s = form.value("timeout");
    if s.is_empty() {
        return Ok(None);
    }
    let ns = parse_duration_ns(s).map_err(|e| ApiError::invalid_param("timeout", e))?;
    Ok(Some(Duration::from_nanos(ns.max(0) as u64)))
}

/// The `lookback_delta` parameter (Prometheus's `extractQueryOpts`).
fn lookback_delta_param(form: &Form) -> Result<Option<i64>, ApiError> {
    let s = form.value("lookback_delta");
    if s.is_empty() {
        return Ok(None);
    }
    let ns = parse_duration_ns(s)
        .map_err(|e| ApiError::bad_data(format!("error parsing lookback delta duration: {e}")))?;
    Ok(Some(ns / 1_000_000))
}

/// Evaluates on the blocking pool. The cancel guard lives in this future: if the client
/// disconnects, axum drops the future, the guard fires and the engine stops.
async fn evaluate(
    st: &ApiState,
    params: QueryParams,
    range: bool,
) -> Result<QueryResult, ApiError> {
    let engine = st.engine()?;
    // Wait for a free evaluation slot; a client that leaves meanwhile drops this future
    // and never takes one. The evaluation thread owns the slot, so it is freed when the
    // evaluation really ends, not when the request goes away.
    let slot = st
        .inner
        .query_slots
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::internal("query slots closed"))?;
    let guard = CancelOnDrop::new(params.cancel.clone());
    let result = blocking(move || {
        let _slot = slot;
        if range {
            engine.range_query(&params)
        } else {
            engine.instant_query(&params)
        }
    })
    .await;
    guard.disarm();
    result.map_err(|e| {
        if e.kind == ErrorType::BadData {
            // Parse and type errors are reported against the parameter, as
            // Prometheus's `invalidParamError(err, "query")` does.
            ApiError::invalid_param("query", e.message)
        } else {
            e
        }
    })
}

fn reply(mut out: QueryResult, limit: usize) -> ApiReply {
    if limit > 0 && truncate_value(&mut out.value, limit) {
        out.warnings
            .push("results truncated due to limit".to_string());
    }
    ApiReply::raw(encode_query_data(&out.value))
        .with_warnings(out.warnings)
        .with_infos(out.infos)
}

/// `GET|POST /api/v1/query`.
pub async fn instant_query(State(st): State<ApiState>, form: Form) -> ApiResult {
    let limit = parse_limit(form.value("limit"))?;
    let time = time_param(&form, "time", st.now_ms())?;
    let timeout = timeout_param(&form)?;
    let lookback_delta_ms = lookback_delta_param(&form)?;
    let params = QueryParams {
        query: form.value("query").to_string(),
        start_ms: time,
        end_ms: time,
        step_ms: 0,
        timeout,
        lookback_delta_ms,
        cancel: CancelToken::new(),
    };
    let out = evaluate(&st, params, false).await?;
    Ok(reply(out, limit))
}

/// `GET|POST /api/v1/query_range`.
pub async fn range_query(State(st): State<ApiState>, form: Form) -> ApiResult {
    let limit = parse_limit(form.value("limit"))?;
    let start = parse_time(form.value("start")).map_err(|e| ApiError::invalid_param("start", e))?;
    let end = parse_time(form.value("end")).map_err(|e| ApiError::invalid_param("end", e))?;
    if end < start {
        return Err(ApiError::invalid_param(
            "end",
            "end timestamp must not be before start time",
        ));
    }
    let step_ns =
        parse_duration_ns(form.value("step")).map_err(|e| ApiError::invalid_param("step", e))?;
    if step_ns <= 0 {
        return Err(ApiError::invalid_param(
            "step",
            "zero or negative query resolution step widths are not accepted. Try a positive integer",
        ));
    }
    // Go's `end.Sub(start)` saturates at the largest time.Duration.
    let span_ns = ((end as i128 - start as i128) * 1_000_000).min(i64::MAX as i128);
    if span_ns / step_ns as i128 > MAX_POINTS_PER_SERIES {
        return Err(ApiError::bad_data(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
        ));
    }
    let timeout = timeout_param(&form)?;
    let lookback_delta_ms = lookback_delta_param(&form)?;
    let params = QueryParams {
        query: form.value("query").to_string(),
        start_ms: start,
        end_ms: end,
        // Sub-millisecond steps evaluate like 1 ms (Prometheus truncates to ms too).
        step_ms: (step_ns / 1_000_000).max(1),
        timeout,
        lookback_delta_ms,
        cancel: CancelToken::new(),
    };
    let out = evaluate(&st, params, true).await?;
    Ok(reply(out, limit))
}

/// `GET|POST /api/v1/query_exemplars`. promlite stores no exemplars, so a valid query
/// with selectors answers an empty list (Prometheus answers 204 when the query has no
/// selector at all).
pub async fn query_exemplars(State(_st): State<ApiState>, form: Form) -> ApiResult {
    let start = time_param(&form, "start", MIN_TIME_MS)?;
    let end = time_param(&form, "end", MAX_TIME_MS)?;
    if end < start {
        return Err(ApiError::bad_data(
            "end timestamp must not be before start timestamp",
        ));
    }
    let query = form.value("query");
    match crate::promql_glue::query_selectors(query) {
        Ok(selectors) if selectors.is_empty() => Ok(ApiReply::NoContent),
        Ok(_) => Ok(ApiReply::raw(b"[]".to_vec())),
        Err(e) => Err(ApiError::bad_data(e)),
    }
}

/// `GET|POST /api/v1/format_query`: the query printed in canonical form.
pub async fn format_query(form: Form) -> ApiResult {
    let printed = crate::promql_glue::format_query(form.value("query"))
        .map_err(|e| ApiError::invalid_param("query", e))?;
    ApiReply::serde(&printed)
}
