//! Integration tests of promlite-remote: one binary, a module per theme.

mod end_to_end;
mod external;
mod receiver;
mod sender;
mod support;
