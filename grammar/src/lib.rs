//! Reads policy source text into a spanned syntax tree.
//!
//! This crate knows the shape of the language and nothing of its meaning:
//! names are not resolved and types are not checked (that is `bursar-compiler`).
//! It does no IO: text in, [`ast::PolicyFile`] or [`SyntaxError`]s out; after
//! a syntax error it reads on at the next declaration, so that every mistake
//! is found and the declarations around them are kept ([`parse_recovering`]).

pub mod ast;
mod error;
pub mod lines;
mod parser;
mod recover;
mod shift;

pub use error::{Found, SyntaxError, SyntaxErrorKind};
pub use parser::{ascii_for_full_width, parse, parse_recovering, Parsed, MAX_ERRORS, MAX_NESTING};
pub use recover::DECLARATION_KEYWORDS;

/// The pest-generated recogniser, kept apart so its `Rule` enum does not leak
/// into the rest of the API.
mod pest_parser {
    #[derive(pest_derive::Parser)]
    #[grammar = "bursar.pest"]
    pub struct PolicyParser;
}
