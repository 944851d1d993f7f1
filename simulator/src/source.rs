//! Where a reader's records come from: the one trait every population and
//! list file is read through, whatever its form, so that every command that
//! reads one (`simulate`, `compare`, `allocate`, `diff --population`,
//! `eval --csv`) reads CSV in any encoding, workbooks and Parquet alike, and
//! a population of several files (`dir/part-*.parquet`) as one.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::encoding::{Decoded, Encoding};
use crate::parquet::{is_parquet, Parquet};
use crate::records::{ReadError, Record, Records, RowPosition};
use crate::sheet::{is_workbook, Sheet};
use crate::spool::Spooled;

/// A source of records with their positions.
pub trait RecordSource {
    /// Reads the next record into `record`, with where it is
    /// ([`Record::at`]); `Ok(false)` at the end.
    fn read(&mut self, record: &mut Record) -> Result<bool, ReadError>;
    /// Where the next record starts.
    fn position(&self) -> RowPosition;
    /// Keeps the ends of at most `max_cells` cells of a record.
    fn keep_cells(&mut self, max_cells: usize);
    /// Bytes of the file read so far, for progress.
    fn bytes_read(&self) -> u64;
    /// Reads only the cells of the columns marked in `columns` (by their
    /// place in the header); the others may be read as empty. A columnar
    /// file then decodes only those; a column of a type no field reads is
    /// refused.
    fn read_only(&mut self, columns: &[bool]) -> Result<(), String>;
}

/// A population or list file: CSV text in an encoding, a sheet, a Parquet
/// file, or several files read as one; or the rest of a pipe, copied to a
/// temporary file ([`Spooled`]).
// The text variant is the common one, read on the hot path: kept inline.
#[allow(clippy::large_enum_variant)]
pub enum Source<R> {
    Text(Records<Decoded<R>>),
    Sheet(Box<Sheet>),
    Parquet(Box<Parquet>),
    Parts(Box<Parts>),
    Spooled(Box<Spooled>),
}

/// How to open a file: its encoding (text), its sheet (workbook), the
/// longest record, and the threads that may decode it (Parquet).
#[derive(Clone, Copy, Debug)]
pub struct Opening<'a> {
    pub encoding: Encoding,
    pub sheet: Option<&'a str>,
    pub limit: usize,
    pub threads: usize,
}

impl<R: Read> Source<R> {
    /// Reads `source`, the file named `name`: a workbook if the name ends
    /// in `.xlsx`, Parquet if it ends in `.parquet` (both read again from
    /// their path, since they are read by seeking), else CSV text.
    pub fn open(name: &str, source: R, how: Opening) -> Result<Source<R>, String> {
        if is_workbook(name) {
            return Sheet::open(Path::new(name), how.sheet, how.limit)
                .map(|s| Source::Sheet(Box::new(s)));
        }
        if let Some(sheet) = how.sheet {
            return Err(format!(
                "`--sheet {sheet}` reads a workbook, and this file is not one (its name does not end in `.xlsx`)"
            ));
        }
        if is_parquet(name) {
            return Parquet::open(Path::new(name), how.threads, how.limit)
                .map(|p| Source::Parquet(Box::new(p)));
        }
        Ok(Source::text(source, how))
    }

    /// CSV text.
    pub fn text(source: R, how: Opening) -> Source<R> {
        Source::Text(
            Records::new(Decoded::new(source, how.encoding), 1 << 16).with_limit(how.limit),
        )
    }
}

/// The most rows above a sheet's header (titles, a date) that are skipped.
pub const TITLE_ROWS: usize = 10;

impl<R: Read> Source<R> {
    /// Reads the header row into `header`. In CSV it is the first; a sheet
    /// often has a title above it, so there it is the first row, among the
    /// first [`TITLE_ROWS`] + 1, with a cell `names` holds (the columns the
    /// run reads), or else the first row.
    pub fn read_header(
        &mut self,
        header: &mut Record,
        names: &dyn Fn(&str) -> bool,
    ) -> Result<bool, ReadError> {
        let Source::Sheet(sheet) = self else {
            return self.read(header);
        };
        let mut first: Option<Record> = None;
        for _ in 0..=TITLE_ROWS {
            if !sheet.read(header)? {
                break;
            }
            let named = header
                .cells()
                .is_ok_and(|cells| cells.iter().any(|c| names(c.trim())));
            if named {
                sheet.restart_count(header.len());
                return Ok(true);
            }
            first.get_or_insert_with(|| header.clone());
        }
        Ok(match first {
            Some(row) => {
                *header = row;
                true
            }
            None => false,
        })
    }
}

impl<R: Read> RecordSource for Source<R> {
    fn read(&mut self, record: &mut Record) -> Result<bool, ReadError> {
        match self {
            Source::Text(r) => r.read(record),
            Source::Sheet(s) => s.read(record),
            Source::Parquet(p) => p.read(record),
            Source::Parts(p) => p.read(record),
            Source::Spooled(s) => s.read(record),
        }
    }

    fn position(&self) -> RowPosition {
        match self {
            Source::Text(r) => r.position(),
            Source::Sheet(s) => s.position(),
            Source::Parquet(p) => p.position(),
            Source::Parts(p) => p.position(),
            Source::Spooled(s) => s.position(),
        }
    }

    fn keep_cells(&mut self, max_cells: usize) {
        match self {
            Source::Text(r) => r.keep_cells(max_cells),
            Source::Sheet(s) => s.keep_cells(max_cells),
            // Every row has the header's cells.
            Source::Parquet(_) => {}
            Source::Parts(p) => {
                p.max_cells = max_cells;
                p.current.keep_cells(max_cells);
            }
            Source::Spooled(s) => s.keep_cells(max_cells),
        }
    }

    fn bytes_read(&self) -> u64 {
        match self {
            Source::Text(r) => r.source().bytes_read(),
            Source::Sheet(s) => s.bytes_read(),
            Source::Parquet(p) => p.bytes_read(),
            Source::Parts(p) => p.bytes_before.saturating_add(p.current.bytes_read()),
            Source::Spooled(s) => s.bytes_read(),
        }
    }

    fn read_only(&mut self, columns: &[bool]) -> Result<(), String> {
        match self {
            // A row's text is parsed cell by cell anyway.
            Source::Text(_) | Source::Sheet(_) => Ok(()),
            Source::Parquet(p) => p.read_only(columns),
            Source::Parts(p) => {
                p.read = Some(columns.to_vec());
                p.current.read_only(columns)
            }
            Source::Spooled(s) => s.read_only(columns),
        }
    }
}

/// A population of several files read as one, in the order given
/// (`--population 'dir/part-*.csv'`): each part's header must be the
/// first's. Rows are numbered on across the parts, and each position says
/// its part.
pub struct Parts {
    /// The parts, and what each is called in messages.
    paths: Vec<PathBuf>,
    names: Vec<String>,
    /// The part being read, from 0.
    index: usize,
    current: Source<std::fs::File>,
    /// The first part's header, once read.
    header: Option<Vec<String>>,
    /// Data rows of the part being read so far, and of the parts before.
    rows: u64,
    rows_before: u64,
    bytes_before: u64,
    encoding: Encoding,
    limit: usize,
    threads: usize,
    max_cells: usize,
    /// The columns read ([`RecordSource::read_only`]), once told.
    read: Option<Vec<bool>>,
}

impl<R: Read> Source<R> {
    /// Reads the files `paths` as one population, in that order.
    pub fn parts(paths: &[PathBuf], how: Opening) -> Result<Source<R>, String> {
        if let Some(sheet) = how.sheet {
            return Err(format!(
                "`--sheet {sheet}`: a population of several files is read from CSV or Parquet files, not workbooks"
            ));
        }
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        if let Some(book) = names.iter().find(|n| is_workbook(n)) {
            return Err(format!(
                "`{book}`: a population of several files is read from CSV or Parquet files, not workbooks"
            ));
        }
        let Some(first) = paths.first() else {
            return Err("no file to read".to_string());
        };
        let current = open_part(first, how)?;
        Ok(Source::Parts(Box::new(Parts {
            paths: paths.to_vec(),
            names,
            index: 0,
            current,
            header: None,
            rows: 0,
            rows_before: 0,
            bytes_before: 0,
            encoding: how.encoding,
            limit: how.limit,
            threads: how.threads,
            max_cells: usize::MAX,
            read: None,
        })))
    }

    /// The names of the files read, when there are several (empty for one).
    pub fn part_names(&self) -> &[String] {
        match self {
            Source::Parts(p) => &p.names,
            Source::Text(_) | Source::Sheet(_) | Source::Parquet(_) | Source::Spooled(_) => &[],
        }
    }
}

/// Opens one part of a population of several files.
fn open_part(path: &Path, how: Opening) -> Result<Source<std::fs::File>, String> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{name}`: {e}"))?;
    Source::open(&name, file, how).map_err(|e| format!("`{name}`: {e}"))
}

impl Parts {
    fn position(&self) -> RowPosition {
        self.placed(self.current.position())
    }

    /// A position in the part being read, as a position in all of them.
    fn placed(&self, at: RowPosition) -> RowPosition {
        RowPosition {
            record: at.record.saturating_add(self.rows_before),
            part: u32::try_from(self.index).unwrap_or(u32::MAX),
            ..at
        }
    }

    fn read(&mut self, record: &mut Record) -> Result<bool, ReadError> {
        if self.header.is_none() {
            let read = self.current.read(record)?;
            let cells = record.cells().map_or_else(
                |_| Vec::new(),
                |c| c.iter().map(|c| c.to_string()).collect(),
            );
            self.header = Some(cells);
            record.set_at(self.placed(*record.at()));
            return Ok(read);
        }
        loop {
            if self.current.read(record)? {
                self.rows += 1;
                record.set_at(self.placed(*record.at()));
                return Ok(true);
            }
            if self.index + 1 >= self.paths.len() {
                return Ok(false);
            }
            self.next_part(record)?;
        }
    }

    /// Opens the next part and reads its header, which must be the first's.
    fn next_part(&mut self, record: &mut Record) -> Result<(), ReadError> {
        self.rows_before = self.rows_before.saturating_add(self.rows);
        self.rows = 0;
        self.bytes_before = self.bytes_before.saturating_add(self.current.bytes_read());
        self.index += 1;
        let (Some(path), Some(name)) = (self.paths.get(self.index), self.names.get(self.index))
        else {
            return Ok(());
        };
        let how = Opening {
            encoding: self.encoding,
            sheet: None,
            limit: self.limit,
            threads: self.threads,
        };
        let part = |message: String| ReadError::Part {
            file: name.clone(),
            message,
        };
        self.current = open_part(path, how).map_err(part)?;
        if !self.current.read(record)? {
            return Err(part(
                "the file is empty: each part of a population starts with the header".to_string(),
            ));
        }
        let header = record.cells().unwrap_or_default();
        let first = self.header.as_deref().unwrap_or_default();
        if header != first {
            let first_name = self.names.first().map_or("", String::as_str);
            return Err(part(format!(
                "the header differs from the first part's (`{first_name}`): {}; the parts of a population have the same columns",
                difference(&header, first)
            )));
        }
        self.current.keep_cells(self.max_cells);
        if let Some(read) = &self.read {
            self.current.read_only(read).map_err(part)?;
        }
        Ok(())
    }
}

/// Where a part's header differs from the first's.
fn difference(header: &[&str], first: &[String]) -> String {
    match header.iter().zip(first).position(|(a, b)| a != b) {
        Some(i) => format!(
            "its column {} is `{}`, the first's `{}`",
            i + 1,
            header.get(i).copied().unwrap_or_default(),
            first.get(i).map_or("", String::as_str)
        ),
        None => format!("it has {} columns, the first {}", header.len(), first.len()),
    }
}
