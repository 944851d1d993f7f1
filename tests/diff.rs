//! `bursar diff` end to end: changes, budget attribution and witnesses.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, fails};

use std::process::Output;

const OLD: &str = "policies/beijing/2023-career-boost.bursar";
const NEW: &str = "policies/beijing/2024-career-boost-draft.bursar";

fn json(o: &Output) -> serde_json::Value {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn fen(v: &serde_json::Value) -> i64 {
    let s = v.as_str().unwrap();
    let (int, frac) = s.split_once('.').unwrap();
    let sign = if int.starts_with('-') { -1 } else { 1 };
    int.parse::<i64>().unwrap() * 100 + sign * frac.parse::<i64>().unwrap()
}

#[test]
fn attribution_parts_add_up_to_the_whole_change() {
    let dir = std::env::temp_dir().join(format!("bursar-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let population = dir.join("synth.csv");
    let o = bursar(&[
        "synth",
        "--rows",
        "30000",
        "--seed",
        "4",
        "-o",
        population.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let d = json(&bursar(&[
        "diff",
        OLD,
        NEW,
        "--population",
        population.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let budget = &d["budget"];
    let attribution = &budget["attribution"];
    let shares: Vec<i64> = attribution["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| fen(&s["share"]))
        .collect();
    // One share per change: a condition changed is a change of its own.
    assert_eq!(shares.len(), 7);
    let delta = fen(&attribution["delta"]);
    assert_eq!(
        shares.iter().sum::<i64>(),
        delta,
        "the parts add up to the whole, exactly"
    );
    assert_eq!(fen(&attribution["sum_of_shares"]), delta);
    let comparison = &budget["comparison"];
    assert_eq!(
        fen(&comparison["reform"]["total"]) - fen(&comparison["base"]["total"]),
        delta
    );
    assert_eq!(attribution["method"]["variants"], 128);
    // Raising level 1 alone can only cost more.
    let level1 = attribution["shares"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["change"] == "standard.level1")
        .unwrap();
    assert!(fen(&level1["share"]) > 0);
}

#[test]
fn witnesses_in_json_and_text() {
    let d = json(&bursar(&[
        "diff",
        OLD,
        NEW,
        "--witness",
        "--format",
        "json",
    ]));
    let witnesses = d["witnesses"].as_array().unwrap();
    assert_eq!(witnesses.len(), d["changes"].as_array().unwrap().len());
    let found = witnesses.iter().filter(|w| w["result"] == "found").count();
    assert_eq!(found, 7);
    let contest_pay = witnesses
        .iter()
        .find(|w| w["change"] == "category.contest.pay")
        .unwrap();
    assert_eq!(contest_pay["applicant"]["contest_rank"], "10");
    let o = bursar(&["diff", OLD, NEW, "--witness"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("under old:") && text.contains("under new:"));
}

#[test]
fn diff_refuses_schemes_with_different_inputs() {
    fails(
        &["diff", OLD, "tests/cases/ok/minimal.bursar"],
        1,
        "does not read the old one's applicant record",
    );
}
