//! The subcommands of the `promlite` binary.

pub mod check;
pub mod import;
pub mod test_promql;
