//! The web settings Prometheus derives from its flags — the external URL (by default
//! `http://<hostname>:<port>`), the route prefix (`--web.route-prefix`, else the external
//! URL's path) and the CORS origin regex — and serving the router under the prefix.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;

use crate::cli::ServerFlags;

/// What the web flags resolve to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSettings {
    /// Without a trailing slash, e.g. `http://host:9090` or `https://x/prometheus`; alert
    /// generator URLs and `$externalURL` start with it.
    pub external_url: String,
    /// `/` or `/<path>` without a trailing slash.
    pub route_prefix: String,
}

/// Resolves `--web.external-url` and `--web.route-prefix` as Prometheus's
/// `computeExternalURL` does; `hostname` fills in the default URL.
pub fn web_settings(flags: &ServerFlags, hostname: &str) -> anyhow::Result<WebSettings> {
    let mut url = flags.web_external_url.clone();
    if url.is_empty() {
        let port = flags
            .web_listen_address
            .rsplit_once(':')
            .map(|(_, p)| p)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "parse external URL \"\": address {}: missing port in address",
                    flags.web_listen_address
                )
            })?;
        url = format!("http://{hostname}:{port}/");
    }
    if url.starts_with(['"', '\'']) || url.ends_with(['"', '\'']) {
        anyhow::bail!("parse external URL {url:?}: URL must not begin or end with quotes");
    }
    // Split off the path: `scheme://authority/path`, or a bare path.
    let (origin, path) = match url.split_once("://") {
        Some((scheme, rest)) => match rest.find('/') {
            Some(i) => (format!("{scheme}://{}", &rest[..i]), rest[i..].to_string()),
            None => (url.clone(), String::new()),
        },
        None => (String::new(), url.clone()),
    };
    let mut path = path.trim_end_matches('/').to_string();
    if !path.is_empty() && !path.starts_with('/') {
        path.insert(0, '/');
    }
    let prefix = if flags.web_route_prefix.is_empty() {
        path.clone()
    } else {
        flags.web_route_prefix.clone()
    };
    Ok(WebSettings {
        external_url: format!("{origin}{path}"),
        route_prefix: format!("/{}", prefix.trim_matches('/')),
    })
}

/// `--web.cors.origin` anchored as Prometheus anchors it; `None` for the default `.*`,
/// which the HTTP layer answers with `Access-Control-Allow-Origin: *`.
pub fn cors_origin(flag: &str) -> anyhow::Result<Option<regex::Regex>> {
    if flag == ".*" {
        return Ok(None);
    }
    regex::Regex::new(&format!("^(?:{flag})$"))
        .map(Some)
        .map_err(|e| anyhow::anyhow!("could not compile CORS regex string {flag:?}: {e}"))
}

/// Splits `host:port` (`[v6]:port` too) as Go's `net.SplitHostPort`; `None` without a
/// port.
fn split_host_port(hostport: &str) -> Option<(&str, &str)> {
    if let Some(rest) = hostport.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return Some((host, after.strip_prefix(':')?));
    }
    let (host, port) = hostport.rsplit_once(':')?;
    (!host.contains(':')).then_some((host, port))
}

/// Prometheus's `getGlobalURL` for `/api/v1/targets`: a scrape URL on localhost is
/// shown with the external URL's scheme and host when it is promlite itself (same port
/// as `listen_address`), else with only the external host name; others are unchanged.
pub fn global_url(scrape_url: &str, listen_address: &str, external_url: &str) -> String {
    let Some((scheme, rest)) = scrape_url.split_once("://") else {
        return scrape_url.to_string();
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let Some((host, port)) = split_host_port(authority) else {
        return scrape_url.to_string();
    };
    if !matches!(host, "127.0.0.1" | "localhost" | "::1") {
        return scrape_url.to_string();
    }
    let Some((ext_scheme, ext_rest)) = external_url.split_once("://") else {
        return scrape_url.to_string();
    };
    let ext_host = &ext_rest[..ext_rest.find('/').unwrap_or(ext_rest.len())];
    let own_port = split_host_port(listen_address).map(|(_, p)| p);
    if own_port == Some(port) {
        return format!("{ext_scheme}://{ext_host}{tail}");
    }
    match split_host_port(ext_host) {
        Some((name, _)) => format!("{scheme}://{name}:{port}{tail}"),
        None => scrape_url.to_string(),
    }
}

fn found(location: String) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// Serves `app` under `prefix`: `/` and the bare prefix redirect to `<prefix>/`, paths
/// under the prefix reach `app` with the prefix stripped, anything else is 404.
pub fn under_route_prefix(app: Router, prefix: &str) -> Router {
    if prefix == "/" {
        return app;
    }
    let prefix: Arc<str> = Arc::from(prefix);
    let home = format!("{prefix}/");
    Router::new()
        .route(
            "/",
            axum::routing::get({
                let home = home.clone();
                move || async move { found(home) }
            }),
        )
        .fallback(move |req: Request| {
            let app = app.clone();
            let prefix = prefix.clone();
            let home = home.clone();
            async move {
                let path = req.uri().path();
                if path == &*prefix {
                    return found(home);
                }
                let Some(rest) = path.strip_prefix(&*prefix).filter(|r| r.starts_with('/')) else {
                    return (StatusCode::NOT_FOUND, "404 page not found\n").into_response();
                };
                let target = match req.uri().query() {
                    Some(q) => format!("{rest}?{q}"),
                    None => rest.to_string(),
                };
                let Ok(uri) = target.parse::<Uri>() else {
                    return (StatusCode::BAD_REQUEST, "bad request path\n").into_response();
                };
                let (mut parts, body) = req.into_parts();
                parts.uri = uri;
                match app.oneshot(Request::from_parts(parts, body)).await {
                    Ok(resp) => resp,
                    Err(never) => match never {},
                }
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn settings(args: &[&str]) -> WebSettings {
        let mut v = vec!["promlite"];
        v.extend_from_slice(args);
        web_settings(&crate::cli::Cli::parse_from(v).server, "box").unwrap()
    }

    #[test]
    fn external_url_and_prefix_like_prometheus() {
        assert_eq!(
            settings(&[]),
            WebSettings {
                external_url: "http://box:9090".into(),
                route_prefix: "/".into()
            }
        );
        let s = settings(&["--web.external-url=https://proxy.example/prom/"]);
        assert_eq!(s.external_url, "https://proxy.example/prom");
        assert_eq!(s.route_prefix, "/prom");
        let s = settings(&[
            "--web.external-url=https://proxy.example/prom/",
            "--web.route-prefix=/",
        ]);
        assert_eq!(s.route_prefix, "/");
        let s = settings(&["--web.route-prefix=inner/", "--web.listen-address=:9100"]);
        assert_eq!(
            (s.external_url.as_str(), s.route_prefix.as_str()),
            ("http://box:9100", "/inner")
        );
        let mut v = crate::cli::Cli::parse_from(["promlite", "--web.external-url='x'"]).server;
        assert!(web_settings(&v, "box").is_err());
        v.web_external_url = "https://h:1".into();
        assert_eq!(web_settings(&v, "box").unwrap().external_url, "https://h:1");
    }

    #[test]
    fn global_url_names_localhost_targets_by_the_external_host() {
        let ext = "http://box:9090";
        assert_eq!(
            global_url("http://localhost:9090/metrics", "0.0.0.0:9090", ext),
            "http://box:9090/metrics"
        );
        assert_eq!(
            global_url("http://127.0.0.1:9100/metrics?x=1", "0.0.0.0:9090", ext),
            "http://box:9100/metrics?x=1"
        );
        assert_eq!(
            global_url("https://[::1]:9090/m", ":9090", "https://proxy:443/prom"),
            "https://proxy:443/m"
        );
        assert_eq!(
            global_url("http://node:9100/metrics", ":9090", ext),
            "http://node:9100/metrics"
        );
        // An external URL without a port cannot name another port's host.
        assert_eq!(
            global_url(
                "http://localhost:9100/metrics",
                ":9090",
                "https://proxy.example/prom"
            ),
            "http://localhost:9100/metrics"
        );
    }

    #[test]
    fn cors_origin_is_anchored() {
        assert!(cors_origin(".*").unwrap().is_none());
        let re = cors_origin("https://grafana\\.example").unwrap().unwrap();
        assert!(re.is_match("https://grafana.example"));
        assert!(!re.is_match("https://grafana.example.evil"));
        assert!(cors_origin("(").is_err());
    }
}
