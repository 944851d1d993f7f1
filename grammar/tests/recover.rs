//! After a syntax error the parser starts again at the next declaration, so
//! one mistake does not hide the ones after it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_grammar::ast::Item;
use bursar_grammar::lines::line_col;
use bursar_grammar::{
    parse, parse_recovering, SyntaxError, SyntaxErrorKind, DECLARATION_KEYWORDS, MAX_ERRORS,
};
use proptest::prelude::*;

/// Four mistakes, each in its own declaration, between declarations that
/// are fine.
const FOUR_MISTAKES: &str = "scheme s {
  title \"测试\"
  currency CNY
}
enum Issuer { center， other }
applicant {
  level int?
  issuer Issuer?
}
table standard { level1 = 2000 元  level2 == 1000 元 }
require level is present
category a {
  when level in 1..=2 )
  pay standard.level1
}
category b {
  when issuer == center
  pay 'x'
}
award { limit 1 per period }
";

fn positions(text: &str, errors: &[SyntaxError]) -> Vec<(usize, usize)> {
    errors
        .iter()
        .map(|e| line_col(text, e.span.start))
        .collect()
}

#[test]
fn a_full_width_comma_does_not_hide_three_later_mistakes() {
    let errors = parse(FOUR_MISTAKES).unwrap_err();
    assert_eq!(
        positions(FOUR_MISTAKES, &errors),
        [(5, 21), (10, 43), (13, 23), (18, 7)],
        "{errors:#?}"
    );
    assert!(matches!(
        errors[0].kind,
        SyntaxErrorKind::FullWidth {
            found: '，',
            ascii: ","
        }
    ));
    for e in &errors[1..] {
        assert!(
            matches!(e.kind, SyntaxErrorKind::Unexpected { .. }),
            "{e:?}"
        );
    }
}

#[test]
fn the_declarations_that_parse_are_kept() {
    let parsed = parse_recovering(FOUR_MISTAKES);
    assert_eq!(parsed.errors.len(), 4);
    let kinds: Vec<&str> = parsed
        .file
        .items
        .iter()
        .map(|i| match i {
            Item::Scheme(_) => "scheme",
            Item::Applicant(_) => "applicant",
            Item::Require(_) => "require",
            Item::Award(_) => "award",
            other => panic!("{other:?} has a mistake in it"),
        })
        .collect();
    assert_eq!(kinds, ["scheme", "applicant", "require", "award"]);
    // Their spans point into the whole text, not into a piece of it.
    let Some(Item::Award(award)) = parsed.file.items.last() else {
        panic!("no award");
    };
    assert_eq!(
        FOUR_MISTAKES.get(award.span.start..award.span.end),
        Some("award { limit 1 per period }")
    );
}

#[test]
fn every_kind_of_mistake_resynchronises() {
    let text = "require \"never closed\nrequire （a）\nrequire 99999999999999999999\nrequire ((b\nrequire c\n/* never closed\nrequire d";
    let errors = parse(text).unwrap_err();
    let kinds: Vec<&str> = errors
        .iter()
        .map(|e| match e.kind {
            SyntaxErrorKind::UnterminatedString => "string",
            SyntaxErrorKind::FullWidth { .. } => "full width",
            SyntaxErrorKind::NumberTooLarge => "number",
            SyntaxErrorKind::Unexpected { .. } => "unexpected",
            SyntaxErrorKind::UnterminatedComment => "comment",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        ["string", "full width", "number", "unexpected", "comment"]
    );
    assert_eq!(
        positions(text, &errors),
        [(1, 9), (2, 9), (3, 9), (5, 1), (6, 1)]
    );
}

#[test]
fn a_keyword_inside_a_declaration_is_not_a_new_one() {
    // `override` and `remove` may stand on the line before what they
    // change, and a comment may hold anything.
    let text = "override\ntable t { a = 1 元 }\nremove\n  category c\n/*\ncategory x {\n*/\nrequire x ??\nrequire y";
    let parsed = parse_recovering(text);
    assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
    assert_eq!(positions(text, &parsed.errors), [(9, 1)]);
    assert_eq!(parsed.file.items.len(), 3);
}

#[test]
fn a_hundred_thousand_bad_lines_stop_at_the_limit() {
    let text = "category ，\n".repeat(100_000);
    let started = std::time::Instant::now();
    let parsed = parse_recovering(&text);
    assert_eq!(parsed.errors.len(), MAX_ERRORS + 1);
    assert!(matches!(
        parsed.errors.last().map(|e| &e.kind),
        Some(SyntaxErrorKind::TooManyErrors { limit: MAX_ERRORS })
    ));
    // A line each, well under a second even unoptimised; a quadratic pass
    // over 100,000 lines would take minutes.
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

#[test]
fn a_hundred_thousand_lines_of_garbage_are_one_error() {
    let text = format!("require a\n{}", "，，（ ？ @@ x\n".repeat(100_000));
    let parsed = parse_recovering(&text);
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.file.items.len(), 0);
}

/// Token soup that starts with a declaration keyword: one declaration,
/// right or wrong, on one line. (`override`, `extend` and `remove` read on into the
/// next line, so they are left out. So are the words that start a
/// declaration but stay names elsewhere (docs/language.md, "Keywords"):
/// after a line that still expects a value, `require` + newline + `quota`
/// reads `quota` as the field it may be, by design.)
fn declaration() -> impl Strategy<Value = String> {
    let keywords: Vec<&str> = DECLARATION_KEYWORDS
        .iter()
        .copied()
        .filter(|k| !matches!(*k, "override" | "extend" | "remove"))
        .filter(|k| !CONTEXTUAL.contains(k))
        .collect();
    let tokens = prop::collection::vec(
        prop::sample::select(vec![
            "x", "{", "}", "(", ")", "[", "]", "when", "pay", "match", "=>", "1", "..=", "\"s\"",
            "§一", "and", "not", "in", "is", "present", "??", "+", "2000 元", "by", "int?",
            "limit", "choose", "if", "then", "else", "_", ",", "-", "*", "，", "=", "'", "per",
            "period", "within", "after", "1 month",
        ]),
        0..12,
    );
    (prop::sample::select(keywords), tokens)
        .prop_map(|(kw, tokens)| format!("{kw} {}\n", tokens.join(" ")))
}

/// Declaration keywords that are not reserved words.
const CONTEXTUAL: [&str; 9] = [
    "scheme",
    "record",
    "let",
    "quota",
    "calendar",
    "budget",
    "payer",
    "rounds",
    "instalments",
];

#[test]
fn a_contextual_declaration_word_after_an_open_line_is_read_as_a_name() {
    // What the generator above leaves out, said once: `require` with its
    // condition on the next line may name a field called `quota`.
    let parsed = parse_recovering(
        "require
quota
",
    );
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.file.items.len(), 1);
}

/// An error without what was found: a declaration read alone ends at the
/// end of the text, where in a file the next declaration stands.
fn without_found(e: SyntaxError) -> (usize, SyntaxErrorKind) {
    let kind = match e.kind {
        SyntaxErrorKind::Unexpected { expected, .. } => SyntaxErrorKind::Unexpected {
            expected,
            found: bursar_grammar::Found::Eof,
        },
        other => other,
    };
    (e.span.start, kind)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Reading declarations one after another finds what reading each on
    /// its own finds, each at its own place.
    #[test]
    fn declarations_are_read_independently(decls in prop::collection::vec(declaration(), 1..8)) {
        let text = decls.concat();
        let whole = parse_recovering(&text);
        let mut errors = Vec::new();
        let mut items = Vec::new();
        let mut offset = 0;
        for d in &decls {
            let mut one = parse_recovering(d);
            one.file.shift(offset);
            items.extend(one.file.items);
            errors.extend(one.errors.into_iter().map(|mut e| {
                e.span.start += offset;
                without_found(e)
            }));
            offset += d.len();
        }
        let whole_errors: Vec<_> = whole.errors.into_iter().map(without_found).collect();
        prop_assert_eq!(whole_errors, errors);
        prop_assert_eq!(whole.file.items, items);
    }
}
