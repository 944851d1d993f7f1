//! Times of day: how a `datetime` is read and written.
//!
//! A `datetime` is the scheme's local civil time, with no offset: a
//! register's "2025-03-01 09:30" is the time the office stamped. An offset
//! (`Z`, `+08:00`) is refused rather than dropped, since two offsets in one
//! file would order receipts wrongly.

use chrono::{NaiveDateTime, NaiveTime, Timelike};

use crate::input::parse_date;

/// `2025-03-01T09:30`, `2025-03-01 09:30:15` (a `T` or one space between
/// day and time; seconds optional; no fraction, no offset).
pub fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let day = parse_date(text.get(..10)?)?;
    let rest = text.get(10..)?;
    let time = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let b = time.as_bytes();
    let two = |at: usize| -> Option<u32> {
        let pair = b.get(at..at + 2)?;
        pair.iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (h, m, s) = match b.len() {
        5 if b.get(2) == Some(&b':') => (two(0)?, two(3)?, 0),
        8 if b.get(2) == Some(&b':') && b.get(5) == Some(&b':') => (two(0)?, two(3)?, two(6)?),
        _ => return None,
    };
    Some(day.and_time(NaiveTime::from_hms_opt(h, m, s)?))
}

/// The form a policy writes: `2025-03-01T09:30`, seconds only when there
/// are some.
pub fn datetime_text(t: NaiveDateTime) -> String {
    if t.second() == 0 {
        t.format("%Y-%m-%dT%H:%M").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_registers_write_and_refuses_offsets() {
        let t = |s: &str| parse_datetime(s).map(datetime_text);
        assert_eq!(t("2025-03-01T09:30").as_deref(), Some("2025-03-01T09:30"));
        assert_eq!(t("2025-03-01 09:30").as_deref(), Some("2025-03-01T09:30"));
        assert_eq!(
            t("2025-03-01 09:30:15").as_deref(),
            Some("2025-03-01T09:30:15")
        );
        for bad in [
            "2025-03-01",
            "2025-03-01T9:30",
            "2025-03-01T09:30Z",
            "2025-03-01T09:30+08:00",
            "2025-03-01T24:00",
            "2025-02-30T09:30",
            "2025-03-01T09:30:00.5",
            "2025-03-01  09:30",
            "2025-03-01T09:3０",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }
}
