//! Applicants: the input record, built from JSON (application systems) or
//! from text cells (population files), and checked against the scheme's
//! input schema.

use chrono::NaiveDate;

use crate::ir::{FieldId, RecordId, Scheme, Type, Value};
use crate::money::Money;

/// One applicant's values, indexed like [`Scheme::applicant`]; `None` is absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applicant {
    values: Vec<Option<Value>>,
}

impl Applicant {
    /// An applicant with every field absent.
    pub fn empty(scheme: &Scheme) -> Self {
        Applicant {
            values: vec![None; scheme.applicant.len()],
        }
    }
    pub fn get(&self, field: FieldId) -> Option<&Value> {
        self.values.get(field as usize).and_then(Option::as_ref)
    }
    /// Sets a field (ignored for an index outside the schema).
    pub fn set(&mut self, field: FieldId, value: Option<Value>) {
        if let Some(slot) = self.values.get_mut(field as usize) {
            *slot = value;
        }
    }
    /// Every field's slot, indexed by [`FieldId`]: for readers that fill a
    /// whole record (a population file's row) without a call per field.
    pub fn values_mut(&mut self) -> &mut [Option<Value>] {
        &mut self.values
    }
    /// Clears every value, keeping the allocation (for reading many rows).
    pub fn clear(&mut self) {
        self.values.iter_mut().for_each(|v| *v = None);
    }

    /// Builds an applicant from a JSON object keyed by field name. `null` or
    /// a missing key is absent. Every problem is reported, not just the first.
    pub fn from_json(
        scheme: &Scheme,
        json: &serde_json::Value,
    ) -> Result<Applicant, Vec<InputError>> {
        let Some(object) = json.as_object() else {
            return Err(vec![InputError::new("", Problem::NotAnObject)]);
        };
        let mut applicant = Applicant::empty(scheme);
        let mut errors = Vec::new();
        for (key, value) in object {
            let Some(id) = scheme.applicant.iter().position(|f| f.name == *key) else {
                errors.push(InputError::new(
                    key.clone(),
                    Problem::UnknownField {
                        known: scheme.applicant.iter().map(|f| f.name.clone()).collect(),
                    },
                ));
                continue;
            };
            let Some(field) = scheme.applicant.get(id) else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            if let Type::List(r) = field.ty {
                match json_list(scheme, r, key, value, &mut errors) {
                    Some(v) => applicant.set(id as FieldId, Some(v)),
                    None => continue,
                }
                continue;
            }
            match json_value(scheme, field.ty, value) {
                Ok(v) => applicant.set(id as FieldId, Some(v)),
                Err(problem) => errors.push(InputError::new(key.clone(), problem)),
            }
        }
        applicant.require_fields(scheme, &mut errors);
        if errors.is_empty() {
            Ok(applicant)
        } else {
            Err(errors)
        }
    }

    /// Reports required (non-optional) fields that are absent, but for those
    /// `errors` already has a problem with (a wrong value is not also
    /// missing).
    pub fn require_fields(&self, scheme: &Scheme, errors: &mut Vec<InputError>) {
        for (i, f) in scheme.applicant.iter().enumerate() {
            if !f.optional
                && self.values.get(i).is_none_or(Option::is_none)
                && !errors.iter().any(|e| e.field == f.name)
            {
                errors.push(InputError::new(f.name.clone(), Problem::Missing));
            }
        }
    }
}

/// A problem with one input value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// The field's name ("" for the record as a whole).
    pub field: String,
    /// For a list field: the item (counted from 0) and, unless the problem
    /// is the item as a whole, the item's field.
    pub item: Option<(usize, String)>,
    pub problem: Problem,
}

impl InputError {
    fn new(field: impl Into<String>, problem: Problem) -> InputError {
        InputError {
            field: field.into(),
            item: None,
            problem,
        }
    }

    /// Where the problem is, as a JSON pointer (RFC 6901): `/voc_level`,
    /// `/certificates/1/level`; `""` for the record as a whole.
    pub fn pointer(&self) -> String {
        let escape = |s: &str| s.replace('~', "~0").replace('/', "~1");
        if self.field.is_empty() {
            return String::new();
        }
        let mut p = format!("/{}", escape(&self.field));
        if let Some((i, f)) = &self.item {
            p.push_str(&format!("/{i}"));
            if !f.is_empty() {
                p.push_str(&format!("/{}", escape(f)));
            }
        }
        p
    }

    /// The field as a policy author reads it: `certificates[2].level`
    /// (items counted from 1, as in explanations).
    pub fn place(&self) -> String {
        match &self.item {
            None => self.field.clone(),
            Some((i, f)) if f.is_empty() => format!("{}[{}]", self.field, i + 1),
            Some((i, f)) => format!("{}[{}].{f}", self.field, i + 1),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    NotAnObject,
    UnknownField {
        known: Vec<String>,
    },
    /// A required field is absent.
    Missing,
    /// The value is not of the field's type.
    Invalid {
        expected: String,
        found: String,
    },
}

/// The most characters of a value [`shown`] echoes.
pub const SHOWN_CHARS: usize = 60;

/// A value from data (a cell, a JSON string or key) as it may be echoed in
/// a message on a terminal: cut to [`SHOWN_CHARS`] characters, with `…`
/// after a cut, and every control character (escape sequences start with
/// one) or bidirectional control written as `\u{…}`, so that data can
/// neither flood a message nor drive the terminal. Every message that
/// echoes data goes through this.
pub fn shown(value: &str) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == SHOWN_CHARS {
            out.push('…');
            break;
        }
        let bidi = matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.problem {
            Problem::NotAnObject => {
                f.write_str("an applicant must be a JSON object of field values")
            }
            Problem::UnknownField { known } => match &self.item {
                Some((_, name)) => write!(
                    f,
                    "unknown field `{}` in `{}` (an item has: {})",
                    shown(name),
                    self.place(),
                    known.join(", ")
                ),
                None => write!(
                    f,
                    "unknown field `{}` (the applicant has: {})",
                    shown(&self.field),
                    known.join(", ")
                ),
            },
            Problem::Missing => write!(f, "field `{}` is required but absent", self.place()),
            Problem::Invalid { expected, found } => {
                write!(
                    f,
                    "field `{}`: expected {expected}, found `{}`",
                    self.place(),
                    shown(found)
                )
            }
        }
    }
}

/// What a value of a type looks like, for messages.
pub fn describe_type(scheme: &Scheme, ty: Type) -> String {
    match ty {
        Type::Bool => "`true` or `false`".into(),
        Type::Int => "a whole number".into(),
        Type::Money => "an amount like `2000.00`".into(),
        Type::Date => "a date like `2023-10-31`".into(),
        Type::DateTime => "a date and time like `2025-03-01T09:30`".into(),
        Type::Text => "text".into(),
        Type::Duration => "a duration".into(),
        Type::Decimal => "a decimal number like `0.05` or `5%`".into(),
        Type::Unrounded => "an amount like `2000.005`".into(),
        Type::List(r) => match scheme.records.get(r as usize) {
            Some(d) => format!("a list of `{}` objects", d.name),
            None => "a list".into(),
        },
        Type::Enum(e) => match scheme.enums.get(e as usize) {
            Some(d) => {
                let names: Vec<String> =
                    d.variants.iter().map(|v| format!("`{}`", v.name)).collect();
                format!("one of {}", names.join(", "))
            }
            None => "an enum value".into(),
        },
    }
}

/// A JSON array of objects as the items of a list of record `r`; every
/// problem of every item goes to `errors`.
fn json_list(
    scheme: &Scheme,
    r: RecordId,
    key: &str,
    v: &serde_json::Value,
    errors: &mut Vec<InputError>,
) -> Option<Value> {
    let record = scheme.records.get(r as usize)?;
    let Some(array) = v.as_array() else {
        errors.push(InputError::new(
            key,
            Problem::Invalid {
                expected: describe_type(scheme, Type::List(r)),
                found: v.to_string(),
            },
        ));
        return None;
    };
    let before = errors.len();
    let mut items = Vec::with_capacity(array.len());
    for (i, element) in array.iter().enumerate() {
        let at = |name: &str, problem: Problem| InputError {
            field: key.to_string(),
            item: Some((i, name.to_string())),
            problem,
        };
        let Some(object) = element.as_object() else {
            errors.push(at(
                "",
                Problem::Invalid {
                    expected: format!("a `{}` object", record.name),
                    found: element.to_string(),
                },
            ));
            continue;
        };
        let mut values: Vec<Option<Value>> = vec![None; record.fields.len()];
        // A field with a wrong value is not also reported missing.
        let mut wrong: Vec<&str> = Vec::new();
        for (name, value) in object {
            let Some((slot, field)) = values
                .iter_mut()
                .zip(&record.fields)
                .find(|(_, f)| f.name == *name)
            else {
                errors.push(at(
                    name,
                    Problem::UnknownField {
                        known: record.fields.iter().map(|f| f.name.clone()).collect(),
                    },
                ));
                continue;
            };
            if value.is_null() {
                continue;
            }
            match json_value(scheme, field.ty, value) {
                Ok(v) => *slot = Some(v),
                Err(problem) => {
                    wrong.push(name);
                    errors.push(at(name, problem));
                }
            }
        }
        for (v, f) in values.iter().zip(&record.fields) {
            if v.is_none() && !f.optional && !wrong.contains(&f.name.as_str()) {
                errors.push(at(&f.name, Problem::Missing));
            }
        }
        items.push(values);
    }
    (errors.len() == before).then_some(Value::List(items.into()))
}

fn json_value(scheme: &Scheme, ty: Type, v: &serde_json::Value) -> Result<Value, Problem> {
    let invalid = || Problem::Invalid {
        expected: describe_type(scheme, ty),
        found: v.to_string(),
    };
    match (ty, v) {
        (Type::Bool, serde_json::Value::Bool(b)) => Ok(Value::Bool(*b)),
        (Type::Int, serde_json::Value::Number(n)) => n.as_i64().map(Value::Int).ok_or_else(invalid),
        (Type::Money, serde_json::Value::Number(n)) => n
            .as_i64()
            .and_then(Money::from_yuan)
            .map(Value::Money)
            .ok_or_else(invalid),
        (Type::Decimal, serde_json::Value::Number(n)) => n
            .as_i64()
            .map(|n| Value::Decimal(crate::decimal::Decimal::from_int(n)))
            .ok_or_else(invalid),
        (_, serde_json::Value::String(s)) => parse_cell(scheme, ty, s).map_err(|_| invalid()),
        _ => Err(invalid()),
    }
}

/// Parses a text cell (a CSV field, a query parameter) as a value of `ty`.
/// The empty string is not handled here: callers decide it means absent.
pub fn parse_cell(scheme: &Scheme, ty: Type, text: &str) -> Result<Value, Problem> {
    let mut slot = None;
    parse_cell_into(scheme, ty, text.as_bytes(), &mut slot)?;
    slot.ok_or_else(|| invalid(scheme, ty, text))
}

/// [`parse_cell`] from a cell's bytes as a file holds them, storing the
/// value in `slot` (left alone on error).
///
/// The syntax of every type but text, money, decimals and times is ASCII,
/// and an enum's names are UTF-8, so those are read from the bytes: a
/// reader whose line is all ASCII need not check it as UTF-8 first.
/// Bytes that are not UTF-8 are an invalid value here, never read as text.
///
/// Each type's arm stores its own variant: a reader filling millions of
/// slots then writes each value once, in place. (A value built in one place
/// and copied to its slot was read back before its bytes had landed, which
/// stalled the simulator's reader on every cell.)
#[inline(always)]
pub fn parse_cell_into(
    scheme: &Scheme,
    ty: Type,
    cell: &[u8],
    slot: &mut Option<Value>,
) -> Result<(), Problem> {
    let fail = || Err(invalid_cell(scheme, ty, cell));
    match ty {
        Type::Bool => match cell {
            b"true" => *slot = Some(Value::Bool(true)),
            b"false" => *slot = Some(Value::Bool(false)),
            _ => return fail(),
        },
        Type::Int => {
            let Some(n) = parse_int(cell) else {
                return fail();
            };
            *slot = Some(Value::Int(n));
        }
        Type::Date => {
            let Some(d) = parse_date_bytes(cell) else {
                return fail();
            };
            *slot = Some(Value::Date(d));
        }
        Type::Money | Type::DateTime | Type::Text | Type::Decimal => {
            let Ok(text) = std::str::from_utf8(cell) else {
                return fail();
            };
            return parse_text_into(scheme, ty, text, slot);
        }
        // Never an input: unrounded amounts are computed, lists come as
        // several rows (JSON arrays, or a list file beside a population).
        Type::Duration | Type::Unrounded | Type::List(_) => return fail(),
        Type::Enum(e) => {
            let Some(variant) = parse_variant(scheme, e, cell) else {
                return fail();
            };
            *slot = Some(Value::Enum { ty: e, variant });
        }
    }
    Ok(())
}

/// The types [`parse_cell_into`] reads as text, out of line: the types
/// every population has keep it small enough to inline into the readers.
/// Each arm stores its own variant, as there.
#[inline(never)]
fn parse_text_into(
    scheme: &Scheme,
    ty: Type,
    text: &str,
    slot: &mut Option<Value>,
) -> Result<(), Problem> {
    let fail = || Err(invalid(scheme, ty, text));
    match ty {
        Type::Money => {
            let Ok(m) = text.parse::<Money>() else {
                return fail();
            };
            *slot = Some(Value::Money(m));
        }
        Type::DateTime => {
            let Some(t) = crate::datetime::parse_datetime(text) else {
                return fail();
            };
            *slot = Some(Value::DateTime(t));
        }
        Type::Text => *slot = Some(Value::Text(text.to_string())),
        Type::Decimal => {
            let Ok(d) = text.parse::<crate::decimal::Decimal>() else {
                return fail();
            };
            *slot = Some(Value::Decimal(d));
        }
        Type::Bool
        | Type::Int
        | Type::Date
        | Type::Enum(_)
        | Type::Duration
        | Type::Unrounded
        | Type::List(_) => return fail(),
    }
    Ok(())
}

/// The variant of enum `e` named `name`.
fn parse_variant(scheme: &Scheme, e: crate::ir::EnumId, name: &[u8]) -> Option<u32> {
    let variants = &scheme.enums.get(e as usize)?.variants;
    variants
        .iter()
        .position(|v| same_bytes(v.name.as_bytes(), name))
        .map(|i| i as u32)
}

/// Whether `a` and `b` are the same bytes, compared eight at a time in
/// line (the last eight overlapping the eight before them). What is
/// compared is a variant's name or a row's few dozen bytes, where the call
/// to `memcmp` that `==` makes cost more than the comparing: 2.2% of a
/// population run's samples in comparing rows, 1.9% in naming variants.
#[inline]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let word = |bytes: &[u8], at: usize| {
        bytes
            .get(at..)
            .and_then(|rest| rest.first_chunk::<8>())
            .map(|w| u64::from_ne_bytes(*w))
    };
    let mut at = 0;
    while at + 8 < n {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

#[cold]
fn invalid(scheme: &Scheme, ty: Type, text: &str) -> Problem {
    Problem::Invalid {
        expected: describe_type(scheme, ty),
        found: text.to_string(),
    }
}

/// [`invalid`] for a cell's bytes, shown as text (bytes that are not
/// UTF-8 as U+FFFD).
#[cold]
fn invalid_cell(scheme: &Scheme, ty: Type, cell: &[u8]) -> Problem {
    invalid(scheme, ty, &String::from_utf8_lossy(cell))
}

/// A whole number: an optional sign and ASCII digits, exactly what
/// `str::parse::<i64>` accepts, without its generality: population files
/// hold millions of small numbers.
pub fn parse_int(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        all => (false, all),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        // Accumulate negatively so that i64::MIN is representable.
        n = n.checked_mul(10)?.checked_sub(i64::from(c - b'0'))?;
    }
    if negative {
        Some(n)
    } else {
        n.checked_neg()
    }
}

/// `YYYY-MM-DD`, strictly: population files hold millions of dates, and a
/// direct parse is several times faster than a general format parser.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    parse_date_bytes(text.as_bytes())
}

/// [`parse_date`] from bytes. The first eight (`YYYY-MM-`) are checked as
/// one word, each digit's byte against `0`..=`9` and each dash's against
/// `-` together, without a branch a byte: a population's dates are read
/// one per cell, and a branch a byte was half the cost of reading one.
fn parse_date_bytes(b: &[u8]) -> Option<NaiveDate> {
    // The bytes a date's head has: `0` where a digit goes, `-` where a
    // dash goes (byte `i` of the word is byte `i` of the text).
    const SHAPE: u64 = u64::from_le_bytes(*b"0000-00-");
    // Where the dashes are.
    const DASHES: u64 = u64::from_le_bytes([0, 0, 0, 0, 0xff, 0, 0, 0xff]);
    const EACH: u64 = 0x0101_0101_0101_0101;
    if b.len() != 10 {
        return None;
    }
    let [head @ .., tens, ones] = b.first_chunk::<10>()?;
    let head = u64::from_le_bytes(*head);
    // A digit's byte becomes its value (0 to 9), a dash's 0; any other
    // byte becomes something else, at least 10 where a digit goes.
    let x = head ^ SHAPE;
    // A byte of `x` below 10 stays below 0x80 when 0x76 is added (and
    // carries nothing into the next), so any byte of 10 or more shows its
    // top bit in `x` or in the sum.
    let digits_or_zero = (x | x.wrapping_add(0x76 * EACH)) & (0x80 * EACH) == 0;
    let (tens, ones) = (tens.wrapping_sub(b'0'), ones.wrapping_sub(b'0'));
    if !(digits_or_zero & (x & DASHES == 0) & (tens < 10) & (ones < 10)) {
        return None;
    }
    let [y0, y1, y2, y3, _, m0, m1, _] = x.to_le_bytes().map(u32::from);
    let year = i32::try_from(y0 * 1000 + y1 * 100 + y2 * 10 + y3).ok()?;
    NaiveDate::from_ymd_opt(year, m0 * 10 + m1, u32::from(tens) * 10 + u32::from(ones))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_the_same_only_when_every_byte_is() {
        for n in 0..40usize {
            let a: Vec<u8> = (0..n as u8).map(|i| i.wrapping_mul(37)).collect();
            assert!(same_bytes(&a, &a.clone()), "{n}");
            for i in 0..n {
                let mut b = a.clone();
                b[i] ^= 0x20;
                assert!(!same_bytes(&a, &b), "{n} {i}");
            }
            assert!(!same_bytes(&a, &[a.as_slice(), b"x"].concat()), "{n}");
        }
    }

    #[test]
    fn whole_numbers_are_read_as_str_parse_reads_them() {
        for text in [
            "0",
            "7",
            "-12",
            "+5",
            "2022",
            "9223372036854775807",
            "-9223372036854775808",
            "007",
        ] {
            assert_eq!(
                parse_int(text.as_bytes()),
                text.parse::<i64>().ok(),
                "{text}"
            );
        }
        for bad in [
            "",
            "-",
            "+",
            "+-5",
            "1.0",
            "1e3",
            " 1",
            "9223372036854775808",
            "-9223372036854775809",
            "１",
        ] {
            assert_eq!(parse_int(bad.as_bytes()), None, "{bad}");
        }
    }

    /// How dates were read before they were read a word at a time: a
    /// branch a byte, plainly right.
    fn date_byte_by_byte(b: &[u8]) -> Option<NaiveDate> {
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            b.get(range)?.iter().try_fold(0u32, |acc, c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let year = i32::try_from(digits(0..4)?).ok()?;
        NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// Any byte in any place of a date, and texts of other lengths,
        /// are read as the byte-by-byte reading reads them.
        #[test]
        fn a_date_is_read_as_byte_by_byte(
            day in 0i64..800_000,
            edits in proptest::collection::vec((0usize..12, proptest::num::u8::ANY), 0..3),
            length in 9usize..=11,
        ) {
            let start = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default();
            let date = start + chrono::Duration::days(day);
            let mut text = date.format("%Y-%m-%d").to_string().into_bytes();
            for (at, byte) in edits {
                // Bytes near the ones that matter, as often as any.
                let byte = if byte < 128 { b"0123456789-/+: \x00\x7f\xff"[usize::from(byte % 18)] } else { byte };
                if let Some(b) = text.get_mut(at) {
                    *b = byte;
                }
            }
            text.resize(length, b'0');
            proptest::prop_assert_eq!(parse_date_bytes(&text), date_byte_by_byte(&text));
        }
    }

    #[test]
    fn every_byte_in_every_place_is_read_as_byte_by_byte() {
        for at in 0..10 {
            for byte in 0..=u8::MAX {
                for base in [b"2023-10-31", b"2024-02-29", b"0000-01-01", b"9999-12-31"] {
                    let mut text = *base;
                    text[at] = byte;
                    assert_eq!(
                        parse_date_bytes(&text),
                        date_byte_by_byte(&text),
                        "{}",
                        String::from_utf8_lossy(&text)
                    );
                }
            }
        }
    }

    #[test]
    fn cells_are_read_from_their_bytes() {
        let bundle = include_str!("../tests/data/2023-career-boost.bundle.json");
        let scheme = crate::Bundle::from_slice(bundle.as_bytes()).unwrap().scheme;
        let read = |ty, cell: &[u8]| {
            let mut slot = None;
            parse_cell_into(&scheme, ty, cell, &mut slot).map(|()| slot)
        };
        assert_eq!(read(Type::Int, b"-12"), Ok(Some(Value::Int(-12))));
        assert_eq!(read(Type::Bool, b"true"), Ok(Some(Value::Bool(true))));
        // The first enum of the 2023 scheme: `Issuer`.
        assert_eq!(
            read(Type::Enum(0), b"registered_org"),
            Ok(Some(Value::Enum { ty: 0, variant: 1 }))
        );
        assert!(read(Type::Enum(0), b"registered_or\xff").is_err());
        assert_eq!(
            read(Type::Date, b"2023-10-31"),
            Ok(NaiveDate::from_ymd_opt(2023, 10, 31).map(Value::Date))
        );
        assert_eq!(
            read(Type::Text, "张三".as_bytes()),
            Ok(Some(Value::Text("张三".to_string())))
        );
        // Bytes that are not UTF-8 are an invalid value of a text type,
        // shown as U+FFFD.
        let Err(Problem::Invalid { found, .. }) = read(Type::Text, b"P\xff2") else {
            panic!("not UTF-8 read as text");
        };
        assert_eq!(found, "P\u{fffd}2");
        assert!(read(Type::Money, b"1\xff").is_err());
        assert!(read(Type::Date, b"2023-10-3\xff").is_err());
    }

    #[test]
    fn dates_are_strict_and_real() {
        assert_eq!(
            parse_date("2023-10-31"),
            NaiveDate::from_ymd_opt(2023, 10, 31)
        );
        assert_eq!(
            parse_date("2024-02-29"),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        for bad in [
            "2023-02-29",
            "2023-13-01",
            "2023-1-05",
            "2023/10/31",
            "2023-10-3x",
            "",
            "２０２３-10-31",
            "+023-10-31",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
