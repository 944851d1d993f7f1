//! A draft run on last year's population: application dates outside the
//! draft's period are warned about, with a count, on stderr and in JSON.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, stderr, stdout};

const BASE: &str = "policies/beijing/2023-career-boost.bursar";
const DRAFT: &str = "policies/beijing/2024-career-boost-draft.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";

const WARNING: &str = "23 applications were received outside the period of `beijing_career_boost_2024_draft` (2024-01-01 to 2024-12-31)";

#[test]
fn comparing_a_draft_on_last_years_population_warns_with_a_count() {
    let o = bursar(&["compare", BASE, DRAFT, "--population", SAMPLE]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("warning: {WARNING}")),
        "{}",
        stderr(&o)
    );
    let o = bursar(&[
        "compare",
        BASE,
        DRAFT,
        "--population",
        SAMPLE,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let warnings = r["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].as_str().unwrap().starts_with(WARNING));
    assert_eq!(r["reform"]["warnings"], r["warnings"]);
    assert!(r["base"].get("warnings").is_none(), "{}", r["base"]);
}

#[test]
fn a_population_of_the_schemes_own_year_has_no_warning() {
    let o = bursar(&["simulate", BASE, "--population", SAMPLE, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(r.get("warnings").is_none());
    // The draft alone on last year's population warns too.
    let o = bursar(&["simulate", DRAFT, "--population", SAMPLE]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains(WARNING), "{}", stderr(&o));
}

#[test]
fn every_format_of_the_report_carries_the_warning() {
    let run = |format: &str| {
        let o = bursar(&[
            "compare",
            BASE,
            DRAFT,
            "--population",
            SAMPLE,
            "--format",
            format,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    // A report saved to a file keeps it.
    assert!(run("text").contains(&format!("\nwarning     {WARNING}")));
    let csv = run("csv");
    assert!(
        csv.contains(&format!("warning,,warning,,{WARNING}")),
        "{csv}"
    );
    let html = run("html");
    // In the scheme's language, where it cannot be missed.
    assert!(
        html.contains("<p class=\"warning\"><strong>注意：</strong> 有 23 份申报的收件日期不在 <code>beijing_career_boost_2024_draft</code> 的实施期间（2024-01-01 至 2024-12-31）内"),
        "{html}"
    );
    let o = bursar(&["simulate", DRAFT, "--population", SAMPLE, "--format", "csv"]);
    assert!(stdout(&o).contains(&format!("warning,,warning,{WARNING}")));
}
