//! `--format xlsx -o FILE`: a workbook a finance office opens, read back
//! with an independent reader (calamine): one sheet per table, numbers as
//! numbers, Chinese labels, the cash flow month by month with a chart.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::{bursar, fails, stderr, temp};

const OLD: &str = "policies/beijing/2023-career-boost.bursar";
const NEW: &str = "policies/beijing/2024-career-boost-draft.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";

/// Runs `bursar` writing a workbook, and opens it.
fn workbook(name: &str, args: &[&str]) -> (Xlsx<std::io::BufReader<std::fs::File>>, Vec<u8>) {
    let path = temp(name);
    let o = bursar(&[args, &["--format", "xlsx", "-o", path.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    assert!(o.stdout.is_empty());
    (open_workbook(&path).unwrap(), std::fs::read(&path).unwrap())
}

/// A sheet's rows.
fn rows(book: &mut Xlsx<std::io::BufReader<std::fs::File>>, sheet: &str) -> Vec<Vec<Data>> {
    let range = book
        .worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("no sheet `{sheet}`: {e}"));
    range.rows().map(<[Data]>::to_vec).collect()
}

/// The row whose first cell is `name`.
fn row<'a>(rows: &'a [Vec<Data>], name: &str) -> &'a [Data] {
    rows.iter()
        .find(|r| r.first() == Some(&Data::String(name.into())))
        .unwrap_or_else(|| panic!("no row `{name}` in {rows:?}"))
}

#[test]
fn simulate_writes_a_workbook_of_numbers() {
    let (mut book, bytes) = workbook("simulate.xlsx", &["simulate", OLD, "--population", SAMPLE]);
    assert_eq!(
        book.sheet_names(),
        ["summary", "categories", "amounts", "reasons", "cash flow"]
    );
    let summary = rows(&mut book, "summary");
    assert_eq!(
        row(&summary, "paid")[1..3],
        [Data::Float(12.0), Data::Float(16800.0)]
    );
    assert_eq!(row(&summary, "rows read")[1], Data::Float(24.0));
    assert!(summary
        .iter()
        .any(|r| r.contains(&Data::String("beijing_career_boost_2023".into()))));

    let categories = rows(&mut book, "categories");
    let vocational = row(&categories, "vocational");
    assert_eq!(vocational[1], Data::String("国家职业资格证书".into()));
    assert_eq!(
        vocational[2..],
        [
            Data::Float(10.0),
            Data::Float(7.0),
            Data::Float(5.0),
            Data::Float(6800.0)
        ]
    );

    let amounts = rows(&mut book, "amounts");
    assert_eq!(
        amounts[1],
        [Data::Float(800.0), Data::Float(1.0), Data::Float(800.0)]
    );

    let reasons = rows(&mut book, "reasons");
    assert!(reasons.iter().any(|r| r
        .iter()
        .any(|c| matches!(c, Data::String(s) if s.contains("持有工会会员互助服务卡")))));

    // Every month from the first to the last, April's zeros included.
    let flow = rows(&mut book, "cash flow");
    assert_eq!(
        flow[0][..3],
        [
            Data::String("month".into()),
            Data::String("latest case".into()),
            Data::String("expected case".into())
        ]
    );
    let months: Vec<&Data> = flow[1..].iter().map(|r| &r[0]).collect();
    assert_eq!(months.len(), 12);
    assert_eq!(
        flow[2][..3],
        [
            Data::String("2023-04".into()),
            Data::Float(0.0),
            Data::Float(0.0)
        ]
    );
    let latest: f64 = flow[1..]
        .iter()
        .map(|r| match r[1] {
            Data::Float(f) => f,
            ref other => panic!("{other:?}"),
        })
        .sum();
    assert_eq!(latest, 16800.0);
    // And a chart of it.
    assert!(bytes.windows(20).any(|w| w == b"xl/charts/chart1.xml"));
}

#[test]
fn compare_writes_both_sides_and_the_change() {
    let (mut book, _) = workbook(
        "compare.xlsx",
        &["compare", OLD, NEW, "--population", SAMPLE],
    );
    let summary = rows(&mut book, "summary");
    assert_eq!(
        row(&summary, "money")[1..4],
        [
            Data::Float(16800.0),
            Data::Float(5600.0),
            Data::Float(-11200.0)
        ]
    );
    let flow = rows(&mut book, "cash flow");
    assert_eq!(flow[0].len(), 7);
    let names = book.sheet_names();
    assert!(
        names.contains(&"winners and losers".to_string()),
        "{names:?}"
    );
}

#[test]
fn a_workbook_is_not_printed_to_a_terminal() {
    fails(
        &["simulate", OLD, "--population", SAMPLE, "--format", "xlsx"],
        2,
        "`--format xlsx` writes a file: give `-o FILE`",
    );
}

#[test]
fn a_workbook_is_the_same_byte_for_byte_every_time() {
    let args = ["simulate", OLD, "--population", SAMPLE];
    let (_, first) = workbook("again-1.xlsx", &args);
    // A second later: a workbook stamped with the time it was made differs.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (_, second) = workbook("again-2.xlsx", &args);
    assert!(first == second, "two runs gave different workbooks");
}
