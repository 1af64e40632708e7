//! Integration tests of the PromQL engine: the engine API (limits, errors, result shapes)
//! and the PromQL conformance scripts.

mod api;
mod conformance;
mod extremes;
