//! CSV records straight from `csv-core`, the parser the `csv` crate is built
//! on, with where each starts in the file.
//!
//! The simulator reads every row of files of millions of rows, and the `csv`
//! crate's record type costs it a bounds-checked iterator step per cell and
//! a UTF-8 check per record that parsing the cells repeats. A [`Record`]
//! keeps the parser's own output, the cells' bytes run together and where
//! each ends, and its cells are checked as text once, by whoever reads them.

use std::io::Read;

use csv_core::ReadRecordResult;

/// Where a record is in its file, as the parser counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowPosition {
    /// The parser's line. It comes up one short after a CRLF line end or a
    /// blank line (rust-csv issues 395 and 208), so a line shown to a
    /// person is found again from `byte` (`population::Reader::locate`).
    pub line: u64,
    /// Where the row starts, or the line end just before it.
    pub byte: u64,
    /// The row's number: 0 for the header, 1 for the first row after it.
    pub record: u64,
}

/// One record: its cells' bytes, run together, and where each cell ends.
#[derive(Clone, Debug)]
pub struct Record {
    bytes: Vec<u8>,
    /// Cell `i` is `bytes[ends[i - 1]..ends[i]]` (from 0 for the first).
    /// Only the first `len` are this record's; the vector is scratch space
    /// the parser fills.
    ends: Vec<usize>,
    len: usize,
}

impl Default for Record {
    fn default() -> Self {
        Record::new()
    }
}

/// A cell that is not UTF-8, by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotText {
    pub cell: usize,
}

impl Record {
    pub fn new() -> Record {
        Record {
            bytes: vec![0; 256],
            ends: vec![0; 32],
            len: 0,
        }
    }

    /// How many cells.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Where each cell ends in [`Record::text`].
    pub fn ends(&self) -> &[usize] {
        self.ends.get(..self.len).unwrap_or_default()
    }

    /// The cells run together, as text. Each cell is a slice of it between
    /// consecutive [`Record::ends`], cut off with [`str::split_at_checked`],
    /// which refuses a cut that is not between characters: a file's invalid
    /// bytes can join into a valid sequence across a cell boundary.
    pub fn text(&self) -> Result<&str, NotText> {
        let end = self.ends().last().copied().unwrap_or(0);
        let bytes = self.bytes.get(..end).unwrap_or_default();
        std::str::from_utf8(bytes).map_err(|e| self.cell_at(e.valid_up_to()))
    }

    /// Bytes of the cells run together (empty if out of range).
    pub fn bytes(&self, range: std::ops::Range<usize>) -> &[u8] {
        self.bytes.get(range).unwrap_or_default()
    }

    /// The cell that starts at byte `start` of [`Record::text`].
    pub fn cell_at(&self, start: usize) -> NotText {
        NotText {
            cell: self.ends().partition_point(|&end| end <= start),
        }
    }

    /// Every cell as text.
    pub fn cells(&self) -> Result<Vec<&str>, NotText> {
        // Cut as `Layout::parse` cuts, which cannot collect into a vector.
        let (mut rest, mut start) = (self.text()?, 0);
        self.ends()
            .iter()
            .map(|&end| {
                let (cell, after) = rest
                    .split_at_checked(end.saturating_sub(start))
                    .ok_or(self.cell_at(start))?;
                (rest, start) = (after, end);
                Ok(cell)
            })
            .collect()
    }
}

/// A UTF-8 byte order mark and one byte more.
const BOM_AND_ONE: usize = 4;

/// Reads records from a source, buffering it.
pub struct Records<R> {
    source: R,
    parser: csv_core::Reader,
    buffer: Vec<u8>,
    /// The unread part of `buffer`.
    start: usize,
    end: usize,
    /// The source has nothing more.
    exhausted: bool,
    /// The file offset of `buffer[start]`.
    byte: u64,
    /// Records read so far.
    records: u64,
}

impl<R: Read> Records<R> {
    /// Reads `source` in pieces of `capacity` bytes (at least four).
    pub fn new(source: R, capacity: usize) -> Self {
        Records {
            source,
            parser: csv_core::Reader::new(),
            buffer: vec![0; capacity.max(BOM_AND_ONE)],
            start: 0,
            end: 0,
            exhausted: false,
            byte: 0,
            records: 0,
        }
    }

    /// Bytes read so far.
    pub fn byte(&self) -> u64 {
        self.byte
    }

    /// Where the next record starts.
    pub fn position(&self) -> RowPosition {
        RowPosition {
            line: self.parser.line(),
            byte: self.byte,
            record: self.records,
        }
    }

    /// Reads the next record into `record`; `Ok(None)` at the end. Blank
    /// lines are skipped; a UTF-8 byte order mark at the start is not a byte
    /// of the first cell.
    pub fn read(&mut self, record: &mut Record) -> std::io::Result<Option<RowPosition>> {
        let at = self.position();
        let (mut written, mut cells) = (0, 0);
        loop {
            if self.start == self.end && !self.exhausted {
                self.fill()?;
            }
            let input = self.buffer.get(self.start..self.end).unwrap_or_default();
            let (result, read, wrote, ended) = self.parser.read_record(
                input,
                record.bytes.get_mut(written..).unwrap_or_default(),
                record.ends.get_mut(cells..).unwrap_or_default(),
            );
            self.start += read;
            self.byte += read as u64;
            written += wrote;
            cells += ended;
            match result {
                // The parser takes empty input as the end of the file.
                ReadRecordResult::InputEmpty if input.is_empty() => return Ok(None),
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    record.bytes.resize(record.bytes.len().max(1) * 2, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    record.ends.resize(record.ends.len().max(1) * 2, 0);
                }
                ReadRecordResult::Record => {
                    record.len = cells;
                    self.records += 1;
                    return Ok(Some(at));
                }
                ReadRecordResult::End => return Ok(None),
            }
        }
    }

    fn fill(&mut self) -> std::io::Result<()> {
        self.start = 0;
        self.end = 0;
        loop {
            let free = self.buffer.get_mut(self.end..).unwrap_or_default();
            match self.source.read(free) {
                Ok(0) => break,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            // The parser strips a byte order mark only if its first input
            // holds all of it, and takes a first input that is nothing but
            // the mark for the end of the file.
            if self.byte > 0 || self.end >= BOM_AND_ONE {
                break;
            }
        }
        self.exhausted = self.end == 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn all(data: &[u8], capacity: usize) -> Vec<(Vec<String>, RowPosition)> {
        let mut records = Records::new(data, capacity);
        let mut record = Record::new();
        let mut out = Vec::new();
        while let Some(at) = records.read(&mut record).unwrap() {
            let cells = record.cells().unwrap();
            out.push((cells.iter().map(|c| c.to_string()).collect(), at));
        }
        out
    }

    /// The `csv` crate's reading of the same bytes: cells and positions.
    fn as_csv_reads(data: &[u8], capacity: usize) -> Vec<(Vec<String>, RowPosition)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(capacity)
            .from_reader(data);
        let mut record = csv::StringRecord::new();
        let mut out = Vec::new();
        while reader.read_record(&mut record).unwrap() {
            let p = record.position().unwrap();
            out.push((
                record.iter().map(str::to_string).collect(),
                RowPosition {
                    line: p.line(),
                    byte: p.byte(),
                    record: p.record(),
                },
            ));
        }
        out
    }

    #[test]
    fn cells_positions_and_the_end() {
        let data = "\u{feff}名字,x\r\n\"a,\"\"b\"\"\",1\n\n张三,\nlast,2";
        let got = all(data.as_bytes(), 3);
        let cells: Vec<Vec<String>> = got.iter().map(|(c, _)| c.clone()).collect();
        assert_eq!(
            cells,
            [
                vec!["名字", "x"],
                vec!["a,\"b\"", "1"],
                vec!["张三", ""],
                vec!["last", "2"]
            ]
        );
        let records: Vec<u64> = got.iter().map(|(_, at)| at.record).collect();
        assert_eq!(records, [0, 1, 2, 3]);
    }

    /// A source that gives one byte per read, as a pipe may.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_byte_order_mark_is_stripped_from_a_source_read_byte_by_byte() {
        for data in ["\u{feff}a,b\n", "\u{feff}a", "\u{feff}"] {
            let mut records = Records::new(Trickle(data.as_bytes()), 64);
            let mut record = Record::new();
            let mut cells = Vec::new();
            while records.read(&mut record).unwrap().is_some() {
                cells.push(record.cells().unwrap().join("|"));
            }
            let expected: Vec<String> = data
                .trim_start_matches('\u{feff}')
                .lines()
                .map(|l| l.replace(',', "|"))
                .collect();
            assert_eq!(cells, expected, "{data:?}");
        }
    }

    #[test]
    fn a_long_record_grows_the_buffers() {
        let row = (0..100).map(|i| format!("cell{i}")).collect::<Vec<_>>();
        let data = format!("{}\n", row.join(","));
        let got = all(data.as_bytes(), 7);
        assert_eq!(got[0].0, row);
    }

    #[test]
    fn invalid_utf8_is_found_in_its_cell() {
        // 0xE4 0xB8 0xAD is 中: split by a comma, each cell is invalid
        // though the cells run together are not.
        let mut records = Records::new(&b"ab,\xe4,\xb8\xad\nx,\xff\n"[..], 64);
        let mut record = Record::new();
        records.read(&mut record).unwrap();
        assert!(record.text().is_ok());
        assert_eq!(record.cells(), Err(NotText { cell: 1 }));
        records.read(&mut record).unwrap();
        assert_eq!(record.text(), Err(NotText { cell: 1 }));
    }

    proptest::proptest! {
        /// The same cells and positions as the `csv` crate's reader, for
        /// any mix of quotes, separators and line ends, and any buffer size.
        #[test]
        fn reads_as_the_csv_crate_does(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["a", ",", "\"", "\r", "\n", "é", "\u{feff}"]),
                0..60,
            ),
            capacity in 1usize..20,
        ) {
            let data = pieces.concat();
            // With a buffer smaller than the byte order mark, the csv crate
            // leaves the mark in the first cell (the limit `fill` works
            // around), so it gets a buffer that holds the mark and more.
            proptest::prop_assert_eq!(all(data.as_bytes(), capacity), as_csv_reads(data.as_bytes(), capacity.max(BOM_AND_ONE)));
        }
    }
}
