//! Small file-system helpers shared by the engine.

use std::fs;
use std::path::Path;

/// Total bytes of the regular files under `dir`, recursively (0 if it does not exist).
pub fn dir_size(dir: &Path) -> u64 {
    let Ok(rd) = fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        })
        .sum()
}

/// Floor division that rounds toward negative infinity (timestamps can be negative).
#[inline]
pub fn floor_to(t: i64, range: i64) -> i64 {
    t.div_euclid(range.max(1)) * range.max(1)
}
