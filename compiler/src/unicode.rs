//! Characters that make a policy read other than it runs.
//!
//! Two kinds (issue #12; Rust's "trojan source" lints and UTS #39 are the
//! models):
//! - invisible characters — Unicode's default-ignorable code points, which
//!   include the bidi controls that reorder how an editor shows a line: a
//!   zero width joiner at the end of `level1` makes another name that looks
//!   the same; a right-to-left override in a comment can show code that is
//!   not there. Outside quoted text they are errors; inside text, warnings
//!   (text is shown, not run, and may need them). A byte order mark at the
//!   start of a file is fine.
//! - look-alike names — two declared names with the same UTS #39 skeleton,
//!   written in different scripts (a Cyrillic `е` in `lеvel1`): a warning
//!   naming both. (Names are compared in NFC, by the parser.)

use std::collections::BTreeMap;

use bursar_grammar::ast::{Ident, Item, PolicyFile, RowKey};
use bursar_grammar::lines::is_line_break;
use unicode_security::{skeleton, MixedScript};

use crate::diagnostic::Reporter;
use crate::problem::Problem;

/// Default_Ignorable_Code_Point (Unicode 16 DerivedCoreProperties.txt).
const DEFAULT_IGNORABLE: [(char, char); 16] = [
    ('\u{AD}', '\u{AD}'),
    ('\u{34F}', '\u{34F}'),
    ('\u{61C}', '\u{61C}'),
    ('\u{115F}', '\u{1160}'),
    ('\u{17B4}', '\u{17B5}'),
    ('\u{180B}', '\u{180F}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{206F}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{FE00}', '\u{FE0F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFA0}', '\u{FFA0}'),
    ('\u{FFF0}', '\u{FFF8}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
];

/// Whether `c` is invisible: default-ignorable (tags and variation
/// selectors of plane 14 included).
fn is_invisible(c: char) -> bool {
    DEFAULT_IGNORABLE
        .iter()
        .any(|(lo, hi)| (*lo..=*hi).contains(&c))
        || ('\u{E0000}'..='\u{E0FFF}').contains(&c)
}

/// The bidi controls: they change the order in which text is shown.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{61C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// What an author would call the character.
pub(crate) fn describe(c: char) -> &'static str {
    match c {
        '\u{AD}' => "soft hyphen",
        '\u{34F}' => "combining grapheme joiner",
        '\u{61C}' => "arabic letter mark",
        '\u{200B}' => "zero width space",
        '\u{200C}' => "zero width non-joiner",
        '\u{200D}' => "zero width joiner",
        '\u{200E}' => "left-to-right mark",
        '\u{200F}' => "right-to-left mark",
        '\u{202A}' => "left-to-right embedding",
        '\u{202B}' => "right-to-left embedding",
        '\u{202C}' => "pop directional formatting",
        '\u{202D}' => "left-to-right override",
        '\u{202E}' => "right-to-left override",
        '\u{2060}' => "word joiner",
        '\u{2066}' => "left-to-right isolate",
        '\u{2067}' => "right-to-left isolate",
        '\u{2068}' => "first strong isolate",
        '\u{2069}' => "pop directional isolate",
        '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' => "variation selector",
        '\u{FEFF}' => "zero width no-break space",
        _ => "invisible character",
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    LineComment,
    BlockComment,
    /// Inside `"…"`; `escaped` after a backslash.
    Text {
        escaped: bool,
    },
}

/// Reports every invisible character of one file; `base` is the file's
/// offset in the source map.
pub(crate) fn scan(text: &str, base: usize, r: &mut Reporter) {
    let mut state = State::Code;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|(_, n)| *n);
        let here = state;
        state = match (state, c) {
            (State::Code, '"') => State::Text { escaped: false },
            (State::Code, '/') if next == Some('/') => {
                chars.next();
                State::LineComment
            }
            (State::Code, '/') if next == Some('*') => {
                chars.next();
                State::BlockComment
            }
            (State::LineComment, c) if is_line_break(c) => State::Code,
            (State::BlockComment, '*') if next == Some('/') => {
                chars.next();
                State::Code
            }
            (State::Text { .. }, c) if is_line_break(c) => State::Code,
            (State::Text { escaped: false }, '"') => State::Code,
            (State::Text { escaped: false }, '\\') => State::Text { escaped: true },
            (State::Text { .. }, _) => State::Text { escaped: false },
            (s, _) => s,
        };
        if !is_invisible(c) || (i == 0 && c == '\u{FEFF}') {
            continue;
        }
        let span = bursar_grammar::ast::Span::new(base + i, base + i + c.len_utf8());
        let problem = match here {
            State::Text { .. } => Problem::InvisibleInText { found: c },
            State::Code | State::LineComment | State::BlockComment => {
                Problem::InvisibleInCode { found: c }
            }
        };
        r.report(span, problem);
    }
}

/// Warns about declared names that look alike but are written in different
/// scripts, naming both.
pub(crate) fn confusables(file: &PolicyFile, r: &mut Reporter) {
    let mut names: Vec<&Ident> = Vec::new();
    for item in &file.items {
        declared(item, &mut names);
    }
    let mut by_skeleton: BTreeMap<String, Vec<&Ident>> = BTreeMap::new();
    for name in names {
        let group = by_skeleton
            .entry(skeleton(&name.name).collect())
            .or_default();
        if !group.iter().any(|n| n.name == name.name) {
            group.push(name);
        }
    }
    for group in by_skeleton.values() {
        for (i, first) in group.iter().enumerate() {
            for other in group.iter().skip(i + 1) {
                let (a, b) = (first.name.as_str(), other.name.as_str());
                let scripts_differ = !a.is_single_script()
                    || !b.is_single_script()
                    || a.resolve_script_set() != b.resolve_script_set();
                if !scripts_differ {
                    continue;
                }
                // Point at the odd one out: mixed scripts, else not ASCII,
                // else the later one.
                let odd = |n: &str| (!n.is_single_script(), !n.is_ascii());
                let (model, suspect) = if odd(a) > odd(b) {
                    (other, first)
                } else {
                    (first, other)
                };
                r.report(
                    suspect.span,
                    Problem::Confusable {
                        suspect: suspect.name.clone(),
                        model: model.name.clone(),
                        model_span: model.span,
                        names: [a.to_string(), b.to_string()],
                    },
                );
            }
        }
    }
}

/// A name with its letters outside ASCII spelt out: `lеvel1` has U+0435.
pub(crate) fn spelled(name: &str) -> String {
    let odd: Vec<String> = name
        .chars()
        .filter(|c| !c.is_ascii())
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    if odd.is_empty() {
        format!("`{name}` is all ASCII")
    } else {
        format!("`{name}` has {}", odd.join(" "))
    }
}

/// The names an item declares.
fn declared<'a>(item: &'a Item, out: &mut Vec<&'a Ident>) {
    match item {
        Item::Scheme(s) => out.push(&s.id),
        Item::Enum(e) => {
            out.push(&e.name);
            out.extend(e.variants.iter().map(|v| &v.name));
        }
        Item::Applicant(a) => out.extend(a.fields.iter().map(|f| &f.name)),
        Item::Record(r) => {
            out.push(&r.name);
            out.extend(r.fields.iter().map(|f| &f.name));
        }
        Item::Let(l) => out.push(&l.name),
        Item::Table(t) => {
            out.push(&t.name);
            for row in &t.rows {
                match &row.key {
                    RowKey::Name(n) => out.push(n),
                    RowKey::Int { .. } => {}
                }
            }
        }
        Item::Category(c) => out.push(&c.name),
        Item::Calendar(c) => out.push(&c.name),
        Item::Timeline(t) => out.extend(t.steps.iter().map(|s| &s.name)),
        Item::Quota(q) => out.push(&q.name),
        Item::Rounds(r) => out.extend(r.rounds.iter().map(|x| &x.name)),
        Item::Payer(p) => out.push(&p.name),
        Item::Override(inner) | Item::Extend(inner) => declared(inner, out),
        Item::Extends(_)
        | Item::RemoveCategory(_)
        | Item::RemoveRow { .. }
        | Item::RemoveCondition(_)
        | Item::RemoveDeadline(_)
        | Item::Clause(_)
        | Item::Require(_)
        | Item::Award(_)
        | Item::Planned(_)
        | Item::Application(_) => {}
    }
}
