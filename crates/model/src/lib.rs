//! promlite's core data model: labels, matchers, samples, metadata and the clock.
//!
//! Every other crate speaks these types. They are small, immutable where shared and
//! cheap to clone: a [`Labels`] set is one allocation behind an `Arc`.
//!
//! ```
//! use promlite_model::{Labels, Matcher, MatchOp, matches_all};
//! let series = Labels::from_pairs([("__name__", "http_requests_total"), ("code", "500")]);
//! let m = [Matcher::new(MatchOp::RegexMatch, "code", "5..").unwrap()];
//! assert!(matches_all(&series, &m));
//! ```

mod clock;
mod labels;
mod matcher;
mod metadata;
mod quote;
mod sample;

pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use labels::{Label, Labels, LabelsBuilder, LabelsIter, METRIC_NAME};
pub use matcher::{matches_all, FastRegex, MatchOp, Matcher};
pub use metadata::{Metadata, MetricType};
pub use quote::{
    go_quote, go_quote_with, is_go_printable, is_valid_label_name, is_valid_legacy_label_name,
    is_valid_legacy_metric_name,
};
pub use sample::{is_stale_nan, ms_from_float_seconds, Sample, STALE_NAN, STALE_NAN_BITS};

/// Errors of the model crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// A regex matcher whose pattern does not compile.
    #[error("{message}")]
    InvalidRegex { pattern: String, message: String },
}
