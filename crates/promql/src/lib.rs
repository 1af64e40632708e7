//! PromQL evaluator: instant and range queries over the storage traits, and the promqltest runner.
