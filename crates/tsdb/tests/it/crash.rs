//! Placeholder, filled by the crash test.
