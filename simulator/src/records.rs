//! CSV records straight from `csv-core`, the parser the `csv` crate is built
//! on, with where each starts in the file.
//!
//! The simulator reads every row of files of millions of rows, and the `csv`
//! crate's record type costs it a bounds-checked iterator step per cell and
//! a UTF-8 check per record that parsing the cells repeats. A [`Record`]
//! keeps the parser's own output, the cells' bytes run together and where
//! each ends, and its cells are checked as text once, by whoever reads them.
//!
//! A record is one line: the file is cut into lines first (LF, CRLF or a
//! lone CR, as editors count them), and each line is parsed on its own. A
//! quoted field cannot span lines (docs/simulate.md): one that is still open
//! at the end of its line makes that line a broken record, and reading goes
//! on at the next line. So a stray quote costs one row, not the rest of the
//! file, every line is counted as it is read, and no line is buffered past
//! the limit on a record's length.

use std::io::Read;

use csv_core::ReadRecordResult;
use wide::u8x16;

/// Where a record is in its file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowPosition {
    /// The 1-based line the record is on, as an editor counts: LF, CRLF and
    /// a lone CR each end a line, blank lines included.
    pub line: u64,
    /// Where the line starts in the file, in bytes.
    pub byte: u64,
    /// The row's number: 0 for the header, 1 for the first row after it.
    /// In a population of several files, counted on across them.
    pub record: u64,
    /// Which file of a population of several (`--population
    /// 'dir/part-*.csv'`), from 0 in the order they are read.
    pub part: u32,
    /// In a Parquet file: the row group the row is in, and where in it.
    pub group: Option<RowGroupAt>,
}

/// Where a row of a Parquet file is: its row group, numbered from 0 as
/// Parquet tools number them, and the row in it, from 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowGroupAt {
    pub index: u32,
    /// A row group holds at most `u32::MAX` rows here: past that, the
    /// count stays there (writers make groups of a million rows at most).
    pub row: u32,
}

/// One record: its cells' bytes, one after the other, and where each cell
/// ends.
#[derive(Clone, Debug)]
pub struct Record {
    bytes: Vec<u8>,
    /// Cell `i` is `bytes[ends[i - 1] + gap..ends[i]]` (from 0 for the
    /// first). Only the first `len` are this record's; the vector is
    /// scratch space the parser fills.
    ends: Vec<usize>,
    len: usize,
    /// Bytes between two cells: none where the parser wrote the cells (it
    /// writes them run together), one where a line was cut at its commas
    /// (the cells stay as the line has them, commas between).
    gap: usize,
    /// The line could not be read as a record.
    broken: Option<Broken>,
    /// Where the record was read.
    at: RowPosition,
}

/// Why a line is not a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Broken {
    /// A quoted field opens on the line and does not close before its end.
    OpenQuote,
    /// More cells than [`Records::keep_cells`] allows: only counted.
    TooManyCells { cells: usize },
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
            gap: 0,
            broken: None,
            at: RowPosition::default(),
        }
    }

    /// Makes this record a copy of `other`, keeping this one's buffers
    /// (no allocation once they are large enough).
    pub fn copy_from(&mut self, other: &Record) {
        // Its cells' bytes only: the parser's buffer may be larger, up to
        // twice the longest record read before.
        let end = other.ends().last().copied().unwrap_or(0);
        self.bytes.clear();
        self.bytes
            .extend_from_slice(other.bytes.get(..end).unwrap_or_default());
        self.ends.clear();
        self.ends.extend_from_slice(other.ends());
        self.len = other.len;
        self.gap = other.gap;
        self.broken = other.broken;
        self.at = other.at;
    }

    /// Where the record was read. A reader sets it with the record's cells,
    /// and the row's checks and errors read it here. Returned by each read,
    /// a position (40 bytes) was copied from frame to frame with 16-byte
    /// moves over the 8-byte stores that had just written it: stalls of
    /// about 5% of a run's time that no count of instructions shows
    /// (docs/performance.md).
    pub fn at(&self) -> &RowPosition {
        &self.at
    }

    /// Sets where the record was read.
    pub fn set_at(&mut self, at: RowPosition) {
        self.at = at;
    }

    /// Makes this record the cells whose text is `bytes`, cell `i` ending at
    /// `ends[i]` (a Parquet row, written as text by `crate::parquet`).
    pub fn set_row(&mut self, bytes: &[u8], ends: &[usize]) {
        self.bytes.clear();
        self.bytes.extend_from_slice(bytes);
        self.ends.clear();
        self.ends.extend_from_slice(ends);
        self.len = ends.len();
        self.gap = 0;
        self.broken = None;
    }

    /// Makes this record the cells `cells` (a sheet's row), keeping the
    /// ends of at most `max_cells` (see [`Records::keep_cells`]).
    pub fn set_cells(&mut self, cells: &[String], max_cells: usize) {
        self.bytes.clear();
        self.ends.clear();
        self.gap = 0;
        if cells.len() > max_cells {
            self.len = 0;
            self.broken = Some(Broken::TooManyCells { cells: cells.len() });
            return;
        }
        for cell in cells {
            self.bytes.extend_from_slice(cell.as_bytes());
            self.ends.push(self.bytes.len());
        }
        self.len = cells.len();
        self.broken = None;
    }

    /// Writes the record to `out` for [`Record::decode`]: the gap and why
    /// it is broken (a byte each; the cells counted, if too many), the
    /// number of cells and each one's length from the end of the one
    /// before (LEB128: a byte for most), then their bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.gap as u8);
        match self.broken {
            None => out.push(0),
            Some(Broken::OpenQuote) => out.push(1),
            Some(Broken::TooManyCells { cells }) => {
                out.push(2);
                put_varint(out, cells as u64);
            }
        }
        let ends = self.ends();
        put_varint(out, ends.len() as u64);
        let mut before = 0;
        for &end in ends {
            put_varint(out, end.saturating_sub(before) as u64);
            before = end;
        }
        out.extend_from_slice(self.bytes.get(..before).unwrap_or_default());
    }

    /// Makes this record the one [`Record::encode`] wrote in `bytes`;
    /// `None` (the record left empty) if they do not hold one.
    pub fn decode(&mut self, mut bytes: &[u8]) -> Option<()> {
        self.len = 0;
        let b = &mut bytes;
        let [gap, kind] = *b.first_chunk::<2>()?;
        *b = b.get(2..)?;
        let broken = match kind {
            0 => None,
            1 => Some(Broken::OpenQuote),
            2 => Some(Broken::TooManyCells {
                cells: usize::try_from(take_varint(b)?).ok()?,
            }),
            _ => return None,
        };
        let len = usize::try_from(take_varint(b)?).ok()?;
        // Each length takes a byte at least: a count beyond what is left
        // is damage, not a reason to reserve memory.
        if gap > 1 || len > b.len() {
            return None;
        }
        self.ends.clear();
        let mut end = 0usize;
        for _ in 0..len {
            end = end.checked_add(usize::try_from(take_varint(b)?).ok()?)?;
            self.ends.push(end);
        }
        if end != b.len() {
            return None;
        }
        self.bytes.clear();
        self.bytes.extend_from_slice(b);
        self.len = len;
        self.gap = usize::from(gap);
        self.broken = broken;
        Some(())
    }

    /// Why the line is not a record, if it is not.
    pub fn broken(&self) -> Option<Broken> {
        self.broken
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

    /// Bytes of [`Record::text`] between a cell's end and the next cell:
    /// 0 or 1.
    pub fn gap(&self) -> usize {
        self.gap
    }

    /// The cells one after the other, as text. Each cell is a slice of it
    /// from [`Record::gap`] bytes after the previous cell's end to its end
    /// in [`Record::ends`], cut off with [`str::get`], which refuses a cut
    /// that is not between characters: a file's invalid bytes can join into
    /// a valid sequence across a cell boundary.
    pub fn text(&self) -> Result<&str, NotText> {
        std::str::from_utf8(self.line()).map_err(|e| self.cell_at(e.valid_up_to()))
    }

    /// The bytes [`Record::text`] checks, unchecked.
    pub fn line(&self) -> &[u8] {
        let end = self.ends().last().copied().unwrap_or(0);
        self.bytes.get(..end).unwrap_or_default()
    }

    /// Bytes of the cells run together (empty if out of range).
    pub fn bytes(&self, range: std::ops::Range<usize>) -> &[u8] {
        self.bytes.get(range).unwrap_or_default()
    }

    /// The bytes of cell `i`, if the record has it (not checked as text).
    pub fn cell(&self, i: usize) -> Option<&[u8]> {
        let ends = self.ends();
        let start = i
            .checked_sub(1)
            .map_or(Some(0), |j| ends.get(j).map(|e| e + self.gap))?;
        self.bytes.get(start..*ends.get(i)?)
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
        let (text, mut start) = (self.text()?, 0);
        self.ends()
            .iter()
            .map(|&end| {
                let cell = text.get(start..end).ok_or(self.cell_at(start))?;
                start = end + self.gap;
                Ok(cell)
            })
            .collect()
    }
}

/// A UTF-8 byte order mark and one byte more.
const BOM_AND_ONE: usize = 4;

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// The default limit on a record's length, line end excluded: far more than
/// a population row needs, far less than memory.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// Why reading stopped.
#[derive(Debug)]
pub enum ReadError {
    /// The source could not be read.
    Io(std::io::Error),
    /// The line at `line` is longer than `limit` bytes.
    TooLong { line: u64, limit: usize },
    /// A part of a population of several files cannot be read with the
    /// others (it cannot be opened, or its header differs from the first's).
    Part { file: String, message: String },
}

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
    /// The line of `buffer[start]`, from 1.
    line: u64,
    /// Records read so far.
    records: u64,
    /// The longest record read, in bytes.
    limit: usize,
    /// The most cells whose ends a record keeps; beyond, cells are only
    /// counted (a line of a million commas would otherwise cost 8 MB).
    max_cells: usize,
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
            line: 1,
            records: 0,
            limit: MAX_RECORD_BYTES,
            max_cells: usize::MAX,
        }
    }

    /// Reads `source`, the part of a file from a line start (one range of
    /// a file read on several threads), counting from `at`: its byte in the
    /// file, its line, and the number of its first record. No byte order
    /// mark is looked for.
    pub fn from_position(source: R, capacity: usize, at: RowPosition) -> Self {
        Records {
            byte: at.byte,
            line: at.line,
            records: at.record,
            ..Records::new(source, capacity)
        }
    }

    /// Keeps where cells end for at most `max_cells` cells of a record;
    /// a record of more is broken ([`Broken::TooManyCells`]).
    pub fn keep_cells(&mut self, max_cells: usize) {
        self.max_cells = max_cells.max(1);
    }

    /// Refuses records longer than `limit` bytes (default [`MAX_RECORD_BYTES`]).
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// The source read.
    pub fn source(&self) -> &R {
        &self.source
    }

    /// Bytes read so far.
    pub fn byte(&self) -> u64 {
        self.byte
    }

    /// Where the next record starts.
    pub fn position(&self) -> RowPosition {
        RowPosition {
            line: self.line,
            byte: self.byte,
            record: self.records,
            ..RowPosition::default()
        }
    }

    /// Reads the next record into `record`, with where it is
    /// ([`Record::at`]); `Ok(false)` at the end. Blank
    /// lines are skipped; a UTF-8 byte order mark at the start is not a byte
    /// of the first cell. A line whose quoted field does not close is a
    /// record with [`Record::broken`] set.
    pub fn read(&mut self, record: &mut Record) -> Result<bool, ReadError> {
        if self.read_whole_line(record) {
            return Ok(true);
        }
        loop {
            if !self.more()? {
                return Ok(false);
            }
            if self.byte == 0 {
                let head = self.buffer.get(self.start..self.end).unwrap_or_default();
                if head.starts_with(BOM) {
                    self.start += BOM.len();
                    self.byte += BOM.len() as u64;
                }
            }
            let at = self.position();
            let (mut written, mut cells, mut len) = (0, 0, 0usize);
            let mut ended = false;
            // What the parser made of the line's end, once it has been fed.
            let mut complete = None;
            // The cells of a line cut at its commas, without the parser.
            let mut split = None;
            let mut first = true;
            while self.more()? {
                let input = self.buffer.get(self.start..self.end).unwrap_or_default();
                // A whole line in the buffer without a quote is what the
                // parser would make of it cut at its commas (its defaults:
                // no escapes, no comments, no trimming). Most such lines
                // were read by `read_whole_line`; here come the first line
                // (after its byte order mark), a line at the start of a
                // buffer read again, and one ending in a CR last in it.
                if first {
                    if let Some((n, cells)) = cut_line(input, record, self.max_cells, self.limit) {
                        len = n;
                        split = Some(cells);
                        self.start += n;
                        self.byte += n as u64;
                        ended = true;
                        break;
                    }
                }
                let cut = memchr::memchr2(b'\n', b'\r', input);
                let n = cut.unwrap_or(input.len());
                len = len.saturating_add(n);
                if len > self.limit {
                    return Err(ReadError::TooLong {
                        line: at.line,
                        limit: self.limit,
                    });
                }
                first = false;
                // A line that ends in LF here, as most do, goes to the parser
                // with its line end: one call, not a second for the `\n`
                // fed below. Empty input would tell the parser the file has
                // ended, so a piece with nothing in it is not fed.
                let lf = n > 0 && cut.is_some() && input.get(n) == Some(&b'\n');
                let fed = if lf { n + 1 } else { n };
                if fed > 0 {
                    let max = self.max_cells;
                    let result = feed(
                        &mut self.parser,
                        input.get(..fed).unwrap_or_default(),
                        record,
                        &mut written,
                        &mut cells,
                        max,
                    );
                    complete = lf.then_some(result);
                }
                self.start += fed;
                self.byte += fed as u64;
                if cut.is_some() {
                    ended = true;
                    break;
                }
            }
            if ended && complete.is_none() {
                let cr = self.buffer.get(self.start) == Some(&b'\r');
                self.start += 1;
                self.byte += 1;
                if cr && self.more()? && self.buffer.get(self.start) == Some(&b'\n') {
                    self.start += 1;
                    self.byte += 1;
                }
            }
            self.line += 1;
            if len == 0 {
                continue;
            }
            self.records += 1;
            if let Some(cells) = split {
                self.finish_cut(record, cells);
                record.at = at;
                return Ok(true);
            }
            let complete = match complete {
                Some(result) => result,
                None => {
                    let max = self.max_cells;
                    feed(
                        &mut self.parser,
                        b"\n",
                        record,
                        &mut written,
                        &mut cells,
                        max,
                    )
                }
            };
            self.finish(record, complete, cells);
            record.at = at;
            return Ok(true);
        }
    }

    /// The usual record, read the short way: a line whole in the buffer,
    /// with its line end, cut at its commas ([`cut_line`]), past the byte
    /// order mark's place. `false` leaves the line to [`Records::read`]
    /// (`record` may have been written to).
    #[inline]
    fn read_whole_line(&mut self, record: &mut Record) -> bool {
        if self.byte == 0 {
            return false;
        }
        let Some(input) = self.buffer.get(self.start..self.end) else {
            return false;
        };
        let Some((n, cells)) = cut_line(input, record, self.max_cells, self.limit) else {
            return false;
        };
        // LF, CRLF, or a CR with a byte after it that is not LF; a CR
        // last in the buffer may be half of a CRLF.
        let line_end = match (input.get(n), input.get(n + 1)) {
            (Some(b'\r'), Some(b'\n')) => 2,
            (Some(b'\n'), _) | (Some(b'\r'), Some(_)) => 1,
            _ => return false,
        };
        record.at = self.position();
        self.start += n + line_end;
        self.byte += (n + line_end) as u64;
        self.line += 1;
        self.records += 1;
        self.finish_cut(record, cells);
        true
    }

    /// Sets `record` to a line cut at its commas ([`cut_line`]) into
    /// `cells` cells, the commas kept between them.
    fn finish_cut(&mut self, record: &mut Record, cells: usize) {
        self.finish(record, ReadRecordResult::Record, cells);
        record.gap = 1;
    }

    /// Sets what a line fed to the parser up to its end made of `record`:
    /// its cells, or why it is broken.
    fn finish(&mut self, record: &mut Record, result: ReadRecordResult, cells: usize) {
        record.gap = 0;
        if result == ReadRecordResult::Record && cells > self.max_cells {
            record.len = 0;
            record.broken = Some(Broken::TooManyCells { cells });
        } else if result == ReadRecordResult::Record {
            record.len = cells;
            record.broken = None;
        } else {
            self.parser.reset();
            record.len = 0;
            record.broken = Some(Broken::OpenQuote);
        }
    }

    /// Whether there are bytes to read, reading more if needed.
    fn more(&mut self) -> Result<bool, ReadError> {
        if self.start == self.end && !self.exhausted {
            self.fill().map_err(ReadError::Io)?;
        }
        Ok(self.start < self.end)
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
            // A byte order mark is stripped (in `read`) only if the first
            // piece read holds all of it.
            if self.byte > 0 || self.end >= BOM_AND_ONE {
                break;
            }
        }
        self.exhausted = self.end == 0;
        Ok(())
    }
}

/// Bytes looked at together by [`cut_line`].
const BLOCK: usize = 16;

/// Finds the line at the start of `input` and cuts it into `record`'s
/// cells at its commas, in one pass, if the line is whole in `input`
/// (ends in LF or CR), holds no quote (which the parser must read), is not
/// empty and is at most `limit` bytes long; returns its length, line end
/// excluded, and how many cells it has. Otherwise `None`, and the line is
/// read the long way. The ends of at most `max_cells` cells are kept as
/// [`feed`] keeps them: past that, the last slot takes every further end
/// in turn. The line is copied as it is, commas and all ([`Record::gap`]).
///
/// Sixteen bytes are compared with the four bytes that matter at once
/// (`wide`: SSE2 on x86-64, NEON, WebAssembly's SIMD, or plain code
/// elsewhere): a line of a register is a few dozen bytes, and finding its
/// end and then its commas in two searches cost twice the reading and the
/// calls around each.
fn cut_line(
    input: &[u8],
    record: &mut Record,
    max_cells: usize,
    limit: usize,
) -> Option<(usize, usize)> {
    let last = max_cells.saturating_sub(1);
    let mut cells = 0;
    let mut base = 0;
    loop {
        let rest = input.get(base..).unwrap_or_default();
        let block = match rest.first_chunk::<BLOCK>() {
            Some(block) => *block,
            None => {
                // The buffer's last bytes: the block padded with zeros,
                // which are none of the bytes looked for.
                let mut block = [0; BLOCK];
                block.get_mut(..rest.len())?.copy_from_slice(rest);
                block
            }
        };
        let Marks {
            mut commas,
            quotes,
            line_ends,
        } = Marks::of(block);
        // Only what comes before the line's end is the line's.
        let before_end = match line_ends {
            0 => u32::MAX,
            ends => (1 << ends.trailing_zeros()) - 1,
        };
        if quotes & before_end != 0 {
            return None;
        }
        commas &= before_end;
        // The block's commas end the next cells: where there is room for
        // as many as a block can have, a store each. (A line of more cells
        // than kept may fill slots past the last kept here: it is broken,
        // and its cells are not read.)
        match record
            .ends
            .get_mut(cells..)
            .and_then(|e| e.first_chunk_mut::<BLOCK>())
        {
            Some(slots) => {
                // At most `BLOCK` commas, so the `n`th is `slots[n]`; the
                // index taken modulo `BLOCK` says so to the compiler, and
                // `base + i` is below the buffer's length: no check a comma.
                let mut n = 0;
                while commas != 0 {
                    if let Some(slot) = slots.get_mut(n % BLOCK) {
                        *slot = base.wrapping_add(commas.trailing_zeros() as usize);
                    }
                    n = n.wrapping_add(1);
                    commas &= commas - 1;
                }
                cells += n;
            }
            None => cells = end_cells(record, cells, last, base, commas),
        }
        if line_ends != 0 {
            let n = base + line_ends.trailing_zeros() as usize;
            if n == 0 || n > limit {
                return None;
            }
            set_end(record, cells.min(last), n);
            record.bytes.clear();
            record.bytes.extend_from_slice(input.get(..n)?);
            return Some((n, cells + 1));
        }
        if rest.len() <= BLOCK || base > limit {
            return None;
        }
        base += BLOCK;
    }
}

/// Sets the ends of the cells from `cells` on to the commas marked in
/// `commas` (bit `i` for the byte at `base + i`), past `last` each in the
/// last slot in turn, making room as needed: rare, as the room made stays
/// for the records after. Returns the cells ended so far.
#[cold]
#[inline(never)]
fn end_cells(
    record: &mut Record,
    mut cells: usize,
    last: usize,
    base: usize,
    mut commas: u32,
) -> usize {
    // Room for a block's cells after these, while they are kept, so that
    // the next line as long takes the short way.
    let room = cells.saturating_add(BLOCK);
    if cells <= last && record.ends.len() < room {
        record.ends.resize(room, 0);
    }
    while commas != 0 {
        set_end(
            record,
            cells.min(last),
            base + commas.trailing_zeros() as usize,
        );
        cells += 1;
        commas &= commas - 1;
    }
    cells
}

/// Sets cell `cell`'s end to `at`, making room for it if there is none.
fn set_end(record: &mut Record, cell: usize, at: usize) {
    if record.ends.len() <= cell {
        record.ends.resize((cell + 1).max(2 * record.ends.len()), 0);
    }
    if let Some(end) = record.ends.get_mut(cell) {
        *end = at;
    }
}

/// Which bytes of a block are commas, quotes and line ends (LF or CR): bit
/// `i` of each for byte `i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Marks {
    commas: u32,
    quotes: u32,
    line_ends: u32,
}

impl Marks {
    #[inline]
    fn of(block: [u8; BLOCK]) -> Marks {
        let bytes = u8x16::new(block);
        let equal = |byte: u8| bytes.simd_eq(u8x16::splat(byte));
        Marks {
            commas: equal(b',').to_bitmask(),
            quotes: equal(b'"').to_bitmask(),
            line_ends: (equal(b'\n') | equal(b'\r')).to_bitmask(),
        }
    }
}

/// Feeds `input`, which holds no line end but perhaps the one that ends the
/// record, to the parser, growing `record` as needed (its cells' ends up to
/// `max_cells`); returns the parser's last result (`InputEmpty` once
/// `input` is used up inside a record).
fn feed(
    parser: &mut csv_core::Reader,
    mut input: &[u8],
    record: &mut Record,
    written: &mut usize,
    cells: &mut usize,
    max_cells: usize,
) -> ReadRecordResult {
    loop {
        // Past `max_cells`, the last slot takes every further end in turn.
        let slot = (*cells).min(max_cells.saturating_sub(1));
        let (result, read, wrote, ended) = parser.read_record(
            input,
            record.bytes.get_mut(*written..).unwrap_or_default(),
            record.ends.get_mut(slot..).unwrap_or_default(),
        );
        input = input.get(read..).unwrap_or_default();
        *written += wrote;
        *cells += ended;
        match result {
            ReadRecordResult::OutputFull => {
                record.bytes.resize(record.bytes.len().max(1) * 2, 0);
            }
            ReadRecordResult::OutputEndsFull => {
                let more = (record.ends.len().max(1) * 2).min(max_cells);
                record.ends.resize(more.max(record.ends.len()), 0);
            }
            ReadRecordResult::InputEmpty | ReadRecordResult::Record | ReadRecordResult::End => {
                return result
            }
        }
    }
}

/// A number in LEB128: seven bits a byte, low first, the high bit set on
/// every byte but the last.
pub fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A number [`put_varint`] wrote, taken off the front of `bytes`; `None`
/// if they end first or it does not fit 64 bits.
pub fn take_varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first()?;
        *bytes = rest;
        let bits = u64::from(byte & 0x7f);
        if shift == 63 && bits > 1 {
            return None;
        }
        n |= bits << shift;
        if byte & 0x80 == 0 {
            return Some(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn a_cell_is_cut_where_parsing_cuts_it() {
        let mut records = Records::new(&b"a,,\"b,c\",d\n"[..], 64);
        let mut record = Record::new();
        records.read(&mut record).unwrap();
        let cells: Vec<Option<&[u8]>> = (0..5).map(|i| record.cell(i)).collect();
        assert_eq!(
            cells,
            [
                Some(&b"a"[..]),
                Some(&b""[..]),
                Some(&b"b,c"[..]),
                Some(&b"d"[..]),
                None
            ]
        );
    }

    fn all(data: &[u8], capacity: usize) -> Vec<(Vec<String>, RowPosition)> {
        all_keeping(data, capacity, usize::MAX)
    }

    /// Every record read from `data` in pieces of `capacity` bytes, each
    /// keeping at most `max_cells` cells.
    fn all_keeping(
        data: &[u8],
        capacity: usize,
        max_cells: usize,
    ) -> Vec<(Vec<String>, RowPosition)> {
        let mut records = Records::new(data, capacity);
        records.keep_cells(max_cells);
        let mut record = Record::new();
        let mut out = Vec::new();
        while records.read(&mut record).unwrap() {
            let at = *record.at();
            let cells = match record.broken() {
                Some(_) => vec!["<broken>".to_string()],
                None => record
                    .cells()
                    .unwrap()
                    .iter()
                    .map(|c| c.to_string())
                    .collect(),
            };
            out.push((cells, at));
        }
        out
    }

    /// The `csv` crate's reading of each line on its own, as editors cut
    /// lines: its cells, or `<broken>` if a quote is still open at its end
    /// (the crate then reads a line after it into the same record).
    fn line_by_line(data: &[u8]) -> Vec<(Vec<String>, RowPosition)> {
        let start = if data.starts_with(BOM) { BOM.len() } else { 0 };
        let (mut out, mut line, mut at) = (Vec::new(), 1, start);
        while at < data.len() {
            let len = data[at..]
                .iter()
                .position(|&b| b == b'\n' || b == b'\r')
                .unwrap_or(data.len() - at);
            let text = &data[at..at + len];
            if !text.is_empty() {
                let probe = [text, b"\nZ"].concat();
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(&probe[..]);
                let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
                let cells = if rows.len() == 2 {
                    rows[0].iter().map(str::to_string).collect()
                } else {
                    vec!["<broken>".to_string()]
                };
                let record = out.len() as u64;
                out.push((
                    cells,
                    RowPosition {
                        line,
                        byte: at as u64,
                        record,
                        ..RowPosition::default()
                    },
                ));
            }
            at += len;
            let cr = data.get(at) == Some(&b'\r');
            at += 1;
            if cr && data.get(at) == Some(&b'\n') {
                at += 1;
            }
            line += 1;
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
            while records.read(&mut record).unwrap() {
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

    /// A record is reused from row to row and source to source: each way
    /// of filling it says how its cells lie.
    #[test]
    fn a_record_filled_another_way_reads_its_own_cells() {
        let mut records = Records::new(&b"a,bc,d\n\"q\",r\n"[..], 64);
        let mut record = Record::new();
        records.read(&mut record).unwrap();
        assert_eq!(record.cells().unwrap(), ["a", "bc", "d"]);
        record.set_row(b"xyz", &[1, 3]);
        assert_eq!(record.cells().unwrap(), ["x", "yz"]);
        records.read(&mut record).unwrap();
        assert_eq!(record.cells().unwrap(), ["q", "r"]);
        let mut copy = Record::new();
        copy.copy_from(&record);
        assert_eq!(copy.cells().unwrap(), ["q", "r"]);
        records = Records::new(&b"a,bc\n"[..], 64);
        records.read(&mut record).unwrap();
        copy.copy_from(&record);
        assert_eq!(copy.cells().unwrap(), ["a", "bc"]);
        record.set_cells(&["s".to_string(), "t".to_string()], 8);
        assert_eq!(record.cells().unwrap(), ["s", "t"]);
    }

    #[test]
    fn a_block_marks_exactly_its_commas_quotes_and_line_ends() {
        for byte in 0..=255u8 {
            for other in [b'a', b',', b'"', b'\n', b'\r', 0x80, 0xff] {
                for at in 0..BLOCK {
                    let mut block = [other; BLOCK];
                    block[at] = byte;
                    let mut want = Marks {
                        commas: 0,
                        quotes: 0,
                        line_ends: 0,
                    };
                    for (i, b) in block.iter().enumerate() {
                        match b {
                            b',' => want.commas |= 1 << i,
                            b'"' => want.quotes |= 1 << i,
                            b'\n' | b'\r' => want.line_ends |= 1 << i,
                            _ => {}
                        }
                    }
                    assert_eq!(Marks::of(block), want, "{block:?}");
                }
            }
        }
    }

    #[test]
    fn invalid_utf8_is_found_in_its_cell() {
        // 0xE4 0xB8 0xAD is 中: split by a comma, each cell is invalid
        // though the cells run together (as the parser writes them, for a
        // line with quotes) are not.
        let data = b"\"ab\",\xe4,\xb8\xad\nx,\xff\nab,\xe4,\xb8\xad\n";
        let mut records = Records::new(&data[..], 64);
        let mut record = Record::new();
        records.read(&mut record).unwrap();
        assert!(record.text().is_ok());
        assert_eq!(record.cells(), Err(NotText { cell: 1 }));
        records.read(&mut record).unwrap();
        assert_eq!(record.text(), Err(NotText { cell: 1 }));
        // A line without quotes keeps its commas, so the text is invalid.
        records.read(&mut record).unwrap();
        assert_eq!(record.text(), Err(NotText { cell: 1 }));
    }

    proptest::proptest! {
        /// Each line read as the `csv` crate reads it on its own, for any
        /// mix of quotes, separators and line ends, and any buffer size; a
        /// line whose quote stays open is broken, and costs no other line.
        #[test]
        fn reads_each_line_as_the_csv_crate_does(
            bom in proptest::bool::ANY,
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["a", ",", "\"", "\r", "\n", "é"]),
                0..60,
            ),
            capacity in 1usize..20,
        ) {
            let data = format!("{}{}", if bom { "\u{feff}" } else { "" }, pieces.concat());
            proptest::prop_assert_eq!(all(data.as_bytes(), capacity), line_by_line(data.as_bytes()));
        }
    }

    proptest::proptest! {
        /// The same over lines of many blocks (commas, quotes and line
        /// ends anywhere in a block, or on either side of one), read from
        /// buffers of any size, with the cells kept limited or not: a line
        /// of more cells than kept is broken.
        #[test]
        fn long_lines_read_as_the_csv_crate_reads_them(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "abcdefghijklmno", "a", ",", ",,,,,,,,,", "\"", "\r", "\n", "\r\n", "é", "中文",
                ]),
                0..80,
            ),
            capacity in 1usize..400,
            max_cells in proptest::sample::select(vec![1usize, 3, 11, 40, usize::MAX]),
        ) {
            let data = pieces.concat();
            let want: Vec<_> = line_by_line(data.as_bytes())
                .into_iter()
                .map(|(cells, at)| match cells.len() > max_cells {
                    true => (vec!["<broken>".to_string()], at),
                    false => (cells, at),
                })
                .collect();
            proptest::prop_assert_eq!(all_keeping(data.as_bytes(), capacity, max_cells), want);
        }
    }

    #[test]
    fn cells_past_the_limit_are_counted_not_kept() {
        let line = ",".repeat(100_000);
        let data = format!("a,b\n{line}\nc,d\n");
        let mut records = Records::new(data.as_bytes(), 64);
        records.keep_cells(3);
        let mut record = Record::new();
        records.read(&mut record).unwrap();
        records.read(&mut record).unwrap();
        assert_eq!(
            record.broken(),
            Some(Broken::TooManyCells { cells: 100_001 })
        );
        assert!(record.ends.len() <= 32, "{}", record.ends.len());
        records.read(&mut record).unwrap();
        assert_eq!(record.cells().unwrap(), ["c", "d"]);
    }

    /// A record comes back as it went: its cells (cut at commas or by the
    /// parser), a broken one with why, and numbers past a byte in LEB128;
    /// bytes cut short, with a byte more, or of a kind no record has are
    /// not one.
    #[test]
    fn a_record_reads_back_as_encoded() {
        let long = "甲".repeat(100);
        let data = format!("a,b\n1,{long},\n\"2\",\"x,y\"\n\"open\n,,,,,\n");
        let mut records = Records::new(data.as_bytes(), 64);
        records.keep_cells(4);
        let mut record = Record::new();
        let mut back = Record::new();
        let mut seen = Vec::new();
        while records.read(&mut record).unwrap() {
            let mut bytes = Vec::new();
            record.encode(&mut bytes);
            back.decode(&bytes).unwrap();
            assert_eq!(back.broken(), record.broken());
            assert_eq!((back.gap(), back.ends()), (record.gap(), record.ends()));
            assert_eq!(back.cells(), record.cells());
            seen.push(record.broken());
            for len in 0..bytes.len() {
                assert!(back.decode(&bytes[..len]).is_none(), "{len} bytes");
            }
            bytes.push(b'x');
            assert!(back.decode(&bytes).is_none());
        }
        assert!(
            seen.contains(&Some(Broken::TooManyCells { cells: 6 })),
            "{seen:?}"
        );
        assert!(back.decode(&[0, 3, 0]).is_none());
        let mut n = Vec::new();
        for value in [0, 127, 128, 300, u64::MAX] {
            n.clear();
            put_varint(&mut n, value);
            assert_eq!(take_varint(&mut n.as_slice()), Some(value));
        }
        assert_eq!(take_varint(&mut &[0xff; 10][..]), None);
    }

    #[test]
    fn a_line_longer_than_the_limit_stops_reading() {
        let data = b"a,b\nccccc\nd\n";
        let mut records = Records::new(&data[..], 2).with_limit(4);
        let mut record = Record::new();
        assert!(records.read(&mut record).unwrap());
        match records.read(&mut record) {
            Err(ReadError::TooLong { line, limit }) => assert_eq!((line, limit), (2, 4)),
            other => panic!("{other:?}"),
        }
    }
}
