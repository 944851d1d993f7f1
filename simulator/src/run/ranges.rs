//! Reading one file in ranges on every thread: ranges of a CSV file's
//! lines, or a Parquet file's row groups ([`Pieces`]). Each worker reads,
//! parses and decides the rows of a range of its own, so a row is written
//! and read by one core and no thread reads for the others. The ranges'
//! parts are added up in file order, their rows' lines and numbers counted
//! on from the ranges before, so the run is the one reading the file in
//! order gives (the tests of `run` hold the two equal).
//!
//! A record is a line (`crate::records`: a quoted field cannot span
//! lines), so a range can start at any line start: the first after a
//! nominal offset (`crate::line_ends`). Each range is decoded from where
//! it starts. A row group is a range as it is: the file's footer says
//! where each starts. Identifiers are checked per range and added in order
//! ([`RangeIds`]).
//!
//! A run that decides by a row's number in the file (draws of assumptions,
//! person rows, weights) first counts every range's lines and rows, on
//! every thread, so that each range is read numbered from its place in the
//! file ([`origins`]; a row group's place is known from the start); other
//! runs count a range's lines from its start and count them on as it is
//! added. A run that skips bad rows must know a
//! repeated identifier as its row is read: it reads in ranges while the
//! identifiers ascend (then none repeats), and at the first range that
//! breaks the order starts over, reading in order ([`Ranged::OutOfOrder`]).
//! List files read in step and quotas read the file in order (see
//! [`plan`]).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::{Condvar, Mutex, PoisonError};

use super::{Job, OnBadRow, Part, Row, RowRead, Run};
use crate::encoding::Decoded;
use crate::identifiers::{Identifiers, RangeIds, Reread};
use crate::line_ends::{bounds, count_lines};
use crate::lists::ItemRows;
use crate::parquet::RowGroups;
use crate::population::{read_error, LineRanges, Record, RowError, RowPosition};
use crate::progress::Progress;
use crate::records::{ReadError, Records};
use crate::source::{RecordSource, Source};

/// The bytes of a range: some 25,000 rows of a register, so that the
/// threads finish together and the ranges in flight stay small (a range's
/// fingerprints take 16 bytes a row). On 10M rows with two threads, 1, 4
/// and 16 MB took the same time within the machine's noise, and 13, 21 and
/// 51 MB at the peak (docs/performance.md).
pub(super) const RANGE_BYTES: u64 = 1 << 20;

/// Ranges read ahead of the first not yet added up, per thread, and in
/// all: what bounds memory when one range is slow to read or to add up (the
/// first identifier out of order reads the file before it again). With
/// more than eight threads, no more than 32 ranges are in flight.
const AHEAD: usize = 4;
const MOST_AHEAD: usize = 32;

/// How reading in ranges ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ranged {
    /// Every range was added up.
    Done,
    /// A run that skips bad rows met identifiers out of order: it must
    /// read the file in order, from the start, instead (nothing has been
    /// written yet: see [`plan`]).
    OutOfOrder,
}

/// What a run reads in ranges.
pub(super) enum Pieces {
    /// A CSV file on disk, in ranges of lines of about `range_bytes`.
    Lines { lines: LineRanges, range_bytes: u64 },
    /// A Parquet file, a range a row group.
    Groups(RowGroups),
}

impl Pieces {
    /// The ranges to read.
    fn count(&self) -> usize {
        match self {
            Pieces::Lines { lines, range_bytes } => {
                let count = lines
                    .len
                    .saturating_sub(lines.first.byte)
                    .div_ceil((*range_bytes).max(1))
                    .max(1);
                usize::try_from(count).unwrap_or(usize::MAX)
            }
            Pieces::Groups(groups) => groups.len(),
        }
    }

    /// Where the first row after the header is.
    fn first(&self) -> RowPosition {
        match self {
            Pieces::Lines { lines, .. } => lines.first,
            Pieces::Groups(groups) => groups.open(0).position(),
        }
    }
}

/// What a worker made of one range.
struct Range {
    part: Part,
    ids: RangeIds,
    /// Lines and rows read (all of the range's, unless it stopped at a bad
    /// row).
    lines: u64,
    rows: u64,
    /// Where its lines start and end in the file (a row group: its
    /// compressed bytes); `None` for a range in which no line starts
    /// (inside a line longer than a range).
    bytes: Option<(u64, u64)>,
    /// Whether its rows were numbered from their place in the file; else
    /// from the range's start (its first line 1), and counted on as it is
    /// added.
    placed: bool,
}

impl Range {
    /// A range in which no line was read: none starts in it, or it could
    /// not be read (`part` then holds why).
    fn without_lines(part: Part, placed: bool) -> Range {
        Range {
            part,
            ids: RangeIds::new(),
            lines: 0,
            rows: 0,
            bytes: None,
            placed,
        }
    }
}

/// What the workers share.
struct Shared {
    /// The next range to read.
    next: usize,
    /// Ranges added up so far.
    added: usize,
    /// Ranges read and not yet added up.
    done: BTreeMap<usize, Range>,
    /// Threads that may still read a range.
    working: usize,
    /// The run has stopped: no more ranges are taken.
    stop: bool,
}

/// The file in ranges, when the run can read it so (see the module's doc),
/// on more than one thread: a CSV file on disk of at least two ranges, or
/// a Parquet file of at least two row groups.
pub(super) fn plan<R: Read>(
    job: &Job<'_>,
    reader: &crate::population::Reader<R>,
    range_bytes: u64,
) -> Option<Pieces> {
    // Skipping bad rows, a run reads in ranges hoping that identifiers
    // ascend, and starts over in order if they do not: so only if it has
    // written nothing by then (persons, history rows).
    let restartable = job.persons.is_none() && job.compared.is_none() && job.awards.is_none();
    let in_ranges = (job.on_bad_row == OnBadRow::Fail || restartable)
        && job.layouts.is_empty()
        && job.lists.is_none()
        && !job.quotas;
    if !in_ranges || rayon::current_num_threads() < 2 {
        return None;
    }
    if let Some(groups) = reader.row_groups() {
        return (groups.len() >= 2).then_some(Pieces::Groups(groups));
    }
    let lines = reader.line_ranges()?;
    (lines.len.saturating_sub(lines.first.byte) >= range_bytes.saturating_mul(2))
        .then_some(Pieces::Lines { lines, range_bytes })
}

/// Reads the file in ranges, on every thread of the pool: this one, which
/// also adds the ranges up in file order, and one more per other thread.
/// (A thread only adding up would take turns on the cores with the
/// workers, for little work.)
pub(super) fn by_ranges(
    job: &Job<'_>,
    pieces: &Pieces,
    ids: &mut Identifiers,
    file: &dyn Reread,
    run: &mut Run,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Ranged, RowError> {
    let threads = rayon::current_num_threads().max(1);
    let count = pieces.count();
    let origins = match pieces {
        Pieces::Lines { lines, range_bytes } if numbered(job) => Some(
            origins(lines, *range_bytes, count)
                .map_err(|e| file.failed(format!("cannot read the file: {e}")))?,
        ),
        // A row group's reader numbers its rows from its place.
        Pieces::Lines { .. } | Pieces::Groups(_) => None,
    };
    let first = pieces.first();
    let ranges = Ranges {
        job,
        pieces,
        count,
        origins,
        ahead: AHEAD.saturating_mul(threads).min(MOST_AHEAD),
        shared: Mutex::new(Shared {
            next: 0,
            added: 0,
            done: BTreeMap::new(),
            working: threads,
            stop: false,
        }),
        changed: Condvar::new(),
    };
    let mut adder = Adder {
        ids,
        file,
        run,
        progress,
        line: first.line,
        row: first.record,
        byte: first.byte,
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|| ranges.work(None).map(|_| ()));
        }
        let added = ranges.work(Some(&mut adder));
        ranges.lock().stop = true;
        ranges.changed.notify_all();
        added
    })
}

/// The ranges of a run, and what their threads share.
struct Ranges<'j, 'a> {
    job: &'j Job<'a>,
    pieces: &'j Pieces,
    count: usize,
    /// Ranges taken ahead of the first not yet added up.
    ahead: usize,
    /// Per range, its first line and the number of its first row in the
    /// file, for a run that decides by a row's number ([`numbered`]).
    origins: Option<Vec<(u64, u64)>>,
    shared: Mutex<Shared>,
    changed: Condvar,
}

/// Adds ranges up in file order: lines of bad rows counted on from the
/// ranges before, identifiers added, each part absorbed.
struct Adder<'r> {
    ids: &'r mut Identifiers,
    file: &'r dyn Reread,
    run: &'r mut Run,
    progress: &'r (dyn Fn(Progress) + Sync),
    /// The line, the row number and the byte the next range starts on.
    line: u64,
    row: u64,
    byte: u64,
}

impl Adder<'_> {
    /// Adds `range`; `false` if its identifiers do not follow the ones
    /// before in a run that skips bad rows (see [`Ranged::OutOfOrder`]).
    fn add(&mut self, ranges: &Ranges<'_, '_>, range: Range) -> Result<bool, RowError> {
        let job = ranges.job;
        let Range {
            mut part,
            ids,
            lines,
            rows,
            bytes,
            placed,
        } = range;
        if let Some((start, end)) = bytes {
            // Each range's end is found on its own from the next one's
            // start: they differ only if the file changed between.
            if start != self.byte {
                return Err(self.file.failed(format!(
                    "the file changed while it was read (a row starts at byte {start}, where byte {} was expected)",
                    self.byte
                )));
            }
            self.byte = end;
        }
        if !placed {
            part.count_lines_on(self.line - 1);
        }
        if !self.ids.absorb(ids, self.row, self.file)? {
            return Ok(false);
        }
        self.run.absorb(part, job)?;
        self.line = self.line.saturating_add(lines);
        self.row = self.row.saturating_add(rows);
        (self.progress)(Progress {
            rows: self.row.saturating_sub(1),
            bytes: self.byte,
        });
        Ok(true)
    }
}

/// Counts a thread out of the work when it ends, however it ends, so that
/// the thread adding up never waits for a range nobody will read.
struct Leaving<'s>(&'s Ranges<'s, 's>);

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.working -= 1;
        // A thread that panics leaves its range unread: the run stops, and
        // the scope's end raises the panic, which waiting would never do.
        if std::thread::panicking() {
            s.stop = true;
        }
        drop(s);
        self.0.changed.notify_all();
    }
}

impl Ranges<'_, '_> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes ranges in order and reads each, until none is left or the run
    /// stops; with an adder, adds up every range ready in order between
    /// ranges, and goes on until all are added.
    fn work(&self, mut adder: Option<&mut Adder<'_>>) -> Result<Ranged, RowError> {
        let _leaving = Leaving(self);
        let mut opened: Option<File> = None;
        let mut row = Row::new();
        loop {
            let mut s = self.lock();
            let index = loop {
                if let Some(adder) = adder.as_deref_mut() {
                    let added = s.added;
                    if let Some(range) = s.done.remove(&added) {
                        s.added += 1;
                        drop(s);
                        self.changed.notify_all();
                        let added = adder.add(self, range);
                        if !matches!(added, Ok(true)) {
                            self.lock().stop = true;
                            self.changed.notify_all();
                            return added.map(|_| Ranged::OutOfOrder);
                        }
                        s = self.lock();
                        continue;
                    }
                    if s.added >= self.count || (s.working == 1 && s.next >= self.count) {
                        return Ok(Ranged::Done);
                    }
                }
                if s.stop || (adder.is_none() && s.next >= self.count) {
                    return Ok(Ranged::Done);
                }
                if s.next < self.count && s.next < s.added.saturating_add(self.ahead) {
                    s.next += 1;
                    break s.next - 1;
                }
                s = self.changed.wait(s).unwrap_or_else(PoisonError::into_inner);
            };
            drop(s);
            let range = self.read(index, &mut opened, &mut row);
            self.lock().done.insert(index, range);
            self.changed.notify_all();
        }
    }

    /// Reads range `index`, opening a CSV file on first use.
    fn read(&self, index: usize, opened: &mut Option<File>, row: &mut Row) -> Range {
        let job = self.job;
        // The first row's line and number, if the range is read numbered
        // from its place in the file (a row group always is).
        let origin = self.origins.as_ref().and_then(|o| o.get(index).copied());
        let (lines, range_bytes) = match self.pieces {
            Pieces::Lines { lines, range_bytes } => (lines, *range_bytes),
            Pieces::Groups(groups) => {
                let group = groups.open(index);
                let at = group.position();
                let mut records = Source::<std::io::Empty>::Parquet(Box::new(group));
                let origin = Some((at.line, at.record));
                return decide_rows(job, &mut records, origin, groups.bytes(index), row);
            }
        };
        // A bug while deciding a row, in tests: see `a_panic_in_a_range_stops_the_run`.
        #[cfg(test)]
        if index == 0 && lines.path.ends_with("panics.csv") {
            panic!("a bug while reading range {index}");
        }
        let (from, to) = span(lines, range_bytes, index);
        match opened {
            Some(f) => read_range(job, lines, f, (from, to, origin), row),
            None => match File::open(&lines.path) {
                Ok(f) => read_range(job, lines, opened.insert(f), (from, to, origin), row),
                Err(e) => failed(job, lines, origin, ReadError::Io(e)),
            },
        }
    }
}

/// A range that could not be read: the error, on its first line (at
/// `origin`, or line 1 of the range).
fn failed(job: &Job<'_>, lines: &LineRanges, origin: Option<(u64, u64)>, e: ReadError) -> Range {
    let mut part = Part::new(job);
    let at = RowPosition {
        line: origin.map_or(1, |(line, _)| line),
        ..lines.first
    };
    part.bad_rows.push(read_error(job.layout.file(), at, e));
    Range::without_lines(part, origin.is_some())
}

/// The bytes range `index` spans before its lines are found: its lines are
/// those that start in it.
fn span(lines: &LineRanges, range_bytes: u64, index: usize) -> (u64, u64) {
    let at = |i: usize| {
        let i = u64::try_from(i).unwrap_or(u64::MAX);
        lines
            .first
            .byte
            .saturating_add(i.saturating_mul(range_bytes))
    };
    (at(index), at(index.saturating_add(1)))
}

/// Reads and decides the lines that start in `[from, to)` (from the first
/// line start at or after `from` to the first at or after `to`), numbering
/// them from `origin` (the first one's line and row number) or from the
/// range's start.
fn read_range(
    job: &Job<'_>,
    lines: &LineRanges,
    file: &mut File,
    (from, to, origin): (u64, u64, Option<(u64, u64)>),
    row: &mut Row,
) -> Range {
    let (start, end) = match bounds(file, from, to, lines) {
        Ok(Some(b)) => b,
        Ok(None) => return Range::without_lines(Part::new(job), origin.is_some()),
        Err(e) => return failed(job, lines, origin, ReadError::Io(e)),
    };
    if let Err(e) = file.seek(SeekFrom::Start(start)) {
        return failed(job, lines, origin, ReadError::Io(e));
    }
    let (first_line, first_row) = origin.unwrap_or((1, 0));
    let at = RowPosition {
        line: first_line,
        byte: start,
        record: first_row,
        ..RowPosition::default()
    };
    let mut records = Records::from_position(
        Decoded::from_offset(
            Read::take(file, end.saturating_sub(start)),
            lines.encoding,
            start,
        ),
        1 << 16,
        at,
    )
    .with_limit(lines.limit);
    records.keep_cells(lines.max_cells);
    let mut records = Source::Text(records);
    decide_rows(job, &mut records, origin, (start, end), row)
}

/// Reads and decides the rows of one range from `records`, which number
/// them from `origin` (its first row's line and number) or from the
/// range's start, until its end or the row that stops the run; `bytes` are
/// the range's in the file.
fn decide_rows<S: RecordSource>(
    job: &Job<'_>,
    records: &mut S,
    origin: Option<(u64, u64)>,
    bytes: (u64, u64),
    row: &mut Row,
) -> Range {
    let (first_line, first_row) = origin.unwrap_or((1, 0));
    let mut part = Part::new(job);
    let mut ids = RangeIds::new();
    let none = ItemRows::default();
    let (mut a, mut b) = (Record::new(), Record::new());
    let (mut record, mut previous) = (&mut a, &mut b);
    let mut first = true;
    loop {
        match records.read(record) {
            Ok(true) => {
                if let Some(id) = job.layout.identifier(record) {
                    ids.see(id);
                }
                let read = RowRead {
                    repeated_id: false,
                    items: &none,
                };
                let before = (!first).then_some(&*previous);
                row.decide(job, record, before, read, &mut part);
                first = false;
                std::mem::swap(&mut record, &mut previous);
                if part.stops(job) {
                    break;
                }
            }
            Ok(false) => break,
            Err(e) => {
                // Where reading stopped, as `Reader::next_record` says it.
                let at = records.position();
                part.bad_rows.push(read_error(job.layout.file(), at, e));
                break;
            }
        }
    }
    row.count_slots(job, &mut part);
    let at = records.position();
    Range {
        part,
        ids,
        lines: at.line.saturating_sub(first_line),
        rows: at.record.saturating_sub(first_row),
        bytes: Some(bytes),
        placed: origin.is_some(),
    }
}

/// Whether the run decides by a row's number in the file (draws of
/// assumptions are keyed by it, person rows and weights' limit carry it),
/// so that a range must be numbered from its place before it is read.
fn numbered(job: &Job<'_>) -> bool {
    job.extras
        || job.person_rows
        || job.layout.weighted()
        || job.sides.iter().any(|s| s.assumptions.is_some())
}

/// Each range's first line and the number of its first row in the file:
/// every range's lines and rows counted on every thread (a pass over the
/// file's bytes for its line ends, a few percent of a run), then added up.
fn origins(lines: &LineRanges, range_bytes: u64, count: usize) -> std::io::Result<Vec<(u64, u64)>> {
    use rayon::prelude::*;
    let counted: Vec<std::io::Result<(u64, u64)>> = (0..count)
        .into_par_iter()
        .map_init(
            || None::<File>,
            |opened, i| {
                let file = match opened {
                    Some(f) => f,
                    None => opened.insert(File::open(&lines.path)?),
                };
                let (from, to) = span(lines, range_bytes, i);
                match bounds(file, from, to, lines)? {
                    Some((start, end)) => count_lines(file, start, end),
                    None => Ok((0, 0)),
                }
            },
        )
        .collect();
    let mut origin = (lines.first.line, lines.first.record);
    let mut origins = Vec::with_capacity(count);
    for c in counted {
        let (range_lines, rows) = c?;
        origins.push(origin);
        origin = (
            origin.0.saturating_add(range_lines),
            origin.1.saturating_add(rows),
        );
    }
    Ok(origins)
}
