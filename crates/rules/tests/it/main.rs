//! Integration tests of the rules crate: evaluation over in-memory storage and the real
//! PromQL engine, and the notifier against a fake Alertmanager.

mod alerting;
mod notifier;
