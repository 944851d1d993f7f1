//! Where reports go and how spreadsheets open them: `-o FILE` for every
//! report format, CSV with a UTF-8 byte-order mark (Excel on Chinese
//! Windows reads a CSV without one as GBK) unless `--no-bom`, and the cash
//! flow as a wide table, one row per month.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, fails, stderr, temp};

const OLD: &str = "policies/beijing/2023-career-boost.bursar";
const NEW: &str = "policies/beijing/2024-career-boost-draft.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Standard output of a run that must succeed, as bytes.
fn run(args: &[&str]) -> Vec<u8> {
    let o = bursar(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    o.stdout
}

#[test]
fn csv_starts_with_a_byte_order_mark_unless_told_not_to() {
    let simulate = ["simulate", OLD, "--population", SAMPLE, "--format", "csv"];
    let with = run(&simulate);
    assert!(with.starts_with(BOM), "{}", String::from_utf8_lossy(&with));
    let without = run(&[&simulate[..], &["--no-bom"]].concat());
    assert!(without.starts_with(b"section,"));
    assert_eq!(&with[3..], &without[..]);
    let compare = [
        "compare",
        OLD,
        NEW,
        "--population",
        SAMPLE,
        "--format",
        "csv",
    ];
    assert!(run(&compare).starts_with(BOM));
    assert!(run(&[&compare[..], &["--no-bom"]].concat()).starts_with(b"section,"));
    // Text and JSON have none: a terminal and a JSON parser want none.
    assert!(run(&["simulate", OLD, "--population", SAMPLE, "--format", "json"]).starts_with(b"{"));
}

/// The rows of the wide cash-flow table: after a blank line, its header,
/// then one row per month.
fn wide(csv: &str, header: &str) -> Vec<Vec<String>> {
    let (_, table) = csv
        .split_once(&format!("\n\n{header}\n"))
        .unwrap_or_else(|| panic!("no wide cash-flow table in:\n{csv}"));
    table
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn csv_has_the_cash_flow_as_a_wide_table_with_every_month() {
    let out = run(&[
        "simulate",
        OLD,
        "--population",
        SAMPLE,
        "--format",
        "csv",
        "--no-bom",
    ]);
    let csv = String::from_utf8(out).unwrap();
    let rows = wide(&csv, "month,latest,expected");
    let months: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    // From the first month anything is paid to the last, none left out:
    // nothing is paid in April 2023, and April is there with zeros.
    assert_eq!(
        months,
        [
            "2023-03", "2023-04", "2023-05", "2023-06", "2023-07", "2023-08", "2023-09", "2023-10",
            "2023-11", "2023-12", "2024-01", "2024-02"
        ]
    );
    assert_eq!(rows[1], ["2023-04", "0.00", "0.00"]);
    assert_eq!(rows[0], ["2023-03", "0.00", "2000.00"]);
    let fen = |s: &str| (s.parse::<f64>().unwrap() * 100.0).round() as i64;
    let latest: i64 = rows.iter().map(|r| fen(&r[1])).sum();
    let expected: i64 = rows.iter().map(|r| fen(&r[2])).sum();
    assert_eq!((latest, expected), (1_680_000, 1_680_000));
}

#[test]
fn compare_csv_has_both_cash_flows_side_by_side() {
    let out = run(&[
        "compare",
        OLD,
        NEW,
        "--population",
        SAMPLE,
        "--format",
        "csv",
        "--no-bom",
    ]);
    let csv = String::from_utf8(out).unwrap();
    let rows = wide(
        &csv,
        "month,base latest,base expected,reform latest,reform expected,change latest,change expected",
    );
    assert!(rows.iter().all(|r| r.len() == 7), "{rows:?}");
    let fen = |s: &str| (s.parse::<f64>().unwrap() * 100.0).round() as i64;
    for r in &rows {
        assert_eq!(fen(&r[5]), fen(&r[3]) - fen(&r[1]), "{r:?}");
        assert_eq!(fen(&r[6]), fen(&r[4]) - fen(&r[2]), "{r:?}");
    }
    let months: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let mut sorted = months.clone();
    sorted.sort_unstable();
    assert_eq!(months, sorted);
}

#[test]
fn every_report_format_can_go_to_a_file() {
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("simulate", vec!["simulate", OLD, "--population", SAMPLE]),
        ("compare", vec!["compare", OLD, NEW, "--population", SAMPLE]),
        ("diff", vec!["diff", OLD, NEW, "--population", SAMPLE]),
        (
            "solve",
            vec![
                "solve",
                OLD,
                "--population",
                SAMPLE,
                "--budget",
                "20000",
                "--vary",
                "standard.level1",
            ],
        ),
    ];
    for (name, args) in &cases {
        for format in ["text", "json", "csv"] {
            let printed = run(&[&args[..], &["--format", format]].concat());
            let file = temp(&format!("{name}.{format}"));
            let o = bursar(
                &[
                    &args[..],
                    &["--format", format, "-o", file.to_str().unwrap()],
                ]
                .concat(),
            );
            assert_eq!(o.status.code(), Some(0), "{name} {format}: {}", stderr(&o));
            assert!(o.stdout.is_empty(), "{name} {format}: printed as well");
            assert_eq!(
                std::fs::read(&file).unwrap(),
                printed,
                "{name} {format}: the file is what would be printed"
            );
        }
    }
}

#[test]
fn output_never_overwrites_an_input() {
    let copy = temp("population.csv");
    std::fs::copy(SAMPLE, &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let copy = copy.to_str().unwrap();
    fails(
        &["simulate", OLD, "--population", copy, "-o", copy],
        2,
        &format!("`-o {copy}` would overwrite an input"),
    );
    assert_eq!(std::fs::read(copy).unwrap(), before);
}

#[test]
fn a_diff_has_figures_for_csv_only_with_a_population() {
    fails(
        &["diff", OLD, NEW, "--format", "csv"],
        2,
        "without `--population FILE`",
    );
    let csv = run(&["diff", OLD, NEW, "--population", SAMPLE, "--format", "csv"]);
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.contains("\nattribution,standard.level1,share,,,1333.34\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\nattribution,,sum_of_shares,,,-11200.00\n"),
        "{csv}"
    );
}
