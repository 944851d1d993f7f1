//! What can go wrong while reading a policy's text.

use crate::ast::Span;

/// A syntax error: what went wrong and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub kind: SyntaxErrorKind,
    pub span: Span,
}

/// The author's mistakes that stop the text from being read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// Something else was expected here.
    Unexpected {
        expected: Vec<String>,
        found: Found,
    },
    /// Full-width punctuation where the language wants ASCII.
    FullWidth {
        found: char,
        ascii: &'static str,
    },
    UnterminatedString,
    UnterminatedComment,
    /// Brackets nested deeper than the parser allows.
    TooDeep {
        limit: usize,
    },
    /// An integer literal that does not fit in 64 bits.
    NumberTooLarge,
    /// More mistakes than are reported for one file: reading stopped here.
    TooManyErrors {
        limit: usize,
    },
}

/// What stood where the parser stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    Eof,
    Char(char),
    Word(String),
}

impl Found {
    /// Length in bytes of the found text.
    pub fn len(&self) -> usize {
        match self {
            Found::Eof => 0,
            Found::Char(c) => c.len_utf8(),
            Found::Word(w) => w.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
