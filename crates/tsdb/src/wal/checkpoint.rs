//! Checkpoints: `wal/checkpoint.NNNNNNNN/` holds the series records (and tombstones) of
//! every series still in the head, so the segments up to NNNNNNNN, whose samples blocks
//! now hold, can be deleted.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use promlite_encoding::file_format::header_bytes;

use super::record::{encode_series, encode_tombstones, SeriesEntry, TombstoneEntry};
use super::{segment_name, sync_dir, WAL_MAGIC, WAL_VERSION};
use crate::error::{IoContext, Result};

/// Writes `checkpoint.{upto}` atomically (temporary directory, fsync, rename) and removes
/// older checkpoints.
pub fn write_checkpoint(
    wal_dir: &Path,
    upto: u32,
    series: &[SeriesEntry],
    tombstones: &[TombstoneEntry],
) -> Result<()> {
    let name = format!("checkpoint.{upto:08}");
    let tmp = wal_dir.join(format!("{name}.tmp"));
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp).ctx(|| format!("creating {}", tmp.display()))?;
    let path = tmp.join(segment_name(0));
    let mut buf = Vec::with_capacity(1 << 20);
    buf.extend_from_slice(&header_bytes(WAL_MAGIC, WAL_VERSION));
    for batch in series.chunks(5000) {
        encode_series(batch, &mut buf);
    }
    for batch in tombstones.chunks(5000) {
        encode_tombstones(batch, &mut buf);
    }
    let mut f = File::create(&path).ctx(|| format!("creating {}", path.display()))?;
    f.write_all(&buf)
        .ctx(|| format!("writing {}", path.display()))?;
    f.sync_all().ctx(|| format!("syncing {}", path.display()))?;
    drop(f);
    sync_dir(&tmp)?;
    let dest = wal_dir.join(&name);
    let _ = fs::remove_dir_all(&dest);
    fs::rename(&tmp, &dest).ctx(|| format!("renaming {} to {}", tmp.display(), dest.display()))?;
    sync_dir(wal_dir)?;
    for entry in fs::read_dir(wal_dir)
        .ctx(|| format!("listing {}", wal_dir.display()))?
        .flatten()
    {
        let n = entry.file_name();
        let Some(n) = n.to_str() else { continue };
        if let Some(i) = n
            .strip_prefix("checkpoint.")
            .and_then(|s| s.parse::<u32>().ok())
        {
            if i < upto {
                fs::remove_dir_all(entry.path())
                    .ctx(|| format!("removing {}", entry.path().display()))?;
            }
        }
    }
    Ok(())
}
