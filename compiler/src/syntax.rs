//! Syntax errors from the grammar crate, as problems (rendered in
//! `problem.rs`).

use bursar_grammar::{SyntaxError, SyntaxErrorKind};

use crate::diagnostic::Reporter;
use crate::problem::Problem;

/// Words an author may have misspelt where the parser stopped.
pub(crate) const KEYWORDS: [&str; 29] = [
    "scheme",
    "enum",
    "applicant",
    "clause",
    "table",
    "by",
    "require",
    "category",
    "when",
    "unless",
    "pay",
    "award",
    "limit",
    "per",
    "choose",
    "application",
    "timeline",
    "within",
    "after",
    "and",
    "or",
    "not",
    "in",
    "is",
    "present",
    "absent",
    "if",
    "then",
    "else",
];

/// Words of declarations planned with issue #14 (`grammar` recognises them
/// where they will go, and the checker reports them as unsupported).
pub(crate) const PLANNED: [&str; 4] = ["quota", "budget", "payer", "calendar"];

pub(crate) fn report(r: &mut Reporter, e: &SyntaxError) {
    let problem = match &e.kind {
        SyntaxErrorKind::Unexpected { expected, found } => Problem::Unexpected {
            expected: expected.clone(),
            found: found.clone(),
        },
        SyntaxErrorKind::FullWidth { found, ascii } => Problem::FullWidth {
            found: *found,
            ascii,
        },
        SyntaxErrorKind::UnterminatedString => Problem::UnterminatedString,
        SyntaxErrorKind::UnterminatedComment => Problem::UnterminatedComment,
        SyntaxErrorKind::TooDeep { limit } => Problem::BracketsTooDeep { limit: *limit },
        SyntaxErrorKind::NumberTooLarge => Problem::IntegerTooLarge,
        SyntaxErrorKind::TooManyErrors { limit } => Problem::TooManySyntaxErrors { limit: *limit },
    };
    r.report(e.span, problem);
}
