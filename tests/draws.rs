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
    let mut r = r.clone();
    // Without the ranges `--draws` adds beside each category's figures.
    for c in r["by_category"].as_object_mut().unwrap().values_mut() {
        let c = c.as_object_mut().unwrap();
        c.remove("range");
        c.remove("exact");
    }
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

/// Fen from a decimal string like "2000.00".
fn fen(v: &serde_json::Value) -> i64 {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("money as a string: {v}"));
    let (int, frac) = s.split_once('.').unwrap();
    int.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

const SHARES: [&str; 8] = [
    "--take-up",
    "vocational=0.8",
    "--take-up",
    "social_work=0.6",
    "--late",
    "vocational=0.1",
    "--seed",
    "40",
];

/// The value at nearest rank `p` percent of `values` (sorted here).
fn nearest_rank(values: &[i64], p: u64) -> i64 {
    let mut v = values.to_vec();
    v.sort();
    let n = v.len() as u64;
    let rank = (p * n).div_ceil(100).max(1);
    v[(rank - 1) as usize]
}

#[test]
fn draw_k_is_the_run_seeded_seed_plus_k() {
    let population = synth("draws-k.csv", 4000);
    let draws = 7;
    let mut args = SHARES.to_vec();
    args.extend(["--draws", "7"]);
    let r = simulate(&population, &args);
    // The report itself is the run with the seed given, as without draws.
    let single = simulate(&population, &SHARES);
    assert_eq!(figures(&r), figures(&single));
    assert_eq!(r["draws"], draws);
    // Each draw k is the run seeded 40 + k.
    let mut totals = Vec::new();
    let mut vocational = Vec::new();
    for k in 0..draws {
        let mut args = SHARES[..6].to_vec();
        let seed = (40 + k).to_string();
        args.extend(["--seed", &seed]);
        let run = simulate(&population, &args);
        totals.push(fen(&run["total"]));
        vocational.push(fen(&run["by_category"]["vocational"]["total"]));
    }
    let range = &r["total_range"];
    for (key, p) in [("p5", 5), ("p50", 50), ("p95", 95)] {
        assert_eq!(fen(&range[key]), nearest_rank(&totals, p), "{key}");
        assert_eq!(
            fen(&r["by_category"]["vocational"]["range"][key]),
            nearest_rank(&vocational, p),
            "vocational {key}"
        );
    }
    let sum: i64 = totals.iter().sum();
    // The mean, to the fen (half to even).
    assert!(
        (fen(&range["mean"]) * draws - sum).abs() * 2 <= draws,
        "{range}"
    );
    // The cash flow by month has a range per month.
    assert!(r["cash_flow_range"].as_object().unwrap().len() >= 6);
    assert!(r["cash_flow_expected_range"]["2023-07"]["p50"].is_string());
}

#[test]
fn ranges_are_the_same_on_any_thread_count() {
    let population = synth("draws-threads.csv", 6000);
    let mut args = SHARES.to_vec();
    args.extend(["--draws", "40"]);
    let mut outputs = Vec::new();
    for threads in ["1", "2", "3"] {
        let mut a = vec![
            "simulate",
            POLICY,
            "--population",
            &population,
            "--format",
            "json",
            "--threads",
            threads,
        ];
        a.extend_from_slice(&args);
        let o = bursar(&a);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        outputs.push(o.stdout);
    }
    assert!(outputs.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn the_exact_expectation_is_shown_beside_the_draws() {
    let population = synth("draws-exact.csv", 4000);
    // Everyone eligible applies, on time: every draw pays the same.
    let all = [
        "--take-up",
        "vocational=1",
        "--take-up",
        "social_work=1",
        "--take-up",
        "contest=1",
        "--draws",
        "5",
    ];
    let r = simulate(&population, &all);
    let range = &r["total_range"];
    for key in ["mean", "p5", "p50", "p95"] {
        assert_eq!(range[key], r["total_exact"], "{key}");
    }
    // Take-up × amount, exactly: half of everyone's award, to the fen.
    let half = simulate(
        &population,
        &[
            "--take-up",
            "vocational=0.5",
            "--take-up",
            "social_work=1",
            "--take-up",
            "contest=1",
            "--draws",
            "5",
        ],
    );
    let voc_all = fen(&r["by_category"]["vocational"]["exact"]);
    assert_eq!(
        fen(&half["by_category"]["vocational"]["exact"]) * 2,
        voc_all
    );
    assert_eq!(
        fen(&half["total_exact"]),
        fen(&r["total_exact"]) - voc_all / 2
    );
    // The text report shows the ranges.
    let o = bursar(&[
        "simulate",
        POLICY,
        "--population",
        &population,
        "--take-up",
        "vocational=0.5",
        "--draws",
        "5",
    ]);
    let text = stdout(&o);
    assert!(text.contains("ranges over 5 draws"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("total ") && l.contains("元")),
        "{text}"
    );
}

#[test]
fn draws_need_assumptions_and_a_scheme_they_can_redraw() {
    fails(
        &["simulate", POLICY, "--population", SAMPLE, "--draws", "10"],
        2,
        "`--draws` draws the behavioural assumptions again, and none are given",
    );
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            SAMPLE,
            "--take-up",
            "vocational=0.5",
            "--draws",
            "0",
        ],
        2,
        "at least 1 draw",
    );
}

#[test]
fn a_scheme_paid_without_applications_refuses_take_up() {
    // Household rebates are paid from the register: a take-up share would
    // be reported as assumed and change nothing.
    fails(
        &[
            "simulate",
            "policies/examples/household-rebate.bursar",
            "--population",
            "policies/examples/data/households.csv",
            "--list",
            "members=policies/examples/data/members.csv",
            "--take-up",
            "rebate=0.7",
        ],
        2,
        "`household_rebate` pays without an application (no `received` date), so a take-up share has nothing to draw",
    );
}
