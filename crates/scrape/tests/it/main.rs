//! Integration tests of promlite-scrape, one module per theme.

mod exposition_golden;
mod manager;
mod scrape;
mod server;
