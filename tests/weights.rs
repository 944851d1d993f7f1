//! Weighted populations (issue #15, §6): `--weight COLUMN` for a survey
//! sample. A row of weight w counts as w persons in every count and
//! amount, exactly as if it were written w times, and the report says so.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, fails, stderr, stdout, temp};
use serde_json::Value;

const SCHEME: &str = "policies/beijing/2023-career-boost.bursar";
const DRAFT: &str = "policies/beijing/2024-career-boost-draft.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";

/// The sample's header and data rows.
fn sample() -> (String, Vec<String>) {
    let text = std::fs::read_to_string(SAMPLE).unwrap();
    let mut lines = text
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}').to_string());
    let header = lines.next().unwrap();
    (header, lines.filter(|l| !l.is_empty()).collect())
}

/// The sample with a column `w` of `weight` on every row.
fn weighted(name: &str, weight: &str) -> String {
    let (header, rows) = sample();
    let mut out = format!("{header},w\n");
    for r in rows {
        out += &format!("{r},{weight}\n");
    }
    let path = temp(name);
    std::fs::write(&path, out).unwrap();
    path.display().to_string()
}

/// The sample with each row written `n` times, each copy with an
/// identifier of its own (`E01-1`, `E01-2`…): a person is listed once.
fn repeated(name: &str, n: usize) -> String {
    let (header, rows) = sample();
    let mut out = format!("{header}\n");
    for r in rows {
        let (id, rest) = r.split_once(',').unwrap();
        for copy in 1..=n {
            out += &format!("{id}-{copy},{rest}\n");
        }
    }
    let path = temp(name);
    std::fs::write(&path, out).unwrap();
    path.display().to_string()
}

fn json(args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    let o = bursar(&args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// A report's JSON without what names its file and counts its rows.
fn figures(mut report: Value) -> Value {
    let map = report.as_object_mut().unwrap();
    for key in ["population", "rows", "weight", "bundle_hash"] {
        map.remove(key);
    }
    report
}

#[test]
fn weights_of_one_give_the_unweighted_report_but_for_saying_so() {
    let population = weighted("ones.csv", "1");
    let plain = bursar(&["simulate", SCHEME, "--population", &population]);
    let ones = bursar(&[
        "simulate",
        SCHEME,
        "--population",
        &population,
        "--weight",
        "w",
    ]);
    assert_eq!(ones.status.code(), Some(0), "{}", stderr(&ones));
    let (plain, ones) = (stdout(&plain), stdout(&ones));
    assert!(
        ones.contains("\nweight      column w (weighted: each row counts as w persons)\n"),
        "{ones}"
    );
    // The weight line and the persons the rows stand for, next to the rows
    // read, are all that is added; every other byte is the same.
    assert!(
        ones.contains("\n  persons they stand for        24\n"),
        "{ones}"
    );
    let without: String = ones
        .lines()
        .filter(|l| !l.starts_with("weight ") && !l.starts_with("  persons they stand for"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(without, plain);

    // JSON: the same keys and figures, and `weight`.
    let plain = json(&["simulate", SCHEME, "--population", &population]);
    let ones = json(&[
        "simulate",
        SCHEME,
        "--population",
        &population,
        "--weight",
        "w",
    ]);
    assert_eq!(
        ones["weight"],
        serde_json::json!({"column": "w", "persons": 24})
    );
    assert!(plain.get("weight").is_none());
    let mut ones_without = ones.clone();
    ones_without.as_object_mut().unwrap().remove("weight");
    assert_eq!(ones_without, plain);

    // CSV: the same rows, and the weight's.
    let csv = |extra: &[&str]| {
        let mut args = vec![
            "simulate",
            SCHEME,
            "--population",
            &population,
            "--format",
            "csv",
        ];
        args.extend(extra);
        stdout(&bursar(&args))
    };
    let (plain, ones) = (csv(&[]), csv(&["--weight", "w"]));
    assert!(ones.contains("source,,weight,w\n"), "{ones}");
    assert!(ones.contains("summary,,persons,24\n"), "{ones}");
    let without: String = ones
        .lines()
        .filter(|l| *l != "source,,weight,w" && *l != "summary,,persons,24")
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(without, plain);
}

#[test]
fn a_weight_of_100_is_the_population_repeated_100_times() {
    let sample = weighted("hundreds.csv", "100");
    let copies = repeated("hundred-copies.csv", 100);
    let w = json(&["simulate", SCHEME, "--population", &sample, "--weight", "w"]);
    let r = json(&["simulate", SCHEME, "--population", &copies]);
    assert_eq!(w["total"], "1680000.00");
    assert_eq!(w["total"], r["total"]);
    assert_eq!(w["by_category"], r["by_category"]);
    assert_eq!(w["cash_flow"], r["cash_flow"]);
    assert_eq!(w["cash_flow_expected"], r["cash_flow_expected"]);
    // And every other figure: counts, amounts, reasons.
    assert_eq!(w["rows"], 24);
    assert_eq!(w["weight"]["persons"], 2400);
    assert_eq!(r["rows"], 2400);
    assert_eq!(figures(w), figures(r));

    // Two schemes: deltas, winners and losers too.
    let w = json(&[
        "compare",
        SCHEME,
        DRAFT,
        "--population",
        &sample,
        "--weight",
        "w",
    ]);
    let r = json(&["compare", SCHEME, DRAFT, "--population", &copies]);
    assert_eq!(w["weight"]["column"], "w");
    assert_eq!(w["delta"], r["delta"]);
    assert_eq!(w["winners_and_losers"], r["winners_and_losers"]);
    assert_eq!(figures(w["reform"].clone()), figures(r["reform"].clone()));
    // The draft's warning counts weighted applications as well.
    assert!(
        w["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("2300 applications"),
        "{w}"
    );
}

#[test]
fn the_budget_effect_of_a_diff_is_weighted_too() {
    let sample = weighted("diff-hundreds.csv", "100");
    let copies = repeated("diff-copies.csv", 100);
    let w = json(&[
        "diff",
        SCHEME,
        DRAFT,
        "--population",
        &sample,
        "--weight",
        "w",
    ]);
    let r = json(&["diff", SCHEME, DRAFT, "--population", &copies]);
    assert_eq!(w["budget"]["attribution"], r["budget"]["attribution"]);
    assert_eq!(
        w["budget"]["comparison"]["delta"],
        r["budget"]["comparison"]["delta"]
    );
    assert_eq!(w["budget"]["comparison"]["weight"]["persons"], 2400);
}

#[test]
fn bad_weights_are_bad_rows_with_their_line() {
    let (header, rows) = sample();
    let mut text = format!("{header},w\n");
    let weights = ["1", "-1", "1.5", "", "lots", "1000001", "2.0"];
    for (r, w) in rows.iter().zip(weights.iter().cycle()) {
        text += &format!("{r},{w}\n");
    }
    let path = temp("bad-weights.csv");
    std::fs::write(&path, text).unwrap();
    let path = path.display().to_string();
    // The first bad row stops the run, named by its line.
    fails(
        &["simulate", SCHEME, "--population", &path, "--weight", "w"],
        1,
        &format!("{path}:3: column `w`: value `-1`: a weight cannot be negative"),
    );
    // Skipped, each is listed with its line and why.
    let o = bursar(&[
        "simulate",
        SCHEME,
        "--population",
        &path,
        "--weight",
        "w",
        "--on-bad-row",
        "skip",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let skipped: Vec<&str> = r["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for (i, message) in [
        ":3: column `w`: value `-1`: a weight cannot be negative",
        ":4: column `w`: value `1.5`: a weight is a whole number of persons",
        ":5: column `w`: value ``: the weight is empty",
        ":6: column `w`: value `lots`: expected a weight",
        ":7: column `w`: value `1000001`: a weight is at most 1,000,000 persons",
    ]
    .into_iter()
    .enumerate()
    {
        assert!(skipped[i].contains(message), "{skipped:?}");
    }
    // Rows of weight 1 and 2.0 are read; of 24 rows, 5 of every 7 are bad.
    assert_eq!(r["skipped_rows"], 17);
    assert_eq!(r["rows"], 24);
    // Data rows 1, 8, 15, 22 weigh 1; rows 7, 14, 21 weigh 2.
    assert_eq!(r["weight"]["persons"], 4 + 3 * 2);
}

#[test]
fn a_missing_weight_column_is_named() {
    fails(
        &["simulate", SCHEME, "--population", SAMPLE, "--weight", "wt"],
        1,
        "`--weight wt`: the header has no column `wt`",
    );
    let sample = weighted("near.csv", "1");
    fails(
        &["simulate", SCHEME, "--population", &sample, "--weight", "W"],
        1,
        "`--weight W`: the header has no column `W`; did you mean `--weight w`?",
    );
    // A column the scheme reads is data, not a weight: `voc_level` 1–3
    // would pass for one and weigh the sample by certificate level.
    fails(
        &[
            "simulate",
            SCHEME,
            "--population",
            SAMPLE,
            "--weight",
            "voc_level",
        ],
        1,
        "`--weight voc_level`: the column feeds one of the scheme's fields",
    );
}

#[test]
fn what_weights_cannot_give_right_is_refused() {
    let sample = weighted("refused.csv", "100");
    let persons = temp("refused-persons.csv");
    let persons = persons.to_str().unwrap();
    fails(
        &[
            "simulate",
            SCHEME,
            "--population",
            &sample,
            "--weight",
            "w",
            "--persons",
            persons,
        ],
        2,
        "`--weight w`: `--persons` writes one row per person",
    );
    assert!(!std::path::Path::new(persons).exists());
    fails(
        &[
            "compare",
            SCHEME,
            DRAFT,
            "--population",
            &sample,
            "--weight",
            "w",
            "--persons",
            persons,
        ],
        2,
        "`--weight w`: `--persons` writes one row per person",
    );
    fails(
        &[
            "simulate",
            SCHEME,
            "--population",
            &sample,
            "--weight",
            "w",
            "--take-up",
            "contest=0.5",
            "--draws",
            "10",
        ],
        2,
        "`--weight w`: `--draws` redraws each row's behaviour",
    );
    fails(
        &[
            "simulate",
            "policies/examples/quota-pools.bursar",
            "--population",
            &sample,
            "--weight",
            "w",
        ],
        2,
        "has quotas, and a sample's row cannot be given a share of places",
    );
}

#[test]
fn every_format_says_the_figures_are_weighted() {
    let sample = weighted("formats.csv", "100");
    let run = |command: &[&str], format: &str| {
        let mut args = command.to_vec();
        args.extend(["--population", &sample, "--weight", "w", "--format", format]);
        let o = bursar(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let text = run(&["compare", SCHEME, DRAFT], "text");
    assert!(
        text.contains("\nweight      column w (weighted: each row counts as w persons)\n"),
        "{text}"
    );
    let persons = text
        .lines()
        .find(|l| l.starts_with("  persons they stand for"))
        .unwrap();
    assert_eq!(
        persons.split_whitespace().collect::<Vec<_>>()[4..],
        ["2,400", "2,400"]
    );
    let csv = run(&["compare", SCHEME, DRAFT], "csv");
    assert!(csv.contains("source,,weight,w,w,\n"), "{csv}");
    assert!(csv.contains("summary,,persons,2400,2400,0\n"), "{csv}");
    for command in [&["simulate", SCHEME][..], &["compare", SCHEME, DRAFT][..]] {
        let html = run(command, "html");
        assert!(
            html.contains("按列 <code>w</code> 加权：每行代表 <code>w</code> 人（共 2,400 人）"),
            "{html}"
        );
    }
    // The workbook's summary too.
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let book_path = temp("weighted.xlsx");
    let o = bursar(&[
        "simulate",
        SCHEME,
        "--population",
        &sample,
        "--weight",
        "w",
        "--format",
        "xlsx",
        "-o",
        book_path.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut book: Xlsx<_> = open_workbook(&book_path).unwrap();
    let summary = book.worksheet_range("概要").unwrap();
    let cell = |name: &str| {
        summary
            .rows()
            .find(|r| r.first() == Some(&Data::String(name.into())))
            .and_then(|r| r.get(1).cloned())
            .unwrap_or_else(|| panic!("no row `{name}`"))
    };
    assert_eq!(cell("代表人数"), Data::Float(2400.0));
    assert!(matches!(cell("权重列"), Data::String(s) if s.starts_with("w (加权")));
}

#[test]
fn solve_fits_the_weighted_total_to_the_budget() {
    // A hundred times the persons, a hundred times the budget: the same
    // amount is the largest that fits.
    let sample = weighted("solve-hundreds.csv", "100");
    let solve = |population: &str, budget: &str, weight: &[&str]| {
        let mut args = vec![
            "solve",
            SCHEME,
            "--population",
            population,
            "--budget",
            budget,
            "--vary",
            "standard.level1",
        ];
        args.extend(weight);
        json(&args)
    };
    let plain = solve(SAMPLE, "20000", &[]);
    let weighted = solve(&sample, "2000000", &["--weight", "w"]);
    assert_eq!(plain["values"]["standard.level1"], "2640.00");
    assert_eq!(weighted["values"], plain["values"]);
    assert_eq!(weighted["next"]["values"], plain["next"]["values"]);
    assert_eq!(weighted["report"]["weight"]["persons"], 2400);
}
