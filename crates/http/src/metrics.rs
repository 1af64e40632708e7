//! Self-instrumentation of the HTTP server with Prometheus's metric names
//! (`prometheus_http_requests_total`, `prometheus_http_request_duration_seconds`), so
//! dashboards built for Prometheus itself keep working. `/metrics` appends them to what
//! the binary's `MetricsSource` renders.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::json::format_go_g;
use crate::state::ApiState;

/// Prometheus's buckets for `prometheus_http_request_duration_seconds`.
const DURATION_BUCKETS: [f64; 9] = [0.1, 0.2, 0.4, 1.0, 3.0, 8.0, 20.0, 60.0, 120.0];

#[derive(Debug, Default, Clone)]
struct DurationHistogram {
    /// Cumulative counts per bucket of `DURATION_BUCKETS`.
    buckets: [u64; DURATION_BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: BTreeMap<(String, u16), u64>,
    durations: BTreeMap<String, DurationHistogram>,
}

/// Request counters and latency histograms per handler.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    inner: Mutex<Counters>,
}

impl HttpMetrics {
    pub fn new() -> HttpMetrics {
        HttpMetrics::default()
    }

    /// Records one finished request.
    pub fn observe(&self, handler: &str, code: u16, seconds: f64) {
        let mut c = match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *c.requests.entry((handler.to_string(), code)).or_default() += 1;
        let h = c.durations.entry(handler.to_string()).or_default();
        for (i, le) in DURATION_BUCKETS.iter().enumerate() {
            if seconds <= *le {
                h.buckets[i] += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// The metrics in the text exposition format.
    pub fn render(&self) -> String {
        let c = match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut out = String::with_capacity(256 + c.durations.len() * 1024);
        out.push_str("# HELP prometheus_http_requests_total Counter of HTTP requests.\n");
        out.push_str("# TYPE prometheus_http_requests_total counter\n");
        for ((handler, code), n) in &c.requests {
            out.push_str(&format!(
                "prometheus_http_requests_total{{code=\"{code}\",handler=\"{handler}\"}} {n}\n"
            ));
        }
        out.push_str(
            "# HELP prometheus_http_request_duration_seconds Histogram of latencies for HTTP requests.\n",
        );
        out.push_str("# TYPE prometheus_http_request_duration_seconds histogram\n");
        for (handler, h) in &c.durations {
            for (le, n) in DURATION_BUCKETS.iter().zip(h.buckets) {
                out.push_str(&format!(
                    "prometheus_http_request_duration_seconds_bucket{{handler=\"{handler}\",le=\"{}\"}} {n}\n",
                    format_go_g(*le)
                ));
            }
            out.push_str(&format!(
                "prometheus_http_request_duration_seconds_bucket{{handler=\"{handler}\",le=\"+Inf\"}} {}\n",
                h.count
            ));
            out.push_str(&format!(
                "prometheus_http_request_duration_seconds_sum{{handler=\"{handler}\"}} {}\n",
                format_go_g(h.sum)
            ));
            out.push_str(&format!(
                "prometheus_http_request_duration_seconds_count{{handler=\"{handler}\"}} {}\n",
                h.count
            ));
        }
        out
    }
}

/// The handler label Prometheus uses: its router's path syntax (`/api/v1/label/:name/values`).
fn handler_label(matched: &str) -> String {
    matched
        .split('/')
        .map(|seg| {
            if let Some(inner) = seg.strip_prefix("{*").and_then(|s| s.strip_suffix('}')) {
                format!("*{inner}")
            } else if let Some(inner) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                format!(":{inner}")
            } else {
                seg.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Middleware (as a route layer, so the matched route is known) that counts requests
/// and times them until the response head is ready.
pub async fn instrument(State(st): State<ApiState>, req: Request, next: Next) -> Response {
    let handler = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| handler_label(m.as_str()));
    let started = Instant::now();
    let resp = next.run(req).await;
    if let Some(handler) = handler {
        st.inner.http_metrics.observe(
            &handler,
            resp.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_prometheus_route_syntax() {
        assert_eq!(
            handler_label("/api/v1/label/{name}/values"),
            "/api/v1/label/:name/values"
        );
        assert_eq!(handler_label("/api/v1/{*path}"), "/api/v1/*path");
        assert_eq!(handler_label("/-/ready"), "/-/ready");
    }

    #[test]
    fn renders_counters_and_histograms() {
        let m = HttpMetrics::new();
        m.observe("/api/v1/query", 200, 0.05);
        m.observe("/api/v1/query", 200, 0.5);
        m.observe("/api/v1/query", 400, 0.01);
        let text = m.render();
        assert!(text.contains(
            "prometheus_http_requests_total{code=\"200\",handler=\"/api/v1/query\"} 2\n"
        ));
        assert!(text.contains(
            "prometheus_http_requests_total{code=\"400\",handler=\"/api/v1/query\"} 1\n"
        ));
        assert!(text.contains(
            "prometheus_http_request_duration_seconds_bucket{handler=\"/api/v1/query\",le=\"0.1\"} 2\n"
        ));
        assert!(text.contains(
            "prometheus_http_request_duration_seconds_bucket{handler=\"/api/v1/query\",le=\"1\"} 3\n"
        ));
        assert!(text.contains(
            "prometheus_http_request_duration_seconds_count{handler=\"/api/v1/query\"} 3\n"
        ));
    }
}
