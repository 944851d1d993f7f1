//! `bursar doc`: the scheme as a document in its own language, in words and
//! amounts rather than code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_compiler::{compile, doc, SourceFile};
use bursar_runtime::ir::Scheme;

const ENGLISH: &str = include_str!("../../tests/cases/ok/english-scheme.bursar");
const POLICY_2023: &str = include_str!("../../policies/beijing/2023-career-boost.bursar");

fn scheme(text: &str) -> Scheme {
    let compiled = compile(&SourceFile::new("scheme.bursar", text));
    compiled.scheme.expect("the scheme checks")
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The lines saying what a category pays.
fn pay_lines(md: &str, word: &str) -> Vec<String> {
    md.lines()
        .filter(|l| l.starts_with(word))
        .map(str::to_string)
        .collect()
}

#[test]
fn an_english_scheme_reads_in_english() {
    let md = doc::markdown(&scheme(ENGLISH));
    // No Chinese word or punctuation comes from the template.
    for (i, line) in md.lines().enumerate() {
        assert!(
            !line
                .chars()
                .any(|c| is_han(c) || bursar_grammar::ascii_for_full_width(c).is_some()),
            "line {}: {line}",
            i + 1
        );
    }
    // `a and (b or c)` keeps its brackets in words too.
    assert!(
        md.contains("Age of the oldest member is at least 66, and (Receives a disability benefit, or Has a child under 5)"),
        "{md}"
    );
    // Amounts, not rows.
    let pays = pay_lines(&md, "Pays:");
    assert_eq!(pays.len(), 3);
    for line in &pays {
        assert!(
            line.contains(" USD") && !line.contains("rates.") && !line.contains("by_tenure"),
            "{line}"
        );
    }
    assert_eq!(doc::language(&scheme(ENGLISH)), "en");
    insta::assert_snapshot!("doc_english", md);
}

#[test]
fn a_chinese_scheme_reads_in_chinese_with_its_amounts() {
    let md = doc::markdown(&scheme(POLICY_2023));
    assert_eq!(doc::language(&scheme(POLICY_2023)), "zh");
    // Headings any Chinese scheme can carry, not this one's "助推".
    assert!(
        md.contains("\n## 资助类别\n") && !md.contains("## 助推类别"),
        "{md}"
    );
    let pays = pay_lines(&md, "资助金额");
    assert_eq!(pays.len(), 3);
    for line in &pays {
        assert!(line.contains(" 元") && !line.contains("standard"), "{line}");
    }
    // A "same as" row shows its amount, and the row it follows by label.
    assert!(
        md.contains("| 高级社会工作师 `senior` | 2,000.00 元（参照 国家一级（高级技师）） |"),
        "{md}"
    );
}

#[test]
fn without_a_title_the_labels_say_the_language() {
    let untitled = |text: &str| {
        text.lines()
            .filter(|l| !l.trim_start().starts_with("title"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(doc::language(&scheme(&untitled(ENGLISH))), "en");
    assert_eq!(doc::language(&scheme(&untitled(POLICY_2023))), "zh");
}
