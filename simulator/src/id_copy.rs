//! The identifiers of a population read once (a pipe, a FIFO), copied with
//! their rows' positions to a temporary file as they are read, so that
//! checking them for repeats can read them again as it reads a file again
//! ([`crate::identifiers`]): in bounded memory, on disk, about 6 bytes a
//! row more than the identifier.
//!
//! A record is the row's position, each number as the change from the row
//! before (zigzag, LEB128: a byte for most), then the identifier's length
//! and bytes. The file is made at the first row and deleted when dropped,
//! even if the process dies.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};

use crate::records::{RowGroupAt, RowPosition};

/// Every identifier given so far, with its row's position.
#[derive(Debug, Default)]
pub struct IdCopy {
    /// Made at the first row. In a cell, since reading the copy again
    /// (through `&self`, as [`crate::identifiers::Reread`] does) flushes
    /// and moves the file's position.
    out: RefCell<Option<BufWriter<File>>>,
    /// The position of the last row written.
    last: RowPosition,
}

impl IdCopy {
    /// Appends `id`, of the row at `at`.
    pub fn push(&mut self, at: RowPosition, id: &[u8]) -> std::io::Result<()> {
        let out = match self.out.get_mut() {
            Some(out) => out,
            None => self
                .out
                .get_mut()
                .insert(BufWriter::with_capacity(1 << 16, tempfile::tempfile()?)),
        };
        // The numbers are put together first and written in one piece: a
        // write to the `BufWriter` for each costs more than encoding it.
        let mut numbers = Varints::default();
        let last = &self.last;
        for (n, before) in [
            (at.line, last.line),
            (at.byte, last.byte),
            (at.record, last.record),
            (u64::from(at.part), u64::from(last.part)),
        ] {
            numbers.push(zigzag(n, before));
        }
        match at.group {
            None => numbers.push(0),
            Some(g) => {
                numbers.push(1);
                numbers.push(u128::from(g.index));
                numbers.push(u128::from(g.row));
            }
        }
        numbers.push(id.len() as u128);
        out.write_all(numbers.bytes())?;
        out.write_all(id)?;
        self.last = at;
        Ok(())
    }

    /// Calls `f` with the position and identifier of each row copied before
    /// row `before` (1 is the first; `u64::MAX` for every row), in the
    /// order they were copied, while `f` returns `true`. Rows may be copied
    /// after: the file's position is put back at its end.
    pub fn each(
        &self,
        before: u64,
        f: &mut dyn FnMut(RowPosition, &[u8]) -> bool,
    ) -> std::io::Result<()> {
        let mut out = self.out.borrow_mut();
        let Some(out) = out.as_mut() else {
            return Ok(());
        };
        out.flush()?;
        let file = out.get_mut();
        let end = file.stream_position()?;
        file.seek(SeekFrom::Start(0))?;
        let read = read_all(BufReader::with_capacity(1 << 16, &*file), end, before, f);
        // Put back even if reading failed: a later row is appended at the end.
        file.seek(SeekFrom::Start(end))?;
        read
    }
}

/// Reads the records of the copy's first `end` bytes (see [`IdCopy::each`]).
fn read_all(
    mut from: impl BufRead,
    end: u64,
    before: u64,
    f: &mut dyn FnMut(RowPosition, &[u8]) -> bool,
) -> std::io::Result<()> {
    let mut at = RowPosition::default();
    let mut id = Vec::new();
    let mut read = 0u64;
    while read < end {
        let mut next = || read_varint(&mut from, &mut read);
        at.line = unzigzag(next()?, at.line)?;
        at.byte = unzigzag(next()?, at.byte)?;
        at.record = unzigzag(next()?, at.record)?;
        at.part = narrow(unzigzag(next()?, u64::from(at.part))?.into())?;
        at.group = match next()? {
            0 => None,
            _ => Some(RowGroupAt {
                index: narrow(next()?)?,
                row: narrow(next()?)?,
            }),
        };
        let len = next()?;
        // Never more than the copy holds, whatever it says.
        let len = u64::try_from(len)
            .ok()
            .filter(|&n| n <= end.saturating_sub(read))
            .ok_or_else(corrupt)?;
        id.resize(usize::try_from(len).map_err(|_| corrupt())?, 0);
        from.read_exact(&mut id)?;
        read += len;
        if at.record >= before || !f(at, &id) {
            break;
        }
    }
    Ok(())
}

/// `n` as its difference from `before`, small either way: even for an
/// increase, odd for a decrease (a population's next part starts its lines
/// again). Wider than `n`, so that any difference fits.
fn zigzag(n: u64, before: u64) -> u128 {
    if n >= before {
        u128::from(n - before) << 1
    } else {
        (u128::from(before - n) << 1) | 1
    }
}

fn unzigzag(z: u128, before: u64) -> std::io::Result<u64> {
    let change = u64::try_from(z >> 1).map_err(|_| corrupt())?;
    let n = if z & 1 == 0 {
        before.checked_add(change)
    } else {
        before.checked_sub(change)
    };
    n.ok_or_else(corrupt)
}

/// The bytes of the longest number [`Varints::push`] writes: 128 bits,
/// seven a byte.
const VARINT_BYTES: usize = 19;

/// A row's numbers (at most eight), as LEB128: seven bits a byte, low
/// first, the top bit set on all but the last.
struct Varints {
    bytes: [u8; 8 * VARINT_BYTES],
    len: usize,
}

impl Default for Varints {
    fn default() -> Varints {
        Varints {
            bytes: [0; 8 * VARINT_BYTES],
            len: 0,
        }
    }
}

impl Varints {
    fn push(&mut self, mut n: u128) {
        while let Some(b) = self.bytes.get_mut(self.len) {
            self.len += 1;
            if n < 0x80 {
                *b = n as u8;
                return;
            }
            *b = (n as u8 & 0x7f) | 0x80;
            n >>= 7;
        }
    }

    fn bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

fn read_varint(from: &mut impl BufRead, read: &mut u64) -> std::io::Result<u128> {
    let mut n = 0u128;
    for shift in (0..128).step_by(7) {
        let mut byte = [0u8];
        from.read_exact(&mut byte)?;
        *read += 1;
        n |= u128::from(byte[0] & 0x7f) << shift;
        if byte[0] & 0x80 == 0 {
            return Ok(n);
        }
    }
    Err(corrupt())
}

fn narrow(n: u128) -> std::io::Result<u32> {
    u32::try_from(n).map_err(|_| corrupt())
}

/// The copy does not read back as it was written (the temporary file was
/// changed from outside).
fn corrupt() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "the copy of the identifiers does not read back as written",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u64, byte: u64, record: u64, part: u32) -> RowPosition {
        RowPosition {
            line,
            byte,
            record,
            part,
            group: None,
        }
    }

    #[test]
    fn rows_read_back_as_copied_before_and_after_more_are_copied() {
        let rows = [
            (at(2, 30, 1, 0), "E01".as_bytes()),
            // A quoted newline: two lines on.
            (at(3, 61, 2, 0), "会员02".as_bytes()),
            (at(5, 4_000_000_000, 3, 0), b"".as_slice()),
            // The next part starts its lines and bytes again.
            (at(2, 30, 4, 1), b"E04".as_slice()),
            (
                RowPosition {
                    group: Some(RowGroupAt {
                        index: 3,
                        row: u32::MAX,
                    }),
                    ..at(u64::MAX, 0, 5, u32::MAX)
                },
                b"E05".as_slice(),
            ),
        ];
        let mut copy = IdCopy::default();
        let all = |copy: &IdCopy, before: u64| {
            let mut got = Vec::new();
            copy.each(before, &mut |at, id| {
                got.push((at, id.to_vec()));
                true
            })
            .unwrap();
            got
        };
        assert!(all(&copy, u64::MAX).is_empty());
        for (i, (at, id)) in rows.iter().enumerate() {
            copy.push(*at, id).unwrap();
            // Read back in the middle of copying: every row so far.
            let want: Vec<_> = rows
                .iter()
                .take(i + 1)
                .map(|(a, id)| (*a, id.to_vec()))
                .collect();
            assert_eq!(all(&copy, u64::MAX), want);
        }
        // Only the rows before row 3; and stopping when told.
        assert_eq!(all(&copy, 3).len(), 2);
        let mut seen = 0;
        copy.each(u64::MAX, &mut |_, _| {
            seen += 1;
            seen < 2
        })
        .unwrap();
        assert_eq!(seen, 2);
    }

    #[test]
    fn numbers_round_trip_through_zigzag_and_leb128() {
        let pairs = [
            (0, 0),
            (1, 0),
            (0, 1),
            (u64::MAX, 0),
            (0, u64::MAX),
            (300, 299),
        ];
        for (n, before) in pairs {
            let mut numbers = Varints::default();
            numbers.push(zigzag(n, before));
            let bytes = numbers.bytes();
            let mut read = 0;
            let z = read_varint(&mut &*bytes, &mut read).unwrap();
            assert_eq!(read, bytes.len() as u64);
            assert_eq!(unzigzag(z, before).unwrap(), n, "{n} after {before}");
        }
    }
}
