//! Exposition parsers, scrape loops, target manager, service discovery and staleness.

pub mod exposition;
