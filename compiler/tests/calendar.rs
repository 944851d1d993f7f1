//! The built-in China calendar, held to the State Council general office's
//! holiday notices for 2023 to 2026, and calendars lowered into the IR.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_compiler::{compile, SourceFile};
use bursar_runtime::ir::Calendar;
use chrono::{Datelike, NaiveDate};

const SCHEME: &str = r#"
scheme s {
  currency CNY
  period   2025-01-01 ..= 2025-12-31
  calendar china
}
applicant { returned_on date }
category c { when returned_on + 5 working_days >= 2025-10-14  pay 1 元 }
award { limit 1 per period  choose highest_amount then first_declared }
"#;

fn china() -> Calendar {
    let compiled = compile(&SourceFile::new("s.bursar", SCHEME));
    let rendered: Vec<String> = compiled
        .diagnostics
        .iter()
        .map(|d| d.render(false))
        .collect();
    // The built-in text has no conflict, no day twice and no make-up day on
    // a weekday: any of those would be a diagnostic here.
    assert!(compiled.diagnostics.is_empty(), "{}", rendered.join("\n"));
    compiled.scheme.unwrap().calendar.unwrap()
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn the_china_calendar_covers_2023_to_2026() {
    let cal = china();
    assert_eq!(
        (cal.name.as_str(), cal.first_year, cal.last_year),
        ("china", 2023, 2026)
    );
}

#[test]
fn every_make_up_working_day_is_a_weekend_day_and_the_notices_count() {
    let cal = china();
    let mut per_year = std::collections::BTreeMap::new();
    for span in &cal.workdays {
        let mut day = span.from;
        while day <= span.to {
            assert!(day.weekday().num_days_from_monday() >= 5, "{day}");
            *per_year.entry(day.year()).or_insert(0) += 1;
            day = day.succ_opt().unwrap();
        }
    }
    // 2023: 1-28, 1-29, 4-23, 5-6, 6-25, 10-7, 10-8; 2024: 2-4, 2-18, 4-7,
    // 4-28, 5-11, 9-14, 9-29, 10-12; 2025: 1-26, 2-8, 4-27, 9-28, 10-11;
    // 2026: 1-4, 2-14, 2-28, 5-9, 9-20, 10-10.
    let expected: Vec<(i32, i32)> = vec![(2023, 7), (2024, 8), (2025, 5), (2026, 6)];
    assert_eq!(per_year.into_iter().collect::<Vec<_>>(), expected);
}

#[test]
fn the_holidays_are_the_notices() {
    let cal = china();
    let spans: Vec<(NaiveDate, NaiveDate, &str)> = cal
        .holidays
        .iter()
        .map(|s| (s.from, s.to, s.label.as_deref().unwrap_or("")))
        .collect();
    // Each year's seven holidays, by their first day, their last, and name;
    // 元旦 2023 began on 2022-12-31, outside the calendar's years.
    let expected = [
        ("2023-01-01", "2023-01-02", "元旦"),
        ("2023-01-21", "2023-01-27", "春节"),
        ("2023-04-05", "2023-04-05", "清明节"),
        ("2023-04-29", "2023-05-03", "劳动节"),
        ("2023-06-22", "2023-06-24", "端午节"),
        ("2023-09-29", "2023-10-06", "中秋节、国庆节"),
        ("2023-12-30", "2024-01-01", "元旦"),
        ("2024-02-10", "2024-02-17", "春节"),
        ("2024-04-04", "2024-04-06", "清明节"),
        ("2024-05-01", "2024-05-05", "劳动节"),
        ("2024-06-08", "2024-06-10", "端午节"),
        ("2024-09-15", "2024-09-17", "中秋节"),
        ("2024-10-01", "2024-10-07", "国庆节"),
        ("2025-01-01", "2025-01-01", "元旦"),
        ("2025-01-28", "2025-02-04", "春节"),
        ("2025-04-04", "2025-04-06", "清明节"),
        ("2025-05-01", "2025-05-05", "劳动节"),
        ("2025-05-31", "2025-06-02", "端午节"),
        ("2025-10-01", "2025-10-08", "国庆节、中秋节"),
        ("2026-01-01", "2026-01-03", "元旦"),
        ("2026-02-15", "2026-02-23", "春节"),
        ("2026-04-04", "2026-04-06", "清明节"),
        ("2026-05-01", "2026-05-05", "劳动节"),
        ("2026-06-19", "2026-06-21", "端午节"),
        ("2026-09-25", "2026-09-27", "中秋节"),
        ("2026-10-01", "2026-10-07", "国庆节"),
    ]
    .map(|(a, b, l)| (d(a), d(b), l));
    assert_eq!(spans, expected.to_vec());
}

#[test]
fn a_calendar_in_a_scheme_that_names_none_stays_out_of_the_ir() {
    let text = SCHEME.replace("  calendar china\n", "");
    let compiled = compile(&SourceFile::new("s.bursar", text));
    assert!(compiled.scheme.unwrap().calendar.is_none());
}

#[test]
fn calendars_are_formatted_with_their_columns_aligned() {
    for path in [
        "calendars/china.bursar",
        "../policies/examples/working-day-deadline.bursar",
    ] {
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(
            bursar_compiler::fmt::format(&text).as_deref(),
            Some(text.as_str()),
            "{path}: run `bursar fmt` on it"
        );
    }
    let messy = "calendar x \"y\" {\nyears 2025\n    holiday 2025-10-01 ..= 2025-10-08 \"国庆节\"\n  workday 2025-10-11 \"调休\"\n}\n";
    assert_eq!(
        bursar_compiler::fmt::format(messy).unwrap(),
        "calendar x \"y\" {\n  years 2025\n  holiday 2025-10-01 ..= 2025-10-08 \"国庆节\"\n  workday 2025-10-11                \"调休\"\n}\n"
    );
}
