//! Writing the head into a snapshot at close ([`crate::wal::snapshot`]): every series'
//! labels, its chunks as they are (completed ones read from `chunks_head/`, the open one
//! copied) and its newest sample, then the tombstones.

use promlite_encoding::ChunkEncoding;

use super::Head;
use crate::error::{Result, TsdbError};
use crate::wal::record::SeriesEntry;
use crate::wal::snapshot::{
    put_snapshot_chunk, put_snapshot_chunk_data, put_snapshot_series, SnapshotWriter,
};

/// Series per series record and chunks record.
const SERIES_PER_BATCH: usize = 2_000;

impl Head {
    /// Streams the head into `w`, batch by batch (the whole head never sits in one
    /// buffer). Returns the number of chunks written.
    pub(crate) fn write_snapshot(&self, w: &mut SnapshotWriter) -> Result<u64> {
        let mut all = self.all_series();
        all.sort_by_key(|s| s.id);
        let mut entries = Vec::with_capacity(SERIES_PER_BATCH);
        let mut payload = Vec::new();
        let mut chunks_written = 0u64;
        for batch in all.chunks(SERIES_PER_BATCH) {
            entries.clear();
            payload.clear();
            for s in batch {
                let st = s.state.lock();
                // Series without samples are still logged: later segments may name them.
                entries.push(SeriesEntry {
                    id: s.id,
                    labels: s.labels.clone(),
                });
                let Some(last) = st.last else { continue };
                let nchunks = st.chunks.len() + usize::from(!st.open.is_empty());
                put_snapshot_series(&mut payload, s.id, last, nchunks);
                for r in &st.chunks {
                    let file = self.chunk_files.file(r.file()).ok_or_else(|| {
                        TsdbError::Other(format!("head chunk file {} is gone", r.file()))
                    })?;
                    put_snapshot_chunk(
                        &mut payload,
                        r.mint,
                        r.maxt,
                        file.framed_chunk_at(r.offset())?,
                    );
                }
                if !st.open.is_empty() {
                    put_snapshot_chunk_data(
                        &mut payload,
                        st.open_mint,
                        st.open.last_t(),
                        ChunkEncoding::Xor,
                        st.open.bytes(),
                    );
                }
                chunks_written += nchunks as u64;
            }
            w.add_batch(&entries, &payload)?;
        }
        w.add_tombstones(&self.all_tombstones())?;
        Ok(chunks_written)
    }
}
