//! The subcommands of the `promlite` binary.

pub mod check;
pub mod import;
pub mod query;
pub mod test_promql;
