//! Adding decisions up. A [`Tally`] is a sum: tallies of parts of a
//! population merge into the tally of the whole, in any order, with the same
//! result. That is what makes runs identical for any number of threads.

use std::collections::BTreeMap;

use bursar_runtime::ir::{FieldId, Scheme};
use bursar_runtime::{Applicant, Application, Decision, Money, Outcome};
use chrono::{Datelike, NaiveDate};

use crate::population::RowError;
use crate::sum::Sum;

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

/// Why a person is not eligible: the condition that stopped them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// A `require` line, by index.
    Requirement(u32),
    /// A category's condition: `(category, condition)`.
    Condition(u32, u32),
}

/// Everything counted over a population.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub rows: u64,
    pub skipped_rows: u64,
    /// Rows whose application was received (on time or not).
    pub applicants: u64,
    pub paid: u64,
    pub total: Sum,
    pub categories: Vec<CategoryTally>,
    pub paid_by_amount: BTreeMap<Money, u64>,
    pub eligible_not_applied: u64,
    pub eligible_late: u64,
    pub eligible_early: u64,
    /// Eligible, but every category met pays exactly nothing.
    pub nothing_due: u64,
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

/// What tallying needs to know about a scheme, worked out once per run
/// rather than per row or per batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TallyPlan {
    /// Per slot: the fields its condition reads (for the nearest miss), each
    /// once. One slot per requirement, then per category condition, then one
    /// for "no category".
    slot_fields: Vec<Vec<FieldId>>,
    /// Per category: where its reasons start in `reasons`, after the
    /// requirements'.
    reason_offsets: Vec<usize>,
}

impl TallyPlan {
    pub fn new(scheme: &Scheme) -> TallyPlan {
        let mut slot_fields: Vec<Vec<FieldId>> = vec![Vec::new(); scheme.requirements.len()];
        let mut reason_offsets = Vec::with_capacity(scheme.categories.len());
        for c in &scheme.categories {
            reason_offsets.push(slot_fields.len());
            for cond in &c.conditions {
                let mut fields = Vec::new();
                cond.expr.visit_fields(&mut |f| {
                    if !fields.contains(&f) {
                        fields.push(f);
                    }
                });
                slot_fields.push(fields);
            }
        }
        // The last slot: "no category", reading nothing.
        slot_fields.push(Vec::new());
        TallyPlan {
            slot_fields,
            reason_offsets,
        }
    }

    fn slots(&self) -> usize {
        self.slot_fields.len()
    }

    /// The slot of "no category" (a scheme without categories).
    fn no_category(&self) -> usize {
        self.slots().saturating_sub(1)
    }

    /// The reason a slot stands for.
    fn reason(&self, slot: usize) -> Reason {
        let requirements = self
            .reason_offsets
            .first()
            .copied()
            .unwrap_or(self.no_category());
        if slot < requirements {
            return Reason::Requirement(slot as u32);
        }
        match self.reason_offsets.iter().rposition(|o| *o <= slot) {
            Some(c) if slot < self.no_category() => Reason::Condition(
                c as u32,
                (slot - self.reason_offsets.get(c).copied().unwrap_or(0)) as u32,
            ),
            _ => Reason::Requirement(u32::MAX),
        }
    }

    /// The slot of the reason a person is not eligible: a failed requirement, or
    /// else the nearest miss. The nearest miss is the category that got furthest
    /// through its conditions; among equals, one whose failing condition looked
    /// at data the person has (a contest rank of 11 says more than an absent
    /// certificate); then the first declared. Its failing condition is the reason.
    pub fn reason_slot(&self, applicant: &Applicant, d: &Decision) -> usize {
        if let Some(i) = d.requirements.first_non_pass() {
            // Requirements take the first slots, in order.
            return i;
        }
        // Score each failed category by (conditions passed, has data), as one
        // number so the best is kept without branching; 0 is "none yet".
        let (mut best_score, mut best_slot) = (0usize, self.no_category());
        for (offset, cd) in self.reason_offsets.iter().zip(&d.categories) {
            let Some(passed) = cd.first_failure() else {
                continue;
            };
            let slot = offset + passed;
            let has_data = self
                .slot_fields
                .get(slot)
                // Every field is looked at, without stopping at the first present:
                // whether a field is present is the least predictable branch of
                // the run, and a slot reads one or two fields.
                .is_some_and(|fields| {
                    fields
                        .iter()
                        .fold(false, |any, f| any | applicant.get(*f).is_some())
                });
            let score = ((passed + 1) << 1) | usize::from(has_data);
            if score > best_score {
                (best_score, best_slot) = (score, slot);
            }
        }
        best_slot
    }
}

impl Tally {
    pub fn new(plan: &TallyPlan) -> Tally {
        Tally {
            categories: vec![CategoryTally::default(); plan.reason_offsets.len()],
            reasons: vec![0; plan.slots()],
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
    pub fn add(
        &mut self,
        plan: &TallyPlan,
        applicant: &Applicant,
        d: &Decision,
        expected: Option<NaiveDate>,
    ) {
        self.add_with(d, expected, || plan.reason_slot(applicant, d));
    }

    /// [`Tally::add`], asking `reason` for the slot of the reason a person
    /// is not eligible only when they are not: a caller that knows it from
    /// an identical row need not work it out again.
    pub fn add_with(
        &mut self,
        d: &Decision,
        expected: Option<NaiveDate>,
        reason: impl FnOnce() -> usize,
    ) {
        self.rows += 1;
        if matches!(
            d.application,
            Application::OnTime { .. } | Application::Late { .. } | Application::Early { .. }
        ) {
            self.applicants += 1;
        }
        for (c, cd) in self.categories.iter_mut().zip(&d.categories) {
            if cd.eligible() {
                c.qualifying += 1;
            }
        }
        if d.outcome == Outcome::Error {
            self.errors += 1;
            return;
        }
        for a in &d.awards {
            if let Some(c) = self.categories.get_mut(a.category as usize) {
                c.eligible += 1;
            }
        }
        match d.outcome {
            Outcome::Paid => {
                self.paid += 1;
                let paid = d.paid();
                self.total.add(paid);
                *self.paid_by_amount.entry(paid).or_insert(0) += 1;
                for a in &d.awards {
                    if let Some(c) = self.categories.get_mut(a.category as usize) {
                        c.paid += 1;
                        c.total.add(a.payout.amount);
                    }
                }
                let latest = d.schedule.last().copied().or(match d.application {
                    Application::OnTime { received, .. } => Some(received),
                    _ => None,
                });
                if let Some(day) = latest {
                    self.cash_latest
                        .entry((day.year(), day.month()))
                        .or_default()
                        .add(paid);
                }
                if let Some(day) = expected.or(latest) {
                    self.cash_expected
                        .entry((day.year(), day.month()))
                        .or_default()
                        .add(paid);
                }
            }
            Outcome::NothingDue => self.nothing_due += 1,
            Outcome::NotApplied => self.eligible_not_applied += 1,
            Outcome::Late => self.eligible_late += 1,
            Outcome::Early => self.eligible_early += 1,
            Outcome::NotEligible => {
                self.not_eligible += 1;
                let slot = reason();
                if let Some(n) = self.reasons.get_mut(slot) {
                    *n += 1;
                }
            }
            Outcome::Error => {}
        }
    }

    /// Adds another tally into this one.
    pub fn merge(&mut self, other: Tally) {
        self.rows += other.rows;
        self.skipped_rows += other.skipped_rows;
        self.applicants += other.applicants;
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
