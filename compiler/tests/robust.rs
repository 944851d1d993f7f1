//! The parser and checker never panic, whatever the text.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_compiler::{compile, Code, SourceFile};
use proptest::prelude::*;

const POLICY_2023: &str = include_str!("../../policies/beijing/2023-career-boost.bursar");

fn run(text: &str) -> bursar_compiler::Compiled {
    compile(&SourceFile::new("fuzz.bursar", text))
}

/// Edits an author might make by accident.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    SwapTokens(usize, usize),
    Truncate(usize),
    DuplicateLine(usize),
    InsertChar(usize, char),
}

fn apply(text: &str, m: &Mutation) -> String {
    // An earlier truncation may have left nothing to pick a line from.
    if text.is_empty() {
        return String::new();
    }
    match m {
        Mutation::DeleteLine(i) => {
            let lines: Vec<&str> = text.lines().collect();
            let i = i % lines.len();
            lines
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n")
        }
        Mutation::DuplicateLine(i) => {
            let mut lines: Vec<&str> = text.lines().collect();
            let i = i % lines.len();
            lines.insert(i, lines[i]);
            lines.join("\n")
        }
        Mutation::SwapTokens(a, b) => {
            let mut tokens: Vec<&str> = text.split(' ').collect();
            let (a, b) = (a % tokens.len(), b % tokens.len());
            tokens.swap(a, b);
            tokens.join(" ")
        }
        Mutation::Truncate(n) => text.chars().take(n % (text.chars().count() + 1)).collect(),
        Mutation::InsertChar(at, c) => {
            let mut chars: Vec<char> = text.chars().collect();
            let at = at % (chars.len() + 1);
            chars.insert(at, *c);
            chars.into_iter().collect()
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapTokens(a, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (
            any::<usize>(),
            prop::sample::select(vec![
                '{', '}', '(', ')', '"', '§', '（', '，', '?', '.', '=', '\n', '元', '9'
            ])
        )
            .prop_map(|(a, c)| Mutation::InsertChar(a, c)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = run(&text);
    }

    #[test]
    fn random_token_soup_never_panics(tokens in prop::collection::vec(prop::sample::select(vec![
        "scheme", "x", "{", "}", "(", ")", "[", "]", "when", "pay", "match", "=>", "1", "..=", "2023-02-30",
        "\"s\"", "§一", "and", "not", "in", "is", "present", "??", "+", "2000 元", "category", "table", "by",
        "int?", "applicant", "award", "limit", "choose", "if", "then", "else", "_", ",", "-", "*",
    ]), 0..80)) {
        let _ = run(&tokens.join(" "));
    }

    #[test]
    fn mutated_2023_policy_never_panics(mutations in prop::collection::vec(mutation(), 1..4)) {
        let mut text = POLICY_2023.to_string();
        for m in &mutations {
            text = apply(&text, m);
        }
        let compiled = run(&text);
        // A mutated policy either still compiles or says why not.
        prop_assert!(compiled.scheme.is_some() || compiled.has_errors());
    }
}

#[test]
fn hundred_thousand_open_parentheses_is_an_error() {
    let text = format!("{}\nrequire {}", POLICY_2023, "(".repeat(100_000));
    let compiled = run(&text);
    assert!(compiled.diagnostics.iter().any(|d| d.code == Code::TooDeep));
}

#[test]
fn deep_but_allowed_nesting_checks() {
    let text = POLICY_2023.replace(
        "require member_card",
        &format!("require {}member_card{}", "(".repeat(100), ")".repeat(100)),
    );
    let compiled = run(&text);
    assert!(!compiled.has_errors());
}

#[test]
fn ir_of_the_2023_scheme() {
    let compiled = run(POLICY_2023);
    let scheme = compiled.scheme.expect("the 2023 policy compiles");
    insta::assert_json_snapshot!(scheme);
}

#[test]
fn a_hundred_thousand_bad_declarations_cost_their_length_once() {
    // Every line a declaration with a mistake: reading stops at the limit,
    // so rendering (which finds each line and column) stays linear too.
    let text = "category x { when ， }\n".repeat(100_000);
    let started = std::time::Instant::now();
    let compiled = run(&text);
    let rendered: usize = compiled
        .diagnostics
        .iter()
        .map(|d| d.render(false).len())
        .sum();
    assert_eq!(
        compiled.diagnostics.len(),
        bursar_grammar::MAX_ERRORS + 1,
        "{rendered}"
    );
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
}
