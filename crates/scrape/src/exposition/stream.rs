//! Streaming over big exposition files (backfill imports): reads line-aligned chunks
//! from any `Read`, so memory stays bounded by the chunk size, not the file size.

use std::io::Read;

use promlite_model::MetricType;

use super::openmetrics::OpenMetricsParser;
use super::text::TextParser;
use super::{Entry, Format, ParseError, ParserOptions};

/// Bytes read per chunk (a chunk grows if a single line is longer).
const CHUNK_BYTES: usize = 4 << 20;

/// Why streaming stopped.
#[derive(Debug, thiserror::Error)]
pub enum StreamError<E: std::error::Error + 'static> {
    #[error("reading input: {0}")]
    Io(#[from] std::io::Error),
    /// The body is malformed; `offset` is the byte offset of the chunk being parsed.
    #[error("{error} (near byte {offset})")]
    Parse { error: ParseError, offset: u64 },
    /// The callback asked to stop.
    #[error(transparent)]
    Callback(E),
}

/// Calls `f` for every entry of the body read from `reader`, in order. Returns the number
/// of series entries seen. OpenMetrics input must end with `# EOF`.
pub fn for_each_entry_in_reader<R, E, F>(
    mut reader: R,
    format: Format,
    options: ParserOptions,
    mut f: F,
) -> Result<u64, StreamError<E>>
where
    R: Read,
    E: std::error::Error + 'static,
    F: FnMut(&Entry<'_>) -> Result<(), E>,
{
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK_BYTES);
    let mut chunk_offset: u64 = 0;
    let mut metric_type = MetricType::Unknown;
    let mut saw_eof_marker = false;
    let mut series = 0u64;
    let mut input_done = false;
    while !input_done {
        // Fill up to CHUNK_BYTES beyond what is carried over.
        let target = buf.len() + CHUNK_BYTES;
        while buf.len() < target {
            let old = buf.len();
            buf.resize(target, 0);
            let n = reader.read(&mut buf[old..])?;
            buf.truncate(old + n);
            if n == 0 {
                input_done = true;
                break;
            }
        }
        let usable = if input_done {
            buf.len()
        } else {
            match buf.iter().rposition(|&c| c == b'\n') {
                Some(p) => p + 1,
                None => continue, // one line longer than a chunk: read more
            }
        };
        let chunk = &buf[..usable];
        if saw_eof_marker && !chunk.is_empty() {
            return Err(StreamError::Parse {
                error: ParseError::new("unexpected data after # EOF"),
                offset: chunk_offset,
            });
        }
        let parse_err = |error| StreamError::Parse {
            error,
            offset: chunk_offset,
        };
        match format {
            Format::PrometheusText => {
                let mut p = TextParser::for_chunk(chunk, metric_type);
                while let Some(entry) = p.next_entry().map_err(parse_err)? {
                    series += u64::from(matches!(entry, Entry::Series(_)));
                    f(&entry).map_err(StreamError::Callback)?;
                }
                metric_type = p.current_metric_type();
            }
            Format::OpenMetrics => {
                let mut p = OpenMetricsParser::for_chunk(chunk, options, metric_type, false);
                while let Some(entry) = p.next_entry().map_err(parse_err)? {
                    series += u64::from(matches!(entry, Entry::Series(_)));
                    f(&entry).map_err(StreamError::Callback)?;
                }
                metric_type = p.current_metric_type();
                saw_eof_marker |= p.saw_eof_marker();
            }
        }
        chunk_offset += usable as u64;
        buf.drain(..usable);
    }
    if format == Format::OpenMetrics && !saw_eof_marker {
        return Err(StreamError::Parse {
            error: ParseError::new("data does not end with # EOF"),
            offset: chunk_offset,
        });
    }
    Ok(series)
}
