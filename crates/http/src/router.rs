//! `router`: Prometheus's URL space on axum, with the readiness gate, CORS headers and
//! gzip compression where Prometheus has them.

use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, on, MethodFilter, MethodRouter};
use axum::Router;
use http::{header, HeaderValue, StatusCode};
use tower_http::compression::CompressionLayer;

use crate::handlers::{admin, federate, lifecycle, query, rules, series, status, targets};
use crate::state::ApiState;

async fn not_found() -> Response {
    let mut r = (StatusCode::NOT_FOUND, "404 page not found\n").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn method_not_allowed() -> Response {
    let mut r = (StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// `OPTIONS` on any API path: 204 with the CORS headers (added by the CORS layer).
async fn options() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// Prometheus's `SetCORS` for API responses.
async fn cors(State(st): State<ApiState>, req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    let Some(origin) = origin else {
        return resp;
    };
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Accept, Authorization, Content-Type, Origin"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Date"),
    );
    match &st.inner.cors_origin {
        None => {
            h.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
        }
        Some(re) => {
            if origin.to_str().is_ok_and(|o| re.is_match(o)) {
                h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            }
        }
    }
    resp
}

/// GET only (plus OPTIONS), 405 otherwise.
fn api_get<H, T>(h: H) -> MethodRouter<ApiState>
where
    H: Handler<T, ApiState>,
    T: 'static,
{
    get(h).options(options).fallback(method_not_allowed)
}

/// GET and POST (Grafana POSTs forms), plus OPTIONS.
fn api_get_post<H, T>(h: H) -> MethodRouter<ApiState>
where
    H: Handler<T, ApiState> + Clone,
    T: 'static,
{
    get(h.clone())
        .post(h)
        .options(options)
        .fallback(method_not_allowed)
}

/// POST and PUT (admin endpoints), plus OPTIONS.
fn api_post_put<H, T>(h: H) -> MethodRouter<ApiState>
where
    H: Handler<T, ApiState> + Clone,
    T: 'static,
{
    axum::routing::post(h.clone())
        .put(h)
        .options(options)
        .fallback(method_not_allowed)
}

/// The `/api/v1` routes, behind the readiness gate.
fn api_v1(state: &ApiState) -> Router<ApiState> {
    Router::new()
        .route("/query", api_get_post(query::instant_query))
        .route("/query_range", api_get_post(query::range_query))
        .route("/query_exemplars", api_get_post(query::query_exemplars))
        .route("/format_query", api_get_post(query::format_query))
        .route("/series", api_get_post(series::series))
        .route("/labels", api_get_post(series::label_names))
        .route("/label/{name}/values", api_get(series::label_values))
        .route("/metadata", api_get(targets::metadata))
        .route("/targets", api_get(targets::targets))
        .route("/targets/metadata", api_get(targets::targets_metadata))
        .route("/scrape_pools", api_get(targets::scrape_pools))
        .route("/alertmanagers", api_get(targets::alertmanagers))
        .route("/rules", api_get(rules::rules))
        .route("/alerts", api_get(rules::alerts))
        .route("/status/buildinfo", api_get(status::buildinfo))
        .route("/status/config", api_get(status::config))
        .route("/status/flags", api_get(status::flags))
        .route("/status/runtimeinfo", api_get(status::runtimeinfo))
        .route("/status/tsdb", api_get(status::tsdb))
        .route(
            "/admin/tsdb/delete_series",
            api_post_put(admin::delete_series),
        )
        .route(
            "/admin/tsdb/clean_tombstones",
            api_post_put(admin::clean_tombstones),
        )
        .route("/admin/tsdb/snapshot", api_post_put(admin::snapshot))
        .route(
            "/{*path}",
            on(MethodFilter::OPTIONS, options).fallback(not_found),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            lifecycle::require_ready,
        ))
        // The WAL replay status must answer while the server is still starting.
        .route("/status/walreplay", api_get(status::walreplay))
        .layer(middleware::from_fn_with_state(state.clone(), cors))
}

/// The whole HTTP surface: the Prometheus API under `/api/v1`, `/federate`,
/// `/metrics`, `/-/healthy`, `/-/ready`, `/-/reload`, `/-/quit`, `/version` and a
/// landing page at `/`. Responses are gzip-compressed when the client accepts it.
pub fn router(state: ApiState) -> Router {
    let gated = Router::new()
        .route(
            "/federate",
            get(federate::federate).fallback(method_not_allowed),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            lifecycle::require_ready,
        ));
    let reload = axum::routing::post(lifecycle::reload)
        .put(lifecycle::reload)
        .get(lifecycle::only_post_or_put)
        .fallback(method_not_allowed);
    let quit = axum::routing::post(lifecycle::quit)
        .put(lifecycle::quit)
        .get(lifecycle::only_post_or_put)
        .fallback(method_not_allowed);
    Router::new()
        .nest("/api/v1", api_v1(&state))
        .merge(gated)
        .route("/", get(lifecycle::landing_page))
        .route("/-/healthy", get(lifecycle::healthy))
        .route("/-/ready", get(lifecycle::ready))
        .route("/-/reload", reload)
        .route("/-/quit", quit)
        .route("/metrics", get(lifecycle::metrics))
        .route("/version", get(lifecycle::version))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::instrument,
        ))
        .fallback(not_found)
        .layer(CompressionLayer::new().gzip(true))
        .with_state(state)
}
