//! Adding decisions up. A [`Tally`] is a sum: tallies of parts of a
//! population merge into the tally of the whole, in any order, with the same
//! result. That is what makes runs identical for any number of threads.

use std::collections::BTreeMap;

use bursar_runtime::ir::Scheme;
use bursar_runtime::{Application, Decision, Due, Money, Outcome};
use chrono::{Datelike, NaiveDate};

use crate::population::RowError;
use crate::sum::Sum;
use crate::weight::Weight;

/// How many rows the rules could not be evaluated for are kept, with their
/// line, for the report (all are counted).
pub const ERROR_ROWS_KEPT: usize = 20;

/// A calendar month, `(year, month)`.
pub type Month = (i32, u32);

/// Per category counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CategoryTally {
    /// Persons meeting the category's conditions.
    pub qualifying: u64,
    /// Persons the award rule gives this category (applied or not).
    pub eligible: u64,
    pub paid: u64,
    pub total: Sum,
}

/// What counting a payment needs of its decision: all a decision waiting
/// for allocation keeps (a few dozen bytes, not the whole decision).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settling {
    pub quota: Option<u32>,
    pub total: Money,
    /// `(category, amount)` per award.
    pub awards: Box<[(u32, Money)]>,
    /// Rounds and instalments, for the decisions that have any. Boxed: a
    /// run with quotas holds a `Settling` for every claim to the end, and
    /// the claims of schemes without either then carry 8 bytes for them,
    /// not 48.
    pub timing: Option<Box<Timing>>,
    /// The latest day payment can happen.
    pub latest: Option<NaiveDate>,
    /// The expected payment day.
    pub expected: Option<NaiveDate>,
}

/// When a payment's parts are paid, where not all at once by the
/// timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timing {
    /// In a scheme with rounds, `(round, amount)` per round that pays:
    /// each is paid in its own window.
    pub rounds: Box<[(u32, Money)]>,
    /// Stages of instalments due on the day their fact was recorded: paid
    /// in that month, not by the timeline.
    pub dated: Box<[(Money, NaiveDate)]>,
    /// Stages promised but not due yet (not in `total`), by amount.
    pub pending: Box<[Money]>,
}

impl Settling {
    /// For a decision that pays (or would, given a place).
    pub fn of(d: &Decision, expected: Option<NaiveDate>) -> Option<Settling> {
        let (mut s, timing) = Settling::apart(d, expected)?;
        s.timing = timing.map(Box::new);
        Some(s)
    }

    /// [`Settling::of`], its timing apart: for a payment counted at once,
    /// which need not box it.
    fn apart(d: &Decision, expected: Option<NaiveDate>) -> Option<(Settling, Option<Timing>)> {
        match d.outcome {
            Outcome::Paid | Outcome::SubjectToQuota | Outcome::NoPlace => {}
            Outcome::NotEligible
            | Outcome::NotApplied
            | Outcome::Late
            | Outcome::Early
            | Outcome::NothingDue
            | Outcome::Error => return None,
        }
        let s = Settling {
            quota: d.quota,
            total: d.total,
            awards: d
                .awards
                .iter()
                .map(|a| (a.category, a.payout.amount))
                .collect(),
            timing: None,
            latest: latest_day(d),
            expected,
        };
        Some((s, Timing::of(d)))
    }
}

impl Timing {
    /// A decision's rounds and stages, if it has any.
    fn of(d: &Decision) -> Option<Timing> {
        if d.rounds.is_empty() && d.stages.is_empty() {
            return None;
        }
        Some(Timing {
            rounds: d
                .rounds
                .iter()
                .filter(|r| !r.awards.is_empty())
                .map(|r| (r.round, r.total))
                .collect(),
            dated: d
                .stages
                .iter()
                .filter_map(|st| match st.due {
                    Due::On { date } => Some((st.amount, date)),
                    Due::Now | Due::Pending => None,
                })
                .collect(),
            pending: d
                .stages
                .iter()
                .filter(|st| st.due == Due::Pending)
                .map(|st| st.amount)
                .collect(),
        })
    }
}

/// The latest day a payment can happen: the end of its timeline, or the
/// day it was received.
pub(crate) fn latest_day(d: &Decision) -> Option<NaiveDate> {
    d.schedule.last().copied().or(match d.application {
        Application::OnTime { received, .. } => Some(received),
        Application::NotRequired
        | Application::NotApplied
        | Application::Late { .. }
        | Application::Early { .. } => None,
    })
}

/// One payment, as counting it needs.
struct Payment {
    quota: Option<u32>,
    /// What the claim came to (before a pro rata share).
    claimed: Money,
    paid: Money,
    latest: Option<NaiveDate>,
    expected: Option<NaiveDate>,
    /// The persons its row stands for.
    weight: Weight,
}

/// Per quota counts, after allocation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolTally {
    /// Claims on the quota's places: eligible persons who applied in time.
    pub eligible: u64,
    /// Claims given a place (and paid).
    pub allocated: u64,
    /// What the allocated claims are paid.
    pub total: Sum,
    /// What every claim would have been paid: the basis of the expected
    /// cost of a lottery.
    pub claimed: Sum,
}

/// Per round of a scheme with rounds: whom it pays, and when.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundTally {
    /// Persons the round's award rule gives something (applied or not).
    pub eligible: u64,
    /// Persons paid in the round.
    pub paid: u64,
    pub total: Sum,
    /// The month the latest case pays the round in: its payment window's
    /// last day's.
    pub latest: Option<NaiveDate>,
    /// The expected case's day: the window's middle (its first day plus
    /// half its length in days, rounded down).
    pub expected: Option<NaiveDate>,
}

/// Per payer counts: the scheme's own share, or one payer's top-ups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PayerTally {
    /// Persons this payer pays something.
    pub paid: u64,
    pub total: Sum,
    /// This payer's money by the month of the latest day payment can happen.
    pub cash_latest: BTreeMap<Month, Sum>,
    /// This payer's money by the month of the expected payment day.
    pub cash_expected: BTreeMap<Month, Sum>,
}

/// Why a person is not eligible (see [`TallyPlan::reason_slot`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// A `require` line, by index.
    Requirement(u32),
    /// A category's condition: `(category, condition)`.
    Condition(u32, u32),
    /// The first condition of every category fails: the person is in none
    /// of the groups the scheme is for.
    NoTargetGroup,
}

/// Everything counted over a population.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Rows decided (not skipped), whatever their weight.
    pub rows: u64,
    /// The persons those rows stand for: their weights' sum (`rows` in a
    /// population without weights).
    pub persons: u64,
    pub skipped_rows: u64,
    /// Rows whose application was received (on time or not).
    pub applicants: u64,
    /// Of those, applications received outside the scheme's period (a
    /// draft run on last year's population).
    pub outside_period: u64,
    /// The scheme's period, to count them.
    pub period: Window,
    pub paid: u64,
    pub total: Sum,
    pub categories: Vec<CategoryTally>,
    pub paid_by_amount: BTreeMap<Money, u64>,
    pub eligible_not_applied: u64,
    pub eligible_late: u64,
    pub eligible_early: u64,
    /// Eligible, but every category met pays exactly nothing.
    pub nothing_due: u64,
    /// Eligible and in time, but given no place by a quota.
    pub no_place: u64,
    /// Decisions counted before allocation settled them (zero in a
    /// simulation, which allocates before it counts them).
    pub unallocated: u64,
    /// Per quota, in the scheme's order.
    pub pools: Vec<PoolTally>,
    /// Per round, in the scheme's order (empty without rounds).
    pub rounds: Vec<RoundTally>,
    /// Paid persons with instalments not due yet, and what those come to.
    pub pending_persons: u64,
    pub pending: Sum,
    /// For a scheme with payers: the scheme's own share, then each payer,
    /// in the scheme's order (empty without payers).
    pub payers: Vec<PayerTally>,
    pub not_eligible: u64,
    /// Persons per reason, in the slots of the scheme's [`TallyPlan`].
    pub reasons: Vec<u64>,
    pub errors: u64,
    /// The first rows the rules could not be evaluated for, in file order
    /// (at most [`ERROR_ROWS_KEPT`]), saying why.
    pub error_rows: Vec<RowError>,
    /// Money by the month of the latest day payment can happen.
    pub cash_latest: BTreeMap<Month, Sum>,
    /// Money by the month of the expected payment day (see `expected_payment`).
    pub cash_expected: BTreeMap<Month, Sum>,
}

/// The days of a scheme's period (every day, for a scheme without one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            start: NaiveDate::MIN,
            end: NaiveDate::MAX,
        }
    }
}

impl Window {
    fn holds(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }
}

/// What tallying needs to know about a scheme, worked out once per run
/// rather than per row or per batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TallyPlan {
    /// How many slots: one per requirement, then one per category
    /// condition, then one for "in no target group".
    slots: usize,
    /// Per category: where its reasons start in `reasons`, after the
    /// requirements'.
    reason_offsets: Vec<usize>,
    /// How many quotas the scheme has.
    quotas: usize,
    /// Per round: the latest and the expected day it is paid.
    rounds: Vec<(NaiveDate, NaiveDate)>,
    /// How many payers the scheme has, besides itself.
    payers: usize,
    period: Window,
}

impl TallyPlan {
    pub fn new(scheme: &Scheme) -> TallyPlan {
        let mut slots = scheme.requirements.len();
        let mut reason_offsets = Vec::with_capacity(scheme.categories.len());
        for c in &scheme.categories {
            reason_offsets.push(slots);
            slots += c.conditions.len();
        }
        TallyPlan {
            // The last slot: "in no target group".
            slots: slots + 1,
            reason_offsets,
            quotas: scheme.quotas.len(),
            rounds: scheme
                .rounds
                .iter()
                .map(|r| {
                    let half = (r.paid.end - r.paid.start).num_days() / 2;
                    let middle = u64::try_from(half)
                        .ok()
                        .and_then(|d| r.paid.start.checked_add_days(chrono::Days::new(d)))
                        .unwrap_or(r.paid.start);
                    (r.paid.end, middle)
                })
                .collect(),
            payers: scheme.payers.len(),
            period: scheme
                .header
                .period
                .as_ref()
                .map_or_else(Window::default, |p| Window {
                    start: p.start,
                    end: p.end,
                }),
        }
    }

    fn slots(&self) -> usize {
        self.slots
    }

    /// The slot of "in no target group".
    fn no_target_group(&self) -> usize {
        self.slots.saturating_sub(1)
    }

    /// The reason a slot stands for.
    fn reason(&self, slot: usize) -> Reason {
        let requirements = self
            .reason_offsets
            .first()
            .copied()
            .unwrap_or(self.no_target_group());
        if slot < requirements {
            return Reason::Requirement(slot as u32);
        }
        match self.reason_offsets.iter().rposition(|o| *o <= slot) {
            Some(c) if slot < self.no_target_group() => Reason::Condition(
                c as u32,
                (slot - self.reason_offsets.get(c).copied().unwrap_or(0)) as u32,
            ),
            _ => Reason::NoTargetGroup,
        }
    }

    /// The reason a person is not eligible (see [`TallyPlan::reason_slot`]).
    pub fn reason_of(&self, d: &Decision) -> Reason {
        self.reason(self.reason_slot(d))
    }

    /// The slot of the reason a person is not eligible, by one rule a
    /// planner can check by hand (docs/simulate.md):
    ///
    /// 1. a failed `require` line: that line;
    /// 2. the first condition of every category fails: "in no target
    ///    group" (a category's first condition says whom it is for);
    /// 3. otherwise the category that came closest, by the share of its
    ///    conditions the person meets (so a category with more lines is not
    ///    favoured), the first declared among equals: its failing condition.
    pub fn reason_slot(&self, d: &Decision) -> usize {
        if let Some(i) = d.requirements.first_non_pass() {
            // Requirements take the first slots, in order.
            return i;
        }
        // The best share so far as (passed, of), compared by cross
        // multiplication; (0, 1) until a category passes a condition.
        let (mut best, mut best_slot) = ((0u64, 1u64), self.no_target_group());
        for (offset, cd) in self.reason_offsets.iter().zip(&d.categories) {
            let Some(passed) = cd.first_failure() else {
                continue;
            };
            let share = (passed as u64, u64::from(cd.conditions.len).max(1));
            if share.0 * best.1 > best.0 * share.1 {
                (best, best_slot) = (share, offset + passed);
            }
        }
        best_slot
    }
}

/// Rows counted together, all given the same decision: how many, and the
/// persons they stand for (their weights added up). Within a run's bounds
/// (`crate::weight`), neither can overflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rows {
    pub rows: u64,
    pub weight: Weight,
}

impl Rows {
    /// One row standing for `w` persons.
    pub fn one(w: Weight) -> Rows {
        Rows { rows: 1, weight: w }
    }

    /// One more row, standing for `w` persons.
    pub fn add(&mut self, w: Weight) {
        self.rows += 1;
        self.weight += w;
    }
}

/// Whether award `i` is the first of its category in `awards` (in a
/// scheme with rounds, a category may be awarded once per round).
fn first_of_category<T>(awards: &[T], i: usize, category: impl Fn(&T) -> u32) -> bool {
    let Some(this) = awards.get(i).map(&category) else {
        return false;
    };
    !awards.iter().take(i).any(|a| category(a) == this)
}

impl Tally {
    pub fn new(plan: &TallyPlan) -> Tally {
        Tally {
            categories: vec![CategoryTally::default(); plan.reason_offsets.len()],
            reasons: vec![0; plan.slots()],
            pools: vec![PoolTally::default(); plan.quotas],
            rounds: plan
                .rounds
                .iter()
                .map(|&(latest, expected)| RoundTally {
                    latest: Some(latest),
                    expected: Some(expected),
                    ..RoundTally::default()
                })
                .collect(),
            payers: if plan.payers == 0 {
                Vec::new()
            } else {
                vec![PayerTally::default(); plan.payers + 1]
            },
            period: plan.period,
            ..Tally::default()
        }
    }

    /// The reasons and how many persons each stopped, in slot order.
    pub fn reason_counts(&self, plan: &TallyPlan) -> Vec<(Reason, u64)> {
        self.reasons
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(slot, n)| (plan.reason(slot), *n))
            .collect()
    }

    /// Counts one decision. `expected` is the expected payment day for a paid
    /// decision (the latest day is the decision's own schedule).
    pub fn add(&mut self, plan: &TallyPlan, d: &Decision, expected: Option<NaiveDate>) {
        self.add_with(d, expected, 1, || plan.reason_slot(d));
    }

    /// [`Tally::add`] for a row that stands for `w` persons (its weight,
    /// `crate::weight`; 1 in a population without weights), asking
    /// `reason` for the slot of the reason a person is not eligible only
    /// when they are not: a caller that knows it from an identical row need
    /// not work it out again.
    pub fn add_with(
        &mut self,
        d: &Decision,
        expected: Option<NaiveDate>,
        w: Weight,
        reason: impl FnOnce() -> usize,
    ) {
        self.add_rows(d, expected, Rows::one(w), reason);
    }

    /// [`Tally::add_with`] for several rows given the same decision at
    /// once: each count and sum is linear in the persons counted, so this
    /// counts what adding the rows one by one would.
    pub fn add_rows(
        &mut self,
        d: &Decision,
        expected: Option<NaiveDate>,
        rows: Rows,
        reason: impl FnOnce() -> usize,
    ) {
        let w = rows.weight;
        if !self.add_common(d, rows) {
            return;
        }
        match d.outcome {
            Outcome::Paid => {
                let payment = Payment {
                    quota: d.quota,
                    claimed: d.total,
                    paid: d.total,
                    latest: latest_day(d),
                    expected,
                    weight: w,
                };
                if d.rounds.is_empty() && d.stages.is_empty() {
                    let awards = d.awards.iter().map(|a| (a.category, a.payout.amount));
                    self.add_payment(&payment, awards);
                } else if let Some((s, timing)) = Settling::apart(d, expected) {
                    // Rounds and stages are paid on days of their own: what
                    // a settled claim counts (rounds and payers never meet,
                    // nor instalments and payers).
                    self.add_timed(&s, timing.as_ref(), Some(d.total), w);
                }
                // Payers and quotas never meet (the checker and the bundle
                // loader refuse it): only a payment decided alone has shares.
                if !self.payers.is_empty() {
                    let shares =
                        std::iter::once(d.awarded).chain(d.payers.iter().map(|p| p.amount));
                    self.add_shares(&payment, shares);
                }
            }
            Outcome::NoPlace => self.add_no_place(d.quota, d.total, w),
            Outcome::NothingDue => self.nothing_due += w,
            Outcome::NotApplied => self.eligible_not_applied += w,
            Outcome::Late => self.eligible_late += w,
            Outcome::Early => self.eligible_early += w,
            Outcome::NotEligible => {
                self.not_eligible += w;
                let slot = reason();
                if let Some(n) = self.reasons.get_mut(slot) {
                    *n += w;
                }
            }
            Outcome::SubjectToQuota => self.unallocated += w,
            Outcome::Error => {}
        }
    }

    /// Counts a claim of `claimed` that its quota gave no place.
    fn add_no_place(&mut self, quota: Option<u32>, claimed: Money, w: Weight) {
        if let Some(pool) = quota.and_then(|q| self.pools.get_mut(q as usize)) {
            pool.eligible += w;
            pool.claimed.add_times(claimed, w);
        }
        self.no_place += w;
    }

    /// Counts what a decision waiting for allocation already says (the
    /// row, the application, the categories met); [`Tally::add_settled`]
    /// counts the rest once allocation is done. (Quotas are refused in a
    /// weighted run: a row waiting for a place is one person.)
    pub fn add_waiting(&mut self, d: &Decision) {
        self.add_common(d, Rows::one(1));
    }

    /// What every decision counts whatever its outcome; `false` for an
    /// error, which counts nothing more. Inlined: it runs for every row.
    /// Rows and errors are counted as rows (what a planner fixes in the
    /// file); every other count as the `w` persons a row stands for.
    #[inline(always)]
    fn add_common(&mut self, d: &Decision, Rows { rows, weight: w }: Rows) -> bool {
        self.rows += rows;
        self.persons += w;
        if let Application::OnTime { received, .. }
        | Application::Late { received, .. }
        | Application::Early { received, .. } = d.application
        {
            self.applicants += w;
            if !self.period.holds(received) {
                self.outside_period += w;
            }
        }
        for (c, cd) in self.categories.iter_mut().zip(&d.categories) {
            if cd.eligible() {
                c.qualifying += w;
            }
        }
        if d.outcome == Outcome::Error {
            self.errors += rows;
            return false;
        }
        // A category is counted once per person, however many rounds
        // award it.
        for (i, a) in d.awards.iter().enumerate() {
            if first_of_category(&d.awards, i, |a| a.category) {
                if let Some(c) = self.categories.get_mut(a.category as usize) {
                    c.eligible += w;
                }
            }
        }
        for r in &d.rounds {
            if let (false, Some(t)) = (r.awards.is_empty(), self.rounds.get_mut(r.round as usize)) {
                t.eligible += w;
            }
        }
        true
    }

    /// Counts a payment of `paid` (its claim, or a pro rata share of it),
    /// or with `None` a claim a quota gave no place, for the `w` persons
    /// its row stands for. `false` if a share of the awards cannot be
    /// worked out (nothing is counted then).
    pub fn add_settled(&mut self, s: &Settling, paid: Option<Money>, w: Weight) -> bool {
        self.add_timed(s, s.timing.as_deref(), paid, w)
    }

    /// [`Tally::add_settled`], with the settling's timing given apart.
    fn add_timed(
        &mut self,
        s: &Settling,
        timing: Option<&Timing>,
        paid: Option<Money>,
        w: Weight,
    ) -> bool {
        let Some(paid) = paid else {
            self.add_no_place(s.quota, s.total, w);
            return true;
        };
        let amounts: Vec<Money> = s.awards.iter().map(|a| a.1).collect();
        let Some(amounts) = (if paid == s.total {
            Some(amounts)
        } else {
            bursar_runtime::allocate::shares(&amounts, paid)
        }) else {
            return false;
        };
        if let Some(pool) = s.quota.and_then(|q| self.pools.get_mut(q as usize)) {
            pool.eligible += w;
            pool.claimed.add_times(s.total, w);
            pool.allocated += w;
            pool.total.add_times(paid, w);
        }
        self.paid += w;
        self.total.add_times(paid, w);
        *self.paid_by_amount.entry(paid).or_insert(0) += w;
        for (i, (&(category, _), amount)) in s.awards.iter().zip(amounts).enumerate() {
            if let Some(c) = self.categories.get_mut(category as usize) {
                if first_of_category(&s.awards, i, |a| a.0) {
                    c.paid += w;
                }
                c.total.add_times(amount, w);
            }
        }
        let (rounds, dated, pending) = match timing {
            Some(t) => (&*t.rounds, &*t.dated, &*t.pending),
            None => (&[][..], &[][..], &[][..]),
        };
        if !rounds.is_empty() {
            // Rounds are paid in their own windows. (A scheme with rounds
            // has no quota: what is paid is what was claimed.)
            for &(round, amount) in rounds {
                let Some(t) = self.rounds.get_mut(round as usize) else {
                    continue;
                };
                t.paid += w;
                t.total.add_times(amount, w);
                if let Some(day) = t.latest {
                    self.cash_latest
                        .entry((day.year(), day.month()))
                        .or_default()
                        .add_times(amount, w);
                }
                if let Some(day) = t.expected {
                    self.cash_expected
                        .entry((day.year(), day.month()))
                        .or_default()
                        .add_times(amount, w);
                }
            }
            return true;
        }
        if pending.iter().any(|m| *m > Money::ZERO) {
            self.pending_persons += w;
            for m in pending {
                self.pending.add_times(*m, w);
            }
        }
        // Stages due on the day their fact was recorded are paid in that
        // month; the rest of the payment by the timeline. (A share of a
        // pro rata quota goes by the timeline whole.)
        let mut rest = paid;
        if paid == s.total {
            for &(amount, day) in dated {
                let Some(left) = rest.checked_sub(amount) else {
                    break;
                };
                rest = left;
                for flow in [&mut self.cash_latest, &mut self.cash_expected] {
                    flow.entry((day.year(), day.month()))
                        .or_default()
                        .add_times(amount, w);
                }
            }
        }
        if rest > Money::ZERO {
            if let Some(day) = s.latest {
                self.cash_latest
                    .entry((day.year(), day.month()))
                    .or_default()
                    .add_times(rest, w);
            }
            if let Some(day) = s.expected.or(s.latest) {
                self.cash_expected
                    .entry((day.year(), day.month()))
                    .or_default()
                    .add_times(rest, w);
            }
        }
        true
    }

    /// Counts one payment and its awards, `(category, amount)` each. Called
    /// for every paid row of a simulation: it allocates nothing.
    fn add_payment(&mut self, p: &Payment, awards: impl Iterator<Item = (u32, Money)>) {
        let w = p.weight;
        if let Some(pool) = p.quota.and_then(|q| self.pools.get_mut(q as usize)) {
            pool.eligible += w;
            pool.claimed.add_times(p.claimed, w);
            pool.allocated += w;
            pool.total.add_times(p.paid, w);
        }
        self.paid += w;
        self.total.add_times(p.paid, w);
        *self.paid_by_amount.entry(p.paid).or_insert(0) += w;
        for (category, amount) in awards {
            if let Some(c) = self.categories.get_mut(category as usize) {
                c.paid += w;
                c.total.add_times(amount, w);
            }
        }
        if let Some(day) = p.latest {
            self.cash_latest
                .entry((day.year(), day.month()))
                .or_default()
                .add_times(p.paid, w);
        }
        if let Some(day) = p.expected.or(p.latest) {
            self.cash_expected
                .entry((day.year(), day.month()))
                .or_default()
                .add_times(p.paid, w);
        }
    }

    /// Counts each payer's share of one payment: the scheme's own, then
    /// each payer's top-up, in the scheme's order.
    fn add_shares(&mut self, p: &Payment, shares: impl Iterator<Item = Money>) {
        let w = p.weight;
        for (t, amount) in self.payers.iter_mut().zip(shares) {
            if amount == Money::ZERO {
                continue;
            }
            t.paid += w;
            t.total.add_times(amount, w);
            if let Some(day) = p.latest {
                t.cash_latest
                    .entry((day.year(), day.month()))
                    .or_default()
                    .add_times(amount, w);
            }
            if let Some(day) = p.expected.or(p.latest) {
                t.cash_expected
                    .entry((day.year(), day.month()))
                    .or_default()
                    .add_times(amount, w);
            }
        }
    }

    /// Adds another tally into this one.
    pub fn merge(&mut self, other: Tally) {
        self.rows += other.rows;
        self.persons += other.persons;
        self.skipped_rows += other.skipped_rows;
        self.applicants += other.applicants;
        self.outside_period += other.outside_period;
        self.paid += other.paid;
        self.total.merge(other.total);
        if self.categories.len() < other.categories.len() {
            self.categories
                .resize(other.categories.len(), CategoryTally::default());
        }
        for (a, b) in self.categories.iter_mut().zip(other.categories) {
            a.qualifying += b.qualifying;
            a.eligible += b.eligible;
            a.paid += b.paid;
            a.total.merge(b.total);
        }
        for (k, v) in other.paid_by_amount {
            *self.paid_by_amount.entry(k).or_insert(0) += v;
        }
        self.eligible_not_applied += other.eligible_not_applied;
        self.eligible_late += other.eligible_late;
        self.eligible_early += other.eligible_early;
        self.nothing_due += other.nothing_due;
        self.no_place += other.no_place;
        self.unallocated += other.unallocated;
        if self.pools.len() < other.pools.len() {
            self.pools.resize(other.pools.len(), PoolTally::default());
        }
        for (a, b) in self.pools.iter_mut().zip(other.pools) {
            a.eligible += b.eligible;
            a.allocated += b.allocated;
            a.total.merge(b.total);
            a.claimed.merge(b.claimed);
        }
        for (i, b) in other.rounds.into_iter().enumerate() {
            match self.rounds.get_mut(i) {
                Some(a) => {
                    a.eligible += b.eligible;
                    a.paid += b.paid;
                    a.total.merge(b.total);
                    a.latest = a.latest.or(b.latest);
                    a.expected = a.expected.or(b.expected);
                }
                None => self.rounds.push(b),
            }
        }
        self.pending_persons += other.pending_persons;
        self.pending.merge(other.pending);
        if self.payers.len() < other.payers.len() {
            self.payers
                .resize(other.payers.len(), PayerTally::default());
        }
        for (a, b) in self.payers.iter_mut().zip(other.payers) {
            a.paid += b.paid;
            a.total.merge(b.total);
            for (k, v) in b.cash_latest {
                a.cash_latest.entry(k).or_default().merge(v);
            }
            for (k, v) in b.cash_expected {
                a.cash_expected.entry(k).or_default().merge(v);
            }
        }
        self.not_eligible += other.not_eligible;
        if self.reasons.len() < other.reasons.len() {
            self.reasons.resize(other.reasons.len(), 0);
        }
        for (a, b) in self.reasons.iter_mut().zip(other.reasons) {
            *a += b;
        }
        self.errors += other.errors;
        let room = ERROR_ROWS_KEPT.saturating_sub(self.error_rows.len());
        self.error_rows
            .extend(other.error_rows.into_iter().take(room));
        for (k, v) in other.cash_latest {
            self.cash_latest.entry(k).or_default().merge(v);
        }
        for (k, v) in other.cash_expected {
            self.cash_expected.entry(k).or_default().merge(v);
        }
    }

    /// Keeps a row the rules could not be evaluated for, if fewer than
    /// [`ERROR_ROWS_KEPT`] are kept (it is counted by [`Tally::add`] either way).
    pub fn keep_error_row(&mut self, row: impl FnOnce() -> RowError) {
        if self.error_rows.len() < ERROR_ROWS_KEPT {
            self.error_rows.push(row());
        }
    }
}
