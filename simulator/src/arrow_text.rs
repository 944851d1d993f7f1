//! Arrow values written as the text the data contract reads (docs/simulate.md,
//! "Parquet"), so that a columnar file's rows are parsed as CSV cells are:
//!
//! - strings (plain, large, view or dictionary-encoded) as they are; binary
//!   as its bytes, which must be UTF-8;
//! - integers in decimal, floats as their shortest exact decimal (`1234.5`),
//!   decimals with their scale (`1234.50`);
//! - booleans `true` or `false`; dates `2023-04-10`; timestamps without a
//!   time zone at midnight as their date, others with their time of day
//!   (`2023-04-10T09:30:00`, which a date column refuses);
//! - null: an empty cell.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Decimal256Type, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrowPrimitiveType, RecordBatch};
use arrow_schema::{DataType, TimeUnit};

/// Rows decoded to text: row `r`'s cells run together are
/// `bytes[starts[r]..starts[r + 1]]`, and its cells end (from the row's
/// start) at `ends[r * width..(r + 1) * width]`.
#[derive(Default)]
pub struct Rows {
    pub bytes: Vec<u8>,
    pub starts: Vec<usize>,
    pub ends: Vec<usize>,
    pub width: usize,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether values of `ty` are written as cells.
pub fn readable(ty: &DataType) -> bool {
    match ty {
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(..)
        | DataType::Decimal256(..)
        | DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(_, None)
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView => true,
        DataType::Dictionary(_, values) => readable(values),
        _ => false,
    }
}

/// Writes one cell of a column (nothing for a null).
type Cells<'a> = Box<dyn Fn(usize, &mut Vec<u8>) + 'a>;

/// A batch's rows as text, every header column a cell (`plan` says which
/// batch column fills it, if any).
pub fn rows(batch: &RecordBatch, plan: &[Option<usize>]) -> Result<Rows, String> {
    let columns = batch.columns();
    let writers = plan
        .iter()
        .map(|p| match p {
            Some(j) => columns
                .get(*j)
                .ok_or_else(|| "a decoded batch lacks a column".to_string())
                .and_then(|c| cells(c.as_ref())),
            None => Ok(Box::new(|_: usize, _: &mut Vec<u8>| {}) as Cells<'_>),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let width = plan.len();
    let n = batch.num_rows();
    let mut rows = Rows {
        bytes: Vec::with_capacity(n * 16 * width.min(16)),
        starts: Vec::with_capacity(n + 1),
        ends: Vec::with_capacity(n * width),
        width,
    };
    rows.starts.push(0);
    for i in 0..n {
        let start = rows.bytes.len();
        for w in &writers {
            w(i, &mut rows.bytes);
            rows.ends.push(rows.bytes.len() - start);
        }
        rows.starts.push(rows.bytes.len());
    }
    Ok(rows)
}

/// The writer of a column's cells, by its type. Each is called once per
/// cell of every row read: the null test and the writing are the typed
/// array's own, inlined, with one dynamic call per cell.
fn cells(array: &dyn Array) -> Result<Cells<'_>, String> {
    fn texts<'a>(get: impl Fn(usize) -> &'a [u8] + 'a, array: &'a dyn Array) -> Cells<'a> {
        let nulls = array.nulls().cloned();
        Box::new(move |i, out: &mut Vec<u8>| {
            if nulls.as_ref().is_none_or(|n| n.is_valid(i)) {
                out.extend_from_slice(get(i));
            }
        })
    }
    fn shown<'a, T: ArrowPrimitiveType>(
        array: &'a dyn Array,
        show: impl Fn(T::Native, &mut Vec<u8>) + 'a,
    ) -> Cells<'a> {
        let values = array.as_primitive::<T>();
        Box::new(move |i, out: &mut Vec<u8>| {
            if values.is_valid(i) {
                show(values.value(i), out);
            }
        })
    }
    fn ints<'a, T: ArrowPrimitiveType>(array: &'a dyn Array) -> Cells<'a>
    where
        T::Native: Into<i128>,
    {
        shown::<T>(array, |n, out| push_int(out, n.into()))
    }
    let cells: Cells<'_> = match array.data_type() {
        DataType::Null => Box::new(|_, _| {}),
        DataType::Boolean => {
            let values = array.as_boolean();
            Box::new(move |i, out: &mut Vec<u8>| {
                if values.is_valid(i) {
                    out.extend_from_slice(if values.value(i) { b"true" } else { b"false" });
                }
            })
        }
        DataType::Int8 => ints::<Int8Type>(array),
        DataType::Int16 => ints::<Int16Type>(array),
        DataType::Int32 => ints::<Int32Type>(array),
        DataType::Int64 => ints::<Int64Type>(array),
        DataType::UInt8 => ints::<UInt8Type>(array),
        DataType::UInt16 => ints::<UInt16Type>(array),
        DataType::UInt32 => ints::<UInt32Type>(array),
        DataType::UInt64 => ints::<UInt64Type>(array),
        DataType::Float32 => shown::<Float32Type>(array, |v, out| {
            out.extend_from_slice(v.to_string().as_bytes())
        }),
        DataType::Float64 => shown::<Float64Type>(array, |v, out| {
            out.extend_from_slice(v.to_string().as_bytes())
        }),
        DataType::Decimal128(..) => {
            let values = array.as_primitive::<Decimal128Type>();
            Box::new(move |i, out: &mut Vec<u8>| {
                if values.is_valid(i) {
                    out.extend_from_slice(values.value_as_string(i).as_bytes());
                }
            })
        }
        DataType::Decimal256(..) => {
            let values = array.as_primitive::<Decimal256Type>();
            Box::new(move |i, out: &mut Vec<u8>| {
                if values.is_valid(i) {
                    out.extend_from_slice(values.value_as_string(i).as_bytes());
                }
            })
        }
        DataType::Date32 => shown::<Date32Type>(array, |days, out| push_day(out, days.into())),
        DataType::Date64 => shown::<Date64Type>(array, |ms, out| push_moment(out, ms, 1_000)),
        DataType::Timestamp(unit, None) => match unit {
            TimeUnit::Second => {
                shown::<TimestampSecondType>(array, |n, out| push_moment(out, n, 1))
            }
            TimeUnit::Millisecond => {
                shown::<TimestampMillisecondType>(array, |n, out| push_moment(out, n, 1_000))
            }
            TimeUnit::Microsecond => {
                shown::<TimestampMicrosecondType>(array, |n, out| push_moment(out, n, 1_000_000))
            }
            TimeUnit::Nanosecond => {
                shown::<TimestampNanosecondType>(array, |n, out| push_moment(out, n, 1_000_000_000))
            }
        },
        DataType::Utf8 => {
            let values = array.as_string::<i32>();
            texts(move |i| values.value(i).as_bytes(), array)
        }
        DataType::LargeUtf8 => {
            let values = array.as_string::<i64>();
            texts(move |i| values.value(i).as_bytes(), array)
        }
        DataType::Utf8View => {
            let values = array.as_string_view();
            texts(move |i| values.value(i).as_bytes(), array)
        }
        DataType::Binary => {
            let values = array.as_binary::<i32>();
            texts(move |i| values.value(i), array)
        }
        DataType::LargeBinary => {
            let values = array.as_binary::<i64>();
            texts(move |i| values.value(i), array)
        }
        DataType::BinaryView => {
            let values = array.as_binary_view();
            texts(move |i| values.value(i), array)
        }
        DataType::Dictionary(..) => {
            let dictionary = array
                .as_any_dictionary_opt()
                .ok_or_else(|| "a dictionary column is not one".to_string())?;
            // Every value null (a group of nulls only): nothing to look up,
            // and nothing to write.
            if dictionary.values().is_empty() {
                return Ok(Box::new(|_, _| {}));
            }
            let keys = dictionary.normalized_keys();
            let values = cells(dictionary.values().as_ref())?;
            let nulls = array.nulls().cloned();
            Box::new(move |i, out: &mut Vec<u8>| {
                if let (true, Some(&k)) =
                    (nulls.as_ref().is_none_or(|n| n.is_valid(i)), keys.get(i))
                {
                    values(k, out);
                }
            })
        }
        other => return Err(format!("values of Parquet type `{other}` are not read")),
    };
    Ok(cells)
}

/// Writes `n` in decimal.
fn push_int(out: &mut Vec<u8>, n: i128) {
    if n < 0 {
        out.push(b'-');
    }
    let mut digits = [0u8; 40];
    let mut at = digits.len();
    let magnitude = n.unsigned_abs();
    // Dividing 64 bits is one multiplication; 128 bits, a call.
    match u64::try_from(magnitude) {
        Ok(mut rest) => loop {
            at -= 1;
            if let Some(d) = digits.get_mut(at) {
                *d = b'0' + (rest % 10) as u8;
            }
            rest /= 10;
            if rest == 0 || at == 0 {
                break;
            }
        },
        Err(_) => {
            let mut rest = magnitude;
            loop {
                at -= 1;
                if let Some(d) = digits.get_mut(at) {
                    *d = b'0' + (rest % 10) as u8;
                }
                rest /= 10;
                if rest == 0 || at == 0 {
                    break;
                }
            }
        }
    }
    out.extend_from_slice(digits.get(at..).unwrap_or_default());
}

/// The first and last days of years 0 to 9999, counted from 1970-01-01:
/// the days [`push_day`] writes as `YYYY-MM-DD`.
const DAYS_OF_FOUR_DIGIT_YEARS: std::ops::RangeInclusive<i64> = -719_528..=2_932_896;

/// The year, month and day of the day `days` after 1970-01-01, for a day
/// of [`DAYS_OF_FOUR_DIGIT_YEARS`], in the proleptic Gregorian calendar:
/// Neri and Schneider's Euclidean affine functions ("Euclidean affine
/// functions and their application to calendar algorithms", 2022), a few
/// multiplications on 32 bits where a calendar type's constructor checks
/// and converts. Days are shifted by whole 400-year eras so that every
/// step is unsigned: the cast keeps a negative day's low 32 bits, and
/// adding the shift modulo 2³² gives its count from the shifted start.
fn civil(days: i64) -> (u32, u32, u32) {
    const ERAS: u32 = 4_726;
    const DAY_SHIFT: u32 = 146_097 * ERAS + 719_468;
    const YEAR_SHIFT: u32 = 400 * ERAS;
    let n = (days as u32).wrapping_add(DAY_SHIFT);
    // The century (of 36,524 or 36,525 days), and the day in it.
    let n1 = 4 * n + 3;
    let century = n1 / 146_097;
    let in_century = n1 % 146_097 / 4;
    // The year in the century, and the day in the year from March 1.
    let p2 = 2_939_745 * u64::from(4 * in_century + 3);
    let year_in_century = (p2 >> 32) as u32;
    let in_year = (p2 as u32) / 2_939_745 / 4;
    // The month from March (3 to 14), and the day in it.
    let n3 = 2_141 * in_year + 197_913;
    let (month, day) = (n3 >> 16, (n3 & 0xffff) / 2_141 + 1);
    // January and February belong to the next year.
    let january = u32::from(in_year >= 306);
    (
        100 * century + year_in_century + january - YEAR_SHIFT,
        month - 12 * january,
        day,
    )
}

/// Writes the day `days` after 1970-01-01 as the data contract does:
/// `2023-04-10`; a year past 9999 or before 0 as chrono writes it
/// (`+10000-01-01`), which no date column reads.
fn push_day(out: &mut Vec<u8>, days: i64) {
    if DAYS_OF_FOUR_DIGIT_YEARS.contains(&days) {
        let (y, m, d) = civil(days);
        // Each a digit (below ten), so `|` gives its character.
        let digit = |n: u32| b'0' | (n % 10) as u8;
        out.extend_from_slice(&[
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            b'-',
            digit(m / 10),
            digit(m),
            b'-',
            digit(d / 10),
            digit(d),
        ]);
        return;
    }
    let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_signed(chrono::TimeDelta::try_days(days)?));
    match date {
        Some(date) => out.extend_from_slice(date.to_string().as_bytes()),
        None => push_int(out, days.into()),
    }
}

/// Writes a moment `n` units (`per_second` a second) after 1970-01-01T00:00:
/// its date at midnight, else with its time of day (`2023-04-10T09:30:00`,
/// which a date column refuses).
fn push_moment(out: &mut Vec<u8>, n: i64, per_second: i64) {
    let per_day = per_second.saturating_mul(86_400);
    let (days, rest) = (n.div_euclid(per_day), n.rem_euclid(per_day));
    if rest == 0 {
        return push_day(out, days);
    }
    let seconds = rest / per_second;
    let nanos = (rest % per_second) * (1_000_000_000 / per_second);
    let time = chrono::NaiveTime::from_num_seconds_from_midnight_opt(
        u32::try_from(seconds).unwrap_or(0),
        u32::try_from(nanos).unwrap_or(0),
    )
    .unwrap_or(chrono::NaiveTime::MIN);
    push_day(out, days);
    out.extend_from_slice(time.format("T%H:%M:%S%.f").to_string().as_bytes());
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn integers_and_dates_are_written_as_the_contract_spells_them() {
        let mut out = Vec::new();
        for n in [
            0i128,
            7,
            -12,
            i64::MAX.into(),
            i64::MIN.into(),
            u64::MAX.into(),
            i128::MIN,
        ] {
            out.clear();
            push_int(&mut out, n);
            assert_eq!(String::from_utf8(out.clone()).unwrap(), n.to_string());
        }
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        // Every day from year 0 to 9999 as chrono writes it.
        for days in (-719_528..2_932_897)
            .step_by(7)
            .chain([-719_529, 2_932_897])
        {
            out.clear();
            push_day(&mut out, days);
            let chrono = epoch + chrono::TimeDelta::days(days);
            assert_eq!(
                String::from_utf8(out.clone()).unwrap(),
                chrono.to_string(),
                "{days}"
            );
        }
        out.clear();
        push_moment(
            &mut out,
            (19_457 * 86_400 + 9 * 3600 + 30 * 60) * 1_000 + 250,
            1_000,
        );
        assert_eq!(String::from_utf8(out).unwrap(), "2023-04-10T09:30:00.250");
    }
}
