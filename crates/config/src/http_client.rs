//! The HTTP client settings Prometheus inlines into scrape, Alertmanager and remote
//! read/write sections: `basic_auth`, `authorization`, legacy `bearer_token(_file)`,
//! `tls_config`, `follow_redirects`, `enable_http2`.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::yaml::fields::{Fields, Result};
use crate::yaml::Node;
use crate::ConfigError;

/// A credential. `Debug` and the rendered config show `<secret>`, as Prometheus does.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The credential itself, for the code that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

/// `basic_auth`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BasicAuth {
    pub username: String,
    pub username_file: Option<PathBuf>,
    pub password: Option<Secret>,
    pub password_file: Option<PathBuf>,
}

/// `authorization` (and the legacy `bearer_token` / `bearer_token_file`, which Prometheus
/// turns into an `authorization` of type `Bearer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The scheme, `Bearer` unless set.
    pub auth_type: String,
    pub credentials: Option<Secret>,
    pub credentials_file: Option<PathBuf>,
}

/// TLS protocol versions accepted in `min_version` / `max_version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl TlsVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            TlsVersion::Tls10 => "TLS10",
            TlsVersion::Tls11 => "TLS11",
            TlsVersion::Tls12 => "TLS12",
            TlsVersion::Tls13 => "TLS13",
        }
    }

    fn parse(text: &str) -> Option<TlsVersion> {
        [
            TlsVersion::Tls10,
            TlsVersion::Tls11,
            TlsVersion::Tls12,
            TlsVersion::Tls13,
        ]
        .into_iter()
        .find(|v| v.as_str() == text)
    }
}

/// `tls_config`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsConfig {
    /// Inline CA certificate (PEM).
    pub ca: Option<String>,
    pub ca_file: Option<PathBuf>,
    /// Inline client certificate (PEM).
    pub cert: Option<String>,
    pub cert_file: Option<PathBuf>,
    /// Inline client key (PEM).
    pub key: Option<Secret>,
    pub key_file: Option<PathBuf>,
    pub server_name: Option<String>,
    pub insecure_skip_verify: bool,
    pub min_version: Option<TlsVersion>,
    pub max_version: Option<TlsVersion>,
}

/// The inlined HTTP client settings. Defaults follow Prometheus: redirects followed,
/// HTTP/2 enabled (remote write turns HTTP/2 off by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpClientConfig {
    pub basic_auth: Option<BasicAuth>,
    pub authorization: Option<Authorization>,
    pub tls_config: TlsConfig,
    pub follow_redirects: bool,
    pub enable_http2: bool,
}

impl Default for HttpClientConfig {
    fn default() -> Self {
        HttpClientConfig {
            basic_auth: None,
            authorization: None,
            tls_config: TlsConfig::default(),
            follow_redirects: true,
            enable_http2: true,
        }
    }
}

/// Joins a relative file name with the config file's directory, as Prometheus does for
/// every `*_file` setting.
pub(crate) fn join_dir(base_dir: &Path, file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() || file.is_empty() {
        p.to_path_buf()
    } else {
        base_dir.join(p)
    }
}

fn opt_path(fields: &mut Fields<'_>, key: &str, base_dir: &Path) -> Result<Option<PathBuf>> {
    Ok(fields
        .string(key)?
        .filter(|s| !s.is_empty())
        .map(|s| join_dir(base_dir, &s)))
}

fn opt_nonempty(fields: &mut Fields<'_>, key: &str) -> Result<Option<String>> {
    Ok(fields.string(key)?.filter(|s| !s.is_empty()))
}

impl HttpClientConfig {
    /// Reads the inlined HTTP client fields out of `fields` (the owner's mapping) and
    /// validates them as Prometheus's `HTTPClientConfig.Validate` does.
    pub(crate) fn take_from(
        fields: &mut Fields<'_>,
        defaults: HttpClientConfig,
        base_dir: &Path,
    ) -> Result<HttpClientConfig> {
        let line = Some(fields.line);
        let mut cfg = defaults;
        if let Some(n) = fields.get("basic_auth") {
            cfg.basic_auth = Some(parse_basic_auth(n, base_dir)?);
        }
        let mut authorization = match fields.get("authorization") {
            Some(n) => Some(parse_authorization(n, base_dir)?),
            None => None,
        };
        let bearer_token = opt_nonempty(fields, "bearer_token")?;
        let bearer_token_file = opt_path(fields, "bearer_token_file", base_dir)?;
        if let Some(n) = fields.get("tls_config") {
            cfg.tls_config = parse_tls_config(n, base_dir)?;
        }
        if let Some(v) = fields.bool("follow_redirects")? {
            cfg.follow_redirects = v;
        }
        if let Some(v) = fields.bool("enable_http2")? {
            cfg.enable_http2 = v;
        }

        if bearer_token.is_some() && bearer_token_file.is_some() {
            return Err(ConfigError::invalid(
                "at most one of bearer_token & bearer_token_file must be configured",
                line,
            ));
        }
        let has_bearer = bearer_token.is_some() || bearer_token_file.is_some();
        if cfg.basic_auth.is_some() && has_bearer {
            return Err(ConfigError::invalid(
                "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured",
                line,
            ));
        }
        if let Some(b) = &cfg.basic_auth {
            if !b.username.is_empty() && b.username_file.is_some() {
                return Err(ConfigError::invalid(
                    "at most one of basic_auth username, username_file & username_ref must be configured",
                    line,
                ));
            }
            if b.password.is_some() && b.password_file.is_some() {
                return Err(ConfigError::invalid(
                    "at most one of basic_auth password, password_file & password_ref must be configured",
                    line,
                ));
            }
        }
        match &mut authorization {
            Some(a) => {
                if has_bearer {
                    return Err(ConfigError::invalid(
                        "authorization is not compatible with bearer_token & bearer_token_file",
                        line,
                    ));
                }
                if a.credentials.is_some() && a.credentials_file.is_some() {
                    return Err(ConfigError::invalid(
                        "at most one of authorization credentials & credentials_file must be configured",
                        line,
                    ));
                }
                a.auth_type = a.auth_type.trim().to_string();
                if a.auth_type.is_empty() {
                    a.auth_type = "Bearer".to_string();
                }
                if a.auth_type.eq_ignore_ascii_case("basic") {
                    return Err(ConfigError::invalid(
                        r#"authorization type cannot be set to "basic", use "basic_auth" instead"#,
                        line,
                    ));
                }
                if cfg.basic_auth.is_some() {
                    return Err(ConfigError::invalid(
                        "at most one of basic_auth, oauth2 & authorization must be configured",
                        line,
                    ));
                }
            }
            None if has_bearer => {
                authorization = Some(Authorization {
                    auth_type: "Bearer".to_string(),
                    credentials: bearer_token.map(Secret::new),
                    credentials_file: bearer_token_file,
                });
            }
            None => {}
        }
        cfg.authorization = authorization;
        Ok(cfg)
    }
}

fn parse_basic_auth(node: &Node, base_dir: &Path) -> Result<BasicAuth> {
    let mut f = Fields::of(node, "config.BasicAuth")?;
    let auth = BasicAuth {
        username: f.string("username")?.unwrap_or_default(),
        username_file: opt_path(&mut f, "username_file", base_dir)?,
        password: opt_nonempty(&mut f, "password")?.map(Secret::new),
        password_file: opt_path(&mut f, "password_file", base_dir)?,
    };
    f.finish()?;
    Ok(auth)
}

fn parse_authorization(node: &Node, base_dir: &Path) -> Result<Authorization> {
    let mut f = Fields::of(node, "config.Authorization")?;
    let auth = Authorization {
        auth_type: f.string("type")?.unwrap_or_default(),
        credentials: opt_nonempty(&mut f, "credentials")?.map(Secret::new),
        credentials_file: opt_path(&mut f, "credentials_file", base_dir)?,
    };
    f.finish()?;
    Ok(auth)
}

fn parse_tls_version(f: &mut Fields<'_>, key: &str) -> Result<Option<TlsVersion>> {
    match f.get(key) {
        None => Ok(None),
        Some(n) => {
            let text = crate::yaml::fields::as_string(n)?;
            TlsVersion::parse(&text).map(Some).ok_or_else(|| {
                ConfigError::invalid(format!("unknown TLS version: {text}"), Some(n.line))
            })
        }
    }
}

fn parse_tls_config(node: &Node, base_dir: &Path) -> Result<TlsConfig> {
    let mut f = Fields::of(node, "config.TLSConfig")?;
    let line = Some(f.line);
    let tls = TlsConfig {
        ca: opt_nonempty(&mut f, "ca")?,
        ca_file: opt_path(&mut f, "ca_file", base_dir)?,
        cert: opt_nonempty(&mut f, "cert")?,
        cert_file: opt_path(&mut f, "cert_file", base_dir)?,
        key: opt_nonempty(&mut f, "key")?.map(Secret::new),
        key_file: opt_path(&mut f, "key_file", base_dir)?,
        server_name: opt_nonempty(&mut f, "server_name")?,
        insecure_skip_verify: f.bool("insecure_skip_verify")?.unwrap_or(false),
        min_version: parse_tls_version(&mut f, "min_version")?,
        max_version: parse_tls_version(&mut f, "max_version")?,
    };
    f.finish()?;
    if tls.ca.is_some() && tls.ca_file.is_some() {
        return Err(ConfigError::invalid(
            "at most one of ca, ca_file & ca_ref must be configured",
            line,
        ));
    }
    if tls.cert.is_some() && tls.cert_file.is_some() {
        return Err(ConfigError::invalid(
            "at most one of cert, cert_file & cert_ref must be configured",
            line,
        ));
    }
    if tls.key.is_some() && tls.key_file.is_some() {
        return Err(ConfigError::invalid(
            "at most one of key and key_file must be configured",
            line,
        ));
    }
    let using_cert = tls.cert.is_some() || tls.cert_file.is_some();
    let using_key = tls.key.is_some() || tls.key_file.is_some();
    if using_cert && !using_key {
        return Err(ConfigError::invalid(
            "exactly one of key or key_file must be configured when a client certificate is configured",
            line,
        ));
    }
    if using_key && !using_cert {
        return Err(ConfigError::invalid(
            "exactly one of cert or cert_file must be configured when a client key is configured",
            line,
        ));
    }
    if let (Some(min), Some(max)) = (tls.min_version, tls.max_version) {
        if max < min {
            return Err(ConfigError::invalid(
                "tls_config.max_version must be greater than or equal to tls_config.min_version if both are specified",
                line,
            ));
        }
    }
    Ok(tls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    fn client(text: &str) -> Result<HttpClientConfig> {
        let doc = parse(text).unwrap().unwrap();
        let mut f = Fields::of(&doc, "config.ScrapeConfig")?;
        let c = HttpClientConfig::take_from(
            &mut f,
            HttpClientConfig::default(),
            Path::new("/etc/prom"),
        )?;
        f.finish()?;
        Ok(c)
    }

    #[test]
    fn bearer_token_becomes_authorization() {
        let c = client("bearer_token_file: token\n").unwrap();
        let a = c.authorization.unwrap();
        assert_eq!(a.auth_type, "Bearer");
        assert_eq!(a.credentials_file, Some(PathBuf::from("/etc/prom/token")));
    }

    #[test]
    fn conflicting_auth_is_refused() {
        let e = client("basic_auth: {username: u}\nbearer_token: t\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured (line 1)"
        );
        let e = client("authorization: {type: Basic, credentials: x}\n").unwrap_err();
        assert!(e.to_string().contains(r#"cannot be set to "basic""#), "{e}");
    }

    #[test]
    fn tls_settings_are_read_and_checked() {
        let c = client(
            "tls_config:\n  ca_file: ca.pem\n  insecure_skip_verify: true\n  min_version: TLS12\n",
        )
        .unwrap();
        assert_eq!(
            c.tls_config.ca_file,
            Some(PathBuf::from("/etc/prom/ca.pem"))
        );
        assert!(c.tls_config.insecure_skip_verify);
        assert_eq!(c.tls_config.min_version, Some(TlsVersion::Tls12));
        let e = client("tls_config:\n  cert_file: c.pem\n").unwrap_err();
        assert!(
            e.to_string().starts_with("exactly one of key or key_file"),
            "{e}"
        );
        let e = client("tls_config:\n  min_version: TLS99\n").unwrap_err();
        assert_eq!(e.to_string(), "unknown TLS version: TLS99 (line 2)");
    }

    #[test]
    fn secrets_do_not_leak_through_debug() {
        let c = client("basic_auth:\n  username: u\n  password: hunter2\n").unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(c.basic_auth.unwrap().password.unwrap().expose(), "hunter2");
    }

    #[test]
    fn proxy_url_is_unsupported() {
        let e = client("proxy_url: http://proxy:3128\n").unwrap_err();
        assert_eq!(e.unsupported_field(), Some("proxy_url"));
    }
}
