//! Claims on quotas: sorted into the quotas' order as they come, on disk
//! beyond a bound, then given their places one by one and counted.
//!
//! A run needs no claim again once it is counted, so it keeps each claim
//! with what counting it will need ([`Settling`]) in a [`Sorter`] by
//! [`in_rank_order`], and hands them in that order to the runtime's
//! [`Rationing`], the function [`bursar_runtime::allocate`] gives places
//! by: the same places, in memory bounded by the sorter's batch. The
//! placements of `bursar allocate` are written in that order as they are
//! given. What must wait for a claim's place beside the claim's row (a
//! person's row with `--persons`, a person compared under two schemes)
//! (with `compare --persons`, both sides' rows) is kept in another
//! sorter in the order the rows were read, which is the claims' order of
//! tags; what each claim was given goes into a third by tag as places
//! are given, and the two are read side by side at the end.
//!
//! One thing `allocate` checks is left to the run: two claims on a quota
//! by one identifier. The run's identifier check has already stopped or
//! skipped every row whose identifier an earlier row had, and a claim's
//! identifier is its row's, so no two claims here share one. A claim
//! repeated as a whole, which the sort puts side by side, is still refused.

use crate::compare::{DiffTally, Payment};
use crate::persons::{Compared, ComparedOut, PersonRow, PersonsOut};
use crate::placements::PlacementsOut;
use crate::sorted::Sorter;
use crate::tally::{Settling, Tally};
use bursar_runtime::ir::Scheme;
use bursar_runtime::{
    in_rank_order, AllocateError, Claim, Decision, Demands, Given, Money, Placement, Rationing,
};

mod spill;

/// Claims held in memory before a sorted run is spilled to disk: about
/// 250 bytes each with their settling, so some 16 MB.
const BATCH_CLAIMS: usize = if cfg!(test) { 3 } else { 65_536 };

/// Waiting persons' rows held in memory before a run is spilled (a few
/// hundred bytes each).
const BATCH_ROWS: usize = if cfg!(test) { 3 } else { 16_384 };

/// Persons' rows written to the persons file at once.
const ROWS_WRITTEN: usize = 4_096;

/// One scheme's claims, in the quotas' order once finished.
#[derive(Debug)]
pub(super) struct Queue {
    sorter: Sorter<Queued>,
    /// What each quota's claims ask for (a share pro rata is worked out
    /// from it).
    demands: Demands,
    /// Decisions that waited in the parts added so far: the next part's
    /// tags count on from here.
    waited: u64,
    /// With `--persons`: the rows of the decisions that wait, by tag.
    rows: Option<Sorter<WaitingRow>>,
    /// Whether the caller wants what each claim was given, by tag (to
    /// settle a comparison's pairs).
    given: bool,
}

/// A claim and what counting it will need.
#[derive(Debug)]
struct Queued {
    claim: Claim,
    settling: Settling,
}

/// A person's row waiting for its claim's placement (by the claim's tag).
#[derive(Debug)]
struct WaitingRow {
    tag: u64,
    row: PersonRow,
}

/// What a claim was given, by its tag: to settle its person's row or its
/// comparison's pair.
#[derive(Debug)]
pub(super) struct Tagged {
    pub(super) tag: u64,
    pub(super) given: Given,
}

/// A message for a temporary file that cannot be written or read.
fn on_disk(e: std::io::Error) -> String {
    format!("cannot sort the claims on quotas on disk: {e}")
}

impl Queue {
    /// The queue of `scheme`'s claims; with `persons`, of their rows too;
    /// with `given`, [`Queue::allocate`] gives back what each claim was
    /// given, by tag. The `sides` queues of a run share the memory of one
    /// (a comparison has two, `solve` many).
    pub(super) fn new(scheme: &Scheme, persons: bool, given: bool, sides: usize) -> Queue {
        let batch = BATCH_CLAIMS / sides.max(1);
        Queue {
            sorter: Sorter::new(
                |a: &Queued, b: &Queued| in_rank_order(&a.claim, &b.claim),
                batch.max(1),
            ),
            demands: Demands::new(scheme),
            waited: 0,
            rows: persons.then(|| {
                Sorter::new(
                    |a: &WaitingRow, b: &WaitingRow| a.tag.cmp(&b.tag),
                    BATCH_ROWS,
                )
            }),
            given,
        }
    }

    /// Decisions that waited in the parts added so far.
    pub(super) fn waited(&self) -> u64 {
        self.waited
    }

    /// Adds a part's waiting decisions, in file order: its claims, each
    /// with its settling (`decisions`, by the claim's tag), and the
    /// persons' rows of the claims by tag.
    pub(super) fn add(
        &mut self,
        claims: Vec<Claim>,
        decisions: Vec<Settling>,
        rows: Vec<(u64, PersonRow)>,
    ) -> Result<(), String> {
        let base = self.waited;
        self.waited += decisions.len() as u64;
        let mut settlings: Vec<Option<Settling>> = decisions.into_iter().map(Some).collect();
        for mut claim in claims {
            let Some(settling) = settlings.get_mut(claim.tag as usize).and_then(Option::take)
            else {
                return Err(format!("`{}`: a claim without its decision", claim.id));
            };
            claim.tag += base;
            self.demands.add(&claim);
            self.sorter
                .push(Queued { claim, settling })
                .map_err(on_disk)?;
        }
        if let Some(sorter) = &mut self.rows {
            for (tag, row) in rows {
                sorter
                    .push(WaitingRow {
                        tag: base + tag,
                        row,
                    })
                    .map_err(on_disk)?;
            }
        }
        Ok(())
    }

    /// Gives each quota's places to its claims, in order, and counts each
    /// claim into `tally` (and writes it to `placements`) as it is given;
    /// then writes the waiting persons' rows, settled, to `persons`, in
    /// the order they waited. What each claim was given, to be sorted by
    /// tag, if asked for; what stopped it, as a message.
    pub(super) fn allocate(
        self,
        scheme: &Scheme,
        tally: &mut Tally,
        placements: Option<&PlacementsOut>,
        persons: Option<&PersonsOut>,
    ) -> Result<Option<Sorter<Tagged>>, String> {
        let Queue {
            sorter,
            demands,
            rows,
            given: give_back,
            ..
        } = self;
        let tag_order = |a: &Tagged, b: &Tagged| a.tag.cmp(&b.tag);
        // What each claim was given, by tag: to settle the persons' rows,
        // and for the caller.
        let mut for_rows = rows.is_some().then(|| Sorter::new(tag_order, BATCH_CLAIMS));
        let mut by_tag = give_back.then(|| Sorter::new(tag_order, BATCH_CLAIMS));
        let mut before: Option<Claim> = None;
        let mut rationing: Option<Rationing> = None;
        for queued in sorter.sorted().map_err(on_disk)? {
            let Queued { claim, settling } = queued.map_err(on_disk)?;
            let quota = claim.quota;
            let same_quota = before.as_ref().is_some_and(|b| b.quota == quota);
            if same_quota && before.as_ref().is_some_and(|b| b.id == claim.id) {
                let quota = scheme
                    .quotas
                    .get(quota as usize)
                    .map(|q| q.name.clone())
                    .unwrap_or_default();
                let id = claim.id;
                return Err(AllocateError::DuplicateClaim { quota, id }.to_string());
            }
            let r = match (&mut rationing, same_quota) {
                (Some(r), true) => r,
                _ => rationing
                    .insert(Rationing::new(scheme, quota, &demands).map_err(|e| e.to_string())?),
            };
            let given = r.give(claim.amount).map_err(|e| e.to_string())?;
            // Quotas are refused in a weighted run: one person a claim.
            if !tally.add_settled(&settling, given.paid, 1) {
                return Err(format!(
                    "`{}`: a share of its awards cannot be worked out",
                    claim.id
                ));
            }
            for s in [&mut for_rows, &mut by_tag].into_iter().flatten() {
                let tag = claim.tag;
                s.push(Tagged { tag, given }).map_err(on_disk)?;
            }
            before = Some(match placements {
                Some(out) => {
                    let placement = Placement::new(claim, given);
                    out.add(&placement);
                    placement.claim
                }
                None => claim,
            });
        }
        if let (Some(rows), Some(given), Some(out)) = (rows, for_rows, persons) {
            settle_rows(rows, given, out)?;
        }
        Ok(by_tag)
    }
}

/// A comparison's persons either side of whom waits for a place, in the
/// order they were read (which is each side's order of tags too).
#[derive(Debug)]
pub(super) struct Pairs {
    sorter: Sorter<PairRow>,
}

/// One person under both schemes: per side, the tag of the claim that
/// waits, if it does, and what comparing reads of the decision (what it
/// pays is known once its claim is given a place); with `compare
/// --persons`, both sides' rows, settled likewise.
#[derive(Debug)]
pub(super) struct PairRow {
    pub(super) tags: [Option<u64>; 2],
    pays: [Payment; 2],
    rows: Option<Box<[PersonRow; 2]>>,
}

impl PairRow {
    /// A person's two decisions, `tags` those of their claims, and their
    /// rows if written.
    pub(super) fn new(
        tags: [Option<u64>; 2],
        [b, r]: [&Decision; 2],
        rows: Option<Box<[PersonRow; 2]>>,
    ) -> PairRow {
        PairRow {
            tags,
            pays: [Payment::of(b), Payment::of(r)],
            rows,
        }
    }
}

impl Pairs {
    /// The persons compared, with both sides' rows (`compare --persons`)
    /// or without.
    pub(super) fn new(rows: bool) -> Pairs {
        // Two rows of persons are some 700 bytes: fewer are held, beside
        // the sorted rows `compare --persons` itself holds.
        let batch = if rows { BATCH_ROWS / 4 } else { BATCH_CLAIMS };
        Pairs {
            // In the order pushed: a sort by nothing keeps it.
            sorter: Sorter::new(|_: &PairRow, _: &PairRow| std::cmp::Ordering::Equal, batch),
        }
    }

    pub(super) fn push(&mut self, pair: PairRow) -> Result<(), String> {
        self.sorter.push(pair).map_err(on_disk)
    }

    /// Compares each person, in the order read, once what each side's
    /// claims were given is known (`given`, per side, by tag), and adds
    /// their rows, settled, to `compared`.
    pub(super) fn compare(
        self,
        given: [Option<Sorter<Tagged>>; 2],
        diff: &mut DiffTally,
        [base, reform]: [&Scheme; 2],
        compared: Option<&ComparedOut>,
    ) -> Result<(), String> {
        let [b, r] = given;
        let mut streams = [
            b.map(Sorter::sorted).transpose().map_err(on_disk)?,
            r.map(Sorter::sorted).transpose().map_err(on_disk)?,
        ];
        let mut batch = Vec::new();
        for pair in self.sorter.sorted().map_err(on_disk)? {
            let PairRow {
                tags,
                mut pays,
                mut rows,
            } = pair.map_err(on_disk)?;
            for (i, ((tag, pay), stream)) in
                tags.iter().zip(&mut pays).zip(&mut streams).enumerate()
            {
                let Some(tag) = tag else { continue };
                let given = match stream.as_mut().and_then(Iterator::next) {
                    Some(Ok(t)) if t.tag == *tag => t.given,
                    Some(Err(e)) => return Err(on_disk(e)),
                    Some(Ok(_)) | None => {
                        return Err("a compared person without their claim".to_string())
                    }
                };
                pay.paid = given.paid.unwrap_or(Money::ZERO);
                if let Some(row) = rows.as_mut().and_then(|r| r.get_mut(i)) {
                    row.settle(given);
                }
            }
            let [b, r] = pays;
            diff.add_payments(base, reform, b, r, 1);
            if let (Some(out), Some(rows)) = (compared, rows) {
                let [b, r] = *rows;
                batch.push(Compared::new(b, r));
                if batch.len() == ROWS_WRITTEN {
                    out.add(std::mem::take(&mut batch));
                }
            }
        }
        if let Some(out) = compared {
            out.add(batch);
        }
        Ok(())
    }
}

/// Writes the waiting rows, in tag order, each settled with what its
/// claim was given (the claims, sorted by tag, are the rows' own).
fn settle_rows(
    rows: Sorter<WaitingRow>,
    by_tag: Sorter<Tagged>,
    out: &PersonsOut,
) -> Result<(), String> {
    let mut given = by_tag.sorted().map_err(on_disk)?;
    let mut batch = Vec::with_capacity(ROWS_WRITTEN);
    for waiting in rows.sorted().map_err(on_disk)? {
        let WaitingRow { tag, mut row } = waiting.map_err(on_disk)?;
        match given.next() {
            Some(Ok(t)) if t.tag == tag => row.settle(t.given),
            Some(Err(e)) => return Err(on_disk(e)),
            Some(Ok(_)) | None => {
                return Err(format!("`{}`: a waiting row without its claim", row.id));
            }
        }
        batch.push(row);
        if batch.len() == ROWS_WRITTEN {
            out.write(&batch);
            batch.clear();
        }
    }
    out.write(&batch);
    Ok(())
}
