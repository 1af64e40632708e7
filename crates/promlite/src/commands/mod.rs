//! The subcommands of the `promlite` binary.

pub mod check;
pub mod test_promql;
