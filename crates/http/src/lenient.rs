//! `LenientListener`: accepts request lines the way Go's `net/http` does. hyper refuses
//! request targets with raw `"`, `<`, `>` or `` ` `` (answering an empty 400), yet
//! `curl 'http://host:9090/api/v1/query?query=up{job="api"}'` sends exactly that and
//! Prometheus answers it. This wrapper percent-encodes those bytes in each request
//! target before hyper parses it; the handlers decode them again, so they see what Go's
//! handlers see. Everything else (headers, bodies, responses) passes through unchanged.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Longest request line or header line the fixer follows; anything longer switches it
/// to pass-through (hyper then applies its own limits).
const MAX_LINE: usize = 64 * 1024;

/// Where the fixer is in the HTTP/1 byte stream.
#[derive(Debug, Clone, PartialEq)]
enum State {
    /// In the method, before the request target.
    Method { len: usize },
    /// In the request target: bytes here get encoded.
    Target,
    /// After the target, until the end of the request line.
    RestOfRequestLine,
    /// In the header block; `line` holds the current header line.
    Headers,
    /// In a body of known length.
    Body { remaining: u64 },
    /// Reading a chunk-size line of a chunked body.
    ChunkSize,
    /// Inside a chunk's data, then its CRLF.
    ChunkData { remaining: u64 },
    /// After the last chunk: trailer lines until an empty one.
    Trailers,
    /// Give up understanding the stream (upgrades, HTTP/2, oversized lines).
    PassThrough,
}

/// The byte-stream rewriter behind [`LenientIo`], usable on its own.
#[derive(Debug, Clone)]
pub struct RequestTargetFixer {
    state: State,
    line: Vec<u8>,
    method: Vec<u8>,
    content_length: u64,
    chunked: bool,
    upgrade: bool,
}

impl Default for RequestTargetFixer {
    fn default() -> Self {
        RequestTargetFixer {
            state: State::Method { len: 0 },
            line: Vec::new(),
            method: Vec::new(),
            content_length: 0,
            chunked: false,
            upgrade: false,
        }
    }
}

/// Bytes Go accepts in a request target but hyper rejects (or, for `#`, cuts off).
fn needs_encoding(b: u8) -> bool {
    matches!(b, b'"' | b'<' | b'>' | b'`' | b'#')
}

impl RequestTargetFixer {
    pub fn new() -> RequestTargetFixer {
        RequestTargetFixer::default()
    }

    /// Rewrites `input` (the next bytes read from the client) into `out`.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut i = 0;
        while i < input.len() {
            match &mut self.state {
                State::PassThrough => {
                    out.extend_from_slice(&input[i..]);
                    return;
                }
                State::Body { remaining } | State::ChunkData { remaining } if *remaining > 0 => {
                    let n = (*remaining).min((input.len() - i) as u64) as usize;
                    out.extend_from_slice(&input[i..i + n]);
                    *remaining -= n as u64;
                    i += n;
                    if *remaining == 0 && matches!(self.state, State::Body { .. }) {
                        self.next_request();
                    }
                }
                _ => {
                    self.byte(input[i], out);
                    i += 1;
                }
            }
        }
    }

    fn next_request(&mut self) {
        self.state = State::Method { len: 0 };
        self.method.clear();
        self.content_length = 0;
        self.chunked = false;
        self.upgrade = false;
    }

    fn byte(&mut self, b: u8, out: &mut Vec<u8>) {
        match self.state.clone() {
            State::Method { len } => {
                out.push(b);
                if b == b' ' && len > 0 {
                    if self.method == b"PRI" {
                        self.state = State::PassThrough; // HTTP/2 preface
                    } else {
                        self.state = State::Target;
                    }
                } else if b == b'\r' || b == b'\n' {
                    // Empty lines between requests are allowed; stay here.
                    if len > 0 {
                        self.state = State::PassThrough;
                    }
                } else if len >= MAX_LINE {
                    self.state = State::PassThrough;
                } else {
                    self.method.push(b);
                    self.state = State::Method { len: len + 1 };
                }
            }
            State::Target => {
                if needs_encoding(b) {
                    out.push(b'%');
                    out.push(b"0123456789ABCDEF"[(b >> 4) as usize]);
                    out.push(b"0123456789ABCDEF"[(b & 0xf) as usize]);
                } else {
                    out.push(b);
                    if b == b' ' {
                        self.state = State::RestOfRequestLine;
                    } else if b == b'\n' {
                        self.start_headers();
                    }
                }
            }
            State::RestOfRequestLine => {
                out.push(b);
                if b == b'\n' {
                    self.start_headers();
                }
            }
            State::Headers => {
                out.push(b);
                if b != b'\n' {
                    self.push_line_byte(b);
                    return;
                }
                let line = std::mem::take(&mut self.line);
                let line = trim_cr(&line);
                if line.is_empty() {
                    self.end_of_headers();
                } else {
                    self.header(line);
                }
            }
            State::ChunkSize => {
                out.push(b);
                if b != b'\n' {
                    self.push_line_byte(b);
                    return;
                }
                let line = std::mem::take(&mut self.line);
                let size_text = trim_cr(&line).split(|c| *c == b';').next().unwrap_or(&[]);
                let size = std::str::from_utf8(size_text)
                    .ok()
                    .and_then(|s| u64::from_str_radix(s.trim(), 16).ok());
                self.state = match size {
                    // The chunk's data and its trailing CRLF.
                    Some(0) => State::Trailers,
                    Some(n) => State::ChunkData {
                        remaining: n.saturating_add(2),
                    },
                    None => State::PassThrough,
                };
            }
            State::ChunkData { .. } => {
                // `feed` handles data; reaching here means the chunk is complete.
                self.state = State::ChunkSize;
                self.byte(b, out);
            }
            State::Trailers => {
                out.push(b);
                if b != b'\n' {
                    self.push_line_byte(b);
                    return;
                }
                let line = std::mem::take(&mut self.line);
                if trim_cr(&line).is_empty() {
                    self.next_request();
                }
            }
            State::Body { .. } => {
                // A zero-length remainder: the body is done, this byte starts a request.
                self.next_request();
                self.byte(b, out);
            }
            State::PassThrough => out.push(b),
        }
    }

    fn push_line_byte(&mut self, b: u8) {
        if self.line.len() >= MAX_LINE {
            self.state = State::PassThrough;
        } else {
            self.line.push(b);
        }
    }

    fn start_headers(&mut self) {
        self.state = State::Headers;
        self.line.clear();
    }

    fn header(&mut self, line: &[u8]) {
        let Some(colon) = line.iter().position(|c| *c == b':') else {
            return;
        };
        let name = String::from_utf8_lossy(&line[..colon])
            .trim()
            .to_ascii_lowercase();
        let value = String::from_utf8_lossy(&line[colon + 1..])
            .trim()
            .to_ascii_lowercase();
        match name.as_str() {
            "content-length" => match value.parse::<u64>() {
                Ok(n) => self.content_length = n,
                Err(_) => self.state = State::PassThrough,
            },
            "transfer-encoding" if value.contains("chunked") => self.chunked = true,
            "upgrade" => self.upgrade = true,
            _ => {}
        }
    }

    fn end_of_headers(&mut self) {
        if self.state == State::PassThrough {
            return;
        }
        self.state = if self.upgrade {
            State::PassThrough
        } else if self.chunked {
            State::ChunkSize
        } else if self.content_length > 0 {
            State::Body {
                remaining: self.content_length,
            }
        } else {
            self.next_request();
            return;
        };
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A connection whose incoming request targets are made acceptable to hyper.
#[derive(Debug)]
pub struct LenientIo<T> {
    inner: T,
    fixer: RequestTargetFixer,
    pending: Vec<u8>,
    pending_pos: usize,
    raw: Box<[u8]>,
}

impl<T> LenientIo<T> {
    pub fn new(inner: T) -> LenientIo<T> {
        LenientIo {
            inner,
            fixer: RequestTargetFixer::new(),
            pending: Vec::new(),
            pending_pos: 0,
            raw: vec![0u8; 16 * 1024].into_boxed_slice(),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for LenientIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        loop {
            if this.pending_pos < this.pending.len() {
                let n = buf.remaining().min(this.pending.len() - this.pending_pos);
                buf.put_slice(&this.pending[this.pending_pos..this.pending_pos + n]);
                this.pending_pos += n;
                if this.pending_pos == this.pending.len() {
                    this.pending.clear();
                    this.pending_pos = 0;
                }
                return Poll::Ready(Ok(()));
            }
            let mut raw = ReadBuf::new(&mut this.raw);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut raw))?;
            if raw.filled().is_empty() {
                return Poll::Ready(Ok(())); // end of stream
            }
            let filled = raw.filled().len();
            this.fixer.feed(&this.raw[..filled], &mut this.pending);
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for LenientIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A TCP listener for `axum::serve` whose connections go through [`LenientIo`]:
/// `axum::serve(LenientListener::new(tcp), router(state))`.
#[derive(Debug)]
pub struct LenientListener {
    inner: TcpListener,
}

impl LenientListener {
    pub fn new(inner: TcpListener) -> LenientListener {
        LenientListener { inner }
    }
}

impl axum::serve::Listener for LenientListener {
    type Io = LenientIo<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    return (LenientIo::new(stream), addr);
                }
                Err(e) => {
                    // Like axum's own listener: back off on resource exhaustion
                    // (EMFILE and friends) instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix_in_pieces(input: &[u8], piece: usize) -> Vec<u8> {
        let mut f = RequestTargetFixer::new();
        let mut out = Vec::new();
        for chunk in input.chunks(piece) {
            f.feed(chunk, &mut out);
        }
        out
    }

    #[test]
    fn encodes_only_request_targets() {
        let input = b"GET /api/v1/query?query=up{job=\"a<b>\"}#x HTTP/1.1\r\nHost: h\r\nX-Q: \"kept\"\r\n\r\n\
POST /api/v1/query HTTP/1.1\r\nContent-Length: 8\r\n\r\nq=\"x\" <y\
GET /?a=\"1\" HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\n\"\"\"\r\n0\r\nT: \"t\"\r\n\r\n\
GET /?b=\"2\" HTTP/1.1\r\n\r\n";
        let want = b"GET /api/v1/query?query=up{job=%22a%3Cb%3E%22}%23x HTTP/1.1\r\nHost: h\r\nX-Q: \"kept\"\r\n\r\n\
POST /api/v1/query HTTP/1.1\r\nContent-Length: 8\r\n\r\nq=\"x\" <y\
GET /?a=%221%22 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\n\"\"\"\r\n0\r\nT: \"t\"\r\n\r\n\
GET /?b=%222%22 HTTP/1.1\r\n\r\n";
        for piece in [1, 2, 3, 7, 64, 4096] {
            assert_eq!(
                String::from_utf8_lossy(&fix_in_pieces(input, piece)),
                String::from_utf8_lossy(want),
                "piece size {piece}"
            );
        }
    }

    #[test]
    fn upgrades_and_http2_pass_through() {
        let input = b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\nGET /?\"x\" HTTP/1.1\r\n";
        assert_eq!(fix_in_pieces(input, 5), input.to_vec());
        let h2 = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\"binary\"";
        assert_eq!(fix_in_pieces(h2, 3), h2.to_vec());
    }
}

#[cfg(test)]
mod never_panic {
    use super::*;

    proptest::proptest! {
        /// Any byte stream, cut anywhere, passes through without panics, and bytes
        /// outside request targets are never changed (output only grows by escapes).
        #[test]
        fn arbitrary_streams(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512), cut in 1usize..64) {
            let mut f = RequestTargetFixer::new();
            let mut out = Vec::new();
            for chunk in bytes.chunks(cut) {
                f.feed(chunk, &mut out);
            }
            proptest::prop_assert!(out.len() >= bytes.len());
            proptest::prop_assert_eq!((out.len() - bytes.len()) % 2, 0);
        }
    }
}
