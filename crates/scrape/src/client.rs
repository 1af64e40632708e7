//! The HTTP side of a scrape: a `reqwest` client built from a job's `HttpClientConfig`
//! (basic auth, authorization, TLS, redirects, HTTP/2), the request Prometheus sends
//! (`Accept`, `Accept-Encoding`, `X-Prometheus-Scrape-Timeout-Seconds`), and reading the
//! response with gzip decoding and `body_size_limit`. Body buffers come from a small
//! per-job pool, so a steady stream of scrapes does not allocate (and return to the
//! kernel) tens of KiB per scrape.

use std::io::Read;
use std::time::Duration;

use parking_lot::Mutex;

use promlite_config::{HttpClientConfig, ScrapeConfig, Secret, TlsVersion};

use crate::exposition::accept_header;
use crate::ScrapeError;

/// The `User-Agent` scrapes carry.
pub const USER_AGENT: &str = concat!("promlite/", env!("CARGO_PKG_VERSION"));

/// Buffers kept for reuse per job: about as many as scrapes run at once (one per
/// runtime worker), not one per target, so idle memory stays small.
const POOLED_BUFFERS: usize = 8;

/// A pooled buffer larger than this is freed instead of kept.
const MAX_POOLED_BUFFER_BYTES: usize = 16 << 20;

/// A ready client for one scrape job.
pub(crate) struct ScrapeClient {
    client: reqwest::Client,
    http: HttpClientConfig,
    accept: reqwest::header::HeaderValue,
    accept_encoding: reqwest::header::HeaderValue,
    body_size_limit: u64,
    buffers: Mutex<Vec<Vec<u8>>>,
}

/// A successful response body.
pub(crate) struct ScrapedBody {
    pub(crate) body: Vec<u8>,
    pub(crate) content_type: String,
}

/// A target's URL, parsed once for all its scrapes. Parsing it per request (with IDNA
/// host processing) cost about as much as parsing a small body.
#[derive(Clone, Debug)]
pub(crate) struct ScrapeUrl {
    text: String,
    parsed: Option<reqwest::Url>,
    /// `X-Prometheus-Scrape-Timeout-Seconds` for the target's timeout, formatted once.
    timeout_header: Option<reqwest::header::HeaderValue>,
}

/// The scrape timeout header's name (header names go out in lower case anyway).
const TIMEOUT_HEADER: &str = "x-prometheus-scrape-timeout-seconds";

impl ScrapeUrl {
    pub(crate) fn new(text: &str, timeout: Duration) -> ScrapeUrl {
        ScrapeUrl {
            text: text.to_string(),
            // An unparsable URL goes to reqwest as text, so it fails with reqwest's error.
            parsed: reqwest::Url::parse(text).ok(),
            timeout_header: reqwest::header::HeaderValue::from_str(&go_seconds(timeout)).ok(),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }
}

fn tls_version(v: TlsVersion) -> reqwest::tls::Version {
    match v {
        TlsVersion::Tls10 => reqwest::tls::Version::TLS_1_0,
        TlsVersion::Tls11 => reqwest::tls::Version::TLS_1_1,
        TlsVersion::Tls12 => reqwest::tls::Version::TLS_1_2,
        TlsVersion::Tls13 => reqwest::tls::Version::TLS_1_3,
    }
}

fn read_file(path: &std::path::Path, what: &str) -> Result<Vec<u8>, ScrapeError> {
    std::fs::read(path).map_err(|e| {
        ScrapeError::Config(format!(
            "unable to read {what} file {}: {e}",
            path.display()
        ))
    })
}

fn read_secret_file(path: &std::path::Path, what: &str) -> Result<String, ScrapeError> {
    let bytes = read_file(path, what)?;
    Ok(String::from_utf8_lossy(&bytes).trim().to_string())
}

impl ScrapeClient {
    pub(crate) fn new(cfg: &ScrapeConfig) -> Result<ScrapeClient, ScrapeError> {
        let http = &cfg.http_client;
        let tls = &http.tls_config;
        // Compression is negotiated and decoded here, so the size limit applies to the
        // decoded body, as in Prometheus.
        let mut b = reqwest::Client::builder()
            .no_gzip()
            .no_proxy()
            .user_agent(USER_AGENT)
            .use_rustls_tls();
        if !http.follow_redirects {
            b = b.redirect(reqwest::redirect::Policy::none());
        }
        if !http.enable_http2 {
            b = b.http1_only();
        }
        let ca = match (&tls.ca, &tls.ca_file) {
            (Some(pem), _) => Some(pem.as_bytes().to_vec()),
            (None, Some(path)) => Some(read_file(path, "CA")?),
            (None, None) => None,
        };
        if let Some(pem) = ca {
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                ScrapeError::Config(format!("unable to use specified CA cert: {e}"))
            })?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        let cert = match (&tls.cert, &tls.cert_file) {
            (Some(pem), _) => Some(pem.as_bytes().to_vec()),
            (None, Some(path)) => Some(read_file(path, "client certificate")?),
            (None, None) => None,
        };
        let key = match (&tls.key, &tls.key_file) {
            (Some(k), _) => Some(k.expose().as_bytes().to_vec()),
            (None, Some(path)) => Some(read_file(path, "client key")?),
            (None, None) => None,
        };
        if let (Some(mut cert), Some(key)) = (cert, key) {
            cert.push(b'\n');
            cert.extend_from_slice(&key);
            let id = reqwest::Identity::from_pem(&cert).map_err(|e| {
                ScrapeError::Config(format!("unable to use specified client cert: {e}"))
            })?;
            b = b.identity(id);
        }
        if tls.insecure_skip_verify {
            b = b.danger_accept_invalid_certs(true);
        }
        if let Some(v) = tls.min_version {
            b = b.min_tls_version(tls_version(v));
        }
        if let Some(v) = tls.max_version {
            b = b.max_tls_version(tls_version(v));
        }
        let client = b
            .build()
            .map_err(|e| ScrapeError::Config(format!("creating HTTP client: {e}")))?;
        Ok(ScrapeClient {
            client,
            http: http.clone(),
            accept: reqwest::header::HeaderValue::from_str(&accept_header(&cfg.scrape_protocols))
                .map_err(|e| ScrapeError::Config(format!("invalid Accept header: {e}")))?,
            accept_encoding: reqwest::header::HeaderValue::from_static(if cfg.enable_compression {
                "gzip"
            } else {
                "identity"
            }),
            body_size_limit: cfg.body_size_limit,
            buffers: Mutex::new(Vec::new()),
        })
    }

    /// An empty buffer from the pool (or a new one) with room for `hint` bytes.
    fn take_buffer(&self, hint: usize) -> Vec<u8> {
        let mut buf = self.buffers.lock().pop().unwrap_or_default();
        buf.clear();
        buf.reserve(hint);
        buf
    }

    /// Gives a body buffer back for later scrapes.
    pub(crate) fn recycle(&self, mut buf: Vec<u8>) {
        if buf.capacity() == 0 || buf.capacity() > MAX_POOLED_BUFFER_BYTES {
            return;
        }
        buf.clear();
        let mut pool = self.buffers.lock();
        if pool.len() < POOLED_BUFFERS {
            pool.push(buf);
        }
    }

    fn authorize(
        &self,
        mut req: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, ScrapeError> {
        if let Some(basic) = &self.http.basic_auth {
            let username = match &basic.username_file {
                Some(p) => read_secret_file(p, "basic auth username")?,
                None => basic.username.clone(),
            };
            let password = match (&basic.password, &basic.password_file) {
                (Some(p), _) => Some(p.expose().to_string()),
                (None, Some(path)) => Some(read_secret_file(path, "basic auth password")?),
                (None, None) => None,
            };
            req = req.basic_auth(username, password);
        }
        if let Some(auth) = &self.http.authorization {
            let credentials = match (&auth.credentials, &auth.credentials_file) {
                (Some(c), _) => c.expose().to_string(),
                (None, Some(path)) => read_secret_file(path, "authorization credentials")?,
                (None, None) => Secret::default().expose().to_string(),
            };
            let auth_type = if auth.auth_type.is_empty() {
                "Bearer"
            } else {
                auth.auth_type.as_str()
            };
            req = req.header(
                reqwest::header::AUTHORIZATION,
                format!("{auth_type} {credentials}"),
            );
        }
        Ok(req)
    }

    /// GETs `url` within `timeout` and returns the decoded body. `size_hint` is the
    /// size of the previous body, to allocate once.
    pub(crate) async fn scrape(
        &self,
        url: &ScrapeUrl,
        timeout: Duration,
        size_hint: usize,
    ) -> Result<ScrapedBody, ScrapeError> {
        let req = match &url.parsed {
            Some(parsed) => self.client.get(parsed.clone()),
            None => self.client.get(url.as_str()),
        };
        let req = req
            .header(reqwest::header::ACCEPT, self.accept.clone())
            .header(
                reqwest::header::ACCEPT_ENCODING,
                self.accept_encoding.clone(),
            );
        let req = match &url.timeout_header {
            Some(v) => req.header(
                reqwest::header::HeaderName::from_static(TIMEOUT_HEADER),
                v.clone(),
            ),
            None => req.header(TIMEOUT_HEADER, go_seconds(timeout)),
        };
        let url = url.as_str();
        let req = self.authorize(req)?;
        match tokio::time::timeout(timeout, self.fetch(req, url, size_hint)).await {
            Ok(r) => r,
            Err(_) => Err(ScrapeError::Http(format!(
                "Get \"{url}\": context deadline exceeded"
            ))),
        }
    }

    async fn fetch(
        &self,
        req: reqwest::RequestBuilder,
        url: &str,
        size_hint: usize,
    ) -> Result<ScrapedBody, ScrapeError> {
        let mut resp = req.send().await.map_err(|e| request_error(url, &e))?;
        let status = resp.status();
        if status != reqwest::StatusCode::OK {
            return Err(ScrapeError::Http(format!(
                "server returned HTTP status {} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )));
        }
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let gzip = header(reqwest::header::CONTENT_ENCODING) == "gzip";
        let limit = if self.body_size_limit == 0 {
            u64::MAX
        } else {
            self.body_size_limit
        };
        // A compressed body is capped too, so a hostile target cannot exhaust memory.
        let raw_cap = if gzip {
            limit.saturating_add(1 << 16)
        } else {
            limit
        };
        // Usually the whole (compressed) body arrives as one chunk: then it is decoded
        // straight from there, without a copy.
        let mut first = None;
        let mut raw: Vec<u8> = Vec::new();
        let mut received: u64 = 0;
        while let Some(chunk) = resp.chunk().await.map_err(|e| request_error(url, &e))? {
            received += chunk.len() as u64;
            if received >= raw_cap {
                self.recycle(raw);
                return Err(ScrapeError::BodySizeLimitExceeded);
            }
            if first.is_none() && raw.is_empty() {
                first = Some(chunk);
                continue;
            }
            if let Some(f) = first.take() {
                let expected = resp.content_length().unwrap_or(0).min(raw_cap) as usize;
                raw = self.take_buffer(expected.max(size_hint).max(f.len() + chunk.len()));
                raw.extend_from_slice(&f);
            }
            raw.extend_from_slice(&chunk);
        }
        let raw_bytes: &[u8] = match &first {
            Some(f) => f,
            None => &raw,
        };
        if !gzip {
            if first.is_some() {
                let mut body = self.take_buffer(raw_bytes.len());
                body.extend_from_slice(raw_bytes);
                return Ok(ScrapedBody { body, content_type });
            }
            return Ok(ScrapedBody {
                body: raw,
                content_type,
            });
        }
        let mut body = self.take_buffer(size_hint.max(raw_bytes.len() * 4));
        let decoded = flate2::bufread::GzDecoder::new(raw_bytes)
            .take(limit)
            .read_to_end(&mut body);
        self.recycle(raw);
        let n = match decoded {
            Ok(n) => n,
            Err(e) => {
                self.recycle(body);
                return Err(ScrapeError::Http(format!("gzip: {e}")));
            }
        };
        if n as u64 >= limit {
            self.recycle(body);
            return Err(ScrapeError::BodySizeLimitExceeded);
        }
        Ok(ScrapedBody { body, content_type })
    }
}

/// Go's `strconv.FormatFloat(seconds, 'f', -1, 64)` for a timeout.
pub(crate) fn go_seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    let text = format!("{s}");
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

/// `Get "url": <innermost cause>`, the shape of Go's client errors.
fn request_error(url: &str, e: &reqwest::Error) -> ScrapeError {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    ScrapeError::Http(format!("Get \"{url}\": {cause}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_header_matches_go_formatting() {
        assert_eq!(go_seconds(Duration::from_secs(10)), "10");
        assert_eq!(go_seconds(Duration::from_millis(2500)), "2.5");
    }
}
