//! The subcommands of the `promlite` binary.

pub mod check;
