//! JSON output exactly as Prometheus prints it: Go's string escaping and number
//! layouts, and a hand-rolled encoder for query results (the hot path).

mod float;
mod result;
mod writer;

pub use float::{
    format_go_e, format_go_g, format_json_number, format_sample_value, push_sample_value,
};
pub use result::{encode_query_data, write_query_value};
pub use writer::{escape_string_contents, to_go_json, GoFormatter, JsonWriter, SerLabels};
