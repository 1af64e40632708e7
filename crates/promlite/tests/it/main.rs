//! Integration tests of the `promlite` binary: each test starts the real server (and,
//! where installed, Debian's node-exporter and Alertmanager) on 127.0.0.1 with free
//! ports and a temp data directory, and talks to it over HTTP like its users do.

mod support;

mod alerting;
mod endpoints;
mod features;
mod grafana;
mod interop;
mod node_exporter;
mod reload;
mod restart;
mod scrape_targets;
mod seeds;
mod self_scrape;
mod tools;
mod web_flags;
