//! Integration tests of promlite-config: loading, validation messages, relabeling, rule
//! files and the seed fixtures.

mod config_load;
mod golden;
mod relabel;
mod robustness;
mod rules;
mod seeds;
