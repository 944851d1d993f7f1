//! `working_days` with and without a calendar of public holidays.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_runtime::ir::{Calendar, DaySpan, Duration, DurationUnit};
use bursar_runtime::{shift, EvalError};
use chrono::{Datelike, NaiveDate};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn span(from: &str, to: &str, label: &str) -> DaySpan {
    DaySpan {
        from: d(from),
        to: d(to),
        label: Some(label.into()),
    }
}

/// The 2025 part of the China calendar: 国庆节、中秋节 and its make-up days.
fn china_2025() -> Calendar {
    Calendar {
        name: "china".into(),
        label: None,
        first_year: 2025,
        last_year: 2025,
        holidays: vec![
            span("2025-01-01", "2025-01-01", "元旦"),
            span("2025-01-28", "2025-02-04", "春节"),
            span("2025-10-01", "2025-10-08", "国庆节、中秋节"),
        ],
        workdays: vec![
            span("2025-01-26", "2025-01-26", "春节调休"),
            span("2025-02-08", "2025-02-08", "春节调休"),
            span("2025-09-28", "2025-09-28", "国庆节调休"),
            span("2025-10-11", "2025-10-11", "国庆节调休"),
        ],
    }
}

fn wd(count: i64) -> Duration {
    Duration {
        count,
        unit: DurationUnit::WorkingDays,
    }
}

/// Day by day, the plain definition: what the fast count must agree with.
fn slow(cal: &Calendar, from: NaiveDate, count: i64) -> NaiveDate {
    let working = |day: NaiveDate| {
        let within = |s: &DaySpan| s.from <= day && day <= s.to;
        if cal.workdays.iter().any(within) {
            return true;
        }
        !cal.holidays.iter().any(within)
            && !matches!(
                chrono::Datelike::weekday(&day),
                chrono::Weekday::Sat | chrono::Weekday::Sun
            )
    };
    let step = if count >= 0 { 1 } else { -1 };
    let mut day = from;
    let mut left = count.abs();
    while left > 0 {
        day += chrono::TimeDelta::days(step);
        if working(day) {
            left -= 1;
        }
    }
    day
}

#[test]
fn five_working_days_after_the_eve_of_national_day_is_october_14() {
    let cal = china_2025();
    assert_eq!(
        shift(d("2025-09-30"), wd(5), 1, Some(&cal)),
        Ok(d("2025-10-14"))
    );
}

#[test]
fn a_make_up_saturday_counts() {
    let cal = china_2025();
    // 2025-10-10 is a Friday; the Saturday after it is a make-up day.
    assert_eq!(
        shift(d("2025-10-10"), wd(1), 1, Some(&cal)),
        Ok(d("2025-10-11"))
    );
    // 2025-09-27 is a Saturday; Sunday 28th is a make-up day.
    assert_eq!(
        shift(d("2025-09-26"), wd(1), 1, Some(&cal)),
        Ok(d("2025-09-28"))
    );
    assert_eq!(
        shift(d("2025-09-29"), wd(1), -1, Some(&cal)),
        Ok(d("2025-09-28"))
    );
}

#[test]
fn a_holiday_on_a_weekday_does_not_count() {
    let cal = china_2025();
    // New Year's Day 2025 is a Wednesday.
    assert_eq!(
        shift(d("2024-12-31"), wd(1), 1, Some(&cal)),
        Err(EvalError::OutsideCalendar {
            date: d("2024-12-31")
        })
    );
    assert_eq!(
        shift(d("2025-01-01"), wd(1), -1, Some(&cal)),
        Err(EvalError::OutsideCalendar {
            date: d("2024-12-31")
        })
    );
    assert_eq!(
        shift(d("2025-01-02"), wd(1), 1, Some(&cal)),
        Ok(d("2025-01-03"))
    );
    assert_eq!(
        shift(d("2025-01-03"), wd(2), -1, Some(&cal)),
        Err(EvalError::OutsideCalendar {
            date: d("2024-12-31")
        })
    );
    assert_eq!(
        shift(d("2025-01-27"), wd(1), 1, Some(&cal)),
        Ok(d("2025-02-05"))
    );
    assert_eq!(
        shift(d("2025-02-05"), wd(1), -1, Some(&cal)),
        Ok(d("2025-01-27"))
    );
}

#[test]
fn without_a_calendar_monday_to_friday_as_before() {
    assert_eq!(shift(d("2025-09-30"), wd(5), 1, None), Ok(d("2025-10-07")));
    assert_eq!(shift(d("2025-10-04"), wd(1), 1, None), Ok(d("2025-10-06")));
    assert_eq!(shift(d("2025-10-06"), wd(1), -1, None), Ok(d("2025-10-03")));
    assert_eq!(shift(d("2025-10-05"), wd(1), -1, None), Ok(d("2025-10-03")));
    assert_eq!(shift(d("2025-10-01"), wd(0), 1, None), Ok(d("2025-10-01")));
    let mut day = d("2024-01-01");
    for n in 0..400 {
        for count in [1, 2, 4, 5, 6, 9, 10, 23] {
            let none = Calendar {
                name: "none".into(),
                label: None,
                first_year: 2000,
                last_year: 2100,
                holidays: Vec::new(),
                workdays: Vec::new(),
            };
            assert_eq!(
                shift(day, wd(count), 1, None),
                Ok(slow(&none, day, count)),
                "{day} + {count} (#{n})"
            );
            assert_eq!(
                shift(day, wd(count), -1, None),
                Ok(slow(&none, day, -count)),
                "{day} - {count}"
            );
        }
        day += chrono::TimeDelta::days(1);
    }
}

#[test]
fn counting_with_a_calendar_agrees_with_counting_day_by_day() {
    let cal = china_2025();
    let mut day = d("2025-01-01");
    while day < d("2025-11-30") {
        for count in [1, 2, 3, 5, 7, 10, 20, 40] {
            let fwd = slow(&cal, day, count);
            if fwd.year_ce().1 == 2025 {
                assert_eq!(
                    shift(day, wd(count), 1, Some(&cal)),
                    Ok(fwd),
                    "{day} + {count}"
                );
            }
            let back = slow(&cal, day, -count);
            if back >= d("2025-01-01") {
                assert_eq!(
                    shift(day, wd(count), -1, Some(&cal)),
                    Ok(back),
                    "{day} - {count}"
                );
            }
        }
        day += chrono::TimeDelta::days(1);
    }
}

#[test]
fn counting_past_the_calendar_years_is_an_error() {
    let cal = china_2025();
    assert_eq!(
        shift(d("2025-12-30"), wd(5), 1, Some(&cal)),
        Err(EvalError::OutsideCalendar {
            date: d("2026-01-06")
        })
    );
    assert_eq!(
        shift(d("2026-03-02"), wd(1), 1, Some(&cal)),
        Err(EvalError::OutsideCalendar {
            date: d("2026-03-02")
        })
    );
    // Other units do not read the calendar.
    let days = Duration {
        count: 5,
        unit: DurationUnit::Days,
    };
    assert_eq!(
        shift(d("2026-03-02"), days, 1, Some(&cal)),
        Ok(d("2026-03-07"))
    );
}

#[test]
fn a_long_count_is_not_walked_day_by_day() {
    // 100,000 working days: the closed form answers at once, and agrees
    // with 20,000 weeks.
    assert_eq!(
        shift(d("2025-09-29"), wd(100_000), 1, None),
        Ok(d("2025-09-29") + chrono::TimeDelta::weeks(20_000))
    );
}

#[test]
fn a_bundle_whose_calendar_overlaps_or_conflicts_is_refused() {
    let bundle =
        bursar_runtime::Bundle::from_slice(include_bytes!("data/2023-career-boost.bundle.json"))
            .unwrap();
    let mut scheme = bundle.scheme.clone();
    scheme.calendar = Some(china_2025());
    assert_eq!(bursar_runtime::validate(&scheme), Ok(()));

    let mut conflict = china_2025();
    conflict
        .workdays
        .push(span("2025-10-12", "2025-10-12", "a holiday too"));
    conflict
        .holidays
        .push(span("2025-10-12", "2025-10-12", "?"));
    scheme.calendar = Some(conflict);
    let err = bursar_runtime::validate(&scheme).unwrap_err();
    assert!(
        err.contains("2025-10-12 is both a holiday and a working day"),
        "{err}"
    );

    let mut unsorted = china_2025();
    unsorted.holidays.reverse();
    scheme.calendar = Some(unsorted);
    let err = bursar_runtime::validate(&scheme).unwrap_err();
    assert!(err.contains("out of order or overlap"), "{err}");

    let mut backwards = china_2025();
    backwards.first_year = 2026;
    scheme.calendar = Some(backwards);
    assert!(bursar_runtime::validate(&scheme).is_err());
}
