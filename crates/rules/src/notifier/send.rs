//! Posting alerts to Alertmanagers: each `alertmanagers:` entry's HTTP client with its
//! auth and TLS settings (client certificates included), its target URLs from
//! `static_configs` and `file_sd_configs` (after the Alertmanager `relabel_configs`),
//! and the v2 API's JSON body.

use std::path::Path;
use std::time::Duration;

use promlite_config::{AlertmanagerConfig, TlsVersion};
use promlite_model::Labels;
use serde::Serialize;

use super::file_sd::{FileDiscovery, TargetGroup};
use super::NotifierAlert;
use crate::error::RulesError;
use crate::template::format_time_rfc3339_millis;

/// One Alertmanager to post to.
pub(crate) struct AlertmanagerClient {
    pub url: String,
    client: reqwest::Client,
    basic_auth: Option<(String, String)>,
    authorization: Option<String>,
}

fn read_secret_file(path: &std::path::Path) -> Result<String, RulesError> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| RulesError::Notifier(format!("unable to read {}: {e}", path.display())))
}

/// Go's `path.Join("/", prefix, "/api/v2/alerts")`.
fn alerts_path(prefix: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in prefix.split('/').chain("api/v2/alerts".split('/')) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// An inline PEM or the contents of a file; `None` when neither is set.
fn pem_from(inline: Option<&str>, file: Option<&Path>) -> Result<Option<Vec<u8>>, RulesError> {
    match (inline, file) {
        (Some(pem), _) => Ok(Some(pem.as_bytes().to_vec())),
        (None, Some(path)) => std::fs::read(path)
            .map(Some)
            .map_err(|e| RulesError::Notifier(format!("unable to read {}: {e}", path.display()))),
        _ => Ok(None),
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

/// The HTTP client of one `alertmanagers:` entry: timeout, redirects and TLS (CA,
/// client certificate and key, versions, verification).
fn build_http_client(am: &AlertmanagerConfig) -> Result<reqwest::Client, RulesError> {
    let http = &am.http_client;
    let tls = &http.tls_config;
    let mut builder = reqwest::Client::builder()
        .timeout(am.timeout)
        .connect_timeout(am.timeout.min(Duration::from_secs(30)))
        .danger_accept_invalid_certs(tls.insecure_skip_verify);
    if let Some(pem) = pem_from(tls.ca.as_deref(), tls.ca_file.as_deref())? {
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| RulesError::Notifier(format!("unable to use specified CA cert: {e}")))?;
        if certs.is_empty() {
            return Err(RulesError::Notifier(
                "unable to use specified CA cert: no certificates found".into(),
            ));
        }
        // As in Prometheus, a configured CA replaces the system roots.
        builder = builder.tls_built_in_root_certs(false);
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    let cert = pem_from(tls.cert.as_deref(), tls.cert_file.as_deref())?;
    let key = pem_from(
        tls.key.as_ref().map(|k| k.expose()),
        tls.key_file.as_deref(),
    )?;
    match (cert, key) {
        (Some(mut cert), Some(key)) => {
            cert.push(b'\n');
            cert.extend_from_slice(&key);
            let identity = reqwest::Identity::from_pem(&cert).map_err(|e| {
                RulesError::Notifier(format!("unable to use specified client cert and key: {e}"))
            })?;
            builder = builder.identity(identity);
        }
        (None, None) => {}
        _ => {
            return Err(RulesError::Notifier(
                "client cert and key must be configured together".into(),
            ))
        }
    }
    if let Some(v) = tls.min_version {
        builder = builder.min_tls_version(tls_version(v));
    }
    if let Some(v) = tls.max_version {
        builder = builder.max_tls_version(tls_version(v));
    }
    if tls.server_name.is_some() {
        tracing::warn!("tls_config.server_name is not supported for Alertmanagers; the target host name is used");
    }
    if !http.follow_redirects {
        builder = builder.redirect(reqwest::redirect::Policy::none());
    }
    builder
        .build()
        .map_err(|e| RulesError::Notifier(format!("building HTTP client: {e}")))
}

/// One `alertmanagers:` entry: its HTTP client and credentials, built once, and its
/// targets from `static_configs` and `file_sd_configs`.
pub(crate) struct AlertmanagerSet {
    config: AlertmanagerConfig,
    client: reqwest::Client,
    basic_auth: Option<(String, String)>,
    authorization: Option<String>,
    files: parking_lot::Mutex<FileDiscovery>,
}

impl AlertmanagerSet {
    pub(crate) fn new(am: &AlertmanagerConfig) -> Result<AlertmanagerSet, RulesError> {
        let http = &am.http_client;
        let client = build_http_client(am)?;
        let basic_auth = match &http.basic_auth {
            Some(b) => {
                let user = match &b.username_file {
                    Some(p) => read_secret_file(p)?,
                    None => b.username.clone(),
                };
                let pass = match (&b.password, &b.password_file) {
                    (Some(p), _) => p.expose().to_string(),
                    (None, Some(p)) => read_secret_file(p)?,
                    _ => String::new(),
                };
                Some((user, pass))
            }
            None => None,
        };
        let authorization = match &http.authorization {
            Some(a) => {
                let creds = match (&a.credentials, &a.credentials_file) {
                    (Some(c), _) => c.expose().to_string(),
                    (None, Some(p)) => read_secret_file(p)?,
                    _ => String::new(),
                };
                let kind = if a.auth_type.is_empty() {
                    "Bearer"
                } else {
                    a.auth_type.as_str()
                };
                Some(format!("{kind} {creds}"))
            }
            None => None,
        };
        let mut files = FileDiscovery::new(am.file_sd_configs.clone());
        files.refresh();
        Ok(AlertmanagerSet {
            config: am.clone(),
            client,
            basic_auth,
            authorization,
            files: parking_lot::Mutex::new(files),
        })
    }

    /// How often its target files are re-read (`None` without `file_sd_configs`).
    pub(crate) fn refresh_interval(&self) -> Option<Duration> {
        self.files.lock().refresh_interval()
    }

    /// Re-reads its target files.
    pub(crate) fn refresh_files(&self) {
        self.files.lock().refresh();
    }

    /// One client per target (after `relabel_configs`), without duplicate URLs.
    pub(crate) fn clients(&self) -> Vec<AlertmanagerClient> {
        let am = &self.config;
        let mut groups: Vec<TargetGroup> = am
            .static_configs
            .iter()
            .map(|sc| TargetGroup {
                targets: sc.targets.clone(),
                labels: sc
                    .labels
                    .iter()
                    .map(|l| (l.name.to_string(), l.value.to_string()))
                    .collect(),
            })
            .collect();
        groups.extend(self.files.lock().groups().cloned());
        let mut out: Vec<AlertmanagerClient> = Vec::new();
        for group in groups {
            for target in group.targets {
                let mut pairs = group.labels.clone();
                pairs.push(("__address__".into(), target));
                pairs.push(("__scheme__".into(), am.scheme.clone()));
                pairs.push(("__alerts_path__".into(), alerts_path(&am.path_prefix)));
                let labels = Labels::from_pairs(pairs);
                let Some(labels) = promlite_config::relabel::process(&labels, &am.relabel_configs)
                else {
                    continue;
                };
                let url = format!(
                    "{}://{}{}",
                    labels.get_or_empty("__scheme__"),
                    labels.get_or_empty("__address__"),
                    labels.get_or_empty("__alerts_path__")
                );
                if out.iter().any(|c| c.url == url) {
                    continue;
                }
                out.push(AlertmanagerClient {
                    url,
                    client: self.client.clone(),
                    basic_auth: self.basic_auth.clone(),
                    authorization: self.authorization.clone(),
                });
            }
        }
        out
    }
}

impl AlertmanagerClient {
    pub(crate) async fn post(&self, body: String) -> Result<(), String> {
        let mut req = self
            .client
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header(
                "User-Agent",
                concat!("promlite/", env!("CARGO_PKG_VERSION")),
            )
            .body(body);
        if let Some((u, p)) = &self.basic_auth {
            req = req.basic_auth(u, Some(p));
        }
        if let Some(a) = &self.authorization {
            req = req.header("Authorization", a);
        }
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("bad response status {status}"));
        }
        Ok(())
    }
}

#[derive(Serialize)]
struct PostableAlert<'a> {
    annotations: std::collections::BTreeMap<&'a str, &'a str>,
    #[serde(rename = "endsAt")]
    ends_at: String,
    #[serde(rename = "startsAt")]
    starts_at: String,
    #[serde(rename = "generatorURL")]
    generator_url: &'a str,
    labels: std::collections::BTreeMap<&'a str, &'a str>,
}

/// The Alertmanager v2 `POST /api/v2/alerts` body for `alerts`.
pub fn alerts_to_json(alerts: &[NotifierAlert]) -> String {
    let body: Vec<PostableAlert<'_>> = alerts
        .iter()
        .map(|a| PostableAlert {
            annotations: a
                .annotations
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            ends_at: format_time_rfc3339_millis(a.ends_at),
            starts_at: format_time_rfc3339_millis(a.starts_at),
            generator_url: &a.generator_url,
            labels: a.labels.iter().map(|l| (l.name, l.value)).collect(),
        })
        .collect();
    serde_json::to_string(&body).unwrap_or_else(|_| "[]".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_path_joins_like_go() {
        assert_eq!(alerts_path(""), "/api/v2/alerts");
        assert_eq!(alerts_path("/am/"), "/am/api/v2/alerts");
        assert_eq!(alerts_path("am"), "/am/api/v2/alerts");
    }

    #[test]
    fn json_body_has_prometheus_shape() {
        let a = NotifierAlert {
            labels: Labels::from_pairs([("alertname", "Down"), ("job", "api")]),
            annotations: vec![("summary".into(), "x".into())],
            starts_at: Some(1_700_000_000_123),
            ends_at: None,
            generator_url: "http://p/graph".into(),
        };
        assert_eq!(
            alerts_to_json(&[a]),
            r#"[{"annotations":{"summary":"x"},"endsAt":"0001-01-01T00:00:00.000Z","startsAt":"2023-11-14T22:13:20.123Z","generatorURL":"http://p/graph","labels":{"alertname":"Down","job":"api"}}]"#
        );
    }
}
