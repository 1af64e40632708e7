//! Posting alerts to one Alertmanager: the target URL from `static_configs` (after the
//! Alertmanager `relabel_configs`), the HTTP client with its auth and TLS settings, and
//! the v2 API's JSON body.

use std::time::Duration;

use promlite_config::AlertmanagerConfig;
use promlite_model::Labels;
use serde::Serialize;

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

impl AlertmanagerClient {
    /// The clients for every target of one `alertmanagers:` entry.
    pub(crate) fn from_config(
        am: &AlertmanagerConfig,
    ) -> Result<Vec<AlertmanagerClient>, RulesError> {
        let http = &am.http_client;
        let mut builder = reqwest::Client::builder()
            .timeout(am.timeout)
            .connect_timeout(am.timeout.min(Duration::from_secs(30)))
            .danger_accept_invalid_certs(http.tls_config.insecure_skip_verify);
        let ca = match (&http.tls_config.ca, &http.tls_config.ca_file) {
            (Some(pem), _) => Some(pem.as_bytes().to_vec()),
            (None, Some(path)) => Some(read_secret_file(path)?.into_bytes()),
            _ => None,
        };
        if let Some(pem) = ca {
            let cert = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| RulesError::Notifier(format!("unable to use CA: {e}")))?;
            builder = builder.add_root_certificate(cert);
        }
        if !http.follow_redirects {
            builder = builder.redirect(reqwest::redirect::Policy::none());
        }
        let client = builder
            .build()
            .map_err(|e| RulesError::Notifier(format!("building HTTP client: {e}")))?;
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
        let mut out = Vec::new();
        for sc in &am.static_configs {
            for target in &sc.targets {
                let mut pairs: Vec<(String, String)> = sc
                    .labels
                    .iter()
                    .map(|l| (l.name.to_string(), l.value.to_string()))
                    .collect();
                pairs.push(("__address__".into(), target.clone()));
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
                out.push(AlertmanagerClient {
                    url,
                    client: client.clone(),
                    basic_auth: basic_auth.clone(),
                    authorization: authorization.clone(),
                });
            }
        }
        Ok(out)
    }

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
