//! Recording and alerting rules, templating of labels and annotations, and the
//! Alertmanager notifier.
//!
//! - [`template`]: Go `text/template` with Prometheus's functions, byte-compatible output.

pub mod template;
