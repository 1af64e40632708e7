//! Integration tests of the HTTP API over `Router::oneshot` (no socket), one module per
//! theme.

mod errors;
mod fake_sources;
mod golden;
mod lifecycle;
mod methods;
mod oracle;
mod socket;
mod support;
