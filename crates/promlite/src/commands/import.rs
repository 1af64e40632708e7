//! `promlite tsdb import openmetrics FILE`: backfills blocks from an OpenMetrics file,
//! like `promtool tsdb create-blocks-from openmetrics`, into a promlite data directory.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, IsTerminal};
use std::path::Path;

use anyhow::Context;
use promlite_model::Labels;
use promlite_scrape::exposition::{for_each_entry_in_reader, Entry, Format, ParserOptions};
use promlite_tsdb::BlockWriter;

/// Samples buffered before the writer cuts blocks, bounding memory on huge inputs.
const FLUSH_EVERY_SAMPLES: u64 = 50_000_000;

/// Why the callback stopped the import.
#[derive(Debug, thiserror::Error)]
enum ImportError {
    #[error("expected timestamp for series {0}, got none")]
    MissingTimestamp(String),
    #[error("{0}")]
    Labels(String),
    #[error(transparent)]
    Tsdb(#[from] promlite_tsdb::TsdbError),
}

/// Imports `file` into the database directory `dir`; prints a summary and returns the
/// exit code.
pub fn import_openmetrics(
    file: &str,
    dir: &str,
    block_range_ms: i64,
    quiet: bool,
) -> anyhow::Result<i32> {
    let input = File::open(file).with_context(|| format!("opening {file}"))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    let progress = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(size);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let reader = BufReader::with_capacity(1 << 20, input);
    let reader = match &progress {
        Some(bar) => Box::new(bar.wrap_read(reader)) as Box<dyn std::io::Read>,
        None => Box::new(reader),
    };

    let mut writer = BlockWriter::new(Path::new(dir), block_range_ms)
        .with_context(|| format!("opening {dir}"))?;
    let mut labels_by_text: HashMap<Vec<u8>, Labels> = HashMap::new();
    let mut blocks = Vec::new();
    let mut samples = 0u64;
    let result = for_each_entry_in_reader(
        reader,
        Format::OpenMetrics,
        ParserOptions::default(),
        |entry| {
            let Entry::Series(series) = entry else {
                return Ok(());
            };
            let labels = match labels_by_text.get(series.raw()) {
                Some(l) => l.clone(),
                None => {
                    let l = series
                        .labels()
                        .map_err(|e| ImportError::Labels(e.to_string()))?;
                    labels_by_text.insert(series.raw().to_vec(), l.clone());
                    l
                }
            };
            let t = series
                .timestamp_ms()
                .ok_or_else(|| ImportError::MissingTimestamp(labels.to_string()))?;
            writer.append(&labels, t, series.value())?;
            samples += 1;
            if writer.buffered_samples() >= FLUSH_EVERY_SAMPLES {
                blocks.extend(writer.flush()?);
            }
            Ok::<(), ImportError>(())
        },
    );
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    result.with_context(|| format!("reading {file}"))?;
    blocks.extend(writer.flush().context("writing blocks")?);
    if !quiet {
        println!(
            "imported {samples} samples of {} series into {} block(s) under {dir}",
            labels_by_text.len(),
            blocks.len()
        );
    }
    Ok(0)
}
