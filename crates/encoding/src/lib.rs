//! Pure codecs of promlite: varints, bit streams, Gorilla XOR chunks, checksums, file
//! headers and footers. No I/O: every function works on byte slices.
//!
//! Decoders take untrusted bytes and return [`EncodingError`]; they never panic.
//!
//! ```
//! use promlite_encoding::xor::{XorAppender, decode_xor};
//! let mut app = XorAppender::new();
//! app.append(1_000, 1.5);
//! app.append(16_000, 2.5);
//! let samples = decode_xor(app.bytes()).unwrap();
//! assert_eq!(samples, vec![(1_000, 1.5), (16_000, 2.5)]);
//! ```

// Decoders of untrusted bytes must not panic: forbid the easy ways to do it.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::indexing_slicing, clippy::expect_used)
)]

pub mod bitstream;
pub mod block_codec;
pub mod checksum;
pub mod chunk;
pub mod file_format;
pub mod varint;
pub mod xor;

pub use chunk::{decode_chunk_into, encode_chunk, ChunkBounds, ChunkEncoding};

/// Errors of every decoder in this crate (and of the sealed-block codec).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    /// The bytes end before the structure they describe does.
    #[error("unexpected end of data")]
    Truncated,
    /// The bytes are there but do not make sense.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// A file or record does not start with the expected magic number.
    #[error("bad magic number {found:#010x}, expected {expected:#010x}")]
    BadMagic { expected: u32, found: u32 },
    /// A format version this build cannot read.
    #[error("unsupported format version {found} (this build reads up to {supported})")]
    UnsupportedVersion { found: u8, supported: u8 },
    /// A CRC32 over some bytes does not match the stored one.
    #[error("checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    ChecksumMismatch { stored: u32, computed: u32 },
    /// A chunk encoding byte this build does not know.
    #[error("unknown chunk encoding {0}")]
    UnknownChunkEncoding(u8),
}

/// Result with [`EncodingError`].
pub type Result<T, E = EncodingError> = std::result::Result<T, E>;
