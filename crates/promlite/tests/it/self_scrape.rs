//! Without a config file promlite scrapes its own `/metrics` every 15 s as job
//! "promlite" (the self-scrape), so `up` answers without any setup.

use std::time::Duration;

use crate::support::{Promlite, Start, Workspace};

#[test]
fn no_config_file_scrapes_itself() {
    let ws = Workspace::new();
    let p = Promlite::start(&ws, Start::default());
    // The first scrape lands at a hash-chosen offset within the 15 s interval.
    let up = p.wait_for_series("up", Duration::from_secs(25));
    assert_eq!(up.len(), 1, "{up:?}");
    let metric = &up[0]["metric"];
    assert_eq!(metric["job"], "promlite");
    assert_eq!(metric["instance"], p.addr.as_str());
    assert_eq!(Promlite::value(&up[0]), 1.0);

    // Its own metrics arrived under their Prometheus names, and the effective config
    // shows the 15 s self-scrape job.
    let head = p.query("prometheus_tsdb_head_series{job=\"promlite\"}");
    assert_eq!(head.len(), 1, "{head:?}");
    let config = p.api("/api/v1/status/config");
    let yaml = config["yaml"].as_str().unwrap_or_default();
    assert!(yaml.contains("job_name: promlite"), "{yaml}");
    assert!(yaml.contains("scrape_interval: 15s"), "{yaml}");
}
