//! Every report format of `simulate`, `compare` and `diff` over the 2023
//! sample, held byte for byte: the renderers were moved behind one report
//! model, and people's tools read these outputs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, stdout};

const OLD: &str = "policies/beijing/2023-career-boost.bursar";
const NEW: &str = "policies/beijing/2024-career-boost-draft.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";

/// The output of a run that must succeed.
fn run(args: &[&str]) -> String {
    let o = bursar(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o)
}

#[test]
fn simulate_json() {
    insta::assert_snapshot!(run(&[
        "simulate",
        OLD,
        "--population",
        SAMPLE,
        "--format",
        "json"
    ]));
}

#[test]
fn simulate_csv() {
    insta::assert_snapshot!(run(&[
        "simulate",
        OLD,
        "--population",
        SAMPLE,
        "--format",
        "csv"
    ]));
}

#[test]
fn simulate_text_with_a_scenario() {
    insta::assert_snapshot!(run(&[
        "simulate",
        OLD,
        "--population",
        SAMPLE,
        "--scenario",
        "take-up"
    ]));
}

#[test]
fn compare_text() {
    insta::assert_snapshot!(run(&["compare", OLD, NEW, "--population", SAMPLE]));
}

#[test]
fn compare_json() {
    insta::assert_snapshot!(run(&[
        "compare",
        OLD,
        NEW,
        "--population",
        SAMPLE,
        "--format",
        "json"
    ]));
}

#[test]
fn diff_with_budget_text() {
    insta::assert_snapshot!(run(&["diff", OLD, NEW, "--population", SAMPLE]));
}

#[test]
fn diff_with_budget_and_witnesses_json() {
    insta::assert_snapshot!(run(&[
        "diff",
        OLD,
        NEW,
        "--population",
        SAMPLE,
        "--witness",
        "--format",
        "json"
    ]));
}

/// `solve` in every format: `--vary` two amounts to fit a budget.
fn solve(format: &str) -> String {
    run(&[
        "solve",
        OLD,
        "--population",
        SAMPLE,
        "--budget",
        "20000",
        "--vary",
        "standard.level1,standard.level2",
        "--format",
        format,
    ])
}

#[test]
fn solve_text() {
    insta::assert_snapshot!(solve("text"));
}

#[test]
fn solve_json() {
    insta::assert_snapshot!(solve("json"));
}

#[test]
fn solve_csv() {
    insta::assert_snapshot!(solve("csv"));
}

/// The note under the categories table says what its three counts count,
/// in the text report and on the HTML page alike: one wording, kept in
/// `render::category_counts`.
#[test]
fn the_category_counts_are_explained_alike_in_text_and_html() {
    let policy = common::temp("note.bursar");
    std::fs::write(
        &policy,
        "scheme note { currency CNY }\n\
         applicant { age int }\n\
         table amounts { base \"base\" = 100 元 }\n\
         category young \"young\" {\n  when age < 35 \"under 35\"\n  pay amounts.base\n}\n\
         award { limit 1 per period  choose highest_amount then first_declared }\n",
    )
    .unwrap();
    let population = common::temp("note.csv");
    std::fs::write(&population, "age\n20\n40\n").unwrap();
    let args = [
        "simulate",
        policy.to_str().unwrap(),
        "--population",
        population.to_str().unwrap(),
    ];
    let text = run(&args);
    let html = run(&[&args[..], &["--format", "html"]].concat());
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    // The text wraps each line of the note, its continuations indented
    // further; the page runs the lines together.
    let start = text
        .find("\n\n  qualifying:")
        .unwrap_or_else(|| panic!("no note under the categories:\n{text}"));
    let note = text[start + 2..].split("\n\n").next().unwrap();
    let mut lines: Vec<String> = Vec::new();
    for line in note.lines() {
        match (line.strip_prefix("    "), lines.last_mut()) {
            (Some(more), Some(last)) => *last = format!("{last} {more}"),
            _ => lines.push(flat(line)),
        }
    }
    assert_eq!(lines.len(), 3, "{note}");
    assert_eq!(lines[0], "qualifying: met the category's conditions");
    assert!(
        lines[1].starts_with("eligible: qualifying, and given this category by the award rule"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "paid: eligible, and paid in this run");
    // No applying in a scheme without applications.
    assert!(!note.contains("appl"), "{note}");
    let sentence = format!("{}.", lines.join("; "));
    assert!(
        flat(&html).contains(&sentence),
        "`{sentence}` not on the page"
    );
}
