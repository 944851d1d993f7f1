//! Behavioural assumptions: who applies, who applies late, and how fast the
//! timeline really runs. A population file records what people did; a
//! planner forecasting next year assumes what they will do.

use std::collections::BTreeMap;

use bursar_runtime::ir::{FieldId, Scheme, Value};
use bursar_runtime::{evaluate_into, shift, Applicant, Application, Decision, Outcome};
use chrono::{Datelike, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The expected case when nothing is assumed: each step of the timeline takes
/// half its limit.
pub const EXPECTED_FRACTION: f64 = 0.5;

/// Assumptions about behaviour, applied to every eligible person.
#[derive(Clone, Debug, PartialEq)]
pub struct Assumptions {
    /// Per category: the share of people eligible for it who apply. A
    /// category not listed keeps the population's own application dates.
    pub take_up: BTreeMap<String, f64>,
    /// Of those who apply, the share who apply after the deadline.
    pub late_share: f64,
    /// Per category: the late share of those who apply for it, instead of
    /// `late_share` (`--late CATEGORY=SHARE`).
    pub late: BTreeMap<String, f64>,
    /// The share of each step's time limit a step takes in the expected case.
    pub timeline_fraction: f64,
    /// Seeds the draws; the same seed gives the same result.
    pub seed: u64,
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions {
            take_up: BTreeMap::new(),
            late_share: 0.0,
            late: BTreeMap::new(),
            timeline_fraction: EXPECTED_FRACTION,
            seed: 0,
        }
    }
}

impl Assumptions {
    /// Redraws whether and when an eligible person applies, and re-decides.
    ///
    /// The draws depend only on the seed and the row's `key` (its number in
    /// the file), never on the scheme or the thread, so two schemes compared
    /// see the same people make the same choices (common random numbers),
    /// and any thread count gives the same result. The applicant is restored
    /// afterwards.
    pub fn apply(
        &self,
        scheme: &Scheme,
        applicant: &mut Applicant,
        key: u64,
        decision: &mut Decision,
    ) {
        let Some(Drawn { received, day, .. }) =
            self.draw(scheme, applicant, key, decision, self.seed)
        else {
            return;
        };
        let original = applicant.get(received).cloned();
        applicant.set(received, day.map(Value::Date));
        evaluate_into(scheme, applicant, decision);
        applicant.set(received, original);
    }

    /// The application day drawn for an eligible person under `seed` (see
    /// [`Assumptions::apply`]), or `None` if nothing is drawn for them: no
    /// application to draw, or their award's category has no take-up
    /// share. `--draws` draws with seeds `seed`, `seed + 1`…, so its draw
    /// `k` is the run seeded `seed + k`.
    pub fn draw(
        &self,
        scheme: &Scheme,
        applicant: &Applicant,
        key: u64,
        decision: &Decision,
        seed: u64,
    ) -> Option<Drawn> {
        let (Some(app), Some(award)) = (&scheme.application, decision.awards.first()) else {
            return None;
        };
        // A scheme that needs no application has no date to draw.
        let received = app.received?;
        let category = scheme.categories.get(award.category as usize)?;
        let &take_up = self.take_up.get(&category.name)?;
        let late_share = self
            .late
            .get(&category.name)
            .copied()
            .unwrap_or(self.late_share);
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let applies = rng.random::<f64>() < take_up;
        let late = rng.random::<f64>() < late_share;
        let position: f64 = rng.random();
        let deadline = match decision.application {
            Application::OnTime { deadline, .. } => deadline,
            Application::Late { deadline, .. } => Some(deadline),
            Application::NotRequired | Application::NotApplied | Application::Early { .. } => None,
        }
        .or_else(|| {
            app.deadline
                .as_ref()
                .and_then(|d| bursar_runtime::evaluate_value(scheme, applicant, d))
                .and_then(|v| v.day())
        });
        let opens = draw_opens(scheme, deadline);
        let day = match (applies, late, opens, deadline) {
            (false, _, _, _) => None,
            (true, false, Some(open), Some(deadline)) if open <= deadline => {
                let span = (deadline - open).num_days();
                open.checked_add_days(chrono::Days::new(
                    (position * (span + 1) as f64).floor().min(span as f64) as u64,
                ))
            }
            (true, true, _, Some(deadline)) => {
                deadline.checked_add_days(chrono::Days::new(1 + (position * 30.0) as u64))
            }
            (true, _, _, _) => applicant.get(received).and_then(Value::day),
        };
        Some(Drawn {
            received,
            day,
            deadline,
        })
    }
}

/// A drawn application: the field it goes in, and the day (none: does not
/// apply).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Drawn {
    pub received: FieldId,
    pub day: Option<NaiveDate>,
    /// The deadline the day was drawn against.
    pub deadline: Option<NaiveDate>,
}

/// The first day an on-time application is drawn from: the scheme's
/// publication, or the start of its period, or 180 days before the
/// deadline.
pub fn draw_opens(scheme: &Scheme, deadline: Option<NaiveDate>) -> Option<NaiveDate> {
    scheme
        .header
        .published
        .or(scheme.header.period.map(|p| p.start))
        .or(deadline.and_then(|d| d.checked_sub_days(chrono::Days::new(180))))
}

/// The expected payment day of a paid decision: each timeline step takes
/// `fraction` of its limit (in days, rounded down), counted from receipt.
/// `ends` is scratch space, reused from row to row.
#[inline] // most rows are not paid: the early return belongs in the caller
pub fn expected_payment(
    scheme: &Scheme,
    decision: &Decision,
    fraction: f64,
    ends: &mut Vec<NaiveDate>,
) -> Option<NaiveDate> {
    expected_from(scheme, received_if_paid(decision)?, fraction, ends)
}

/// The day a paid decision's application arrived, which its expected
/// payment day counts from; `None` for any other decision.
#[inline(always)]
fn received_if_paid(decision: &Decision) -> Option<NaiveDate> {
    let (Outcome::Paid, Application::OnTime { received, .. }) =
        (decision.outcome, decision.application)
    else {
        return None;
    };
    Some(received)
}

/// Expected payment days by day of receipt, for one scheme and one
/// fraction (a side of a run): [`expected_payment`], each day worked out
/// once. A population's receipts fall on a few hundred days, and working
/// one out shifts it along every step of the timeline (about 600
/// instructions for the 2023 scheme's two steps, more by a calendar's
/// working days), where a day met before costs a look-up.
pub struct ExpectedDays {
    /// Scratch for [`expected_from`].
    ends: Vec<NaiveDate>,
    /// Days met, each in the place its day number gives modulo the
    /// table's length.
    known: Box<[Option<Known>]>,
}

/// A day of receipt and its expected payment day.
#[derive(Clone, Copy)]
struct Known {
    received: NaiveDate,
    expected: Option<NaiveDate>,
}

/// Days of receipt [`ExpectedDays`] keeps: a year's, and more.
const KNOWN_DAYS: usize = 512;

impl Default for ExpectedDays {
    fn default() -> Self {
        ExpectedDays {
            ends: Vec::new(),
            known: vec![None; KNOWN_DAYS].into_boxed_slice(),
        }
    }
}

impl ExpectedDays {
    /// [`expected_payment`] of `decision`; `scheme` and `fraction` are the
    /// same at every call (those the days known were worked out with).
    #[inline] // most rows are not paid: the early return belongs in the caller
    pub fn payment(
        &mut self,
        scheme: &Scheme,
        decision: &Decision,
        fraction: f64,
    ) -> Option<NaiveDate> {
        self.from(scheme, received_if_paid(decision)?, fraction)
    }

    /// [`expected_from`], looked up if `received` was met before.
    fn from(&mut self, scheme: &Scheme, received: NaiveDate, fraction: f64) -> Option<NaiveDate> {
        let place = received.num_days_from_ce().rem_euclid(KNOWN_DAYS as i32) as usize;
        if let Some(Some(known)) = self.known.get(place) {
            if known.received == received {
                return known.expected;
            }
        }
        let expected = expected_from(scheme, received, fraction, &mut self.ends);
        if let Some(known) = self.known.get_mut(place) {
            *known = Some(Known { received, expected });
        }
        expected
    }
}

/// The expected payment day of a payment received on `received` (see
/// [`expected_payment`]).
pub fn expected_from(
    scheme: &Scheme,
    received: NaiveDate,
    fraction: f64,
    ends: &mut Vec<NaiveDate>,
) -> Option<NaiveDate> {
    ends.clear();
    for step in &scheme.timeline {
        let start = match step.after {
            bursar_runtime::ir::Anchor::Received => received,
            bursar_runtime::ir::Anchor::Step(i) => *ends.get(i as usize)?,
        };
        let latest = shift(start, step.within, 1, scheme.calendar.as_ref()).ok()?;
        let days = ((latest - start).num_days() as f64 * fraction).floor() as u64;
        ends.push(start.checked_add_days(chrono::Days::new(days))?);
    }
    Some(ends.last().copied().unwrap_or(received))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use proptest::prelude::*;

    use super::*;

    /// The 2023 scheme (a timeline in calendar days) and one counting
    /// working days by the China calendar, compiled once.
    fn schemes() -> &'static [Scheme] {
        static SCHEMES: std::sync::OnceLock<Vec<Scheme>> = std::sync::OnceLock::new();
        SCHEMES.get_or_init(|| {
            [
                "beijing/2023-career-boost.bursar",
                "examples/working-day-deadline.bursar",
            ]
            .map(|policy| {
                let path = format!("{}/../policies/{policy}", env!("CARGO_MANIFEST_DIR"));
                let text = std::fs::read_to_string(&path).unwrap();
                let source = bursar_compiler::SourceFile::new(&path, text);
                bursar_compiler::compile(&source).scheme.unwrap()
            })
            .into()
        })
    }

    proptest! {
        /// Days met before are looked up, days that share a place with
        /// another (512 apart) worked out again: either way, what working
        /// each day out gives, in calendar days and in working days.
        #[test]
        fn expected_days_are_what_working_each_out_gives(
            offsets in prop::collection::vec(
                prop_oneof![0u64..40, 0u64..1600, (0u64..4).prop_map(|k| 100 + 512 * k)],
                1..200,
            ),
            fraction in prop_oneof![Just(0.5), 0.0f64..1.0],
        ) {
            for scheme in schemes() {
                let mut days = ExpectedDays::default();
                let start = NaiveDate::from_ymd_opt(2022, 6, 1).unwrap();
                for &offset in &offsets {
                    let received = start + chrono::Days::new(offset);
                    let mut ends = Vec::new();
                    prop_assert_eq!(
                        days.from(scheme, received, fraction),
                        expected_from(scheme, received, fraction, &mut ends),
                        "{} received {}", scheme.id, received
                    );
                }
            }
        }
    }
}
