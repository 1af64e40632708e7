//! `SourceLine`: where something was written in its file, ignored by equality.

use std::fmt;
use std::hash::{Hash, Hasher};

/// The 1-based line a config item was written on (0 when built in code).
///
/// Equality and hashing ignore it, so that a reloaded file whose jobs or rules only moved
/// compares equal to the running configuration and nothing is restarted needlessly.
#[derive(Clone, Copy, Default, PartialOrd, Ord)]
pub struct SourceLine(pub usize);

impl SourceLine {
    /// The line, or `None` when unknown (built in code).
    pub fn get(self) -> Option<usize> {
        (self.0 > 0).then_some(self.0)
    }
}

impl PartialEq for SourceLine {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for SourceLine {}

impl Hash for SourceLine {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}

impl fmt::Debug for SourceLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.0)
    }
}

impl fmt::Display for SourceLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
