//! Authoring tools end to end: policy tests, documents, formatting.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, temp};

#[test]
fn the_shipped_policy_tests_pass() {
    let o = bursar(&["test", "policies/beijing"]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("bursar: 44 passed, 0 failed"), "{out}");
}

#[test]
fn a_failing_case_shows_expected_actual_and_the_trace() {
    let policy = std::fs::canonicalize("policies/beijing/2023-career-boost.bursar").unwrap();
    let file = temp("wrong.tests.toml");
    std::fs::write(
        &file,
        format!(
            r#"policy = "{}"

[[case]]
name = "a wrong expectation"
covers = "§二(一)"
applicant = {{ person_id = "T", member_card = true, voc_boosted_before = false, voc_level = 1, voc_issuer = "beijing_center", voc_issued = "2020-12-31", applied_on = "2023-05-01" }}
outcome = "paid"
amount = "2000.00"
categories = {{ vocational = "eligible" }}
"#,
            policy.display()
        ),
    )
    .unwrap();
    let o = bursar(&["test", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.contains("FAIL  a wrong expectation  (§二(一))"),
        "{out}"
    );
    assert!(
        out.contains("outcome: expected paid, got not_eligible"),
        "{out}"
    );
    assert!(out.contains("amount: expected 2000.00, got none"), "{out}");
    assert!(
        out.contains("category vocational: expected eligible, got not_eligible"),
        "{out}"
    );
    assert!(
        out.contains("voc_issued = 2020-12-31 is before the window 2021-01-01..=2022-12-31"),
        "{out}"
    );
    assert!(out.contains("bursar: 0 passed, 1 failed"), "{out}");
}

#[test]
fn the_2023_scheme_as_a_document() {
    let o = bursar(&["doc", "policies/beijing/2023-career-boost.bursar"]);
    assert_eq!(o.status.code(), Some(0));
    let md = String::from_utf8(o.stdout).unwrap();
    insta::assert_snapshot!("doc_2023_markdown", md);
}

#[test]
fn the_document_as_standalone_html() {
    let out = temp("doc.html");
    let o = bursar(&[
        "doc",
        "policies/beijing/2024-career-boost-draft.bursar",
        "--format",
        "html",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let html = std::fs::read_to_string(out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<title>2024年在职职工职业发展助推计划实施方案（草案）</title>"));
    assert!(html.contains("<table>") && html.contains("<blockquote>"));
    assert!(
        html.contains("2,500.00 元"),
        "the draft's raised amount is shown"
    );
}

#[test]
fn an_english_document_says_so_in_its_html() {
    let out = temp("english.html");
    let o = bursar(&[
        "doc",
        "tests/cases/ok/english-scheme.bursar",
        "--format",
        "html",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let html = std::fs::read_to_string(out).unwrap();
    assert!(html.contains("<html lang=\"en\">"), "{html}");
}

#[test]
fn fmt_check_lists_files_and_fmt_fixes_them() {
    let file = temp("messy.bursar");
    let policy = std::fs::read_to_string("policies/beijing/2023-career-boost.bursar").unwrap();
    let messy: String = policy
        .lines()
        .map(|l| format!("   {}\n", l.trim_start()))
        .collect();
    std::fs::write(&file, &messy).unwrap();
    let path = file.to_str().unwrap();
    let o = bursar(&["fmt", "--check", path]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("would reformat"));
    assert_eq!(bursar(&["fmt", path]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), policy);
    assert_eq!(bursar(&["fmt", "--check", path]).status.code(), Some(0));
    assert_eq!(
        bursar(&[
            "fmt",
            "--check",
            "policies/beijing/2023-career-boost.bursar",
            "policies/beijing/2024-career-boost-draft.bursar"
        ])
        .status
        .code(),
        Some(0)
    );
}

#[test]
fn the_textmate_grammar_knows_every_keyword() {
    let grammar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("editors/bursar.tmLanguage.json").unwrap())
            .unwrap();
    let highlighted = grammar["repository"]["keywords"].to_string();
    let pest = std::fs::read_to_string("grammar/src/bursar.pest").unwrap();
    // Every `kw_x = @{ "x" ~ !XID_CONTINUE }` rule of the grammar.
    let keywords: Vec<&str> = pest
        .lines()
        .filter_map(|l| l.strip_prefix("kw_"))
        .filter_map(|l| l.split('"').nth(1))
        .collect();
    assert!(keywords.len() > 25);
    for k in keywords {
        assert!(
            highlighted.contains(k),
            "the TextMate grammar does not highlight `{k}`"
        );
    }
}
