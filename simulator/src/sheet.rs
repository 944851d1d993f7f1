//! A workbook's sheet as records: a population or list file ending in
//! `.xlsx`, read with calamine from its first sheet or a named one.
//!
//! The sheet is read as it is decompressed, on a thread of its own that
//! hands rows on through a bounded channel, so memory holds the workbook's
//! shared strings and a few hundred rows, whatever the sheet's length. Each
//! cell becomes the text the data contract reads, so one parser (with the
//! register's spellings, `crate::spelling`) reads CSV and sheets alike:
//!
//! - a number: its shortest exact decimal (`1234.5`, `3`), so a money cell
//!   of 1234.5 is 123,450 fen and one of 1234.555 is refused as not a whole
//!   number of fen, never rounded;
//! - a date cell: `2023-04-10`, or with its time of day (`2023-04-10T09:30:00`,
//!   which a date column refuses);
//! - a boolean: `true` or `false`; an error cell: its code (`#N/A`), which no
//!   typed column reads.
//!
//! A row keeps its sheet row number as its line, so a message names the row
//! Excel shows. Empty rows are skipped as blank lines are; cells after a
//! row's last value are not cells (Excel keeps formatting there), and a row
//! shorter than the header has empty cells to its end.

use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};

use calamine::{DataRef, Reader as _, Xlsx};

use crate::records::{ReadError, Record, RowPosition};

/// Rows waiting to be read.
const AHEAD: usize = 256;

/// One sheet row: its 0-based number and its cells as text.
type Row = (u32, Vec<String>);

/// A sheet, read row by row.
pub struct Sheet {
    rows: Receiver<Result<Row, String>>,
    /// The rows the sheet spans, and the file's size: progress is told in
    /// bytes, as for a CSV file, in proportion to the rows read.
    span: u32,
    size: u64,
    /// The header's width, once read; shorter rows are padded to it.
    width: Option<usize>,
    max_cells: usize,
    limit: usize,
    records: u64,
    /// The sheet row after the last one read (0-based).
    next: u32,
}

/// Whether a file is read as a workbook: its name ends in `.xlsx`.
pub fn is_workbook(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".xlsx")
}

impl Sheet {
    /// Opens `path`'s sheet `name`, or its first. Refuses a file that is
    /// not a workbook, and a sheet it does not have, naming those it has.
    pub fn open(path: &Path, name: Option<&str>, limit: usize) -> Result<Sheet, String> {
        let mut book: Xlsx<_> =
            calamine::open_workbook(path).map_err(|e| format!("cannot read the workbook: {e}"))?;
        let names = book.sheet_names();
        let sheet = match name {
            Some(n) if names.iter().any(|s| s == n) => n.to_string(),
            Some(n) => {
                let known: Vec<String> = names.iter().map(|s| format!("`{s}`")).collect();
                return Err(format!(
                    "the workbook has no sheet `{n}` (sheets: {})",
                    known.join(", ")
                ));
            }
            None => names
                .first()
                .cloned()
                .ok_or_else(|| "the workbook has no sheet".to_string())?,
        };
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        let (send, rows) = sync_channel(AHEAD);
        let (ready_send, ready) = sync_channel(1);
        std::thread::spawn(move || {
            let mut cells = match book.worksheet_cells_reader(&sheet) {
                Ok(cells) => cells,
                Err(e) => {
                    let _ = ready_send.send(Err(format!("cannot read sheet `{sheet}`: {e}")));
                    return;
                }
            };
            let _ = ready_send.send(Ok(cells.dimensions().end.0.saturating_add(1)));
            let mut row: Option<Row> = None;
            loop {
                let cell = match cells.next_cell() {
                    Ok(Some(cell)) => cell,
                    Ok(None) => break,
                    Err(e) => {
                        let _ = send.send(Err(format!("cannot read sheet `{sheet}`: {e}")));
                        return;
                    }
                };
                let (r, c) = cell.get_position();
                if row.as_ref().is_some_and(|(at, _)| *at != r) {
                    if let Some(done) = row.take() {
                        if send.send(Ok(done)).is_err() {
                            return;
                        }
                    }
                }
                let text = text(cell.get_value());
                let (_, cells) = row.get_or_insert_with(|| (r, Vec::new()));
                if text.is_empty() {
                    continue;
                }
                let c = c as usize;
                // Cells come in order; a gap is empty cells.
                while cells.len() < c {
                    cells.push(String::new());
                }
                cells.push(text);
            }
            if let Some(done) = row {
                let _ = send.send(Ok(done));
            }
        });
        let span = ready
            .recv()
            .map_err(|_| "cannot read the workbook".to_string())??;
        Ok(Sheet {
            rows,
            span,
            size,
            width: None,
            max_cells: usize::MAX,
            limit,
            records: 0,
            next: 0,
        })
    }

    /// Counts the last row read as the header (record 0), the rows above
    /// it being titles; rows are padded to its `width`.
    pub fn restart_count(&mut self, width: usize) {
        self.records = 1;
        self.width = Some(width);
    }

    /// See [`crate::records::Records::keep_cells`].
    pub fn keep_cells(&mut self, max_cells: usize) {
        self.max_cells = max_cells.max(1);
    }

    /// Where the next record starts.
    pub fn position(&self) -> RowPosition {
        RowPosition {
            line: u64::from(self.next) + 1,
            byte: 0,
            record: self.records,
            ..RowPosition::default()
        }
    }

    /// The file's bytes in proportion to the rows read.
    pub fn bytes_read(&self) -> u64 {
        let share = u128::from(self.next.min(self.span)) * u128::from(self.size);
        u64::try_from(share / u128::from(self.span.max(1))).unwrap_or(self.size)
    }

    /// Reads the next non-empty row into `record`; `Ok(false)` at the end.
    pub fn read(&mut self, record: &mut Record) -> Result<bool, ReadError> {
        loop {
            let (number, mut cells) = match self.rows.recv() {
                Ok(Ok(row)) => row,
                Ok(Err(e)) => return Err(ReadError::Io(std::io::Error::other(e))),
                Err(_) => return Ok(false),
            };
            self.next = number.saturating_add(1);
            if cells.is_empty() {
                continue;
            }
            let at = RowPosition {
                line: u64::from(number) + 1,
                byte: 0,
                record: self.records,
                ..RowPosition::default()
            };
            self.records += 1;
            let width = *self.width.get_or_insert(cells.len());
            while cells.len() < width {
                cells.push(String::new());
            }
            let len: usize = cells.iter().map(String::len).sum();
            if len > self.limit {
                return Err(ReadError::TooLong {
                    line: at.line,
                    limit: self.limit,
                });
            }
            record.set_cells(&cells, self.max_cells);
            record.set_at(at);
            return Ok(true);
        }
    }
}

/// A cell as the data contract's text (see the module's documentation).
fn text(value: &DataRef) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(i) => i.to_string(),
        // Rust writes the shortest decimal that reads back as the same
        // number, and never in exponent form.
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => match d.as_datetime() {
            Some(t) if d.is_datetime() => {
                if t.time() == chrono::NaiveTime::MIN {
                    t.format("%Y-%m-%d").to_string()
                } else if t.and_utc().timestamp_subsec_nanos() == 0 {
                    t.format("%Y-%m-%dT%H:%M:%S").to_string()
                } else {
                    t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
                }
            }
            // A duration, or a date Excel cannot show: the number stored.
            Some(_) | None => d.as_f64().to_string(),
        },
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_exactly_and_never_in_exponent_form() {
        assert_eq!(text(&DataRef::Float(1234.5)), "1234.5");
        assert_eq!(text(&DataRef::Float(3.0)), "3");
        assert_eq!(text(&DataRef::Float(0.1 + 0.2)), "0.30000000000000004");
        assert_eq!(text(&DataRef::Float(1e21)), "1000000000000000000000");
        assert_eq!(text(&DataRef::Bool(true)), "true");
    }
}
