//! Reading the head: matchers to series, and consistent snapshots of a series' chunks
//! (completed chunks by reference into the mapped files, the open chunk copied).

use std::collections::BTreeSet;
use std::sync::Arc;

use promlite_encoding::ChunkEncoding;
use promlite_model::{Labels, Matcher};

use super::series::MemSeries;
use super::Head;
use crate::error::Result;
use crate::query::chunks::{ChunkData, ChunkHandle, Intervals};
use crate::query::postings::postings_for_matchers;

/// The chunks of one head series overlapping a time range.
#[derive(Clone, Debug)]
pub struct HeadSeriesData {
    pub id: u32,
    pub labels: Labels,
    pub chunks: Vec<ChunkHandle>,
    pub deleted: Intervals,
}

impl Head {
    /// Series matching `matchers`, as (labels, series), sorted by labels.
    pub fn matching_series(&self, matchers: &[Matcher]) -> Result<Vec<Arc<MemSeries>>> {
        let ids = {
            let ix = self.index.read();
            postings_for_matchers(&*ix, matchers)?
        };
        let mut out: Vec<Arc<MemSeries>> =
            ids.iter().filter_map(|id| self.series_by_id(id)).collect();
        out.sort_by(|a, b| a.labels.cmp(&b.labels));
        Ok(out)
    }

    /// A snapshot of the chunks of `s` overlapping `[mint, maxt]`; `None` when there are none.
    pub fn snapshot(&self, s: &MemSeries, mint: i64, maxt: i64) -> Option<HeadSeriesData> {
        let mut chunks = Vec::new();
        {
            let st = s.state.lock();
            for c in st
                .chunks
                .iter()
                .filter(|c| c.maxt >= mint && c.mint <= maxt)
            {
                if let Some(file) = self.chunk_files.file(c.file()) {
                    chunks.push(ChunkHandle {
                        mint: c.mint,
                        maxt: c.maxt,
                        data: ChunkData::Mapped {
                            file,
                            offset: c.offset(),
                        },
                    });
                }
            }
            if !st.open.is_empty() && st.open.last_t() >= mint && st.open_mint <= maxt {
                chunks.push(ChunkHandle {
                    mint: st.open_mint,
                    maxt: st.open.last_t(),
                    data: ChunkData::Owned(ChunkEncoding::Xor, Arc::from(st.open.bytes())),
                });
            }
        }
        if chunks.is_empty() {
            return None;
        }
        Some(HeadSeriesData {
            id: s.id,
            labels: s.labels.clone(),
            chunks,
            deleted: self.tombstones_of(s.id),
        })
    }

    /// Series matching `matchers` with data in `[mint, maxt]`, sorted by labels.
    pub fn select(
        &self,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<HeadSeriesData>> {
        if self.is_empty() || self.max_time() < mint || self.min_time() > maxt {
            return Ok(Vec::new());
        }
        Ok(self
            .matching_series(matchers)?
            .iter()
            .filter_map(|s| self.snapshot(s, mint, maxt))
            .collect())
    }

    /// Sorted label names of series matching `matchers` (all when empty).
    pub fn label_names(&self, matchers: &[Matcher]) -> Result<Vec<String>> {
        if matchers.is_empty() {
            return Ok(self.index.read().names());
        }
        let mut names = BTreeSet::new();
        for s in self.matching_series(matchers)? {
            for l in s.labels.iter() {
                if !names.contains(l.name) {
                    names.insert(l.name.to_string());
                }
            }
        }
        Ok(names.into_iter().collect())
    }

    /// Sorted values of `name` among series matching `matchers` (all when empty).
    pub fn label_values(&self, name: &str, matchers: &[Matcher]) -> Result<Vec<String>> {
        if matchers.is_empty() {
            use crate::query::postings::IndexView;
            return self.index.read().label_values(name);
        }
        let mut values = BTreeSet::new();
        for s in self.matching_series(matchers)? {
            if let Some(v) = s.labels.get(name) {
                if !values.contains(v) {
                    values.insert(v.to_string());
                }
            }
        }
        Ok(values.into_iter().collect())
    }
}
