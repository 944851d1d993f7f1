//! The semantic diff of 2023 → 2024 draft, and witnesses checked against the
//! runtime rather than taken on trust.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::Folder;

use bursar_compiler::diff::{diff, hybrid, ChangeKind};
use bursar_compiler::witness::{witnesses, Finding};
use bursar_compiler::{compile_with, SourceFile};
use bursar_runtime::ir::Scheme;
use bursar_runtime::{evaluate, Decision};

fn scheme(path: &str) -> Scheme {
    let text = std::fs::read_to_string(path).unwrap();
    compile_with(&SourceFile::new(path, text), &Folder)
        .scheme
        .unwrap()
}

fn schemes() -> (Scheme, Scheme) {
    (
        scheme("../policies/beijing/2023-career-boost.bursar"),
        scheme("../policies/beijing/2024-career-boost-draft.bursar"),
    )
}

fn bottom_line(d: &Decision) -> (bursar_runtime::Outcome, i64, Vec<u32>) {
    (
        d.outcome,
        d.paid().minor(),
        d.awards.iter().map(|a| a.category).collect(),
    )
}

#[test]
fn the_draft_changes_what_it_says_it_changes() {
    let (old, new) = schemes();
    let changes = diff(&old, &new).unwrap();
    let behavioural: Vec<(&str, ChangeKind)> = changes
        .iter()
        .filter(|c| c.behavioural)
        .map(|c| (c.id.as_str(), c.kind))
        .collect();
    assert_eq!(
        behavioural,
        vec![
            ("standard.level1", ChangeKind::Amount),
            // Each condition that changed is a change of its own.
            ("category.vocational.condition.3", ChangeKind::Condition),
            ("category.vocational.condition.4", ChangeKind::Condition),
            ("category.social_work.condition.2", ChangeKind::Condition),
            ("category.contest.condition.1", ChangeKind::Condition),
            ("category.contest.pay", ChangeKind::Pay),
            ("application", ChangeKind::Application),
        ]
    );
    let level1 = &changes.iter().find(|c| c.id == "standard.level1").unwrap();
    assert_eq!(level1.also_changes, vec!["social_work_standard.senior"]);
    insta::assert_snapshot!(
        "diff_2023_2024_draft",
        bursar_compiler::diff::to_text(&old, &new, &changes)
    );
}

#[test]
fn no_changes_between_a_scheme_and_itself() {
    let (old, _) = schemes();
    assert!(diff(&old, &old).unwrap().is_empty());
}

#[test]
fn all_changes_applied_decide_like_the_new_scheme() {
    let (old, new) = schemes();
    let changes = diff(&old, &new).unwrap();
    let all: Vec<usize> = (0..changes.len()).collect();
    let h = hybrid(&old, &new, &changes, &all);
    let none = hybrid(&old, &new, &changes, &[]);
    // Every witness applicant, and the sample's, decide the same way.
    let sample = std::fs::read_to_string("../policies/beijing/data/population-sample.csv").unwrap();
    let mut reader = csv::Reader::from_reader(sample.as_bytes());
    let headers = reader.headers().unwrap().clone();
    for record in reader.records() {
        let record = record.unwrap();
        let mut a = bursar_runtime::Applicant::empty(&old);
        for (h_name, cell) in headers.iter().zip(record.iter()) {
            let i = old.applicant.iter().position(|f| f.name == h_name).unwrap();
            if !cell.is_empty() {
                a.set(
                    i as u32,
                    Some(bursar_runtime::parse_cell(&old, old.applicant[i].ty, cell).unwrap()),
                );
            }
        }
        assert_eq!(
            bottom_line(&evaluate(&h, &a)),
            bottom_line(&evaluate(&new, &a)),
            "{:?}",
            record
        );
        assert_eq!(
            bottom_line(&evaluate(&none, &a)),
            bottom_line(&evaluate(&old, &a)),
            "{:?}",
            record
        );
    }
}

#[test]
fn every_witness_really_flips_the_decision() {
    let (old, new) = schemes();
    let changes = diff(&old, &new).unwrap();
    let found = witnesses(&old, &new, &changes);
    for (i, (c, w)) in changes.iter().zip(&found).enumerate() {
        match &w.finding {
            Finding::Found {
                values,
                differs_between_old_and_new,
                ..
            } => {
                assert!(c.behavioural);
                let with_change = hybrid(&old, &new, &changes, &[i]);
                assert_ne!(
                    bottom_line(&evaluate(&old, values)),
                    bottom_line(&evaluate(&with_change, values)),
                    "{}: the witness is decided the same with and without the change",
                    c.id
                );
                if *differs_between_old_and_new {
                    assert_ne!(
                        bottom_line(&evaluate(&old, values)),
                        bottom_line(&evaluate(&new, values)),
                        "{}",
                        c.id
                    );
                }
            }
            Finding::Neutral { .. } => assert!(!c.behavioural, "{} is behavioural", c.id),
            Finding::NotFound { .. } => panic!("{}: no witness found", c.id),
        }
    }
    // Each of the draft's real changes has a witness that OLD and NEW decide differently.
    assert!(
        found
            .iter()
            .filter(|w| matches!(
                w.finding,
                Finding::Found {
                    differs_between_old_and_new: true,
                    ..
                }
            ))
            .count()
            >= 6
    );
}

#[test]
fn a_behaviour_neutral_rewrite_has_no_witness() {
    // Rewriting a condition without changing its meaning (`in {2022}` for
    // `== 2022`) is reported as a change, and the search finds nobody affected.
    let (old, _) = schemes();
    let path = "../policies/beijing/2023-career-boost.bursar";
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace("contest_year == 2022", "contest_year in {2022}");
    let new = compile_with(&SourceFile::new(path, text), &Folder)
        .scheme
        .unwrap();
    let changes = diff(&old, &new).unwrap();
    assert_eq!(changes.len(), 1);
    let found = witnesses(&old, &new, &changes);
    assert!(matches!(found[0].finding, Finding::NotFound { searched } if searched > 10));
}

/// A scheme from text, for hybrids of small hand-made schemes.
fn small(name: &str, tables: &str) -> Scheme {
    let text = format!(
        "scheme s {{ currency CNY }}\napplicant {{ level int? }}\n{tables}\n\
         category c \"c\" {{\n  when level is present and level == 1 \"一级\"\n  pay t.b\n}}\n\
         award {{ limit 1 per period  choose highest_amount then first_declared }}\n"
    );
    let compiled = bursar_compiler::compile(&SourceFile::new(name, text));
    compiled
        .scheme
        .unwrap_or_else(|| panic!("{:?}", compiled.diagnostics))
}

#[test]
fn a_changed_row_the_same_as_a_new_one_pays_that_row_in_a_hybrid() {
    // NEW adds `z` before the others and makes `b` "the same as" it: in NEW
    // `z` is row 0, in OLD with only the change to `b`, row 0 is `a`.
    let old = small(
        "old.bursar",
        "table t { a \"a\" = 100 元  b \"b\" = 200 元 }",
    );
    let new = small(
        "new.bursar",
        "table t { z \"z\" = 300 元  a \"a\" = 100 元  b \"b\" = t.z }",
    );
    let changes = diff(&old, &new).unwrap();
    let b = changes.iter().position(|c| c.id == "t.b").unwrap();
    let h = hybrid(&old, &new, &changes, &[b]);
    let applicant =
        bursar_runtime::Applicant::from_json(&h, &serde_json::json!({"level": 1})).unwrap();
    assert_eq!(evaluate(&h, &applicant).paid().to_string(), "300.00");
}

#[test]
fn a_hybrid_keeps_group_limits_on_the_same_categories() {
    let text = |with_education: bool| {
        format!(
            "scheme s {{ currency CNY  period 2024-01-01 ..= 2024-12-31 }}\n\
             applicant {{ edu bool  voc bool  sw bool  con bool }}\n\
             {}\
             category vocational {{ when voc  pay 2000 元 }}\n\
             category social_work {{ when sw  pay 1000 元 }}\n\
             category contest {{ when con  pay 1500 元 }}\n\
             award {{ limit 2 per period  limit 1 per group skill {{social_work, contest}}\n\
             choose highest_amount then first_declared }}\n",
            if with_education {
                "category education { when edu  pay 3000 元 }\n"
            } else {
                ""
            }
        )
    };
    let compile = |t: String| {
        compile_with(&SourceFile::new("s.bursar", t), &Folder)
            .scheme
            .unwrap()
    };
    let (old, new) = (compile(text(true)), compile(text(false)));
    let changes = diff(&old, &new).unwrap();
    let removed = changes
        .iter()
        .position(|c| c.id.contains("education"))
        .unwrap();
    // Removing `education` (the first category) moves the others up; the
    // old award's group must still hold social_work and contest.
    let h = hybrid(&old, &new, &changes, &[removed]);
    let names: Vec<&str> = h.award.groups[0]
        .categories
        .iter()
        .map(|&c| h.categories[c as usize].name.as_str())
        .collect();
    assert_eq!(names, ["social_work", "contest"]);
}

/// A changed formula is shown as policy text: amounts as written, and the
/// brackets `??` needs under `-`.
#[test]
fn a_changed_formula_reads_as_policy_text() {
    let policy = |cap: &str| {
        format!(
            r#"
scheme capped {{ currency USD  period 2024-01-01 ..= 2024-12-31 }}
applicant {{ paid money?  member bool }}
category grant {{
  when member
  pay max(0 USD, {cap} - (paid ?? 0 USD))
}}
award {{ limit 1 per period  choose highest_amount then first_declared }}
"#
        )
    };
    let compile = |text: String| {
        bursar_compiler::compile(&SourceFile::new("capped.bursar", text))
            .scheme
            .unwrap()
    };
    let (old, new) = (compile(policy("1000 USD")), compile(policy("1200.50 USD")));
    let changes = diff(&old, &new).unwrap();
    let text = bursar_compiler::diff::to_text(&old, &new, &changes);
    assert!(
        text.contains(
            "      max(0 USD, 1000 USD - (paid ?? 0 USD))\n    → max(0 USD, 1200.50 USD - (paid ?? 0 USD))"
        ),
        "{text}"
    );
}
