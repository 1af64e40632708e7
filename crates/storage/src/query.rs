//! The read side: `Queryable` opens a `Querier` over a time range; its `select` yields
//! `Series` sorted by labels, whose samples stream through `SampleIterator`s.

use promlite_model::{Labels, Matcher, Sample};

use crate::Result;

/// What a caller will do with selected data, so the storage can skip what is not needed.
/// All times are milliseconds, both ends inclusive.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SelectHints {
    /// Earliest sample timestamp the caller needs.
    pub start: i64,
    /// Latest sample timestamp the caller needs.
    pub end: i64,
    /// Query resolution step (0 for an instant query).
    pub step: i64,
    /// The function the selection is passed to, if any (`rate`, `series` for metadata).
    pub func: Option<String>,
    /// Range of a range selector, in ms (0 for an instant selector).
    pub range: i64,
}

impl SelectHints {
    /// Hints that only bound the time range.
    pub fn range(start: i64, end: i64) -> SelectHints {
        SelectHints {
            start,
            end,
            ..SelectHints::default()
        }
    }
}

/// Something that can be read from.
pub trait Queryable: Send + Sync {
    /// A querier over samples in `[mint, maxt]` (ms, inclusive). It sees the data
    /// committed when it was created or later.
    fn querier(&self, mint: i64, maxt: i64) -> Result<Box<dyn Querier>>;
}

/// Series selected by [`Querier::select`]: sorted by labels, without duplicates.
pub type SeriesSet<'a> = Box<dyn Iterator<Item = Result<Box<dyn Series + 'a>>> + Send + 'a>;

/// Reads series and label values within the querier's time range.
pub trait Querier: Send + Sync {
    /// Series whose labels satisfy every matcher (an absent label has the value `""`),
    /// sorted by labels. Only series with at least one sample in
    /// `[hints.start, hints.end]` (clamped to the querier's range) are returned.
    fn select<'a>(&'a self, matchers: &[Matcher], hints: &SelectHints) -> Result<SeriesSet<'a>>;

    /// Sorted distinct values of label `name` among series satisfying `matchers`
    /// (all series when empty).
    fn label_values(&self, name: &str, matchers: &[Matcher]) -> Result<Vec<String>>;

    /// Sorted distinct label names among series satisfying `matchers`.
    fn label_names(&self, matchers: &[Matcher]) -> Result<Vec<String>>;
}

/// One selected series.
pub trait Series: Send + Sync {
    fn labels(&self) -> &Labels;

    /// The samples in `[mint, maxt]` (ms, inclusive), oldest first.
    fn iter(&self, mint: i64, maxt: i64) -> Box<dyn SampleIterator + '_>;

    /// Appends the samples in `[mint, maxt]` to `out`. Storages override this to decode
    /// whole chunks at once.
    fn samples_into(&self, mint: i64, maxt: i64, out: &mut Vec<Sample>) -> Result<()> {
        let mut it = self.iter(mint, maxt);
        while let Some(s) = it.next()? {
            out.push(s);
        }
        Ok(())
    }

    /// The samples in `[mint, maxt]` as a vector.
    fn samples(&self, mint: i64, maxt: i64) -> Result<Vec<Sample>> {
        let mut out = Vec::new();
        self.samples_into(mint, maxt, &mut out)?;
        Ok(out)
    }
}

/// Streams the samples of one series in time order.
pub trait SampleIterator: Send {
    /// The next sample, or `None` at the end.
    fn next(&mut self) -> Result<Option<Sample>>;

    /// Advances to the first sample at or after `t` and returns it. Never moves backwards:
    /// if the current position is already past `t`, returns the next sample.
    fn seek(&mut self, t: i64) -> Result<Option<Sample>> {
        while let Some(s) = self.next()? {
            if s.t >= t {
                return Ok(Some(s));
            }
        }
        Ok(None)
    }
}

/// A [`SampleIterator`] over a slice already in memory.
pub struct VecSampleIterator<'a> {
    samples: &'a [Sample],
    pos: usize,
}

impl<'a> VecSampleIterator<'a> {
    /// Iterates the samples of `samples` within `[mint, maxt]` (`samples` sorted by time).
    pub fn new(samples: &'a [Sample], mint: i64, maxt: i64) -> VecSampleIterator<'a> {
        let lo = samples.partition_point(|s| s.t < mint);
        let hi = samples.partition_point(|s| s.t <= maxt);
        VecSampleIterator {
            samples: &samples[lo..hi.max(lo)],
            pos: 0,
        }
    }
}

impl SampleIterator for VecSampleIterator<'_> {
    fn next(&mut self) -> Result<Option<Sample>> {
        let s = self.samples.get(self.pos).copied();
        if s.is_some() {
            self.pos += 1;
        }
        Ok(s)
    }

    fn seek(&mut self, t: i64) -> Result<Option<Sample>> {
        let rest = &self.samples[self.pos..];
        self.pos += rest.partition_point(|s| s.t < t);
        self.next()
    }
}

/// Drains a series set into `(labels, samples in [mint, maxt])` pairs; handy in tests.
pub fn collect_samples(
    set: SeriesSet<'_>,
    mint: i64,
    maxt: i64,
) -> Result<Vec<(Labels, Vec<Sample>)>> {
    let mut out = Vec::new();
    for s in set {
        let s = s?;
        out.push((s.labels().clone(), s.samples(mint, maxt)?));
    }
    Ok(out)
}
