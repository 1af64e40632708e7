//! Integration tests of the PromQL parser: golden files, print/parse round trips,
//! Prometheus's own test scripts and the oracle's query set.

mod api;
mod ast_gen;
mod conformance;
mod dump;
mod golden;
mod roundtrip;
