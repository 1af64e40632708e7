//! `/api/v1/admin/tsdb/{delete_series,clean_tombstones,snapshot}`: only with
//! `--web.enable-admin-api`, otherwise `unavailable` ("admin APIs disabled") as in
//! Prometheus.

use std::sync::Arc;

use axum::extract::State;
use promlite_storage::StorageAdmin;

use crate::error::ApiError;
use crate::handlers::blocking;
use crate::params::{time_param, Form, MAX_TIME_MS, MIN_TIME_MS};
use crate::response::{ApiReply, ApiResult};
use crate::selectors::selector_param;
use crate::state::ApiState;

fn admin_handle(st: &ApiState) -> Result<Arc<dyn StorageAdmin>, ApiError> {
    if !st.inner.enable_admin_api {
        return Err(ApiError::unavailable("admin APIs disabled"));
    }
    st.inner
        .admin
        .clone()
        .ok_or_else(|| ApiError::internal("the storage does not support admin operations"))
}

/// `POST|PUT /api/v1/admin/tsdb/delete_series`.
pub async fn delete_series(State(st): State<ApiState>, form: Form) -> ApiResult {
    let admin = admin_handle(&st)?;
    form.check_parsed()?;
    let matches = form.values("match[]");
    if matches.is_empty() {
        return Err(ApiError::bad_data("no match[] parameter provided"));
    }
    let start = time_param(&form, "start", MIN_TIME_MS)?;
    let end = time_param(&form, "end", MAX_TIME_MS)?;
    let mut sets = Vec::with_capacity(matches.len());
    for m in matches {
        sets.push(selector_param("match[]", m)?);
    }
    blocking(move || {
        for set in &sets {
            admin
                .delete_series(set, start, end)
                .map_err(|e| ApiError::internal(e.to_string()))?;
        }
        Ok(())
    })
    .await?;
    Ok(ApiReply::NoContent)
}

/// `POST|PUT /api/v1/admin/tsdb/clean_tombstones`.
pub async fn clean_tombstones(State(st): State<ApiState>) -> ApiResult {
    let admin = admin_handle(&st)?;
    blocking(move || {
        admin
            .clean_tombstones()
            .map_err(|e| ApiError::internal(e.to_string()))
    })
    .await?;
    Ok(ApiReply::NoContent)
}

/// `POST|PUT /api/v1/admin/tsdb/snapshot`: not supported by promlite's storage yet.
pub async fn snapshot(State(st): State<ApiState>) -> ApiResult {
    admin_handle(&st)?;
    Err(ApiError::internal(
        "create snapshot: snapshots are not supported by promlite",
    ))
}
