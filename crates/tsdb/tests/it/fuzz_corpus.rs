//! The fuzz targets' bodies over their seed corpus (`fuzz/seeds/<target>/`) and deterministic mutations of it
//! (every truncation, bit flips at many offsets), so decoders are exercised on stable
//! Rust without cargo-fuzz.

use std::path::Path;

fn run_corpus(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target);
    let mut seeds = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        seeds += 1;
        body(&bytes);
        for n in 0..bytes.len() {
            body(&bytes[..n]);
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            let mut m = bytes.clone();
            for _ in 0..3 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if m.is_empty() {
                    break;
                }
                let i = (x as usize) % m.len();
                m[i] ^= 1 << (x >> 60 & 7);
            }
            body(&m);
        }
    }
    assert!(seeds > 0, "no seeds in {}", dir.display());
}

#[test]
fn wal_record_corpus() {
    run_corpus("wal_record", promlite_tsdb::fuzzing::wal_record);
}

#[test]
fn chunk_corpus() {
    run_corpus("chunk", promlite_tsdb::fuzzing::chunk);
}

#[test]
fn index_open_corpus() {
    run_corpus("index_open", promlite_tsdb::fuzzing::index_open);
}
