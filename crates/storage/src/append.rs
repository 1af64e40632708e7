//! The write side: `Appendable` hands out `Appender`s that buffer samples until commit.

use promlite_model::{Labels, Metadata};

use crate::Result;

/// A dense reference to a series, handed out by [`Appender::append`]. Passing it back
/// skips the label lookup. A stale reference (series gone from the head) is not an error:
/// the appender falls back to the labels.
pub type SeriesRef = u64;

/// Something that can be written to.
pub trait Appendable: Send + Sync {
    /// A new appender. Appenders from many threads may be open at once.
    fn appender(&self) -> Box<dyn Appender>;
}

/// Buffers samples of many series and makes them visible and durable on [`commit`].
///
/// Dropping an appender without committing rolls it back.
///
/// [`commit`]: Appender::commit
pub trait Appender: Send {
    /// Adds one float sample. `series_ref` is the reference an earlier call returned for
    /// the same labels, or `None`. Errors: [`StorageError::OutOfOrderSample`],
    /// [`StorageError::DuplicateSampleForTimestamp`], [`StorageError::OutOfBounds`]; the
    /// sample is then not added and the appender stays usable.
    ///
    /// [`StorageError::OutOfOrderSample`]: crate::StorageError::OutOfOrderSample
    /// [`StorageError::DuplicateSampleForTimestamp`]: crate::StorageError::DuplicateSampleForTimestamp
    /// [`StorageError::OutOfBounds`]: crate::StorageError::OutOfBounds
    fn append(
        &mut self,
        series_ref: Option<SeriesRef>,
        labels: &Labels,
        t: i64,
        v: f64,
    ) -> Result<SeriesRef>;

    /// Records metadata for a series' metric family. Storages that keep none ignore it.
    fn update_metadata(&mut self, _labels: &Labels, _meta: &Metadata) -> Result<()> {
        Ok(())
    }

    /// Makes every appended sample visible and durable. The appender is empty afterwards
    /// and may be reused.
    fn commit(&mut self) -> Result<()>;

    /// Drops every sample appended since the last commit.
    fn rollback(&mut self) -> Result<()>;
}
