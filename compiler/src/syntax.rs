//! Syntax errors from the grammar crate, as diagnostics.

use bursar_grammar::{Found, SyntaxError, SyntaxErrorKind, DECLARATION_KEYWORDS};

use crate::diagnostic::{Code, Reporter};
use crate::names::closest;

/// Words an author may have misspelt where the parser stopped.
const KEYWORDS: [&str; 29] = [
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
const PLANNED: [&str; 6] = [
    "quota",
    "budget",
    "payer",
    "calendar",
    "rounds",
    "instalments",
];

pub(crate) fn report(r: &mut Reporter, e: &SyntaxError) {
    match &e.kind {
        SyntaxErrorKind::Unexpected { expected, found } => {
            let found_text = match found {
                Found::Eof => "the end of the file".to_string(),
                Found::Char(c) => format!("`{c}`"),
                Found::Word(w) => format!("`{w}`"),
            };
            let expected_text = join_or(expected);
            let expects_declaration = expected
                .iter()
                .any(|e| e.starts_with("a declaration") || e == "`scheme`");
            let message = if expected_text.is_empty() {
                format!("unexpected {found_text}")
            } else {
                format!("expected {expected_text}, found {found_text}")
            };
            let help = match found {
                // Not a misspelt `pay`: a planned declaration out of place.
                Found::Word(w) if PLANNED.contains(&w.as_str()) => format!(
                    "`{w}` is planned with issue #14's work (allocation and time); it goes at the top level, in `award` or in a category (docs/language.md)"
                ),
                Found::Word(w) => match closest(w, KEYWORDS) {
                    Some(k) => format!("did you mean `{k}`?"),
                    None if DECLARATION_KEYWORDS.contains(&w.as_str()) && !expects_declaration => {
                        format!("a new `{w}` starts here, so the block above it is not finished: look for a missing `}}`")
                    }
                    None if KEYWORDS.contains(&w.as_str()) => {
                        format!("`{w}` is a keyword and cannot be used as a name")
                    }
                    None => "check the line against docs/language.md".to_string(),
                },
                Found::Eof => {
                    "a block or expression is unfinished: look for a missing `}` or value"
                        .to_string()
                }
                Found::Char('\'') => "strings use double quotes: \"…\"".to_string(),
                Found::Char(_) => {
                    "remove the character, or check the line against docs/language.md".to_string()
                }
            };
            r.error(Code::Syntax, e.span, message, "unexpected here")
                .with_help(help);
        }
        SyntaxErrorKind::FullWidth { found, ascii } => {
            r.error(
                Code::FullWidthPunctuation,
                e.span,
                format!("full-width `{found}` where `{ascii}` is expected"),
                "full-width punctuation",
            )
            .with_help(format!(
                "outside strings and comments the language uses ASCII punctuation: replace `{found}` with `{ascii}`"
            ));
        }
        SyntaxErrorKind::UnterminatedString => {
            r.error(
                Code::UnterminatedString,
                e.span,
                "unterminated string",
                "this string is never closed",
            )
            .with_help("add the closing `\"`; a `\"` inside a string is written `\\\"`");
        }
        SyntaxErrorKind::UnterminatedComment => {
            r.error(
                Code::UnterminatedComment,
                e.span,
                "unterminated comment",
                "this comment is never closed",
            )
            .with_help("close it with `*/`");
        }
        SyntaxErrorKind::TooDeep { limit } => {
            r.error(
                Code::TooDeep,
                e.span,
                format!("brackets nest deeper than {limit} levels"),
                "too deep",
            )
            .with_help("split the expression into smaller conditions");
        }
        SyntaxErrorKind::NumberTooLarge => {
            r.error(
                Code::NumberTooLarge,
                e.span,
                "number too large",
                "does not fit in 64 bits",
            )
            .with_help("numbers must be below 9223372036854775808");
        }
        SyntaxErrorKind::TooManyErrors { limit } => {
            r.error(
                Code::Syntax,
                e.span,
                format!("more than {limit} syntax errors: reading stopped"),
                "and more from here",
            )
            .with_help("fix the mistakes above and check again");
        }
    }
}

fn join_or(items: &[String]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}
