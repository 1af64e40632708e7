//! Integration tests of the HTTP API over `Router::oneshot` (no socket), one module per
//! theme.

mod golden;
mod support;
