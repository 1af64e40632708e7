//! Golden responses: every endpoint's success shape (and a few error shapes), compared
//! byte for byte with `testdata/http/*.golden`. Rebless with `BLESS=1` and review.

use crate::fake_sources::*;
use crate::support::*;

/// `(golden name, method, path, params)`.
type Case = (
    &'static str,
    &'static str,
    &'static str,
    Vec<(&'static str, String)>,
);

fn t(ms: i64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    let mid = T0 + 3600 * 1000 + 500;
    vec![
        ("query_vector", "GET", "/api/v1/query", vec![("query", "up".into()), ("time", t(mid))]),
        ("query_vector_limit", "GET", "/api/v1/query", vec![("query", "up".into()), ("time", t(mid)), ("limit", "1".into())]),
        ("query_small_values", "POST", "/api/v1/query", vec![("query", "error_ratio".into()), ("time", t(mid))]),
        ("query_info_annotation", "GET", "/api/v1/query", vec![("query", "rate(error_ratio[5m])".into()), ("time", t(mid))]),
        ("query_warning_annotation", "GET", "/api/v1/query", vec![("query", "quantile(2, up)".into()), ("time", t(mid))]),
        ("query_range_vector", "GET", "/api/v1/query", vec![("query", "up{instance=\"db-0:9187\"}[1m]".into()), ("time", t(mid))]),
        ("query_range_of_range_vector", "GET", "/api/v1/query_range", vec![("query", "up[1m]".into()), ("start", t(mid)), ("end", t(mid + 60_000)), ("step", "60".into())]),
        ("format_query", "GET", "/api/v1/format_query", vec![("query", "sum(rate(x[5m]))by(job)".into())]),
        ("query_scalar", "GET", "/api/v1/query", vec![("query", "1e-7".into()), ("time", t(mid))]),
        ("query_string", "GET", "/api/v1/query", vec![("query", "\"a<b>\"".into()), ("time", "1767218400.5".into())]),
        ("query_escaping", "GET", "/api/v1/query", vec![( "query", "{__name__=~\"queue_depth|temperature_celsius\"}".into()), ("time", t(T0 + 60_000))]),
        ("query_rfc3339_time", "GET", "/api/v1/query", vec![("query", "up{job=\"db\"}".into()), ("time", "2025-12-31T22:00:00.5Z".into())]),
        ("query_range_matrix", "POST", "/api/v1/query_range", vec![("query", "http_requests_total{code=\"500\"}".into()), ("start", t(mid)), ("end", t(mid + 120_000)), ("step", "60".into())]),
        ("query_range_scalar", "GET", "/api/v1/query_range", vec![("query", "2.5".into()), ("start", t(mid)), ("end", t(mid + 60_000)), ("step", "30s".into())]),
        ("query_range_staleness", "GET", "/api/v1/query_range", vec![("query", "queue_depth".into()), ("start", t(T0 + 699 * STEP_MS)), ("end", t(T0 + 702 * STEP_MS)), ("step", "15".into())]),
        ("query_parse_error", "GET", "/api/v1/query", vec![("query", "up{".into())]),
        ("query_range_too_many_points", "GET", "/api/v1/query_range", vec![("query", "up".into()), ("start", "0".into()), ("end", "11001".into()), ("step", "1".into())]),
        ("series_up", "GET", "/api/v1/series", vec![("match[]", "up".into())]),
        ("series_two_matches", "POST", "/api/v1/series", vec![("match[]", "up{job=\"db\"}".into()), ( "match[]", "{__name__=~\"http_request_duration.*\",le=\"1.0\"}".into()), ("match[]", "up{job=\"db\"}".into())]),
        ("series_limit", "GET", "/api/v1/series", vec![("match[]", "up".into()), ("limit", "2".into())]),
        ("series_time_range", "GET", "/api/v1/series", vec![("match[]", "batch_tasks_processed_total".into()), ("start", t(T0 + 2 * 3600 * 1000)), ("end", t(T_END))]),
        ("series_no_match", "GET", "/api/v1/series", vec![]),
        ("labels_all", "GET", "/api/v1/labels", vec![]),
        ("labels_match", "POST", "/api/v1/labels", vec![("match[]", "temperature_celsius".into())]),
        ("labels_limit", "GET", "/api/v1/labels", vec![("limit", "3".into())]),
        ("label_values_name", "GET", "/api/v1/label/__name__/values", vec![]),
        ("label_values_match", "GET", "/api/v1/label/instance/values", vec![("match[]", "up{job=\"api\"}".into())]),
        ("label_values_utf8", "GET", "/api/v1/label/location/values", vec![]),
        ("label_values_escaped_name", "GET", "/api/v1/label/U__le/values", vec![]),
        ("label_values_empty", "GET", "/api/v1/label/nonexistent/values", vec![]),
        ("query_exemplars", "GET", "/api/v1/query_exemplars", vec![("query", "up".into())]),
        ("targets", "GET", "/api/v1/targets", vec![]),
        ("targets_active", "GET", "/api/v1/targets", vec![("state", "active".into())]),
        ("targets_dropped_pool", "GET", "/api/v1/targets", vec![("state", "Dropped".into()), ("scrapePool", "node".into())]),
        ("targets_metadata", "GET", "/api/v1/targets/metadata", vec![("match_target", "{job=\"api\"}".into())]),
        ("targets_metadata_metric", "GET", "/api/v1/targets/metadata", vec![("metric", "up".into())]),
        ("metadata", "GET", "/api/v1/metadata", vec![]),
        ("metadata_limit", "GET", "/api/v1/metadata", vec![("limit", "1".into())]),
        ("scrape_pools", "GET", "/api/v1/scrape_pools", vec![]),
        ("rules", "GET", "/api/v1/rules", vec![]),
        ("rules_record", "GET", "/api/v1/rules", vec![("type", "record".into())]),
        ("rules_exclude_alerts", "GET", "/api/v1/rules", vec![("type", "alert".into()), ("exclude_alerts", "true".into())]),
        ("rules_bad_type", "GET", "/api/v1/rules", vec![("type", "recording".into())]),
        ("alerts", "GET", "/api/v1/alerts", vec![]),
        ("alertmanagers", "GET", "/api/v1/alertmanagers", vec![]),
        ("status_buildinfo", "GET", "/api/v1/status/buildinfo", vec![]),
        ("status_config", "GET", "/api/v1/status/config", vec![]),
        ("status_flags", "GET", "/api/v1/status/flags", vec![]),
        ("status_runtimeinfo", "GET", "/api/v1/status/runtimeinfo", vec![]),
        ("status_tsdb", "GET", "/api/v1/status/tsdb", vec![("limit", "3".into())]),
        ("federate", "GET", "/federate", vec![("match[]", "up".into()), ("match[]", "{__name__=~\"temp.*\"}".into())]),
        ("healthy", "GET", "/-/healthy", vec![]),
        ("ready", "GET", "/-/ready", vec![]),
        ("metrics", "GET", "/metrics", vec![]),
        ("not_found", "GET", "/api/v2/nothing", vec![]),
    ]
}

#[tokio::test]
async fn responses_match_golden_files() {
    let (app, _sources) = full_router();
    for (name, method, path, params) in cases() {
        // /metrics includes request timings; a fresh server has none yet.
        let app = if name == "metrics" {
            full_router().0
        } else {
            app.clone()
        };
        let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = match method {
            "GET" => get(&app, path, &pairs).await,
            _ => post(&app, path, &pairs).await,
        };
        let request = format!("{method} {path} {}", form_string(&pairs));
        check_golden(name, request.trim_end(), &answer);
    }
}
