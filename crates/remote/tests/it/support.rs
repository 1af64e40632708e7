//! Test helpers: a fake remote write server that records requests and answers with a
//! script of status codes, and config builders.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use parking_lot::Mutex;
use promlite_config::{Config, RemoteWriteConfig};
use promlite_remote::prompb::WriteRequest;
use promlite_remote::{decode_write_request, RemoteWriteManager};

/// One request the fake remote received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub request: WriteRequest,
}

impl Recorded {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Number of float samples in the request.
    pub fn sample_count(&self) -> usize {
        self.request
            .timeseries
            .iter()
            .map(|t| t.samples.len())
            .sum()
    }
}

#[derive(Default)]
struct FakeState {
    script: VecDeque<u16>,
    /// How long each request takes to answer (a slow remote).
    delay: Duration,
    requests: Vec<Recorded>,
}

/// A remote write endpoint on 127.0.0.1 that records every request and answers with the
/// next scripted status (204 once the script is used up).
#[derive(Clone)]
pub struct FakeRemote {
    pub url: String,
    state: Arc<Mutex<FakeState>>,
}

async fn record(
    State(state): State<Arc<Mutex<FakeState>>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, HeaderMap, String) {
    let delay = state.lock().delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let request = match decode_write_request(&body) {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_REQUEST, HeaderMap::new(), e.to_string()),
    };
    let mut s = state.lock();
    s.requests.push(Recorded {
        headers,
        body: body.to_vec(),
        request,
    });
    let code = s.script.pop_front().unwrap_or(204);
    let mut out = HeaderMap::new();
    if code == 429 {
        out.insert("retry-after", "0".parse().expect("static header"));
    }
    (
        StatusCode::from_u16(code).expect("valid scripted status"),
        out,
        format!("scripted {code}"),
    )
}

impl FakeRemote {
    pub async fn start(script: &[u16]) -> FakeRemote {
        FakeRemote::start_slow(script, Duration::ZERO).await
    }

    /// Like `start`, answering each request only after `delay`.
    pub async fn start_slow(script: &[u16], delay: Duration) -> FakeRemote {
        let state = Arc::new(Mutex::new(FakeState {
            script: script.iter().copied().collect(),
            delay,
            requests: Vec::new(),
        }));
        let app = Router::new()
            .route("/api/v1/write", post(record))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeRemote {
            url: format!("http://{addr}/api/v1/write"),
            state,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().requests.clone()
    }

    pub fn total_samples(&self) -> usize {
        self.state
            .lock()
            .requests
            .iter()
            .map(|r| r.sample_count())
            .sum()
    }

    /// Waits (up to 10 s) until `pred` holds for the recorded requests.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&[Recorded]) -> bool) {
        wait_until(what, || pred(&self.state.lock().requests)).await;
    }
}

/// Polls `cond` every 10 ms for up to 10 s; panics naming `what` if it never holds.
pub async fn wait_until(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..1000 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Loads a whole `prometheus.yml`.
pub fn config(yaml: &str) -> Config {
    Config::from_yaml_str(yaml, ".").unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

/// One `remote_write` entry for `url` with `extra` YAML lines (indented by 4) added.
pub fn remote(url: &str, extra: &str) -> RemoteWriteConfig {
    let yaml = format!("remote_write:\n  - url: {url}\n{extra}");
    config(&yaml).remote_write.remove(0)
}

/// Fast test timings: small deadline and backoff.
pub const FAST_QUEUE: &str = "    queue_config:\n      batch_send_deadline: 50ms\n      min_backoff: 10ms\n      max_backoff: 20ms\n";

/// A manager running on the current runtime with the system clock.
pub fn manager() -> Arc<RemoteWriteManager> {
    Arc::new(
        RemoteWriteManager::new(
            tokio::runtime::Handle::current(),
            Arc::new(promlite_model::SystemClock),
        )
        .with_flush_deadline(Duration::from_secs(5)),
    )
}

/// Picks a free TCP port on 127.0.0.1 for an external server.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

/// Labels from pairs, for brevity.
pub fn labels(pairs: &[(&str, &str)]) -> promlite_model::Labels {
    promlite_model::Labels::from_pairs(pairs.iter().copied())
}
