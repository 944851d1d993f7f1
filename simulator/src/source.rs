//! Where a reader's records come from: the one trait every population and
//! list file is read through, whatever its form, so that every command that
//! reads one (`simulate`, `compare`, `allocate`, `diff --population`,
//! `eval --csv`) reads CSV in any encoding and workbooks alike.

use std::io::Read;
use std::path::Path;

use crate::encoding::{Decoded, Encoding};
use crate::records::{ReadError, Record, Records, RowPosition};
use crate::sheet::{is_workbook, Sheet};

/// A source of records with their positions.
pub trait RecordSource {
    /// Reads the next record into `record`; `Ok(None)` at the end.
    fn read(&mut self, record: &mut Record) -> Result<Option<RowPosition>, ReadError>;
    /// Where the next record starts.
    fn position(&self) -> RowPosition;
    /// Keeps the ends of at most `max_cells` cells of a record.
    fn keep_cells(&mut self, max_cells: usize);
    /// Bytes of the file read so far, for progress.
    fn bytes_read(&self) -> u64;
}

/// A population or list file: CSV text in an encoding, or a sheet.
// The text variant is the common one, read on the hot path: kept inline.
#[allow(clippy::large_enum_variant)]
pub enum Source<R> {
    Text(Records<Decoded<R>>),
    Sheet(Box<Sheet>),
}

/// How to open a file: its encoding (text), its sheet (workbook), and the
/// longest record.
#[derive(Clone, Copy, Debug)]
pub struct Opening<'a> {
    pub encoding: Encoding,
    pub sheet: Option<&'a str>,
    pub limit: usize,
}

impl<R: Read> Source<R> {
    /// Reads `source`, the file named `name`: a workbook (read again from
    /// its path, since a workbook is read by seeking) if the name ends in
    /// `.xlsx`, else CSV text.
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
    ) -> Result<Option<RowPosition>, ReadError> {
        let Source::Sheet(sheet) = self else {
            return self.read(header);
        };
        let mut first: Option<(Record, RowPosition)> = None;
        for _ in 0..=TITLE_ROWS {
            let Some(at) = sheet.read(header)? else {
                break;
            };
            let named = header
                .cells()
                .is_ok_and(|cells| cells.iter().any(|c| names(c.trim())));
            if named {
                sheet.restart_count(header.len());
                return Ok(Some(at));
            }
            first.get_or_insert_with(|| (header.clone(), at));
        }
        Ok(first.map(|(row, at)| {
            *header = row;
            at
        }))
    }
}

impl<R: Read> RecordSource for Source<R> {
    fn read(&mut self, record: &mut Record) -> Result<Option<RowPosition>, ReadError> {
        match self {
            Source::Text(r) => r.read(record),
            Source::Sheet(s) => s.read(record),
        }
    }

    fn position(&self) -> RowPosition {
        match self {
            Source::Text(r) => r.position(),
            Source::Sheet(s) => s.position(),
        }
    }

    fn keep_cells(&mut self, max_cells: usize) {
        match self {
            Source::Text(r) => r.keep_cells(max_cells),
            Source::Sheet(s) => s.keep_cells(max_cells),
        }
    }

    fn bytes_read(&self) -> u64 {
        match self {
            Source::Text(r) => r.source().bytes_read(),
            Source::Sheet(s) => s.bytes_read(),
        }
    }
}
