//! Exposition parsers: the Prometheus text format 0.0.4 and OpenMetrics 1.0 text.
//!
//! Both parsers borrow the body and yield [`Entry`] values one at a time; nothing is
//! copied for sample lines. A [`Series`] builds its [`promlite_model::Labels`] only when
//! asked, so a scrape loop that recognises the series text from an earlier scrape never
//! pays for it. Errors carry Prometheus's wording; no input makes a parser panic.
//!
//! ```
//! use promlite_scrape::exposition::{Entry, ExpositionParser, Format};
//! let body = b"# TYPE up gauge\nup{job=\"a\"} 1 1700000000000\n";
//! let mut samples = Vec::new();
//! for entry in ExpositionParser::new(body, Format::PrometheusText) {
//!     if let Entry::Series(s) = entry.unwrap() {
//!         samples.push((s.labels().unwrap().to_string(), s.value(), s.timestamp_ms()));
//!     }
//! }
//! assert_eq!(samples, vec![(r#"{__name__="up", job="a"}"#.to_string(), 1.0, Some(1700000000000))]);
//! ```

mod gofmt;
mod lexer;
mod lexer_openmetrics;
mod negotiate;
mod openmetrics;
mod series;
mod stream;
mod text;

use std::borrow::Cow;

use promlite_model::MetricType;

pub use gofmt::{format_openmetrics_float, go_quote_bytes, NORMAL_NAN_BITS};
pub use negotiate::{
    accept_header, choose_format, protocol_format, ContentTypeChoice, ScrapeProtocol,
    DEFAULT_SCRAPE_PROTOCOLS,
};
pub use openmetrics::OpenMetricsParser;
pub use series::Series;
pub use stream::{for_each_entry_in_reader, StreamError};
pub use text::TextParser;

/// Which text format a body is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `text/plain; version=0.0.4`.
    PrometheusText,
    /// `application/openmetrics-text; version=1.0.0`.
    OpenMetrics,
}

/// One line of an exposition body that carries meaning.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry<'a> {
    /// A sample line.
    Series(Series<'a>),
    /// `# TYPE name type`.
    Type {
        metric_family: Cow<'a, str>,
        metric_type: MetricType,
    },
    /// `# HELP name text`, escapes resolved.
    Help {
        metric_family: Cow<'a, str>,
        help: Cow<'a, str>,
    },
    /// `# UNIT name unit` (OpenMetrics only).
    Unit {
        metric_family: Cow<'a, str>,
        unit: Cow<'a, str>,
    },
    /// Any other comment line (text format only).
    Comment(&'a [u8]),
}

/// A malformed body, worded as Prometheus words it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    message: String,
}

impl ParseError {
    pub(crate) fn new(message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
        }
    }

    /// The message, as Prometheus would report it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Knobs shared by both parsers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParserOptions {
    /// OpenMetrics only: drop `_created` series of counters, summaries and histograms
    /// (Prometheus does this only with created-timestamp ingestion enabled; by default
    /// they are ingested as ordinary series, so the default is false).
    pub skip_created_series: bool,
}

/// Either parser behind one type, chosen by [`Format`].
pub enum ExpositionParser<'a> {
    Text(TextParser<'a>),
    OpenMetrics(OpenMetricsParser<'a>),
}

impl<'a> ExpositionParser<'a> {
    pub fn new(body: &'a [u8], format: Format) -> ExpositionParser<'a> {
        ExpositionParser::with_options(body, format, ParserOptions::default())
    }

    pub fn with_options(
        body: &'a [u8],
        format: Format,
        options: ParserOptions,
    ) -> ExpositionParser<'a> {
        match format {
            Format::PrometheusText => ExpositionParser::Text(TextParser::new(body)),
            Format::OpenMetrics => {
                ExpositionParser::OpenMetrics(OpenMetricsParser::with_options(body, options))
            }
        }
    }

    /// The next entry, `Ok(None)` at the end of the body.
    pub fn next_entry(&mut self) -> Result<Option<Entry<'a>>, ParseError> {
        match self {
            ExpositionParser::Text(p) => p.next_entry(),
            ExpositionParser::OpenMetrics(p) => p.next_entry(),
        }
    }

    /// The next entry, given the series text the next line probably starts with (a
    /// hint that only saves work: the result is always `next_entry`'s).
    pub(crate) fn next_entry_expecting(
        &mut self,
        expected: Option<&[u8]>,
    ) -> Result<Option<Entry<'a>>, ParseError> {
        match self {
            ExpositionParser::Text(p) => p.next_entry_expecting(expected),
            ExpositionParser::OpenMetrics(p) => p.next_entry(),
        }
    }
}

impl<'a> Iterator for ExpositionParser<'a> {
    type Item = Result<Entry<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().transpose()
    }
}

#[cfg(test)]
mod tests;
