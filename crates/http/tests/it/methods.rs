//! GET and POST give the same answers; POST bodies take precedence over the query
//! string like Go's `FormValue`; gzip, CORS and OPTIONS behave like Prometheus.

use std::io::Read;

use axum::body::Body;
use http::Request;

use crate::support::*;

#[tokio::test]
async fn get_and_post_answer_the_same() {
    let app = fixture_router();
    let mid = format!("{}", (T0 + 3_600_000) / 1000);
    let end = format!("{}", (T0 + 3_900_000) / 1000);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/api/v1/query", vec![("query", "up"), ("time", &mid)]),
        (
            "/api/v1/query_range",
            vec![
                ("query", "up"),
                ("start", &mid),
                ("end", &end),
                ("step", "60"),
            ],
        ),
        (
            "/api/v1/series",
            vec![("match[]", "up"), ("match[]", "error_ratio")],
        ),
        ("/api/v1/labels", vec![("match[]", "up")]),
        ("/api/v1/query", vec![("query", "up{"), ("time", &mid)]),
        ("/api/v1/query_exemplars", vec![("query", "up")]),
    ];
    for (path, params) in cases {
        let g = get(&app, path, &params).await;
        let p = post(&app, path, &params).await;
        assert_eq!(g.status, p.status, "{path}");
        assert_eq!(g.body, p.body, "{path}");
    }
}

#[tokio::test]
async fn post_body_wins_over_query_string_and_match_lists_merge() {
    let app = fixture_router();
    let req = Request::post("/api/v1/series?match[]=error_ratio&limit=5")
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body(Body::from("match[]=up%7Bjob%3D%22db%22%7D&limit=1"))
        .unwrap();
    let a = send(&app, req).await;
    let j = a.json();
    // Both match[] count; the body's limit=1 wins.
    assert_eq!(j["data"].as_array().unwrap().len(), 1, "{}", a.body);
    assert_eq!(j["warnings"][0], "results truncated due to limit");
    // A body with another content type is not a form (Go ignores it too).
    let req = Request::post("/api/v1/series?match[]=error_ratio")
        .header(http::header::CONTENT_TYPE, "text/plain")
        .body(Body::from("match[]=up"))
        .unwrap();
    let j = send(&app, req).await.json();
    assert_eq!(j["data"].as_array().unwrap().len(), 1);
    assert_eq!(j["data"][0]["__name__"], "error_ratio");
}

#[tokio::test]
async fn time_defaults_to_the_clock() {
    let app = fixture_router();
    let j = get(&app, "/api/v1/query", &[("query", "up")]).await.json();
    assert_eq!(
        j["data"]["result"][0]["value"][0].as_f64(),
        Some(T_END as f64 / 1000.0)
    );
}

#[tokio::test]
async fn responses_are_gzipped_when_accepted() {
    let app = fixture_router();
    let req = Request::get("/api/v1/series?match[]=up")
        .header(http::header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(app.clone(), req).await.unwrap();
    assert_eq!(resp.headers()[http::header::CONTENT_ENCODING], "gzip");
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    let plain = get(&app, "/api/v1/series", &[("match[]", "up")]).await;
    assert_eq!(text, plain.body);
    assert!(plain.headers.get(http::header::CONTENT_ENCODING).is_none());
}

#[tokio::test]
async fn cors_and_options() {
    let app = fixture_router();
    let req = Request::get("/api/v1/labels")
        .header(http::header::ORIGIN, "https://grafana.example")
        .body(Body::empty())
        .unwrap();
    let a = send(&app, req).await;
    assert_eq!(a.headers[http::header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert_eq!(
        a.headers[http::header::ACCESS_CONTROL_ALLOW_METHODS],
        "GET, POST, OPTIONS"
    );
    assert_eq!(a.headers[http::header::VARY], "Origin");
    let a = method(&app, "OPTIONS", "/api/v1/query").await;
    assert_eq!(a.status.as_u16(), 204);
    let a = method(&app, "OPTIONS", "/api/v1/anything/else").await;
    assert_eq!(a.status.as_u16(), 204);

    let restricted = promlite_http::router(
        fixture_builder()
            .cors_origin(Some(
                regex::Regex::new("^(?:https://ok\\.example)$").unwrap(),
            ))
            .build(),
    );
    for (origin, allowed) in [
        ("https://ok.example", true),
        ("https://evil.example", false),
    ] {
        let req = Request::get("/api/v1/labels")
            .header(http::header::ORIGIN, origin)
            .body(Body::empty())
            .unwrap();
        let a = send(&restricted, req).await;
        assert_eq!(
            a.headers
                .get(http::header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_some(),
            allowed,
            "{origin}"
        );
    }
}

#[tokio::test]
async fn big_form_bodies_are_accepted_up_to_go_s_limit() {
    let app = fixture_router();
    // A 3 MiB query (a long `or` chain padded with a comment) is fine for Prometheus.
    let query = format!("up # {}\n", "x".repeat(3 << 20));
    let a = post(&app, "/api/v1/query", &[("query", &query)]).await;
    assert_eq!(
        a.status.as_u16(),
        200,
        "{}",
        &a.body[..a.body.len().min(200)]
    );
    let huge = "y".repeat(11 << 20);
    let a = post(&app, "/api/v1/query", &[("query", &huge)]).await;
    assert_eq!(a.error_type(), (400, "bad_data".to_string()));
    assert_eq!(
        a.error_message(),
        "error parsing form values: http: POST too large"
    );
}
