//! `/api/v1/status/*`: build information, the loaded configuration, command-line
//! flags, runtime information and TSDB cardinality statistics.

use axum::extract::State;
use serde::Serialize;

use crate::error::ApiError;
use crate::handlers::blocking;
use crate::params::Form;
use crate::response::{ApiReply, ApiResult};
use crate::state::ApiState;
use crate::timefmt::{format_optional_time, format_rfc3339_ms};

/// `GET /api/v1/status/buildinfo`.
pub async fn buildinfo(State(st): State<ApiState>) -> ApiResult {
    ApiReply::serde(&st.inner.build_info)
}

#[derive(Serialize)]
struct ConfigData {
    yaml: String,
}

/// `GET /api/v1/status/config`.
pub async fn config(State(st): State<ApiState>) -> ApiResult {
    ApiReply::serde(&ConfigData {
        yaml: st.inner.config_yaml.get(),
    })
}

/// `GET /api/v1/status/flags`.
pub async fn flags(State(st): State<ApiState>) -> ApiResult {
    ApiReply::serde(&st.inner.flags)
}

#[derive(Serialize)]
struct RuntimeInfoData {
    #[serde(rename = "startTime")]
    start_time: String,
    #[serde(rename = "CWD")]
    cwd: String,
    hostname: String,
    #[serde(rename = "serverTime")]
    server_time: String,
    #[serde(rename = "reloadConfigSuccess")]
    reload_config_success: bool,
    #[serde(rename = "lastConfigTime")]
    last_config_time: String,
    #[serde(rename = "corruptionCount")]
    corruption_count: i64,
    #[serde(rename = "goroutineCount")]
    goroutine_count: i64,
    #[serde(rename = "GOMAXPROCS")]
    gomaxprocs: i64,
    #[serde(rename = "GOMEMLIMIT")]
    gomemlimit: i64,
    #[serde(rename = "GOGC")]
    gogc: String,
    #[serde(rename = "GODEBUG")]
    godebug: String,
    #[serde(rename = "storageRetention")]
    storage_retention: String,
}

/// `GET /api/v1/status/runtimeinfo`.
pub async fn runtimeinfo(State(st): State<ApiState>) -> ApiResult {
    let info = st
        .inner
        .runtime_info
        .as_ref()
        .map(|s| s.runtime_info())
        .unwrap_or_default();
    ApiReply::serde(&RuntimeInfoData {
        start_time: format_rfc3339_ms(info.start_time_ms),
        cwd: info.cwd,
        hostname: info.hostname,
        server_time: format_rfc3339_ms(st.now_ms()),
        reload_config_success: info.reload_config_success,
        last_config_time: format_optional_time(info.last_config_time_ms),
        corruption_count: info.corruption_count,
        goroutine_count: info.goroutine_count,
        gomaxprocs: info.gomaxprocs,
        gomemlimit: info.gomemlimit,
        gogc: info.gogc,
        godebug: info.godebug,
        storage_retention: info.storage_retention,
    })
}

#[derive(Serialize)]
struct TsdbStat {
    name: String,
    value: u64,
}

#[derive(Serialize)]
struct HeadStatsData {
    #[serde(rename = "numSeries")]
    num_series: u64,
    #[serde(rename = "numLabelPairs")]
    num_label_pairs: u64,
    #[serde(rename = "chunkCount")]
    chunk_count: u64,
    #[serde(rename = "minTime")]
    min_time: i64,
    #[serde(rename = "maxTime")]
    max_time: i64,
}

#[derive(Serialize)]
struct TsdbStatusData {
    #[serde(rename = "headStats")]
    head_stats: HeadStatsData,
    #[serde(rename = "seriesCountByMetricName")]
    series_count_by_metric_name: Vec<TsdbStat>,
    #[serde(rename = "labelValueCountByLabelName")]
    label_value_count_by_label_name: Vec<TsdbStat>,
    #[serde(rename = "memoryInBytesByLabelName")]
    memory_in_bytes_by_label_name: Vec<TsdbStat>,
    #[serde(rename = "seriesCountByLabelValuePair")]
    series_count_by_label_value_pair: Vec<TsdbStat>,
}

fn stats_list(entries: Vec<promlite_storage::StatEntry>) -> Vec<TsdbStat> {
    entries
        .into_iter()
        .map(|e| TsdbStat {
            name: e.name,
            value: e.value,
        })
        .collect()
}

/// Prometheus caps `limit` of `/api/v1/status/tsdb` at this.
const MAX_TSDB_STATUS_LIMIT: i64 = 10_000;

/// `GET /api/v1/status/tsdb`.
pub async fn tsdb(State(st): State<ApiState>, form: Form) -> ApiResult {
    let mut limit = 10i64;
    let s = form.value("limit");
    if !s.is_empty() {
        limit = match crate::params::go_atoi(s) {
            Ok(n) if n >= 1 => n,
            _ => return Err(ApiError::bad_data("limit must be a positive number")),
        };
        if limit > MAX_TSDB_STATUS_LIMIT {
            return Err(ApiError::bad_data(format!(
                "limit must not exceed {MAX_TSDB_STATUS_LIMIT}"
            )));
        }
    }
    let admin = st
        .inner
        .admin
        .clone()
        .ok_or_else(|| ApiError::internal("storage statistics are not available"))?;
    let stats = blocking(move || {
        admin
            .stats(limit as usize)
            .map_err(|e| ApiError::internal(e.to_string()))
    })
    .await?;
    ApiReply::serde(&TsdbStatusData {
        head_stats: HeadStatsData {
            num_series: stats.head.num_series,
            num_label_pairs: stats.head.num_label_pairs,
            chunk_count: stats.head.chunk_count,
            min_time: stats.head.min_time,
            max_time: stats.head.max_time,
        },
        series_count_by_metric_name: stats_list(stats.series_count_by_metric_name),
        label_value_count_by_label_name: stats_list(stats.label_value_count_by_label_name),
        memory_in_bytes_by_label_name: stats_list(stats.memory_in_bytes_by_label_name),
        series_count_by_label_value_pair: stats_list(stats.series_count_by_label_value_pair),
    })
}

/// `GET /api/v1/status/walreplay`: promlite replays the WAL before it reports ready,
/// so once the API answers the replay is complete.
pub async fn walreplay(State(_st): State<ApiState>) -> ApiResult {
    Ok(ApiReply::raw(br#"{"min":0,"max":0,"current":0}"#.to_vec()))
}
