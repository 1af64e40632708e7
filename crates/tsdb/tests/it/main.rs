//! Integration tests of promlite-tsdb, one module per theme.

mod append;
mod common;
mod compaction;
mod corrupt;
mod crash;
mod fuzz_corpus;
mod query;
mod snapshot;
mod wal;
