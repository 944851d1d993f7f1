//! `--persons FILE`: opening the file a run writes one row per person
//! into, as CSV (with a byte-order mark) or, for a `.xlsx` name, a
//! spreadsheet.

use std::path::{Path, PathBuf};

use bursar_runtime::ir::Scheme;
use bursar_simulator::persons::{Cell, ComparedOut, CsvSink, PersonsOut, Sink};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use crate::Exit;

/// The sink for `path`: CSV, or xlsx when its name ends in `.xlsx`.
pub(crate) fn sink(path: &Path) -> Result<Box<dyn Sink>, Exit> {
    let fail = |e: std::io::Error| {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        Exit::Io
    };
    if is_xlsx(path) {
        // Created now, so that a path that cannot be written is said
        // before the run rather than after it.
        std::fs::File::create(path).map_err(fail)?;
        return Ok(Box::new(XlsxSink::new(path, ROWS_PER_SHEET)));
    }
    let file = std::fs::File::create(path).map_err(fail)?;
    let out = std::io::BufWriter::with_capacity(1 << 16, file);
    Ok(Box::new(CsvSink::new(out, true).map_err(fail)?))
}

/// Whether a file is to be written as a spreadsheet.
pub(crate) fn is_xlsx(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

/// The writer of `scheme`'s person rows into `path`, its header written.
pub(crate) fn open(scheme: &Scheme, path: &Path) -> Result<PersonsOut, Exit> {
    PersonsOut::new(scheme, sink(path)?).map_err(|e| {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        Exit::Io
    })
}

/// The writer of two schemes' rows, side by side, into `path`.
pub(crate) fn open_compared(base: &Scheme, path: &Path) -> Result<ComparedOut, Exit> {
    ComparedOut::new(base, sink(path)?).map_err(|e| {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        Exit::Io
    })
}

/// Excel's rows per sheet: the header and 1,048,575 persons.
const ROWS_PER_SHEET: u32 = 1_048_576;

/// Rows into a workbook whose sheets are written in constant memory (each
/// row goes to a temporary file as soon as the next starts). A sheet that
/// is full goes on in a new one, its header repeated: no row is dropped.
struct XlsxSink {
    book: Workbook,
    path: PathBuf,
    /// The header, repeated at the top of every sheet.
    header: Vec<String>,
    sheets: usize,
    /// The next row of the current sheet.
    row: u32,
    rows_per_sheet: u32,
    money: Format,
}

impl XlsxSink {
    fn new(path: &Path, rows_per_sheet: u32) -> XlsxSink {
        let mut book = Workbook::new();
        // INVARIANT: the same run gives the same bytes; the creation time
        // would be now otherwise.
        if let Ok(made) = ExcelDateTime::from_ymd(2000, 1, 1) {
            book.set_properties(&DocProperties::new().set_creation_datetime(&made));
        }
        XlsxSink {
            book,
            path: path.to_path_buf(),
            header: Vec::new(),
            sheets: 0,
            row: 0,
            rows_per_sheet: rows_per_sheet.max(2),
            money: Format::new().set_num_format("#,##0.00"),
        }
    }

    /// Starts a new sheet, its header written.
    fn next_sheet(&mut self) -> Result<(), XlsxError> {
        self.sheets += 1;
        let name = match self.sheets {
            1 => "persons".to_string(),
            n => format!("persons {n}"),
        };
        let sheet = self.book.add_worksheet_with_constant_memory();
        sheet.set_name(name)?;
        for (col, h) in (0u16..).zip(&self.header) {
            sheet.write_string(0, col, h)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        self.row = 1;
        Ok(())
    }

    fn write(&mut self, cells: &[Cell<'_>]) -> Result<(), XlsxError> {
        if self.sheets == 0 {
            self.header = cells
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => t.to_string(),
                    Cell::Int(n) => n.to_string(),
                    Cell::Money(m) => m.to_string(),
                    Cell::Empty => String::new(),
                })
                .collect();
            return self.next_sheet();
        }
        if self.row >= self.rows_per_sheet {
            self.next_sheet()?;
        }
        let row = self.row;
        let money = self.money.clone();
        let sheet = self.book.worksheet_from_index(self.sheets - 1)?;
        for (col, c) in (0u16..).zip(cells) {
            match c {
                // Numbers as numbers: a row number or a count is exact in
                // a double far beyond any population.
                Cell::Int(n) => {
                    sheet.write_number(row, col, *n as f64)?;
                }
                // Fen to yuan; exact to the fen below 2^53 fen.
                Cell::Money(m) => {
                    sheet.write_number_with_format(row, col, m.minor() as f64 / 100.0, &money)?;
                }
                Cell::Text("") | Cell::Empty => {}
                Cell::Text(t) => {
                    sheet.write_string(row, col, *t)?;
                }
            }
        }
        self.row += 1;
        Ok(())
    }
}

impl Sink for XlsxSink {
    fn row(&mut self, cells: &[Cell<'_>]) -> std::io::Result<()> {
        self.write(cells)
            .map_err(|e| std::io::Error::other(e.to_string()))
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.book
            .save(&self.path)
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use calamine::{open_workbook, Data, Reader, Xlsx};

    /// A full sheet goes on in a new one, its header repeated, and no row
    /// is lost (Excel's limit made small).
    #[test]
    fn a_full_sheet_goes_on_in_the_next() {
        let path = std::env::temp_dir().join(format!("bursar-sheets-{}.xlsx", std::process::id()));
        let mut sink = XlsxSink::new(&path, 4);
        sink.row(&[Cell::Text("row"), Cell::Text("amount")])
            .unwrap();
        for n in 1..=7u64 {
            let m = bursar_runtime::Money(i64::try_from(n).unwrap() * 150);
            sink.row(&[Cell::Int(n), Cell::Money(m)]).unwrap();
        }
        sink.finish().unwrap();
        let mut book: Xlsx<_> = open_workbook(&path).unwrap();
        assert_eq!(book.sheet_names(), ["persons", "persons 2", "persons 3"]);
        let mut seen = Vec::new();
        for name in book.sheet_names() {
            let range = book.worksheet_range(&name).unwrap();
            let rows: Vec<_> = range.rows().collect();
            assert_eq!(
                rows[0],
                [Data::String("row".into()), Data::String("amount".into())]
            );
            for r in &rows[1..] {
                seen.push((r[0].clone(), r[1].clone()));
            }
        }
        let expected: Vec<_> = (1..=7u64)
            .map(|n| (Data::Float(n as f64), Data::Float(n as f64 * 1.5)))
            .collect();
        assert_eq!(seen, expected);
        let _ = std::fs::remove_file(&path);
    }
}
