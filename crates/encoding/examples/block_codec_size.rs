//! Measures the block codec on a benchmark dataset: bytes per sample overall and per value
//! shape, bit-exact round trip of every series, and encode/decode speed (per CPU second of
//! this thread, so that other work on the machine does not skew it much).
//!
//! ```text
//! cargo run --release -p promlite-encoding --example block_codec_size -- \
//!     /tmp/promlite-bench-data/<dataset>/data.prom [--chunk 480] [--max-series N] [--rounds 5] \
//!     [--layout bounded|v1]
//! ```
//! `data.prom` holds `name{labels} value timestamp_ms` lines, series after series (see the
//! bench README). `--chunk N` splits every series into chunks of at most N samples, the way a
//! block writer might; the default encodes each series whole. `--layout` picks the bounded
//! layout blocks write (chunk encoding 3, first/last timestamp kept outside, as a block index
//! does; the default) or format version 1 with its own header (chunk encoding 2).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::time::Instant;

use promlite_encoding::block_codec;

/// Estimated block index cost per sample, added to show a whole-block figure.
const ESTIMATED_INDEX_BYTES_PER_SAMPLE: f64 = 0.18;

struct Series {
    class: String,
    timestamps: Vec<i64>,
    values: Vec<f64>,
}

/// One encoded chunk: its series, its first and last timestamp (which the bounded layout
/// needs back) and its bytes.
struct EncodedChunk {
    series_index: usize,
    first_timestamp: i64,
    last_timestamp: i64,
    bytes: Vec<u8>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    Bounded,
    VersionOne,
}

impl Layout {
    fn encode(self, timestamps: &[i64], values: &[f64], out: &mut Vec<u8>) {
        match self {
            Layout::Bounded => block_codec::encode_bounded(timestamps, values, out),
            Layout::VersionOne => block_codec::encode(timestamps, values, out),
        }
    }

    fn decode_into(self, chunk: &EncodedChunk, timestamps: &mut Vec<i64>, values: &mut Vec<f64>) {
        match self {
            Layout::Bounded => block_codec::decode_bounded_into(
                &chunk.bytes,
                chunk.first_timestamp,
                chunk.last_timestamp,
                timestamps,
                values,
            ),
            Layout::VersionOne => block_codec::decode_into(&chunk.bytes, timestamps, values),
        }
        .expect("decodes");
    }
}

#[derive(Default)]
struct ClassTotals {
    series: usize,
    samples: usize,
    bytes: usize,
}

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = arguments.first() else {
        eprintln!("usage: block_codec_size <data.prom> [--chunk N] [--max-series N] [--rounds N]");
        std::process::exit(2);
    };
    let option = |name: &str, default: usize| -> usize {
        arguments
            .iter()
            .position(|argument| argument == name)
            .and_then(|index| arguments.get(index + 1))
            .map(|text| text.parse().expect("numeric option"))
            .unwrap_or(default)
    };
    let chunk_len = option("--chunk", usize::MAX).max(1);
    let max_series = option("--max-series", usize::MAX);
    let rounds = option("--rounds", 5).max(1);
    let layout = match arguments
        .iter()
        .position(|argument| argument == "--layout")
        .and_then(|index| arguments.get(index + 1))
        .map(String::as_str)
    {
        None | Some("bounded") => Layout::Bounded,
        Some("v1") => Layout::VersionOne,
        Some(other) => panic!("--layout {other}: expected bounded or v1"),
    };

    let load_start = Instant::now();
    let series = read_series(path, max_series);
    let total_samples: usize = series.iter().map(|s| s.timestamps.len()).sum();
    eprintln!(
        "read {} series, {} samples in {:.1} s",
        series.len(),
        total_samples,
        load_start.elapsed().as_secs_f64()
    );

    let encode_start = ThreadCpuClock::start();
    let mut chunks: Vec<EncodedChunk> = Vec::new();
    for (series_index, one) in series.iter().enumerate() {
        for (timestamps, values) in one
            .timestamps
            .chunks(chunk_len)
            .zip(one.values.chunks(chunk_len))
        {
            let mut bytes = Vec::new();
            layout.encode(timestamps, values, &mut bytes);
            chunks.push(EncodedChunk {
                series_index,
                first_timestamp: timestamps.first().copied().unwrap_or(0),
                last_timestamp: timestamps.last().copied().unwrap_or(0),
                bytes,
            });
        }
    }
    let encode_seconds = encode_start.elapsed_seconds();

    verify_round_trip(&series, &chunks, chunk_len, layout);

    let mut decoded_timestamps = Vec::new();
    let mut decoded_values = Vec::new();
    let mut best_decode_seconds = f64::MAX;
    let mut checksum = 0u64;
    for _ in 0..rounds {
        let start = ThreadCpuClock::start();
        for chunk in &chunks {
            layout.decode_into(chunk, &mut decoded_timestamps, &mut decoded_values);
            checksum = checksum
                .wrapping_add(decoded_timestamps.len() as u64)
                .wrapping_add(decoded_values.last().map_or(0, |v| v.to_bits()));
        }
        best_decode_seconds = best_decode_seconds.min(start.elapsed_seconds());
    }

    let mut classes: BTreeMap<&str, ClassTotals> = BTreeMap::new();
    let mut total_bytes = 0usize;
    for chunk in &chunks {
        let one = &series[chunk.series_index];
        let entry = classes.entry(&one.class).or_default();
        entry.bytes += chunk.bytes.len();
        total_bytes += chunk.bytes.len();
    }
    for one in &series {
        let entry = classes.entry(&one.class).or_default();
        entry.series += 1;
        entry.samples += one.timestamps.len();
    }

    println!("| value class | series | B/sample | share of bytes |");
    println!("|---|---|---|---|");
    let mut rows: Vec<_> = classes.iter().collect();
    rows.sort_by_key(|row| std::cmp::Reverse(row.1.bytes));
    for (class, totals) in rows {
        println!(
            "| {class} | {} | {:.3} | {:.1}% |",
            totals.series,
            totals.bytes as f64 / totals.samples.max(1) as f64,
            100.0 * totals.bytes as f64 / total_bytes.max(1) as f64
        );
    }
    let per_sample = total_bytes as f64 / total_samples.max(1) as f64;
    println!();
    println!(
        "{} layout, chunk length {}: {} chunks, {} bytes, **{:.4} B/sample** (+{ESTIMATED_INDEX_BYTES_PER_SAMPLE} index = {:.3})",
        if layout == Layout::Bounded { "bounded" } else { "version 1" },
        if chunk_len == usize::MAX { "whole series".to_string() } else { chunk_len.to_string() },
        chunks.len(),
        total_bytes,
        per_sample,
        per_sample + ESTIMATED_INDEX_BYTES_PER_SAMPLE
    );
    println!(
        "encode {:.1} M samples/s, decode {:.1} M samples/s per CPU second (best of {rounds}; checksum {checksum:x})",
        total_samples as f64 / encode_seconds / 1e6,
        total_samples as f64 / best_decode_seconds / 1e6
    );
}

/// CPU time of this thread (from the kernel's schedstat, nanosecond resolution), so speeds
/// stay meaningful on a machine shared with other work; falls back to wall time.
struct ThreadCpuClock {
    cpu_start: Option<u64>,
    wall_start: Instant,
}

impl ThreadCpuClock {
    fn start() -> Self {
        Self {
            cpu_start: thread_cpu_nanos(),
            wall_start: Instant::now(),
        }
    }

    fn elapsed_seconds(&self) -> f64 {
        match (self.cpu_start, thread_cpu_nanos()) {
            (Some(start), Some(now)) => now.saturating_sub(start) as f64 / 1e9,
            _ => self.wall_start.elapsed().as_secs_f64(),
        }
    }
}

fn thread_cpu_nanos() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn verify_round_trip(series: &[Series], chunks: &[EncodedChunk], chunk_len: usize, layout: Layout) {
    let mut positions = vec![0usize; series.len()];
    let (mut timestamps, mut values) = (Vec::new(), Vec::new());
    for chunk in chunks {
        let one = &series[chunk.series_index];
        layout.decode_into(chunk, &mut timestamps, &mut values);
        let start = positions[chunk.series_index];
        let end = (start + chunk_len).min(one.timestamps.len());
        positions[chunk.series_index] = end;
        assert_eq!(
            timestamps,
            one.timestamps[start..end],
            "timestamps of a {}",
            one.class
        );
        let same_bits = values
            .iter()
            .zip(&one.values[start..end])
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(
            same_bits && values.len() == end - start,
            "values of a {}",
            one.class
        );
    }
    eprintln!(
        "round trip verified bit-exactly for {} chunks",
        chunks.len()
    );
}

fn read_series(path: &str, max_series: usize) -> Vec<Series> {
    let file = std::fs::File::open(path).unwrap_or_else(|error| panic!("open {path}: {error}"));
    let mut series: Vec<Series> = Vec::new();
    let mut current_key = String::new();
    for line in BufReader::with_capacity(1 << 20, file).lines() {
        let line = line.expect("readable line");
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.rsplitn(3, ' ');
        let (Some(timestamp), Some(value), Some(key)) =
            (fields.next(), fields.next(), fields.next())
        else {
            panic!("malformed line: {line}");
        };
        if key != current_key {
            if series.len() == max_series {
                break;
            }
            current_key = key.to_string();
            series.push(Series {
                class: value_class(key),
                timestamps: Vec::new(),
                values: Vec::new(),
            });
        }
        let Some(last) = series.last_mut() else {
            continue;
        };
        last.timestamps
            .push(timestamp.parse().expect("integer timestamp"));
        last.values.push(parse_value(value));
    }
    series
}

fn parse_value(text: &str) -> f64 {
    match text {
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        _ => text.parse().expect("float value"),
    }
}

/// The value shape of a series, from its name (and CPU mode: irq/steal/nice barely move).
fn value_class(key: &str) -> String {
    let name = key.split('{').next().unwrap_or(key);
    if name == "node_cpu_seconds_total" {
        let quiet = ["\"irq\"", "\"steal\"", "\"nice\""]
            .iter()
            .any(|mode| key.contains(&format!("mode={mode}")));
        return format!(
            "{name} ({})",
            if quiet { "quiet modes" } else { "busy modes" }
        );
    }
    name.to_string()
}
