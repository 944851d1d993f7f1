//! Behaviour on the command line and ranges over many draws (issue #15,
//! section 2): `--take-up`, `--late`, `--draws`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, fails, stderr, stdout, temp};

const POLICY: &str = "policies/beijing/2023-career-boost.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";

/// `bursar simulate POLICY --population P --format json ARGS…`, exit 0.
fn simulate(population: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "simulate",
        POLICY,
        "--population",
        population,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let o = bursar(&args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// A synthetic population of `rows` rows.
fn synth(name: &str, rows: u64) -> String {
    let path = temp(name);
    let o = bursar(&[
        "synth",
        "--rows",
        &rows.to_string(),
        "--seed",
        "15",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    path.to_str().unwrap().to_string()
}

/// The figures of a report that behaviour changes.
fn figures(r: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "paid": r["paid"], "total": r["total"], "by_category": r["by_category"],
        "eligible_not_applied": r["eligible_not_applied"], "eligible_late": r["eligible_late"],
        "cash_flow": r["cash_flow"], "cash_flow_expected": r["cash_flow_expected"],
    })
}

#[test]
fn take_up_on_the_command_line_is_a_scenario_without_the_file() {
    let population = synth("draws-cli.csv", 3000);
    let scenario = temp("half.toml");
    std::fs::write(
        &scenario,
        format!(
            "policy = \"{}/{POLICY}\"\n[assume]\nseed = 3\nlate_share = 0.1\n[assume.take_up]\nvocational = 0.5\n",
            std::env::current_dir().unwrap().display()
        ),
    )
    .unwrap();
    let from_file = simulate(&population, &["--scenario", scenario.to_str().unwrap()]);
    let from_flags = simulate(
        &population,
        &[
            "--take-up",
            "vocational=0.5",
            "--late",
            "vocational=0.1",
            "--seed",
            "3",
        ],
    );
    assert_eq!(figures(&from_flags), figures(&from_file));
    // Listed in the report's assumptions.
    let a = &from_flags["assumptions"];
    assert_eq!(a["take_up"]["vocational"], 0.5);
    assert_eq!(a["late_by_category"]["vocational"], 0.1);
    assert_eq!(a["seed"], 3);
}

#[test]
fn the_command_line_overrides_the_scenario() {
    let r = simulate(
        SAMPLE,
        &[
            "--scenario",
            "take-up",
            "--take-up",
            "vocational=1",
            "--late",
            "vocational=1",
        ],
    );
    let a = &r["assumptions"];
    assert_eq!(a["take_up"]["vocational"], 1.0);
    assert_eq!(a["take_up"]["social_work"], 0.95);
    assert_eq!(a["late_by_category"]["vocational"], 1.0);
    // Everyone eligible for a vocational award applies, and late.
    assert_eq!(r["by_category"]["vocational"]["paid"], 0);
}

#[test]
fn shares_are_checked_before_the_run() {
    let args = |extra: &[&'static str]| {
        let mut a = vec!["simulate", POLICY, "--population", SAMPLE];
        a.extend_from_slice(extra);
        a
    };
    let o = fails(
        &args(&["--take-up", "vocatonal=0.5"]),
        2,
        "`--take-up vocatonal=0.5`: `vocatonal` is not a category",
    );
    assert!(
        stderr(&o).contains("did you mean `vocational`?"),
        "{}",
        stderr(&o)
    );
    fails(
        &args(&["--take-up", "vocational=1.5"]),
        2,
        "a share between 0 and 1",
    );
    fails(
        &args(&["--take-up", "vocational=80%"]),
        2,
        "a share between 0 and 1",
    );
    fails(
        &args(&["--take-up", "vocational"]),
        2,
        "write `--take-up CATEGORY=SHARE`",
    );
    fails(
        &args(&["--late", "social_work=0.1"]),
        2,
        "`--late social_work=0.1`: `social_work` has no take-up share",
    );
}
