//! Reading a population file: a CSV with a header row whose column names are
//! the applicant's field names (the contract is shared/data/README.md), or
//! other names mapped to them. UTF-8 with or without BOM, LF or CRLF, quoted
//! fields. Every bad cell is reported by file, line, column and value.

use std::collections::BTreeMap;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use bursar_runtime::ir::{FieldId, Scheme, Type, Value};
use bursar_runtime::{parse_cell_into, shown, Applicant, Problem};

use crate::records::{NotText, Records};
pub use crate::records::{Record, RowPosition};

/// A problem with the population file, located for the person who must fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    /// 1-based line in the file (the header is line 1). Exact for a file
    /// read with [`Reader::from_file`]; see [`Reader::locate`].
    pub line: u64,
    /// Where the row starts in the file, in bytes, for finding its line.
    pub byte: u64,
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
        write!(f, "{}:{}", self.file, self.line)?;
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
    /// A problem with the header row, which stops the run.
    fn in_header(file: &str, message: String) -> RowError {
        RowError {
            file: file.to_string(),
            line: 1,
            byte: 0,
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
}

impl Column {
    /// Whether two cells must be equal byte for byte to give the same
    /// applicant (an unread text cell only has to agree on being empty).
    fn compared(&self) -> bool {
        self.read || self.ty != Type::Text
    }
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
    /// Maps a header row to the scheme's fields. Every field must have a
    /// column; columns nobody asked for are ignored.
    pub fn new(
        scheme: &Scheme,
        file: &str,
        header: &[&str],
        map: &ColumnMap,
    ) -> Result<Layout, RowError> {
        let err = |message: String| RowError::in_header(file, message);
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
        let read = fields_read(scheme);
        let mut columns: Vec<Option<Column>> = vec![None; headers.len()];
        let mut missing = Vec::new();
        for (i, f) in scheme.applicant.iter().enumerate() {
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
                    if let Some(slot) = columns.get_mut(*j) {
                        *slot = Some(Column {
                            index: *j,
                            field: i as FieldId,
                            ty: f.ty,
                            optional: f.optional,
                            read: read.get(i).copied().unwrap_or(true),
                        });
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
        Ok(Layout {
            file: file.to_string(),
            compared_from: compared_from(&columns),
            columns,
            headers,
        })
    }

    /// Parses one record into `applicant`, validating every cell.
    pub fn parse(
        &self,
        scheme: &Scheme,
        record: &Record,
        at: RowPosition,
        applicant: &mut Applicant,
    ) -> Result<(), RowError> {
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
        let text = record.text().map_err(|e| self.not_text(at, e))?;
        let values = applicant.values_mut();
        let (mut rest, mut start) = (text, 0);
        for (&end, column) in record.ends().iter().zip(&self.columns) {
            // Checks that the cell ends on a character (see `Record::text`).
            let Some((cell, after)) = rest.split_at_checked(end.saturating_sub(start)) else {
                return Err(self.not_text(at, record.cell_at(start)));
            };
            (rest, start) = (after, end);
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
            match parse_cell_into(scheme, column.ty, cell, slot) {
                Ok(()) => {}
                Err(Problem::Invalid { expected, .. }) => {
                    return Err(self.cell_error(at, column, cell, &format!("expected {expected}")))
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
    /// not be parsed or decided again.
    pub fn same_applicant(&self, a: &Record, b: &Record) -> bool {
        let (ends_a, ends_b) = (a.ends(), b.ends());
        if ends_a.len() != ends_b.len() {
            return false;
        }
        // The columns from `compared_from` on: their bytes, and where
        // each cell ends relative to the first.
        let from = self.compared_from;
        let start = |ends: &[usize]| {
            from.checked_sub(1)
                .and_then(|i| ends.get(i))
                .copied()
                .unwrap_or(0)
        };
        let (start_a, start_b) = (start(ends_a), start(ends_b));
        let (tail_a, tail_b) = (
            ends_a.get(from..).unwrap_or_default(),
            ends_b.get(from..).unwrap_or_default(),
        );
        let end = |ends: &[usize]| ends.last().copied().unwrap_or(0);
        if a.bytes(start_a..end(ends_a)) != b.bytes(start_b..end(ends_b)) {
            return false;
        }
        let same_cuts = if start_a == start_b {
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
            (start_a, start_b) = (end_a, end_b);
            let same = match column {
                None => true,
                Some(c) if c.compared() => x == y,
                Some(_) => x.is_empty() == y.is_empty(),
            };
            if !same {
                return false;
            }
        }
        true
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
            file: self.file.clone(),
            line: at.line,
            byte: at.byte,
            column: column.and_then(|i| self.headers.get(i)).cloned(),
            value: value.map(str::to_string),
            message,
            fatal,
        }
    }

    #[cold]
    fn not_text(&self, at: RowPosition, e: NotText) -> RowError {
        let message = "the value is not valid UTF-8".to_string();
        self.error(at, Some(e.cell), None, message, true)
    }

    #[cold]
    fn cell_error(&self, at: RowPosition, column: &Column, value: &str, message: &str) -> RowError {
        self.error(
            at,
            Some(column.index),
            Some(value),
            message.to_string(),
            false,
        )
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

/// Which fields any rule or the application block reads. The identifier is
/// not among them: it names people in explanations, which a simulation does
/// not write (see [`Layout::keep_text`]).
fn fields_read(scheme: &Scheme) -> Vec<bool> {
    let mut read = vec![false; scheme.applicant.len()];
    let mut mark = |f: FieldId| {
        if let Some(r) = read.get_mut(f as usize) {
            *r = true;
        }
    };
    let mut exprs: Vec<&bursar_runtime::ir::Expr> = Vec::new();
    exprs.extend(scheme.requirements.iter().map(|c| &c.expr));
    for cat in &scheme.categories {
        exprs.extend(cat.conditions.iter().map(|c| &c.expr));
        exprs.push(&cat.pay);
    }
    if let Some(app) = &scheme.application {
        mark(app.received);
        exprs.extend(app.deadline.iter());
        exprs.extend(app.opens.iter());
    }
    for e in exprs {
        e.visit_fields(&mut mark);
    }
    read
}

/// Reads a population source record by record.
pub struct Reader<R: Read> {
    records: Records<R>,
    layout: Layout,
    /// The file read, when it can be read again to find lines.
    path: Option<PathBuf>,
}

impl Reader<std::fs::File> {
    /// Reads a population file opened from `path`. Its errors can be given
    /// their exact line ([`Reader::locate`]): the file can be read again.
    pub fn from_file(
        scheme: &Scheme,
        path: &Path,
        file: std::fs::File,
        map: &ColumnMap,
    ) -> Result<Self, RowError> {
        let mut reader = Reader::new(scheme, path.display().to_string(), file, map)?;
        reader.path = Some(path.to_path_buf());
        Ok(reader)
    }
}

impl<R: Read> Reader<R> {
    /// Opens a population: reads the header and maps columns to fields.
    pub fn new(
        scheme: &Scheme,
        file: impl Into<String>,
        source: R,
        map: &ColumnMap,
    ) -> Result<Self, RowError> {
        let file = file.into();
        // The reader buffers, so callers need not wrap a file in a BufReader
        // (which would copy every byte twice).
        let mut records = Records::new(source, 1 << 16);
        let header_error = |message: String| RowError::in_header(&file, message);
        let mut header = Record::new();
        let read = records
            .read(&mut header)
            .map_err(|e| header_error(format!("cannot read the header row: {e}")))?;
        if read.is_none() || header.is_empty() {
            return Err(header_error(
                "the file is empty: a population file starts with a header row of column names"
                    .to_string(),
            ));
        }
        let header = header
            .cells()
            .map_err(|_| header_error("the header row is not valid UTF-8".to_string()))?;
        let layout = Layout::new(scheme, &file, &header, map)?;
        Ok(Reader {
            records,
            layout,
            path: None,
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

    /// Reads the next raw record; `Ok(None)` at the end. Returns where it is.
    /// An error's line is the CSV parser's count until [`Reader::locate`].
    /// Its cells are checked as text when they are parsed ([`Layout::parse`]).
    pub fn next_record(&mut self, record: &mut Record) -> Result<Option<RowPosition>, RowError> {
        let at = self.records.position();
        self.records.read(record).map_err(|e| {
            let message = format!("cannot read the file: {e}");
            self.layout.error(at, None, None, message, true)
        })
    }

    /// Bytes read so far (for progress).
    pub fn bytes_read(&self) -> u64 {
        self.records.byte()
    }

    /// Reads and parses the next row into `applicant`; `Ok(None)` at the end.
    /// An error carries its exact line.
    pub fn next_into(
        &mut self,
        scheme: &Scheme,
        applicant: &mut Applicant,
    ) -> Result<Option<RowPosition>, RowError> {
        let mut record = Record::new();
        let read = self.next_record(&mut record).and_then(|at| match at {
            Some(at) => self
                .layout
                .parse(scheme, &record, at, applicant)
                .map(|()| Some(at)),
            None => Ok(None),
        });
        read.map_err(|mut e| {
            self.locate(std::slice::from_mut(&mut e));
            e
        })
    }

    /// Gives errors their exact line, reading the file again up to them.
    /// Lines are counted here and not during the run because this costs a
    /// pass over the file, and only rows with errors need it. A source that
    /// is not a file keeps the CSV reader's count.
    pub fn locate(&self, errors: &mut [RowError]) {
        let Some(path) = self.path.as_ref().filter(|_| !errors.is_empty()) else {
            return;
        };
        let Ok(file) = std::fs::File::open(path) else {
            return;
        };
        let offsets: Vec<u64> = errors.iter().map(|e| e.byte).collect();
        if let Ok(lines) = lines_at(std::io::BufReader::new(file), &offsets) {
            for (e, line) in errors.iter_mut().zip(lines) {
                e.line = line;
            }
        }
    }
}

/// The 1-based line of the first byte at or after each offset that is not
/// a line end: where a row the CSV reader placed at that offset begins. A
/// line ends at LF, CRLF or a lone CR, as editors count them.
fn lines_at(mut source: impl BufRead, offsets: &[u64]) -> std::io::Result<Vec<u64>> {
    let mut lines = vec![0; offsets.len()];
    let mut waiting: Vec<(u64, usize)> = offsets.iter().copied().zip(0..).collect();
    waiting.sort_unstable();
    let mut waiting = waiting.into_iter().peekable();
    let mut ends = LineEnds::default();
    // The file offset of the chunk's first byte.
    let mut at = 0u64;
    while waiting.peek().is_some() {
        let chunk = source.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        let mut pos = 0;
        while let Some(&(offset, _)) = waiting.peek() {
            // Up to the next offset, line ends are counted in bulk: a bad
            // row at the end of a large file needs the whole file counted.
            let until = usize::try_from(offset.saturating_sub(at))
                .map_or(chunk.len(), |u| u.min(chunk.len()));
            if until > pos {
                ends.add(chunk.get(pos..until).unwrap_or(&[]));
                pos = until;
                continue;
            }
            // From the offset on, the row starts at the first byte that is
            // not a line end (the reader's offset may point at the LF of a
            // CRLF, or at a blank line, before it).
            let Some(&b) = chunk.get(pos) else { break };
            if b != b'\r' && b != b'\n' {
                let line = ends.before(b) + 1;
                while let Some((_, i)) = waiting.next_if(|&(o, _)| o <= at + pos as u64) {
                    if let Some(l) = lines.get_mut(i) {
                        *l = line;
                    }
                }
            }
            ends.add(std::slice::from_ref(&b));
            pos += 1;
        }
        let n = chunk.len();
        source.consume(n);
        at += n as u64;
    }
    // Offsets at the end of the file: the line after the last.
    for (_, i) in waiting {
        if let Some(l) = lines.get_mut(i) {
            *l = ends.total() + 1;
        }
    }
    Ok(lines)
}

/// How many positions of `a` and its follower in `b` satisfy `f`. Counted in
/// byte-wide lanes, 255 bytes at a time, which the compiler turns into
/// vector code; a plain count would use 64-bit lanes, or none at all with
/// the release build's overflow checks.
fn count(a: &[u8], b: &[u8], f: impl Fn(u8, u8) -> bool) -> u64 {
    a.chunks(255)
        .zip(b.chunks(255))
        .map(|(x, y)| {
            u64::from(
                x.iter()
                    .zip(y)
                    .fold(0u8, |n, (&p, &q)| n.wrapping_add(u8::from(f(p, q)))),
            )
        })
        .sum()
}

/// Line ends counted over consecutive pieces of a file: LF, CRLF and a lone
/// CR each count once, also when a CRLF is split between pieces.
#[derive(Default)]
struct LineEnds {
    /// Line ends in the pieces added, but for a CR at the very end.
    ends: u64,
    /// The last byte added was a CR, not yet known to be lone.
    after_cr: bool,
}

impl LineEnds {
    fn add(&mut self, bytes: &[u8]) {
        let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
            return;
        };
        if self.after_cr && first != b'\n' {
            self.ends += 1;
        }
        // Each byte but the last is an LF, or a CR whose follower is not an
        // LF; the last byte's follower is in the next piece, if any.
        let followers = bytes.get(1..).unwrap_or(&[]);
        self.ends += count(bytes, followers, |a, _| a == b'\n')
            + count(bytes, followers, |a, b| (a == b'\r') & (b != b'\n'))
            + u64::from(last == b'\n');
        self.after_cr = last == b'\r';
    }

    /// Line ends before a byte `b` that follows what was added.
    fn before(&self, b: u8) -> u64 {
        self.ends + u64::from(self.after_cr && b != b'\n')
    }

    /// Line ends in everything added.
    fn total(&self) -> u64 {
        self.ends + u64::from(self.after_cr)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// Where each record after the header starts, with a read buffer of
    /// `capacity` bytes.
    fn offsets(data: &[u8], capacity: usize) -> Vec<u64> {
        let mut records = Records::new(data, capacity);
        let mut record = Record::new();
        let mut offsets = Vec::new();
        while let Some(at) = records.read(&mut record).unwrap() {
            offsets.push(at.byte);
        }
        offsets.into_iter().skip(1).collect()
    }

    /// The line each record of `data` begins on, from the reader's byte
    /// offsets, as [`Reader::locate`] finds it.
    fn located(data: &[u8]) -> Vec<u64> {
        lines_at(data, &offsets(data, 1 << 16)).unwrap()
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
            ("line end in a cell", b"h,x\n\"a\nA\",1\nb,2\n", &[2, 4]),
            ("CRLF in a cell", b"h,x\r\n\"a\r\nA\",1\r\nb,2\r\n", &[2, 4]),
            ("CR only", b"h,x\ra,1\rb,2\r", &[2, 3]),
            ("BOM", b"\xef\xbb\xbfh,x\r\na,1\r\nb,2\r\n", &[2, 3]),
            ("no final line end", b"h,x\na,1\nb,2", &[2, 3]),
        ];
        for (name, data, lines) in cases {
            assert_eq!(located(data), lines, "{name}");
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

    proptest::proptest! {
        #[test]
        fn counting_in_bulk_and_across_reads_agrees_with_counting_bytes(
            data in proptest::collection::vec(proptest::sample::select(vec![b'a', b',', b'\r', b'\n']), 0..120),
            offsets in proptest::collection::vec(0u64..130, 0..6),
            capacity in 1usize..9,
        ) {
            let source = std::io::BufReader::with_capacity(capacity, &data[..]);
            let found = lines_at(source, &offsets).unwrap();
            let expected: Vec<u64> = offsets.iter().map(|&o| naive(&data, o)).collect();
            proptest::prop_assert_eq!(found, expected);
        }
    }

    /// Which line end, or which first cell, a generated row has.
    const ENDS: [&[u8]; 3] = [b"\n", b"\r\n", b"\r"];

    proptest::proptest! {
        /// Rows written with any mix of line ends, blank lines and line
        /// ends inside quoted cells are located on the line where their
        /// first byte is, whatever the CSV reader's buffer size.
        #[test]
        fn generated_rows_are_located_where_they_were_written(
            rows in proptest::collection::vec(
                (0usize..3, proptest::bool::ANY, 0usize..2, proptest::collection::vec(0usize..3, 0..3)),
                1..8,
            ),
            last_end in proptest::bool::ANY,
            capacity in 1usize..40,
        ) {
            let mut data: Vec<u8> = b"h,x\n".to_vec();
            let mut starts = Vec::new();
            let count = rows.len();
            for (i, (end, quoted, inner, blanks)) in rows.into_iter().enumerate() {
                for b in blanks {
                    data.extend_from_slice(ENDS[b]);
                }
                starts.push(data.len());
                if quoted {
                    data.extend_from_slice(b"\"a");
                    data.extend_from_slice(ENDS[inner]);
                    data.extend_from_slice(b"b\",1");
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
            let offsets = offsets(&data, capacity);
            proptest::prop_assert_eq!(offsets.len(), expected.len());
            proptest::prop_assert_eq!(lines_at(&data[..], &offsets).unwrap(), expected);
        }
    }

    #[test]
    fn offsets_in_any_order_and_past_the_end() {
        let data = b"h\na\nb\n";
        assert_eq!(
            lines_at(&data[..], &[4, 0, 2, 99]).unwrap(),
            vec![3, 1, 2, 4]
        );
    }
}
