//! Where reading starts again after a syntax error: at the next line that
//! starts with a declaration keyword.
//!
//! A file with a mistake is cut before every such line and each piece is
//! read on its own (a file without one is read whole), so a mistake costs
//! the declaration it is in and no more, and the mistakes after it are
//! found too, each at its own place. Outside a comment, a string or a
//! clause reference a declaration keyword can only start a declaration
//! (keywords are not names), except after `override` and `remove`, which
//! go on with the declaration they change.

use crate::lines::line_end_len;

/// The keywords that start a top-level declaration. A new kind of
/// declaration adds its keyword here, so that reading starts again at it
/// (a test fails until it does). Only a keyword that cannot start a line
/// inside a declaration belongs here: one that can (a `let` inside a
/// category, say) would cut that declaration in two after a mistake
/// elsewhere in the file.
pub const DECLARATION_KEYWORDS: &[&str] = &[
    "extends",
    "override",
    "extend",
    "remove",
    "scheme",
    "enum",
    "record",
    "applicant",
    "let",
    "clause",
    "table",
    "require",
    "category",
    "award",
    "application",
    "timeline",
    // Planned with issue #14 and reported as unsupported until then; they
    // may stand at the top level.
    "quota",
    "budget",
    "payer",
    "calendar",
    "rounds",
    "instalments",
];

/// Declarations that go on with another declaration keyword, perhaps on
/// the next line: `override` / `table standard { … }`.
const CONTINUED: &[&str] = &["override", "extend", "remove"];

/// The pieces of `source` to read one by one, as byte ranges that cover it:
/// one before the first declaration (comments, or a mistake), then one
/// from each line that starts with a declaration keyword to the next.
pub(crate) fn pieces(source: &str) -> Vec<(usize, usize)> {
    let mut starts = declaration_starts(source);
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let ends = starts.iter().skip(1).copied().chain([source.len()]);
    starts.iter().copied().zip(ends).collect()
}

/// The offsets of the declaration keywords that begin a line (after
/// indentation), outside comments, strings and clause references. One pass,
/// each character looked at once.
fn declaration_starts(source: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut line_start = true;
    let mut previous_word: Option<&str> = None;
    let mut i = 0;
    while let Some(rest) = source.get(i..) {
        let Some(c) = rest.chars().next() else {
            break;
        };
        let line_end = line_end_len(source, i);
        if line_end > 0 {
            line_start = true;
            i += line_end;
            continue;
        }
        match c {
            ' ' | '\t' | '\u{3000}' | '\u{FEFF}' => i += c.len_utf8(),
            '/' if rest.starts_with("//") => {
                // To the line end, which the next turn sees.
                i += 2;
                while source.get(i..).is_some_and(|r| !r.is_empty()) && line_end_len(source, i) == 0
                {
                    i += next_len(source, i);
                }
            }
            '/' if rest.starts_with("/*") => {
                // A comment is white space: the line still starts after it.
                i = rest
                    .get(2..)
                    .and_then(|r| r.find("*/"))
                    .map_or(source.len(), |at| i + 2 + at + 2);
            }
            '"' => {
                // To the closing quote, or the line end for a string left open.
                i += 1;
                while let Some(d) = source.get(i..).and_then(|r| r.chars().next()) {
                    if line_end_len(source, i) > 0 {
                        break;
                    }
                    i += d.len_utf8();
                    if d == '"' {
                        break;
                    }
                    if d == '\\' && line_end_len(source, i) == 0 {
                        i += next_len(source, i);
                    }
                }
                line_start = false;
                previous_word = None;
            }
            '§' => {
                i += c.len_utf8();
                while let Some(d) = source.get(i..).and_then(|r| r.chars().next()) {
                    if matches!(d, ' ' | '\t' | '\u{3000}' | '{' | '}' | '"' | ',')
                        || line_end_len(source, i) > 0
                    {
                        break;
                    }
                    i += d.len_utf8();
                }
                line_start = false;
                previous_word = None;
            }
            c if c == '_' || pest::unicode::XID_START(c) => {
                let len: usize = rest
                    .chars()
                    .take_while(|d| pest::unicode::XID_CONTINUE(*d))
                    .map(char::len_utf8)
                    .sum();
                let word = rest.get(..len).unwrap_or("");
                if line_start
                    && DECLARATION_KEYWORDS.contains(&word)
                    && !previous_word.is_some_and(|w| CONTINUED.contains(&w))
                {
                    starts.push(i);
                }
                previous_word = Some(word);
                line_start = false;
                i += len.max(c.len_utf8());
            }
            c => {
                line_start = false;
                previous_word = None;
                i += c.len_utf8();
            }
        }
    }
    starts
}

/// The byte length of the character at `i` (1 past the end, to stop).
fn next_len(source: &str, i: usize) -> usize {
    source
        .get(i..)
        .and_then(|r| r.chars().next())
        .map_or(1, char::len_utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(source: &str) -> Vec<&str> {
        declaration_starts(source)
            .into_iter()
            .map(|i| {
                let rest = &source[i..];
                &rest[..rest
                    .find(|c: char| !c.is_alphanumeric())
                    .unwrap_or(rest.len())]
            })
            .collect()
    }

    #[test]
    fn keywords_start_declarations_only_at_a_line_start() {
        assert_eq!(
            words("scheme s { }\n  enum E { a }  table t\n\u{3000}require x\ncategoryx y"),
            ["scheme", "enum", "require"]
        );
    }

    #[test]
    fn comments_strings_and_clauses_hide_keywords() {
        let text =
            "// table\n/* a\ntable t */ require x\n\"s\ntable\"\nclause §x{table\n§一 category\n";
        // The strings on lines 4 and 5 are left open: each ends at its line end.
        assert_eq!(words(text), ["require", "table", "clause"]);
    }

    #[test]
    fn override_and_remove_go_on_past_a_line_end() {
        assert_eq!(
            words("override\n table t { }\nremove // c\ncategory c\ntable u"),
            ["override", "remove", "table"]
        );
    }

    /// A declaration added to the grammar without its keyword here would
    /// be read as part of the one before it after a mistake.
    #[test]
    fn every_declaration_of_the_grammar_starts_with_a_listed_keyword() {
        use crate::pest_parser::{PolicyParser, Rule};
        use pest::error::{ErrorVariant, InputLocation};
        use pest::Parser as _;
        let err = PolicyParser::parse(Rule::file, "\n?").unwrap_err();
        let ErrorVariant::ParsingError { positives, .. } = err.variant else {
            panic!("{err}");
        };
        let declarations: Vec<Rule> = positives.into_iter().filter(|r| *r != Rule::EOI).collect();
        assert!(declarations.len() >= 10, "{declarations:?}");
        for rule in declarations {
            let starts = DECLARATION_KEYWORDS.iter().any(|kw| {
                match PolicyParser::parse(rule, &format!("{kw} ?")) {
                    Ok(_) => true,
                    Err(e) => match e.location {
                        InputLocation::Pos(p) | InputLocation::Span((p, _)) => p > 0,
                    },
                }
            });
            assert!(
                starts,
                "{rule:?} starts with no keyword of DECLARATION_KEYWORDS"
            );
        }
    }

    #[test]
    fn the_pieces_cover_the_text() {
        assert_eq!(pieces(""), [(0, 0)]);
        assert_eq!(pieces("// c\nscheme s"), [(0, 5), (5, 13)]);
        assert_eq!(pieces("scheme s\nenum"), [(0, 9), (9, 13)]);
    }
}
