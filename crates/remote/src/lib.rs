//! remote_write sender and receiver.
