//! Rows met before, with what parsing and deciding them gave, found by
//! their content.
//!
//! Most rows of a population that qualify for nothing are alike but for
//! their identifier (a member card and nothing else), in whatever order the
//! register lists them. A row like one met before is counted again with that
//! row's applicant and decisions, not parsed and decided again; only the
//! checks that depend on the row itself (its identifier, its weight, its
//! text) run for it. In a run that asks of a row only its count, a slot's
//! rows are not even counted one by one: the slot keeps how many it
//! decided ([`Slot::uncounted`]), and they are counted together. Whether
//! two rows are alike is [`Layout::same_applicant`], the same test the
//! reuse of the row before always had: a key ([`Layout::content_key`])
//! only says where to look.
//!
//! The memo is small and fixed (a slot per key's low bits, one spare, and
//! the plain slot rows seen once are parsed into), so nothing grows. A row
//! is let in only once its key was seen before, and then takes the slot of
//! its key, unless that slot was met again since it was last passed over,
//! when it takes the spare (one bit of "second chance", so that a frequent
//! row is not pushed out by rows seen twice). A row seen once costs a hash
//! and is parsed where the rows before it were, in memory the cache still
//! holds; a population of rows all different would still pay the hash for
//! nothing, so the memo counts how often it finds a row the row before
//! would not have given, and below one row in sixteen it rests for a
//! while, comparing each row only with the one before it, as before the
//! memo. Decisions do not depend on it: a run with or without it, resting
//! or not, or with another thread's memo counts the same.

use bursar_runtime::{Applicant, Decision};

use super::Side;
use crate::population::{Layout, Record};
use crate::tally::Rows;

/// Slots found by their key: few enough that their rows' applicants and
/// decisions (about a kilobyte each for the 2023 scheme) stay near the
/// first-level cache.
const SLOTS: usize = 16;
/// The spare slot: the one a row takes when its key's slot is kept.
const SPARE: usize = SLOTS;
/// The slot a row is parsed into when the memo is not used or resting:
/// never looked up by key, as its row is not copied.
const PLAIN: usize = SLOTS + 1;
/// Rows between two weighings of the memo (fewer in tests, so that the
/// property tests' short populations rest and wake the memo too).
const WINDOW: u32 = if cfg!(test) { 32 } else { 4096 };
/// Rows the memo rests for when it did not pay.
const REST: u32 = if cfg!(test) { 4 * WINDOW } else { 16 * WINDOW };

/// A row's decision under one scheme.
#[derive(Default)]
pub(super) struct Decided {
    pub decision: Decision,
    /// The slot of the reason the person is not eligible, once worked out
    /// for this decision.
    pub reason: Option<usize>,
}

/// One row met before.
pub(super) struct Slot {
    key: u64,
    record: Record,
    pub applicant: Applicant,
    /// One per scheme.
    pub decided: Vec<Decided>,
    /// Whether `applicant` and `decided` are what parsing and deciding
    /// the row found here last gave (not a row that stopped half-way, nor
    /// a decision an assumption redrew); that row is `record`, but in the
    /// plain slot.
    valid: bool,
    /// Met again since its slot was last wanted by another row.
    kept: bool,
    /// In a run that asks of a row only its count: the rows decided here
    /// and not counted yet. They are counted together, from `decided`,
    /// before the slot is parsed into again and at the end of each part
    /// (`run::Row::count_slots`), rather than one by one.
    pub uncounted: Rows,
}

impl Slot {
    fn new(sides: &[Side<'_>]) -> Slot {
        Slot {
            key: 0,
            record: Record::new(),
            applicant: sides
                .first()
                .map(|s| Applicant::empty(s.scheme))
                .unwrap_or_default(),
            decided: sides.iter().map(|_| Decided::default()).collect(),
            valid: false,
            kept: false,
            uncounted: Rows::default(),
        }
    }
}

/// Where a row is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Found {
    pub slot: usize,
    /// The slot holds the row's applicant and decisions already.
    pub met: bool,
    /// And it is the slot the previous row was decided in.
    pub previous: bool,
}

/// The rows met before (see the module's documentation).
pub(super) struct Memo {
    /// `SLOTS` found by key, the spare, and the plain slot; made at the
    /// first row.
    slots: Vec<Slot>,
    /// The slot the previous row was decided in, if it was.
    last: Option<usize>,
    /// Rows left before the memo is tried again (0: in use).
    resting: u32,
    /// Since the memo was last weighed: rows looked up, and rows met in a
    /// slot other than the previous row's.
    looked: u32,
    met_apart: u32,
    /// Keys of rows parsed into the plain slot, by their top byte: a row
    /// whose key is here was seen before, and is let into the memo.
    seen: Vec<u64>,
}

impl Memo {
    pub fn new() -> Memo {
        Memo {
            slots: Vec::new(),
            last: None,
            resting: 0,
            looked: 0,
            met_apart: 0,
            seen: Vec::new(),
        }
    }

    /// Where to decide `record`, read after `previous`. With `reuse`
    /// (nothing in the run needs the row's own parse), a slot holding a
    /// row like it if one does; otherwise the slot to parse it into,
    /// marked not valid until [`Memo::decided`]. Until then no slot is the
    /// previous row's: a row that stops half-way leaves none.
    pub fn find(
        &mut self,
        sides: &[Side<'_>],
        layout: &Layout,
        record: &Record,
        previous: Option<&Record>,
        reuse: bool,
    ) -> Found {
        if self.slots.is_empty() {
            self.slots = (0..=PLAIN).map(|_| Slot::new(sides)).collect();
            self.seen = vec![0; 256];
        }
        let last = self.last.take();
        if !reuse {
            return self.parse_into(PLAIN);
        }
        if self.resting > 0 {
            self.resting -= 1;
            // As before the memo: the row before, if this one is like it.
            if let Some(found) = self.like_previous(layout, record, previous, last) {
                return found;
            }
            return self.parse_into(PLAIN);
        }
        // A line that is not a record is a bad row, never like another;
        // all such lines would share a key and push rows out of the memo.
        if record.broken().is_some() {
            return self.parse_into(PLAIN);
        }
        let found = self.look_up(layout, record, previous, last);
        self.looked += 1;
        if found.met && !found.previous {
            self.met_apart += 1;
        }
        if self.looked == WINDOW {
            if self.met_apart < WINDOW / 16 {
                self.resting = REST;
            }
            (self.looked, self.met_apart) = (0, 0);
        }
        found
    }

    /// The memo in use: `record` found by its key, or the slot it is
    /// parsed into. A row is let into the memo only when its key was seen
    /// before ([`Memo::seen`]); a row seen once is parsed into the plain
    /// slot, whose buffers the last rows used too, and not copied.
    fn look_up(
        &mut self,
        layout: &Layout,
        record: &Record,
        previous: Option<&Record>,
        last: Option<usize>,
    ) -> Found {
        let key = layout.content_key(record);
        let home = (key % SLOTS as u64) as usize;
        for slot in [home, SPARE] {
            if let Some(s) = self.slots.get_mut(slot) {
                if s.valid && s.key == key && layout.same_applicant(record, &s.record) {
                    s.kept = true;
                    return Found {
                        slot,
                        met: true,
                        previous: last == Some(slot),
                    };
                }
            }
        }
        if last == Some(PLAIN) && self.slots.get(PLAIN).is_some_and(|s| s.key == key) {
            if let Some(found) = self.like_previous(layout, record, previous, last) {
                return found;
            }
        }
        let seen = self.seen.get_mut((key >> 56) as usize);
        if seen.as_deref() != Some(&key) {
            if let Some(seen) = seen {
                *seen = key;
            }
            if let Some(s) = self.slots.get_mut(PLAIN) {
                s.key = key;
            }
            return self.parse_into(PLAIN);
        }
        let slot = match self.slots.get_mut(home) {
            Some(s) if s.valid && s.kept => {
                s.kept = false;
                SPARE
            }
            _ => home,
        };
        if let Some(s) = self.slots.get_mut(slot) {
            s.key = key;
            s.record.copy_from(record);
            s.kept = false;
        }
        self.parse_into(slot)
    }

    /// The previous row's slot, if `record` is like `previous` and that
    /// slot still holds what deciding it gave.
    fn like_previous(
        &self,
        layout: &Layout,
        record: &Record,
        previous: Option<&Record>,
        last: Option<usize>,
    ) -> Option<Found> {
        let (slot, previous) = (last?, previous?);
        (self.slots.get(slot)?.valid && layout.same_applicant(record, previous)).then_some(Found {
            slot,
            met: true,
            previous: true,
        })
    }

    fn parse_into(&mut self, slot: usize) -> Found {
        if let Some(s) = self.slots.get_mut(slot) {
            s.valid = false;
        }
        Found {
            slot,
            met: false,
            previous: false,
        }
    }

    /// A row is not decided (an identifier met before): the next row is
    /// not compared with it.
    pub fn passed(&mut self) {
        self.last = None;
    }

    pub fn slot(&mut self, slot: usize) -> Option<&mut Slot> {
        self.slots.get_mut(slot)
    }

    /// Every slot, for counting what they hold.
    pub fn slots(&mut self) -> &mut [Slot] {
        &mut self.slots
    }

    /// The row found at `slot` is counted; with `valid`, its applicant and
    /// decisions are what parsing and deciding it gave (no assumption
    /// redrew them), and a row like it may take them.
    pub fn decided(&mut self, slot: usize, valid: bool) {
        if let Some(s) = self.slots.get_mut(slot) {
            s.valid = valid;
        }
        self.last = Some(slot);
    }
}
