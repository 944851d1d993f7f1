//! The rest of a population read once (a pipe, a FIFO), copied to a
//! temporary file record by record, to be read on in its place and read
//! again.
//!
//! A run that skips bad rows must know each repeated identifier as its row
//! is read. While a pipe's identifiers ascend none repeats
//! ([`crate::identifiers`]); after the first out of order, any row may
//! repeat any before it, and holding every identifier seen grows with the
//! population. So at that row the rest of the pipe is read to its end into
//! a temporary file, each record with its position and the pipe's after
//! it, and the run reads on from the file: the identifiers before (copied as they
//! came), that row's and the file's are sorted on disk to list the
//! repeats ([`crate::repeated_rows`]), each met as its row is read, in
//! bounded memory. A record that cannot be read ends the copy: the rows
//! before it are read from the file, and then its error comes, where the
//! pipe had it.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};

use crate::records::{put_varint, take_varint, ReadError, Record, RowGroupAt, RowPosition};
use crate::source::RecordSource;

/// A pipe's records after its first identifier out of order, on disk.
pub struct Spooled {
    /// The copy; deleted when dropped.
    copy: tempfile::NamedTempFile,
    /// The copy, read on.
    reading: BufReader<File>,
    /// The pipe's position as the copy began, then as it was after the
    /// last record read.
    position: RowPosition,
    /// What ended the copy before the pipe's end, given once its records
    /// are read.
    error: Option<ReadError>,
    /// The pipe's position at its end (past any blank lines after the
    /// last record), once its records are read.
    end: RowPosition,
    /// Bytes of the pipe read in all.
    bytes: u64,
    frame: Vec<u8>,
}

impl std::fmt::Debug for Spooled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spooled")
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

impl Spooled {
    /// Reads `source` to its end (or its first error) into a temporary
    /// file: a frame a record, its length (4 bytes), the record's position
    /// and the pipe's after it, then the record as it encodes itself.
    pub fn spool(source: &mut dyn RecordSource) -> std::io::Result<Spooled> {
        let mut copy = tempfile::NamedTempFile::new()?;
        let start = source.position();
        let mut record = Record::new();
        let mut frame = Vec::new();
        let mut out = BufWriter::new(copy.as_file_mut());
        let error = loop {
            match source.read(&mut record) {
                Ok(true) => {
                    let at = *record.at();
                    frame.clear();
                    put_position(&mut frame, at);
                    put_after(&mut frame, at, source.position());
                    record.encode(&mut frame);
                    let len = u32::try_from(frame.len())
                        .map_err(|_| std::io::Error::other("a record too large to copy"))?;
                    out.write_all(&len.to_le_bytes())?;
                    out.write_all(&frame)?;
                }
                Ok(false) => break None,
                Err(e) => break Some(e),
            }
        };
        let end = source.position();
        out.flush()?;
        drop(out);
        let reading = BufReader::new(copy.reopen()?);
        Ok(Spooled {
            copy,
            reading,
            position: start,
            error,
            end,
            bytes: source.bytes_read(),
            frame,
        })
    }

    /// Calls `f` with the position and record of each row of the copy
    /// before row `before`, read again from its start, while `f` returns
    /// `true`.
    pub fn records(
        &self,
        before: u64,
        f: &mut dyn FnMut(RowPosition, &Record) -> bool,
    ) -> std::io::Result<()> {
        let mut reading = BufReader::new(self.copy.reopen()?);
        let (mut frame, mut record) = (Vec::new(), Record::new());
        while let Some((at, _)) = next_frame(&mut reading, &mut frame, &mut record)? {
            if at.record >= before || !f(at, &record) {
                break;
            }
        }
        Ok(())
    }
}

impl RecordSource for Spooled {
    fn read(&mut self, record: &mut Record) -> Result<bool, ReadError> {
        match next_frame(&mut self.reading, &mut self.frame, record) {
            Ok(Some((at, after))) => {
                self.position = after;
                record.set_at(at);
                Ok(true)
            }
            Ok(None) => match self.error.take() {
                Some(e) => Err(e),
                None => {
                    self.position = self.end;
                    Ok(false)
                }
            },
            Err(e) => Err(ReadError::Io(e)),
        }
    }

    fn position(&self) -> RowPosition {
        self.position
    }

    // The records were cut as the pipe's reader keeps them.
    fn keep_cells(&mut self, _: usize) {}

    fn bytes_read(&self) -> u64 {
        self.bytes
    }

    // The pipe's text was cut cell by cell anyway.
    fn read_only(&mut self, _: &[bool]) -> Result<(), String> {
        Ok(())
    }
}

/// Reads the next frame into `record`: the record's position and the
/// pipe's after it, or `None` at the copy's end.
fn next_frame(
    from: &mut BufReader<File>,
    frame: &mut Vec<u8>,
    record: &mut Record,
) -> std::io::Result<Option<(RowPosition, RowPosition)>> {
    let Some(len) = read_len(from)? else {
        return Ok(None);
    };
    frame.resize(len, 0);
    from.read_exact(frame)?;
    let mut bytes = frame.as_slice();
    let at = take_position(&mut bytes).ok_or_else(damaged)?;
    let after = take_after(&mut bytes, at).ok_or_else(damaged)?;
    record.decode(bytes).ok_or_else(damaged)?;
    Ok(Some((at, after)))
}

/// A frame's length (4 bytes), or `None` at the end of the copy, which
/// comes between frames.
fn read_len(from: &mut BufReader<File>) -> std::io::Result<Option<usize>> {
    if from.fill_buf()?.is_empty() {
        return Ok(None);
    }
    let mut len = [0; 4];
    from.read_exact(&mut len)?;
    Ok(Some(u32::from_le_bytes(len) as usize))
}

fn damaged() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "the population's copy in a temporary file was damaged",
    )
}

/// A position: line, byte, row and part, then its row group's index and
/// row plus one (0 for none).
fn put_position(out: &mut Vec<u8>, at: RowPosition) {
    for n in [at.line, at.byte, at.record, u64::from(at.part)] {
        put_varint(out, n);
    }
    match at.group {
        None => out.push(0),
        Some(g) => {
            out.push(1);
            put_varint(out, u64::from(g.index));
            put_varint(out, u64::from(g.row));
        }
    }
}

/// The pipe's position after a record read at `at`: its line, byte and
/// row as counted on from `at` (a byte or two each), then as
/// [`put_position`] writes the rest.
fn put_after(out: &mut Vec<u8>, at: RowPosition, after: RowPosition) {
    put_varint(out, after.line.saturating_sub(at.line));
    put_varint(out, after.byte.saturating_sub(at.byte));
    put_varint(out, after.record.saturating_sub(at.record));
    put_position(
        out,
        RowPosition {
            line: 0,
            byte: 0,
            record: 0,
            ..after
        },
    );
}

fn take_after(b: &mut &[u8], at: RowPosition) -> Option<RowPosition> {
    let line = at.line.checked_add(take_varint(b)?)?;
    let byte = at.byte.checked_add(take_varint(b)?)?;
    let record = at.record.checked_add(take_varint(b)?)?;
    let rest = take_position(b)?;
    Some(RowPosition {
        line,
        byte,
        record,
        ..rest
    })
}

fn take_position(b: &mut &[u8]) -> Option<RowPosition> {
    let line = take_varint(b)?;
    let byte = take_varint(b)?;
    let record = take_varint(b)?;
    let part = u32::try_from(take_varint(b)?).ok()?;
    let (&flag, rest) = b.split_first()?;
    *b = rest;
    let group = match flag {
        0 => None,
        1 => Some(RowGroupAt {
            index: u32::try_from(take_varint(b)?).ok()?,
            row: u32::try_from(take_varint(b)?).ok()?,
        }),
        _ => return None,
    };
    Some(RowPosition {
        line,
        byte,
        record,
        part,
        group,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::source::{Opening, Source};

    /// Every record of a text, with its position, read on from where it is
    /// read to its end, then the reader's position, its error if any.
    fn rest(records: &mut dyn RecordSource) -> (Vec<(RowPosition, Vec<String>)>, String) {
        let mut out = Vec::new();
        let mut record = Record::new();
        let end = loop {
            let before = records.position();
            match records.read(&mut record) {
                Ok(true) => {
                    let at = *record.at();
                    let cells = record.cells().map_or_else(
                        |_| vec![format!("{:?}", record.broken())],
                        |c| c.iter().map(|c| c.to_string()).collect(),
                    );
                    out.push((at, cells));
                }
                Ok(false) => break format!("end {:?}", records.position()),
                // Where the reader says the error is: where it was.
                Err(e) => break format!("{e:?} at {before:?}"),
            }
        };
        (out, end)
    }

    /// Spooled from any row, the rest of a text reads back as the text
    /// read on would: the same records, positions and end, blank lines,
    /// quoted newlines, Chinese, a line cut at its commas and one whose
    /// quote never closes; a line too long is the copy's end, and its
    /// error comes where the text had it. The copy can be read again.
    #[test]
    fn the_rest_spooled_reads_as_the_text_read_on() {
        let text = "id,名\r\n1,甲\n\n2,\"乙\n丙\"\n3,\"a,b\"\n4,,\n5,\"open\n";
        let too_long = format!("1,a\n2,{}\n3,c\n", "x".repeat(100));
        for (text, limit) in [(text.to_string(), 1000), (too_long, 50)] {
            let how = Opening {
                encoding: Default::default(),
                sheet: None,
                limit,
                threads: 1,
            };
            let read = || Source::text(text.as_bytes(), how);
            let mut whole = read();
            let expected = rest(&mut whole);
            for skip in 0..expected.0.len() {
                let mut reader = read();
                let mut record = Record::new();
                for _ in 0..skip {
                    reader.read(&mut record).unwrap();
                }
                let mut spooled = Spooled::spool(&mut reader).unwrap();
                let (records, end) = rest(&mut spooled);
                assert_eq!(records, expected.0[skip..], "from {skip}");
                assert_eq!(end, expected.1, "from {skip}");
                // Read again: the records before row `before`.
                let before = expected
                    .0
                    .get(skip + 1)
                    .map_or(u64::MAX, |(at, _)| at.record);
                let mut again = Vec::new();
                spooled
                    .records(before, &mut |at, r| {
                        again.push((at, r.cells().map(|c| c.len()).unwrap_or(0)));
                        true
                    })
                    .unwrap();
                let first: Vec<_> = expected.0[skip..]
                    .iter()
                    .take(1)
                    .map(|(at, cells)| (*at, cells.len()))
                    .collect();
                assert_eq!(again, first, "from {skip}");
            }
        }
    }

    proptest::proptest! {
        /// For any mix of quotes, separators, line ends and Chinese, a
        /// limit some lines pass and some do not, and any row the copy
        /// begins at, the rest reads back as the text read on.
        #[test]
        fn any_text_spooled_from_any_row_reads_as_read_on(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["a", ",", "\"", "\r", "\n", "甲", "aaaaaaaa"]),
                0..80,
            ),
            limit in 4usize..40,
            from in 0usize..12,
        ) {
            let text = pieces.concat();
            let how = Opening {
                encoding: Default::default(),
                sheet: None,
                limit,
                threads: 1,
            };
            let expected = rest(&mut Source::text(text.as_bytes(), how));
            let mut reader = Source::text(text.as_bytes(), how);
            let mut record = Record::new();
            let skip = from.min(expected.0.len());
            for _ in 0..skip {
                reader.read(&mut record).unwrap();
            }
            let mut spooled = Spooled::spool(&mut reader).unwrap();
            let (records, end) = rest(&mut spooled);
            proptest::prop_assert_eq!(&records[..], &expected.0[skip..]);
            proptest::prop_assert_eq!(end, expected.1);
        }
    }
}
