//! Dates and times of day as text: how a `datetime` is read and written,
//! and how a bundle's dates and times are read back.
//!
//! A `datetime` is the scheme's local civil time, with no offset: a
//! register's "2025-03-01 09:30" is the time the office stamped. An offset
//! (`Z`, `+08:00`) is refused rather than dropped, since two offsets in one
//! file would order receipts wrongly.
//!
//! Everything here is parsed and written directly, never through chrono's
//! format strings: its general parser and formatter cost the WebAssembly
//! package 44 KB of its 500 KB budget (bindings/wasm/README.md, "Size").

use std::fmt::{self, Write};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};

use crate::input::parse_date;

/// `2025-03-01T09:30`, `2025-03-01 09:30:15` (a `T` or one space between
/// day and time; seconds optional; no fraction, no offset).
pub fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let day = parse_date(text.get(..10)?)?;
    let rest = text.get(10..)?;
    let time = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    Some(day.and_time(parse_time(time, false)?))
}

/// `09:30` (unless `seconds`) or `09:30:15`.
fn parse_time(text: &str, seconds: bool) -> Option<NaiveTime> {
    let b = text.as_bytes();
    let two = |at: usize| -> Option<u32> {
        let pair = b.get(at..at + 2)?;
        pair.iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (h, m, s) = match b.len() {
        5 if !seconds && b.get(2) == Some(&b':') => (two(0)?, two(3)?, 0),
        8 if b.get(2) == Some(&b':') && b.get(5) == Some(&b':') => (two(0)?, two(3)?, two(6)?),
        _ => return None,
    };
    NaiveTime::from_hms_opt(h, m, s)
}

/// The form a policy writes: `2025-03-01T09:30`, seconds only when there
/// are some.
pub fn datetime_text(t: NaiveDateTime) -> String {
    // The date as chrono displays it: `2025-03-01`, a year outside
    // 0..=9999 signed (`+12345-01-01`), as `%Y` writes it too.
    let mut text = t.date().to_string();
    // Writing to a `String` cannot fail.
    let _ = write!(text, "T{:02}:{:02}", t.hour(), t.minute());
    if t.second() != 0 {
        let _ = write!(text, ":{:02}", t.second());
    }
    text
}

/// A date as a bundle holds it, the way chrono writes one: `2023-10-31`,
/// a year outside 0..=9999 with its sign and at least four digits
/// (`+12345-01-01`, `-0001-12-31`).
fn parse_written_date(text: &str) -> Option<NaiveDate> {
    if let Some(day) = parse_date(text) {
        return Some(day);
    }
    let negative = text.starts_with('-');
    let unsigned = text.strip_prefix(['+', '-'])?;
    let (year, month_day) = unsigned.split_at_checked(unsigned.len().checked_sub(6)?)?;
    if year.len() < 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let year = if negative { year.checked_neg()? } else { year };
    // A year chrono would write unsigned is not written signed.
    if (0..=9999).contains(&year) {
        return None;
    }
    let (month, day) = month_day.strip_prefix('-')?.split_once('-')?;
    let two = |n: &str| n.len() == 2 && n.bytes().all(|b| b.is_ascii_digit());
    if !two(month) || !two(day) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month.parse().ok()?, day.parse().ok()?)
}

/// A time as a bundle holds it: the date, `T`, and `09:30:00`.
fn parse_written_datetime(text: &str) -> Option<NaiveDateTime> {
    let (day, time) = text.rsplit_once('T')?;
    Some(parse_written_date(day)?.and_time(parse_time(time, true)?))
}

/// A bundle's date (`deserialize_with`): read by [`parse_written_date`].
pub(crate) fn bundle_date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    d.deserialize_str(WrittenVisitor(parse_written_date))
}

/// A bundle's date or `null`; with `#[serde(default)]`, absent is `None`.
pub(crate) fn bundle_optional_date<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<NaiveDate>, D::Error> {
    Ok(Option::<WrittenDate>::deserialize(d)?.map(|w| w.0))
}

/// A bundle's time (`deserialize_with`): read by [`parse_written_datetime`].
pub(crate) fn bundle_datetime<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
    d.deserialize_str(WrittenVisitor(parse_written_datetime))
}

/// An optional date's inside, for `Option`'s own handling of `null`.
struct WrittenDate(NaiveDate);

impl<'de> Deserialize<'de> for WrittenDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        bundle_date(d).map(WrittenDate)
    }
}

/// Reads a string with one of the parsers above.
struct WrittenVisitor<T>(fn(&str) -> Option<T>);

/// What a bundle's date or time must be, in the words chrono's own
/// deserialiser used, so a mistyped value is still described alike.
trait Expected {
    const EXPECTED: &'static str;
}

impl Expected for NaiveDate {
    const EXPECTED: &'static str = "a formatted date string";
}

impl Expected for NaiveDateTime {
    const EXPECTED: &'static str = "a formatted date and time string";
}

impl<T: Expected> Visitor<'_> for WrittenVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::EXPECTED)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        (self.0)(text).ok_or_else(|| E::invalid_value(Unexpected::Str(text), &self))
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

    /// A date or time of the IR written to JSON and read back.
    fn round_trip(value: crate::ir::Value) -> crate::ir::Value {
        let json = serde_json::to_value(&value).unwrap();
        crate::ir::Value::deserialize(&json).unwrap()
    }

    fn read(json: serde_json::Value) -> Result<crate::ir::Value, String> {
        crate::ir::Value::deserialize(&json).map_err(|e| e.to_string())
    }

    #[test]
    fn a_bundle_reads_back_every_date_and_time_chrono_writes() {
        use crate::ir::Value;
        for day in [
            (2023, 10, 31),
            (2024, 2, 29),
            (0, 1, 1),
            (9999, 12, 31),
            (10_000, 1, 1),
            (-1, 12, 31),
        ]
        .map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
        .into_iter()
        .chain([NaiveDate::MIN, NaiveDate::MAX])
        {
            assert_eq!(round_trip(Value::Date(day)), Value::Date(day), "{day}");
            for (h, min, s) in [(0, 0, 0), (9, 30, 0), (23, 59, 59)] {
                let t = day.and_hms_opt(h, min, s).unwrap();
                assert_eq!(round_trip(Value::DateTime(t)), Value::DateTime(t), "{t}");
            }
        }
        assert_eq!(
            read(serde_json::json!({"date_time": "2025-03-01T09:30:00"})),
            Ok(Value::DateTime(
                NaiveDate::from_ymd_opt(2025, 3, 1)
                    .unwrap()
                    .and_hms_opt(9, 30, 0)
                    .unwrap()
            ))
        );
    }

    #[test]
    fn a_bundle_date_in_another_form_is_refused() {
        for bad in [
            "2023-4-1",
            " 2023-04-01",
            "2023-04-01 ",
            "2023-02-29",
            "+2023-04-01",
            "-0000-01-01",
            "+123-01-01",
            "+2147483648-01-01",
            "+12345-1-01",
            "+12345-01-+1",
            "+12345-02-30",
            "20230401",
            "",
        ] {
            assert_eq!(
                read(serde_json::json!({ "date": bad })),
                Err(format!(
                    "invalid value: string {bad:?}, expected a formatted date string"
                )),
                "{bad}"
            );
        }
        for bad in [
            "2025-03-01T09:30",
            "2025-03-01 09:30:00",
            "2025-03-01T09:30:00.5",
            "2025-03-01T09:30:00Z",
            "2025-03-01T24:00:00",
            "2025-03-01",
        ] {
            assert_eq!(
                read(serde_json::json!({ "date_time": bad })),
                Err(format!(
                    "invalid value: string {bad:?}, expected a formatted date and time string"
                )),
                "{bad}"
            );
        }
        assert_eq!(
            read(serde_json::json!({ "date": 20230401 })),
            Err("invalid type: integer `20230401`, expected a formatted date string".into())
        );
    }

    #[test]
    fn a_header_without_a_publication_date_has_none() {
        let header = |json| crate::ir::Header::deserialize(&json).map(|h| h.published);
        assert_eq!(
            header(serde_json::json!({"title": null, "issuer": null, "document": null, "currency": "CNY", "period": null})).ok(),
            Some(None)
        );
        assert_eq!(
            header(serde_json::json!({"title": null, "issuer": null, "document": null, "published": null, "currency": "CNY", "period": null})).ok(),
            Some(None)
        );
        assert_eq!(
            header(serde_json::json!({"title": null, "issuer": null, "document": null, "published": "2023-03-01", "currency": "CNY", "period": null})).ok(),
            Some(NaiveDate::from_ymd_opt(2023, 3, 1))
        );
    }
}
