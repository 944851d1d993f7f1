//! Where lines start and end in a file's bytes, as [`crate::records`] ends
//! them (LF, CRLF, a lone CR), for reading a file in ranges of lines
//! (`crate::run`'s ranges): the first line start after an offset, the
//! lines and records of a range, the start of a line by its number. The
//! bytes of a line end are never part of a character in UTF-8, GBK or GB
//! 18030, so none of this decodes.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::population::LineRanges;

/// The pieces in which line ends are looked for between ranges; a few
/// bytes in tests, so that a line end falls across two.
const PIECE: usize = if cfg!(test) { 7 } else { 1 << 16 };

/// Where the lines that start in `[from, to)` start and end (see
/// [`read_range`]); `None` if no line starts there. Only a range in which a
/// line starts looks for its end: a line longer than a range is looked
/// through once, not once a range.
pub(crate) fn bounds(
    file: &mut File,
    from: u64,
    to: u64,
    lines: &LineRanges,
) -> std::io::Result<Option<(u64, u64)>> {
    Ok(match line_start(file, from, to, lines)? {
        Some(start) => Some((
            start,
            line_start(file, to, u64::MAX, lines)?.unwrap_or(lines.len),
        )),
        None => None,
    })
}

/// The lines in `[start, end)` and those of them not blank (the records),
/// as `crate::records` counts them: a line ends at a LF, a CRLF or a lone
/// CR. `end` is a line start, so a CR just before it is a lone one. A last
/// line without its end is not counted: no range comes after it.
pub(crate) fn count_lines(file: &mut File, start: u64, end: u64) -> std::io::Result<(u64, u64)> {
    file.seek(SeekFrom::Start(start))?;
    #[allow(clippy::useless_vec)] // 64 KB, but for tests
    let mut buffer = vec![0u8; PIECE];
    let mut left = end.saturating_sub(start);
    let (mut lines, mut records) = (0u64, 0u64);
    // Bytes of the line so far, and whether the piece before ended in a CR.
    let (mut len, mut cr) = (0u64, false);
    while left > 0 {
        let piece = read_piece(file, &mut buffer, left)?;
        if piece.is_empty() {
            break;
        }
        left -= piece.len() as u64;
        let mut k = 0;
        if cr && piece.first() == Some(&b'\n') {
            k = 1;
        }
        cr = false;
        while let Some(j) = memchr::memchr2(b'\n', b'\r', piece.get(k..).unwrap_or_default()) {
            let j = k + j;
            len += (j - k) as u64;
            lines += 1;
            records += u64::from(len > 0);
            len = 0;
            k = j + 1;
            if piece.get(j) == Some(&b'\r') {
                match piece.get(j + 1) {
                    Some(b'\n') => k = j + 2,
                    Some(_) => {}
                    None => cr = true,
                }
            }
        }
        len += piece.len().saturating_sub(k) as u64;
    }
    Ok((lines, records))
}

/// The first line start at or after `from` and before `before`: the byte
/// after a LF, or after a CR that no LF follows (as `crate::records` ends
/// lines). `None` if there is none before `before` or the file's end, or
/// none within the longest record accepted (the line is then too long,
/// which the range it starts in reports).
fn line_start(
    file: &mut File,
    from: u64,
    before: u64,
    lines: &LineRanges,
) -> std::io::Result<Option<u64>> {
    if from <= lines.first.byte {
        return Ok(Some(lines.first.byte));
    }
    let last = before.min(lines.len);
    // The bytes that decide whether a line starts before `last`, and no
    // further than a longest record from `from`.
    let stop = from
        .saturating_add(u64::try_from(lines.limit).unwrap_or(u64::MAX))
        .saturating_add(2)
        .min(last);
    if from >= stop {
        return Ok(None);
    }
    // Reading starts at the byte before `from`: a line end there makes
    // `from` a line start.
    let mut at = from - 1;
    file.seek(SeekFrom::Start(at))?;
    #[allow(clippy::useless_vec)] // 64 KB, but for tests
    let mut buffer = vec![0u8; PIECE];
    // The piece before ended in a CR.
    let mut cr = false;
    while at < stop {
        let piece = read_piece(file, &mut buffer, stop - at)?;
        if piece.is_empty() {
            break;
        }
        if cr && piece.first() != Some(&b'\n') {
            return Ok(Some(at));
        }
        let mut k = 0;
        while let Some(j) = memchr::memchr2(b'\n', b'\r', piece.get(k..).unwrap_or_default()) {
            let j = k + j;
            let start = at + j as u64 + 1;
            if piece.get(j) == Some(&b'\n') {
                return Ok(Some(start).filter(|&s| s < last));
            }
            match piece.get(j + 1) {
                Some(b'\n') => return Ok(Some(start + 1).filter(|&s| s < last)),
                Some(_) => return Ok(Some(start).filter(|&s| s < last)),
                // A CR at the piece's end: the next piece says.
                None => {}
            }
            k = j + 1;
        }
        cr = piece.last() == Some(&b'\r');
        at += piece.len() as u64;
    }
    // Nothing more to read: a CR as the last byte starts a line at `last`
    // or beyond (or at the end of a line longer than a record may be).
    Ok(None)
}

/// Reads at most `want` bytes into `buffer`: those read, none at the
/// file's end.
fn read_piece<'b>(file: &mut File, buffer: &'b mut [u8], want: u64) -> std::io::Result<&'b [u8]> {
    let want = usize::try_from(want)
        .unwrap_or(usize::MAX)
        .min(buffer.len());
    let n = loop {
        match file.read(buffer.get_mut(..want).unwrap_or_default()) {
            Ok(n) => break n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    };
    Ok(buffer.get(..n).unwrap_or_default())
}

/// Where line `line` (from 1) of the file at `path` starts, its lines
/// ended as [`crate::records`] ends them (LF, CRLF, a lone CR); `None` past
/// the file's end. The bytes of a line end are never part of a character
/// in UTF-8, GBK or GB 18030, so the file is read as bytes.
///
/// `None` too for a file that starts with a UTF-8 byte order mark: the
/// decoder then reads the rest as UTF-8 whatever `--encoding` says, which
/// only a reader from the start knows.
pub(crate) fn line_offset(path: &Path, line: u64) -> std::io::Result<Option<u64>> {
    let mut file = File::open(path)?;
    let mut bom = [0u8; 3];
    let mut head = 0;
    while head < bom.len() {
        match read_piece(&mut file, bom.get_mut(head..).unwrap_or_default(), 3)?.len() {
            0 => break,
            n => head += n,
        }
    }
    if bom == *b"\xef\xbb\xbf" {
        return Ok(None);
    }
    file.rewind()?;
    #[allow(clippy::useless_vec)] // 64 KB, but for tests
    let mut buffer = vec![0u8; PIECE];
    let (mut at, mut to_pass) = (0u64, line.saturating_sub(1));
    // The piece before ended in a CR (whose LF, if any, is next).
    let mut cr = false;
    loop {
        if to_pass == 0 && !cr {
            return Ok(Some(at));
        }
        let piece = read_piece(&mut file, &mut buffer, u64::MAX)?;
        let n = piece.len();
        if n == 0 {
            return Ok((to_pass == 0).then_some(at));
        }
        let mut k = 0;
        if cr {
            cr = false;
            if piece.first() == Some(&b'\n') {
                k = 1;
            }
            if to_pass == 0 {
                return Ok(Some(at + k as u64));
            }
        }
        while let Some(j) = memchr::memchr2(b'\n', b'\r', piece.get(k..).unwrap_or_default()) {
            let j = k + j;
            k = j + 1;
            if piece.get(j) == Some(&b'\r') {
                match piece.get(j + 1) {
                    Some(b'\n') => k = j + 2,
                    Some(_) => {}
                    None => {
                        cr = true;
                        to_pass -= 1;
                        break;
                    }
                }
            }
            to_pass -= 1;
            if to_pass == 0 {
                return Ok(Some(at + k as u64));
            }
        }
        at += n as u64;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Lines ended every way, read in pieces of 7 bytes (`PIECE`), so
    /// that ends fall across pieces: "a", "bb", blank, "c", blank, "dddddd",
    /// and "e" without an end.
    const TEXT: &[u8] = b"a\r\nbb\r\rc\n\r\ndddddd\re";

    fn file() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lines.csv");
        std::fs::write(&path, TEXT).unwrap();
        (dir, path)
    }

    #[test]
    fn a_line_is_found_by_its_number_as_records_counts_lines() {
        let (_dir, path) = file();
        let starts: Vec<Option<u64>> = (1..=9).map(|n| line_offset(&path, n).unwrap()).collect();
        assert_eq!(
            starts,
            [
                Some(0),
                Some(3),
                Some(6),
                Some(7),
                Some(9),
                Some(11),
                Some(18),
                None,
                None
            ]
        );
    }

    #[test]
    fn lines_and_records_are_counted_as_records_counts_them() {
        let (_dir, path) = file();
        let mut file = File::open(&path).unwrap();
        // Up to the start of "e": six line ends, four lines not blank.
        assert_eq!(count_lines(&mut file, 0, 18).unwrap(), (6, 4));
        // From the start of "bb" to that of "dddddd".
        assert_eq!(count_lines(&mut file, 3, 11).unwrap(), (4, 2));
    }
}
