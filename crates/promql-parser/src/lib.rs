//! PromQL lexer, parser, AST with byte spans, and printer.

pub mod ast;
pub mod functions;

pub use ast::*;
pub use functions::{function_by_name, Function, FUNCTIONS};
