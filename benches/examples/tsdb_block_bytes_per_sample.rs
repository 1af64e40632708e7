//! Bytes per sample in blocks for the shared bench dataset (`data.prom` of
//! `/work/shared/bench/dataset.py`), with XOR chunks and with the sealed-block codec.
//! Reads `name{labels} value ts_ms` lines with a trivial splitter (not a real parser).
//!
//! `cargo run --release -p promlite-benches --example tsdb_block_bytes_per_sample -- [DIR_OR_data.prom]`
//! Without an argument it runs `python3 ../shared/bench/dataset.py --series 10000 --span 2h --step 15s`
//! and skips (prints why) when that is not available.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use promlite_encoding::ChunkEncoding;
use promlite_model::Labels;
use promlite_tsdb::BlockWriter;

fn dataset_path() -> Option<PathBuf> {
    if let Some(a) = std::env::args().nth(1) {
        let p = PathBuf::from(a);
        return Some(if p.is_dir() { p.join("data.prom") } else { p });
    }
    let script = [
        "/work/shared/bench/dataset.py",
        "../shared/bench/dataset.py",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists())?;
    let out = std::process::Command::new("python3")
        .args([script, "--series", "10000", "--span", "2h", "--step", "15s"])
        .output()
        .ok()?;
    // It prints its meta.json; take the `"dir": "..."` field without a JSON parser.
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("\"dir\""))?;
    let dir = line.split('"').nth(3)?;
    Some(Path::new(dir).join("data.prom"))
}

/// Splits `name{a="x",b="y"} value ts` (values without escaped quotes or commas).
fn parse_line(line: &str) -> Option<(Labels, f64, i64)> {
    let (series, rest) = match line.find('}') {
        Some(i) => (&line[..=i], &line[i + 1..]),
        None => line.split_once(' ')?,
    };
    let mut parts = rest.split_whitespace();
    let v: f64 = parts.next()?.parse().ok()?;
    let t: i64 = parts.next()?.parse().ok()?;
    let (name, labels) = match series.find('{') {
        Some(i) => (&series[..i], &series[i + 1..series.len() - 1]),
        None => (series.trim(), ""),
    };
    let mut pairs = vec![("__name__".to_string(), name.to_string())];
    for kv in labels.split(',').filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('=')?;
        pairs.push((k.to_string(), v.trim_matches('"').to_string()));
    }
    Some((Labels::from_pairs(pairs), v, t))
}

fn main() {
    let Some(path) = dataset_path().filter(|p| p.exists()) else {
        println!("skipped: the bench dataset (../shared/bench/dataset.py) is not available");
        return;
    };
    let mut data: Vec<(Labels, f64, i64)> = Vec::new();
    let f = std::fs::File::open(&path).unwrap();
    let mut last: Option<Labels> = None;
    for line in std::io::BufReader::with_capacity(1 << 20, f).lines() {
        let line = line.unwrap();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some((l, v, t)) = parse_line(&line) {
            // Consecutive lines share the series: keep one Labels allocation.
            let l = match &last {
                Some(p) if *p == l => p.clone(),
                _ => {
                    last = Some(l.clone());
                    l
                }
            };
            data.push((l, v, t));
        }
    }
    let samples = data.len() as f64;
    println!("dataset {} : {} samples", path.display(), data.len());
    for (name, enc) in [
        ("xor", ChunkEncoding::Xor),
        ("block_codec", ChunkEncoding::BlockCodec),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let start = std::time::Instant::now();
        let mut w = BlockWriter::new(dir.path(), 2 * 3600 * 1000)
            .unwrap()
            .with_encoding(enc);
        for (l, v, t) in &data {
            w.append(l, *t, *v).unwrap();
        }
        let metas = w.flush().unwrap();
        let elapsed = start.elapsed();
        let total = promlite_tsdb::util::dir_size(dir.path());
        let chunks: u64 = metas
            .iter()
            .map(|m| promlite_tsdb::util::dir_size(&dir.path().join(&m.ulid).join("chunks")))
            .sum();
        println!(
            "{name:12} blocks={} total_bytes={total} bytes_per_sample={:.3} chunk_bytes_per_sample={:.3} write_s={:.2}",
            metas.len(),
            total as f64 / samples,
            chunks as f64 / samples,
            elapsed.as_secs_f64()
        );
    }
}
