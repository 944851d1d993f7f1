//! Reading a population file: a CSV with a header row whose column names are
//! the applicant's field names (the contract is in docs/simulate.md), or
//! other names mapped to them. UTF-8 with or without BOM, LF or CRLF, quoted
//! fields. Every bad cell is reported by file, line, column and value.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bursar_runtime::ir::{FieldId, Scheme, Type, Value};
use bursar_runtime::{parse_cell_into, same_bytes, shown, Applicant, Problem};
use xxhash_rust::xxh3::xxh3_64;

use crate::encoding::{reads_as_gbk, Encoding};
use crate::identifiers::Reread;
use crate::line_ends::line_offset;
use crate::parquet::RowGroups;
use crate::records::{Broken, NotText, ReadError};
pub use crate::records::{Record, RowGroupAt, RowPosition, MAX_RECORD_BYTES};
use crate::source::{Opening, RecordSource, Source};
use crate::spelling::{ColumnSpellings, Spellings, Unread};
use crate::spool::Spooled;

/// A problem with the population file, located for the person who must fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    /// 1-based line in the file (the header is line 1), as an editor
    /// counts: counted while reading, so it holds for a pipe too.
    pub line: u64,
    /// In a Parquet file, which has no lines: the row group and the row in
    /// it. `line` is then the row's number in the file plus one, the line
    /// it would be on in the same rows written as CSV.
    pub group: Option<RowGroupAt>,
    /// The column's name in the file, when the problem is in one cell.
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
    /// The file cannot be read as it is (it is not UTF-8, or reading it
    /// failed), so `--on-bad-row skip` stops here too: skipping rows of a
    /// file saved as GBK would drop every row with Chinese text in it.
    pub fatal: bool,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.group {
            Some(g) => write!(
                f,
                "{}: row {} (row group {}, its row {})",
                self.file,
                self.line.saturating_sub(1),
                g.index,
                g.row
            )?,
            None => write!(f, "{}:{}", self.file, self.line)?,
        }
        // Both come from the file.
        if let Some(c) = &self.column {
            write!(f, ": column `{}`", shown(c))?;
        }
        if let Some(v) = &self.value {
            write!(f, ": value `{}`", shown(v))?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for RowError {}

impl RowError {
    /// A problem with the header row, or with a file as a whole, placed
    /// at its header: it stops the run.
    pub(crate) fn in_header(file: &str, message: String) -> RowError {
        RowError {
            file: file.to_string(),
            line: 1,
            group: None,
            column: None,
            value: None,
            message,
            fatal: true,
        }
    }
}

/// Which file column feeds which applicant field.
#[derive(Clone, Debug)]
pub struct Layout {
    file: String,
    /// Per CSV column: the field it fills, if any.
    columns: Vec<Option<Column>>,
    headers: Vec<String>,
    /// Every column from this one on is compared byte for byte by
    /// [`Layout::same_applicant`].
    compared_from: usize,
    /// The column of the scheme's identifier, if it names one.
    identifier: Option<usize>,
    /// Per CSV column: the spellings its cells may have beside the data
    /// contract's (`crate::spelling`), looked up only for a cell the
    /// runtime's parser refuses.
    spellings: Vec<Option<Arc<ColumnSpellings>>>,
    /// The column of the rows' weights (`--weight`), in a weighted
    /// population: read beside the applicant's fields, never into them
    /// (`crate::weight`).
    weight: Option<usize>,
    /// The files of a population of several, by [`RowPosition::part`]
    /// (empty for one file): a row's problem names its own.
    parts: Vec<String>,
}

/// A column that fills a field: everything needed to read its cells,
/// worked out once from the header.
#[derive(Clone, Copy, Debug)]
struct Column {
    /// Its position in the row (for messages).
    index: usize,
    field: FieldId,
    ty: Type,
    optional: bool,
    /// Whether any rule reads the value. An unread text field needs no copy:
    /// there is nothing to validate in text.
    read: bool,
    /// Some text has two readings in this column (a map file's spelling
    /// that is also a value's name), so its cells are looked up first.
    ambiguous: bool,
}

impl Column {
    /// Whether two cells must be equal byte for byte to give the same
    /// applicant (an unread text cell only has to agree on being empty).
    fn compared(&self) -> bool {
        self.read || self.ty != Type::Text
    }
}

/// Whether a cell's bytes are text (UTF-8); an ASCII cell, as an
/// identifier mostly is, without a call.
fn is_text(cell: &[u8]) -> bool {
    cell.is_ascii() || std::str::from_utf8(cell).is_ok()
}

/// The first column from which every column is compared.
fn compared_from(columns: &[Option<Column>]) -> usize {
    columns
        .iter()
        .rposition(|c| !c.as_ref().is_some_and(Column::compared))
        .map_or(0, |i| i + 1)
}

/// A column mapping: field name → column name in the file.
pub type ColumnMap = BTreeMap<String, String>;

impl Layout {
    /// Maps a header row to the fields of the schemes of a run. The first
    /// scheme's applicant record says which columns there are; every scheme
    /// must read a row as it does ([`crate::compare::input_difference`]),
    /// and each one's reads count: a field only a reform reads is read.
    /// Every field must have a column; columns nobody asked for are ignored.
    pub fn new(
        schemes: &[&Scheme],
        file: &str,
        header: &[&str],
        map: &ColumnMap,
        spellings: &Spellings,
    ) -> Result<Layout, RowError> {
        let err = |message: String| RowError::in_header(file, message);
        let Some(scheme) = schemes.first() else {
            return Err(err("no scheme to read the population for".to_string()));
        };
        for field in map.keys() {
            if !scheme.applicant.iter().any(|f| f.name == *field) {
                let known: Vec<&str> = scheme.applicant.iter().map(|f| f.name.as_str()).collect();
                return Err(err(format!("the column map names `{field}`, which is not a field of the applicant (fields: {})", known.join(", "))));
            }
        }
        let headers: Vec<String> = header
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        let column_of = |field: &str| map.get(field).map_or(field, String::as_str).to_string();
        let read = fields_read(schemes);
        let mut columns: Vec<Option<Column>> = vec![None; headers.len()];
        let mut spelled: Vec<Option<Arc<ColumnSpellings>>> = vec![None; headers.len()];
        let mut missing = Vec::new();
        for (i, f) in scheme.applicant.iter().enumerate() {
            // A list comes from a list file of its own (`crate::lists`).
            if matches!(f.ty, Type::List(_)) {
                continue;
            }
            let wanted = column_of(&f.name);
            let found: Vec<usize> = headers
                .iter()
                .enumerate()
                .filter(|(_, h)| **h == wanted)
                .map(|(j, _)| j)
                .collect();
            match found.as_slice() {
                [j] => {
                    if let Some(Some(taken)) = columns.get(*j) {
                        let other = scheme
                            .applicant
                            .get(taken.field as usize)
                            .map_or("", |f| f.name.as_str());
                        return Err(err(format!(
                            "column `{wanted}` would feed both `{other}` and `{}`; map each field to a column of its own",
                            f.name
                        )));
                    }
                    let spellings = spellings.column(scheme, &f.name, f.ty);
                    if let Some(slot) = columns.get_mut(*j) {
                        *slot = Some(Column {
                            index: *j,
                            field: i as FieldId,
                            ty: f.ty,
                            optional: f.optional,
                            read: read.get(i).copied().unwrap_or(true),
                            ambiguous: spellings.as_ref().is_some_and(|s| s.has_ambiguity()),
                        });
                    }
                    if let Some(slot) = spelled.get_mut(*j) {
                        *slot = spellings;
                    }
                }
                [] => missing.push((
                    f.name.as_str(),
                    if wanted == f.name {
                        format!("`{wanted}`")
                    } else {
                        format!("`{wanted}` (for `{}`)", f.name)
                    },
                )),
                _ => {
                    return Err(err(format!(
                        "the header has column `{wanted}` more than once"
                    )))
                }
            }
        }
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|(_, shown)| shown.as_str()).collect();
            // Headers that differ from a missing field's name only in case
            // or separators (`Applied_On`, `applied-on`) are named with the
            // map that would read them; nothing is mapped without asking.
            let unused = |h: &&String| {
                headers
                    .iter()
                    .position(|x| x == *h)
                    .is_some_and(|j| columns.get(j).is_some_and(Option::is_none))
            };
            let maps: Vec<String> = missing
                .iter()
                .filter_map(|(field, _)| {
                    headers
                        .iter()
                        .filter(unused)
                        .find(|h| loose(h) == loose(field))
                        .map(|h| {
                            // As typed at a shell prompt.
                            let arg = format!("{field}={h}");
                            if arg.contains(|c: char| c.is_whitespace() || "'\"$`\\".contains(c)) {
                                format!("`--map '{}'`", arg.replace('\'', "'\\''"))
                            } else {
                                format!("`--map {arg}`")
                            }
                        })
                })
                .collect();
            let generic = "map other names with `--map field=column`";
            let how = match maps.len() {
                0 => generic.to_string(),
                1 if missing.len() == 1 => format!("read it with {}", maps.join(" ")),
                n if n == missing.len() => format!("read them with {}", maps.join(" ")),
                _ => format!(
                    "read the names that differ only in case or separators with {}; {generic}",
                    maps.join(" ")
                ),
            };
            return Err(err(format!(
                "the header has no column {}; {how}",
                names.join(", ")
            )));
        }
        let id_field = scheme.application.as_ref().and_then(|a| a.identifier);
        let identifier = columns
            .iter()
            .position(|c| c.is_some_and(|c| Some(c.field) == id_field));
        Ok(Layout {
            file: file.to_string(),
            compared_from: compared_from(&columns),
            columns,
            headers,
            identifier,
            spellings: spelled,
            weight: None,
            parts: Vec::new(),
        })
    }

    /// Reads each row's weight from `column` (`--weight`). The column is
    /// the sample's, not the scheme's: it fills no field, so the evaluator
    /// never sees it. A column that feeds a field is refused: a survey's
    /// weights are never a scheme's data, so naming one is a slip whose
    /// figures would look right.
    pub fn weigh_by(&mut self, column: &str) -> Result<(), RowError> {
        let found: Vec<usize> = self
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| *h == column)
            .map(|(j, _)| j)
            .collect();
        match found.as_slice() {
            [j] if self.columns.get(*j).is_some_and(Option::is_some) => Err(RowError::in_header(
                &self.file,
                format!(
                    "`--weight {column}`: the column feeds one of the scheme's fields; weights are a column of the sample's own, read by no rule"
                ),
            )),
            [j] => {
                self.weight = Some(*j);
                Ok(())
            }
            [] => {
                // A name that differs only in case or separators is named,
                // never taken without asking.
                let near = self
                    .headers
                    .iter()
                    .find(|h| loose(h) == loose(column))
                    .map(|h| format!("; did you mean `--weight {h}`?"))
                    .unwrap_or_default();
                Err(RowError::in_header(
                    &self.file,
                    format!("`--weight {column}`: the header has no column `{column}`{near}"),
                ))
            }
            _ => Err(RowError::in_header(
                &self.file,
                format!("`--weight {column}`: the header has column `{column}` more than once"),
            )),
        }
    }

    /// Per column of the header: whether the run reads its cells (it feeds
    /// a field, or gives the rows' weights).
    pub fn columns_read(&self) -> Vec<bool> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, c)| c.is_some() || self.weight == Some(i))
            .collect()
    }

    /// Names the files of a population of several, by their place
    /// ([`RowPosition::part`]).
    pub fn name_parts(&mut self, names: &[String]) {
        self.parts = names.to_vec();
    }

    /// Whether rows have weights (`--weight`): without, every row is one
    /// person and [`Layout::weight`] need not be asked.
    #[inline]
    pub fn weighted(&self) -> bool {
        self.weight.is_some()
    }

    /// How many persons a row stands for: its weight, or 1 in a
    /// population without weights. A bad weight is a bad row; a weighted
    /// run of more than [`crate::weight::MAX_WEIGHTED_ROWS`] rows stops.
    /// Read after the row is parsed, which checks its shape and text.
    #[cold]
    #[inline(never)]
    pub fn weight(&self, record: &Record) -> Result<crate::weight::Weight, RowError> {
        let Some(j) = self.weight else {
            return Ok(1);
        };
        let at = *record.at();
        if at.record > crate::weight::MAX_WEIGHTED_ROWS {
            let message = format!(
                "a weighted population has at most {} rows, so that every weighted figure is exact",
                crate::weight::MAX_WEIGHTED_ROWS
            );
            return Err(self.error(at, None, None, message, true));
        }
        let bytes = record.cell(j).unwrap_or_default();
        let cell = String::from_utf8_lossy(bytes);
        crate::weight::parse(&cell)
            .map_err(|message| self.error(at, Some(j), Some(&cell), message, false))
    }

    /// Parses one record into `applicant`, validating every cell.
    pub fn parse(
        &self,
        scheme: &Scheme,
        record: &Record,
        applicant: &mut Applicant,
    ) -> Result<(), RowError> {
        // Where the row is, for its errors.
        let at = *record.at();
        if let Some(broken) = record.broken() {
            let message = match broken {
                Broken::OpenQuote => "a quoted field opens on this line and does not close before its end (a quoted field cannot span lines)".to_string(),
                Broken::TooManyCells { cells } => format!(
                    "the row has {cells} fields but the header has {}",
                    self.headers.len()
                ),
            };
            return Err(self.error(at, None, None, message, false));
        }
        if record.len() != self.headers.len() {
            let message = format!(
                "the row has {} fields but the header has {}",
                record.len(),
                self.headers.len()
            );
            return Err(self.error(at, None, None, message, false));
        }
        // Every field has exactly one column (checked in `new`), so writing
        // each mapped cell, `None` when empty, fills the whole record.
        //
        // A line all ASCII is text, and so is every cell cut from it: most
        // lines are, and for them the check a byte that UTF-8 needs and
        // the check that each cut falls between characters are left out.
        let line = record.line();
        let text = if line.is_ascii() {
            None
        } else {
            Some(record.text().map_err(|e| self.not_text(at, record, e))?)
        };
        let values = applicant.values_mut();
        let gap = record.gap();
        let mut start = 0;
        for (&end, column) in record.ends().iter().zip(&self.columns) {
            // Checks that the cell starts and ends on a character (see
            // `Record::text`).
            let cell = match text {
                None => line.get(start..end),
                Some(text) => text.get(start..end).map(str::as_bytes),
            };
            let Some(cell) = cell else {
                return Err(self.not_text(at, record, record.cell_at(start)));
            };
            start = end + gap;
            let Some(column) = column else { continue };
            let Some(slot) = values.get_mut(column.field as usize) else {
                continue;
            };
            if cell.is_empty() {
                if !column.optional {
                    return Err(self.cell_error(at, column, cell, "a required value is empty"));
                }
                *slot = None;
                continue;
            }
            if column.ty == Type::Text && !column.read {
                // Present, valid (all text is), and never read: record its
                // presence without copying it (an empty String does not allocate).
                *slot = Some(Value::Text(String::new()));
                continue;
            }
            if column.ambiguous {
                self.unambiguous(at, column, cell)?;
            }
            match parse_cell_into(scheme, column.ty, cell, slot) {
                Ok(()) => {}
                Err(Problem::Invalid { expected, .. }) => {
                    *slot = Some(self.respell(at, column, cell, &expected)?);
                }
                Err(other) => return Err(self.cell_error(at, column, cell, &format!("{other:?}"))),
            }
        }
        Ok(())
    }

    /// Whether two records give the same applicant: the same cells in every
    /// column that fills a field, except that an unread text cell (an
    /// identifier) only has to be empty in both or in neither. Parsing and
    /// deciding depend on nothing else, so a row that repeats the one before
    /// it, as most rows of a population that qualify for nothing do, need
    /// not be parsed or decided again. `b` is a record parsed without
    /// error; `true` says that parsing `a` would succeed too.
    pub fn same_applicant(&self, a: &Record, b: &Record) -> bool {
        if a.broken().is_some() || b.broken().is_some() {
            return false;
        }
        let (ends_a, ends_b) = (a.ends(), b.ends());
        // Records read two ways are not compared byte for byte: rare
        // (a line with quotes), and only a row not reused.
        let gap = a.gap();
        if ends_a.len() != ends_b.len() || b.gap() != gap {
            return false;
        }
        // The columns from `compared_from` on: their bytes, and where
        // each cell ends relative to the first.
        let from = self.compared_from;
        let ((start_a, bytes_a), (start_b, bytes_b)) = (self.compared(a), self.compared(b));
        if !same_bytes(bytes_a, bytes_b) {
            return false;
        }
        let (tail_a, tail_b) = (
            ends_a.get(from..).unwrap_or_default(),
            ends_b.get(from..).unwrap_or_default(),
        );
        // A line cut at its commas is cut at every one of them: the same
        // bytes are cut alike.
        let same_cuts = if gap == 1 {
            true
        } else if start_a == start_b {
            tail_a == tail_b
        } else {
            tail_a
                .iter()
                .zip(tail_b)
                .all(|(x, y)| x.wrapping_sub(start_a) == y.wrapping_sub(start_b))
        };
        if !same_cuts {
            return false;
        }
        // The columns before, one by one.
        let (mut start_a, mut start_b) = (0, 0);
        for ((&end_a, &end_b), column) in ends_a.iter().zip(ends_b).zip(&self.columns).take(from) {
            let (x, y) = (a.bytes(start_a..end_a), b.bytes(start_b..end_b));
            (start_a, start_b) = (end_a + gap, end_b + gap);
            // A cell not compared is still checked as text: parsing `a`
            // would refuse it otherwise, and whether a row is bad must not
            // depend on the row before it.
            let same = match column {
                None => is_text(x),
                Some(c) if c.compared() => x == y,
                Some(_) => x.is_empty() == y.is_empty() && is_text(x),
            };
            if !same {
                return false;
            }
        }
        true
    }

    /// A hash of the cells [`Layout::same_applicant`] compares as one run
    /// of bytes (the columns from `compared_from` on): two records it
    /// holds the same have the same key, two with the same key need not
    /// be the same. Rows met before are looked up by it (`run::memo`).
    pub fn content_key(&self, record: &Record) -> u64 {
        xxh3_64(self.compared(record).1)
    }

    /// The bytes of the columns from `compared_from` on, as one run (the
    /// separator before the first of them included), and where they start.
    fn compared<'r>(&self, record: &'r Record) -> (usize, &'r [u8]) {
        let ends = record.ends();
        let start = self
            .compared_from
            .checked_sub(1)
            .and_then(|i| ends.get(i))
            .copied()
            .unwrap_or(0);
        let end = ends.last().copied().unwrap_or(0);
        (start, record.bytes(start..end))
    }

    /// A problem with a row, in the column at `column` if one.
    #[cold]
    fn error(
        &self,
        at: RowPosition,
        column: Option<usize>,
        value: Option<&str>,
        message: String,
        fatal: bool,
    ) -> RowError {
        RowError {
            file: self.file_of(at).to_string(),
            line: at.line,
            group: at.group,
            column: column.and_then(|i| self.headers.get(i)).cloned(),
            value: value.map(str::to_string),
            message,
            fatal,
        }
    }

    /// The bytes of a record's identifier cell, unless the scheme names no
    /// identifier or the cell is empty (which parsing reports).
    pub fn identifier<'r>(&self, record: &'r Record) -> Option<&'r [u8]> {
        let id = record.cell(self.identifier?)?;
        (!id.is_empty()).then_some(id)
    }

    /// A row whose identifier an earlier row already had.
    #[cold]
    pub fn repeated_identifier(&self, record: &Record) -> RowError {
        self.repeated(self.identifier(record), *record.at())
    }

    /// A row at `at` whose identifier `id` an earlier row already had.
    #[cold]
    pub fn repeated(&self, id: Option<&[u8]>, at: RowPosition) -> RowError {
        let value = id.map(|id| String::from_utf8_lossy(id).into_owned());
        let message = "an earlier row has the same identifier: a person is listed once".to_string();
        self.error(at, self.identifier, value.as_deref(), message, false)
    }

    /// A row the rules could not be evaluated for: not bad data, but kept
    /// with its line so that the report can say which rows and why.
    #[cold]
    pub fn rules_failed(
        &self,
        scheme: &Scheme,
        applicant: &Applicant,
        decision: &bursar_runtime::Decision,
        at: RowPosition,
    ) -> RowError {
        let why = bursar_runtime::explain(scheme, applicant, decision);
        let errors: Vec<String> = why.errors.iter().map(|l| l.text.clone()).collect();
        // A simulation does not keep the identifier (`Layout::keep_text`).
        let who = why
            .applicant
            .filter(|id| !id.is_empty())
            .map(|id| format!("`{id}`: "))
            .unwrap_or_default();
        let message = format!(
            "{who}the rules of `{}` could not be evaluated: {}",
            scheme.id,
            errors.join("; ")
        );
        self.error(at, None, None, message, false)
    }

    #[cold]
    fn not_text(&self, at: RowPosition, record: &Record, e: NotText) -> RowError {
        let bytes = record.cell(e.cell).unwrap_or_default();
        let message = format!("the value is not valid UTF-8{}", suggest_encoding(bytes));
        self.error(at, Some(e.cell), None, message, true)
    }

    #[cold]
    fn cell_error(&self, at: RowPosition, column: &Column, cell: &[u8], message: &str) -> RowError {
        self.error(
            at,
            Some(column.index),
            Some(&cell_text(cell)),
            message.to_string(),
            false,
        )
    }

    /// A cell the runtime's parser refuses, read in the spellings of its
    /// column (a label, `是`, `2023/4/10`), or the parser's refusal.
    #[cold]
    fn respell(
        &self,
        at: RowPosition,
        column: &Column,
        cell: &[u8],
        expected: &str,
    ) -> Result<Value, RowError> {
        let spellings = self.spellings.get(column.index).and_then(Option::as_ref);
        match spellings.map(|s| s.read(&cell_text(cell))) {
            Some(Ok(value)) => Ok(value),
            Some(Err(Unread::Ambiguous(message))) => {
                Err(self.cell_error(at, column, cell, &message))
            }
            Some(Err(Unread::NoSpelling)) | None => {
                Err(self.cell_error(at, column, cell, &format!("expected {expected}")))
            }
        }
    }

    /// Refuses a cell of a column where some text has two readings, if
    /// this is one.
    #[cold]
    fn unambiguous(&self, at: RowPosition, column: &Column, cell: &[u8]) -> Result<(), RowError> {
        let spellings = self.spellings.get(column.index).and_then(Option::as_ref);
        match spellings.and_then(|s| s.ambiguity(&cell_text(cell))) {
            Some(Unread::Ambiguous(message)) => Err(self.cell_error(at, column, cell, &message)),
            Some(Unread::NoSpelling) | None => Ok(()),
        }
    }

    /// Keeps every text value, read by rules or not (for explaining a row).
    pub fn keep_text(&mut self) {
        for c in self.columns.iter_mut().flatten() {
            c.read = true;
        }
        self.compared_from = compared_from(&self.columns);
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// The file a row is in: of a population of several, its part's.
    pub fn file_of(&self, at: RowPosition) -> &str {
        self.parts.get(at.part as usize).unwrap_or(&self.file)
    }
}

/// A cell of a row `Layout::parse` cuts, as text, for its errors and its
/// spellings: such a cell is text (its line is all ASCII, or was checked
/// as UTF-8 cut by cut), so nothing is ever replaced here.
fn cell_text(cell: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(cell)
}

/// A column name without the differences a spreadsheet introduces: case,
/// and `-` or a space for `_`.
fn loose(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Which fields any rule or application block of any of the schemes reads
/// (a field is the same in all of them: see [`Layout::new`]). The identifier
/// is not among them unless a quota draws lots by it: otherwise it names
/// people in explanations, which a simulation does not write (see
/// [`Layout::keep_text`]).
fn fields_read(schemes: &[&Scheme]) -> Vec<bool> {
    let fields = schemes.iter().map(|s| s.applicant.len()).max().unwrap_or(0);
    let mut read = vec![false; fields];
    let mut mark = |f: FieldId| {
        if let Some(r) = read.get_mut(f as usize) {
            *r = true;
        }
    };
    for scheme in schemes {
        let mut exprs: Vec<&bursar_runtime::ir::Expr> = Vec::new();
        exprs.extend(scheme.requirements.iter().map(|c| &c.expr));
        for cat in &scheme.categories {
            exprs.extend(cat.conditions.iter().map(|c| &c.expr));
            exprs.push(&cat.pay);
        }
        // The applicant's choice of category, read by the award rule.
        scheme.award.fields().for_each(&mut mark);
        if let Some(app) = &scheme.application {
            if let Some(r) = app.received {
                mark(r);
            }
            exprs.extend(app.deadline.iter());
            exprs.extend(app.opens.iter());
            // A quota draws lots and breaks ties by the identifier.
            if let (Some(id), false) = (app.identifier, scheme.quotas.is_empty()) {
                mark(id);
            }
        }
        for q in &scheme.quotas {
            exprs.extend(q.conditions.iter().map(|c| &c.expr));
            for r in &q.order {
                match r {
                    bursar_runtime::ir::Rank::By { expr, .. } => exprs.push(expr),
                    bursar_runtime::ir::Rank::Lot { .. } => {}
                }
            }
        }
        for p in &scheme.payers {
            exprs.extend(p.conditions.iter().map(|c| &c.expr));
        }
        for e in exprs {
            e.visit_fields(&mut mark);
        }
    }
    read
}

/// Reads a population source record by record.
pub struct Reader<R: Read> {
    records: Source<R>,
    layout: Layout,
    /// The files read, when they are regular files that can be read again
    /// (for identifiers out of order: [`crate::identifiers::Reread`]):
    /// one, or the parts of a population of several.
    paths: Vec<PathBuf>,
    /// The longest record accepted, in bytes.
    limit: usize,
    /// The file's encoding and sheet, to read it again, and the threads
    /// that decode it.
    encoding: Encoding,
    sheet: Option<String>,
    threads: usize,
    /// The column names that find a sheet's header.
    wanted: Vec<String>,
}

/// How a population file is read: its columns, spellings and limits, as
/// the command line and the map file say (docs/simulate.md). Every command
/// that reads a population reads it through [`Reader::read_as`] with one.
#[derive(Clone, Debug)]
pub struct ReadAs {
    /// Field name → column name.
    pub columns: ColumnMap,
    /// Spellings of values beside the ones on by default.
    pub spellings: Spellings,
    /// The longest record accepted, in bytes.
    pub limit: usize,
    /// The file's text encoding.
    pub encoding: Encoding,
    /// The sheet of a workbook (`.xlsx`) to read; its first if `None`.
    pub sheet: Option<String>,
    /// The column of the rows' weights (`--weight`), for a survey sample.
    pub weight: Option<String>,
    /// The threads that may decode a Parquet file's row groups at once
    /// (the run's threads).
    pub threads: usize,
}

impl ReadAs {
    /// How to open a file.
    pub fn opening(&self) -> Opening<'_> {
        Opening {
            encoding: self.encoding,
            sheet: self.sheet.as_deref(),
            limit: self.limit,
            threads: self.threads,
        }
    }
}

impl Default for ReadAs {
    fn default() -> Self {
        ReadAs {
            columns: ColumnMap::new(),
            spellings: Spellings::default(),
            limit: MAX_RECORD_BYTES,
            encoding: Encoding::Utf8,
            sheet: None,
            weight: None,
            threads: 1,
        }
    }
}

impl Reader<std::fs::File> {
    /// Reads a population file opened from `path`.
    pub fn from_file(
        schemes: &[&Scheme],
        path: &Path,
        file: std::fs::File,
        how: &ReadAs,
    ) -> Result<Self, RowError> {
        let mut reader = Reader::read_as(schemes, path.display().to_string(), file, how)?;
        // Only a regular file can be read again from the start: a FIFO or a
        // pipe would wait for a writer, or give other bytes.
        if std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            reader.paths = vec![path.to_path_buf()];
        }
        Ok(reader)
    }

    /// Reads the files `paths` as one population, in that order
    /// (`--population 'dir/part-*.csv'`, named `pattern` where no one file
    /// is meant): each must have the first's header.
    pub fn from_parts(
        schemes: &[&Scheme],
        pattern: &str,
        paths: &[PathBuf],
        how: &ReadAs,
    ) -> Result<Self, RowError> {
        let records = Source::parts(paths, how.opening())
            .map_err(|message| RowError::in_header(pattern, message))?;
        let mut reader = Reader::with_source(schemes, pattern.to_string(), records, how)?;
        if paths
            .iter()
            .all(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
        {
            reader.paths = paths.to_vec();
        }
        Ok(reader)
    }
}

impl<R: Read> Reader<R> {
    /// Opens a population for the schemes of a run: reads the header and
    /// maps columns to fields (see [`Layout::new`]). Records may be up to
    /// [`MAX_RECORD_BYTES`] long.
    pub fn new(
        schemes: &[&Scheme],
        file: impl Into<String>,
        source: R,
        map: &ColumnMap,
    ) -> Result<Self, RowError> {
        let how = ReadAs {
            columns: map.clone(),
            ..ReadAs::default()
        };
        Reader::read_as(schemes, file, source, &how)
    }

    /// [`Reader::new`], reading as `how` says.
    pub fn read_as(
        schemes: &[&Scheme],
        file: impl Into<String>,
        source: R,
        how: &ReadAs,
    ) -> Result<Self, RowError> {
        let file = file.into();
        // The reader buffers, so callers need not wrap a file in a BufReader
        // (which would copy every byte twice).
        let records = Source::open(&file, source, how.opening())
            .map_err(|message| RowError::in_header(&file, message))?;
        Reader::with_source(schemes, file, records, how)
    }

    /// Reads the header of `records`, the file (or files) named `file`.
    fn with_source(
        schemes: &[&Scheme],
        file: String,
        mut records: Source<R>,
        how: &ReadAs,
    ) -> Result<Self, RowError> {
        let limit = how.limit;
        let map = &how.columns;
        let header_error = |message: String| RowError::in_header(&file, message);
        let mut header = Record::new();
        // The column names the run reads: a sheet's header is the first
        // row with one of them (titles may be above it).
        let wanted: Vec<String> = schemes
            .first()
            .map(|s| s.applicant.iter())
            .into_iter()
            .flatten()
            .map(|f| map.get(&f.name).unwrap_or(&f.name).clone())
            .collect();
        let read = records
            .read_header(&mut header, &|cell| wanted.iter().any(|w| w == cell))
            .map_err(|e| read_error(&file, RowPosition::default(), e))?;
        if !read || header.is_empty() {
            return Err(header_error(
                "the file is empty: a population file starts with a header row of column names"
                    .to_string(),
            ));
        }
        if header.broken().is_some() {
            return Err(header_error(
                "a quoted field of the header row does not close before the line ends".to_string(),
            ));
        }
        let header = header.cells().map_err(|e| {
            let bytes = header.cell(e.cell).unwrap_or_default();
            header_error(format!(
                "the header row is not valid UTF-8{}",
                suggest_encoding(bytes)
            ))
        })?;
        let mut layout = Layout::new(schemes, &file, &header, map, &how.spellings)?;
        if let Some(column) = &how.weight {
            layout.weigh_by(column)?;
        }
        layout.name_parts(records.part_names());
        records
            .read_only(&layout.columns_read())
            .map_err(header_error)?;
        // A row of more cells is wrong whatever they hold: one more is
        // kept, so that the message counts them all.
        records.keep_cells(header.len() + 1);
        Ok(Reader {
            records,
            layout,
            paths: Vec::new(),
            threads: how.threads,
            limit,
            encoding: how.encoding,
            sheet: how.sheet.clone(),
            wanted,
        })
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Keeps every text value (see [`Layout::keep_text`]).
    pub fn keep_text(mut self) -> Self {
        self.layout.keep_text();
        self
    }

    /// Reads the next raw record, with where it is ([`Record::at`]);
    /// `Ok(false)` at the end. Its cells are checked as text when they are
    /// parsed ([`Layout::parse`]).
    pub fn next_record(&mut self, record: &mut Record) -> Result<bool, RowError> {
        self.records.read(record).map_err(|e| {
            // Where reading stopped: on the line it could not read (a line
            // too long says which), past any blank lines before it. Asked
            // only then, since asking every row cost a jump through the
            // sources' table (0.8% of a run's instructions).
            let at = self.records.position();
            read_error(self.layout.file_of(at), at, e)
        })
    }

    /// Bytes of the file read so far (for progress).
    pub fn bytes_read(&self) -> u64 {
        self.records.bytes_read()
    }

    /// Data rows and bytes read so far.
    pub fn progress(&self) -> crate::progress::Progress {
        crate::progress::Progress {
            rows: self.records.position().record.saturating_sub(1),
            bytes: self.bytes_read(),
        }
    }

    /// Reads and parses the next row into `applicant`; `Ok(None)` at the end.
    pub fn next_into(
        &mut self,
        scheme: &Scheme,
        applicant: &mut Applicant,
    ) -> Result<Option<RowPosition>, RowError> {
        let mut record = Record::new();
        if !self.next_record(&mut record)? {
            return Ok(None);
        }
        let at = *record.at();
        self.layout
            .parse(scheme, &record, applicant)
            .map(|()| Some(at))
    }

    /// Whether the source can be read again from the start (a file, not a
    /// pipe): see [`crate::identifiers::Reread`].
    pub fn rereadable(&self) -> bool {
        !self.paths.is_empty()
    }

    /// Reads the rest of a source read once to its end into a temporary
    /// file, and reads on from there ([`crate::spool`]); read again
    /// ([`Reread`]), the source is then that copy.
    #[cold]
    pub fn spool_rest(&mut self) -> Result<(), RowError> {
        let spooled = Spooled::spool(&mut self.records).map_err(|e| {
            self.failed(format!(
                "cannot copy the rest of the population to a temporary file to check its identifiers: {e}"
            ))
        })?;
        self.records = Source::Spooled(Box::new(spooled));
        Ok(())
    }
}

/// One CSV file on disk, described for reading ranges of its lines on
/// several threads (`crate::run`'s ranges): where its rows start and how a
/// line is read.
#[derive(Clone, Debug)]
pub struct LineRanges {
    pub path: PathBuf,
    pub encoding: Encoding,
    /// Where the first row after the header starts (line, byte in the
    /// file, row).
    pub first: RowPosition,
    /// The file's length when the run started: reading stops there.
    pub len: u64,
    /// The longest record accepted, in bytes.
    pub limit: usize,
    /// The cells a record keeps (one more than the header's).
    pub max_cells: usize,
}

impl<R: Read> Reader<R> {
    /// The file as ranges of lines, when it is one CSV file on disk: not a
    /// workbook or Parquet (their own readers), a population of several
    /// files, or a pipe.
    pub fn line_ranges(&self) -> Option<LineRanges> {
        let Source::Text(records) = &self.records else {
            return None;
        };
        let [path] = self.paths.as_slice() else {
            return None;
        };
        let mut first = records.position();
        // The reader of GBK text counts the bytes it decoded to: where the
        // first row starts in the file is found by its line.
        match self.encoding {
            Encoding::Utf8 => {}
            Encoding::Gbk | Encoding::Gb18030 => {
                first.byte = line_offset(path, first.line).ok()??
            }
        }
        Some(LineRanges {
            path: path.clone(),
            encoding: self.encoding,
            first,
            len: std::fs::metadata(path).ok()?.len(),
            limit: self.limit,
            max_cells: self.layout.headers.len().saturating_add(1),
        })
    }

    /// The file's row groups, when it is one Parquet file: each is read on
    /// its own as a range (`crate::run`'s ranges).
    pub fn row_groups(&self) -> Option<RowGroups> {
        match &self.records {
            Source::Parquet(p) => Some(p.row_groups()),
            Source::Text(_) | Source::Sheet(_) | Source::Parts(_) | Source::Spooled(_) => None,
        }
    }
}

/// Identifiers out of order are checked by reading the file again
/// ([`crate::identifiers::Identifiers`]); a pipe whose rest was copied
/// ([`Reader::spool_rest`]), by reading the copy: its rows are those after
/// the copy began.
impl<R: Read> Reread for Reader<R> {
    fn identifiers(
        &self,
        before: u64,
        f: &mut dyn FnMut(RowPosition, &[u8]) -> bool,
    ) -> Result<(), RowError> {
        if let Source::Spooled(copy) = &self.records {
            let layout = &self.layout;
            return copy
                .records(before, &mut |at, record| {
                    layout.identifier(record).is_none_or(|id| f(at, id))
                })
                .map_err(|e| {
                    self.failed(format!(
                        "cannot read the population's copy again to check identifiers: {e}"
                    ))
                });
        }
        let fail = |e: String| {
            self.failed(format!(
                "cannot read the file again to check identifiers: {e}"
            ))
        };
        let opening = Opening {
            encoding: self.encoding,
            sheet: self.sheet.as_deref(),
            limit: self.limit,
            // Decoding beside the run's own threads, which wait for it.
            threads: self.threads,
        };
        let mut records: Source<std::fs::File> = match self.paths.as_slice() {
            [] => return Err(fail("it is not a file".to_string())),
            [path] => {
                let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
                Source::open(&self.layout.file, file, opening).map_err(fail)?
            }
            parts => Source::parts(parts, opening).map_err(fail)?,
        };
        let mut row = Record::new();
        let reading = |e: ReadError| match e {
            ReadError::Io(e) => fail(e.to_string()),
            ReadError::TooLong { line, limit } => {
                fail(format!("line {line} is now longer than {limit} bytes"))
            }
            ReadError::Part { file, message } => fail(format!("`{file}`: {message}")),
        };
        let wanted = &self.wanted;
        records
            .read_header(&mut row, &|cell| wanted.iter().any(|w| w == cell))
            .map_err(reading)?;
        records
            .read_only(&self.layout.columns_read())
            .map_err(fail)?;
        while records.read(&mut row).map_err(reading)? {
            let at = *row.at();
            if at.record >= before {
                break;
            }
            if let Some(id) = self.layout.identifier(&row) {
                if !f(at, id) {
                    break;
                }
            }
        }
        Ok(())
    }

    fn failed(&self, message: String) -> RowError {
        RowError::in_header(&self.layout.file, message)
    }

    fn repeated(&self, id: &[u8], at: RowPosition) -> RowError {
        self.layout.repeated(Some(id), at)
    }
}

/// What to say after "not valid UTF-8", given the bytes that are not.
#[cold]
fn suggest_encoding(bytes: &[u8]) -> String {
    if reads_as_gbk(bytes) {
        "; the file reads as GBK, as files saved on Chinese Windows often are: read it with `--encoding gbk`".to_string()
    } else {
        "; give the file's encoding with `--encoding` (utf-8, gbk, gb18030)".to_string()
    }
}

/// A file that cannot be read on, which stops the run even with
/// `--on-bad-row skip`.
#[cold]
pub(crate) fn read_error(file: &str, at: RowPosition, e: ReadError) -> RowError {
    let (line, message) = match e {
        // Bytes not of the file's encoding (`crate::encoding`).
        ReadError::Io(e) if e.kind() == std::io::ErrorKind::InvalidData => (at.line, e.to_string()),
        ReadError::Io(e) => (at.line, format!("cannot read the file: {e}")),
        ReadError::TooLong { line, limit } => (
            line,
            format!("the row is longer than {limit} bytes; raise the limit with `--max-record-bytes` if the file is right"),
        ),
        ReadError::Part { file: part, message } => return RowError::in_header(&part, message),
    };
    RowError {
        file: file.to_string(),
        line: line.max(1),
        group: at.group,
        column: None,
        value: None,
        message,
        fatal: true,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::records::Records;

    /// The line each record after the header starts on, with a read buffer
    /// of `capacity` bytes.
    fn lines(data: &[u8], capacity: usize) -> Vec<u64> {
        let mut records = Records::new(data, capacity);
        let mut record = Record::new();
        let mut lines = Vec::new();
        while records.read(&mut record).unwrap() {
            lines.push(record.at().line);
        }
        lines.into_iter().skip(1).collect()
    }

    #[test]
    fn rows_are_located_on_the_line_an_editor_shows() {
        let cases: [(&str, &[u8], &[u64]); 9] = [
            ("LF", b"h,x\na,1\nb,2\nc,3\n", &[2, 3, 4]),
            ("CRLF", b"h,x\r\na,1\r\nb,2\r\nc,3\r\n", &[2, 3, 4]),
            ("blank line", b"h,x\na,1\n\nb,2\nc,3\n", &[2, 4, 5]),
            (
                "blank lines, CRLF",
                b"h,x\r\na,1\r\n\r\n\r\nb,2\r\nc,3",
                &[2, 5, 6],
            ),
            // A quoted field cannot span lines: each line is a record of
            // its own (the first one broken).
            ("line end in a cell", b"h,x\n\"a\nA\",1\nb,2\n", &[2, 3, 4]),
            (
                "CRLF in a cell",
                b"h,x\r\n\"a\r\nA\",1\r\nb,2\r\n",
                &[2, 3, 4],
            ),
            ("CR only", b"h,x\ra,1\rb,2\r", &[2, 3]),
            ("BOM", b"\xef\xbb\xbfh,x\r\na,1\r\nb,2\r\n", &[2, 3]),
            ("no final line end", b"h,x\na,1\nb,2", &[2, 3]),
        ];
        for (name, data, expected) in cases {
            for capacity in [1, 2, 5, 1 << 16] {
                assert_eq!(lines(data, capacity), expected, "{name}, {capacity}");
            }
        }
    }

    /// The line of the first non-line-end byte at or after `offset`,
    /// counted byte by byte.
    fn naive(data: &[u8], offset: u64) -> u64 {
        let mut ends = 0;
        for (i, &b) in data.iter().enumerate() {
            let lone_cr_before = i > 0 && data[i - 1] == b'\r' && b != b'\n';
            ends += u64::from(lone_cr_before);
            if i as u64 >= offset && b != b'\r' && b != b'\n' {
                return ends + 1;
            }
            ends += u64::from(b == b'\n');
        }
        ends + u64::from(data.last() == Some(&b'\r')) + 1
    }

    /// Which line end a generated row has.
    const ENDS: [&[u8]; 3] = [b"\n", b"\r\n", b"\r"];

    proptest::proptest! {
        /// Rows written with any mix of line ends and blank lines are
        /// located on the line where their first byte is, whatever the
        /// reader's buffer size.
        #[test]
        fn generated_rows_are_located_where_they_were_written(
            rows in proptest::collection::vec(
                (0usize..3, proptest::bool::ANY, proptest::collection::vec(0usize..3, 0..3)),
                1..8,
            ),
            last_end in proptest::bool::ANY,
            capacity in 1usize..40,
        ) {
            let mut data: Vec<u8> = b"h,x\n".to_vec();
            let mut starts = Vec::new();
            let count = rows.len();
            for (i, (end, quoted, blanks)) in rows.into_iter().enumerate() {
                for b in blanks {
                    data.extend_from_slice(ENDS[b]);
                }
                starts.push(data.len());
                if quoted {
                    data.extend_from_slice(b"\"a,\"\"b\"\"\",1");
                } else {
                    data.extend_from_slice(format!("r{i},1").as_bytes());
                }
                if i + 1 < count || last_end {
                    data.extend_from_slice(ENDS[end]);
                }
            }
            // A CR ending one row and an LF ending a blank line after it
            // are one CRLF; counting line ends in the bytes settles it.
            let expected: Vec<u64> = starts
                .iter()
                .map(|&s| naive(&data, s as u64))
                .collect();
            proptest::prop_assert_eq!(lines(&data, capacity), expected);
        }
    }

    /// A line all ASCII is cut without checking it as UTF-8; any other is
    /// checked, and so is each cut: a cell that is not UTF-8 stops the run
    /// at that cell, even where its bytes and the next cell's make a
    /// character together (`"p\xe5"` and `"\xbc\xa0"` run together are
    /// `p张`).
    #[test]
    fn cells_are_text_whether_or_not_their_line_is_ascii() {
        let scheme = two_fields();
        let read = |line: &[u8]| {
            let data = [b"id,x\n", line, b"\n"].concat();
            let mut reader = Reader::new(&[&scheme], "p.csv", &data[..], &ColumnMap::new())
                .unwrap()
                .keep_text();
            let mut applicant = Applicant::empty(&scheme);
            reader
                .next_into(&scheme, &mut applicant)
                .map(|_| applicant.get(1).cloned())
                .map_err(|e| (e.column, e.fatal))
        };
        let text = |s: &str| Ok(Some(Value::Text(s.to_string())));
        assert_eq!(read(b"p1,v"), text("v"));
        assert_eq!(read("张三,李四".as_bytes()), text("李四"));
        assert_eq!(read("\"张三\",\"李,四\"".as_bytes()), text("李,四"));
        assert_eq!(read(b"p1,"), Ok(None));
        let not_text = |column: &str| Err((Some(column.to_string()), true));
        assert_eq!(read(b"p1,v\xff"), not_text("x"));
        assert_eq!(read(b"p\xff1,v"), not_text("id"));
        assert_eq!(read("张三,李\u{fffd}".as_bytes()), text("李\u{fffd}"));
        assert_eq!(read(b"\"p\xe5\",\"\xbc\xa0\""), not_text("id"));
        assert_eq!(read(b"p\xe5,\xbc\xa0"), not_text("id"));
    }

    /// A scheme whose applicant is two text fields, `id` and `x`, and
    /// which reads neither.
    fn two_fields() -> Scheme {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../policies/beijing/2023-career-boost.bursar"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let source = bursar_compiler::SourceFile::new(path, text);
        let mut scheme = bursar_compiler::compile(&source).scheme.unwrap();
        let text = |name: &str, optional| bursar_runtime::ir::Field {
            name: name.to_string(),
            label: None,
            ty: Type::Text,
            optional,
        };
        scheme.applicant = vec![text("id", false), text("x", true)];
        scheme.requirements.clear();
        scheme.categories.clear();
        scheme.application = None;
        scheme
    }

    proptest::proptest! {
        /// Whatever the damage (stray quotes, lines cut short or run
        /// together, wrong cell counts), every data line is either a row or
        /// a bad row, and a bad row costs its own line only.
        #[test]
        fn every_data_line_is_a_row_or_a_bad_row(
            lines in proptest::collection::vec(
                (0usize..6, 0usize..3, 0usize..4),
                0..40,
            ),
            capacity in 1usize..50,
        ) {
            let scheme = two_fields();
            let mut data = b"id,x\n".to_vec();
            let mut nonblank = 0u64;
            for (i, (damage, end, at)) in lines.into_iter().enumerate() {
                let mut line = format!("p{i},v{i}").into_bytes();
                match damage {
                    0 => {}
                    1 => line.insert(at.min(line.len()), b'"'),
                    2 => line.truncate(at),
                    3 => line.extend_from_slice(b",extra"),
                    4 => line = b"\"p,\"\"q\"\"\",v".to_vec(),
                    _ => line = format!("\"p{i}\nv\",1").into_bytes(),
                }
                // A line break inside the last form makes two lines.
                nonblank += line
                    .split(|&b| b == b'\n')
                    .filter(|l| !l.is_empty())
                    .count() as u64;
                data.extend_from_slice(&line);
                data.extend_from_slice(ENDS[end]);
            }
            let mut reader = Reader::new(&[&scheme], "p.csv", &data[..], &ColumnMap::new()).unwrap();
            reader.records = Source::Text(crate::records::Records::new(
                crate::encoding::Decoded::new(&data[..], Encoding::Utf8),
                capacity,
            ));
            let mut header = Record::new();
            reader.records.read(&mut header).unwrap();
            let mut applicant = Applicant::empty(&scheme);
            let (mut rows, mut bad) = (0u64, 0u64);
            loop {
                match reader.next_into(&scheme, &mut applicant) {
                    Ok(None) => break,
                    Ok(Some(_)) => rows += 1,
                    Err(e) => {
                        proptest::prop_assert!(!e.fatal, "{}", e);
                        bad += 1;
                    }
                }
            }
            proptest::prop_assert_eq!(rows + bad, nonblank);
        }
    }
}
