//! `Fanout`: an [`Appendable`] wrapper that writes to the primary storage and, once a
//! commit succeeds, hands the committed samples to the [`RemoteWriteManager`]. The append
//! path only clones label handles into a buffer; relabeling and sending happen on the
//! manager's tasks.

use std::sync::Arc;

use promlite_model::{Labels, Metadata};
use promlite_storage::{Appendable, Appender, Querier, Queryable, Result, SeriesRef};

use crate::sender::{CommittedSample, RemoteWriteManager};

/// Writes go to `primary`, committed samples also to the remotes. Reads (when the
/// primary is `Queryable`) go to the primary only.
pub struct Fanout<A> {
    primary: A,
    remote: Arc<RemoteWriteManager>,
}

impl<A> std::fmt::Debug for Fanout<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fanout")
            .field("remote", &self.remote)
            .finish()
    }
}

impl<A> Fanout<A> {
    pub fn new(primary: A, remote: Arc<RemoteWriteManager>) -> Fanout<A> {
        Fanout { primary, remote }
    }

    pub fn primary(&self) -> &A {
        &self.primary
    }

    pub fn remote(&self) -> &Arc<RemoteWriteManager> {
        &self.remote
    }
}

impl<A: Appendable> Appendable for Fanout<A> {
    fn appender(&self) -> Box<dyn Appender> {
        Box::new(FanoutAppender {
            inner: self.primary.appender(),
            remote: self.remote.clone(),
            samples: Vec::new(),
            metadata: Vec::new(),
        })
    }
}

impl<A: Queryable> Queryable for Fanout<A> {
    fn querier(&self, mint: i64, maxt: i64) -> Result<Box<dyn Querier>> {
        self.primary.querier(mint, maxt)
    }
}

struct FanoutAppender {
    inner: Box<dyn Appender>,
    remote: Arc<RemoteWriteManager>,
    samples: Vec<CommittedSample>,
    metadata: Vec<(String, Metadata)>,
}

impl Appender for FanoutAppender {
    fn append(
        &mut self,
        series_ref: Option<SeriesRef>,
        labels: &Labels,
        t: i64,
        v: f64,
    ) -> Result<SeriesRef> {
        let r = self.inner.append(series_ref, labels, t, v)?;
        if self.remote.is_active() {
            self.samples.push(CommittedSample {
                labels: labels.clone(),
                t,
                v,
            });
        }
        Ok(r)
    }

    fn update_metadata(&mut self, labels: &Labels, meta: &Metadata) -> Result<()> {
        self.inner.update_metadata(labels, meta)?;
        if self.remote.is_active() {
            if let Some(name) = labels.metric_name() {
                self.metadata.push((name.to_string(), meta.clone()));
            }
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        let samples = std::mem::take(&mut self.samples);
        let metadata = std::mem::take(&mut self.metadata);
        self.inner.commit()?;
        self.remote.append(samples);
        for (family, meta) in metadata {
            self.remote.update_metadata(&family, &meta);
        }
        Ok(())
    }

    fn rollback(&mut self) -> Result<()> {
        self.samples.clear();
        self.metadata.clear();
        self.inner.rollback()
    }
}
