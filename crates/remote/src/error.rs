//! `RemoteError`: the one error type of the remote crate.

/// Errors of decoding remote write requests and of building remote write clients.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RemoteError {
    /// The body is not valid snappy block-format data.
    #[error("{0}")]
    Snappy(String),
    /// The decompressed body is not a valid protobuf message.
    #[error("{0}")]
    Protobuf(String),
    /// The body would decompress to more than the receiver accepts.
    #[error("decompressed request is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    /// A `remote_write` entry that cannot be turned into a working client
    /// (unreadable CA file, malformed certificate, bad URL, duplicate entries).
    #[error("remote write {remote}: {message}")]
    Config { remote: String, message: String },
}
