//! Behavioural assumptions: who applies, who applies late, and how fast the
//! timeline really runs. A population file records what people did; a
//! planner forecasting next year assumes what they will do.

use std::collections::BTreeMap;

use bursar_runtime::ir::{FieldId, Scheme, Value};
use bursar_runtime::{evaluate_into, shift, Applicant, Application, Decision, Outcome};
use chrono::NaiveDate;
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
                .and_then(|v| date_of(&v))
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
            (true, _, _, _) => applicant.get(received).and_then(date_of),
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

/// The day of a date or a time of day.
pub(crate) fn date_of(v: &Value) -> Option<NaiveDate> {
    match v {
        Value::Date(d) => Some(*d),
        Value::DateTime(t) => Some(t.date()),
        Value::Bool(..)
        | Value::Int(..)
        | Value::Money(..)
        | Value::Text(..)
        | Value::Enum { .. }
        | Value::Duration(..)
        | Value::Decimal(..)
        | Value::List(..) => None,
    }
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
    let (Outcome::Paid, Application::OnTime { received, .. }) =
        (decision.outcome, decision.application)
    else {
        return None;
    };
    expected_from(scheme, received, fraction, ends)
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
