//! List files: the items of a list field (`members list of Member`), one
//! row per item, beside a population. A list file has a column holding the
//! applicant's identifier (named like the scheme's identifier field) and a
//! column per field of the record; `--map LIST.FIELD=COLUMN` reads other
//! names.
//!
//! Two ways to join, both using every row or reporting it:
//! - [`Streams`] (the default) reads each list file as the population is
//!   read, in step: a list file in the population's order (both sorted by
//!   identifier, or both exported in one order) streams in constant memory.
//!   A row whose identifier sorts before the applicant being read belongs to
//!   nobody (a bad row); a row left over at the end means the orders differ,
//!   which stops the run, since applicants before it may have missed items.
//! - [`Lists`] (`--lists-in-memory`) reads each list file whole before the
//!   run and keeps its items by identifier: any order, at a memory cost that
//!   grows with the list file (docs/simulate.md gives it per item). A row
//!   whose identifier no applicant has is a bad row, found at the end.

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bursar_runtime::ir::{FieldId, Scheme, Type, Value};
use bursar_runtime::{parse_cell, Applicant, Problem};

use crate::population::{ReadAs, RowError};
use crate::records::{ReadError, Record, RowPosition};
use crate::source::{Opening, RecordSource, Source};
use crate::spelling::{ColumnSpellings, Unread};

/// How to read the rows of one list file: which column holds the
/// identifier and which hold the item's fields.
#[derive(Clone, Debug)]
pub struct ListLayout {
    /// The applicant's list field it fills.
    pub field: FieldId,
    pub name: String,
    pub file: String,
    headers: Vec<String>,
    key: usize,
    /// Per field of the item: its column, type, and whether it may be
    /// empty (an optional field).
    columns: Vec<(usize, Type, bool)>,
    /// Per item field: the spellings its cells may have
    /// (`crate::spelling`), looked up for a cell the parser refuses.
    spellings: Vec<Option<Arc<ColumnSpellings>>>,
}

impl ListLayout {
    /// The identifier cell of a row (empty if the row has none).
    pub fn key<'r>(&self, row: &'r Record) -> &'r [u8] {
        row.cell(self.key).unwrap_or_default()
    }

    /// The item a row holds, every cell checked.
    pub fn item(
        &self,
        scheme: &Scheme,
        row: &Record,
        at: RowPosition,
    ) -> Result<Vec<Option<Value>>, RowError> {
        let bad = |column: Option<usize>, value: Option<&str>, message: String| RowError {
            file: self.file.clone(),
            line: at.line,
            group: at.group,
            column: column.and_then(|c| self.headers.get(c)).cloned(),
            value: value.map(str::to_string),
            message,
            fatal: false,
        };
        if row.broken().is_some() || row.len() != self.headers.len() {
            return Err(bad(
                None,
                None,
                format!(
                    "the row has {} fields but the header has {}",
                    row.len(),
                    self.headers.len()
                ),
            ));
        }
        let mut item = Vec::with_capacity(self.columns.len());
        for (i, &(c, ty, optional)) in self.columns.iter().enumerate() {
            let cell = std::str::from_utf8(row.cell(c).unwrap_or_default())
                .map_err(|_| bad(Some(c), None, "the cell is not valid UTF-8".into()))?;
            if cell.is_empty() {
                if optional {
                    item.push(None);
                    continue;
                }
                return Err(bad(Some(c), None, "a required value is empty".into()));
            }
            let spellings = self.spellings.get(i).and_then(Option::as_ref);
            if let Some(Unread::Ambiguous(message)) = spellings.and_then(|s| s.ambiguity(cell)) {
                return Err(bad(Some(c), Some(cell), message));
            }
            match parse_cell(scheme, ty, cell) {
                Ok(v) => item.push(Some(v)),
                Err(Problem::Invalid { expected, .. }) => match spellings.map(|s| s.read(cell)) {
                    Some(Ok(v)) => item.push(Some(v)),
                    Some(Err(Unread::Ambiguous(message))) => {
                        return Err(bad(Some(c), Some(cell), message))
                    }
                    Some(Err(Unread::NoSpelling)) | None => {
                        return Err(bad(Some(c), Some(cell), format!("expected {expected}")))
                    }
                },
                Err(other) => return Err(bad(Some(c), Some(cell), format!("{other:?}"))),
            }
        }
        Ok(item)
    }
}

/// Opens list file `file` for list field `name` of `scheme`: reads its
/// header and maps its columns. `map` may rename columns: `name.field` →
/// column, and `name.<identifier>` for the identifier column.
fn open<R: Read>(
    scheme: &Scheme,
    name: &str,
    file: &str,
    source: R,
    how: &ReadAs,
) -> Result<(ListLayout, Source<R>), RowError> {
    let map = &how.columns;
    let header_error = |message: String| RowError::in_header(file, message);
    let Some((field, record)) = scheme
        .applicant
        .iter()
        .enumerate()
        .find_map(|(i, f)| match f.ty {
            Type::List(r) if f.name == name => {
                scheme.records.get(r as usize).map(|r| (i as FieldId, r))
            }
            Type::Bool
            | Type::Int
            | Type::Money
            | Type::Date
            | Type::DateTime
            | Type::Text
            | Type::Duration
            | Type::Enum(_)
            | Type::Decimal
            | Type::Unrounded
            | Type::List(_) => None,
        })
    else {
        let lists: Vec<&str> = scheme
            .applicant
            .iter()
            .filter(|f| matches!(f.ty, Type::List(_)))
            .map(|f| f.name.as_str())
            .collect();
        return Err(header_error(format!(
            "`--list {name}=…`: the applicant has no list `{name}` (lists: {})",
            if lists.is_empty() {
                "none".to_string()
            } else {
                lists.join(", ")
            }
        )));
    };
    let Some(id_name) = scheme
        .application
        .as_ref()
        .and_then(|a| a.identifier)
        .and_then(|i| scheme.applicant.get(i as usize))
        .map(|f| f.name.clone())
    else {
        return Err(header_error(
            "a list file is joined to the population by identifier, and the scheme names none: add `identifier FIELD` to its `application` block".to_string(),
        ));
    };
    // A list workbook is read from its first sheet: `--sheet` names the
    // population's.
    let opening = Opening {
        sheet: None,
        ..how.opening()
    };
    let mut records = Source::open(file, source, opening).map_err(header_error)?;
    let mut row = Record::new();
    let wanted: Vec<String> = std::iter::once(&id_name)
        .chain(record.fields.iter().map(|f| &f.name))
        .map(|f| {
            map.get(&format!("{name}.{f}"))
                .cloned()
                .unwrap_or_else(|| f.clone())
        })
        .collect();
    match records.read_header(&mut row, &|cell| wanted.iter().any(|w| w == cell)) {
        Ok(true) => {}
        Ok(false) => {
            return Err(header_error(
                "the file is empty: a list file starts with a header row".into(),
            ))
        }
        Err(e) => return Err(read_error(file, 1, e)),
    }
    let headers: Vec<String> = row
        .cells()
        .map_err(|_| header_error("the header row is not valid UTF-8".into()))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let column = |wanted: &str| -> Result<usize, RowError> {
        let col = map
            .get(&format!("{name}.{wanted}"))
            .map_or(wanted, String::as_str);
        headers.iter().position(|h| h == col).ok_or_else(|| {
            header_error(format!(
                "the header has no column `{col}`; map another with `--map {name}.{wanted}=COLUMN`"
            ))
        })
    };
    let key = column(&id_name)?;
    let columns: Vec<(usize, Type, bool)> = record
        .fields
        .iter()
        .map(|f| column(&f.name).map(|c| (c, f.ty, f.optional)))
        .collect::<Result<_, _>>()?;
    let spellings = record
        .fields
        .iter()
        .map(|f| {
            how.spellings
                .column(scheme, &format!("{name}.{}", f.name), f.ty)
        })
        .collect();
    records.keep_cells(headers.len() + 1);
    Ok((
        ListLayout {
            field,
            name: name.to_string(),
            file: file.to_string(),
            headers,
            key,
            columns,
            spellings,
        },
        records,
    ))
}

fn read_error(file: &str, line: u64, e: ReadError) -> RowError {
    let (line, message) = match e {
        // Bytes not of the file's encoding (`crate::encoding`).
        ReadError::Io(e) if e.kind() == std::io::ErrorKind::InvalidData => (line, e.to_string()),
        ReadError::Io(e) => (line, format!("cannot read the file: {e}")),
        ReadError::TooLong { line, limit } => {
            (line, format!("the row is longer than {limit} bytes"))
        }
        ReadError::Part { file, message } => (line, format!("`{file}`: {message}")),
    };
    RowError {
        file: file.to_string(),
        line: line.max(1),
        group: None,
        column: None,
        value: None,
        message,
        fatal: true,
    }
}

/// The list files of a run read in step with the population.
pub struct Streams<R> {
    streams: Vec<Stream<R>>,
    /// The last population identifier, and whether they have ascended so far.
    last_id: Vec<u8>,
    ids_ascend: bool,
    /// Rows that belong to nobody, found on the way.
    strays: Vec<RowError>,
}

struct Stream<R> {
    layout: ListLayout,
    records: Source<R>,
    /// The next row, read ahead.
    ahead: Option<(Record, RowPosition)>,
    /// Whether the identifiers have ascended so far.
    ascend: bool,
    last: Vec<u8>,
}

/// The rows of one applicant's items, as read (parsed by the worker).
/// Its buffers are reused from applicant to applicant: reading lists in
/// step allocates nothing once they are large enough.
#[derive(Clone, Debug, Default)]
pub struct ItemRows {
    /// Per list file: its rows, of which the first `len` are this applicant's.
    lists: Vec<RowsOf>,
}

#[derive(Clone, Debug, Default)]
struct RowsOf {
    rows: Vec<(Record, RowPosition)>,
    len: usize,
}

impl RowsOf {
    fn push(&mut self, row: &Record, at: RowPosition) {
        match self.rows.get_mut(self.len) {
            Some((r, a)) => {
                r.copy_from(row);
                *a = at;
            }
            None => self.rows.push((row.clone(), at)),
        }
        self.len += 1;
    }

    fn rows(&self) -> &[(Record, RowPosition)] {
        self.rows.get(..self.len).unwrap_or_default()
    }
}

impl<R: Read> Streams<R> {
    pub fn new() -> Self {
        Streams {
            streams: Vec::new(),
            last_id: Vec::new(),
            ids_ascend: true,
            strays: Vec::new(),
        }
    }

    /// Adds list file `file` for list `name` (its columns are read as
    /// [`Lists::read`] reads them).
    pub fn add(
        &mut self,
        scheme: &Scheme,
        name: &str,
        file: &str,
        source: R,
        how: &ReadAs,
    ) -> Result<(), RowError> {
        let (layout, records) = open(scheme, name, file, source, how)?;
        let mut stream = Stream {
            layout,
            records,
            ahead: None,
            ascend: true,
            last: Vec::new(),
        };
        stream.advance()?;
        self.streams.push(stream);
        Ok(())
    }

    pub fn layouts(&self) -> Vec<ListLayout> {
        self.streams.iter().map(|s| s.layout.clone()).collect()
    }

    /// Takes the rows of applicant `id` from every list file into `out`
    /// (reusing its buffers). Rows before it that belong to nobody (their
    /// identifier sorts before `id`, while both files ascend) are strays.
    pub fn take(&mut self, id: Option<&[u8]>, out: &mut ItemRows) -> Result<(), RowError> {
        out.lists.resize_with(self.streams.len(), RowsOf::default);
        out.lists.iter_mut().for_each(|l| l.len = 0);
        let Some(id) = id else {
            return Ok(());
        };
        if self.ids_ascend && !self.last_id.is_empty() && id < self.last_id.as_slice() {
            self.ids_ascend = false;
        }
        self.last_id.clear();
        self.last_id.extend_from_slice(id);
        for (stream, rows) in self.streams.iter_mut().zip(out.lists.iter_mut()) {
            while let Some((row, at)) = &stream.ahead {
                let key = stream.layout.key(row);
                if key == id {
                    rows.push(row, *at);
                } else if self.ids_ascend && stream.ascend && key < id {
                    if self.strays.len() < 20 {
                        self.strays.push(stray(&stream.layout, key, *at));
                    }
                } else {
                    break;
                }
                stream.advance()?;
            }
        }
        Ok(())
    }

    /// After the population: rows left over mean the orders differ (or they
    /// belong to nobody); the first one stops the run.
    pub fn finish(&mut self) -> Result<Vec<RowError>, RowError> {
        for stream in &self.streams {
            if let Some((row, at)) = &stream.ahead {
                let key = String::from_utf8_lossy(stream.layout.key(row)).into_owned();
                return Err(RowError {
                    file: stream.layout.file.clone(),
                    line: at.line,
                    group: at.group,
                    column: None,
                    value: Some(key),
                    message: "this row was not read with its applicant: the list file is not in the population's order, or no applicant has this identifier. Sort both files by identifier, or read the list whole with `--lists-in-memory`".to_string(),
                    fatal: true,
                });
            }
        }
        Ok(std::mem::take(&mut self.strays))
    }
}

impl<R: Read> Default for Streams<R> {
    fn default() -> Self {
        Streams::new()
    }
}

fn stray(layout: &ListLayout, key: &[u8], at: RowPosition) -> RowError {
    RowError {
        file: layout.file.clone(),
        line: at.line,
        group: at.group,
        column: None,
        value: Some(String::from_utf8_lossy(key).into_owned()),
        message: format!(
            "no applicant of the population has this identifier: these `{}` items belong to nobody",
            layout.name
        ),
        fatal: false,
    }
}

impl<R: Read> Stream<R> {
    fn advance(&mut self) -> Result<(), RowError> {
        let (mut row, _) = self.ahead.take().unwrap_or_default();
        match self.records.read(&mut row) {
            Ok(true) => {
                let at = *row.at();
                let key = self.layout.key(&row);
                if key < self.last.as_slice() {
                    self.ascend = false;
                }
                self.last.clear();
                self.last.extend_from_slice(key);
                self.ahead = Some((row, at));
                Ok(())
            }
            Ok(false) => Ok(()),
            // Where reading stopped: on the line it could not read, past
            // any blank lines before it (as a population's,
            // `Reader::next_record`).
            Err(e) => Err(read_error(
                &self.layout.file,
                self.records.position().line,
                e,
            )),
        }
    }
}

/// Fills the list fields of `applicant` from its item rows; the first bad
/// item row is returned.
pub fn attach_rows(
    scheme: &Scheme,
    layouts: &[ListLayout],
    rows: &ItemRows,
    applicant: &mut Applicant,
) -> Result<(), RowError> {
    for (i, layout) in layouts.iter().enumerate() {
        // The list the applicant held for the previous row is refilled in
        // place: its buffers are reused.
        // (Unshared, as it is once the previous row's decision is done
        // with it; a list still shared is left to its holders.)
        let mut items = match applicant
            .values_mut()
            .get_mut(layout.field as usize)
            .and_then(Option::take)
        {
            Some(Value::List(items)) => {
                std::sync::Arc::try_unwrap(items).unwrap_or_else(|shared| (*shared).clone())
            }
            _ => Vec::new(),
        };
        let rows = rows.lists.get(i).map_or(&[][..], RowsOf::rows);
        items.truncate(rows.len());
        for (k, (row, at)) in rows.iter().enumerate() {
            let item = layout.item(scheme, row, *at)?;
            match items.get_mut(k) {
                Some(slot) => *slot = item,
                None => items.push(item),
            }
        }
        applicant.set(layout.field, Some(Value::List(items.into())));
    }
    Ok(())
}

/// Every list file of a run read whole (`--lists-in-memory`), by list field.
#[derive(Debug, Default)]
pub struct Lists {
    files: Vec<ListFile>,
}

/// One list file, read.
#[derive(Debug)]
struct ListFile {
    /// The applicant's list field it fills.
    field: FieldId,
    name: String,
    file: String,
    /// Items by the identifier they belong to.
    by_id: HashMap<Box<[u8]>, Items>,
}

/// The items of one applicant, and whether a population row claimed them.
#[derive(Debug)]
struct Items {
    items: std::sync::Arc<Vec<Vec<Option<Value>>>>,
    /// The line of the first of them, for a message.
    line: u64,
    used: AtomicBool,
}

impl Lists {
    /// The list fields of `scheme` that `given` does not fill.
    pub fn missing<'s>(scheme: &'s Scheme, given: &[(String, String)]) -> Vec<&'s str> {
        scheme
            .applicant
            .iter()
            .filter(|f| matches!(f.ty, Type::List(_)))
            .filter(|f| !given.iter().any(|(name, _)| *name == f.name))
            .map(|f| f.name.as_str())
            .collect()
    }

    /// Reads list file `file` for list field `name` of `scheme` whole
    /// (columns: the identifier, named like the scheme's identifier field,
    /// and the record's fields; `--map LIST.FIELD=COLUMN` renames).
    pub fn read<R: Read>(
        &mut self,
        scheme: &Scheme,
        name: &str,
        file: &str,
        source: R,
        how: &ReadAs,
    ) -> Result<(), RowError> {
        let (layout, mut records) = open(scheme, name, file, source, how)?;
        let mut row = Record::new();
        let mut by_id: HashMap<Box<[u8]>, Items> = HashMap::new();
        loop {
            if !records
                .read(&mut row)
                .map_err(|e| read_error(file, records.position().line, e))?
            {
                break;
            }
            let at = *row.at();
            let item = layout.item(scheme, &row, at)?;
            let key = layout.key(&row);
            if key.is_empty() {
                return Err(RowError {
                    file: file.to_string(),
                    line: at.line,
                    group: at.group,
                    column: None,
                    value: None,
                    message: "the identifier is empty".into(),
                    fatal: false,
                });
            }
            let entry = by_id.entry(key.into()).or_insert_with(|| Items {
                items: std::sync::Arc::default(),
                line: at.line,
                used: AtomicBool::new(false),
            });
            std::sync::Arc::make_mut(&mut entry.items).push(item);
        }
        self.files.push(ListFile {
            field: layout.field,
            name: name.to_string(),
            file: file.to_string(),
            by_id,
        });
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Fills every list field of `applicant` with the items of identifier
    /// `id` (none if the file has none for it).
    pub fn attach(&self, id: Option<&[u8]>, applicant: &mut Applicant) {
        for f in &self.files {
            let items = id.and_then(|id| f.by_id.get(id));
            let value = match items {
                Some(items) => {
                    items.used.store(true, Ordering::Relaxed);
                    items.items.clone()
                }
                None => std::sync::Arc::default(),
            };
            applicant.set(f.field, Some(Value::List(value)));
        }
    }

    /// The rows whose identifier no population row had, in file order
    /// (one per identifier).
    pub fn unclaimed(&self) -> Vec<RowError> {
        let mut out: Vec<RowError> = Vec::new();
        for f in &self.files {
            let mut lines: Vec<(u64, &[u8])> = f
                .by_id
                .iter()
                .filter(|(_, items)| !items.used.load(Ordering::Relaxed))
                .map(|(id, items)| (items.line, &**id))
                .collect();
            lines.sort_unstable();
            out.extend(lines.into_iter().map(|(line, id)| RowError {
                file: f.file.clone(),
                line,
                group: None,
                column: None,
                value: Some(String::from_utf8_lossy(id).into_owned()),
                message: format!(
                    "no applicant of the population has this identifier: these `{}` items belong to nobody",
                    f.name
                ),
                fatal: false,
            }));
        }
        out
    }
}
