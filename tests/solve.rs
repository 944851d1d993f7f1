//! `bursar solve` end to end (issue #15, section 3): the answer is held to
//! independent `simulate --set` runs at it and one step above it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, stderr, stdout, temp};

const POLICY: &str = "policies/beijing/2023-career-boost.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";

fn json(args: &[&str]) -> serde_json::Value {
    let o = bursar(args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// Fen from a money string of a JSON report (`"2640.00"`).
fn fen(v: &serde_json::Value) -> i64 {
    let s = v.as_str().unwrap_or_else(|| panic!("{v}"));
    let (yuan, fen) = s.split_once('.').unwrap();
    yuan.parse::<i64>().unwrap() * 100 + fen.parse::<i64>().unwrap()
}

/// The total `simulate` gives with these `--set` overrides.
fn simulated_total(sets: &[String]) -> i64 {
    let mut args = vec![
        "simulate",
        POLICY,
        "--population",
        SAMPLE,
        "--format",
        "json",
    ];
    for s in sets {
        args.push("--set");
        args.push(s);
    }
    fen(&json(&args)["total"])
}

fn sets(values: &serde_json::Value) -> Vec<String> {
    values
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().map_or(v.to_string(), str::to_string)))
        .collect()
}

#[test]
fn one_amount_is_the_largest_whole_yuan_within_the_budget() {
    let a = json(&[
        "solve",
        POLICY,
        "--population",
        SAMPLE,
        "--budget",
        "20000",
        "--vary",
        "standard.level1",
        "--format",
        "json",
    ]);
    // The contract's keys.
    assert_eq!(a["values"]["standard.level1"], "2640.00", "{a}");
    assert_eq!(fen(&a["budget"]), 2_000_000);
    assert_eq!(fen(&a["total"]) + fen(&a["margin"]), fen(&a["budget"]));
    // Checked by simulate, independently: within at the answer, over one
    // whole yuan above it.
    assert_eq!(simulated_total(&sets(&a["values"])), fen(&a["total"]));
    assert!(fen(&a["total"]) <= 2_000_000);
    assert_eq!(a["next"]["values"]["standard.level1"], "2641.00");
    assert!(simulated_total(&sets(&a["next"]["values"])) > 2_000_000);
    // The report is the one at the answer.
    assert_eq!(a["report"]["overrides"][0], "standard.level1=2640.00");
    assert_eq!(fen(&a["report"]["total"]), fen(&a["total"]));
}

#[test]
fn keep_ratios_moves_every_row_in_proportion_rounded_down() {
    let a = json(&[
        "solve",
        POLICY,
        "--population",
        SAMPLE,
        "--budget",
        "20000 元",
        "--vary",
        "standard.level1,standard.level2,standard.level3",
        "--keep-ratios",
        "--format",
        "json",
    ]);
    let v = &a["values"];
    let (l1, l2, l3) = (
        fen(&v["standard.level1"]),
        fen(&v["standard.level2"]),
        fen(&v["standard.level3"]),
    );
    // 2000 : 1000 : 800, each in whole yuan, never above the ratio.
    assert_eq!(l1 % 100, 0);
    assert_eq!(l2, l1 / 2 / 100 * 100);
    assert_eq!(l3, l1 * 2 / 5 / 100 * 100);
    assert_eq!(simulated_total(&sets(v)), fen(&a["total"]));
    assert!(fen(&a["total"]) <= 2_000_000);
    assert!(simulated_total(&sets(&a["next"]["values"])) > 2_000_000);
    // Without `--keep-ratios`, every row moves by the same amount.
    let b = json(&[
        "solve",
        POLICY,
        "--population",
        SAMPLE,
        "--budget",
        "20000",
        "--vary",
        "standard.level1,standard.level2",
        "--format",
        "json",
    ]);
    let w = &b["values"];
    assert_eq!(
        fen(&w["standard.level1"]) - 200_000,
        fen(&w["standard.level2"]) - 100_000
    );
    assert!(simulated_total(&sets(&b["next"]["values"])) > 2_000_000);
}

#[test]
fn a_step_other_than_one_yuan() {
    let a = json(&[
        "solve",
        POLICY,
        "--population",
        SAMPLE,
        "--budget",
        "20000",
        "--vary",
        "standard.level1",
        "--step",
        "100",
        "--format",
        "json",
    ]);
    assert_eq!(a["values"]["standard.level1"], "2600.00", "{a}");
    assert_eq!(a["next"]["values"]["standard.level1"], "2700.00");
}

#[test]
fn the_answer_is_the_same_on_any_thread_count_and_in_text_and_csv() {
    let run = |threads: &str, format: &str| {
        let o = bursar(&[
            "solve",
            POLICY,
            "--population",
            SAMPLE,
            "--budget",
            "18000",
            "--vary",
            "standard.level2",
            "--threads",
            threads,
            "--format",
            format,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(run("1", "json"), run("2", "json"));
    let text = run("2", "text");
    assert!(text.contains("standard.level2"), "{text}");
    assert!(text.contains("margin"), "{text}");
    assert!(text.contains("one step more"), "{text}");
    let csv = run("1", "csv");
    assert!(
        csv.starts_with("section,name,metric,value\nsolve,standard.level2,value,"),
        "{csv}"
    );
    assert!(csv.contains("\nsolve,,margin,"), "{csv}");
    assert!(csv.contains("\nsummary,,paid,12\n"), "{csv}");
}

#[test]
fn a_quota_s_places_are_solved_in_whole_places() {
    // 1,000 applicants of pool a, each paid 1,000 元 if placed: a budget
    // of 123,456 元 buys 123 places.
    let path = temp("solve-places.csv");
    let mut rows = vec!["person_id,pool,model_worker,applied_at".to_string()];
    for i in 0..1000 {
        rows.push(format!("A{i:04},a,false,2025-03-01T09:{:02}", i % 60));
    }
    std::fs::write(&path, rows.join("\n") + "\n").unwrap();
    let a = json(&[
        "solve",
        "policies/examples/quota-pools.bursar",
        "--population",
        path.to_str().unwrap(),
        "--budget",
        "123456",
        "--vary",
        "quota.a.places",
        "--format",
        "json",
    ]);
    assert_eq!(a["values"]["quota.a.places"], 123, "{a}");
    assert_eq!(fen(&a["total"]), 12_300_000);
    assert_eq!(a["next"]["values"]["quota.a.places"], 124);
}

#[test]
fn what_cannot_be_solved_is_said() {
    let fails = |args: &[&str], code: i32, says: &str| {
        let mut all = vec!["solve", POLICY, "--population", SAMPLE];
        all.extend_from_slice(args);
        let o = bursar(&all);
        assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    };
    // A misspelt row: `--set`'s own words.
    fails(
        &["--budget", "20000", "--vary", "standard.levl1"],
        2,
        "`levl1` is not known here",
    );
    // Not an amount.
    fails(
        &["--budget", "20000", "--vary", "award.limit"],
        2,
        "not an amount",
    );
    // Even nothing for level 1 costs more than 1,000 元.
    fails(
        &["--budget", "1000", "--vary", "standard.level1"],
        1,
        "over the budget",
    );
    // Bad budget and step.
    fails(
        &["--budget", "lots", "--vary", "standard.level1"],
        2,
        "--budget lots",
    );
    fails(
        &[
            "--budget",
            "20000",
            "--vary",
            "standard.level1",
            "--step",
            "0",
        ],
        2,
        "--step 0",
    );
    fails(
        &[
            "--budget",
            "20000",
            "--vary",
            "standard.level1,standard.level1",
        ],
        2,
        "named twice",
    );
}
