//! Plain-text endpoints outside the JSON API: `/-/healthy`, `/-/ready`, `/-/reload`,
//! `/-/quit`, `/metrics`, `/version` and the landing page, plus the readiness gate that
//! Prometheus puts in front of the API and `/federate`.

use std::sync::atomic::Ordering;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

use crate::state::{ApiState, ReadyState};

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    let mut r = (status, body.into()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// Prometheus's `testReady`: 503 "Service Unavailable" while starting or stopping.
fn not_ready_response(st: &ApiState) -> Option<Response> {
    let stopping = match st.inner.readiness.get() {
        ReadyState::Ready => return None,
        ReadyState::NotReady => "false",
        ReadyState::Stopping => "true",
    };
    let mut r = text(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable");
    r.headers_mut()
        .insert("X-Prometheus-Stopping", HeaderValue::from_static(stopping));
    Some(r)
}

/// Middleware: the API and `/federate` answer 503 until the server is ready.
pub async fn require_ready(State(st): State<ApiState>, req: Request, next: Next) -> Response {
    match not_ready_response(&st) {
        Some(r) => r,
        None => next.run(req).await,
    }
}

/// `GET|HEAD /-/healthy`.
pub async fn healthy(State(st): State<ApiState>) -> Response {
    text(
        StatusCode::OK,
        format!("{} is Healthy.\n", st.inner.app_name),
    )
}

/// `GET|HEAD /-/ready`: 503 while starting or stopping, and while the database refuses
/// writes after a failed fsync (with the reason).
pub async fn ready(State(st): State<ApiState>) -> Response {
    if let Some(r) = not_ready_response(&st) {
        return r;
    }
    if let Some(reason) = st.inner.health.as_ref().and_then(|h| h.poisoned()) {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Service Unavailable: {reason}\n"),
        );
    }
    text(StatusCode::OK, format!("{} is Ready.\n", st.inner.app_name))
}

fn lifecycle_disabled() -> Response {
    text(StatusCode::FORBIDDEN, "Lifecycle API is not enabled.")
}

/// `GET /-/reload` and `GET /-/quit`.
pub async fn only_post_or_put() -> Response {
    text(
        StatusCode::METHOD_NOT_ALLOWED,
        "Only POST or PUT requests allowed",
    )
}

/// `POST|PUT /-/reload`.
pub async fn reload(State(st): State<ApiState>) -> Response {
    if !st.inner.enable_lifecycle {
        return lifecycle_disabled();
    }
    let Some(lc) = st.inner.lifecycle.clone() else {
        return text(StatusCode::OK, "");
    };
    match tokio::task::spawn_blocking(move || lc.reload()).await {
        Ok(Ok(())) => text(StatusCode::OK, ""),
        Ok(Err(e)) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("failed to reload config: {e}\n"),
        ),
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("failed to reload config: {e}\n"),
        ),
    }
}

/// `POST|PUT /-/quit`.
pub async fn quit(State(st): State<ApiState>) -> Response {
    if !st.inner.enable_lifecycle {
        return lifecycle_disabled();
    }
    if st.inner.quit_requested.swap(true, Ordering::AcqRel) {
        return text(StatusCode::OK, "Termination already in progress.");
    }
    if let Some(lc) = &st.inner.lifecycle {
        lc.quit();
    }
    text(StatusCode::OK, "Requesting termination... Goodbye!")
}

/// `GET /metrics`: the server's own metrics in the text format, followed by the HTTP
/// request metrics this crate keeps.
pub async fn metrics(State(st): State<ApiState>) -> Response {
    let mut body = st
        .inner
        .metrics
        .as_ref()
        .map(|m| m.render())
        .unwrap_or_default();
    body.push_str(&st.inner.http_metrics.render());
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8; escaping=underscores"),
    );
    r
}

/// `GET /version`: the build information as plain JSON (Prometheus's `/version`).
pub async fn version(State(st): State<ApiState>) -> Response {
    match crate::json::to_go_json(&st.inner.build_info) {
        Ok(mut body) => {
            body.push(b'\n');
            let mut r = (StatusCode::OK, body).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("error encoding JSON: {e}"),
        ),
    }
}

/// `GET /`: a minimal page with a query form (Prometheus redirects to its UI; promlite
/// has no UI, so it serves this instead).
pub async fn landing_page() -> Html<&'static str> {
    Html(LANDING_PAGE)
}

const LANDING_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>promlite</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 60em; }
input[type=text] { width: 100%; font-family: monospace; padding: 0.3em; }
pre { background: #f4f4f4; padding: 1em; overflow: auto; }
</style>
</head>
<body>
<h1>promlite</h1>
<p>A Prometheus-compatible server. Point Grafana's Prometheus data source here.</p>
<form id="q" action="api/v1/query" method="get">
<p><input type="text" name="query" placeholder="PromQL expression, e.g. up" autofocus></p>
<p><button type="submit">Execute</button></p>
</form>
<pre id="out"></pre>
<ul>
<li><a href="api/v1/targets">targets</a></li>
<li><a href="api/v1/rules">rules</a></li>
<li><a href="api/v1/alerts">alerts</a></li>
<li><a href="api/v1/status/config">configuration</a></li>
<li><a href="api/v1/status/flags">flags</a></li>
<li><a href="api/v1/status/tsdb">TSDB status</a></li>
<li><a href="metrics">metrics</a></li>
</ul>
<script>
document.getElementById("q").addEventListener("submit", async (e) => {
  e.preventDefault();
  const params = new URLSearchParams(new FormData(e.target));
  const r = await fetch("api/v1/query", { method: "POST", body: params });
  document.getElementById("out").textContent = JSON.stringify(await r.json(), null, 2);
});
</script>
</body>
</html>
"#;
