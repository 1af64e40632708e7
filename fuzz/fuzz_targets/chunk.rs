//! Fuzz target: `promlite_tsdb::fuzzing::chunk` must return for any input, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    promlite_tsdb::fuzzing::chunk(data);
});
