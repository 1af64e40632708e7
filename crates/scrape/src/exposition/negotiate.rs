//! Content negotiation as Prometheus 3 does it: the `Accept` header built from
//! `scrape_protocols`, and the choice of parser from the response's `Content-Type`
//! with the `fallback_scrape_protocol` rules.

use super::Format;

pub use promlite_config::ScrapeProtocol;

/// Prometheus 3's default `scrape_protocols`.
pub const DEFAULT_SCRAPE_PROTOCOLS: [ScrapeProtocol; 4] = ScrapeProtocol::DEFAULT;

/// Number of protocols Prometheus knows; the `q` weights count down from one above it.
const KNOWN_PROTOCOLS: usize = 5;

/// The parser for a protocol; `None` for protobuf, which promlite does not parse.
pub fn protocol_format(p: ScrapeProtocol) -> Option<Format> {
    match p {
        ScrapeProtocol::PrometheusProto => None,
        ScrapeProtocol::PrometheusText0_0_4 | ScrapeProtocol::PrometheusText1_0_0 => {
            Some(Format::PrometheusText)
        }
        ScrapeProtocol::OpenMetricsText0_0_1 | ScrapeProtocol::OpenMetricsText1_0_0 => {
            Some(Format::OpenMetrics)
        }
    }
}

fn media_type(p: ScrapeProtocol) -> &'static str {
    let v = p.header();
    v.split(';').next().unwrap_or(v)
}

/// The `Accept` header Prometheus 3 sends for `protocols`, with UTF-8 names allowed.
/// Protobuf is left out: promlite cannot parse it, so it must not be offered.
pub fn accept_header(protocols: &[ScrapeProtocol]) -> String {
    let mut parts = Vec::with_capacity(protocols.len() + 1);
    let mut weight = KNOWN_PROTOCOLS + 1;
    for &p in protocols {
        if p == ScrapeProtocol::PrometheusProto {
            continue;
        }
        let mut v = p.header().to_string();
        if matches!(
            p,
            ScrapeProtocol::PrometheusText1_0_0 | ScrapeProtocol::OpenMetricsText1_0_0
        ) {
            v.push_str(";escaping=allow-utf-8");
        }
        v.push_str(&format!(";q=0.{weight}"));
        parts.push(v);
        weight = weight.saturating_sub(1);
    }
    parts.push(format!("*/*;q=0.{weight}"));
    parts.join(",")
}

/// What to do with a response, given its `Content-Type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContentTypeChoice {
    /// A recognised media type.
    Use(Format),
    /// Not recognised, but a fallback protocol is configured; the message is worth a
    /// debug log line.
    Fallback(Format, String),
    /// The scrape fails with this message.
    Fail(String),
}

/// Chooses the parser from a `Content-Type` header like Prometheus 3's
/// `extractMediaType`.
pub fn choose_format(content_type: &str, fallback: Option<ScrapeProtocol>) -> ContentTypeChoice {
    let fallback_format = fallback.and_then(protocol_format);
    let fallback_name = fallback.map(media_type).unwrap_or("");
    if content_type.is_empty() {
        return match fallback_format {
            None => ContentTypeChoice::Fail(
                "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target".to_string(),
            ),
            Some(f) => ContentTypeChoice::Fallback(
                f,
                format!("non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol {fallback_name:?}"),
            ),
        };
    }
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let valid = media_type.split_once('/').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && media_type.bytes().all(is_media_type_byte)
    });
    if !valid {
        return match fallback_format {
            None => ContentTypeChoice::Fail(format!(
                "cannot parse Content-Type {content_type:?} and no fallback_scrape_protocol for target"
            )),
            Some(f) => ContentTypeChoice::Fallback(
                f,
                format!("could not parse received Content-Type {content_type:?}, using fallback_scrape_protocol {fallback_name:?}"),
            ),
        };
    }
    match media_type.as_str() {
        "application/openmetrics-text" => return ContentTypeChoice::Use(Format::OpenMetrics),
        "text/plain" => return ContentTypeChoice::Use(Format::PrometheusText),
        "application/vnd.google.protobuf" => {
            return ContentTypeChoice::Fail(
                "received protobuf exposition (Content-Type \"application/vnd.google.protobuf\"), which promlite does not support".to_string(),
            )
        }
        _ => {}
    }
    match fallback_format {
        None => ContentTypeChoice::Fail(format!(
            "received unsupported Content-Type {content_type:?} and no fallback_scrape_protocol specified for target"
        )),
        Some(f) => ContentTypeChoice::Fallback(
            f,
            format!("received unsupported Content-Type {content_type:?}, using fallback_scrape_protocol {fallback_name:?}"),
        ),
    }
}

fn is_media_type_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~/".contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_header_matches_prometheus_default() {
        assert_eq!(
            accept_header(&DEFAULT_SCRAPE_PROTOCOLS),
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
        );
        assert_eq!(
            accept_header(&[ScrapeProtocol::PrometheusText0_0_4]),
            "text/plain;version=0.0.4;q=0.6,*/*;q=0.5"
        );
    }

    #[test]
    fn content_type_rules() {
        use ContentTypeChoice::*;
        assert_eq!(
            choose_format("text/plain; version=0.0.4; charset=utf-8", None),
            Use(Format::PrometheusText)
        );
        assert_eq!(
            choose_format("application/openmetrics-text; version=1.0.0", None),
            Use(Format::OpenMetrics)
        );
        assert!(matches!(choose_format("", None), Fail(m) if m.starts_with("non-compliant")));
        assert!(matches!(
            choose_format("", Some(ScrapeProtocol::PrometheusText0_0_4)),
            Fallback(Format::PrometheusText, _)
        ));
        assert!(matches!(
            choose_format("application/json", None),
            Fail(m) if m == "received unsupported Content-Type \"application/json\" and no fallback_scrape_protocol specified for target"
        ));
        assert!(matches!(
            choose_format("garbage", Some(ScrapeProtocol::OpenMetricsText1_0_0)),
            Fallback(Format::OpenMetrics, _)
        ));
    }
}
