//! Error answers: status code, `errorType` and message for malformed requests, in
//! Prometheus's words.

use crate::fake_sources::*;
use crate::support::*;

/// `(path, params, status, errorType, message)`.
type ErrorCase = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    u16,
    &'static str,
    &'static str,
);

fn error_cases() -> Vec<ErrorCase> {
    vec![
        ("/api/v1/query", vec![("query", "up"), ("time", "abc")], 400, "bad_data",
         r#"invalid parameter "time": invalid time value for 'time': cannot parse "abc" to a valid timestamp"#),
        ("/api/v1/query", vec![("time", "1767218400.5")], 400, "bad_data",
         r#"invalid parameter "query": unknown position: parse error: no expression found in input"#),
        ("/api/v1/query", vec![("query", "up"), ("limit", "-1")], 400, "bad_data",
         r#"invalid parameter "limit": limit must be non-negative"#),
        ("/api/v1/query", vec![("query", "up"), ("limit", "ten")], 400, "bad_data",
         r#"invalid parameter "limit": strconv.Atoi: parsing "ten": invalid syntax"#),
        ("/api/v1/query", vec![("query", "up"), ("timeout", "soon")], 400, "bad_data",
         r#"invalid parameter "timeout": cannot parse "soon" to a valid duration"#),
        ("/api/v1/query", vec![("query", "up"), ("lookback_delta", "x")], 400, "bad_data",
         r#"error parsing lookback delta duration: cannot parse "x" to a valid duration"#),
        ("/api/v1/query", vec![("query", "up * on() count(up)")], 422, "execution",
         "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"),
        ("/api/v1/query", vec![("query", "timeout_error")], 503, "timeout",
         "query timed out in expression evaluation"),
        ("/api/v1/query_range", vec![("query", "up"), ("start", "1"), ("end", "2")], 400, "bad_data",
         r#"invalid parameter "step": cannot parse "" to a valid duration"#),
        ("/api/v1/query_range", vec![("query", "up"), ("start", "yesterday"), ("end", "2"), ("step", "60")], 400, "bad_data",
         r#"invalid parameter "start": cannot parse "yesterday" to a valid timestamp"#),
        ("/api/v1/query_range", vec![("query", "up"), ("start", "1"), ("end", "x"), ("step", "60")], 400, "bad_data",
         r#"invalid parameter "end": cannot parse "x" to a valid timestamp"#),
        ("/api/v1/query_range", vec![("query", "up"), ("start", "10"), ("end", "5"), ("step", "1")], 400, "bad_data",
         r#"invalid parameter "end": end timestamp must not be before start time"#),
        ("/api/v1/query_range", vec![("query", "up"), ("start", "1"), ("end", "2"), ("step", "0")], 400, "bad_data",
         r#"invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer"#),
        ("/api/v1/query_range", vec![("query", "up"), ("start", "1"), ("end", "2"), ("step", "-5s")], 400, "bad_data",
         r#"invalid parameter "step": cannot parse "-5s" to a valid duration"#),
        ("/api/v1/query_range", vec![("query", "up"), ("start", "1"), ("end", "2"), ("step", "-5")], 400, "bad_data",
         r#"invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer"#),
        ("/api/v1/query_range", vec![("query", "up"), ("start", "0"), ("end", "86400"), ("step", "7")], 400, "bad_data",
         "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"),
        ("/api/v1/query_range", vec![("query", "\"s\""), ("start", "0"), ("end", "60"), ("step", "15")], 400, "bad_data",
         r#"invalid parameter "query": invalid expression type "string" for range query, must be Scalar or instant Vector"#),
        ("/api/v1/series", vec![], 400, "bad_data", "no match[] parameter provided"),
        ("/api/v1/series", vec![("match[]", "up{")], 400, "bad_data",
         r#"invalid parameter "match[]": 1:4: parse error: unexpected end of input inside braces"#),
        ("/api/v1/series", vec![("match[]", r#"{job=~".*"}"#)], 400, "bad_data",
         r#"invalid parameter "match[]": match[] must contain at least one non-empty matcher"#),
        ("/api/v1/series", vec![("match[]", "up"), ("start", "abc")], 400, "bad_data",
         r#"invalid parameter "start": invalid time value for 'start': cannot parse "abc" to a valid timestamp"#),
        ("/api/v1/labels", vec![("match[]", r#"{__name__=~".*"}"#)], 400, "bad_data",
         "match[] must contain at least one non-empty matcher"),
        ("/api/v1/labels", vec![("end", "abc")], 400, "bad_data",
         r#"invalid parameter "end": invalid time value for 'end': cannot parse "abc" to a valid timestamp"#),
        ("/api/v1/label/job/values", vec![("match[]", "up{job=")], 400, "bad_data",
         "1:8: parse error: unexpected end of input inside braces"),
        ("/api/v1/label/job/values", vec![("limit", "x")], 400, "bad_data",
         r#"invalid parameter "limit": strconv.Atoi: parsing "x": invalid syntax"#),
        ("/api/v1/status/tsdb", vec![("limit", "0")], 400, "bad_data", "limit must be a positive number"),
        ("/api/v1/status/tsdb", vec![("limit", "10001")], 400, "bad_data", "limit must not exceed 10000"),
        ("/api/v1/metadata", vec![("limit", "x")], 400, "bad_data", "limit must be a number"),
        ("/api/v1/metadata", vec![("limit_per_metric", "x")], 400, "bad_data", "limit_per_metric must be a number"),
        ("/api/v1/targets/metadata", vec![("match_target", "{")], 400, "bad_data",
         r#"invalid parameter "match_target": 1:2: parse error: unexpected end of input inside braces"#),
        ("/api/v1/rules", vec![("exclude_alerts", "maybe")], 400, "bad_data",
         r#"invalid parameter "exclude_alerts": error converting exclude_alerts: strconv.ParseBool: parsing "maybe": invalid syntax"#),
        ("/api/v1/rules", vec![("group_next_token", "abc")], 400, "bad_data",
         r#"invalid parameter "group_next_token": group_limit needs to be present in order to paginate over the groups"#),
        ("/api/v1/rules", vec![("group_limit", "0")], 400, "bad_data",
         r#"invalid parameter "group_limit": group_limit needs to be greater than 0"#),
        ("/api/v1/query_exemplars", vec![("query", "up"), ("start", "10"), ("end", "5")], 400, "bad_data",
         "end timestamp must not be before start timestamp"),
    ]
}

#[tokio::test]
async fn malformed_requests_get_prometheus_errors() {
    let (app, _) = full_router();
    for (path, params, status, error_type, message) in error_cases() {
        for post_it in [false, true] {
            let a = if post_it
                && !path.contains("/label/")
                && !path.contains("/status/")
                && !path.contains("metadata")
                && !path.contains("rules")
            {
                post(&app, path, &params).await
            } else {
                get(&app, path, &params).await
            };
            assert_eq!(
                a.error_type(),
                (status, error_type.to_string()),
                "{path} {params:?}: {}",
                a.body
            );
            assert_eq!(a.error_message(), message, "{path} {params:?}");
            assert_eq!(a.content_type, "application/json");
        }
    }
}

#[tokio::test]
async fn admin_apis_are_unavailable_unless_enabled() {
    let app = fixture_router();
    for path in [
        "/api/v1/admin/tsdb/delete_series",
        "/api/v1/admin/tsdb/clean_tombstones",
        "/api/v1/admin/tsdb/snapshot",
    ] {
        let a = post(&app, path, &[("match[]", "up")]).await;
        assert_eq!(a.error_type(), (500, "unavailable".to_string()), "{path}");
        assert_eq!(a.error_message(), "admin APIs disabled");
        assert_eq!(
            method(&app, "GET", path).await.status.as_u16(),
            405,
            "{path}"
        );
    }
}

#[tokio::test]
async fn label_values_are_get_only_and_unknown_paths_404() {
    let app = fixture_router();
    assert_eq!(
        post(&app, "/api/v1/label/job/values", &[])
            .await
            .status
            .as_u16(),
        405
    );
    assert_eq!(
        method(&app, "DELETE", "/api/v1/query")
            .await
            .status
            .as_u16(),
        405
    );
    let a = get(&app, "/api/v1/nope", &[]).await;
    assert_eq!(a.status.as_u16(), 404);
    assert_eq!(a.body, "404 page not found\n");
    assert_eq!(get(&app, "/nope", &[]).await.status.as_u16(), 404);
}

#[tokio::test]
async fn a_bad_form_encoding_is_reported_where_prometheus_checks_it() {
    let app = fixture_router();
    let req = http::Request::get("/api/v1/series?match[]=up&x=%zz")
        .body(axum::body::Body::empty())
        .unwrap();
    let a = send(&app, req).await;
    assert_eq!(a.error_type(), (400, "bad_data".to_string()));
    assert!(
        a.error_message()
            .starts_with("error parsing form values: invalid URL escape"),
        "{}",
        a.body
    );
    // Handlers that only read single values ignore it, as Go's FormValue does.
    let req = http::Request::get("/api/v1/labels?x=%zz")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(send(&app, req).await.status.as_u16(), 200);
}
