//! `WriteClient`: one remote's HTTP client, built from its `remote_write` entry
//! (timeout, headers, basic auth / authorization, TLS, redirects, HTTP/2), and the
//! classification of answers into sent, recoverable and non-recoverable.

use std::path::Path;
use std::time::Duration;

use promlite_config::{HttpClientConfig, RemoteWriteConfig, TlsVersion};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::RemoteError;

/// `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("promlite/", env!("CARGO_PKG_VERSION"));

/// `X-Prometheus-Remote-Write-Version` of remote write 1.0.
pub const REMOTE_WRITE_VERSION_HEADER_VALUE: &str = "0.1.0";

/// How much of an error response's body goes into the log line.
const MAX_ERROR_BODY_BYTES: usize = 1024;

/// Why a request did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SendError {
    /// 5xx, 429 when `retry_on_http_429`, or a network error: try again after a backoff
    /// (or the server's `Retry-After`).
    Recoverable {
        message: String,
        retry_after: Option<Duration>,
    },
    /// Anything else (4xx): the batch is dropped and counted as failed.
    NonRecoverable { message: String },
}

/// Reads a secret from a file on each request, as Prometheus does, so rotated
/// credentials are picked up without a reload.
fn read_secret_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| format!("unable to read {}: {e}", path.display()))
}

/// A remote's HTTP client.
#[derive(Debug, Clone)]
pub(crate) struct WriteClient {
    http: reqwest::Client,
    url: reqwest::Url,
    config: HttpClientConfig,
    retry_on_http_429: bool,
}

fn tls_version(v: TlsVersion) -> reqwest::tls::Version {
    match v {
        TlsVersion::Tls10 => reqwest::tls::Version::TLS_1_0,
        TlsVersion::Tls11 => reqwest::tls::Version::TLS_1_1,
        TlsVersion::Tls12 => reqwest::tls::Version::TLS_1_2,
        TlsVersion::Tls13 => reqwest::tls::Version::TLS_1_3,
    }
}

fn read_pem(inline: Option<&str>, file: Option<&Path>) -> Result<Option<Vec<u8>>, String> {
    match (inline, file) {
        (Some(text), _) => Ok(Some(text.as_bytes().to_vec())),
        (None, Some(path)) => std::fs::read(path)
            .map(Some)
            .map_err(|e| format!("unable to read {}: {e}", path.display())),
        (None, None) => Ok(None),
    }
}

fn build_http_client(cfg: &RemoteWriteConfig) -> Result<reqwest::Client, String> {
    let http = &cfg.http_client;
    let mut headers = HeaderMap::new();
    for (name, value) in &cfg.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?;
        let value = HeaderValue::from_str(value).map_err(|e| e.to_string())?;
        headers.insert(name, value);
    }
    let mut b = reqwest::Client::builder()
        // Prometheus ignores HTTP_PROXY and friends unless told otherwise; so do we.
        .no_proxy()
        .user_agent(USER_AGENT)
        .default_headers(headers)
        .timeout(cfg.remote_timeout)
        .connect_timeout(cfg.remote_timeout)
        .redirect(if http.follow_redirects {
            reqwest::redirect::Policy::limited(10)
        } else {
            reqwest::redirect::Policy::none()
        });
    if !http.enable_http2 {
        b = b.http1_only();
    }
    let tls = &http.tls_config;
    if let Some(ca) = read_pem(tls.ca.as_deref(), tls.ca_file.as_deref())? {
        for cert in reqwest::Certificate::from_pem_bundle(&ca).map_err(|e| e.to_string())? {
            b = b.add_root_certificate(cert);
        }
    }
    let cert = read_pem(tls.cert.as_deref(), tls.cert_file.as_deref())?;
    let key = read_pem(
        tls.key.as_ref().map(|k| k.expose()),
        tls.key_file.as_deref(),
    )?;
    if let (Some(mut cert), Some(key)) = (cert, key) {
        cert.push(b'\n');
        cert.extend_from_slice(&key);
        b = b.identity(reqwest::Identity::from_pem(&cert).map_err(|e| e.to_string())?);
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
    b.build().map_err(|e| e.to_string())
}

/// `Retry-After` as delay seconds (the HTTP-date form is ignored: it needs the wall clock).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    text.trim().parse::<u64>().ok().map(Duration::from_secs)
}

impl WriteClient {
    pub fn new(cfg: &RemoteWriteConfig, remote_name: &str) -> Result<WriteClient, RemoteError> {
        let config_error = |message: String| RemoteError::Config {
            remote: remote_name.to_string(),
            message,
        };
        let url = reqwest::Url::parse(&cfg.url)
            .map_err(|e| config_error(format!("invalid url {}: {e}", cfg.url)))?;
        if cfg.http_client.tls_config.server_name.is_some() {
            tracing::warn!(remote_name, "tls_config.server_name is not supported by promlite's remote write client and is ignored");
        }
        Ok(WriteClient {
            http: build_http_client(cfg).map_err(config_error)?,
            url,
            config: cfg.http_client.clone(),
            retry_on_http_429: cfg.queue_config.retry_on_http_429,
        })
    }

    fn with_auth(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, SendError> {
        let to_err = |message: String| SendError::Recoverable {
            message,
            retry_after: None,
        };
        if let Some(basic) = &self.config.basic_auth {
            let user = match &basic.username_file {
                Some(p) => read_secret_file(p).map_err(to_err)?,
                None => basic.username.clone(),
            };
            let password = match (&basic.password, &basic.password_file) {
                (Some(p), _) => Some(p.expose().to_string()),
                (None, Some(f)) => Some(read_secret_file(f).map_err(to_err)?),
                (None, None) => None,
            };
            return Ok(req.basic_auth(user, password));
        }
        if let Some(auth) = &self.config.authorization {
            let credentials = match (&auth.credentials, &auth.credentials_file) {
                (Some(c), _) => c.expose().to_string(),
                (None, Some(f)) => read_secret_file(f).map_err(to_err)?,
                (None, None) => String::new(),
            };
            let value = HeaderValue::from_str(&format!("{} {}", auth.auth_type, credentials))
                .map_err(|e| to_err(format!("invalid authorization header: {e}")))?;
            return Ok(req.header(reqwest::header::AUTHORIZATION, value));
        }
        Ok(req)
    }

    /// Posts one snappy-compressed body (samples or metadata).
    pub async fn store(&self, body: Vec<u8>) -> Result<(), SendError> {
        let req = self
            .http
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_ENCODING, "snappy")
            .header(reqwest::header::CONTENT_TYPE, "application/x-protobuf")
            .header(
                "X-Prometheus-Remote-Write-Version",
                REMOTE_WRITE_VERSION_HEADER_VALUE,
            )
            .body(body);
        let req = self.with_auth(req)?;
        let resp = req.send().await.map_err(|e| SendError::Recoverable {
            message: e.to_string(),
            retry_after: None,
        })?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let headers = resp.headers().clone();
        let body = resp.bytes().await.unwrap_or_default();
        let snippet = String::from_utf8_lossy(body.get(..MAX_ERROR_BODY_BYTES).unwrap_or(&body));
        let first_line = snippet.lines().next().unwrap_or("");
        let message = format!("server returned HTTP status {status}: {first_line}");
        if status.is_server_error()
            || (status == reqwest::StatusCode::TOO_MANY_REQUESTS && self.retry_on_http_429)
        {
            return Err(SendError::Recoverable {
                message,
                retry_after: retry_after(&headers),
            });
        }
        Err(SendError::NonRecoverable { message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_delay_seconds() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn bad_tls_material_is_a_config_error() {
        let mut cfg = crate::sender::tests_support::remote_write_config("http://127.0.0.1:1/w");
        cfg.http_client.tls_config.ca_file = Some("/nonexistent/ca.pem".into());
        let e = WriteClient::new(&cfg, "r").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("remote write r: unable to read /nonexistent/ca.pem"),
            "{e}"
        );
        let mut cfg = crate::sender::tests_support::remote_write_config("not a url");
        cfg.http_client = HttpClientConfig::default();
        assert!(WriteClient::new(&cfg, "r").is_err());
    }
}
