//! Turning one scrape body into appends: cache lookups, target labels and
//! `honor_labels`, metric relabeling, limits, staleness markers and the synthetic
//! report series (`up`, `scrape_duration_seconds`, ...). Pure logic over an `Appender`,
//! so it is tested without a network.

use std::sync::Arc;

use promlite_config::relabel::process_builder;
use promlite_config::{NameValidationScheme, RelabelConfig, ScrapeConfig, ScrapeProtocol};
use promlite_model::{Labels, STALE_NAN};
use promlite_storage::{Appender, SeriesRef, StorageError};

use super::cache::{Lookup, ScrapeCache, SlotId};
use super::metadata_lines::MetadataLine;
use crate::exposition::{choose_format, ContentTypeChoice, Entry, ExpositionParser};
use crate::metrics::{inc, ScrapeMetrics};
use crate::ScrapeError;

/// How far in the future a sample may be (Prometheus's `maxAheadTime`).
const MAX_AHEAD_MS: i64 = 10 * 60 * 1000;

/// The per-target settings the append logic needs.
#[derive(Clone, Debug)]
pub(crate) struct AppendSettings {
    /// The target's labels without the `__`-prefixed ones (job, instance, ...).
    pub(crate) target_labels: Labels,
    pub(crate) honor_labels: bool,
    pub(crate) honor_timestamps: bool,
    pub(crate) track_timestamps_staleness: bool,
    pub(crate) metric_relabel_configs: Arc<Vec<RelabelConfig>>,
    pub(crate) sample_limit: u64,
    pub(crate) label_limit: u64,
    pub(crate) label_name_length_limit: u64,
    pub(crate) label_value_length_limit: u64,
    pub(crate) validation: NameValidationScheme,
    pub(crate) fallback: Option<ScrapeProtocol>,
    /// `extra_scrape_metrics`: also report timeout, sample limit and body size.
    pub(crate) extra_metrics: bool,
    pub(crate) timeout_seconds: f64,
}

impl AppendSettings {
    pub(crate) fn new(cfg: &ScrapeConfig, target_labels: Labels) -> AppendSettings {
        AppendSettings {
            target_labels,
            honor_labels: cfg.honor_labels,
            honor_timestamps: cfg.honor_timestamps,
            track_timestamps_staleness: cfg.track_timestamps_staleness,
            metric_relabel_configs: Arc::new(cfg.metric_relabel_configs.clone()),
            sample_limit: cfg.sample_limit,
            label_limit: cfg.label_limit,
            label_name_length_limit: cfg.label_name_length_limit,
            label_value_length_limit: cfg.label_value_length_limit,
            validation: cfg.metric_name_validation_scheme,
            fallback: cfg.fallback_scrape_protocol,
            extra_metrics: cfg.extra_scrape_metrics,
            timeout_seconds: cfg.scrape_timeout.as_secs_f64(),
        }
    }
}

/// Counts reported as `scrape_samples_scraped`, `scrape_samples_post_metric_relabeling`
/// and `scrape_series_added`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ScrapeCounts {
    pub(crate) total: u64,
    pub(crate) added: u64,
    pub(crate) series_added: u64,
}

/// Applies target labels (renaming conflicts to `exported_*` unless `honor_labels`) and
/// `metric_relabel_configs`. `None` means the series is dropped.
pub(crate) fn mutate_sample_labels(scraped: &Labels, s: &AppendSettings) -> Option<Labels> {
    if s.metric_relabel_configs.is_empty() {
        if let Some(merged) = merge_target_labels(scraped, s) {
            return (!merged.is_empty()).then_some(merged);
        }
    }
    let mut b = scraped.builder();
    if s.honor_labels {
        for l in s.target_labels.iter() {
            if !scraped.contains(l.name) {
                b.set(l.name, l.value);
            }
        }
    } else {
        let mut conflicts: Vec<(&str, &str)> = Vec::new();
        for l in s.target_labels.iter() {
            if let Some(v) = scraped.get(l.name) {
                conflicts.push((l.name, v));
            }
            b.set(l.name, l.value);
        }
        conflicts.sort_by_key(|(name, _)| name.len());
        for (name, value) in conflicts {
            let mut new_name = name.to_string();
            loop {
                new_name = format!("exported_{new_name}");
                if b.get(&new_name).is_none() {
                    b.set(&new_name, value);
                    break;
                }
            }
        }
    }
    if !process_builder(&mut b, &s.metric_relabel_configs) {
        return None;
    }
    let out = b.build();
    (!out.is_empty()).then_some(out)
}

/// The common case without relabeling: one sorted merge of the scraped and target
/// labels, no intermediate strings. `None` when a clash needs `exported_*` renaming.
fn merge_target_labels(scraped: &Labels, s: &AppendSettings) -> Option<Labels> {
    let mut a = scraped.iter().peekable();
    let mut t = s.target_labels.iter().peekable();
    let mut out: Vec<(&str, &str)> = Vec::with_capacity(16);
    loop {
        match (a.peek(), t.peek()) {
            (None, None) => break,
            (Some(x), None) => {
                out.push((x.name, x.value));
                a.next();
            }
            (None, Some(y)) => {
                out.push((y.name, y.value));
                t.next();
            }
            (Some(x), Some(y)) => match x.name.cmp(y.name) {
                std::cmp::Ordering::Less => {
                    out.push((x.name, x.value));
                    a.next();
                }
                std::cmp::Ordering::Greater => {
                    out.push((y.name, y.value));
                    t.next();
                }
                std::cmp::Ordering::Equal => {
                    if !s.honor_labels {
                        return None;
                    }
                    out.push((x.name, x.value));
                    a.next();
                    t.next();
                }
            },
        }
    }
    Some(Labels::from_sorted_unique(out.into_iter()))
}

/// Labels of a synthetic report series: the target labels win, clashing names are kept
/// as `exported_*`.
fn report_labels(name: &str, s: &AppendSettings) -> Labels {
    let mut b = Labels::from_pairs([("__name__", name)]).builder();
    for l in s.target_labels.iter() {
        let existing = b.get(l.name).unwrap_or("").to_string();
        b.set(&format!("exported_{}", l.name), &existing);
        b.set(l.name, l.value);
    }
    b.build()
}

fn truncate_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

/// Prometheus's `verifyLabelLimits`, with its messages.
fn verify_label_limits(l: &Labels, s: &AppendSettings) -> Result<(), ScrapeError> {
    let metric = truncate_chars(l.metric_name().unwrap_or(""), 50);
    if s.label_limit > 0 {
        let n = l.len() as u64;
        if n > s.label_limit {
            return Err(ScrapeError::LabelLimit(format!(
                "label_limit exceeded (metric: {metric}, number of labels: {n}, limit: {})",
                s.label_limit
            )));
        }
    }
    for label in l.iter() {
        let name_len = label.name.len() as u64;
        if s.label_name_length_limit > 0 && name_len > s.label_name_length_limit {
            return Err(ScrapeError::LabelLimit(format!(
                "label_name_length_limit exceeded (metric: {metric}, label name: {}, length: {name_len}, limit: {})",
                truncate_chars(label.name, 50),
                s.label_name_length_limit
            )));
        }
        let value_len = label.value.len() as u64;
        if s.label_value_length_limit > 0 && value_len > s.label_value_length_limit {
            return Err(ScrapeError::LabelLimit(format!(
                "label_value_length_limit exceeded (metric: {metric}, label name: {}, value: {}, length: {value_len}, limit: {})",
                truncate_chars(label.name, 50),
                promlite_model::go_quote(truncate_chars(label.value, 50)),
                s.label_value_length_limit
            )));
        }
    }
    Ok(())
}

fn labels_valid(l: &Labels, scheme: NameValidationScheme) -> bool {
    l.iter().all(|x| {
        if x.name == "__name__" {
            scheme.is_valid_metric_name(x.value)
        } else {
            scheme.is_valid_label_name(x.name)
        }
    })
}

/// The storage rejections that drop one sample but not the scrape.
fn count_rejection(err: &StorageError, metrics: &ScrapeMetrics) -> bool {
    match err {
        StorageError::OutOfOrderSample => inc(&metrics.sample_out_of_order),
        StorageError::DuplicateSampleForTimestamp => inc(&metrics.sample_duplicate_timestamp),
        StorageError::OutOfBounds => inc(&metrics.sample_out_of_bounds),
        _ => return false,
    }
    true
}

/// A series line resolved through the cache, or a new one with its final labels.
enum Known {
    Cached {
        slot: SlotId,
        series_ref: SeriesRef,
        already_scraped: bool,
    },
    New(Labels),
}

/// Appends one scrape body at default timestamp `t`. An empty body (a failed scrape)
/// only writes staleness markers. On error the caller rolls the appender back and calls
/// again with an empty body, as Prometheus does.
#[allow(clippy::too_many_arguments)]
pub(crate) fn append_body(
    s: &AppendSettings,
    metrics: &ScrapeMetrics,
    cache: &mut ScrapeCache,
    app: &mut dyn Appender,
    body: &[u8],
    content_type: &str,
    t: i64,
    now_ms: i64,
) -> (ScrapeCounts, Result<(), ScrapeError>) {
    let mut counts = ScrapeCounts::default();
    if body.is_empty() {
        let r = update_stale_markers(cache, app, t);
        if cache.iter_done(false) {
            inc(&metrics.cache_flush_forced);
        }
        return (counts, r);
    }
    let format = match choose_format(content_type, s.fallback) {
        ContentTypeChoice::Use(f) | ContentTypeChoice::Fallback(f, _) => f,
        ContentTypeChoice::Fail(msg) => return (counts, Err(ScrapeError::Http(msg))),
    };
    let max_t = now_ms.saturating_add(MAX_AHEAD_MS);
    let mut appended_for_limit: u64 = 0;
    let mut sample_limit_hit = false;
    let mut err: Option<ScrapeError> = None;
    let mut parser = ExpositionParser::new(body, format);
    let mut parsed_to_end = false;
    loop {
        let entry = match parser.next_entry_expecting(cache.expected_next()) {
            Ok(Some(e)) => e,
            Ok(None) => {
                parsed_to_end = true;
                break;
            }
            Err(e) => {
                err = Some(e.into());
                break;
            }
        };
        let series = match entry {
            Entry::Series(series) => series,
            Entry::Type {
                metric_family,
                metric_type,
            } => {
                note_metadata(cache, MetadataLine::Type(&metric_family, metric_type));
                continue;
            }
            Entry::Help {
                metric_family,
                help,
            } => {
                note_metadata(cache, MetadataLine::Help(&metric_family, &help));
                continue;
            }
            Entry::Unit {
                metric_family,
                unit,
            } => {
                note_metadata(cache, MetadataLine::Unit(&metric_family, &unit));
                continue;
            }
            Entry::Comment(_) => continue,
        };
        counts.total += 1;
        let raw = series.raw();
        let exposed_t = if s.honor_timestamps {
            series.timestamp_ms()
        } else {
            None
        };
        let sample_t = exposed_t.unwrap_or(t);
        let known = match cache.lookup(raw) {
            Lookup::Dropped => continue,
            Lookup::Hit {
                slot,
                series_ref,
                already_scraped,
            } => Known::Cached {
                slot,
                series_ref,
                already_scraped,
            },
            Lookup::Miss => {
                let scraped = match series.labels() {
                    Ok(l) => l,
                    Err(e) => {
                        err = Some(e.into());
                        break;
                    }
                };
                let Some(labels) = mutate_sample_labels(&scraped, s) else {
                    cache.add_dropped(raw);
                    continue;
                };
                if labels.metric_name().is_none() {
                    err = Some(ScrapeError::MissingMetricName);
                    break;
                }
                if !labels_valid(&labels, s.validation) {
                    err = Some(ScrapeError::InvalidLabels(labels.to_string()));
                    break;
                }
                if let Err(e) = verify_label_limits(&labels, s) {
                    inc(&metrics.exceeded_label_limits);
                    err = Some(e);
                    break;
                }
                Known::New(labels)
            }
        };
        let already_scraped = matches!(
            known,
            Known::Cached {
                already_scraped: true,
                ..
            }
        );
        let result: Result<Option<SeriesRef>, StorageError> =
            if already_scraped && exposed_t.is_none() {
                Err(StorageError::DuplicateSampleForTimestamp)
            } else if s.sample_limit > 0 && {
                appended_for_limit += 1;
                appended_for_limit > s.sample_limit
            } {
                // Keep parsing so `scrape_samples_scraped` is right; nothing is appended.
                sample_limit_hit = true;
                Ok(None)
            } else if sample_t > max_t {
                Err(StorageError::OutOfBounds)
            } else {
                let (old_ref, labels) = match &known {
                    Known::Cached {
                        slot, series_ref, ..
                    } => (Some(*series_ref), cache.labels(*slot)),
                    Known::New(labels) => (None, labels),
                };
                app.append(old_ref, labels, sample_t, series.value())
                    .map(Some)
            };
        let track = exposed_t.is_none() || s.track_timestamps_staleness;
        match result {
            Ok(Some(new_ref)) => match known {
                Known::Cached {
                    slot, series_ref, ..
                } => {
                    if series_ref != new_ref {
                        cache.update_ref(slot, new_ref);
                    }
                    if track {
                        cache.track_staleness(slot);
                    }
                }
                Known::New(labels) => {
                    let slot = cache.add(raw, new_ref, labels);
                    if track {
                        cache.track_staleness(slot);
                    }
                    if !sample_limit_hit {
                        counts.series_added += 1;
                    }
                }
            },
            Ok(None) => {}
            Err(e) => {
                if !count_rejection(&e, metrics) {
                    err = Some(e.into());
                    break;
                }
            }
        }
        counts.added += 1;
    }
    let iter = cache.iter;
    cache
        .metadata_lines
        .finish(&cache.metadata, parsed_to_end, iter);
    if sample_limit_hit {
        inc(&metrics.exceeded_sample_limit);
        if err.is_none() {
            err = Some(ScrapeError::SampleLimitExceeded);
        }
    }
    if err.is_none() {
        if let Err(e) = update_stale_markers(cache, app, t) {
            err = Some(e);
        }
    }
    match err {
        Some(e) => {
            // The caller rolls this scrape back; forget what it saw so the follow-up
            // empty append marks every series of the last good scrape stale.
            cache.forget_current();
            (counts, Err(e))
        }
        None => {
            if cache.iter_done(true) {
                inc(&metrics.cache_flush_forced);
            }
            (counts, Ok(()))
        }
    }
}

fn note_metadata(cache: &mut ScrapeCache, line: MetadataLine<'_>) {
    let iter = cache.iter;
    cache.metadata_lines.note(&cache.metadata, line, iter);
}

/// Writes a staleness marker for every series of the previous scrape missing from this
/// one. Out-of-order and duplicate rejections are expected (the target came back with a
/// new loop) and ignored.
fn update_stale_markers(
    cache: &ScrapeCache,
    app: &mut dyn Appender,
    t: i64,
) -> Result<(), ScrapeError> {
    for (series_ref, labels) in cache.stale_series() {
        match app.append(Some(series_ref), &labels, t, STALE_NAN) {
            Ok(_)
            | Err(StorageError::OutOfOrderSample)
            | Err(StorageError::DuplicateSampleForTimestamp) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The synthetic series written after every scrape.
pub(crate) const REPORT_SERIES: [&str; 5] = [
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
];

/// Written too with `extra_scrape_metrics: true`.
pub(crate) const EXTRA_REPORT_SERIES: [&str; 3] = [
    "scrape_timeout_seconds",
    "scrape_sample_limit",
    "scrape_body_size_bytes",
];

/// What one scrape reports.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Report {
    pub(crate) up: bool,
    pub(crate) duration_seconds: f64,
    pub(crate) counts: ScrapeCounts,
    /// Decoded body size; -1 when `body_size_limit` was exceeded, 0 for other failures.
    pub(crate) body_bytes: i64,
}

/// Cache key of a report series: its name and an invalid UTF-8 byte, which keeps it
/// apart from any exposed series text. Built on the stack: no allocation per scrape.
fn report_key<'b>(name: &str, buf: &'b mut [u8; 64]) -> &'b [u8] {
    let n = name.len().min(buf.len() - 1);
    let (head, tail) = buf.split_at_mut(n);
    head.copy_from_slice(name.as_bytes().get(..n).unwrap_or_default());
    if let Some(b) = tail.first_mut() {
        *b = 0xff;
    }
    buf.get(..=n).unwrap_or_default()
}

/// Appends `up`, `scrape_duration_seconds` and the sample counts at `t` (and the extra
/// series when configured); with `None`, staleness markers for them instead (the target
/// went away).
pub(crate) fn append_report(
    s: &AppendSettings,
    cache: &mut ScrapeCache,
    app: &mut dyn Appender,
    t: i64,
    report: Option<Report>,
) -> Result<(), ScrapeError> {
    let extra: &[&str] = if s.extra_metrics {
        &EXTRA_REPORT_SERIES
    } else {
        &[]
    };
    for name in REPORT_SERIES.iter().chain(extra.iter()) {
        let v = match report {
            None => STALE_NAN,
            Some(r) => match *name {
                "up" => f64::from(u8::from(r.up)),
                "scrape_duration_seconds" => r.duration_seconds,
                "scrape_samples_scraped" => r.counts.total as f64,
                "scrape_samples_post_metric_relabeling" => r.counts.added as f64,
                "scrape_series_added" => r.counts.series_added as f64,
                "scrape_timeout_seconds" => s.timeout_seconds,
                "scrape_sample_limit" => s.sample_limit as f64,
                _ => r.body_bytes as f64,
            },
        };
        let mut key_buf = [0u8; 64];
        let key = report_key(name, &mut key_buf);
        let appended = match cache.lookup_unordered(key) {
            Lookup::Hit {
                slot, series_ref, ..
            } => app
                .append(Some(series_ref), cache.labels(slot), t, v)
                .map(|r| {
                    if r != series_ref {
                        cache.update_ref(slot, r);
                    }
                }),
            Lookup::Miss | Lookup::Dropped => {
                let labels = report_labels(name, s);
                app.append(None, &labels, t, v).map(|r| {
                    cache.add_unordered(key, r, labels);
                })
            }
        };
        match appended {
            Ok(()) => {}
            Err(StorageError::OutOfOrderSample)
            | Err(StorageError::DuplicateSampleForTimestamp) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "append_tests.rs"]
mod tests;
