//! The HTTP side of a scrape: a `reqwest` client built from a job's `HttpClientConfig`
//! (basic auth, authorization, TLS, redirects, HTTP/2), the request Prometheus sends
//! (`Accept`, `Accept-Encoding`, `X-Prometheus-Scrape-Timeout-Seconds`), and reading the
//! response with gzip decoding and `body_size_limit`.

use std::io::Read;
use std::time::Duration;

use promlite_config::{HttpClientConfig, ScrapeConfig, Secret, TlsVersion};

use crate::exposition::accept_header;
use crate::ScrapeError;

/// The `User-Agent` scrapes carry.
pub const USER_AGENT: &str = concat!("promlite/", env!("CARGO_PKG_VERSION"));

/// A ready client for one scrape job.
#[derive(Clone)]
pub(crate) struct ScrapeClient {
    client: reqwest::Client,
    http: HttpClientConfig,
    accept: String,
    accept_encoding: &'static str,
    body_size_limit: u64,
}

/// A successful response body.
pub(crate) struct ScrapedBody {
    pub(crate) body: Vec<u8>,
    pub(crate) content_type: String,
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
            accept: accept_header(&cfg.scrape_protocols),
            accept_encoding: if cfg.enable_compression {
                "gzip"
            } else {
                "identity"
            },
            body_size_limit: cfg.body_size_limit,
        })
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

    /// GETs `url` within `timeout` and returns the decoded body.
    pub(crate) async fn scrape(
        &self,
        url: &str,
        timeout: Duration,
    ) -> Result<ScrapedBody, ScrapeError> {
        let req = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, &self.accept)
            .header(reqwest::header::ACCEPT_ENCODING, self.accept_encoding)
            .header("X-Prometheus-Scrape-Timeout-Seconds", go_seconds(timeout));
        let req = self.authorize(req)?;
        match tokio::time::timeout(timeout, self.fetch(req, url)).await {
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
        let mut raw: Vec<u8> = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| request_error(url, &e))? {
            raw.extend_from_slice(&chunk);
            if raw.len() as u64 >= raw_cap {
                return Err(ScrapeError::BodySizeLimitExceeded);
            }
        }
        if !gzip {
            return Ok(ScrapedBody {
                body: raw,
                content_type,
            });
        }
        let mut body = Vec::with_capacity(raw.len() * 4);
        let n = flate2::read::GzDecoder::new(&raw[..])
            .take(limit)
            .read_to_end(&mut body)
            .map_err(|e| ScrapeError::Http(format!("gzip: {e}")))?;
        if n as u64 >= limit {
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
