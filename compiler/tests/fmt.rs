//! `fmt` is idempotent and never changes meaning: on every policy and test
//! case in the repository, and on generated policies.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::Folder;

use std::path::PathBuf;

use bursar_compiler::fmt::format;
use bursar_compiler::{compile_with, SourceFile};
use proptest::prelude::*;

/// What a text means: its scheme, or its diagnostics' codes and messages.
fn meaning(name: &str, text: &str) -> String {
    let compiled = compile_with(&SourceFile::new(name, text), &Folder);
    match compiled.scheme {
        Some(s) => serde_json::to_string(&s).unwrap(),
        None => compiled
            .diagnostics
            .iter()
            .map(|d| format!("{} {}\n", d.code.as_str(), d.message))
            .collect(),
    }
}

fn files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [
        "../policies/beijing",
        "../tests/cases/ok",
        "../tests/cases/check",
        "../tests/cases/inherit",
    ] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "bursar") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn fmt_is_idempotent_and_keeps_meaning_on_every_file() {
    let mut formatted_files = 0;
    for path in files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let Some(once) = format(&text) else {
            // Text that does not parse is refused, not formatted.
            assert!(bursar_grammar::parse(&text).is_err(), "{}", path.display());
            continue;
        };
        formatted_files += 1;
        let twice = format(&once).unwrap();
        assert_eq!(
            once,
            twice,
            "{}: formatting twice changed it again",
            path.display()
        );
        let name = path.display().to_string();
        assert_eq!(
            meaning(&name, &text),
            meaning(&name, &once),
            "{}: formatting changed the meaning",
            path.display()
        );
        // Comments survive.
        assert_eq!(
            text.matches("//").count(),
            once.matches("//").count(),
            "{}",
            path.display()
        );
    }
    assert!(formatted_files > 40);
}

#[test]
fn the_repository_policies_are_formatted() {
    for path in [
        "../policies/beijing/2023-career-boost.bursar",
        "../policies/beijing/2024-career-boost-draft.bursar",
        "../policies/examples/household-rebate.bursar",
        "../policies/examples/best-certificate.bursar",
        "../policies/examples/best-certificate-2025.bursar",
    ] {
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(
            format(&text).unwrap(),
            text,
            "{path} is not formatted: run `bursar fmt {path}`"
        );
    }
}

#[test]
fn messy_text_is_tidied() {
    let messy = "scheme s {\ntitle \"t\"\n      currency CNY\n}\n\n\n\ntable t {\n  a \"一\" = 2000 元\n      bb = 50 元 // cheap\n}\n";
    insta::assert_snapshot!(format(messy).unwrap(), @r#"
    scheme s {
      title    "t"
      currency CNY
    }

    table t {
      a  "一" = 2000 元
      bb      =   50 元 // cheap
    }
    "#);
}

#[test]
fn rows_without_labels_and_list_fields_align_without_gaps() {
    let messy = "record Member {\nage int \"age\"\n}\napplicant {\nid text\nmembers list of Member \"members\"\n}\ntable t by Filing {\nsingle = 1200 元\ncouple = 15000 元\n}\n";
    insta::assert_snapshot!(format(messy).unwrap(), @r#"
    record Member {
      age int "age"
    }
    applicant {
      id text
      members list of Member "members"
    }
    table t by Filing {
      single =  1200 元
      couple = 15000 元
    }
    "#);
}

const POLICY_2023: &str = include_str!("../../policies/beijing/2023-career-boost.bursar");

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Generated policies: the 2023 policy with its lines re-indented at
    /// random and blank lines added or removed.
    #[test]
    fn fmt_keeps_meaning_on_generated_policies(indents in prop::collection::vec(0usize..7, 200), blanks in prop::collection::vec(0usize..3, 200)) {
        let mut text = String::new();
        for (i, line) in POLICY_2023.lines().enumerate() {
            text.push_str(&" ".repeat(indents[i % indents.len()]));
            text.push_str(line.trim_start());
            text.push('\n');
            for _ in 0..blanks[i % blanks.len()] {
                text.push('\n');
            }
        }
        let once = format(&text).unwrap();
        prop_assert_eq!(format(&once).unwrap(), once.clone());
        prop_assert_eq!(meaning("p.bursar", &text), meaning("p.bursar", &once));
    }

    /// Indentation alone never survives formatting: any re-indented copy
    /// formats to the canonical text.
    #[test]
    fn indentation_is_canonical(indents in prop::collection::vec(0usize..7, 200)) {
        let text: String = POLICY_2023
            .lines()
            .enumerate()
            .map(|(i, l)| format!("{}{}\n", " ".repeat(indents[i % indents.len()]), l.trim_start()))
            .collect();
        prop_assert_eq!(format(&text).unwrap(), format(POLICY_2023).unwrap());
    }
}
