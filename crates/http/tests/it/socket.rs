//! Over a real loopback socket: request targets with raw `"`, `<`, `>` (as curl sends
//! `query=up{job="api"}`) are answered like Prometheus does, not refused by hyper.

use std::time::Duration;

use promlite_http::LenientListener;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

async fn raw_exchange(addr: std::net::SocketAddr, request: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(request.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .expect("answer in time")
        .expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn unencoded_quotes_in_queries_are_accepted() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = fixture_router();
    let server = tokio::spawn(async move {
        let _ = axum::serve(LenientListener::new(listener), app).await;
    });
    let t = (T0 + 3_600_000) / 1000;
    // Two keep-alive requests, the first with a form body, the second with raw quotes.
    let body = "query=up{job=\"db\"}";
    let request = format!(
        "POST /api/v1/query?time={t} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}\
         GET /api/v1/query?query=up{{job=\"api\",instance=~\"api-0.*\"}}&time={t} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let answer = raw_exchange(addr, &request).await;
    assert_eq!(answer.matches("HTTP/1.1 200 OK").count(), 2, "{answer}");
    assert!(answer.contains(r#""instance":"db-0:9187""#), "{answer}");
    assert!(answer.contains(r#""instance":"api-0:8080""#), "{answer}");
    assert!(!answer.contains("api-1:8080"), "{answer}");
    server.abort();
}
