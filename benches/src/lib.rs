//! Shared helpers for promlite benches (dataset generators).
