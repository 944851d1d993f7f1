//! Whether a row's identifier was used by an earlier row.
//!
//! A population lists each person once; a repeated identifier (a file
//! appended to itself, two extracts run together) would pay a person twice.
//! The reader checks every row's identifier in file order, so "the later
//! copy" is the same for any thread count.
//!
//! Registers are usually sorted by member number, and while identifiers
//! come in increasing order (as bytes), each one is new: nothing is kept but
//! the last, and a file of any size is checked in constant memory. At the
//! first identifier out of order, what happens depends on the run:
//!
//! - Stopping at the first bad row (the default): every identifier's
//!   64-bit fingerprint is collected ([`Fingerprints`], bounded memory)
//!   and repeats are looked for at the end: a bucket at a time, however
//!   many rows repeat, each bucket gives the fingerprint that repeats
//!   first in it. Only then is the file read once more, to find the first
//!   row that repeats one of those and compare its identifier with the
//!   earlier row's, and the run stops at the repeat
//!   ([`Identifiers::first_repeat`]). A correct file out of order costs a
//!   few instructions a row and no read more.
//! - Skipping bad rows: a repeat must be known as its row is read, so at
//!   the break the file's identifiers are read once more to find which
//!   fingerprints come more than once; from then on only the identifiers
//!   with one of those fingerprints are kept, as text ([`Suspects`]). A
//!   file with more than `SUSPECTS` of them (one appended to itself)
//!   would keep most of its identifiers: its repeats are found instead by
//!   sorting every identifier on disk, and met as the rows are read
//!   ([`RepeatedRows`]).
//! - A source that cannot be read again (a pipe, a FIFO), stopping at the
//!   first bad row: every identifier is copied with its row's position to
//!   a temporary file ([`IdCopy`]), which is read again in the file's
//!   place, and identifiers are checked as a file's are: in bounded memory,
//!   with a few bytes a row on disk. A pipe may not end, so out of order
//!   its identifiers are also checked after 1M rows and each time the rows
//!   are four times as many: a repeat at any row stops the run by four
//!   times that row, for at most a third more checking than at the end.
//! - A source that cannot be read again, skipping bad rows: a repeat must
//!   be known as its row is read, before the rows after it can be read.
//!   While identifiers ascend none repeats: each is copied to a temporary
//!   file ([`IdCopy`]), and memory holds the last. At the first out of
//!   order ([`Identifiers::must_spool`]), the rest of the source is read
//!   to its end into a temporary file and read on from there
//!   ([`crate::spool`]); the identifiers copied, that row's and the
//!   rest's are sorted on disk to list the rows that repeat
//!   ([`Identifiers::spooled`], [`RepeatedRows`]).
//!
//! A file is never misjudged by a shared fingerprint: identifiers that share
//! one are told apart by their text.

use std::collections::{HashMap, HashSet};

use crate::fingerprints::{FingerprintHasher, Fingerprints};
use crate::id_copy::IdCopy;
use crate::population::{RowError, RowPosition};
use crate::repeated_rows::{sort_failed, RepeatedRows};

/// The population, read again from the start, one identifier at a time.
pub trait Reread {
    /// Calls `f` with the position and identifier (if the row has one) of
    /// each row before row `before` (1 is the first; `u64::MAX` for every
    /// row), while `f` returns `true`.
    fn identifiers(
        &self,
        before: u64,
        f: &mut dyn FnMut(RowPosition, &[u8]) -> bool,
    ) -> Result<(), RowError>;
    /// The error that stops the run when checking cannot go on.
    fn failed(&self, message: String) -> RowError;
    /// The error of the row at `at`, whose identifier `id` an earlier row
    /// had.
    fn repeated(&self, id: &[u8], at: RowPosition) -> RowError;
}

/// What is done with a repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeats {
    /// The run stops at the first bad row: a repeat may be found at the end.
    StopAtFirst,
    /// Bad rows are skipped: every repeat must be known as its row is read.
    Skip,
}

/// The identifiers seen so far.
#[derive(Debug)]
pub enum Identifiers {
    /// Every identifier so far was greater than the one before; the last.
    Ascending(Vec<u8>, Repeats),
    /// Fingerprints of every identifier so far, checked at the end.
    Collected(Fingerprints),
    /// The identifiers that may repeat, and those of them seen so far.
    Suspects(Suspects),
    /// The rows that repeat an earlier row's identifier, in file order.
    Listed(Box<RepeatedRows>),
    /// Every identifier so far copied (a source read once, stopping at the
    /// first bad row), and checked as a file's are, the copy read again.
    Copied(Box<Copied>),
    /// A source read once, skipping bad rows, while its identifiers
    /// ascend.
    Piped(Box<Piped>),
}

/// A source read once, skipping bad rows, while its identifiers ascend:
/// the last, and a copy of every one so far, read again with the rest of
/// the source at the first out of order.
#[derive(Debug, Default)]
pub struct Piped {
    last: Vec<u8>,
    copy: IdCopy,
}

/// The copy of a source's identifiers, and what checking them has found.
#[derive(Debug)]
pub struct Copied {
    copy: IdCopy,
    ids: Identifiers,
    /// The row after which identifiers out of order are checked next.
    check_at: u64,
}

/// Fingerprints that come more than once a run that skips bad rows keeps,
/// with the text of each identifier that has one ([`Suspects`]): some 10
/// MB. A file with more has its repeats listed on disk instead.
const SUSPECTS: usize = if cfg!(test) { 2 } else { 1 << 18 };

/// Rows of a source read once before its identifiers out of order are
/// first checked (see the module's doc); a few in tests.
const FIRST_CHECK: u64 = if cfg!(test) { 4 } else { 1 << 20 };

/// The copy read again in the place of the file; what stops the run is
/// the file's.
struct Again<'a> {
    copy: &'a IdCopy,
    file: &'a dyn Reread,
}

impl Reread for Again<'_> {
    fn identifiers(
        &self,
        before: u64,
        f: &mut dyn FnMut(RowPosition, &[u8]) -> bool,
    ) -> Result<(), RowError> {
        self.copy
            .each(before, f)
            .map_err(|e| self.file.failed(copy_failed(&e)))
    }
    fn failed(&self, message: String) -> RowError {
        self.file.failed(message)
    }
    fn repeated(&self, id: &[u8], at: RowPosition) -> RowError {
        self.file.repeated(id, at)
    }
}

/// The fingerprints that come more than once in the file, and the text of
/// every identifier with one of them seen so far.
#[derive(Debug)]
pub struct Suspects {
    fingerprints: HashSet<u64, FingerprintHasher>,
    seen: HashSet<Box<[u8]>>,
}

impl Suspects {
    fn first_time(&mut self, id: &[u8]) -> bool {
        !self.fingerprints.contains(&fingerprint(id)) || self.seen.insert(id.into())
    }
}

impl Identifiers {
    /// For a source that can be read again from the start (which then needs
    /// no memory while identifiers ascend), or not.
    pub fn new(rereadable: bool, repeats: Repeats) -> Identifiers {
        match (rereadable, repeats) {
            (true, _) => Identifiers::Ascending(Vec::new(), repeats),
            (false, Repeats::StopAtFirst) => Identifiers::Copied(Box::new(Copied {
                copy: IdCopy::default(),
                ids: Identifiers::Ascending(Vec::new(), repeats),
                check_at: FIRST_CHECK,
            })),
            (false, Repeats::Skip) => Identifiers::Piped(Box::default()),
        }
    }

    /// Records `id`, read at `at`; `false` if an earlier row had it. While
    /// collecting (see the module's doc) it is `true` until
    /// [`Identifiers::first_repeat`] says otherwise.
    pub fn first_time(
        &mut self,
        id: &[u8],
        at: &RowPosition,
        file: &dyn Reread,
    ) -> Result<bool, RowError> {
        // `at` by reference: the record holding it was written just before,
        // and a copy made for the call would wait on those stores
        // (`Record::at`). Only the arms that keep it copy it.
        match self {
            Identifiers::Ascending(last, _) if id > last.as_slice() => {
                last.clear();
                last.extend_from_slice(id);
                Ok(true)
            }
            Identifiers::Ascending(_, repeats) => {
                let repeats = *repeats;
                self.out_of_order(id, *at, file, repeats)
            }
            Identifiers::Collected(all) => {
                all.push(fingerprint(id))
                    .map_err(|e| file.failed(spill_failed(&e)))?;
                Ok(true)
            }
            Identifiers::Suspects(s) => Ok(s.first_time(id)),
            Identifiers::Listed(rows) => rows
                .first_time(at.record)
                .map_err(|e| file.failed(sort_failed(&e))),
            Identifiers::Copied(c) => {
                c.copy
                    .push(*at, id)
                    .map_err(|e| file.failed(copy_failed(&e)))?;
                let again = Again {
                    copy: &c.copy,
                    file,
                };
                let first = c.ids.first_time(id, at, &again)?;
                if at.record >= c.check_at {
                    c.check_at = c.check_at.saturating_mul(4);
                    if let Identifiers::Collected(all) = &mut c.ids {
                        // The run stops here; `first_repeat` at its end
                        // reports the repeat, or an earlier bad row.
                        if let Some((at, id)) = earliest_repeat(all, &again, &|_| false)? {
                            return Err(file.repeated(&id, at));
                        }
                    }
                }
                Ok(first)
            }
            Identifiers::Piped(p) if id > p.last.as_slice() => {
                p.copy
                    .push(*at, id)
                    .map_err(|e| file.failed(copy_failed(&e)))?;
                p.last.clear();
                p.last.extend_from_slice(id);
                Ok(true)
            }
            // The caller spools the rest of the source first.
            Identifiers::Piped(_) => Err(file.failed(
                "an identifier out of order from a source read once is checked once the rest is copied"
                    .to_string(),
            )),
        }
    }

    /// Whether `id`, of a source read once that skips bad rows, is its
    /// first out of order: the rest of the source must then be copied
    /// ([`crate::population::Reader::spool_rest`]) and
    /// [`Identifiers::spooled`] told, before `id` is checked.
    #[inline]
    pub fn must_spool(&self, id: &[u8]) -> bool {
        matches!(self, Identifiers::Piped(p) if id <= p.last.as_slice())
    }

    /// The rest of a source read once was copied at row `at`, whose
    /// identifier is `id`, and `rest` reads that copy again: the rows of
    /// the whole source that repeat an earlier row's identifier are listed
    /// from the identifiers copied before, `id` and the rest's.
    #[cold]
    pub fn spooled(
        &mut self,
        id: &[u8],
        at: RowPosition,
        rest: &dyn Reread,
    ) -> Result<(), RowError> {
        if let Identifiers::Piped(p) = self {
            let whole = Whole {
                before: &p.copy,
                at,
                id,
                rest,
            };
            *self = Identifiers::Listed(Box::new(RepeatedRows::find(&whole)?));
        }
        Ok(())
    }

    /// The first identifier out of order.
    #[cold]
    #[inline(never)]
    fn out_of_order(
        &mut self,
        id: &[u8],
        at: RowPosition,
        file: &dyn Reread,
        repeats: Repeats,
    ) -> Result<bool, RowError> {
        match repeats {
            Repeats::StopAtFirst => {
                let mut all = fingerprints(file, at.record)?;
                all.push(fingerprint(id))
                    .map_err(|e| file.failed(spill_failed(&e)))?;
                *self = Identifiers::Collected(all);
                Ok(true)
            }
            Repeats::Skip => {
                let repeated = fingerprints(file, u64::MAX)?
                    .repeated(SUSPECTS)
                    .map_err(|e| file.failed(spill_failed(&e)))?;
                let Some(repeated) = repeated else {
                    // The rows before ascend: none of them repeats.
                    let mut rows = RepeatedRows::find(file)?;
                    let new = rows
                        .first_time(at.record)
                        .map_err(|e| file.failed(sort_failed(&e)))?;
                    *self = Identifiers::Listed(Box::new(rows));
                    return Ok(new);
                };
                let mut suspects = Suspects {
                    fingerprints: repeated,
                    seen: HashSet::new(),
                };
                file.identifiers(at.record, &mut |_, e| {
                    suspects.first_time(e);
                    true
                })?;
                let new = suspects.first_time(id);
                *self = Identifiers::Suspects(suspects);
                Ok(new)
            }
        }
    }

    /// After the rows have been read: the first row, before the first
    /// for which `stop` says so, whose identifier an earlier row had, with
    /// that identifier, if identifiers were collected and not yet checked.
    ///
    /// The collected fingerprints give, a bucket at a time and in the
    /// memory of one bucket however many rows repeat, the few fingerprints
    /// that may repeat first; the file is read again up to the first row
    /// that repeats one of them, to compare its identifier with the earlier
    /// row's. Should they differ (two identifiers sharing a fingerprint),
    /// the rows with that fingerprint are compared by text and the next
    /// earliest is looked for without it.
    pub fn first_repeat(
        self,
        file: &dyn Reread,
        stop: &dyn Fn(RowPosition) -> bool,
    ) -> Result<Option<(RowPosition, Vec<u8>)>, RowError> {
        match self {
            Identifiers::Collected(mut all) => earliest_repeat(&mut all, file, stop),
            // What was found of the copy, the copy read again.
            Identifiers::Copied(c) => {
                let Copied { copy, ids, .. } = *c;
                ids.first_repeat(&Again { copy: &copy, file }, stop)
            }
            Identifiers::Ascending(..)
            | Identifiers::Suspects(_)
            | Identifiers::Listed(_)
            | Identifiers::Piped(_) => Ok(None),
        }
    }
}

/// The first row, before the first for which `stop` says so, whose
/// identifier an earlier row had, with that identifier, among the rows
/// whose fingerprints are `all` (see [`Identifiers::first_repeat`]).
fn earliest_repeat(
    all: &mut Fingerprints,
    file: &dyn Reread,
    stop: &dyn Fn(RowPosition) -> bool,
) -> Result<Option<(RowPosition, Vec<u8>)>, RowError> {
    let mut shared = HashSet::default();
    // The earliest repeat among rows whose fingerprint two different
    // identifiers share.
    let mut among_shared: Option<(RowPosition, Vec<u8>)> = None;
    loop {
        let candidates: HashSet<u64, FingerprintHasher> = all
            .first_repeats(&shared)
            .map_err(|e| file.failed(spill_failed(&e)))?
            .into_iter()
            .collect();
        if candidates.is_empty() {
            return Ok(among_shared);
        }
        // The first identifier of each candidate; the first row that
        // repeats a candidate's fingerprint is the file's first repeat.
        let mut firsts: HashMap<u64, Vec<u8>, FingerprintHasher> = HashMap::default();
        let mut found = None;
        file.identifiers(u64::MAX, &mut |at, id| {
            if stop(at)
                || among_shared
                    .as_ref()
                    .is_some_and(|(a, _)| a.record < at.record)
            {
                return false;
            }
            let print = fingerprint(id);
            if !candidates.contains(&print) {
                return true;
            }
            match firsts.get(&print) {
                None => {
                    firsts.insert(print, id.to_vec());
                    true
                }
                Some(first) => {
                    found = Some((print, first.as_slice() == id, at, id.to_vec()));
                    false
                }
            }
        })?;
        match found {
            // The run stopped before, or a repeat among shared
            // fingerprints came first.
            None => return Ok(among_shared),
            Some((_, true, at, id)) => return Ok(Some((at, id))),
            Some((print, false, _, _)) => {
                shared.insert(print);
                let mut suspects = Suspects {
                    fingerprints: [print].into_iter().collect(),
                    seen: HashSet::new(),
                };
                let mut found = None;
                file.identifiers(u64::MAX, &mut |at, id| {
                    if stop(at) {
                        return false;
                    }
                    if !suspects.first_time(id) {
                        found = Some((at, id.to_vec()));
                        return false;
                    }
                    true
                })?;
                if let Some((at, id)) = found {
                    if among_shared
                        .as_ref()
                        .is_none_or(|(a, _)| at.record < a.record)
                    {
                        among_shared = Some((at, id));
                    }
                }
            }
        }
    }
}

/// The identifiers of one range of a file read on several threads (a
/// `run` range), seen on its own: whether they ascend, its first and last,
/// and every one's fingerprint, for [`Identifiers::absorb`] to add in file
/// order.
#[derive(Debug, Default)]
pub struct RangeIds {
    first: Option<Vec<u8>>,
    last: Vec<u8>,
    ascending: bool,
    fingerprints: Vec<u64>,
}

impl RangeIds {
    pub fn new() -> RangeIds {
        RangeIds {
            ascending: true,
            ..RangeIds::default()
        }
    }

    /// Records `id`, of the range's next row. Every fingerprint is kept
    /// (8 bytes a row of the range): whether the file's identifiers ascend
    /// is known only once the ranges before this one are added.
    pub fn see(&mut self, id: &[u8]) {
        if self.first.is_none() {
            self.first = Some(id.to_vec());
        } else if self.ascending && id <= self.last.as_slice() {
            self.ascending = false;
        }
        if self.ascending {
            self.last.clear();
            self.last.extend_from_slice(id);
        }
        self.fingerprints.push(fingerprint(id));
    }
}

impl Identifiers {
    /// Adds a range's identifiers, in file order: `before` is the number
    /// of the range's first row in the file. While identifiers ascend
    /// across ranges nothing is kept; at the first range that breaks the
    /// order, the rows before it are read again for their fingerprints
    /// (as [`Identifiers::first_time`] does at the first identifier out of
    /// order), and from then on every range's are collected.
    ///
    /// A run that skips bad rows must know each repeat as its row is read,
    /// which a range cannot: while identifiers ascend there is none, and at
    /// the first range that breaks the order `false` says the file must be
    /// read in order instead. Only for a file that can be read again.
    pub fn absorb(
        &mut self,
        range: RangeIds,
        before: u64,
        file: &dyn Reread,
    ) -> Result<bool, RowError> {
        let push = |all: &mut Fingerprints, range: &RangeIds| {
            for &print in &range.fingerprints {
                all.push(print).map_err(|e| file.failed(spill_failed(&e)))?;
            }
            Ok(())
        };
        match self {
            Identifiers::Ascending(last, repeats) => {
                let Some(first) = &range.first else {
                    return Ok(true);
                };
                if range.ascending && first.as_slice() > last.as_slice() {
                    *last = range.last;
                    return Ok(true);
                }
                match repeats {
                    Repeats::StopAtFirst => {
                        let mut all = fingerprints(file, before)?;
                        push(&mut all, &range)?;
                        *self = Identifiers::Collected(all);
                        Ok(true)
                    }
                    Repeats::Skip => Ok(false),
                }
            }
            Identifiers::Collected(all) => push(all, &range).map(|()| true),
            Identifiers::Suspects(_)
            | Identifiers::Listed(_)
            | Identifiers::Copied(_)
            | Identifiers::Piped(_) => Err(file.failed(
                "identifiers of a file read in ranges are checked as they ascend, or collected"
                    .to_string(),
            )),
        }
    }
}

/// A source read once, whole: the identifiers copied before its first out
/// of order, that row's, and those of the rest, copied at that row.
struct Whole<'a> {
    before: &'a IdCopy,
    at: RowPosition,
    id: &'a [u8],
    rest: &'a dyn Reread,
}

impl Reread for Whole<'_> {
    fn identifiers(
        &self,
        before: u64,
        f: &mut dyn FnMut(RowPosition, &[u8]) -> bool,
    ) -> Result<(), RowError> {
        let mut on = true;
        self.before
            .each(before, &mut |at, id| {
                on = f(at, id);
                on
            })
            .map_err(|e| self.rest.failed(copy_failed(&e)))?;
        if on && self.at.record < before && f(self.at, self.id) {
            self.rest.identifiers(before, f)?;
        }
        Ok(())
    }
    fn failed(&self, message: String) -> RowError {
        self.rest.failed(message)
    }
    fn repeated(&self, id: &[u8], at: RowPosition) -> RowError {
        self.rest.repeated(id, at)
    }
}

/// The fingerprints of every identifier of the rows before row `before`.
fn fingerprints(file: &dyn Reread, before: u64) -> Result<Fingerprints, RowError> {
    let mut all = Fingerprints::default();
    let mut failed = None;
    file.identifiers(before, &mut |_, id| match all.push(fingerprint(id)) {
        Ok(()) => true,
        Err(e) => {
            failed = Some(e);
            false
        }
    })?;
    match failed {
        Some(e) => Err(file.failed(spill_failed(&e))),
        None => Ok(all),
    }
}

fn copy_failed(e: &std::io::Error) -> String {
    format!("cannot keep a copy of the identifiers in a temporary file to check them: {e}")
}

fn spill_failed(e: &std::io::Error) -> String {
    format!("cannot keep the identifiers' fingerprints in a temporary file to check them: {e}")
}

/// A well-mixed 64-bit hash of an identifier's bytes: XXH3, fast on short
/// keys (a few nanoseconds for a member number) and fixed, so a run's
/// result never depends on chance.
#[cfg(not(test))]
pub(crate) fn fingerprint(id: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id)
}

/// In tests, identifiers that start with `clash` share one fingerprint, as
/// two different identifiers may (with probability 2⁻⁶⁴ a pair).
#[cfg(test)]
pub(crate) fn fingerprint(id: &[u8]) -> u64 {
    if id.starts_with(b"clash") {
        0x0123_4567_89ab_cdef
    } else {
        xxhash_rust::xxh3::xxh3_64(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of these identifiers, one a line after the header.
    struct File<'a>(&'a [&'a str]);

    /// The rows of a pipe of these identifiers copied from the one at
    /// index `.1` on, as a pipe's spool reads them again.
    struct Rest<'a>(File<'a>, usize);

    impl Reread for Rest<'_> {
        fn identifiers(
            &self,
            before: u64,
            f: &mut dyn FnMut(RowPosition, &[u8]) -> bool,
        ) -> Result<(), RowError> {
            let from = position(self.1).record;
            self.0
                .identifiers(before, &mut |at, id| at.record < from || f(at, id))
        }
        fn failed(&self, message: String) -> RowError {
            self.0.failed(message)
        }
        fn repeated(&self, id: &[u8], at: RowPosition) -> RowError {
            self.0.repeated(id, at)
        }
    }

    impl Reread for File<'_> {
        fn identifiers(
            &self,
            before: u64,
            f: &mut dyn FnMut(RowPosition, &[u8]) -> bool,
        ) -> Result<(), RowError> {
            for (i, id) in self.0.iter().enumerate() {
                let at = position(i);
                if at.record >= before || !f(at, id.as_bytes()) {
                    break;
                }
            }
            Ok(())
        }
        fn failed(&self, message: String) -> RowError {
            panic!("{message}")
        }
        fn repeated(&self, _: &[u8], at: RowPosition) -> RowError {
            let mut e = RowError::in_header("file", "a repeat".to_string());
            e.line = at.line;
            e
        }
    }

    fn position(i: usize) -> RowPosition {
        RowPosition {
            line: i as u64 + 2,
            record: i as u64 + 1,
            ..RowPosition::default()
        }
    }

    /// Checks `ids` in order: which rows are found repeated as they are
    /// read, and the first repeat found at the end.
    ///
    /// A check that stops the run as the rows are read (a pipe's, see the
    /// module's doc) stops reading: its repeat is the one found at the end,
    /// as the run reports it, and the rows after are not marked.
    fn check(ids: &[&str], mut seen: Identifiers) -> (Vec<bool>, Option<u64>) {
        let file = File(ids);
        let mut now = Vec::new();
        let mut stopped = None;
        for (i, id) in ids.iter().enumerate() {
            // A pipe's rest is copied at its first out of order (as
            // `run` does), and read again from the copy.
            if seen.must_spool(id.as_bytes()) {
                let rest = Rest(File(ids), i + 1);
                seen.spooled(id.as_bytes(), position(i), &rest).unwrap();
            }
            match seen.first_time(id.as_bytes(), &position(i), &file) {
                Ok(first) => now.push(!first),
                Err(e) => {
                    stopped = Some(e.line);
                    break;
                }
            }
        }
        now.resize(ids.len(), false);
        let stop = |at: RowPosition| stopped.is_some_and(|line| at.line >= line);
        let late = seen.first_repeat(&file, &stop).unwrap();
        let late = late.map(|(at, _)| at.line).or(stopped);
        // Lines count the header: row n is on line n + 1.
        (now, late.map(|line| line - 1))
    }

    // In order, then out of order, then repeats of both kinds.
    const IDS: [&str; 9] = [
        "E01", "E02", "E10", "E03", "E02", "会员01", "E10", "会员01", "E1",
    ];
    const REPEATED: [bool; 9] = [false, false, false, false, true, false, true, true, false];

    #[test]
    fn skipping_a_repeat_is_found_as_it_is_read() {
        for seen in [
            || Identifiers::new(true, Repeats::Skip),
            || Identifiers::new(false, Repeats::Skip),
        ] {
            assert_eq!(check(&IDS, seen()), (REPEATED.to_vec(), None));
            // A repeat right after its first copy breaks the order too.
            let (now, late) = check(&["A", "B", "B"], seen());
            assert_eq!((now, late), (vec![false, false, true], None));
        }
    }

    /// Skipping bad rows in a file, at the first identifier out of order:
    /// with at most [`SUSPECTS`] fingerprints repeated, the identifiers
    /// that have them are kept; with more, the repeats are listed on disk.
    /// Either way each repeat is known as its row is read.
    #[test]
    fn a_file_with_many_repeats_has_them_listed_on_disk() {
        for (ids, repeated, listed) in [
            (&IDS[..], &REPEATED[..], true),
            (&IDS[..6], &REPEATED[..6], false),
        ] {
            let file = File(ids);
            let mut seen = Identifiers::new(true, Repeats::Skip);
            for (i, (id, &repeat)) in ids.iter().zip(repeated).enumerate() {
                let first = seen.first_time(id.as_bytes(), &position(i), &file);
                assert_eq!(first, Ok(!repeat), "{id}");
            }
            let kind = match seen {
                Identifiers::Listed(_) => true,
                Identifiers::Suspects(_) => false,
                other => panic!("{other:?}"),
            };
            assert_eq!(kind, listed, "{ids:?}");
        }
    }

    #[test]
    fn stopping_at_the_first_bad_row_the_first_repeat_is_found_at_the_end() {
        // From a file, read again; from a pipe, its copy read again.
        for rereadable in [true, false] {
            let seen = || Identifiers::new(rereadable, Repeats::StopAtFirst);
            assert_eq!(check(&IDS, seen()), (vec![false; 9], Some(5)));
            assert_eq!(check(&["A", "B", "B"], seen()), (vec![false; 3], Some(3)));
            // Out of order with no repeat: nothing found.
            assert_eq!(check(&["B", "A", "C"], seen()), (vec![false; 3], None));
            // Only rows before the line the run stopped at are looked at.
            let file = File(&IDS);
            let mut seen = seen();
            for (i, id) in IDS.iter().enumerate() {
                seen.first_time(id.as_bytes(), &position(i), &file).unwrap();
            }
            let before_first_repeat = |at: RowPosition| at.line >= position(4).line;
            assert_eq!(
                seen.first_repeat(&file, &before_first_repeat).unwrap(),
                None
            );
            let mut seen = Identifiers::new(rereadable, Repeats::StopAtFirst);
            for (i, id) in IDS.iter().enumerate() {
                seen.first_time(id.as_bytes(), &position(i), &file).unwrap();
            }
            let found = seen
                .first_repeat(&file, &|at| at.line >= position(5).line)
                .unwrap();
            assert_eq!(found, Some((position(4), b"E02".to_vec())));
        }
    }

    /// A pipe need not end: out of order, its identifiers are checked after
    /// a few rows (4 in tests, 1M otherwise) and each time the rows are
    /// four times as many, and a repeat found stops the run at the row it
    /// is on.
    #[test]
    fn from_a_pipe_a_repeat_stops_the_run_before_the_end() {
        let ids = ["B", "A", "B", "C", "D", "E", "F"];
        let file = File(&ids);
        let mut seen = Identifiers::new(false, Repeats::StopAtFirst);
        for (i, id) in ids.iter().enumerate().take(3) {
            assert_eq!(
                seen.first_time(id.as_bytes(), &position(i), &file),
                Ok(true)
            );
        }
        // Row 4: the check finds row 3's repeat.
        let e = seen.first_time(b"C", &position(3), &file).unwrap_err();
        assert_eq!(e.line, position(2).line);
        // With no repeat, the next check is at row 16.
        let ids: Vec<String> = (0..20).rev().map(|n| format!("P{n:02}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(
            check(&ids, Identifiers::new(false, Repeats::StopAtFirst)),
            (vec![false; 20], None)
        );
    }

    /// A source read once is never read again: its copy is.
    #[test]
    fn from_a_pipe_the_copy_is_read_again_not_the_source() {
        struct Once;
        impl Reread for Once {
            fn identifiers(
                &self,
                _: u64,
                _: &mut dyn FnMut(RowPosition, &[u8]) -> bool,
            ) -> Result<(), RowError> {
                panic!("a pipe read again")
            }
            fn failed(&self, message: String) -> RowError {
                panic!("{message}")
            }
            fn repeated(&self, _: &[u8], _: RowPosition) -> RowError {
                panic!("a repeat")
            }
        }
        let mut seen = Identifiers::new(false, Repeats::StopAtFirst);
        for (i, id) in IDS.iter().enumerate() {
            assert_eq!(
                seen.first_time(id.as_bytes(), &position(i), &Once),
                Ok(true)
            );
        }
        let found = seen.first_repeat(&Once, &|_| false).unwrap();
        assert_eq!(found, Some((position(4), b"E02".to_vec())));
        // Skipping bad rows: while identifiers ascend nothing is kept in
        // memory but the last; at the first out of order, the copy gives
        // every earlier one and the rest's copy every later one, and a
        // repeat of any of them is found.
        let mut seen = Identifiers::new(false, Repeats::Skip);
        let ascending = ["A1", "A2", "B", "B1", "C", "会员01"];
        for (i, id) in ascending.iter().enumerate() {
            assert_eq!(
                seen.first_time(id.as_bytes(), &position(i), &Once),
                Ok(true)
            );
        }
        assert!(matches!(&seen, Identifiers::Piped(p) if p.last == "会员01".as_bytes()));
        let later = [
            ("A0", true),
            ("A2", false),
            ("B1", false),
            ("会员01", false),
            ("A0", false),
        ];
        let ids: Vec<&str> = ascending
            .iter()
            .chain(later.iter().map(|(id, _)| id))
            .copied()
            .collect();
        // Not before the rest is copied.
        let first = position(ascending.len());
        assert!(seen.must_spool(b"A0"));
        let unspooled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut seen = Identifiers::new(false, Repeats::Skip);
            seen.first_time(b"B", &position(0), &Once).unwrap();
            seen.first_time(b"A", &position(1), &Once)
        }));
        assert!(unspooled.is_err(), "checked before the rest was copied");
        seen.spooled(b"A0", first, &Rest(File(&ids), ascending.len() + 1))
            .unwrap();
        for (i, (id, first)) in later.into_iter().enumerate() {
            let at = position(ascending.len() + i);
            assert!(!seen.must_spool(id.as_bytes()), "{id}");
            assert_eq!(
                seen.first_time(id.as_bytes(), &at, &Once),
                Ok(first),
                "{id}"
            );
        }
        assert!(matches!(seen, Identifiers::Listed(_)));
    }

    #[test]
    fn identifiers_sharing_a_fingerprint_are_told_apart_by_their_text() {
        let stop_at_first = || Identifiers::new(true, Repeats::StopAtFirst);
        // No repeat: only a shared fingerprint.
        let ids = ["B", "A", "clash1", "clash2", "C"];
        assert_eq!(check(&ids, stop_at_first()), (vec![false; 5], None));
        // The first real repeat comes after the shared fingerprint's.
        let ids = ["B", "A", "clash1", "clash2", "clash1", "D", "A"];
        assert_eq!(check(&ids, stop_at_first()), (vec![false; 7], Some(5)));
        // A repeat of another identifier comes before the shared one's.
        let ids = ["B", "A", "clash1", "clash2", "A", "clash1"];
        assert_eq!(check(&ids, stop_at_first()), (vec![false; 6], Some(5)));
        // Skipping, and from a pipe, each repeat is found as it is read.
        let ids = ["B", "A", "clash1", "clash2", "A", "clash1"];
        let now = vec![false, false, false, false, true, true];
        assert_eq!(
            check(&ids, Identifiers::new(true, Repeats::Skip)),
            (now, None)
        );
    }

    proptest::proptest! {
        /// Any identifiers, in any order, with repeats and shared
        /// fingerprints (`clash…`), whatever the bucket limit: each way of
        /// checking agrees with a set of every identifier's text.
        #[test]
        fn every_way_agrees_with_a_set_of_the_texts(
            ids in proptest::collection::vec(
                proptest::sample::select(vec!["A", "B", "C", "D", "E", "clash1", "clash2", "会员"]),
                0..40,
            ),
        ) {
            let mut seen = HashSet::new();
            let repeated: Vec<bool> = ids.iter().map(|id| !seen.insert(*id)).collect();
            let first = repeated.iter().position(|r| *r).map(|i| i as u64 + 1);
            proptest::prop_assert_eq!(
                check(&ids, Identifiers::new(true, Repeats::Skip)),
                (repeated.clone(), None)
            );
            // Stopping at the first bad row, no row is marked as it is
            // read: the first repeat is found at the end, from a file or
            // from a pipe.
            for rereadable in [true, false] {
                proptest::prop_assert_eq!(
                    check(&ids, Identifiers::new(rereadable, Repeats::StopAtFirst)),
                    (vec![false; ids.len()], first)
                );
            }
        }
    }

    #[test]
    fn ascending_identifiers_keep_nothing_but_the_last() {
        for repeats in [Repeats::StopAtFirst, Repeats::Skip] {
            let mut seen = Identifiers::new(true, repeats);
            struct Never;
            impl Reread for Never {
                fn identifiers(
                    &self,
                    _: u64,
                    _: &mut dyn FnMut(RowPosition, &[u8]) -> bool,
                ) -> Result<(), RowError> {
                    panic!("read again")
                }
                fn failed(&self, message: String) -> RowError {
                    panic!("{message}")
                }
                fn repeated(&self, _: &[u8], _: RowPosition) -> RowError {
                    panic!("a repeat")
                }
            }
            for n in 0..1000 {
                let id = format!("P{n:08}");
                let first = seen.first_time(id.as_bytes(), &position(n), &Never);
                assert_eq!(first, Ok(true));
            }
            assert!(matches!(seen, Identifiers::Ascending(ref last, _) if last == b"P00000999"));
        }
    }
}
