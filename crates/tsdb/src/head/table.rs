//! `SeriesTable`: the head's series by dense id. Ids are handed out in increasing order,
//! so a paged vector serves lookups without hashing: one shard lock and two indexings.
//! A page whose series are all gone is freed, so churn does not keep a slot alive for
//! every id ever handed out.

use std::sync::Arc;

use parking_lot::RwLock;

use super::prefetch::prefetch_read;
use super::series::MemSeries;

/// Shards, so appenders on different threads rarely take the same lock word. A page of
/// consecutive ids lives in one shard (pages go round-robin over the shards): a scrape
/// appends its series in id order, so it keeps taking the same, cached, lock word, and
/// the next series is in reach for a prefetch.
const SHARDS: usize = 64;
/// Slots per page (a page is 2 KiB of pointers).
const PAGE_SLOTS: usize = 256;

struct Page {
    slots: Box<[Option<Arc<MemSeries>>]>,
    live: usize,
}

impl Page {
    fn new() -> Page {
        Page {
            slots: (0..PAGE_SLOTS).map(|_| None).collect(),
            live: 0,
        }
    }
}

#[derive(Default)]
struct Shard {
    pages: Vec<Option<Page>>,
}

/// Where id `id` lives: shard, page within the shard, slot within the page.
#[inline]
fn position(id: u32) -> (usize, usize, usize) {
    let id = id as usize;
    let page = id / PAGE_SLOTS;
    (page % SHARDS, page / SHARDS, id % PAGE_SLOTS)
}

/// Head series by id.
pub(crate) struct SeriesTable {
    shards: Box<[RwLock<Shard>]>,
}

impl Default for SeriesTable {
    fn default() -> Self {
        SeriesTable {
            shards: (0..SHARDS).map(|_| RwLock::default()).collect(),
        }
    }
}

impl SeriesTable {
    /// Calls `f` with the series `id` while its shard is read-locked (no reference count
    /// is taken); `None` when there is no such series.
    #[inline]
    pub fn with<R>(&self, id: u32, f: impl FnOnce(&Arc<MemSeries>) -> R) -> Option<R> {
        let (shard, page, slot) = position(id);
        let guard = self.shards.get(shard)?.read();
        let s = guard.pages.get(page)?.as_ref()?.slots.get(slot)?.as_ref()?;
        Some(f(s))
    }

    #[inline]
    pub fn get(&self, id: u32) -> Option<Arc<MemSeries>> {
        self.with(id, Arc::clone)
    }

    /// [`SeriesTable::with`], and if series `id + AHEAD` is in the same page, starts
    /// loading its first cache lines: appenders usually go through series in id order,
    /// so the series they ask for next is then on its way into the cache.
    #[inline]
    pub fn with_and_prefetch_next<R>(&self, id: u32, f: impl FnOnce(&MemSeries) -> R) -> Option<R> {
        const AHEAD: usize = 2;
        let (shard, page, slot) = position(id);
        let guard = self.shards.get(shard)?.read();
        let slots = &guard.pages.get(page)?.as_ref()?.slots;
        if let Some(Some(next)) = slots.get(slot + AHEAD) {
            let p = Arc::as_ptr(next).cast::<u8>();
            prefetch_read(p);
            prefetch_read(p.wrapping_add(64));
            prefetch_read(p.wrapping_add(128));
        }
        Some(f(slots.get(slot)?.as_ref()?))
    }

    /// Stores `s` under its id (replacing what was there).
    pub fn insert(&self, s: Arc<MemSeries>) {
        let (shard, page, slot) = position(s.id);
        let Some(shard) = self.shards.get(shard) else {
            return;
        };
        let mut w = shard.write();
        if w.pages.len() <= page {
            w.pages.resize_with(page + 1, || None);
        }
        let Some(p) = w.pages.get_mut(page) else {
            return;
        };
        let p = p.get_or_insert_with(Page::new);
        if let Some(cell) = p.slots.get_mut(slot) {
            if cell.replace(s).is_none() {
                p.live += 1;
            }
        }
    }

    /// Calls `f(item, series)` for every item in order, with the series of id
    /// `id_of(item)` (`None` if there is none). Consecutive ids of one page share one
    /// acquisition of the shard's read lock, so a commit of series in id order takes
    /// the lock once per page rather than once per sample. `f` must not touch the table.
    pub fn visit<T>(
        &self,
        items: &[T],
        id_of: impl Fn(&T) -> u32,
        mut f: impl FnMut(&T, Option<&Arc<MemSeries>>),
    ) {
        let mut held: Option<(usize, parking_lot::RwLockReadGuard<'_, Shard>)> = None;
        for item in items {
            let (shard, page, slot) = position(id_of(item));
            if held.as_ref().is_none_or(|(s, _)| *s != shard) {
                // Release the previous shard before taking the next: one lock at a time.
                drop(held.take());
                held = self.shards.get(shard).map(|l| (shard, l.read()));
            }
            let series = held
                .as_ref()
                .and_then(|(_, guard)| guard.pages.get(page)?.as_ref()?.slots.get(slot)?.as_ref());
            f(item, series);
        }
    }

    /// Removes series `id`; frees its page when that was the page's last series.
    pub fn remove(&self, id: u32) {
        let (shard, page, slot) = position(id);
        let Some(shard) = self.shards.get(shard) else {
            return;
        };
        let mut w = shard.write();
        let Some(Some(p)) = w.pages.get_mut(page) else {
            return;
        };
        if p.slots.get_mut(slot).and_then(Option::take).is_some() {
            p.live -= 1;
            if p.live == 0 {
                if let Some(cell) = w.pages.get_mut(page) {
                    *cell = None;
                }
            }
        }
    }

    /// Calls `f` for every series, one shard at a time (in no particular order).
    pub fn for_each(&self, mut f: impl FnMut(&Arc<MemSeries>)) {
        for shard in self.shards.iter() {
            let r = shard.read();
            for p in r.pages.iter().flatten() {
                p.slots.iter().flatten().for_each(&mut f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use promlite_model::Labels;

    fn series(id: u32) -> Arc<MemSeries> {
        Arc::new(MemSeries::new(
            id,
            Labels::from_pairs([("i", id.to_string())]),
        ))
    }

    #[test]
    fn insert_get_remove_and_pages_are_freed() {
        let t = SeriesTable::default();
        let ids: Vec<u32> = (1..5_000).chain([1 << 20, u32::MAX - 1]).collect();
        for &id in &ids {
            t.insert(series(id));
        }
        for &id in &ids {
            assert_eq!(t.get(id).map(|s| s.id), Some(id));
        }
        assert!(t.get(0).is_none());
        assert!(t.get(5_000).is_none());
        let mut n = 0;
        t.for_each(|_| n += 1);
        assert_eq!(n, ids.len());
        for &id in &ids {
            t.remove(id);
            assert!(t.get(id).is_none());
        }
        t.remove(7);
        for shard in t.shards.iter() {
            assert!(shard.read().pages.iter().all(Option::is_none));
        }
    }
}
