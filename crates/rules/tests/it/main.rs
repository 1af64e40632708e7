//! Integration tests of the rules crate: evaluation over in-memory storage and the real
//! PromQL engine, `for` state restored across restarts, `promtool test rules` files, the
//! notifier against a fake Alertmanager and against the real one (when installed).

mod alerting;
mod counters;
mod notifier;
mod notifier_extra;
mod parse_options;
mod promtool_tests;
mod real_alertmanager;
mod removed_group;
mod restore;
