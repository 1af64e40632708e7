//! Tests of `ScrapeCache` against a plain model (hash maps keyed by text and by
//! reference, as Prometheus keeps them): lookups, drops, reference updates, staleness
//! and flushing agree over random scrape sequences with reordered, inserted, removed
//! and repeated lines, failed scrapes and growing caches.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::*;

/// The straightforward cache the slot layout must behave like.
#[derive(Default)]
struct Model {
    iter: u64,
    successful_count: usize,
    series: HashMap<Vec<u8>, (SeriesRef, u64, Labels)>,
    dropped: HashMap<Vec<u8>, u64>,
    cur: HashMap<SeriesRef, Labels>,
    prev: HashMap<SeriesRef, Labels>,
}

impl Model {
    fn iter_done(&mut self, mut flush: bool) -> bool {
        let count = self.series.len() + self.dropped.len();
        let mut forced = false;
        if flush {
            self.successful_count = count;
        } else if count > self.successful_count * 2 + 1000 {
            flush = true;
            forced = true;
        }
        if flush {
            let iter = self.iter;
            self.series.retain(|_, e| e.1 == iter);
            self.dropped.retain(|_, i| *i == iter);
        }
        std::mem::swap(&mut self.prev, &mut self.cur);
        self.cur.clear();
        self.iter += 1;
        forced
    }

    fn stale(&self) -> HashSet<SeriesRef> {
        self.prev
            .keys()
            .filter(|r| !self.cur.contains_key(*r))
            .copied()
            .collect()
    }
}

fn labels_for(key: &[u8]) -> Labels {
    Labels::from_pairs([("__name__", String::from_utf8_lossy(key).as_ref())])
}

/// One body line: which text, and what the storage does with it.
#[derive(Clone, Debug)]
struct Line {
    key: u8,
    /// The storage answers with a new reference (it recreated the series).
    new_ref: bool,
}

fn key_text(k: u8) -> Vec<u8> {
    // Texts starting with `d` are dropped by "relabeling"; lengths vary.
    let prefix = if k.is_multiple_of(7) { "d" } else { "m" };
    format!(
        "{prefix}{{k=\"{}\"}}",
        "x".repeat(usize::from(k % 5)) + &k.to_string()
    )
    .into_bytes()
}

/// Runs one scrape on both caches and checks they agree.
fn scrape(
    cache: &mut ScrapeCache,
    model: &mut Model,
    lines: &[Line],
    ok: bool,
    next_ref: &mut SeriesRef,
) -> Result<(), TestCaseError> {
    for line in lines {
        let raw = key_text(line.key);
        let dropped_in_model = model.dropped.contains_key(&raw);
        let got = cache.lookup(&raw);
        if dropped_in_model {
            model.dropped.insert(raw.clone(), model.iter);
            prop_assert!(matches!(got, Lookup::Dropped));
            continue;
        }
        match (got, model.series.get_mut(&raw)) {
            (
                Lookup::Hit {
                    slot,
                    series_ref,
                    already_scraped,
                },
                Some(entry),
            ) => {
                prop_assert_eq!(series_ref, entry.0);
                prop_assert_eq!(already_scraped, entry.1 == model.iter);
                prop_assert_eq!(cache.labels(slot), &entry.2);
                entry.1 = model.iter;
                let mut r = entry.0;
                if line.new_ref {
                    *next_ref += 1;
                    r = *next_ref;
                    cache.update_ref(slot, r);
                    let old = entry.0;
                    entry.0 = r;
                    // A recreated series is tracked under its new reference only (the
                    // slot is read when staleness is computed).
                    for map in [&mut model.prev, &mut model.cur] {
                        if let Some(l) = map.remove(&old) {
                            map.insert(r, l);
                        }
                    }
                }
                cache.track_staleness(slot);
                model.cur.insert(r, entry.2.clone());
            }
            (Lookup::Miss, None) => {
                if raw.first() == Some(&b'd') {
                    cache.add_dropped(&raw);
                    model.dropped.insert(raw, model.iter);
                } else {
                    *next_ref += 1;
                    let l = labels_for(&raw);
                    let slot = cache.add(&raw, *next_ref, l.clone());
                    cache.track_staleness(slot);
                    model.cur.insert(*next_ref, l.clone());
                    model.series.insert(raw, (*next_ref, model.iter, l));
                }
            }
            (_, entry) => {
                prop_assert!(false, "lookup disagrees: model has {}", entry.is_some());
            }
        }
    }
    if !ok {
        cache.forget_current();
        model.cur.clear();
    }
    let stale: Vec<(SeriesRef, Labels)> = cache.stale_series();
    let stale_refs: HashSet<SeriesRef> = stale.iter().map(|(r, _)| *r).collect();
    prop_assert_eq!(stale.len(), stale_refs.len(), "one marker per reference");
    prop_assert_eq!(&stale_refs, &model.stale());
    for (r, l) in &stale {
        prop_assert_eq!(Some(l), model.prev.get(r));
    }
    prop_assert_eq!(cache.iter_done(ok), model.iter_done(ok));
    prop_assert_eq!(cache.len(), model.series.len());
    prop_assert_eq!(cache.dropped_len(), model.dropped.len());
    Ok(())
}

fn line() -> impl Strategy<Value = Line> {
    (0u8..40, prop::bool::weighted(0.03)).prop_map(|(key, new_ref)| Line { key, new_ref })
}

/// A base body, then scrapes that mostly repeat it with small edits.
fn scrapes() -> impl Strategy<Value = Vec<(Vec<Line>, bool)>> {
    let edit = prop_oneof![
        Just(0u8),
        Just(0u8),
        Just(1u8),
        Just(2u8),
        Just(3u8),
        Just(4u8)
    ];
    (
        prop::collection::vec(line(), 0..30),
        prop::collection::vec(
            (
                edit,
                line(),
                any::<prop::sample::Index>(),
                prop::bool::weighted(0.85),
            ),
            1..25,
        ),
    )
        .prop_map(|(base, edits)| {
            let mut body = base;
            let mut out = Vec::new();
            for (kind, l, at, ok) in edits {
                let i = if body.is_empty() {
                    0
                } else {
                    at.index(body.len())
                };
                match kind {
                    1 => body.insert(i, l),
                    2 if !body.is_empty() => {
                        body.remove(i);
                    }
                    3 if !body.is_empty() => {
                        let x = body.remove(i);
                        body.push(x);
                    }
                    4 => body.push(body.get(i).cloned().unwrap_or(l)),
                    _ => {}
                }
                out.push((body.clone(), ok));
            }
            out
        })
}

proptest! {
    #[test]
    fn agrees_with_the_map_model(scrapes in scrapes()) {
        let mut cache = ScrapeCache::default();
        let mut model = Model::default();
        let mut next_ref = 0;
        for (lines, ok) in &scrapes {
            scrape(&mut cache, &mut model, lines, *ok, &mut next_ref)?;
        }
    }
}

#[test]
fn steady_scrapes_match_by_position_and_report_nothing_stale() {
    let mut cache = ScrapeCache::default();
    let keys: Vec<Vec<u8>> = (0..100)
        .map(|i| format!("m{{i=\"{i}\"}}").into_bytes())
        .collect();
    for (i, k) in keys.iter().enumerate() {
        assert!(matches!(cache.lookup(k), Lookup::Miss));
        let slot = cache.add(k, i as SeriesRef, labels_for(k));
        cache.track_staleness(slot);
    }
    assert!(!cache.iter_done(true));
    for _ in 0..3 {
        for (i, k) in keys.iter().enumerate() {
            let Lookup::Hit {
                slot, series_ref, ..
            } = cache.lookup(k)
            else {
                panic!("cached");
            };
            assert_eq!(series_ref, i as SeriesRef);
            assert_eq!(cache.cursor, i + 1, "matched by position");
            cache.track_staleness(slot);
        }
        assert!(cache.stale_series().is_empty());
        cache.iter_done(true);
    }
    // One line removed: that series is stale, the rest still match in order.
    for (i, k) in keys.iter().enumerate().filter(|(i, _)| *i != 10) {
        let Lookup::Hit { slot, .. } = cache.lookup(k) else {
            panic!("cached");
        };
        if i > 10 {
            assert_eq!(cache.cursor, i + 1, "resynchronised after the gap");
        }
        cache.track_staleness(slot);
    }
    let stale = cache.stale_series();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].0, 10);
    cache.iter_done(true);
    assert_eq!(cache.len(), 99);
}

#[test]
fn churning_texts_keep_the_arena_bounded() {
    let mut cache = ScrapeCache::default();
    for round in 0..200u64 {
        for i in 0..50 {
            let k = format!("m{{round=\"{round}\",i=\"{i}\"}}").into_bytes();
            let slot = cache.add(&k, round * 100 + i, labels_for(&k));
            cache.track_staleness(slot);
        }
        cache.iter_done(true);
        assert_eq!(cache.len(), 50);
    }
    // Each round's texts are about 25 bytes; 50 of them live.
    assert!(cache.key_arena_len() < 4 * 50 * 30 + MIN_GARBAGE_TO_COMPACT);
    let k = b"m{round=\"199\",i=\"7\"}".to_vec();
    assert!(matches!(
        cache.lookup(&k),
        Lookup::Hit {
            series_ref: 19907,
            ..
        }
    ));
}
