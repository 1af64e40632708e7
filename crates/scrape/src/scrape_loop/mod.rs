//! One scrape loop per target: fetch, append, report, on a fixed interval.

pub(crate) mod append;
pub(crate) mod cache;
pub(crate) mod metadata;
pub(crate) mod metadata_lines;
pub(crate) mod run;
