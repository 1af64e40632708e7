//! A scrape target served by the test itself: a std `TcpListener` on 127.0.0.1 whose
//! answer per path the test sets (and changes) while promlite scrapes it; optional gzip;
//! `stop()` closes the port so scrapes fail with "connection refused".

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the target answers on one path.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// gzip the body when the request accepts it.
    pub gzip: bool,
    /// Wait this long before answering (a slow target).
    pub delay: Option<Duration>,
}

impl Reply {
    /// A text-format 0.0.4 body.
    pub fn text(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            content_type: "text/plain; version=0.0.4; charset=utf-8".into(),
            body: body.into(),
            gzip: false,
            delay: None,
        }
    }

    pub fn gzipped(mut self) -> Reply {
        self.gzip = true;
        self
    }
}

/// Computes a reply per request (e.g. counters that grow with every scrape).
pub type Responder = Arc<dyn Fn() -> Reply + Send + Sync>;

#[derive(Default)]
struct Shared {
    replies: Mutex<HashMap<String, Reply>>,
    responders: Mutex<HashMap<String, Responder>>,
    gzip_sent: AtomicU64,
    stop: AtomicBool,
}

/// The running target; dropping it stops it.
pub struct TargetServer {
    /// `127.0.0.1:<port>`.
    pub addr: String,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl TargetServer {
    pub fn start() -> TargetServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind target");
        let addr = listener.local_addr().expect("addr").to_string();
        let shared = Arc::new(Shared::default());
        let thread = std::thread::spawn({
            let shared = shared.clone();
            move || accept_loop(listener, shared)
        });
        TargetServer {
            addr,
            shared,
            thread: Some(thread),
        }
    }

    /// Sets the answer for `path` (e.g. `/metrics`).
    pub fn set(&self, path: &str, reply: Reply) {
        self.shared
            .replies
            .lock()
            .expect("replies lock")
            .insert(path.to_string(), reply);
    }

    /// Answers `path` with whatever `responder` returns at each request.
    pub fn set_responder(&self, path: &str, responder: Responder) {
        self.shared
            .responders
            .lock()
            .expect("responders lock")
            .insert(path.to_string(), responder);
    }

    /// Responses sent gzip-encoded so far.
    pub fn gzip_responses(&self) -> u64 {
        self.shared.gzip_sent.load(Ordering::SeqCst)
    }

    /// Closes the port: later connections are refused.
    pub fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag and drops the listener.
        let _ = TcpStream::connect(&self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for TargetServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(conn) = conn else { continue };
        let shared = shared.clone();
        std::thread::spawn(move || {
            let _ = serve_one(conn, &shared);
        });
    }
}

fn serve_one(mut conn: TcpStream, shared: &Shared) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head
        .split(' ')
        .nth(1)
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap_or("/")
        .to_string();
    let accepts_gzip = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("accept-encoding:") && l.contains("gzip")
    });
    let responder = shared
        .responders
        .lock()
        .expect("responders lock")
        .get(&path)
        .cloned();
    let fixed = shared
        .replies
        .lock()
        .expect("replies lock")
        .get(&path)
        .cloned();
    let reply = responder.map(|r| r()).or(fixed).unwrap_or(Reply {
        status: 404,
        ..Reply::text("not found\n")
    });
    if let Some(d) = reply.delay {
        std::thread::sleep(d);
    }
    let mut body = reply.body;
    let mut extra = String::new();
    if reply.gzip && accepts_gzip {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&body)?;
        body = enc.finish()?;
        extra.push_str("Content-Encoding: gzip\r\n");
        shared.gzip_sent.fetch_add(1, Ordering::SeqCst);
    }
    let head = format!(
        "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        reply.status,
        reply.content_type,
        body.len()
    );
    conn.write_all(head.as_bytes())?;
    conn.write_all(&body)?;
    conn.flush()
}
