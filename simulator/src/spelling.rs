//! How a register spells its values, and the map file that says so.
//!
//! A population written by a register office says `是`/`否` for yes and no,
//! names an enum value by the label the policy gives it
//! (`高级社会工作师` for `senior`), and writes dates as `2023/4/10`. Readers
//! parse a cell with the runtime's own parser first, so a file in the data
//! contract costs nothing more; only a cell that parser refuses is looked up
//! here (`ColumnSpellings::read`), out of the hot path.
//!
//! On with no flag: every spelling that has one reading for the column's
//! type, namely the policy's labels of enum values, the yes/no spellings in
//! [`YES`] and [`NO`], and dates written year first ([`builtin_date`]). A
//! `--map-file` adds the rest: spellings of yes and no for every column
//! (`[booleans]`) or one (`[values.FIELD]`), spellings of enum values,
//! date formats (`[dates]`), the file's encoding and sheet (`[file]`) and
//! column names (`[columns]`, or `field = "column"` at the top). A text with
//! two readings (two formats that read a date differently, a spelling the
//! map file gives one value and the policy another) is never settled by an
//! order of precedence: a cell holding it is a bad row naming both.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bursar_runtime::ir::{Scheme, Type, Value};
use chrono::NaiveDate;

/// Yes, beside `true`, in every yes/no column.
pub const YES: &[&str] = &["是", "有", "Y", "y", "TRUE", "True"];
/// No, beside `false`, in every yes/no column.
pub const NO: &[&str] = &["否", "无", "N", "n", "FALSE", "False"];

/// The keys a map file may have besides `field = "column"` lines.
const SECTIONS: &[&str] = &["columns", "file", "booleans", "dates", "values"];

/// What a `--map-file` says: column names, spellings, and how to read the
/// file (docs/simulate.md, "Mapping a register").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MapFile {
    /// Field name → column name in the file.
    pub columns: BTreeMap<String, String>,
    /// `[file] encoding`: the file's text encoding (`gbk`, `gb18030`, `utf-8`).
    pub encoding: Option<String>,
    /// `[file] sheet`: the sheet of a workbook to read.
    pub sheet: Option<String>,
    pub spellings: Spellings,
}

/// Spellings of values a map file adds to the ones on by default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spellings {
    /// `[booleans]`: spellings of yes and no in every yes/no column.
    booleans: Vec<(String, bool)>,
    /// `[dates] formats`: chrono formats (`%d/%m/%Y`), tried beside the
    /// built-in spellings in every date column.
    date_formats: Vec<String>,
    /// `[values.FIELD]`: per field, (value name, spelling).
    values: BTreeMap<String, Vec<(String, String)>>,
}

impl MapFile {
    /// Reads a map file's TOML text; an unknown key or a value of the wrong
    /// shape is refused, saying which keys there are.
    pub fn parse(text: &str) -> Result<MapFile, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut map = MapFile::default();
        for (key, value) in table {
            match (key.as_str(), value) {
                ("columns", toml::Value::Table(t)) => {
                    for (field, column) in t {
                        let column = string(&column).ok_or_else(|| {
                            format!("`[columns]`: the column for `{field}` must be a string")
                        })?;
                        map.columns.insert(field, column);
                    }
                }
                ("file", toml::Value::Table(t)) => map.file(t)?,
                ("booleans", toml::Value::Table(t)) => {
                    map.spellings.booleans = booleans("[booleans]", t)?;
                }
                ("dates", toml::Value::Table(t)) => map.dates(t)?,
                ("values", toml::Value::Table(t)) => {
                    for (field, spellings) in t {
                        let toml::Value::Table(spellings) = spellings else {
                            return Err(format!("`[values.{field}]` must be a table of `VALUE = [\"spelling\", …]` lines"));
                        };
                        let mut list = Vec::new();
                        for (name, texts) in spellings {
                            for text in strings(&format!("[values.{field}]"), &name, &texts)? {
                                list.push((name.clone(), text));
                            }
                        }
                        map.spellings.values.insert(field, list);
                    }
                }
                (section, _) if SECTIONS.contains(&section) => {
                    return Err(format!("`{section}` must be a table (`[{section}]`)"));
                }
                (field, toml::Value::String(column)) => {
                    map.columns.insert(field.to_string(), column);
                }
                (key, toml::Value::Table(_)) => {
                    let known: Vec<String> = SECTIONS.iter().map(|s| format!("`{s}`")).collect();
                    return Err(format!(
                        "unknown key `{key}` (known: {}, or `FIELD = \"COLUMN\"`)",
                        known.join(", ")
                    ));
                }
                (field, _) => return Err(format!("the column for `{field}` must be a string")),
            }
        }
        Ok(map)
    }

    fn file(&mut self, t: toml::Table) -> Result<(), String> {
        for (key, value) in t {
            let slot = match key.as_str() {
                "encoding" => &mut self.encoding,
                "sheet" => &mut self.sheet,
                other => {
                    return Err(format!(
                        "`[file]`: unknown key `{other}` (known: `encoding`, `sheet`)"
                    ))
                }
            };
            *slot =
                Some(string(&value).ok_or_else(|| format!("`[file]`: `{key}` must be a string"))?);
        }
        Ok(())
    }

    fn dates(&mut self, t: toml::Table) -> Result<(), String> {
        for (key, value) in t {
            if key != "formats" {
                return Err(format!("`[dates]`: unknown key `{key}` (known: `formats`)"));
            }
            for format in strings("[dates]", &key, &value)? {
                check_date_format(&format)?;
                self.spellings.date_formats.push(format);
            }
        }
        Ok(())
    }
}

fn string(value: &toml::Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

/// A string or a list of strings.
fn strings(section: &str, key: &str, value: &toml::Value) -> Result<Vec<String>, String> {
    let wrong = || format!("`{section}`: `{key}` must be a list of strings, like `[\"是\"]`");
    match value {
        toml::Value::String(s) => Ok(vec![s.clone()]),
        toml::Value::Array(items) => items.iter().map(|v| string(v).ok_or_else(wrong)).collect(),
        _ => Err(wrong()),
    }
}

fn booleans(section: &str, t: toml::Table) -> Result<Vec<(String, bool)>, String> {
    let mut out = Vec::new();
    for (key, value) in t {
        let meaning = match key.as_str() {
            "true" => true,
            "false" => false,
            other => {
                return Err(format!(
                    "`{section}`: unknown key `{other}` (known: `true`, `false`)"
                ))
            }
        };
        for text in strings(section, &key, &value)? {
            out.push((text, meaning));
        }
    }
    Ok(out)
}

/// A date format must read a whole date: a year, a month and a day, and
/// nothing chrono does not know.
fn check_date_format(format: &str) -> Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    let items: Vec<Item> = StrftimeItems::new(format).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return Err(format!(
            "`[dates]`: `{format}` is not a date format (write one like `%d/%m/%Y`)"
        ));
    }
    // A format that reads a whole date reads a known date back.
    let probe = NaiveDate::from_ymd_opt(2023, 10, 31).unwrap_or_default();
    let written = probe.format(format).to_string();
    if NaiveDate::parse_from_str(&written, format) != Ok(probe) {
        return Err(format!(
            "`[dates]`: `{format}` does not read a whole date (it needs a year, a month and a day, like `%d/%m/%Y`)"
        ));
    }
    Ok(())
}

impl Spellings {
    /// Whether the map file added nothing.
    pub fn is_empty(&self) -> bool {
        self.booleans.is_empty() && self.date_formats.is_empty() && self.values.is_empty()
    }

    /// Checks `[values.FIELD]` against the scheme's applicant: each names a
    /// yes/no or enum field, and each value one of its values.
    pub fn check(&self, scheme: &Scheme) -> Result<(), String> {
        for (field, list) in &self.values {
            let section = format!("`[values.{field}]`");
            let Some(f) = field_named(scheme, field) else {
                return Err(format!("{section}: `{field}` is not a field of the applicant (nor `LIST.FIELD` of a list's items)"));
            };
            let names = value_names(scheme, f.ty).ok_or_else(|| {
                format!(
                    "{section}: `{field}` is not a yes/no or enum field; only those take spellings"
                )
            })?;
            for (name, _) in list {
                if !names.contains(name) {
                    let known: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                    return Err(format!(
                        "{section}: `{name}` is not a value of `{field}` (values: {})",
                        known.join(", ")
                    ));
                }
            }
        }
        Ok(())
    }

    /// The spellings of the column that fills field `field` of type `ty`,
    /// if its type has any.
    pub(crate) fn column(
        &self,
        scheme: &Scheme,
        field: &str,
        ty: Type,
    ) -> Option<Arc<ColumnSpellings>> {
        let mut table = Table::default();
        let own = self
            .values
            .get(field)
            .map(Vec::as_slice)
            .unwrap_or_default();
        match ty {
            Type::Bool => {
                table.add("true", Value::Bool(true), Origin::Name);
                table.add("false", Value::Bool(false), Origin::Name);
                for (texts, meaning) in [(YES, true), (NO, false)] {
                    for text in texts {
                        table.add(text, Value::Bool(meaning), Origin::BuiltIn);
                    }
                }
                for (text, meaning) in &self.booleans {
                    table.add(text, Value::Bool(*meaning), Origin::MapFile);
                }
                for (name, text) in own {
                    table.add(text, Value::Bool(name == "true"), Origin::MapFile);
                }
            }
            Type::Enum(e) => {
                let variants = &scheme.enums.get(e as usize)?.variants;
                let variant = |name: &str| variants.iter().position(|v| v.name == name);
                for (i, v) in variants.iter().enumerate() {
                    let value = Value::Enum {
                        ty: e,
                        variant: i as u32,
                    };
                    table.add(&v.name, value.clone(), Origin::Name);
                    if let Some(label) = &v.label {
                        table.add(label, value, Origin::Label);
                    }
                }
                for (name, text) in own {
                    if let Some(i) = variant(name) {
                        let value = Value::Enum {
                            ty: e,
                            variant: i as u32,
                        };
                        table.add(text, value, Origin::MapFile);
                    }
                }
            }
            Type::Date => {
                return Some(Arc::new(ColumnSpellings {
                    table: Table::default(),
                    dates: Some(self.date_formats.clone()),
                    names: Vec::new(),
                }))
            }
            Type::Int
            | Type::Money
            | Type::DateTime
            | Type::Text
            | Type::Duration
            | Type::Decimal
            | Type::Unrounded
            | Type::List(_) => return None,
        }
        Some(Arc::new(ColumnSpellings {
            table,
            dates: None,
            names: value_names(scheme, ty).unwrap_or_default(),
        }))
    }
}

/// The applicant's field `name`, or the item field `LIST.FIELD`.
fn field_named<'s>(scheme: &'s Scheme, name: &str) -> Option<&'s bursar_runtime::ir::Field> {
    if let Some(f) = scheme.applicant.iter().find(|f| f.name == name) {
        return Some(f);
    }
    let (list, field) = name.split_once('.')?;
    let list = scheme.applicant.iter().find(|f| f.name == list)?;
    let Type::List(r) = list.ty else {
        return None;
    };
    scheme
        .records
        .get(r as usize)?
        .fields
        .iter()
        .find(|f| f.name == field)
}

/// The names of a yes/no or enum type's values.
fn value_names(scheme: &Scheme, ty: Type) -> Option<Vec<String>> {
    match ty {
        Type::Bool => Some(vec!["true".to_string(), "false".to_string()]),
        Type::Enum(e) => Some(
            scheme
                .enums
                .get(e as usize)?
                .variants
                .iter()
                .map(|v| v.name.clone())
                .collect(),
        ),
        Type::Int
        | Type::Money
        | Type::Date
        | Type::DateTime
        | Type::Text
        | Type::Duration
        | Type::Decimal
        | Type::Unrounded
        | Type::List(_) => None,
    }
}

/// Where a spelling comes from, for the message about a text with two
/// readings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Name,
    Label,
    BuiltIn,
    MapFile,
}

impl Origin {
    fn describe(self) -> &'static str {
        match self {
            Origin::Name => "its name",
            Origin::Label => "its label in the policy",
            Origin::BuiltIn => "a built-in spelling",
            Origin::MapFile => "the map file",
        }
    }
}

/// Text → its readings: one, or several that disagree.
#[derive(Clone, Debug, Default)]
struct Table {
    readings: HashMap<String, Vec<(Value, Origin)>>,
}

impl Table {
    fn add(&mut self, text: &str, value: Value, from: Origin) {
        let readings = self.readings.entry(text.to_string()).or_default();
        if !readings.iter().any(|(v, _)| *v == value) {
            readings.push((value, from));
        }
    }
}

/// The spellings one column accepts beside what the runtime's parser reads.
#[derive(Clone, Debug)]
pub(crate) struct ColumnSpellings {
    table: Table,
    /// For a date column: the map file's formats, tried beside the
    /// built-in spellings.
    dates: Option<Vec<String>>,
    /// The names of the column's values, to name a reading.
    names: Vec<String>,
}

/// Why a cell has no one reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Unread {
    /// No spelling fits: the runtime parser's message stands.
    NoSpelling,
    /// Several readings, described.
    Ambiguous(String),
}

impl ColumnSpellings {
    /// Whether some text has several readings: such a column is looked up
    /// before the runtime's parser, since its names may be among them.
    pub(crate) fn has_ambiguity(&self) -> bool {
        self.table.readings.values().any(|r| r.len() > 1)
    }

    /// Several readings of `text`, if it has them.
    pub(crate) fn ambiguity(&self, text: &str) -> Option<Unread> {
        match self.table.readings.get(text) {
            Some(readings) if readings.len() > 1 => Some(self.ambiguous(readings)),
            _ => None,
        }
    }

    /// The one value `text` spells.
    pub(crate) fn read(&self, text: &str) -> Result<Value, Unread> {
        if let Some(readings) = self.table.readings.get(text) {
            return match readings.as_slice() {
                [(value, _)] => Ok(value.clone()),
                more => Err(self.ambiguous(more)),
            };
        }
        match &self.dates {
            Some(formats) => date(formats, text),
            None => Err(Unread::NoSpelling),
        }
    }

    fn ambiguous(&self, readings: &[(Value, Origin)]) -> Unread {
        let shown: Vec<String> = readings
            .iter()
            .map(|(v, from)| format!("`{}` ({})", self.name(v), from.describe()))
            .collect();
        Unread::Ambiguous(format!("could mean {}", shown.join(" or ")))
    }

    fn name(&self, value: &Value) -> String {
        match value {
            Value::Bool(b) => b.to_string(),
            Value::Enum { variant, .. } => self
                .names
                .get(*variant as usize)
                .cloned()
                .unwrap_or_default(),
            other => format!("{other:?}"),
        }
    }
}

/// A date in a built-in spelling or one of `formats`.
fn date(formats: &[String], text: &str) -> Result<Value, Unread> {
    let mut found: Vec<(NaiveDate, String)> = Vec::new();
    if let Some(d) = builtin_date(text) {
        found.push((d, "a built-in spelling".to_string()));
    }
    for format in formats {
        if let Ok(d) = NaiveDate::parse_from_str(text, format) {
            if !found.iter().any(|(x, _)| *x == d) {
                found.push((d, format!("`{format}`")));
            }
        }
    }
    match found.as_slice() {
        [] => Err(Unread::NoSpelling),
        [(d, _)] => Ok(Value::Date(*d)),
        more => {
            let shown: Vec<String> = more.iter().map(|(d, how)| format!("{d} ({how})")).collect();
            Err(Unread::Ambiguous(format!(
                "could mean {}",
                shown.join(" or ")
            )))
        }
    }
}

/// A date written year first, which has one reading: `2023/4/10`,
/// `2023-4-10`, `2023.4.10`, `2023年4月10日` and `20230410`.
pub fn builtin_date(text: &str) -> Option<NaiveDate> {
    let ymd = |y: &str, m: &str, d: &str| -> Option<NaiveDate> {
        let digits = |s: &str, min: usize, max: usize| {
            (s.len() >= min && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
        };
        let year = i32::try_from(digits(y, 4, 4)?).ok()?;
        NaiveDate::from_ymd_opt(year, digits(m, 1, 2)?, digits(d, 1, 2)?)
    };
    if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        return ymd(text.get(0..4)?, text.get(4..6)?, text.get(6..8)?);
    }
    if let Some(rest) = text.strip_suffix('日') {
        let (y, rest) = rest.split_once('年')?;
        let (m, d) = rest.split_once('月')?;
        return ymd(y, m, d);
    }
    for sep in ['/', '-', '.'] {
        let mut parts = text.split(sep);
        if let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        {
            return ymd(y, m, d);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn built_in_dates_are_year_first_and_real() {
        let d = NaiveDate::from_ymd_opt(2023, 4, 10);
        for text in [
            "2023/4/10",
            "2023/04/10",
            "2023-4-10",
            "2023.4.10",
            "2023年4月10日",
            "20230410",
        ] {
            assert_eq!(builtin_date(text), d, "{text}");
        }
        for bad in [
            "10/4/2023",
            "2023/2/30",
            "2023/4",
            "2023/4/10/1",
            "230410",
            "2023年4月10",
            "2023/4-10",
            "２０２３/4/10",
            "2023/+4/10",
        ] {
            assert_eq!(builtin_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_map_file_keeps_old_column_lines_and_refuses_unknown_keys() {
        let m = MapFile::parse(
            "voc_level = \"等级\"\n[columns]\napplied_on = \"日期\"\n[file]\nencoding = \"gbk\"\n",
        )
        .unwrap();
        assert_eq!(m.columns.len(), 2);
        assert_eq!(m.encoding.as_deref(), Some("gbk"));
        for (text, message) in [
            (
                "[file]\ncodepage = \"gbk\"\n",
                "`[file]`: unknown key `codepage`",
            ),
            (
                "[dates]\nformats = [\"%d/%m\"]\n",
                "does not read a whole date",
            ),
            ("[dates]\nformats = [\"%Q\"]\n", "is not a date format"),
            ("[dates]\nformat = [\"%d/%m/%Y\"]\n", "unknown key `format`"),
            ("booleans = 1\n", "`booleans` must be a table"),
            ("x = 1\n", "the column for `x` must be a string"),
        ] {
            let e = MapFile::parse(text).unwrap_err();
            assert!(e.contains(message), "{text}: {e}");
        }
    }
}
