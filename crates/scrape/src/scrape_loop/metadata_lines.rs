//! `MetadataLines`: skips the metadata store when a scrape's `# TYPE` / `# HELP` /
//! `# UNIT` lines are exactly the previous scrape's, which is nearly always the case.
//!
//! Every metadata line used to be one locked hash-map update. Instead the lines of a
//! scrape are recorded, in order, in one byte string; while they repeat the previous
//! scrape's byte for byte nothing else happens, and at the end of the body one pass
//! over the store marks the previous scrape's families seen again. That equals applying
//! the same lines again, because nothing but this recorder writes the store between
//! two scrapes of the target. As soon as a line differs (or the body is cut short by an
//! error, or the store lost a family meanwhile), the lines recorded so far and all
//! later ones are applied one by one, as before.

use promlite_model::MetricType;

use super::metadata::MetadataStore;

/// Separates the fields of a recorded line; never part of a `&str`.
const SEP: u8 = 0xff;

const KIND_TYPE: u8 = 0;
const KIND_HELP: u8 = 1;
const KIND_UNIT: u8 = 2;

/// Every metric type, indexed by its recorded byte.
const TYPES: [MetricType; 8] = MetricType::ALL;

/// One metadata line of a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MetadataLine<'a> {
    Type(&'a str, MetricType),
    Help(&'a str, &'a str),
    Unit(&'a str, &'a str),
}

impl MetadataLine<'_> {
    fn encode(self, out: &mut Vec<u8>) {
        let (kind, family, text): (u8, &str, &[u8]) = match self {
            MetadataLine::Type(f, t) => {
                let i = TYPES
                    .iter()
                    .position(|&x| x == t)
                    .unwrap_or(TYPES.len() - 1);
                (KIND_TYPE, f, &[i as u8])
            }
            MetadataLine::Help(f, h) => (KIND_HELP, f, h.as_bytes()),
            MetadataLine::Unit(f, u) => (KIND_UNIT, f, u.as_bytes()),
        };
        out.push(kind);
        out.extend_from_slice(family.as_bytes());
        out.push(SEP);
        out.extend_from_slice(text);
        out.push(SEP);
    }

    fn apply(self, store: &MetadataStore, iter: u64) {
        match self {
            MetadataLine::Type(f, t) => store.set_type(f, t, iter),
            MetadataLine::Help(f, h) => store.set_help(f, h, iter),
            MetadataLine::Unit(f, u) => store.set_unit(f, u, iter),
        }
    }
}

/// Decodes the recorded lines of `buf`, in order.
fn decode(buf: &[u8]) -> impl Iterator<Item = MetadataLine<'_>> {
    let mut rest = buf;
    std::iter::from_fn(move || {
        let (&kind, tail) = rest.split_first()?;
        let family_end = tail.iter().position(|&c| c == SEP)?;
        let (family, tail) = tail.split_at(family_end);
        let tail = tail.get(1..)?;
        let text_end = tail.iter().position(|&c| c == SEP)?;
        let (text, tail) = tail.split_at(text_end);
        rest = tail.get(1..)?;
        // Recorded from `&str`s, so these never fail.
        let family = std::str::from_utf8(family).ok()?;
        Some(match kind {
            KIND_TYPE => {
                let i = usize::from(text.first().copied().unwrap_or(u8::MAX));
                MetadataLine::Type(family, TYPES.get(i).copied().unwrap_or_default())
            }
            KIND_HELP => MetadataLine::Help(family, std::str::from_utf8(text).ok()?),
            _ => MetadataLine::Unit(family, std::str::from_utf8(text).ok()?),
        })
    })
}

/// The metadata lines of the last complete scrape and of the current one.
#[derive(Default)]
pub(crate) struct MetadataLines {
    prev: Vec<u8>,
    /// The iteration `prev` was applied in, and how many families it touched; `None`
    /// when `prev` cannot stand for the store's state (the last body was cut short).
    prev_applied: Option<(u64, usize)>,
    cur: Vec<u8>,
    /// Lines of `cur` already applied to the store; `cur` is a prefix of `prev` while
    /// this is zero and `diverged` is false.
    diverged: bool,
}

impl MetadataLines {
    /// Records one metadata line of the body being appended.
    pub(crate) fn note(&mut self, store: &MetadataStore, line: MetadataLine<'_>, iter: u64) {
        let start = self.cur.len();
        line.encode(&mut self.cur);
        if self.diverged {
            line.apply(store, iter);
            return;
        }
        if self.prev.get(start..self.cur.len()) == self.cur.get(start..) {
            return;
        }
        self.diverged = true;
        for l in decode(&self.cur) {
            l.apply(store, iter);
        }
    }

    /// Ends the body: `complete` when it was parsed to the end.
    pub(crate) fn finish(&mut self, store: &MetadataStore, complete: bool, iter: u64) {
        if !self.diverged {
            let same_as_prev = complete && self.cur.len() == self.prev.len();
            let touched = match self.prev_applied {
                Some((prev_iter, families)) if same_as_prev => {
                    store.mark_seen_again(prev_iter, families, iter)
                }
                _ => false,
            };
            if !touched {
                for l in decode(&self.cur) {
                    l.apply(store, iter);
                }
            }
        }
        self.prev_applied = if complete {
            std::mem::swap(&mut self.prev, &mut self.cur);
            Some((iter, store.count_seen_in(iter)))
        } else {
            None
        };
        self.cur.clear();
        self.diverged = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines() -> Vec<MetadataLine<'static>> {
        vec![
            MetadataLine::Type("a", MetricType::Counter),
            MetadataLine::Help("a", "the a\u{e9}"),
            MetadataLine::Unit("b", ""),
            MetadataLine::Type("b", MetricType::StateSet),
            MetadataLine::Help("", ""),
        ]
    }

    #[test]
    fn recorded_lines_decode_to_themselves() {
        let mut buf = Vec::new();
        for l in lines() {
            l.encode(&mut buf);
        }
        assert_eq!(decode(&buf).collect::<Vec<_>>(), lines());
    }

    /// The store after a sequence of scrapes equals the store fed line by line.
    #[test]
    fn store_matches_line_by_line_application() {
        let scrapes: Vec<(Vec<MetadataLine<'static>>, bool)> = vec![
            (lines(), true),
            (lines(), true),
            (lines()[..2].to_vec(), false),
            (lines(), true),
            (vec![MetadataLine::Help("a", "changed")], true),
            (lines(), true),
            (lines(), true),
            (vec![], true),
            (lines(), true),
        ];
        let fast = MetadataStore::default();
        let slow = MetadataStore::default();
        let mut rec = MetadataLines::default();
        for (iter, (ls, complete)) in scrapes.iter().enumerate() {
            let iter = iter as u64;
            for l in ls {
                rec.note(&fast, *l, iter);
                l.apply(&slow, iter);
            }
            rec.finish(&fast, *complete, iter);
            assert_eq!(
                fast.snapshot_with_iters(),
                slow.snapshot_with_iters(),
                "{iter}"
            );
        }
    }

    #[test]
    fn a_family_expired_meanwhile_is_written_again() {
        let store = MetadataStore::default();
        let mut rec = MetadataLines::default();
        for l in lines() {
            rec.note(&store, l, 0);
        }
        rec.finish(&store, true, 0);
        store.expire(100);
        assert_eq!(store.len(), 0);
        for l in lines() {
            rec.note(&store, l, 101);
        }
        rec.finish(&store, true, 101);
        assert_eq!(store.len(), 3);
    }
}
