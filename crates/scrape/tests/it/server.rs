//! A tiny HTTP/1.1 server on 127.0.0.1 for scrape tests: serves whatever body, status
//! and headers the test sets, optionally gzip-compressed or delayed, and records the
//! request headers it receives.

use std::collections::HashMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub gzip: bool,
    pub delay: Duration,
}

impl Reply {
    pub fn text(body: &str) -> Reply {
        Reply {
            status: 200,
            content_type: Some("text/plain; version=0.0.4; charset=utf-8".into()),
            body: body.as_bytes().to_vec(),
            gzip: false,
            delay: Duration::ZERO,
        }
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    reply: Arc<Mutex<Reply>>,
    requests: Arc<Mutex<Vec<HashMap<String, String>>>>,
}

impl TestServer {
    pub async fn start(reply: Reply) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let reply = Arc::new(Mutex::new(reply));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (r, q) = (reply.clone(), requests.clone());
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve_connection(sock, r.clone(), q.clone()));
            }
        });
        TestServer {
            addr,
            reply,
            requests,
        }
    }

    pub fn set(&self, reply: Reply) {
        *self.reply.lock() = reply;
    }

    pub fn requests(&self) -> Vec<HashMap<String, String>> {
        self.requests.lock().clone()
    }

    pub fn host(&self) -> String {
        self.addr.to_string()
    }
}

async fn serve_connection(
    mut sock: tokio::net::TcpStream,
    reply: Arc<Mutex<Reply>>,
    requests: Arc<Mutex<Vec<HashMap<String, String>>>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // Read one request head (scrapes are GETs without a body).
        let head_end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        buf.drain(..head_end);
        let mut headers = HashMap::new();
        for line in head.lines().skip(1) {
            if let Some((k, v)) = line.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        if let Some(first) = head.lines().next() {
            headers.insert(":request-line".into(), first.to_string());
        }
        requests.lock().push(headers);
        let r = reply.lock().clone();
        if !r.delay.is_zero() {
            tokio::time::sleep(r.delay).await;
        }
        let body = if r.gzip {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&r.body).unwrap();
            e.finish().unwrap()
        } else {
            r.body.clone()
        };
        let reason = match r.status {
            200 => "OK",
            404 => "Not Found",
            500 => "Internal Server Error",
            _ => "Status",
        };
        let mut out = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\n",
            r.status,
            body.len()
        );
        if let Some(ct) = &r.content_type {
            out.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        if r.gzip {
            out.push_str("Content-Encoding: gzip\r\n");
        }
        out.push_str("\r\n");
        if sock.write_all(out.as_bytes()).await.is_err() || sock.write_all(&body).await.is_err() {
            return;
        }
    }
}
