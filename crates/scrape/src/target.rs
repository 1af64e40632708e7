//! `Target`: one endpoint to scrape, built from discovered labels by the job's
//! `relabel_configs` as Prometheus's `PopulateLabels` does, plus its live status.

use std::time::Duration;

use parking_lot::Mutex;
use promlite_config::relabel::process_builder;
use promlite_config::{format_duration, parse_duration, ScrapeConfig};
use promlite_model::{Labels, LabelsBuilder};

use crate::scrape_loop::metadata::MetadataStore;

pub const ADDRESS_LABEL: &str = "__address__";
pub const SCHEME_LABEL: &str = "__scheme__";
pub const METRICS_PATH_LABEL: &str = "__metrics_path__";
pub const SCRAPE_INTERVAL_LABEL: &str = "__scrape_interval__";
pub const SCRAPE_TIMEOUT_LABEL: &str = "__scrape_timeout__";
pub const PARAM_LABEL_PREFIX: &str = "__param_";
pub const META_LABEL_PREFIX: &str = "__meta_";
pub const RESERVED_LABEL_PREFIX: &str = "__";

/// Target health as `/api/v1/targets` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TargetHealth {
    #[default]
    Unknown,
    Up,
    Down,
}

impl TargetHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetHealth::Unknown => "unknown",
            TargetHealth::Up => "up",
            TargetHealth::Down => "down",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct TargetStatus {
    pub(crate) health: TargetHealth,
    pub(crate) last_error: String,
    pub(crate) last_scrape_ms: Option<i64>,
    pub(crate) last_scrape_duration_seconds: f64,
}

/// One scrape target.
#[derive(Debug)]
pub struct Target {
    /// Updated when discovery re-sends the same target with other metadata.
    pub(crate) discovered_labels: Mutex<Labels>,
    /// Labels after relabeling, `__meta_*` removed, `instance` filled in.
    pub(crate) labels: Labels,
    pub(crate) url: String,
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
    pub(crate) status: Mutex<TargetStatus>,
    pub(crate) metadata: Mutex<MetadataStore>,
}

impl Target {
    /// Labels without the `__` ones: what every scraped series gets.
    pub fn public_labels(&self) -> Labels {
        Labels::from_sorted_unique(
            self.labels
                .iter()
                .filter(|l| !l.name.starts_with(RESERVED_LABEL_PREFIX))
                .map(|l| (l.name, l.value)),
        )
    }

    pub fn labels(&self) -> &Labels {
        &self.labels
    }

    pub fn discovered_labels(&self) -> Labels {
        self.discovered_labels.lock().clone()
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// A stable identity: same labels and URL, same hash (and so the same scrape offset).
    pub fn hash(&self) -> u64 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(self.labels.packed_bytes());
        h.update(&[0xff]);
        h.update(self.url.as_bytes());
        h.digest()
    }

    /// Where within the interval this target is scraped: a stable offset from its hash,
    /// so targets spread evenly, counted from `now_ms`.
    pub fn offset_ms(&self, now_ms: i64, offset_seed: u64) -> i64 {
        let interval = i64::try_from(self.interval.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        let base = interval - now_ms.rem_euclid(interval);
        let offset = ((self.hash() ^ offset_seed) % interval as u64) as i64;
        let mut next = base + offset;
        if next > interval {
            next -= interval;
        }
        next
    }

    /// The metric metadata this target exposed.
    pub fn metadata(&self) -> MetadataStore {
        self.metadata.lock().clone()
    }

    pub(crate) fn report(&self, start_ms: i64, duration_seconds: f64, err: Option<String>) {
        let mut s = self.status.lock();
        s.health = if err.is_none() {
            TargetHealth::Up
        } else {
            TargetHealth::Down
        };
        s.last_error = err.unwrap_or_default();
        s.last_scrape_ms = Some(start_ms);
        s.last_scrape_duration_seconds = duration_seconds;
    }
}

/// The labels a discovered target starts with: its own, its group's, then the job's
/// defaults (`job`, `__scheme__`, `__metrics_path__`, interval, timeout, params).
pub fn discovered_labels(cfg: &ScrapeConfig, target: &Labels, group: &Labels) -> Labels {
    let mut b = target.builder();
    for l in group.iter() {
        if !target.contains(l.name) {
            b.set(l.name, l.value);
        }
    }
    let defaults = [
        ("job", cfg.job_name.clone()),
        (SCRAPE_INTERVAL_LABEL, format_duration(cfg.scrape_interval)),
        (SCRAPE_TIMEOUT_LABEL, format_duration(cfg.scrape_timeout)),
        (METRICS_PATH_LABEL, cfg.metrics_path.clone()),
        (SCHEME_LABEL, cfg.scheme.clone()),
    ];
    for (name, value) in defaults {
        if b.get(name).is_none() {
            b.set(name, &value);
        }
    }
    for (k, v) in &cfg.params {
        let name = format!("{PARAM_LABEL_PREFIX}{k}");
        if let Some(first) = v.first() {
            if b.get(&name).is_none() {
                b.set(&name, first);
            }
        }
    }
    b.build()
}

/// Applies the job's `relabel_configs` and Prometheus's checks. `Ok(None)`: dropped by
/// relabeling. Errors carry Prometheus's wording.
pub fn populate_labels(cfg: &ScrapeConfig, discovered: &Labels) -> Result<Option<Labels>, String> {
    let mut b: LabelsBuilder = discovered.builder();
    if !process_builder(&mut b, &cfg.relabel_configs) {
        return Ok(None);
    }
    let addr = b.get(ADDRESS_LABEL).unwrap_or("").to_string();
    if addr.is_empty() {
        return Err("no address".to_string());
    }
    if addr.contains('/') {
        return Err(format!(
            "{} is not a valid hostname",
            promlite_model::go_quote(&addr)
        ));
    }
    let interval_text = b.get(SCRAPE_INTERVAL_LABEL).unwrap_or("").to_string();
    let interval = parse_duration(&interval_text)
        .map_err(|e| format!("error parsing scrape interval: {e}"))?;
    if interval.is_zero() {
        return Err("scrape interval cannot be 0".to_string());
    }
    let timeout_text = b.get(SCRAPE_TIMEOUT_LABEL).unwrap_or("").to_string();
    let timeout =
        parse_duration(&timeout_text).map_err(|e| format!("error parsing scrape timeout: {e}"))?;
    if timeout.is_zero() {
        return Err("scrape timeout cannot be 0".to_string());
    }
    if timeout > interval {
        return Err(format!(
            "scrape timeout cannot be greater than scrape interval ({} > {})",
            promlite_model::go_quote(&timeout_text),
            promlite_model::go_quote(&interval_text)
        ));
    }
    b.retain(|name, _| !name.starts_with(META_LABEL_PREFIX));
    if b.get("instance").is_none() {
        b.set("instance", &addr);
    }
    Ok(Some(b.build()))
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(c as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{c:02X}")),
        }
    }
    out
}

/// The scrape URL: scheme, address, path and the query from `params` overridden by
/// `__param_*` labels, keys sorted as Go's `url.Values.Encode` does.
pub fn target_url(cfg: &ScrapeConfig, labels: &Labels) -> String {
    let mut params: Vec<(String, Vec<String>)> = cfg.params.clone();
    for l in labels.iter() {
        if let Some(key) = l.name.strip_prefix(PARAM_LABEL_PREFIX) {
            match params.iter_mut().find(|(k, _)| k == key) {
                Some((_, values)) if !values.is_empty() => values[0] = l.value.to_string(),
                Some((_, values)) => values.push(l.value.to_string()),
                None => params.push((key.to_string(), vec![l.value.to_string()])),
            }
        }
    }
    params.sort_by(|a, b| a.0.cmp(&b.0));
    let query: Vec<String> = params
        .iter()
        .flat_map(|(k, vs)| {
            vs.iter()
                .map(move |v| format!("{}={}", query_escape(k), query_escape(v)))
        })
        .collect();
    let mut url = format!(
        "{}://{}{}",
        labels.get_or_empty(SCHEME_LABEL),
        labels.get_or_empty(ADDRESS_LABEL),
        labels.get_or_empty(METRICS_PATH_LABEL)
    );
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query.join("&"));
    }
    url
}

/// Builds a target from its final labels.
pub(crate) fn new_target(cfg: &ScrapeConfig, discovered: Labels, labels: Labels) -> Target {
    let interval = labels
        .get(SCRAPE_INTERVAL_LABEL)
        .and_then(|v| parse_duration(v).ok())
        .unwrap_or(cfg.scrape_interval);
    let timeout = labels
        .get(SCRAPE_TIMEOUT_LABEL)
        .and_then(|v| parse_duration(v).ok())
        .unwrap_or(cfg.scrape_timeout);
    Target {
        url: target_url(cfg, &labels),
        discovered_labels: Mutex::new(discovered),
        labels,
        interval,
        timeout,
        status: Mutex::new(TargetStatus::default()),
        metadata: Mutex::new(MetadataStore::default()),
    }
}
