//! promlite's storage engine: WAL, head, chunks, blocks, inverted index, compaction, retention.
