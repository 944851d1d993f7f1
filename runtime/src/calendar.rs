//! Counting working days: Monday to Friday, or the days a [`Calendar`]
//! says (public holidays off, make-up working days on).
//!
//! A count never walks day by day: Monday-to-Friday stretches are counted
//! in closed form, and only the calendar's holidays and make-up days
//! between the two ends are visited (found by binary search), so a count
//! costs the same for 5 working days as for 5,000.

use chrono::{Datelike, Days, NaiveDate};

use crate::eval::EvalError;
use crate::ir::Calendar;

/// `date` plus (`count > 0`) or minus (`count < 0`) `|count|` working days.
pub(crate) fn add_working_days(
    date: NaiveDate,
    count: i64,
    calendar: Option<&Calendar>,
) -> Result<NaiveDate, EvalError> {
    let n = count.unsigned_abs();
    let Some(cal) = calendar else {
        return if count >= 0 {
            plain_forward(date, n)
        } else {
            plain_back(date, n)
        };
    };
    let (first, last) = covered(cal)?;
    let inside = |d: NaiveDate| {
        if d < first || d > last {
            Err(EvalError::OutsideCalendar { date: d })
        } else {
            Ok(d)
        }
    };
    inside(date)?;
    if n == 0 {
        return Ok(date);
    }
    inside(if count > 0 {
        forward(cal, date, n)?
    } else {
        back(cal, date, n)?
    })
}

/// The first and last day of the calendar's years.
fn covered(cal: &Calendar) -> Result<(NaiveDate, NaiveDate), EvalError> {
    let first = NaiveDate::from_ymd_opt(cal.first_year, 1, 1).ok_or(EvalError::DateOutOfRange)?;
    let last = NaiveDate::from_ymd_opt(cal.last_year, 12, 31).ok_or(EvalError::DateOutOfRange)?;
    Ok((first, last))
}

fn plus(day: NaiveDate, n: u64) -> Result<NaiveDate, EvalError> {
    day.checked_add_days(Days::new(n))
        .ok_or(EvalError::DateOutOfRange)
}

fn minus(day: NaiveDate, n: u64) -> Result<NaiveDate, EvalError> {
    day.checked_sub_days(Days::new(n))
        .ok_or(EvalError::DateOutOfRange)
}

/// How many Mondays to Fridays there are up to `day`, from a fixed origin:
/// differences count the weekdays in between.
fn weekdays_to(day: NaiveDate) -> i64 {
    let w = i64::from(day.weekday().num_days_from_monday());
    let monday = i64::from(day.num_days_from_ce()) - w;
    monday.div_euclid(7) * 5 + (w + 1).min(5)
}

/// Mondays to Fridays in `(a, b]`, for `a < b`; 0 otherwise.
fn weekdays_between(a: NaiveDate, b: NaiveDate) -> u64 {
    u64::try_from(weekdays_to(b) - weekdays_to(a)).unwrap_or(0)
}

/// `date` plus `n` Mondays to Fridays.
fn plain_forward(date: NaiveDate, n: u64) -> Result<NaiveDate, EvalError> {
    if n == 0 {
        return Ok(date);
    }
    // From a weekend, the next weekday is the one after its Friday.
    let w = u64::from(date.weekday().num_days_from_monday());
    let (start, w) = if w >= 5 {
        (minus(date, w - 4)?, 4)
    } else {
        (date, w)
    };
    let (weeks, rest) = (n / 5, n % 5);
    let skip = if w + rest > 4 { 2 } else { 0 };
    let days = weeks
        .checked_mul(7)
        .and_then(|d| d.checked_add(rest + skip))
        .ok_or(EvalError::Overflow)?;
    plus(start, days)
}

/// `date` minus `n` Mondays to Fridays.
fn plain_back(date: NaiveDate, n: u64) -> Result<NaiveDate, EvalError> {
    if n == 0 {
        return Ok(date);
    }
    // From a weekend, the weekday before is the one before its Monday.
    let w = u64::from(date.weekday().num_days_from_monday());
    let (start, w) = if w >= 5 {
        (plus(date, 7 - w)?, 0)
    } else {
        (date, w)
    };
    let (weeks, rest) = (n / 5, n % 5);
    let skip = if w < rest { 2 } else { 0 };
    let days = weeks
        .checked_mul(7)
        .and_then(|d| d.checked_add(rest + skip))
        .ok_or(EvalError::Overflow)?;
    minus(start, days)
}

/// The days in `a ..= b`.
fn len(a: NaiveDate, b: NaiveDate) -> u64 {
    u64::try_from((b - a).num_days() + 1).unwrap_or(0)
}

/// `date` plus `n > 0` working days by `cal`.
fn forward(cal: &Calendar, date: NaiveDate, n: u64) -> Result<NaiveDate, EvalError> {
    let mut cur = date;
    let mut left = n;
    let mut h = cal.holidays.partition_point(|s| s.to <= cur);
    let mut w = cal.workdays.partition_point(|s| s.to <= cur);
    loop {
        // The next exception to Monday to Friday after `cur`.
        let (span, holiday) = match (cal.holidays.get(h), cal.workdays.get(w)) {
            (Some(a), Some(b)) if a.from <= b.from => (a, true),
            (_, Some(b)) => (b, false),
            (Some(a), None) => (a, true),
            (None, None) => return plain_forward(cur, left),
        };
        let start = span.from.max(plus(cur, 1)?);
        let plain = weekdays_between(cur, minus(start, 1)?);
        if plain >= left {
            return plain_forward(cur, left);
        }
        left -= plain;
        if holiday {
            h += 1;
        } else {
            let k = len(start, span.to);
            if k >= left {
                return plus(start, left - 1);
            }
            left -= k;
            w += 1;
        }
        cur = span.to;
    }
}

/// `date` minus `n > 0` working days by `cal`.
fn back(cal: &Calendar, date: NaiveDate, n: u64) -> Result<NaiveDate, EvalError> {
    let mut cur = date;
    let mut left = n;
    // Spans that start before `cur`, walked from the last.
    let mut h = cal.holidays.partition_point(|s| s.from < cur);
    let mut w = cal.workdays.partition_point(|s| s.from < cur);
    loop {
        let hs = h.checked_sub(1).and_then(|i| cal.holidays.get(i));
        let ws = w.checked_sub(1).and_then(|i| cal.workdays.get(i));
        let (span, holiday) = match (hs, ws) {
            (Some(a), Some(b)) if a.to >= b.to => (a, true),
            (_, Some(b)) => (b, false),
            (Some(a), None) => (a, true),
            (None, None) => return plain_back(cur, left),
        };
        let end = span.to.min(minus(cur, 1)?);
        let plain = weekdays_between(end, minus(cur, 1)?);
        if plain >= left {
            return plain_back(cur, left);
        }
        left -= plain;
        if holiday {
            h -= 1;
        } else {
            let k = len(span.from, end);
            if k >= left {
                return minus(end, left - 1);
            }
            left -= k;
            w -= 1;
        }
        cur = span.from;
    }
}
