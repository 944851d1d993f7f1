//! The simulation loop: stream a population through the runtime evaluator
//! and tally the decisions.
//!
//! With several threads, a CSV file on disk is read in ranges of
//! lines, and a Parquet file a row group a range, each read and decided by
//! one thread (`ranges`), when nothing in the run needs the rows in order
//! as they are decided. Otherwise the
//! reader fills a chunk of raw records while the workers parse and
//! evaluate the previous chunk, so memory holds two chunks whatever the
//! size of the file. With one thread there is nothing to overlap, and each
//! row is read, decided and counted in turn. All add their parts up in file
//! order (`Run::absorb`), so the result is the same. Either way, a row like
//! one met before but for its id, as most rows of a population that qualify
//! for nothing are, is counted again without being parsed and decided again
//! (`memo`).

use std::io::Read;

use bursar_runtime::ir::Scheme;
use bursar_runtime::{claim, Applicant, Claim, Decision, Outcome, Program};
use chrono::NaiveDate;
use rayon::prelude::*;

use crate::assume::{expected_payment, Assumptions, ExpectedDays, EXPECTED_FRACTION};
use crate::awards::AwardsOut;
use crate::compare::DiffTally;
use crate::draws::{DrawPlan, DrawTallies};
use crate::identifiers::{Identifiers, Repeats};
use crate::lists::{attach_rows, ItemRows, ListLayout, Lists, Streams};
use crate::persons::{person_row, Compared, ComparedOut, PersonRow, PersonsOut};
use crate::placements::PlacementsOut;
use crate::population::{Layout, Reader, Record, RowError, RowPosition};
use crate::progress::Progress;
use crate::tally::{Settling, Tally, TallyPlan};
use crate::weight::Weight;

mod memo;
mod queue;
mod ranges;

use memo::{Decided, Found, Memo, Slot};

/// Rows per chunk: large enough to amortise scheduling, small enough that
/// two chunks stay a few megabytes. With two threads, 2,048 rows (and
/// batches of 256) spent a third of the time waiting at the end of each
/// chunk: 10M rows took 1.45 s against 1.12 s with 8,192 (and 1.92 s with
/// one thread); 16,384 was no better (docs/performance.md).
const CHUNK: usize = 8192;
/// Rows per unit of work inside a chunk: sixteen to a chunk, so that the
/// thread that reads can take its share of the deciding once it is done.
const BATCH: usize = 512;

/// What to do with a row that breaks the data contract.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnBadRow {
    /// Stop at the first bad row (in file order) and report it.
    #[default]
    Fail,
    /// Count it, report the first few, and go on.
    Skip,
}

/// How to run.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub on_bad_row: OnBadRow,
    /// Per scheme, in the order given to [`simulate`]: behavioural
    /// assumptions (take-up, lateness). None, or missing: the population's own
    /// application dates are used as they are.
    pub assumptions: Vec<Option<Assumptions>>,
    /// The items of the schemes' list fields, by identifier.
    pub lists: Option<std::sync::Arc<Lists>>,
    /// Write the first scheme's awards as its award history, every row's
    /// in the population's order as the run goes.
    pub awards: Option<std::sync::Arc<AwardsOut>>,
    /// Write the first scheme's decision for every row read, in the
    /// population's order as the run goes (`simulate --persons`).
    pub persons: Option<std::sync::Arc<PersonsOut>>,
    /// Comparing two schemes: write both decisions for every row, sorted
    /// by the change (`compare --persons`).
    pub compared: Option<std::sync::Arc<ComparedOut>>,
    /// Draw the first scheme's behavioural assumptions this many times
    /// (`--draws`), for ranges: see [`crate::draws`].
    pub draws: Option<u32>,
    /// Write the first scheme's claims on quotas and what allocation gave
    /// each, in quota order then rank order (`bursar allocate`).
    pub placements: Option<std::sync::Arc<PlacementsOut>>,
}

/// A chunk's raw rows, each with where it is in the file.
struct Chunk {
    records: Vec<Record>,
    /// Per row: whether an earlier row had its identifier (worked out by
    /// the reader, in file order).
    repeated: Vec<bool>,
    /// Per row: its rows of every list file read in step (see
    /// [`crate::lists::Streams`]); empty without list files.
    items: Vec<ItemRows>,
    len: usize,
    /// What stopped reading after the chunk's rows: reported once they
    /// are counted, since a bad row among them comes first in the file.
    error: Option<RowError>,
}

impl Chunk {
    fn new() -> Chunk {
        Chunk {
            records: (0..CHUNK).map(|_| Record::new()).collect(),
            repeated: vec![false; CHUNK],
            items: Vec::new(),
            len: 0,
            error: None,
        }
    }
}

/// What one pass over a population produced.
#[derive(Debug)]
pub struct Run {
    /// One tally per scheme, in the order given.
    pub tallies: Vec<Tally>,
    /// With two schemes: how persons fare under the second against the first.
    pub diff: Option<DiffTally>,
    /// The first skipped rows (at most 20), in file order.
    pub skipped: Vec<RowError>,
    /// With `--draws`: the first scheme's money in every draw.
    pub draws: Option<DrawTallies>,
    /// Per scheme with quotas: its claims, sorted as they come
    /// ([`queue`]).
    queues: Vec<queue::Queue>,
    /// Comparing two schemes with quotas: persons either side of whom
    /// waits for allocation, compared once it is done (kept on disk
    /// beyond a bound).
    pair_rows: Option<queue::Pairs>,
}

/// One batch's decisions under a scheme subject to a quota, until they
/// join the scheme's [`queue::Queue`].
#[derive(Debug, Default)]
struct Waiting {
    claims: Vec<Claim>,
    /// Per claim (by its `tag`): what counting it will need.
    decisions: Vec<Settling>,
    /// With `--persons`, the first scheme's waiting rows, by tag: written
    /// once allocated.
    persons: Vec<(u64, PersonRow)>,
}

/// Runs `schemes` (one, or two to compare) over a population in one pass,
/// calling `progress` with the rows and bytes read so far. The result does not depend
/// on the number of threads. Every scheme must read a row as the first does
/// ([`crate::compare::input_difference`] says how two differ).
/// Bad rows, reported or skipped, carry their line in the file (counted
/// as it is read).
pub fn simulate<R: Read + Send>(
    schemes: &[&Scheme],
    reader: &mut Reader<R>,
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Run, RowError> {
    simulate_with(
        schemes,
        reader,
        &mut Streams::<std::io::Empty>::new(),
        options,
        progress,
    )
}

/// [`simulate`], with list files read in step with the population.
pub fn simulate_with<R: Read + Send, L: Read + Send>(
    schemes: &[&Scheme],
    reader: &mut Reader<R>,
    streams: &mut Streams<L>,
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Run, RowError> {
    simulate_in_ranges(
        schemes,
        reader,
        streams,
        options,
        progress,
        ranges::RANGE_BYTES,
    )
}

/// [`simulate_with`], reading a file in ranges of `range_bytes` where it
/// can (small ranges in tests).
fn simulate_in_ranges<R: Read + Send, L: Read + Send>(
    schemes: &[&Scheme],
    reader: &mut Reader<R>,
    streams: &mut Streams<L>,
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
    range_bytes: u64,
) -> Result<Run, RowError> {
    if schemes.is_empty() {
        return Ok(Run {
            tallies: Vec::new(),
            diff: None,
            skipped: Vec::new(),
            draws: None,
            queues: Vec::new(),
            pair_rows: None,
        });
    }
    let layout = reader.layout().clone();
    let awards = options.awards.as_deref();
    let persons = options.persons.as_deref();
    let compared = options.compared.as_deref().filter(|_| schemes.len() == 2);
    let draws = options.draws.and_then(|n| {
        let a = options.assumptions.first()?.as_ref()?;
        Some(DrawPlan::new(a, n))
    });
    let mut job = Job {
        sides: schemes
            .iter()
            .enumerate()
            .map(|(i, scheme)| {
                let assumptions = options.assumptions.get(i).and_then(Option::as_ref);
                Side {
                    scheme,
                    program: Program::new(scheme),
                    plan: TallyPlan::new(scheme),
                    assumptions,
                    fraction: assumptions.map_or(EXPECTED_FRACTION, |a| a.timeline_fraction),
                }
            })
            .collect(),
        layout: &layout,
        on_bad_row: options.on_bad_row,
        lists: options.lists.as_deref().filter(|l| !l.is_empty()),
        layouts: streams.layouts(),
        quotas: schemes.iter().any(|s| !s.quotas.is_empty()),
        extras: awards.is_some() || draws.is_some(),
        person_rows: persons.is_some() || compared.is_some(),
        plain: false,
        placements: options.placements.as_deref(),
        awards,
        persons,
        compared,
        draws,
    };
    job.plain = job.sides.len() == 1
        && job.sides.iter().all(|s| s.assumptions.is_none())
        && !job.quotas
        && !job.extras
        && !job.person_rows;
    let new_run = || Run {
        tallies: job.sides.iter().map(|s| Tally::new(&s.plan)).collect(),
        diff: (schemes.len() == 2).then(DiffTally::default),
        skipped: Vec::new(),
        draws: job
            .draws
            .as_ref()
            .zip(schemes.first())
            .map(|(p, s)| p.tallies(s)),
        queues: if job.quotas {
            job.sides
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let persons = job.persons.is_some() && i == 0;
                    let given = job.sides.len() == 2;
                    queue::Queue::new(s.scheme, persons, given, job.sides.len())
                })
                .collect()
        } else {
            Vec::new()
        },
        pair_rows: (job.quotas && job.sides.len() == 2)
            .then(|| queue::Pairs::new(job.compared.is_some())),
    };
    let repeats = match options.on_bad_row {
        OnBadRow::Fail => Repeats::StopAtFirst,
        OnBadRow::Skip => Repeats::Skip,
    };
    let mut run = new_run();
    let mut ids = Identifiers::new(reader.rereadable(), repeats);
    let ranged = ranges::plan(&job, reader, range_bytes)
        .map(|pieces| ranges::by_ranges(&job, &pieces, &mut ids, reader, &mut run, progress));
    let looped = match ranged {
        Some(Ok(ranges::Ranged::Done)) => Ok(()),
        Some(Err(e)) => Err(e),
        Some(Ok(ranges::Ranged::OutOfOrder)) | None => {
            // Identifiers out of order in a run that skips bad rows: the
            // reader, which has read only the header, reads the file in
            // order from the start.
            if ranged.is_some() {
                run = new_run();
                ids = Identifiers::new(reader.rereadable(), repeats);
            }
            if rayon::current_num_threads() == 1 {
                one_thread(&job, reader, &mut ids, streams, &mut run, progress)
            } else {
                pipelined(&job, reader, &mut ids, streams, &mut run, progress)
            }
        }
    };
    late_repeat(ids, reader, looped)?;
    // Items that belong to no applicant are bad rows of their list file.
    let mut part = Part::new(&job);
    part.bad_rows = streams.finish()?;
    if let Some(lists) = job.lists {
        part.bad_rows.extend(lists.unclaimed());
    }
    if job.persons.is_some() || job.compared.is_some() {
        // Rows of list files, not of the population: counted as skipped
        // rows, so listed with the rest.
        for e in &part.bad_rows {
            let row = PersonRow::skipped(None, &[], e.to_string());
            if job.compared.is_some() {
                part.compared.push(Compared::new(row.clone(), row.clone()));
            }
            if job.persons.is_some() {
                part.persons.push(row);
            }
        }
    }
    run.absorb(part, &job)?;
    run.allocate(&job)?;
    Ok(run)
}

impl Run {
    /// Adds a part, in file order; its first bad row is the run's error
    /// unless bad rows are skipped. Its history rows are written.
    fn absorb(&mut self, part: Part, job: &Job<'_>) -> Result<(), RowError> {
        let on_bad_row = job.on_bad_row;
        if let Some(awards) = job.awards {
            awards.write(&part.awards);
        }
        if let Some(persons) = job.persons {
            persons.write(&part.persons);
        }
        if let Some(compared) = job.compared {
            compared.add(part.compared);
        }
        if let (Some(d), Some(p)) = (self.draws.as_mut(), part.draws) {
            d.merge(p);
        }
        for (t, p) in self.tallies.iter_mut().zip(part.tallies) {
            t.merge(p);
        }
        if let (Some(d), Some(p)) = (self.diff.as_mut(), part.diff) {
            d.merge(p);
        }
        // The part's tags count from 0: from here on they follow this
        // run's waiting decisions.
        let offsets: Vec<u64> = self.queues.iter().map(queue::Queue::waited).collect();
        if let Some(rows) = &mut self.pair_rows {
            for mut p in part.pair_rows {
                for (tag, offset) in p.tags.iter_mut().zip(&offsets) {
                    if let Some(t) = tag {
                        *t += offset;
                    }
                }
                rows.push(p).map_err(|m| job.run_error(m))?;
            }
        }
        for (queue, p) in self.queues.iter_mut().zip(part.waiting) {
            queue
                .add(p.claims, p.decisions, p.persons)
                .map_err(|m| job.run_error(m))?;
        }
        for e in part.bad_rows {
            if on_bad_row == OnBadRow::Fail || e.fatal {
                return Err(e);
            }
            for t in &mut self.tallies {
                t.skipped_rows += 1;
            }
            if self.skipped.len() < 20 {
                self.skipped.push(e);
            }
        }
        Ok(())
    }

    /// Gives each quota's places to its claims (one pass over the claims,
    /// after the population), then counts the decisions that waited.
    fn allocate(&mut self, job: &Job<'_>) -> Result<(), RowError> {
        // Per side (of any number: `solve` runs many), with a comparison:
        // what each claim was given.
        let mut by_tag: Vec<_> = job.sides.iter().map(|_| None).collect();
        for (i, (((side, queue), tally), given)) in job
            .sides
            .iter()
            .zip(std::mem::take(&mut self.queues))
            .zip(&mut self.tallies)
            .zip(&mut by_tag)
            .enumerate()
        {
            // The first scheme's placements and persons' rows.
            let (placements, persons) = match i {
                0 => (job.placements, job.persons),
                _ => (None, None),
            };
            *given = queue
                .allocate(side.scheme, tally, placements, persons)
                .map_err(|m| job.run_error(m))?;
        }
        if let (Some(rows), Some(d), [base, reform], [b, r]) = (
            self.pair_rows.take(),
            self.diff.as_mut(),
            job.sides.as_slice(),
            by_tag.as_mut_slice(),
        ) {
            let schemes = [base.scheme, reform.scheme];
            rows.compare([b.take(), r.take()], d, schemes, job.compared)
                .map_err(|m| job.run_error(m))?;
        }
        Ok(())
    }
}

/// With one thread nothing can overlap: each row is read, decided and
/// counted in turn, in one record buffer that stays in cache.
fn one_thread<R: Read, L: Read>(
    job: &Job<'_>,
    reader: &mut Reader<R>,
    ids: &mut Identifiers,
    streams: &mut Streams<L>,
    run: &mut Run,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(), RowError> {
    let mut items = ItemRows::default();
    let (mut a, mut b) = (Record::new(), Record::new());
    // The two records take turns; swapping the references moves no record.
    let (mut record, mut previous) = (&mut a, &mut b);
    let mut row = Row::new();
    loop {
        let mut part = Part::new(job);
        let mut end = false;
        for _ in 0..CHUNK {
            if !reader.next_record(record)? {
                end = true;
                break;
            }
            let repeated = !first_time(ids, reader, record)?;
            if !job.layouts.is_empty() {
                streams.take(reader.layout().identifier(record), &mut items)?;
            }
            let read = RowRead {
                repeated_id: repeated,
                items: &items,
            };
            row.decide(job, record, Some(previous), read, &mut part);
            std::mem::swap(&mut record, &mut previous);
            if part.stops(job) {
                break;
            }
        }
        row.count_slots(job, &mut part);
        run.absorb(part, job)?;
        progress(reader.progress());
        if end {
            return Ok(());
        }
    }
}

/// With several threads the reader fills the next chunk while the workers
/// decide the current one.
fn pipelined<R: Read + Send, L: Read + Send>(
    job: &Job<'_>,
    reader: &mut Reader<R>,
    ids: &mut Identifiers,
    streams: &mut Streams<L>,
    run: &mut Run,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(), RowError> {
    let mut current = Chunk::new();
    let mut next = Chunk::new();
    let with_lists = !job.layouts.is_empty();
    let mut done = fill(reader, ids, streams, with_lists, &mut current);
    loop {
        let (read, results) = rayon::join(
            || {
                if done {
                    next.len = 0;
                    true
                } else {
                    fill(reader, ids, streams, with_lists, &mut next)
                }
            },
            || process(job, &current),
        );
        progress(reader.progress());
        for part in results {
            run.absorb(part, job)?;
        }
        if let Some(e) = current.error.take() {
            return Err(e);
        }
        if current.len == 0 {
            return Ok(());
        }
        done = read;
        std::mem::swap(&mut current, &mut next);
    }
}

/// Whether a record's identifier is seen for the first time (a record
/// without one is). At the first out of order of a pipe that skips bad
/// rows, the rest of the pipe is copied to a temporary file first, and
/// the reader reads on from there ([`spool`]).
#[inline]
fn first_time<R: Read>(
    ids: &mut Identifiers,
    reader: &mut Reader<R>,
    record: &Record,
) -> Result<bool, RowError> {
    match reader.layout().identifier(record) {
        None => Ok(true),
        Some(id) => {
            if ids.must_spool(id) {
                spool(ids, reader, id, *record.at())?;
            }
            ids.first_time(id, record.at(), reader)
        }
    }
}

/// Copies the rest of a pipe to a temporary file at row `at`, its first
/// identifier out of order (`id`), and lists its repeats
/// ([`crate::spool`]). Out of line: once a run at most.
#[cold]
#[inline(never)]
fn spool<R: Read>(
    ids: &mut Identifiers,
    reader: &mut Reader<R>,
    id: &[u8],
    at: RowPosition,
) -> Result<(), RowError> {
    reader.spool_rest()?;
    ids.spooled(id, at, reader)
}

/// Identifiers out of order, when the run stops at the first bad row, are
/// checked after the rows (see [`crate::identifiers`]): a repeat found then
/// is the run's error, unless the run stopped at an earlier row. (A bad
/// row of a list file does not say where in the population the run
/// stopped: a repeat anywhere in the population is reported before it.)
///
/// A run stopped where the file could not be read on (a line too long,
/// bytes not of its encoding) is checked up to there too; should the
/// rows before it not read again, that error is the run's.
fn late_repeat<R: Read>(
    ids: Identifiers,
    reader: &Reader<R>,
    looped: Result<(), RowError>,
) -> Result<(), RowError> {
    let layout = reader.layout();
    let stopped_at = looped.as_ref().err();
    // A row of the population's (a part's) file at or after the row the
    // run stopped at; a row of a list file stops nothing before the end.
    let stop = |at: RowPosition| {
        stopped_at.is_some_and(|e| layout.file_of(at) == e.file && at.line >= e.line)
    };
    match ids.first_repeat(reader, &stop) {
        Ok(Some((at, id))) => Err(layout.repeated(Some(&id), at)),
        Ok(None) => looped,
        Err(_) if stopped_at.is_some_and(|e| e.fatal) => looped,
        Err(e) => Err(e),
    }
}

/// Reads up to a chunk of records; `true` at the end of the file, or
/// where reading stopped (the chunk's error).
fn fill<R: Read, L: Read>(
    reader: &mut Reader<R>,
    ids: &mut Identifiers,
    streams: &mut Streams<L>,
    with_lists: bool,
    chunk: &mut Chunk,
) -> bool {
    chunk.len = 0;
    chunk.error = None;
    match fill_rows(reader, ids, streams, with_lists, chunk) {
        Ok(end) => end,
        Err(e) => {
            chunk.error = Some(e);
            true
        }
    }
}

/// [`fill`], stopping at an error of reading.
fn fill_rows<R: Read, L: Read>(
    reader: &mut Reader<R>,
    ids: &mut Identifiers,
    streams: &mut Streams<L>,
    with_lists: bool,
    chunk: &mut Chunk,
) -> Result<bool, RowError> {
    if with_lists && chunk.items.len() < CHUNK {
        chunk.items.resize_with(CHUNK, ItemRows::default);
    }
    while chunk.len < CHUNK {
        let Some(record) = chunk.records.get_mut(chunk.len) else {
            break;
        };
        if !reader.next_record(record)? {
            return Ok(true);
        }
        let repeated = !first_time(ids, reader, record)?;
        if let Some(items) = chunk.items.get_mut(chunk.len).filter(|_| with_lists) {
            streams.take(reader.layout().identifier(record), items)?;
        }
        if let Some(r) = chunk.repeated.get_mut(chunk.len) {
            *r = repeated;
        }
        chunk.len += 1;
    }
    Ok(false)
}

struct Part {
    tallies: Vec<Tally>,
    /// Per scheme: decisions subject to a quota, counted after allocation.
    waiting: Vec<Waiting>,
    /// Comparisons waiting for allocation (see [`Run::pair_rows`]).
    pair_rows: Vec<queue::PairRow>,
    diff: Option<DiffTally>,
    /// The history lines of this batch, in file order.
    awards: String,
    /// With `--persons`: the first scheme's rows of this batch, in file
    /// order (those waiting for allocation are in `waiting`).
    persons: Vec<PersonRow>,
    /// With `compare --persons`: both schemes' rows of this batch, in file
    /// order (those waiting for allocation are in `pair_rows`).
    compared: Vec<Compared>,
    /// With `--draws`: the first scheme's money in every draw.
    draws: Option<DrawTallies>,
    /// Bad rows of this batch, in file order.
    bad_rows: Vec<RowError>,
}

impl Part {
    fn new(job: &Job<'_>) -> Part {
        let sides = &job.sides;
        Part {
            draws: job
                .draws
                .as_ref()
                .zip(sides.first())
                .map(|(p, s)| p.tallies(s.scheme)),
            tallies: sides.iter().map(|s| Tally::new(&s.plan)).collect(),
            waiting: sides.iter().map(|_| Waiting::default()).collect(),
            pair_rows: Vec::new(),
            diff: (sides.len() == 2).then(DiffTally::default),
            awards: String::new(),
            persons: Vec::new(),
            compared: Vec::new(),
            bad_rows: Vec::new(),
        }
    }
}

impl Part {
    /// Whether the run stops at the row just decided: a bad row that
    /// stops the run (any, unless bad rows are skipped; one of a file that
    /// cannot be read as it is, always). Reading on could only meet a
    /// later error, which must not be the one reported.
    fn stops(&self, job: &Job<'_>) -> bool {
        self.bad_rows
            .last()
            .is_some_and(|e| e.fatal || job.on_bad_row == OnBadRow::Fail)
    }

    /// Counts its rows' lines on by `lines`: a part of a range of the file
    /// counted its lines from the range's start (see `ranges`). Bad rows
    /// and the rows each tally keeps as not evaluated carry a line.
    fn count_lines_on(&mut self, lines: u64) {
        let kept = self
            .tallies
            .iter_mut()
            .flat_map(|t| t.error_rows.iter_mut());
        for e in self.bad_rows.iter_mut().chain(kept) {
            e.line = e.line.saturating_add(lines);
        }
    }
}

/// The buffers one worker reuses for every row.
struct Row {
    /// The applicants and decisions of rows met before, and the one each
    /// row is parsed into.
    memo: Memo,
    /// The expected case's timeline, for draws.
    step_ends: Vec<NaiveDate>,
    /// Per side (of two): its expected payment days, by day of receipt.
    expected: [ExpectedDays; 2],
    /// With `--persons`: per side, the last person row made (see
    /// [`person`]).
    last_person: [Option<PersonRow>; 2],
}

impl Row {
    fn new() -> Row {
        Row {
            memo: Memo::new(),
            step_ends: Vec::new(),
            expected: Default::default(),
            last_person: [None, None],
        }
    }

    /// Parses one record and adds every scheme's decision to `part`. A
    /// record whose identifier an earlier row had is a bad row. `previous`
    /// is the record read before it, if there is one.
    fn decide(
        &mut self,
        job: &Job<'_>,
        record: &Record,
        previous: Option<&Record>,
        read: RowRead<'_>,
        part: &mut Part,
    ) {
        let RowRead { repeated_id, items } = read;
        // By reference, copied only where kept (see `Record::at`).
        let at = record.at();
        if repeated_id {
            // Not parsed, and no slot touched.
            self.memo.passed();
            let e = job.layout.repeated_identifier(record);
            skipped_person(job, record, &e, part);
            part.bad_rows.push(e);
            return;
        }
        // Every scheme reads the first's input schema (checked by callers).
        let Some(first) = job.sides.first() else {
            return;
        };
        // A row like one met before is counted again, not parsed and
        // decided again (`memo`); not when lists come from list files,
        // where two rows alike but for their identifier have items of
        // their own, nor when awards are written, each row with its own
        // history; nor with quotas: a claim carries the row's own
        // identifier.
        let reuse =
            job.lists.is_none() && job.layouts.is_empty() && job.awards.is_none() && !job.quotas;
        let Found {
            slot,
            met,
            previous,
        } = self
            .memo
            .find(&job.sides, job.layout, record, previous, reuse);
        if !met && job.plain {
            // Its rows so far are counted before it holds another's (only
            // a plain run leaves rows uncounted in a slot).
            self.count_slot(job, slot, part);
        }
        let Some(Slot {
            applicant,
            decided,
            uncounted,
            ..
        }) = self.memo.slot(slot)
        else {
            return;
        };
        if !met {
            if let Err(e) = job.layout.parse(first.scheme, record, applicant) {
                skipped_person(job, record, &e, part);
                part.bad_rows.push(e);
                return;
            }
            if let Some(lists) = job.lists {
                lists.attach(job.layout.identifier(record), applicant);
            }
            if !job.layouts.is_empty() {
                if let Err(e) = attach_rows(first.scheme, &job.layouts, items, applicant) {
                    skipped_person(job, record, &e, part);
                    part.bad_rows.push(e);
                    return;
                }
            }
        }
        // After parsing, which checks the row's shape and text (a row met
        // before has the shape of the one it is like, its weight its own).
        // Asked only of a weighted population: this runs for every row.
        let weight = if job.layout.weighted() {
            match job.layout.weight(record) {
                Ok(w) => w,
                Err(e) => {
                    skipped_person(job, record, &e, part);
                    part.bad_rows.push(e);
                    return;
                }
            }
        } else {
            1
        };
        if let (true, Some(side), Some(Decided { decision, reason }), Some(tally)) = (
            job.plain,
            job.sides.first(),
            decided.first_mut(),
            part.tallies.first_mut(),
        ) {
            // One scheme, and nothing asked of a row but its count: decided
            // and counted here, not in the loop below, whose setup for all
            // a run may ask (assumptions, quotas, person rows, a second
            // scheme) cost such a row about a tenth of its deciding.
            if !met {
                side.program.evaluate_into(applicant, decision);
                *reason = None;
            }
            if decision.outcome == Outcome::Error {
                // Counted now: the run keeps where its first error is.
                let expected = self.expected[0].payment(side.scheme, decision, side.fraction);
                let counted = Counted {
                    expected,
                    weight,
                    at: *at,
                };
                count(job, side, (decision, reason), applicant, counted, tally);
            } else {
                // Counted with the slot's other rows, all at once: the
                // rows alike in a population (most of it) are then counted
                // once per part, not once each.
                uncounted.add(weight);
            }
            self.memo.decided(slot, true);
            return;
        }
        let mut fresh = true;
        // Per side (of two): the tag of the claim a decision waits with.
        let mut waited: [Option<u64>; 2] = [None, None];
        // Per side (of two), with `compare --persons`: its person row.
        let mut rows: [Option<PersonRow>; 2] = [None, None];
        for (i, (((side, Decided { decision, reason }), tally), waiting)) in job
            .sides
            .iter()
            .zip(decided.iter_mut())
            .zip(&mut part.tallies)
            .zip(&mut part.waiting)
            .enumerate()
        {
            if !met {
                side.program.evaluate_into(applicant, decision);
                *reason = None;
            }
            // Whether the decision is the one reused from the row before,
            // not redrawn: its person row is that row's, but for the id.
            let mut reused = previous;
            if let Some(a) = side.assumptions {
                if !matches!(decision.outcome, Outcome::NotEligible | Outcome::Error) {
                    reused = false;
                    // Draws are keyed by the row's number counting the
                    // header as 1 (its line, in a file of one row per line).
                    a.apply(side.scheme, applicant, at.record + 1, decision);
                    // Now the redrawn decision, not the row's own.
                    *reason = None;
                    fresh = false;
                }
            }
            if job.extras {
                if let (Some(awards), 0) = (job.awards, i) {
                    // The row's own identifier: a decision reused from the row
                    // before it was made for another.
                    let id = job.layout.identifier(record).unwrap_or_default();
                    let id = String::from_utf8_lossy(id);
                    awards.rows(side.scheme, &id, applicant, decision, &mut part.awards);
                }
                if let (Some(plan), Some(draws), 0) = (&job.draws, part.draws.as_mut(), i) {
                    let key = at.record + 1;
                    plan.add(
                        side.scheme,
                        applicant,
                        key,
                        decision,
                        &mut self.step_ends,
                        draws,
                    );
                }
            }
            let expected = match self.expected.get_mut(i) {
                Some(days) => days.payment(side.scheme, decision, side.fraction),
                None => expected_payment(side.scheme, decision, side.fraction, &mut self.step_ends),
            };
            if decision.outcome == Outcome::SubjectToQuota {
                if let Some(tag) = wait(side.scheme, applicant, decision, expected, tally, waiting)
                {
                    if let Some(w) = waited.get_mut(i) {
                        *w = Some(tag);
                    }
                    if let (Some(_), 0) = (job.persons, i) {
                        let row = person(
                            side,
                            (applicant, decision, expected),
                            (record, *at),
                            job,
                            self.last_person.get_mut(i).map(|c| (c, reused)),
                        );
                        waiting.persons.push((tag, row));
                    }
                    if let (Some(_), Some(slot)) = (job.compared, rows.get_mut(i)) {
                        *slot = Some(person(
                            side,
                            (applicant, decision, expected),
                            (record, *at),
                            job,
                            self.last_person.get_mut(i).map(|c| (c, reused)),
                        ));
                    }
                    continue;
                }
            }
            if job.person_rows {
                if let (Some(_), 0) = (job.persons, i) {
                    let row = person(
                        side,
                        (applicant, decision, expected),
                        (record, *at),
                        job,
                        self.last_person.get_mut(i).map(|c| (c, reused)),
                    );
                    part.persons.push(row);
                }
                if let (Some(_), Some(slot)) = (job.compared, rows.get_mut(i)) {
                    *slot = Some(person(
                        side,
                        (applicant, decision, expected),
                        (record, *at),
                        job,
                        self.last_person.get_mut(i).map(|c| (c, reused)),
                    ));
                }
            }
            let counted = Counted {
                expected,
                weight,
                at: *at,
            };
            count(job, side, (decision, reason), applicant, counted, tally);
        }
        if let (Some(d), [base, reform], [b, r]) =
            (part.diff.as_mut(), job.sides.as_slice(), decided.as_slice())
        {
            let rows = match rows {
                [Some(b), Some(r)] => Some(Box::new([b, r])),
                _ => None,
            };
            if waited.iter().any(Option::is_some) {
                let pair = queue::PairRow::new(waited, [&b.decision, &r.decision], rows);
                part.pair_rows.push(pair);
            } else {
                d.add(base.scheme, reform.scheme, &b.decision, &r.decision, weight);
                if let Some(rows) = rows {
                    let [b, r] = *rows;
                    part.compared.push(Compared::new(b, r));
                }
            }
        }
        self.memo.decided(slot, fresh);
    }

    /// Counts the rows decided at `slot` and not counted yet (a plain
    /// run's, see [`Row::decide`]), from the decision it holds.
    fn count_slot(&mut self, job: &Job<'_>, slot: usize, part: &mut Part) {
        let (Some(slot), Some(side), Some(tally)) = (
            self.memo.slot(slot),
            job.sides.first(),
            part.tallies.first_mut(),
        ) else {
            return;
        };
        count_rows(side, slot, &mut self.expected[0], tally);
    }

    /// Counts every slot's rows not counted yet: at the end of a part,
    /// before it is added to the run.
    fn count_slots(&mut self, job: &Job<'_>, part: &mut Part) {
        let (Some(side), Some(tally)) = (job.sides.first(), part.tallies.first_mut()) else {
            return;
        };
        for slot in self.memo.slots() {
            count_rows(side, slot, &mut self.expected[0], tally);
        }
    }
}

/// Counts the rows decided at `slot` and not counted yet, with the
/// decision it holds for `side`.
fn count_rows(side: &Side<'_>, slot: &mut Slot, expected: &mut ExpectedDays, tally: &mut Tally) {
    let rows = std::mem::take(&mut slot.uncounted);
    let (true, Some(Decided { decision, reason })) = (rows.rows > 0, slot.decided.first_mut())
    else {
        return;
    };
    let expected = expected.payment(side.scheme, decision, side.fraction);
    tally.add_rows(decision, expected, rows, || {
        *reason.get_or_insert_with(|| side.plan.reason_slot(decision))
    });
}

/// What counting a row's decision needs beside it.
#[derive(Clone, Copy)]
struct Counted {
    /// The expected payment day of a paid decision.
    expected: Option<NaiveDate>,
    weight: Weight,
    at: RowPosition,
}

/// Counts a row's decision under one scheme, working out why a person is
/// not eligible only once for a decision, and keeps the row of an error.
#[inline(always)]
fn count(
    job: &Job<'_>,
    side: &Side<'_>,
    (decision, reason): (&Decision, &mut Option<usize>),
    applicant: &Applicant,
    Counted {
        expected,
        weight,
        at,
    }: Counted,
    tally: &mut Tally,
) {
    tally.add_with(decision, expected, weight, || {
        *reason.get_or_insert_with(|| side.plan.reason_slot(decision))
    });
    if decision.outcome == Outcome::Error {
        tally.keep_error_row(|| {
            job.layout
                .rules_failed(side.scheme, applicant, decision, at)
        });
    }
}

/// A decided row's person row. Out of line: only `--persons` comes here.
/// `cache` keeps the last row made for this side; with `true` (the
/// decision is the previous row's, reused) it is that row's but for the
/// row number and identifier, without explaining the decision again.
#[cold]
#[inline(never)]
fn person(
    side: &Side<'_>,
    (applicant, decision, expected): (&Applicant, &Decision, Option<NaiveDate>),
    (record, at): (&Record, RowPosition),
    job: &Job<'_>,
    cache: Option<(&mut Option<PersonRow>, bool)>,
) -> PersonRow {
    // The row's own identifier: a decision reused from the row before it
    // was made for another.
    let id = job.layout.identifier(record).unwrap_or_default();
    if let Some((Some(last), true)) = cache.as_ref().map(|(c, r)| (c.as_ref(), *r)) {
        let mut row = last.clone();
        row.row = Some(at.record);
        row.id = String::from_utf8_lossy(id).into_owned();
        return row;
    }
    let row = person_row(
        side.scheme,
        &side.plan,
        applicant,
        decision,
        expected,
        at.record,
        id,
    );
    if let Some((slot, _)) = cache {
        *slot = Some(row.clone());
    }
    row
}

/// A bad row's person row, with why it was skipped.
#[cold]
#[inline(never)]
fn skipped_person(job: &Job<'_>, record: &Record, e: &RowError, part: &mut Part) {
    if job.persons.is_some() || job.compared.is_some() {
        let id = job.layout.identifier(record).unwrap_or_default();
        let row = PersonRow::skipped(Some(record.at().record), id, e.to_string());
        if job.compared.is_some() {
            part.compared.push(Compared::new(row.clone(), row.clone()));
        }
        if job.persons.is_some() {
            part.persons.push(row);
        }
    }
}

/// Puts a decision subject to a quota aside until allocation: its claim,
/// and what counting it will need. Its tag, or `None` if it does not wait
/// after all (its claim could not be made: it is an error now). Out of
/// line: rows of schemes without quotas never come here.
#[cold]
#[inline(never)]
fn wait(
    scheme: &Scheme,
    applicant: &Applicant,
    decision: &mut Decision,
    expected: Option<NaiveDate>,
    tally: &mut Tally,
    waiting: &mut Waiting,
) -> Option<u64> {
    let tag = waiting.decisions.len() as u64;
    // A claim's tag is its place among the waiting decisions: both are
    // pushed, or neither.
    let settling = Settling::of(decision, expected)?;
    match claim(scheme, applicant, decision, tag) {
        Ok(Some(c)) => {
            tally.add_waiting(decision);
            waiting.claims.push(c);
            waiting.decisions.push(settling);
            Some(tag)
        }
        Ok(None) => None,
        Err(e) => {
            decision.error = Some(e);
            decision.outcome = Outcome::Error;
            None
        }
    }
}

/// What the reader found out about a row before it is decided (where it
/// is, the record says).
#[derive(Clone, Copy)]
struct RowRead<'a> {
    /// An earlier row had its identifier.
    repeated_id: bool,
    /// Its rows of the list files read in step.
    items: &'a ItemRows,
}

/// What every row of a run is decided with.
struct Job<'a> {
    /// One per scheme, in the order given.
    sides: Vec<Side<'a>>,
    layout: &'a Layout,
    on_bad_row: OnBadRow,
    lists: Option<&'a Lists>,
    /// The list files read in step with the population.
    layouts: Vec<ListLayout>,
    /// Some scheme rations places: decisions wait for allocation.
    quotas: bool,
    /// Writes the first scheme's awards as history rows.
    awards: Option<&'a AwardsOut>,
    /// Writes the first scheme's decision for every row.
    persons: Option<&'a PersonsOut>,
    /// Writes both schemes' decisions for every row, sorted by the change.
    compared: Option<&'a ComparedOut>,
    /// Draws the first scheme's assumptions again and again (`--draws`).
    draws: Option<DrawPlan<'a>>,
    /// Some of `awards` and `draws` is asked for: one test per row and
    /// side on the common path, where none is.
    extras: bool,
    /// Some of `persons` and `compared` is asked for.
    person_rows: bool,
    /// Claims on quotas are sorted as they come and counted once
    /// allocated, not held for their placements ([`queue`]).
    placements: Option<&'a PlacementsOut>,
    /// One scheme, without assumptions or quotas, and nothing asked of a
    /// row but its count (`Row::decide` takes the short way).
    plain: bool,
}

impl Job<'_> {
    /// A problem of the whole run, not of one row (allocation): it stops
    /// the run whatever `--on-bad-row` says.
    fn run_error(&self, message: String) -> RowError {
        RowError {
            file: self.layout.file().to_string(),
            line: 0,
            group: None,
            column: None,
            value: None,
            message,
            fatal: true,
        }
    }
}

/// A scheme of the run, with what deciding and counting under it needs,
/// worked out once.
struct Side<'a> {
    scheme: &'a Scheme,
    /// The scheme's conditions lowered, which every row is decided by.
    program: Program<'a>,
    plan: TallyPlan,
    assumptions: Option<&'a Assumptions>,
    /// The share of each step's limit that the expected case takes.
    fraction: f64,
}

/// Decides a chunk in batches on the pool; the parts come back in file order.
fn process(job: &Job<'_>, chunk: &Chunk) -> Vec<Part> {
    let records = chunk.records.get(..chunk.len).unwrap_or(&[]);
    let repeated = chunk.repeated.get(..chunk.len).unwrap_or(&[]);
    let none = ItemRows::default();
    records
        .par_chunks(BATCH)
        .zip(repeated.par_chunks(BATCH))
        .enumerate()
        // A worker keeps its memo from batch to batch.
        .map_init(Row::new, |row, (b, (records, repeated))| {
            let mut part = Part::new(job);
            let mut previous = None;
            for (i, (record, repeated)) in records.iter().zip(repeated).enumerate() {
                let items = chunk.items.get(b * BATCH + i).unwrap_or(&none);
                let read = RowRead {
                    repeated_id: *repeated,
                    items,
                };
                row.decide(job, record, previous, read, &mut part);
                previous = Some(record);
                if part.stops(job) {
                    break;
                }
            }
            row.count_slots(job, &mut part);
            part
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use std::collections::BTreeMap;

    use bursar_runtime::evaluate;

    use super::*;

    fn scheme() -> &'static Scheme {
        static SCHEME: std::sync::OnceLock<Scheme> = std::sync::OnceLock::new();
        SCHEME.get_or_init(|| {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../policies/beijing/2023-career-boost.bursar"
            );
            let text = std::fs::read_to_string(path).unwrap();
            let source = bursar_compiler::SourceFile::new(path, text);
            bursar_compiler::compile(&source).scheme.unwrap()
        })
    }

    /// Each row read, decided and counted on its own, nothing reused: what
    /// a run of two schemes, with their assumptions, must add up to, and how
    /// persons fare under the second against the first.
    fn one_by_one(
        schemes: [&Scheme; 2],
        data: &[u8],
        assumptions: [Option<&Assumptions>; 2],
    ) -> (Vec<Tally>, DiffTally) {
        let scheme = schemes[0];
        let plans = schemes.map(TallyPlan::new);
        let mut tallies: Vec<Tally> = plans.iter().map(Tally::new).collect();
        let mut diff = DiffTally::default();
        let mut reader =
            Reader::new(&schemes, "population.csv", data, &Default::default()).unwrap();
        let mut applicant = Applicant::empty(scheme);
        let mut ends = Vec::new();
        // Identifiers, told apart as text: a row with one seen before is
        // skipped, whatever else is wrong with either row.
        let header = std::str::from_utf8(data).unwrap().lines().next().unwrap();
        let id_column = header.split(',').position(|h| h == "person_id").unwrap();
        let mut seen = std::collections::HashSet::new();
        let mut record = Record::new();
        loop {
            let read = reader.next_record(&mut record).unwrap().then(|| {
                let at = *record.at();
                let id = record.cells().unwrap()[id_column].to_string();
                let new_id = id.is_empty() || seen.insert(id);
                let parsed = reader.layout().parse(scheme, &record, &mut applicant);
                (at, new_id && parsed.is_ok())
            });
            match read {
                None => return (tallies, diff),
                Some((at, true)) => {
                    let mut decisions = Vec::new();
                    for (i, (tally, assumptions)) in tallies.iter_mut().zip(assumptions).enumerate()
                    {
                        let scheme = schemes[i];
                        let mut d = evaluate(scheme, &applicant);
                        if let Some(a) = assumptions {
                            if !matches!(d.outcome, Outcome::NotEligible | Outcome::Error) {
                                a.apply(scheme, &mut applicant, at.record + 1, &mut d);
                            }
                        }
                        let fraction =
                            assumptions.map_or(EXPECTED_FRACTION, |a| a.timeline_fraction);
                        let expected = expected_payment(scheme, &d, fraction, &mut ends);
                        tally.add(&plans[i], &d, expected);
                        decisions.push(d);
                    }
                    diff.add(schemes[0], schemes[1], &decisions[0], &decisions[1], 1);
                }
                Some((_, false)) => {
                    for tally in &mut tallies {
                        tally.skipped_rows += 1;
                    }
                }
            }
        }
    }

    /// Rows of the 2023 population, most of them alike but for the id, as
    /// in a real population. The last two have the same bytes in their
    /// contest cells, cut in different places (`2022`,`1` and `20221`,``).
    const ROWS: [&str; 9] = [
        "true,,,,false,,,,,",
        "false,,,,false,,,,,",
        "true,1,beijing_center,2022-03-01,false,,,,,2023-05-01",
        "true,2,registered_org,2022-01-01,false,,,,,2023-10-31",
        "true,,,,false,senior,2022-06-01,,,2023-09-01",
        "true,3,registered_org,2021-06-01,true,,,,,",
        "yes,,,,false,,,,,",
        "true,,,,false,,,2022,1,2023-11-15",
        "true,,,,false,,,20221,,2023-11-15",
    ];

    /// A run's options: take-up drawn for the second scheme by each row's
    /// number (ranges are then numbered from their place in the file before
    /// they are read), or not; bad rows skipped or stopping the run.
    fn drawn_or_not(assume: bool, skip: bool) -> Options {
        Options {
            assumptions: vec![
                None,
                assume.then(|| Assumptions {
                    take_up: BTreeMap::from([("vocational".to_string(), 0.5)]),
                    late_share: 0.3,
                    seed: 5,
                    ..Assumptions::default()
                }),
            ],
            on_bad_row: if skip { OnBadRow::Skip } else { OnBadRow::Fail },
            ..Options::default()
        }
    }

    /// What a run gives: its tallies and skipped rows, or its error; and
    /// how many times it told its progress.
    type Ran = (
        Result<(Vec<Tally>, Option<DiffTally>, Vec<String>), String>,
        usize,
    );

    /// What a run of the file at `path` gives on `threads` threads, a CSV
    /// file read in ranges of `range_bytes`.
    fn run_file(
        schemes: &[&Scheme],
        path: &std::path::Path,
        how: &crate::population::ReadAs,
        options: &Options,
        threads: usize,
        range_bytes: u64,
    ) -> Ran {
        let file = std::fs::File::open(path).unwrap();
        run_reader(
            schemes,
            || Reader::from_file(schemes, path, file, how).unwrap(),
            options,
            threads,
            range_bytes,
        )
    }

    /// [`run_file`] of any reader: one made by `open` on the run's threads.
    fn run_reader<R: Read + Send>(
        schemes: &[&Scheme],
        open: impl FnOnce() -> Reader<R> + Send,
        options: &Options,
        threads: usize,
        range_bytes: u64,
    ) -> Ran {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let run = pool.install(|| {
            let mut reader = open();
            simulate_in_ranges(
                schemes,
                &mut reader,
                &mut Streams::<std::io::Empty>::new(),
                options,
                &|_| {
                    calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                },
                range_bytes,
            )
            .map(|run| {
                let skipped = run.skipped.iter().map(ToString::to_string).collect();
                (run.tallies, run.diff, skipped)
            })
            .map_err(|e| e.to_string())
        });
        (run, calls.into_inner())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Runs reuse the decision of a row like one met before (`memo`);
        /// the result is the same as deciding every row on its own, on one
        /// thread or two, with assumptions redrawing who applies or not,
        /// and with stretches of rows all different, which rest the memo.
        #[test]
        fn runs_add_up_as_deciding_each_row_alone(
            rows in proptest::collection::vec((0..ROWS.len(), proptest::option::weighted(0.95, 0u32..3000), 0u16..400), 0..700),
            distinct in proptest::collection::vec(0usize..700, 0..3),
            id_second in proptest::bool::ANY,
            assume in proptest::bool::ANY,
            threads in 1usize..3,
            alone in proptest::bool::ANY,
        ) {
            let scheme = scheme();
            // Against itself with assumptions, or against a reform that pays
            // more (repeated rows are then paid, and gain).
            let mut reform = scheme.clone();
            if !assume {
                crate::overrides::apply(&mut reform, "standard.level1", "2500").unwrap();
            }
            // The id first, or second (after `member_card`, which is then
            // compared before the id, one cell at a time).
            let line = |id: &str, rest: &str| match rest.split_once(',') {
                Some((card, rest)) if id_second => format!("{card},{id},{rest}\n"),
                _ => format!("{id},{rest}\n"),
            };
            let header = crate::synth::HEADER.split_once(',').unwrap().1;
            let mut data = line("person_id", header);
            for (i, (row, id, day)) in rows.iter().enumerate() {
                // Ids of different lengths move where the other cells start;
                // an empty one is a bad row.
                let id = id.map(|n| format!("P{n}")).unwrap_or_default();
                // From a row of `distinct` on, 100 rows applying on days of
                // their own, nearly all different.
                if distinct.iter().any(|&d| (d..d + 100).contains(&i)) {
                    let applied = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap()
                        + chrono::Days::new(u64::from(*day));
                    data += &line(&id, &format!("true,2,beijing_center,2022-01-01,false,,,,,{applied}"));
                } else {
                    data += &line(&id, ROWS[*row]);
                }
            }
            let take_up = Assumptions {
                take_up: BTreeMap::from([("vocational".to_string(), 0.5), ("contest".to_string(), 0.9)]),
                late_share: 0.3,
                seed: 5,
                ..Assumptions::default()
            };
            let take_up = assume.then_some(take_up);
            let options = Options {
                on_bad_row: OnBadRow::Skip,
                assumptions: vec![None, take_up.clone()],
                lists: None,
                awards: None,
                persons: None,
                compared: None,
                draws: None,
                placements: None,
            };
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let run = pool.install(|| {
                let mut reader =
                    Reader::new(&[scheme, &reform], "population.csv", data.as_bytes(), &Default::default()).unwrap();
                simulate(&[scheme, &reform], &mut reader, &options, &|_| {}).unwrap()
            });
            let (tallies, diff) = one_by_one([scheme, &reform], data.as_bytes(), [None, take_up.as_ref()]);
            proptest::prop_assert_eq!(&run.tallies, &tallies);
            proptest::prop_assert_eq!(run.diff.as_ref(), Some(&diff));
            // The first scheme alone: the plain run's short way.
            if alone {
                let options = Options { assumptions: vec![None], ..options };
                let run = pool.install(|| {
                    let mut reader =
                        Reader::new(&[scheme], "population.csv", data.as_bytes(), &Default::default()).unwrap();
                    simulate(&[scheme], &mut reader, &options, &|_| {}).unwrap()
                });
                proptest::prop_assert_eq!(&run.tallies, &tallies[..1]);
            }
        }

        /// A file read in ranges of lines on several threads gives the run
        /// reading it in order gives: the same tallies, or the same first
        /// bad row on the same line, whatever the line ends (LF, CRLF, a
        /// lone CR, blank lines), where the ranges fall, and whether the
        /// identifiers ascend, repeat or neither.
        #[test]
        fn a_file_read_in_ranges_is_read_as_in_order(
            rows in proptest::collection::vec(
                // Mostly rows that read, so that most runs go to the end;
                // `ROWS[6]` and the three below break the contract.
                (proptest::prop_oneof![
                    300 => proptest::sample::select(vec![0usize, 1, 2, 3, 4, 5, 7, 8]),
                    1 => proptest::sample::select(vec![6usize, 9, 10, 11, 12]),
                ], 0u32..100_000, 0u8..12),
                2..400,
            ),
            ids in 0u8..6,
            special in 0usize..400,
            gbk in proptest::bool::ANY,
            assume in proptest::bool::ANY,
            skip in proptest::bool::ANY,
            bom in proptest::bool::ANY,
            last_line_end in proptest::bool::ANY,
            ranges in 3u64..40,
            threads in 2usize..4,
        ) {
            let scheme = scheme();
            let mut reform = scheme.clone();
            crate::overrides::apply(&mut reform, "standard.level1", "2500").unwrap();
            let schemes = [scheme, &reform];
            // Rows that break the data contract: too many cells, a quote that
            // does not close, a line longer than the limit below, a byte of
            // no character (`\u{1}`, written as 0xFF below).
            let bad = [
                "true,,,,false,,,,,,,".to_string(),
                "\"true,,,,false,,,,,".to_string(),
                format!("true,,,,false,,,,,{}", "x".repeat(300)),
                "true,,,,false,,,\u{1},,".to_string(),
            ];
            let mut data = String::new();
            data += "person_id,";
            data += crate::synth::HEADER.split_once(',').unwrap().1;
            data.push('\n');
            let special = special % rows.len();
            for (i, (row, n, end)) in rows.iter().enumerate() {
                // Ascending; at random among many (out of order) or a few
                // (repeats); ascending but for one repeat of an earlier row,
                // or one step back; or sharing fingerprints (`clash…`, see
                // `identifiers::fingerprint`).
                let id = match ids {
                    0 => format!("P{i:06}"),
                    1 => format!("P{n}"),
                    2 => format!("P{}", n % 40),
                    3 if i == special && i > 0 => format!("P{:06}", *n as usize % i),
                    4 if i == special => format!("P{i:06}a"),
                    4 if i + 1 == special => format!("P{i:06}b"),
                    5 if i % 7 == 3 => format!("clash{}", n % 3),
                    _ => format!("P{i:06}"),
                };
                // Chinese in identifiers: two bytes a character in GBK.
                data += &id.replace('P', "会员");
                data.push(',');
                data += ROWS.get(*row).copied().unwrap_or_else(|| &bad[row - ROWS.len()]);
                data += match end {
                    0 => "\r\n",
                    1 => "\r",
                    2 => "\n\n",
                    3 => "\r\n\r\n",
                    4 => "\r\r",
                    _ => "\n",
                };
            }
            if !last_line_end {
                data.truncate(data.trim_end().len());
            }
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("population.csv");
            // UTF-8, or GBK (as Windows in China saves a file, its ranges
            // decoded from where they start).
            let mut bytes = if bom { b"\xef\xbb\xbf".to_vec() } else { Vec::new() };
            if gbk {
                bytes.extend_from_slice(&encoding_rs::GBK.encode(&data).0);
            } else {
                bytes.extend_from_slice(data.as_bytes());
            }
            for b in &mut bytes {
                if *b == 1 {
                    *b = 0xff;
                }
            }
            std::fs::write(&path, &bytes).unwrap();
            // Skipping bad rows: in ranges while identifiers ascend, else
            // from the start in order.
            let options = drawn_or_not(assume, skip);
            let how = crate::population::ReadAs {
                limit: 200,
                encoding: if gbk { crate::encoding::Encoding::Gbk } else { crate::encoding::Encoding::Utf8 },
                ..Default::default()
            };
            let run = |threads, range_bytes| run_file(&schemes, &path, &how, &options, threads, range_bytes);
            let (in_order, _) = run(1, u64::MAX);
            // Read by the reader with workers deciding chunks (which once
            // reported a line too long before a bad row above it).
            let (pipelined, _) = run(threads, u64::MAX);
            proptest::prop_assert_eq!(&pipelined, &in_order);
            // Read once, as from a pipe, stopping at the first bad row: its
            // identifiers copied and checked as the file's, early too (after
            // 4 rows in tests, then 16, 64, 256), on one thread and several.
            // (Skipping bad rows, a pipe keeps a set of fingerprints, and a
            // file is read ahead for its repeats, which reports a line too
            // long as reading the file again: see docs/performance.md.)
            for t in [1, threads].into_iter().filter(|_| !skip) {
                let name = path.display().to_string();
                let open = || Reader::read_as(&schemes, name, bytes.as_slice(), &how).unwrap();
                let (once, _) = run_reader(&schemes, open, &options, t, u64::MAX);
                proptest::prop_assert_eq!(&once, &in_order);
            }
            let body = bytes.len() - bytes.iter().position(|&b| b == b'\n').unwrap() - 1;
            let range_bytes = (body as u64 / ranges).max(1);
            let (in_ranges, calls) = run(threads, range_bytes);
            // Read in ranges indeed: progress is told once a range (the
            // pipeline tells it twice for a file of one chunk), unless the
            // run stopped early.
            proptest::prop_assert!(calls >= 3 || in_ranges.is_err() || skip, "{calls} calls");
            proptest::prop_assert_eq!(in_ranges, in_order);
        }

        /// A Parquet file's row groups decided on every thread give what
        /// reading it in order gives: the same tallies, or the same first
        /// bad row at the same place, whatever the groups' sizes and
        /// whether identifiers ascend or repeat; with take-up drawn by each
        /// row's number, which a group knows from the file's footer.
        #[test]
        fn row_groups_read_on_every_thread_are_read_as_in_order(
            rows in proptest::collection::vec(
                (proptest::prop_oneof![
                    300 => proptest::sample::select(vec![0usize, 1, 2, 3, 4, 5, 7, 8]),
                    1 => proptest::sample::select(vec![6usize]),
                ], 0u32..100_000),
                2..400,
            ),
            ids in 0u8..4,
            special in 0usize..400,
            group in 1usize..90,
            typed in proptest::bool::ANY,
            assume in proptest::bool::ANY,
            skip in proptest::bool::ANY,
            threads in 2usize..4,
        ) {
            use crate::parquet_write::{Kind, ParquetRows};
            let scheme = scheme();
            let mut reform = scheme.clone();
            crate::overrides::apply(&mut reform, "standard.level1", "2500").unwrap();
            let schemes = [scheme, &reform];
            let header = format!("person_id,{}", crate::synth::HEADER.split_once(',').unwrap().1);
            // Text columns hold any row, the bad one (`ROWS[6]`) too; typed
            // ones (as `bursar synth` writes them) only rows that read.
            let kinds: Vec<Kind> = if typed {
                crate::synth::KINDS.to_vec()
            } else {
                vec![Kind::Text; header.split(',').count()]
            };
            let columns: Vec<(&str, Kind)> = header.split(',').zip(kinds).collect();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("population.parquet");
            let mut out = ParquetRows::in_groups_of(std::fs::File::create(&path).unwrap(), &columns, group).unwrap();
            let special = special % rows.len();
            for (i, (row, n)) in rows.iter().enumerate() {
                let row = if typed && *row == 6 { 0 } else { *row };
                // Ascending; at random (out of order); among a few
                // (repeats); ascending but for one repeat of an earlier row.
                let id = match ids {
                    0 => format!("会员{i:06}"),
                    1 => format!("会员{n}"),
                    2 => format!("会员{}", n % 40),
                    _ if i == special && i > 0 => format!("会员{:06}", *n as usize % i),
                    _ => format!("会员{i:06}"),
                };
                let line = format!("{id},{}", ROWS[row]);
                out.push(&line.split(',').collect::<Vec<_>>()).unwrap();
            }
            out.finish().unwrap();
            let options = drawn_or_not(assume, skip);
            let how = crate::population::ReadAs::default();
            let run = |threads| run_file(&schemes, &path, &how, &options, threads, ranges::RANGE_BYTES);
            let (in_order, _) = run(1);
            let (in_groups, calls) = run(threads);
            // Read by groups indeed: progress is told once a group.
            let groups = rows.len().div_ceil(group);
            proptest::prop_assert!(
                groups < 2 || calls >= groups || in_groups.is_err() || skip,
                "{calls} calls for {groups} groups"
            );
            proptest::prop_assert_eq!(in_groups, in_order);
        }

        /// A run of two schemes gives each the tally it gets run alone,
        /// even when only the second reads a field (a text field the first
        /// never looks at, which once reached the reform as empty).
        #[test]
        fn each_scheme_of_a_run_reads_what_it_reads(
            rows in proptest::collection::vec((0usize..3, 0i64..60, 0u8..4), 0..300),
            threads in 1usize..3,
        ) {
            let compile = |name: &str, extra: &str| {
                let text = format!(
                    "scheme {name} {{ currency CNY }}\n\
                     applicant {{ district text  age int?  note text? }}\n\
                     table amounts {{ base \"基本\" = 100 元 }}\n\
                     category young \"青年\" {{\n  when age is present and age < 35 \"未满35岁\"\n{extra}  pay amounts.base\n}}\n\
                     award {{ limit 1 per period  choose highest_amount then first_declared }}\n"
                );
                let source = bursar_compiler::SourceFile::new(name, text);
                bursar_compiler::compile(&source).scheme.unwrap()
            };
            let base = compile("base", "");
            let reform = compile("reform", "  when district == \"haidian\" \"海淀区\"\n");
            let mut data = String::from("district,age,note\n");
            for (district, age, note) in &rows {
                // Repeated rows are common, and differ only where a scheme
                // that does not read a cell would not notice.
                let district = ["haidian", "chaoyang", "xicheng"][*district];
                data += &format!("{district},{age},{}\n", "x".repeat(usize::from(*note)));
            }
            let run = |schemes: &[&Scheme]| {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                pool.install(|| {
                    let mut reader =
                        Reader::new(schemes, "population.csv", data.as_bytes(), &Default::default()).unwrap();
                    simulate(schemes, &mut reader, &Options::default(), &|_| {}).unwrap()
                })
            };
            let both = run(&[&base, &reform]);
            proptest::prop_assert_eq!(&both.tallies[0], &run(&[&base]).tallies[0]);
            proptest::prop_assert_eq!(&both.tallies[1], &run(&[&reform]).tallies[0]);
        }
    }

    /// A scheme of one field, `age`, whose only condition divides by it:
    /// an age of 0 cannot be evaluated.
    fn dividing_scheme() -> Scheme {
        let text = "scheme s { currency CNY }\n\
                    applicant { age int }\n\
                    table amounts { base \"基本\" = 100 元 }\n\
                    category young \"青年\" {\n  when 100 / age > 1.0 \"未满35岁\"\n  pay amounts.base\n}\n\
                    award { limit 1 per period  choose highest_amount then first_declared }\n";
        let source = bursar_compiler::SourceFile::new("s", text.to_string());
        bursar_compiler::compile(&source).scheme.unwrap()
    }

    /// Runs `scheme` over a file of `ages` named `name`, on `threads`
    /// threads in ranges of `range_bytes`.
    fn run_ages(
        scheme: &Scheme,
        name: &str,
        ages: &[u32],
        threads: usize,
        range_bytes: u64,
    ) -> Run {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        let data: String = std::iter::once("age".to_string())
            .chain(ages.iter().map(u32::to_string))
            .map(|line| line + "\n")
            .collect();
        std::fs::write(&path, data).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let file = std::fs::File::open(&path).unwrap();
            let mut reader =
                Reader::from_file(&[scheme], &path, file, &Default::default()).unwrap();
            simulate_in_ranges(
                &[scheme],
                &mut reader,
                &mut Streams::<std::io::Empty>::new(),
                &Options::default(),
                &|_| {},
                range_bytes,
            )
            .unwrap()
        })
    }

    /// The rows whose rules could not be evaluated are kept with their
    /// line, which a range counts from its start: the line is the file's.
    #[test]
    fn rows_not_evaluated_keep_their_line_when_read_in_ranges() {
        let scheme = dividing_scheme();
        let mut ages = vec![30; 400];
        ages[299] = 0;
        let lines = |run: &Run| {
            run.tallies[0]
                .error_rows
                .iter()
                .map(|e| e.line)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            lines(&run_ages(&scheme, "ages.csv", &ages, 1, u64::MAX)),
            [301]
        );
        assert_eq!(lines(&run_ages(&scheme, "ages.csv", &ages, 2, 100)), [301]);
    }

    /// A bug that panics while a range is read stops the run with that
    /// panic; the threads waiting for the range do not wait for ever.
    #[test]
    fn a_panic_in_a_range_stops_the_run() {
        let scheme = dividing_scheme();
        let (sent, received) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let run =
                std::panic::catch_unwind(|| run_ages(&scheme, "panics.csv", &[30; 2000], 2, 100));
            sent.send(run.is_err()).unwrap();
        });
        // Not a timing: a hang never answers, a panic answers at once.
        let panicked = received.recv_timeout(std::time::Duration::from_secs(60));
        assert_eq!(panicked, Ok(true));
    }

    /// A fund whose claims ask for different amounts, rationed three
    /// ways: places by lot, a budget in order of receipt, a budget shared
    /// pro rata. Who is given a place changes the totals and the months.
    fn fund_scheme() -> Scheme {
        fund_with("places 40", "budget 90000 元")
    }

    /// [`fund_scheme`] with quota a's places and quota b's budget.
    fn fund_with(places: &str, budget: &str) -> Scheme {
        let text = r#"scheme fund {
  title    "A fund"
  currency CNY
  period   2025-01-01 ..= 2025-12-31
}
enum Pool {
  a
  b
  c
}
applicant {
  person_id  text
  pool       Pool
  cost       money
  applied_at datetime?
}
category grant {
  pay max(cost, 0 元)
}
award {
  limit 1 per period
  choose highest_amount then first_declared
}
application {
  identifier person_id
  received   applied_at
  deadline   2025-03-31
}
quota a {
  when pool == a
  PLACES
  by lot seed 7
}
quota b {
  when pool == b
  BUDGET
  by earliest applied_at
}
quota c {
  when pool == c
  budget 70000.01 元 pro rata
}
"#;
        let text = text.replace("PLACES", places).replace("BUDGET", budget);
        let source = bursar_compiler::SourceFile::new("fund.bursar", text);
        bursar_compiler::compile(&source).scheme.unwrap()
    }

    /// What the runtime's `allocate` gives the claims of `schemes`'
    /// rows, each read and decided alone and every claim held: the first
    /// scheme's placements as `bursar allocate` writes them, and the
    /// comparison of the two with every decision settled.
    fn allocated_one_by_one(schemes: [&Scheme; 2], data: &[u8]) -> (String, DiffTally) {
        let mut reader =
            Reader::new(&schemes, "population.csv", data, &Default::default()).unwrap();
        let mut applicant = Applicant::empty(schemes[0]);
        let mut record = Record::new();
        // Per person, both decisions; per scheme, the claims by tag.
        let mut decided: Vec<[Decision; 2]> = Vec::new();
        let mut claims: [Vec<Claim>; 2] = [Vec::new(), Vec::new()];
        while reader.next_record(&mut record).unwrap() {
            let layout = reader.layout();
            layout.parse(schemes[0], &record, &mut applicant).unwrap();
            let tag = decided.len() as u64;
            let decisions = schemes.map(|s| evaluate(s, &applicant));
            for ((scheme, d), claims) in schemes.iter().zip(&decisions).zip(&mut claims) {
                claims.extend(claim(scheme, &applicant, d, tag).unwrap());
            }
            decided.push(decisions);
        }
        let out = PlacementsOut::new(schemes[0]).unwrap();
        for (i, (scheme, claims)) in schemes.iter().zip(claims).enumerate() {
            for p in bursar_runtime::allocate(scheme, claims).unwrap() {
                let slot = decided.get_mut(p.claim.tag as usize).unwrap();
                bursar_runtime::settle(&mut slot[i], &p);
                if i == 0 {
                    out.add(&p);
                }
            }
        }
        let mut diff = DiffTally::default();
        for [b, r] in &decided {
            diff.add(schemes[0], schemes[1], b, r, 1);
        }
        let mut written = Vec::new();
        out.copy_to(&mut written).unwrap();
        (String::from_utf8(written).unwrap(), diff)
    }

    /// A run sorts its claims on disk (here every three claims, so there
    /// are more runs than are merged at once) and gives the places the
    /// runtime's `allocate` gives every claim held, on one thread or two:
    /// the same placements and the same comparison; the same tallies with
    /// rows of persons or not, and with `compare --persons`, the first
    /// scheme's rows, the waiting ones settled, as `--persons` writes
    /// them; and with three schemes, each is allocated.
    #[test]
    fn claims_sorted_on_disk_are_given_the_places_allocate_gives() {
        let scheme = fund_scheme();
        let reform = fund_with("places 70", "budget 40000 元");
        let mut data = Vec::new();
        crate::synth_scheme::write(&scheme, &mut data, &mut [], 1200, 3).unwrap();
        let (placements, diff) = allocated_one_by_one([&scheme, &reform], &data);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fund.csv");
        std::fs::write(&path, &data).unwrap();
        // With the first scheme's rows of persons, or both schemes' rows
        // compared (as `--persons` and `compare --persons` write them).
        let run = |schemes: &[&Scheme], threads: usize, with_rows: bool, compared: bool| {
            let placements = std::sync::Arc::new(PlacementsOut::new(&scheme).unwrap());
            let rows = tempfile::NamedTempFile::new().unwrap();
            let sink = crate::persons::CsvSink::new(rows.reopen().unwrap(), false).unwrap();
            let persons = std::sync::Arc::new(PersonsOut::new(&scheme, Box::new(sink)).unwrap());
            let pairs = tempfile::NamedTempFile::new().unwrap();
            let sink = crate::persons::CsvSink::new(pairs.reopen().unwrap(), false).unwrap();
            let pairs_out = std::sync::Arc::new(ComparedOut::new(&scheme, Box::new(sink)).unwrap());
            let options = Options {
                placements: Some(std::sync::Arc::clone(&placements)),
                persons: with_rows.then(|| std::sync::Arc::clone(&persons)),
                compared: compared.then(|| std::sync::Arc::clone(&pairs_out)),
                ..Options::default()
            };
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let run = pool.install(|| {
                let file = std::fs::File::open(&path).unwrap();
                let mut reader =
                    Reader::from_file(schemes, &path, file, &Default::default()).unwrap();
                simulate(schemes, &mut reader, &options, &|_| {}).unwrap()
            });
            let mut written = Vec::new();
            placements.copy_to(&mut written).unwrap();
            persons.finish().unwrap();
            pairs_out.finish().unwrap();
            let rows = std::fs::read_to_string(rows.path()).unwrap();
            let pairs = std::fs::read_to_string(pairs.path()).unwrap();
            let written = String::from_utf8(written).unwrap();
            (run.tallies, run.diff, written, rows, pairs)
        };
        let (tallies, d, p, rows, _) = run(&[&scheme], 1, true, false);
        assert_eq!(p, placements);
        let pools = &tallies[0].pools;
        let claims: u64 = pools.iter().map(|p| p.eligible).sum();
        // More claims than 64 runs of three: the runs are merged twice.
        assert!(claims > 3 * 64 * 2, "{claims} claims");
        // Every pool leaves someone out or pays less than asked.
        for p in pools {
            assert!(p.allocated < p.eligible || p.total < p.claimed, "{p:?}");
        }
        assert!(d.is_none());
        assert_eq!(placements.lines().count() as u64, claims + 1);
        assert!(placements.starts_with("person_id,pool,outcome,rank\n"));
        assert_eq!(rows.lines().count(), 1201);
        assert!(rows.contains(",no_place,") && rows.contains(": given a place, rank "));
        assert!(!rows.contains("subject_to_quota"));
        assert!(
            diff.gainers.persons > 0 && diff.losers.persons > 0,
            "{diff:?}"
        );
        // Rows by their number, with the cells at `columns` (written in
        // the order settled, the waiting ones last).
        let by_row = |rows: &str, columns: [usize; 5]| -> Vec<(u64, String)> {
            let mut rows: Vec<(u64, String)> = csv::Reader::from_reader(rows.as_bytes())
                .records()
                .map(|r| {
                    let r = r.unwrap();
                    let cells = columns.map(|c| r[c].to_string());
                    (r[0].parse().unwrap(), cells.join(","))
                })
                .collect();
            rows.sort();
            rows
        };
        // The base's side of each compared person (identifier, outcome,
        // category, amount, decided by) is its row of persons.
        let persons = by_row(&rows, [1, 2, 3, 4, 7]);
        assert_eq!(persons.len(), 1200);
        for threads in [1, 2] {
            let (t, _, p, r, _) = run(&[&scheme], threads, true, false);
            assert!(
                (&t[..], &p, &r) == (&tallies[..1], &placements, &rows),
                "{threads} threads"
            );
            for compared in [false, true] {
                let (t, d, p, _, pairs) = run(&[&scheme, &reform], threads, false, compared);
                assert!(t[..1] == tallies[..], "{threads} threads");
                assert!(d.as_ref() == Some(&diff), "{threads} threads");
                assert!(p == placements, "{threads} threads");
                if compared {
                    let base = by_row(&pairs, [1, 2, 4, 6, 9]);
                    assert!(base == persons, "{threads} threads");
                }
            }
            // More than two schemes (as `solve` runs them): each allocated.
            let (t, ..) = run(&[&scheme, &reform, &scheme], threads, false, false);
            assert!(
                t[0] == tallies[0] && t[2] == tallies[0],
                "{threads} threads"
            );
            // Two schemes with the first's rows of persons.
            let (t, _, _, r, _) = run(&[&scheme, &reform], threads, true, false);
            assert!(t[0] == tallies[0] && r == rows, "{threads} threads");
        }
    }
}
