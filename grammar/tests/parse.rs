//! The parser accepts the real policies and refuses bad text without panicking.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_grammar::{ast::Item, parse, SyntaxErrorKind};

const POLICY_2023: &str = include_str!("../../policies/beijing/2023-career-boost.bursar");

#[test]
fn parses_the_2023_policy() {
    let file = parse(POLICY_2023).unwrap_or_else(|e| panic!("{e:?}"));
    let categories = file
        .items
        .iter()
        .filter(|i| matches!(i, Item::Category(_)))
        .count();
    assert_eq!(categories, 3);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let src = format!("require {}", "(".repeat(100_000));
    let errs = parse(&src).unwrap_err();
    assert!(matches!(errs[0].kind, SyntaxErrorKind::TooDeep { .. }));
}

#[test]
fn long_prefix_chains_are_refused_by_the_grammar() {
    let src = format!("require {}true", "not ".repeat(100_000));
    assert!(parse(&src).is_err());
}

#[test]
fn full_width_parenthesis_is_named() {
    let errs = parse("require （member_card）").unwrap_err();
    assert!(matches!(
        errs[0].kind,
        SyntaxErrorKind::FullWidth {
            found: '（',
            ascii: "("
        }
    ));
}

#[test]
fn unterminated_string_points_at_its_opening_quote() {
    let errs = parse("clause §一 \"abc\n").unwrap_err();
    assert_eq!(errs[0].kind, SyntaxErrorKind::UnterminatedString);
    assert_eq!(errs[0].span.start, "clause §一 ".len());
}
