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
