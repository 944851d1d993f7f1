//! The evaluator: one applicant in, a [`Decision`] out.
//!
//! This is the only implementation of the rules' meaning. The simulator, the
//! CLI and embedding applications all call [`evaluate`].
//!
//! Conditions are evaluated in order and stop at the first that fails: a
//! later condition may read a field only an earlier one proved present (the
//! checker's absence rule), so reading past a failure could only produce
//! errors. Conditions after a failure are [`Verdict::Skipped`].

use std::borrow::Cow;

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::decimal::Decimal;
use crate::input::Applicant;
use crate::ir::{
    Aggregate, Anchor, ArithOp, Builtin, Calendar, CompareOp, Condition, ConditionKind, Criterion,
    Duration, DurationUnit, Expr, FieldId, ItemSet, Pattern, Quota, Rank, RankOrder, Round, RowRef,
    Scheme, TableId, Type, Value,
};
use crate::lower::{Days, Test, Tests};
use crate::money::Money;

/// What went wrong evaluating a rule. The checker rules these out for
/// bundles it produced; they still surface, never as "not eligible".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "error")]
pub enum EvalError {
    /// A field was read while absent.
    Absent { field: FieldId },
    /// An optional field of a list item was read while absent.
    AbsentItem { field: FieldId },
    /// Money or a number left the range the evaluator can represent.
    Overflow,
    /// Operands of the wrong type (only in a bundle the compiler did not make).
    TypeMismatch,
    /// A date computation left the calendar.
    DateOutOfRange,
    /// `working_days` were counted from or to a day outside the years the
    /// scheme's calendar covers, where which days are holidays is unknown.
    OutsideCalendar { date: NaiveDate },
    /// No arm of a `match` matched.
    NoArm,
    /// A table lookup found no row.
    NoRow { table: TableId },
    /// An index in the bundle points nowhere.
    BadReference,
    /// `min` or `max` of no items (only in a bundle the compiler did not
    /// make: it asks for `any` of the same items first).
    NoItems,
    /// Division by zero.
    DivisionByZero,
    /// A payout came to less than nothing (the checker asks authors to
    /// clamp where it cannot prove an amount non-negative; a `--set`
    /// override or a hand-made bundle can still get here).
    NegativeAmount { amount: Money },
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Absent { field } => write!(f, "field #{field} is absent"),
            EvalError::AbsentItem { field } => write!(f, "item field #{field} is absent"),
            EvalError::Overflow => f.write_str("arithmetic overflow"),
            EvalError::TypeMismatch => f.write_str("operands of the wrong type"),
            EvalError::DateOutOfRange => f.write_str("date out of range"),
            EvalError::OutsideCalendar { date } => write!(
                f,
                "working days counted from or to {date}, outside the years the calendar covers"
            ),
            EvalError::NoArm => f.write_str("no arm of a match applies"),
            EvalError::NoRow { table } => write!(f, "table #{table} has no row for the key"),
            EvalError::BadReference => f.write_str("a reference in the bundle points nowhere"),
            EvalError::NoItems => f.write_str("`min` or `max` of no items"),
            EvalError::DivisionByZero => f.write_str("division by zero"),
            EvalError::NegativeAmount { amount } => {
                write!(f, "the amount comes to {amount}, less than nothing")
            }
        }
    }
}

/// The result of one condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// Not evaluated because an earlier condition failed.
    Skipped,
    Error(EvalError),
}

/// What a category pays and which table row it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Payout {
    pub amount: Money,
    pub row: Option<RowRef>,
}

/// How a list of conditions went. They run in order and stop at the first
/// that does not pass, so the whole story is how many passed and why the run
/// stopped: the conditions before the stop passed, those after it were
/// skipped. (Kept as counts, not a list, because the simulator decides
/// millions of these.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checks {
    /// How many conditions there are.
    pub len: u32,
    /// How many passed, counting from the first.
    pub passed: u32,
    /// Why the run stopped at condition `passed`; `None` if it did not stop
    /// there (every condition passed, or none was evaluated).
    pub stop: Option<Stop>,
}

/// Why a run of conditions stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    Fail,
    Error(EvalError),
}

impl Checks {
    /// None of `len` conditions evaluated (an earlier requirement failed).
    pub fn skipped(len: usize) -> Checks {
        Checks {
            len: len as u32,
            passed: 0,
            stop: None,
        }
    }
    /// Whether every condition passed.
    pub fn all_passed(&self) -> bool {
        self.passed == self.len
    }
    /// The verdict of condition `i`.
    pub fn verdict(&self, i: usize) -> Verdict {
        let i = i as u32;
        match self.stop {
            _ if i < self.passed => Verdict::Pass,
            Some(Stop::Fail) if i == self.passed => Verdict::Fail,
            Some(Stop::Error(e)) if i == self.passed => Verdict::Error(e),
            _ => Verdict::Skipped,
        }
    }
    /// Every condition's verdict, in order.
    pub fn verdicts(&self) -> impl Iterator<Item = Verdict> + '_ {
        (0..self.len as usize).map(|i| self.verdict(i))
    }
    /// The condition that failed, by index.
    pub fn first_failure(&self) -> Option<usize> {
        (self.stop == Some(Stop::Fail)).then_some(self.passed as usize)
    }
    /// The first condition that did not pass (failed or could not be
    /// evaluated), by index.
    pub fn first_non_pass(&self) -> Option<usize> {
        self.stop.map(|_| self.passed as usize)
    }
    pub fn error(&self) -> Option<EvalError> {
        match self.stop {
            Some(Stop::Error(e)) => Some(e),
            _ => None,
        }
    }
}

/// The same JSON as a list of verdicts.
impl Serialize for Checks {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.verdicts())
    }
}

/// One category's verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CategoryDecision {
    /// The category's conditions, in order.
    pub conditions: Checks,
    /// Present when every requirement and condition passed.
    pub payout: Option<Payout>,
    /// Evaluating the pay expression failed.
    pub pay_error: Option<EvalError>,
}

impl CategoryDecision {
    pub fn eligible(&self) -> bool {
        self.payout.is_some()
    }
    /// The first condition that failed, by index.
    pub fn first_failure(&self) -> Option<usize> {
        self.conditions.first_failure()
    }
    pub fn error(&self) -> Option<EvalError> {
        self.conditions.error().or(self.pay_error)
    }
}

/// Whether and when the person applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Application {
    /// The scheme has no application block: eligibility is enough.
    #[default]
    NotRequired,
    NotApplied,
    OnTime {
        received: NaiveDate,
        deadline: Option<NaiveDate>,
    },
    Late {
        received: NaiveDate,
        deadline: NaiveDate,
    },
    Early {
        received: NaiveDate,
        opens: NaiveDate,
    },
}

/// A category chosen by the award rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Award {
    /// Index into [`Scheme::categories`].
    pub category: u32,
    pub payout: Payout,
}

/// The decision for one applicant.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The requirements, in order.
    pub requirements: Checks,
    /// One per category, in the scheme's order.
    pub categories: Vec<CategoryDecision>,
    /// What the award rule chooses among eligible categories, whether or not
    /// the person applied in time.
    pub awards: Vec<Award>,
    pub application: Application,
    pub outcome: Outcome,
    /// What the awards come to together (counted whatever the outcome; see
    /// [`Decision::paid`]).
    pub total: Money,
    /// An error outside any condition or pay expression: the application
    /// window could not be worked out, or the awards' sum overflowed.
    pub error: Option<EvalError>,
    /// For a payment: the latest day each timeline step may end, in order.
    pub schedule: Vec<NaiveDate>,
    /// The quota (index into [`Scheme::quotas`]) the payment waits on: set
    /// with [`Outcome::SubjectToQuota`], and kept once allocation has
    /// made it [`Outcome::Paid`] or [`Outcome::NoPlace`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<u32>,
    /// After allocation: the claim's 1-based position in its quota's order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota_rank: Option<u64>,
    /// In a scheme with rounds, each round's decision, in the scheme's
    /// order (empty otherwise, and then absent from the JSON).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<RoundDecision>,
    /// The stages of the awards paid in instalments, in award order (empty
    /// when none is, and then absent from the JSON).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<Stage>,
    /// One per [`Scheme::payers`], in order: what each adds to the award
    /// (counted, like `total`, whatever the outcome). Empty for a scheme
    /// without payers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub payers: Vec<PayerShare>,
    /// What the awards come to before any payer's top-up: the scheme's own
    /// share of `total`.
    #[serde(skip)]
    pub awarded: Money,
}

/// What one payer adds to a decision's award.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PayerShare {
    /// The payer's conditions, in order; skipped when there is no award.
    pub conditions: Checks,
    /// The top-up: zero unless there is an award and every condition holds.
    pub amount: Money,
}

/// One stage of an award paid in instalments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// Index into [`Scheme::categories`].
    pub category: u32,
    /// Index into the category's `instalments`.
    pub stage: u32,
    pub amount: Money,
    pub due: Due,
}

/// When a stage is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "due")]
pub enum Due {
    /// With the award.
    Now,
    /// The fact it waits on was recorded on this day.
    On { date: NaiveDate },
    /// The fact it waits on is not recorded yet: promised, not due (not in
    /// the award's amount).
    Pending,
}

/// One round's decision: its verdicts, awards and what they come to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RoundDecision {
    /// Index into [`Scheme::rounds`].
    pub round: u32,
    pub requirements: Checks,
    pub categories: Vec<CategoryDecision>,
    pub awards: Vec<Award>,
    /// What the round's awards come to.
    pub total: Money,
}

/// The bottom line. Read back too, from decision logs (`bursar replay`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Eligible, applied in time: the awards are paid.
    Paid,
    #[default]
    NotEligible,
    /// Eligible but did not apply.
    NotApplied,
    /// Eligible but applied after the deadline.
    Late,
    /// Eligible but applied before applications opened.
    Early,
    /// Eligible, but every category the person meets pays exactly nothing:
    /// not a payment, and no award limit is used up.
    NothingDue,
    /// A rule could not be evaluated; see the verdicts.
    Error,
    /// Eligible and applied in time, for places of a quota: paid only if
    /// allocation ([`crate::allocate()`]) gives a place.
    SubjectToQuota,
    /// Eligible and applied in time, but allocation gave no place.
    NoPlace,
}

impl Outcome {
    /// Every outcome, in declaration order (a new one goes here as well as
    /// in [`Outcome::name`]).
    pub const ALL: [Outcome; 9] = [
        Outcome::Paid,
        Outcome::NotEligible,
        Outcome::NotApplied,
        Outcome::Late,
        Outcome::Early,
        Outcome::NothingDue,
        Outcome::Error,
        Outcome::SubjectToQuota,
        Outcome::NoPlace,
    ];

    /// The outcome's name as a decision's JSON spells it (`paid`,
    /// `not_eligible`…), without going through serde.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Paid => "paid",
            Outcome::NotEligible => "not_eligible",
            Outcome::NotApplied => "not_applied",
            Outcome::Late => "late",
            Outcome::Early => "early",
            Outcome::NothingDue => "nothing_due",
            Outcome::Error => "error",
            Outcome::SubjectToQuota => "subject_to_quota",
            Outcome::NoPlace => "no_place",
        }
    }
}

impl Decision {
    /// Total paid (zero unless the outcome is `Paid`). Exact: awards whose
    /// sum does not fit make the outcome an error instead.
    pub fn paid(&self) -> Money {
        if self.outcome == Outcome::Paid {
            self.total
        } else {
            Money::ZERO
        }
    }
    /// What the scheme itself pays of [`Decision::paid`]: the awards
    /// without any payer's top-up (zero unless the outcome is `Paid`).
    pub fn paid_by_scheme(&self) -> Money {
        if self.outcome == Outcome::Paid {
            self.awarded
        } else {
            Money::ZERO
        }
    }
    /// What payer `i` of [`Scheme::payers`] pays (zero unless the outcome
    /// is `Paid`).
    pub fn paid_by(&self, i: usize) -> Money {
        match self.payers.get(i) {
            Some(p) if self.outcome == Outcome::Paid => p.amount,
            Some(_) | None => Money::ZERO,
        }
    }
}

/// A claim's place in its quota's order, key by key, smaller first, an
/// absent value after every present one. Kept inline (keys past the
/// quota's own are zero), since allocation holds and sorts millions; and
/// packed, the flags apart from the values: 40 bytes a claim, where four
/// `(bool, i64)` pairs take 64.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RankKey {
    values: [i64; crate::ir::MAX_RANK_KEYS],
    absent: [bool; crate::ir::MAX_RANK_KEYS],
}

impl RankKey {
    /// The key of `(absent, value)` pairs.
    pub(crate) fn new(pairs: [(bool, i64); crate::ir::MAX_RANK_KEYS]) -> RankKey {
        let mut key = RankKey::default();
        for ((absent, value), (a, v)) in pairs
            .into_iter()
            .zip(key.absent.iter_mut().zip(key.values.iter_mut()))
        {
            (*a, *v) = (absent, value);
        }
        key
    }

    /// The key as bytes: the values (little-endian), then the flags.
    pub(crate) fn to_bytes(self) -> [u8; RankKey::BYTES] {
        let mut out = [0; RankKey::BYTES];
        let (values, flags) = out.split_at_mut(8 * crate::ir::MAX_RANK_KEYS);
        for (chunk, v) in values.chunks_exact_mut(8).zip(self.values) {
            chunk.copy_from_slice(&v.to_le_bytes());
        }
        for (b, a) in flags.iter_mut().zip(self.absent) {
            *b = u8::from(a);
        }
        out
    }

    /// A key from [`RankKey::to_bytes`]; `None` if a flag is neither 0 nor 1.
    pub(crate) fn from_bytes(bytes: [u8; RankKey::BYTES]) -> Option<RankKey> {
        let mut key = RankKey::default();
        let (values, flags) = bytes.split_at(8 * crate::ir::MAX_RANK_KEYS);
        for (v, chunk) in key.values.iter_mut().zip(values.chunks_exact(8)) {
            *v = i64::from_le_bytes(chunk.try_into().ok()?);
        }
        for (a, &b) in key.absent.iter_mut().zip(flags) {
            *a = match b {
                0 => false,
                1 => true,
                _ => return None,
            };
        }
        Some(key)
    }

    pub(crate) const BYTES: usize = 9 * crate::ir::MAX_RANK_KEYS;

    /// The keys as `(absent, value)` pairs, in order.
    fn pairs(&self) -> impl Iterator<Item = (bool, i64)> + '_ {
        self.absent.iter().copied().zip(self.values.iter().copied())
    }
}

/// As the `(absent, value)` pairs, key by key: `false` (present) first.
impl Ord for RankKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.pairs().cmp(other.pairs())
    }
}

impl PartialOrd for RankKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The applicant's sort key in the quota `decision` waits on, and their
/// identifier: what [`crate::allocate::claim`] needs from the evaluator.
pub(crate) fn rank_of(
    scheme: &Scheme,
    applicant: &Applicant,
    quota: &Quota,
) -> Result<(String, RankKey), EvalError> {
    let ev = Evaluator::new(scheme, applicant);
    let field = scheme
        .application
        .as_ref()
        .and_then(|a| a.identifier)
        .ok_or(EvalError::BadReference)?;
    let id = match applicant.get(field) {
        Some(Value::Text(t)) => t.clone(),
        Some(_) => return Err(EvalError::TypeMismatch),
        None => return Err(EvalError::Absent { field }),
    };
    let key = ev.rank(quota, &id)?;
    Ok((id, key))
}

/// Evaluates one applicant against a scheme.
pub fn evaluate(scheme: &Scheme, applicant: &Applicant) -> Decision {
    let mut decision = Decision::default();
    evaluate_into(scheme, applicant, &mut decision);
    decision
}

/// [`evaluate`], writing into a decision whose buffers are reused: the form
/// for loops over many applicants (no allocation per applicant).
pub fn evaluate_into(scheme: &Scheme, applicant: &Applicant, out: &mut Decision) {
    decide_into(scheme, None, applicant, out);
}

/// [`evaluate_into`], deciding the requirements' and categories' conditions
/// by their lowered `tests` where given (see [`crate::Program`]).
pub(crate) fn decide_into(
    scheme: &Scheme,
    tests: Option<&Tests>,
    applicant: &Applicant,
    out: &mut Decision,
) {
    let ev = Evaluator::new(scheme, applicant);
    let (mut error, nothing_due) = if scheme.rounds.is_empty() {
        out.rounds.clear();
        let d = decide(
            &ev,
            tests,
            &mut out.requirements,
            &mut out.categories,
            &mut out.awards,
        );
        out.error = None;
        out.total = Money::ZERO;
        for a in &out.awards {
            match out.total.checked_add(a.payout.amount) {
                Some(t) => out.total = t,
                None => {
                    out.error = Some(EvalError::Overflow);
                    break;
                }
            }
        }
        d
    } else {
        rounds_into(scheme, tests, applicant, out)
    };
    out.stages.clear();
    for a in &out.awards {
        let Some(cat) = scheme.categories.get(a.category as usize) else {
            continue;
        };
        for (i, st) in cat.instalments.iter().enumerate() {
            let due = match st.after.map(|f| applicant.get(f)) {
                None => Ok(Due::Now),
                Some(None) => Ok(Due::Pending),
                Some(Some(Value::Date(date))) => Ok(Due::On { date: *date }),
                Some(Some(_)) => Err(EvalError::TypeMismatch),
            };
            match due {
                Ok(due) => out.stages.push(Stage {
                    category: a.category,
                    stage: u32::try_from(i).unwrap_or(u32::MAX),
                    amount: st.amount,
                    due,
                }),
                Err(e) => out.error = Some(e),
            }
        }
    }
    out.awarded = out.total;
    out.payers.clear();
    if !scheme.payers.is_empty() {
        error |= top_ups(&ev, scheme, out);
    }
    let application = match ev.application(tests.and_then(|t| t.days)) {
        Ok(a) => a,
        Err(e) => {
            out.error = out.error.or(Some(e));
            Application::NotApplied
        }
    };
    error |= out.error.is_some();
    out.application = application;
    out.outcome = if error {
        Outcome::Error
    } else if out.awards.is_empty() {
        if nothing_due {
            Outcome::NothingDue
        } else {
            Outcome::NotEligible
        }
    } else {
        match application {
            Application::NotRequired | Application::OnTime { .. } => Outcome::Paid,
            Application::NotApplied => Outcome::NotApplied,
            Application::Late { .. } => Outcome::Late,
            Application::Early { .. } => Outcome::Early,
        }
    };
    out.quota = None;
    out.quota_rank = None;
    if out.outcome == Outcome::Paid && !scheme.quotas.is_empty() {
        match ev.quota() {
            Ok(None) => {}
            Ok(Some(q)) => {
                out.quota = Some(q);
                out.outcome = Outcome::SubjectToQuota;
            }
            Err(e) => {
                out.error = Some(e);
                out.outcome = Outcome::Error;
            }
        }
    }
    out.schedule.clear();
    if let (Outcome::Paid | Outcome::SubjectToQuota, Application::OnTime { received, .. }) =
        (out.outcome, application)
    {
        // A payment whose dates cannot be worked out would fall in no month
        // of the cash flow: an error, not a payment without a date.
        if let Err(e) = schedule_into(scheme, received, &mut out.schedule) {
            out.schedule.clear();
            out.error = Some(e);
            out.outcome = Outcome::Error;
        }
    }
}

/// The requirements, categories and award rule, decided by `ev` (for one
/// round, or for a scheme without rounds). Returns whether a rule could not
/// be evaluated, and whether a category that pays nothing was met.
fn decide(
    ev: &Evaluator<'_>,
    tests: Option<&Tests>,
    requirements: &mut Checks,
    categories: &mut Vec<CategoryDecision>,
    awards: &mut Vec<Award>,
) -> (bool, bool) {
    let scheme = ev.scheme;
    ev.conditions(
        &scheme.requirements,
        tests.map(|t| &*t.requirements),
        requirements,
    );
    let requirements_pass = requirements.all_passed();
    let mut error = requirements.error().is_some();
    categories.resize_with(scheme.categories.len(), CategoryDecision::default);
    for (i, (cat, d)) in scheme
        .categories
        .iter()
        .zip(categories.iter_mut())
        .enumerate()
    {
        d.payout = None;
        d.pay_error = None;
        if !requirements_pass {
            d.conditions = Checks::skipped(cat.conditions.len());
            continue;
        }
        let lowered = tests.and_then(|t| t.categories.get(i)).map(|t| &**t);
        ev.conditions(&cat.conditions, lowered, &mut d.conditions);
        match d.conditions.stop {
            None => {
                // The lowered payout where it can tell, else the walker's.
                let lowered = tests
                    .and_then(|t| t.pays.get(i))
                    .and_then(|p| p.payout(ev.applicant));
                match lowered.map_or_else(|| ev.pay(&cat.pay), Ok) {
                    Ok(p) => d.payout = Some(p),
                    Err(e) => {
                        d.pay_error = Some(e);
                        error = true;
                    }
                }
            }
            Some(Stop::Error(_)) => error = true,
            Some(Stop::Fail) => {}
        }
    }
    let nothing_due = choose(
        scheme,
        ev.applicant,
        &scheme.award.order,
        categories,
        awards,
    );
    (error, nothing_due)
}

/// Decides every round of a scheme with rounds: each round's verdicts and
/// awards go to `out.rounds`; the decision's awards are every round's, in
/// round order, and its requirements and categories those of the round
/// [`shown_round`] picks. Returns what [`decide`] does, over all rounds.
fn rounds_into(
    scheme: &Scheme,
    tests: Option<&Tests>,
    applicant: &Applicant,
    out: &mut Decision,
) -> (bool, bool) {
    out.rounds
        .resize_with(scheme.rounds.len(), RoundDecision::default);
    out.awards.clear();
    out.error = None;
    out.total = Money::ZERO;
    let (mut error, mut nothing_due) = (false, false);
    for (i, (round, d)) in scheme.rounds.iter().zip(out.rounds.iter_mut()).enumerate() {
        let ev = Evaluator::in_round(scheme, applicant, Some(round));
        d.round = u32::try_from(i).unwrap_or(u32::MAX);
        let (e, n) = decide(
            &ev,
            tests,
            &mut d.requirements,
            &mut d.categories,
            &mut d.awards,
        );
        error |= e;
        nothing_due |= n;
        d.total = Money::ZERO;
        for a in &d.awards {
            match d.total.checked_add(a.payout.amount) {
                Some(t) => d.total = t,
                None => out.error = Some(EvalError::Overflow),
            }
        }
        match out.total.checked_add(d.total) {
            Some(t) => out.total = t,
            None => out.error = Some(EvalError::Overflow),
        }
        out.awards.extend_from_slice(&d.awards);
    }
    if let Some(shown) = out.rounds.get(shown_round(out)) {
        out.requirements = shown.requirements;
        out.categories.clear();
        out.categories.extend_from_slice(&shown.categories);
    }
    (error, nothing_due)
}

/// In a scheme with rounds, the round whose verdicts stand for the whole
/// decision (in [`Decision::requirements`] and [`Decision::categories`]):
/// the first round that paid, or else the first round.
pub fn shown_round(decision: &Decision) -> usize {
    decision
        .rounds
        .iter()
        .position(|r| !r.awards.is_empty())
        .unwrap_or(0)
}

/// Each payer's top-up on the awards, added to `out.total`. Returns whether
/// a payer's condition could not be evaluated.
fn top_ups(ev: &Evaluator<'_>, scheme: &Scheme, out: &mut Decision) -> bool {
    let mut error = false;
    let award = out.awarded;
    for p in &scheme.payers {
        let mut share = PayerShare {
            conditions: Checks::skipped(p.conditions.len()),
            amount: Money::ZERO,
        };
        if !out.awards.is_empty() && out.error.is_none() {
            ev.conditions(&p.conditions, None, &mut share.conditions);
            error |= share.conditions.error().is_some();
            if share.conditions.all_passed() {
                match p
                    .top_up(award)
                    .and_then(|t| out.total.checked_add(t).map(|sum| (t, sum)))
                {
                    Some((t, sum)) => {
                        share.amount = t;
                        out.total = sum;
                    }
                    None => out.error = Some(EvalError::Overflow),
                }
            }
        }
        out.payers.push(share);
    }
    error
}

/// Orders eligible categories by the award rule and keeps, in that order,
/// those whose group (if any) and the overall `limit` still have room.
/// A category that pays exactly nothing is no award: it uses up no place
/// under the limit. Returns whether such a category was met.
fn choose(
    scheme: &Scheme,
    applicant: &Applicant,
    order: &[Criterion],
    categories: &[CategoryDecision],
    out: &mut Vec<Award>,
) -> bool {
    out.clear();
    let mut nothing_due = false;
    for (i, c) in categories.iter().enumerate() {
        match c.payout {
            Some(payout) if payout.amount == Money::ZERO => nothing_due = true,
            Some(payout) => out.push(Award {
                category: i as u32,
                payout,
            }),
            None => {}
        }
    }
    if out.len() < 2 {
        return nothing_due;
    }
    out.sort_by(|a, b| {
        for criterion in order {
            let ord = match criterion {
                Criterion::HighestAmount => b.payout.amount.cmp(&a.payout.amount),
                Criterion::LowestAmount => a.payout.amount.cmp(&b.payout.amount),
                Criterion::FirstDeclared => a.category.cmp(&b.category),
                Criterion::ChosenCategory { field } => {
                    let chosen = chosen_category(scheme, applicant, *field);
                    (chosen == Some(b.category)).cmp(&(chosen == Some(a.category)))
                }
            };
            if ord.is_ne() {
                return ord;
            }
        }
        a.category.cmp(&b.category)
    });
    // In award order, a category is kept while the overall limit and its
    // group's limit have room; kept awards are compacted to the front.
    let limit = scheme.award.limit as usize;
    let mut kept = 0usize;
    for i in 0..out.len() {
        if kept >= limit {
            break;
        }
        let Some(candidate) = out.get(i).copied() else {
            break;
        };
        if let Some(group) = scheme.award.group_of(candidate.category) {
            let used = out
                .get(..kept)
                .unwrap_or_default()
                .iter()
                .filter(|a| group.categories.contains(&a.category))
                .count();
            if used >= group.limit as usize {
                continue;
            }
        }
        if let Some(slot) = out.get_mut(kept) {
            *slot = candidate;
        }
        kept += 1;
    }
    out.truncate(kept);
    nothing_due
}

/// The category an applicant's choice field names: a text equal to a
/// category's name, or an enum value of that name. `None` when the field is
/// absent or names no category.
pub fn chosen_category(scheme: &Scheme, applicant: &Applicant, field: FieldId) -> Option<u32> {
    let name = match applicant.get(field)? {
        Value::Text(text) => text.as_str(),
        Value::Enum { ty, variant } => scheme
            .enums
            .get(*ty as usize)?
            .variants
            .get(*variant as usize)?
            .name
            .as_str(),
        Value::Bool(_)
        | Value::Int(_)
        | Value::Money(_)
        | Value::Date(_)
        | Value::DateTime(_)
        | Value::Duration(_)
        | Value::Decimal(_)
        | Value::List(_) => return None,
    };
    let index = scheme.categories.iter().position(|c| c.name == name)?;
    u32::try_from(index).ok()
}

/// The awards the rule would have made without the applicant's choice (its
/// `chosen_category` criteria left out): an award of `decision` missing here
/// was decided by the choice. For explanations; allocates.
pub fn awards_without_choice(
    scheme: &Scheme,
    applicant: &Applicant,
    decision: &Decision,
) -> Vec<Award> {
    let order: Vec<Criterion> = scheme
        .award
        .order
        .iter()
        .copied()
        .filter(|c| !matches!(c, Criterion::ChosenCategory { .. }))
        .collect();
    let mut out = Vec::new();
    choose(scheme, applicant, &order, &decision.categories, &mut out);
    out
}

/// The latest day each step of the timeline may end, counting from receipt.
pub fn schedule(scheme: &Scheme, received: NaiveDate) -> Result<Vec<NaiveDate>, EvalError> {
    let mut out = Vec::with_capacity(scheme.timeline.len());
    schedule_into(scheme, received, &mut out)?;
    Ok(out)
}

fn schedule_into(
    scheme: &Scheme,
    received: NaiveDate,
    out: &mut Vec<NaiveDate>,
) -> Result<(), EvalError> {
    out.clear();
    for step in &scheme.timeline {
        let start = match step.after {
            Anchor::Received => received,
            Anchor::Step(i) => *out.get(i as usize).ok_or(EvalError::BadReference)?,
        };
        out.push(shift(start, step.within, 1, scheme.calendar.as_ref())?);
    }
    Ok(())
}

/// `date + n × duration` (n = ±1), with months clamped to the month's end
/// and working days counted by `calendar` (Monday to Friday without one).
pub fn shift(
    date: NaiveDate,
    d: Duration,
    sign: i64,
    calendar: Option<&Calendar>,
) -> Result<NaiveDate, EvalError> {
    let count = d.count.checked_mul(sign).ok_or(EvalError::Overflow)?;
    let out = match d.unit {
        DurationUnit::Days => {
            date.checked_add_signed(chrono::TimeDelta::try_days(count).ok_or(EvalError::Overflow)?)
        }
        DurationUnit::Weeks => {
            date.checked_add_signed(chrono::TimeDelta::try_weeks(count).ok_or(EvalError::Overflow)?)
        }
        DurationUnit::Months | DurationUnit::Years => {
            let months = if d.unit == DurationUnit::Years {
                count.checked_mul(12).ok_or(EvalError::Overflow)?
            } else {
                count
            };
            let m =
                Months::new(u32::try_from(months.unsigned_abs()).map_err(|_| EvalError::Overflow)?);
            if months >= 0 {
                date.checked_add_months(m)
            } else {
                date.checked_sub_months(m)
            }
        }
        DurationUnit::WorkingDays => {
            if count.unsigned_abs() > 100_000 {
                return Err(EvalError::Overflow);
            }
            Some(crate::calendar::add_working_days(date, count, calendar)?)
        }
    };
    out.ok_or(EvalError::DateOutOfRange)
}

struct Evaluator<'a> {
    scheme: &'a Scheme,
    applicant: &'a Applicant,
    /// The list item being walked by `any`, `all` or an aggregate.
    item: Option<&'a [Option<Value>]>,
    /// The round being decided, which `round.date` and the like read.
    round: Option<&'a Round>,
}

impl<'a> Evaluator<'a> {
    fn new(scheme: &'a Scheme, applicant: &'a Applicant) -> Self {
        Evaluator {
            scheme,
            applicant,
            item: None,
            round: None,
        }
    }

    /// The evaluator of one round (`None`: a scheme without rounds).
    fn in_round(scheme: &'a Scheme, applicant: &'a Applicant, round: Option<&'a Round>) -> Self {
        Evaluator {
            scheme,
            applicant,
            item: None,
            round,
        }
    }

    /// The same evaluator, looking at one item of a list.
    fn at(&self, item: &'a [Option<Value>]) -> Evaluator<'a> {
        Evaluator {
            scheme: self.scheme,
            applicant: self.applicant,
            item: Some(item),
            round: self.round,
        }
    }

    /// A named value's expression, evaluated on the applicant alone.
    fn named(&self, id: crate::ir::LetId) -> Result<(&'a Expr, Evaluator<'a>), EvalError> {
        let l = self
            .scheme
            .lets
            .get(id as usize)
            .ok_or(EvalError::BadReference)?;
        Ok((
            &l.expr,
            Evaluator::in_round(self.scheme, self.applicant, self.round),
        ))
    }

    /// The items of a list field.
    fn list(&self, field: FieldId) -> Result<&'a [Vec<Option<Value>>], EvalError> {
        match self.applicant.get(field) {
            Some(Value::List(items)) => Ok(items),
            Some(_) => Err(EvalError::TypeMismatch),
            None => Err(EvalError::Absent { field }),
        }
    }

    /// The items of a set, in order, with their index in the list.
    fn each(
        &self,
        set: &ItemSet,
        mut f: impl FnMut(usize, Evaluator<'a>) -> Result<bool, EvalError>,
    ) -> Result<(), EvalError> {
        for (i, item) in self.list(set.list)?.iter().enumerate() {
            let ev = self.at(item);
            if let Some(filter) = &set.filter {
                if !ev.truth(filter)? {
                    continue;
                }
            }
            if !f(i, ev)? {
                break;
            }
        }
        Ok(())
    }

    /// The first item of `set` (for `any`), the first that fails `cond` (for
    /// `all`), or the item whose value is the result (for `min`, `max`): the
    /// item that decided, by index.
    fn decider(&self, e: &Expr) -> Result<Option<(FieldId, usize)>, EvalError> {
        let mut found = None;
        let list = match e {
            Expr::Any(set) => {
                self.each(set, |i, _| {
                    found = Some(i);
                    Ok(false)
                })?;
                set.list
            }
            Expr::All { items, cond } => {
                self.each(items, |i, ev| {
                    if ev.truth(cond)? {
                        Ok(true)
                    } else {
                        found = Some(i);
                        Ok(false)
                    }
                })?;
                items.list
            }
            Expr::Aggregate {
                func: func @ (Aggregate::Min | Aggregate::Max),
                items,
                of: Some(of),
                ..
            } => {
                let mut best: Option<Value> = None;
                self.each(items, |i, ev| {
                    let v = ev.eval(of)?;
                    let better = match &best {
                        None => true,
                        Some(b) if *func == Aggregate::Min => v < *b,
                        Some(b) => v > *b,
                    };
                    if better {
                        best = Some(v);
                        found = Some(i);
                    }
                    Ok(true)
                })?;
                items.list
            }
            Expr::Lit(..)
            | Expr::Field(..)
            | Expr::Row(..)
            | Expr::Lookup { .. }
            | Expr::Not(..)
            | Expr::Neg(..)
            | Expr::And(..)
            | Expr::Or(..)
            | Expr::Compare { .. }
            | Expr::Arith { .. }
            | Expr::InSet { .. }
            | Expr::InRange { .. }
            | Expr::IsPresent(..)
            | Expr::Let(..)
            | Expr::RoundPart(..)
            | Expr::Item(..)
            | Expr::ItemPresent(..)
            | Expr::Aggregate { .. }
            | Expr::Round { .. }
            | Expr::Default { .. }
            | Expr::ItemDefault { .. }
            | Expr::Call { .. }
            | Expr::If { .. }
            | Expr::Match { .. } => return Ok(None),
        };
        Ok(found.map(|i| (list, i)))
    }

    fn aggregate(
        &self,
        func: Aggregate,
        set: &ItemSet,
        of: Option<&Expr>,
        ty: Type,
    ) -> Result<Value, EvalError> {
        let mut acc: Option<Value> = None;
        let mut count: i64 = 0;
        self.each(set, |_, ev| {
            count = count.checked_add(1).ok_or(EvalError::Overflow)?;
            let Some(of) = of else { return Ok(true) };
            let v = ev.eval(of)?;
            acc = Some(match (func, acc.take()) {
                (_, None) => v,
                (Aggregate::Sum, Some(a)) => arith(ArithOp::Add, a, v, None)?,
                (Aggregate::Min, Some(a)) => same_kind(a, v)?.0,
                (Aggregate::Max, Some(a)) => same_kind(a, v)?.1,
                (Aggregate::Count, Some(a)) => a,
            });
            Ok(true)
        })?;
        match (func, acc) {
            (Aggregate::Count, _) => Ok(Value::Int(count)),
            (_, Some(v)) => Ok(v),
            // The sum of no items is zero of the type the checker gave it.
            (Aggregate::Sum, None) => zero_of(ty),
            (Aggregate::Min | Aggregate::Max, None) => Err(EvalError::NoItems),
        }
    }

    /// The first quota whose conditions all hold, by index.
    fn quota(&self) -> Result<Option<u32>, EvalError> {
        for (i, q) in self.scheme.quotas.iter().enumerate() {
            let mut checks = Checks::skipped(0);
            self.conditions(&q.conditions, None, &mut checks);
            if let Some(e) = checks.error() {
                return Err(e);
            }
            if checks.all_passed() {
                return Ok(Some(u32::try_from(i).map_err(|_| EvalError::BadReference)?));
            }
        }
        Ok(None)
    }

    /// Where a claim stands in `quota`'s order, key by key: smaller first.
    /// An absent value comes after every present one, in either direction.
    fn rank(&self, quota: &Quota, id: &str) -> Result<RankKey, EvalError> {
        let mut key = [(false, 0i64); crate::ir::MAX_RANK_KEYS];
        if quota.order.len() > key.len() {
            return Err(EvalError::BadReference);
        }
        for (r, slot) in quota.order.iter().zip(key.iter_mut()) {
            *slot = match r {
                // The draw's order in an i64: flipping the top bit maps
                // u64 order onto i64 order.
                Rank::Lot { seed } => {
                    let n = crate::allocate::draw(*seed, &quota.name, id) ^ (1 << 63);
                    (false, n as i64)
                }
                Rank::By {
                    expr,
                    order: RankOrder::HoldsFirst,
                } => (false, i64::from(!self.truth(expr)?)),
                Rank::By { expr, order } => {
                    let v = match expr {
                        Expr::Field(f) if self.applicant.get(*f).is_none() => {
                            *slot = (true, 0);
                            continue;
                        }
                        _ => self.eval(expr)?,
                    };
                    let n = match v {
                        Value::Int(n) => n,
                        Value::Money(m) => m.minor(),
                        Value::Date(d) => i64::from(d.num_days_from_ce()),
                        Value::DateTime(t) => t.and_utc().timestamp(),
                        Value::Bool(..)
                        | Value::Text(..)
                        | Value::Enum { .. }
                        | Value::Duration(..)
                        | Value::Decimal(..)
                        | Value::List(..) => return Err(EvalError::TypeMismatch),
                    };
                    // `!n` reverses the order, and cannot overflow.
                    match order {
                        RankOrder::Earliest | RankOrder::Lowest | RankOrder::HoldsFirst => {
                            (false, n)
                        }
                        RankOrder::Latest | RankOrder::Highest => (false, !n),
                    }
                }
            };
        }
        Ok(RankKey::new(key))
    }

    /// Evaluates conditions in order, stopping at the first that does not
    /// pass; each by its lowered test where `tests` has one that can tell.
    ///
    /// Written into `out`, the decision's own checks, rather than returned:
    /// returned from [`Evaluator::walk`], which is not inlined, they were
    /// read back at once with a load wider than the stores that had just
    /// written them, a stall of 1 to 2% of a simulation's time
    /// (docs/performance.md).
    #[inline(always)]
    fn conditions(&self, conditions: &[Condition], tests: Option<&[Test]>, out: &mut Checks) {
        let Some(tests) = tests else {
            return self.walk(conditions, 0, out);
        };
        // A program lowers every condition of the scheme it borrows.
        debug_assert_eq!(tests.len(), conditions.len());
        match crate::lower::checks(tests, self.applicant) {
            Ok(checks) => *out = checks,
            Err(from) => self.walk(conditions, from, out),
        }
    }

    /// Evaluates conditions in order by walking their expressions, from
    /// condition `from` (those before it passed), into `out`.
    #[inline(never)]
    fn walk(&self, conditions: &[Condition], from: usize, out: &mut Checks) {
        let mut checks = Checks::skipped(conditions.len());
        checks.passed = from as u32;
        for c in conditions.get(from..).unwrap_or_default() {
            match self.truth(&c.expr) {
                Ok(holds) if holds == (c.kind == ConditionKind::When) => checks.passed += 1,
                Ok(_) => {
                    checks.stop = Some(Stop::Fail);
                    break;
                }
                Err(e) => {
                    checks.stop = Some(Stop::Error(e));
                    break;
                }
            }
        }
        *out = checks;
    }

    /// The application's standing; `days`, the block's days where a
    /// program read them once.
    fn application(&self, days: Option<Days>) -> Result<Application, EvalError> {
        let Some(app) = &self.scheme.application else {
            return Ok(Application::NotRequired);
        };
        let Some(field) = app.received else {
            return Ok(Application::NotRequired);
        };
        let received = match self.applicant.get(field) {
            None => return Ok(Application::NotApplied),
            Some(Value::Date(d)) => *d,
            // A time of receipt counts for the deadline by its day.
            Some(Value::DateTime(t)) => t.date(),
            Some(_) => return Err(EvalError::TypeMismatch),
        };
        let opens = match (days, &app.opens) {
            (Some(days), _) => days.opens,
            (None, Some(opens)) => Some(self.date(opens)?),
            (None, None) => None,
        };
        if let Some(opens) = opens {
            if received < opens {
                return Ok(Application::Early { received, opens });
            }
        }
        let deadline = match (days, &app.deadline) {
            (Some(days), _) => days.deadline,
            (None, Some(d)) => Some(self.date(d)?),
            (None, None) => None,
        };
        Ok(match deadline {
            Some(deadline) if received > deadline => Application::Late { received, deadline },
            _ => Application::OnTime { received, deadline },
        })
    }

    fn date(&self, e: &Expr) -> Result<NaiveDate, EvalError> {
        // A time of receipt's is the day it falls on.
        self.value(e)?.day().ok_or(EvalError::TypeMismatch)
    }

    /// Whether a condition holds. The common shapes (`and`, `is present`, a
    /// boolean field) are decided here; the rest in functions kept out of
    /// line, so this one stays small: it runs for every condition of every
    /// row of a simulation.
    fn truth(&self, e: &Expr) -> Result<bool, EvalError> {
        match e {
            // Short-circuit: the right side may rely on the left (absence
            // rule), which makes `x is present and …` the commonest left
            // side of all; it is decided without a call.
            Expr::And(items) => {
                for item in items {
                    let holds = match item {
                        Expr::IsPresent(f) => self.applicant.get(*f).is_some(),
                        item => self.truth(item)?,
                    };
                    if !holds {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Expr::Or(items) => {
                for item in items {
                    if self.truth(item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Expr::Not(a) => Ok(!self.truth(a)?),
            Expr::IsPresent(f) => Ok(self.applicant.get(*f).is_some()),
            Expr::ItemPresent(i) => Ok(self.item_slot(*i)?.is_some()),
            Expr::Field(f) => match self.applicant.get(*f) {
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(EvalError::TypeMismatch),
                None => Err(EvalError::Absent { field: *f }),
            },
            Expr::Compare { op, lhs, rhs } => self.compare(*op, lhs, rhs),
            Expr::Any(set) => {
                let mut found = false;
                self.each(set, |_, _| {
                    found = true;
                    Ok(false)
                })?;
                Ok(found)
            }
            Expr::All { items, cond } => {
                let mut holds = true;
                self.each(items, |_, ev| {
                    holds = ev.truth(cond)?;
                    Ok(holds)
                })?;
                Ok(holds)
            }
            Expr::Let(id) => {
                let (e, ev) = self.named(*id)?;
                ev.truth(e)
            }
            Expr::InSet { expr, set } => self.in_set(expr, set),
            Expr::InRange {
                expr,
                lo,
                hi,
                inclusive,
            } => self.in_range(expr, lo.as_deref(), hi.as_deref(), *inclusive),
            Expr::Lit(..)
            | Expr::Row(..)
            | Expr::Lookup { .. }
            | Expr::Neg(..)
            | Expr::Arith { .. }
            | Expr::Item(..)
            | Expr::RoundPart(..)
            | Expr::Aggregate { .. }
            | Expr::Round { .. }
            | Expr::Default { .. }
            | Expr::ItemDefault { .. }
            | Expr::Call { .. }
            | Expr::If { .. }
            | Expr::Match { .. } => self.truth_of_value(e),
        }
    }

    #[inline(never)]
    fn compare(&self, op: CompareOp, lhs: &Expr, rhs: &Expr) -> Result<bool, EvalError> {
        // A field against a literal, the commonest comparison of all,
        // without the `Cow`s `value` makes for any other operand.
        if let (Expr::Field(f), Expr::Lit(b)) = (lhs, rhs) {
            let a = self.field(*f)?;
            return compared(op, a, b);
        }
        let (a, b) = (self.value(lhs)?, self.value(rhs)?);
        compared(op, &a, &b)
    }

    #[inline(never)]
    fn in_set(&self, e: &Expr, set: &[Value]) -> Result<bool, EvalError> {
        // A field, as most are, without a `Cow`.
        if let Expr::Field(f) = e {
            let v = self.field(*f)?;
            return Ok(set.contains(v));
        }
        let v = self.value(e)?;
        Ok(set.contains(&v))
    }

    #[inline(never)]
    fn in_range(
        &self,
        e: &Expr,
        lo: Option<&Expr>,
        hi: Option<&Expr>,
        inclusive: bool,
    ) -> Result<bool, EvalError> {
        // A field between literals, as most ranges are, without `Cow`s.
        if let (Expr::Field(f), Some(lo), Some(hi)) = (e, literal(lo), literal(hi)) {
            let v = self.field(*f)?;
            return Ok(within(v, lo, hi, inclusive));
        }
        let v = self.value(e)?;
        if let Some(lo) = lo {
            if order(&v, &*self.value(lo)?).is_lt() {
                return Ok(false);
            }
        }
        if let Some(hi) = hi {
            let h = order(&v, &*self.value(hi)?);
            return Ok(if inclusive { h.is_le() } else { h.is_lt() });
        }
        Ok(true)
    }

    #[inline(never)]
    fn truth_of_value(&self, e: &Expr) -> Result<bool, EvalError> {
        match self.eval(e)? {
            Value::Bool(b) => Ok(b),
            Value::Int(..)
            | Value::Money(..)
            | Value::Date(..)
            | Value::DateTime(..)
            | Value::Text(..)
            | Value::Enum { .. }
            | Value::Duration(..)
            | Value::Decimal(..)
            | Value::List(..) => Err(EvalError::TypeMismatch),
        }
    }

    /// A field's value, which a rule reading it needs present.
    #[inline(always)]
    fn field(&self, f: FieldId) -> Result<&Value, EvalError> {
        self.applicant.get(f).ok_or(EvalError::Absent { field: f })
    }

    /// A value without copying it where it already exists (literals and
    /// fields): the simulator calls this millions of times.
    #[inline(always)]
    fn value<'v>(&'v self, e: &'v Expr) -> Result<Cow<'v, Value>, EvalError> {
        match e {
            Expr::Lit(v) => Ok(Cow::Borrowed(v)),
            Expr::Field(f) => self.field(*f).map(Cow::Borrowed),
            Expr::Item(i) => self.item_field(*i).map(Cow::Borrowed),
            Expr::Row(..)
            | Expr::Lookup { .. }
            | Expr::Not(..)
            | Expr::Neg(..)
            | Expr::And(..)
            | Expr::Or(..)
            | Expr::Compare { .. }
            | Expr::Arith { .. }
            | Expr::InSet { .. }
            | Expr::InRange { .. }
            | Expr::IsPresent(..)
            | Expr::ItemPresent(..)
            | Expr::Let(..)
            | Expr::RoundPart(..)
            | Expr::Any(..)
            | Expr::All { .. }
            | Expr::Aggregate { .. }
            | Expr::Round { .. }
            | Expr::Default { .. }
            | Expr::ItemDefault { .. }
            | Expr::Call { .. }
            | Expr::If { .. }
            | Expr::Match { .. } => self.eval(e).map(Cow::Owned),
        }
    }

    /// A pay expression, keeping track of the table row that paid. A
    /// negative amount is an error, never a payment.
    fn pay(&self, e: &Expr) -> Result<Payout, EvalError> {
        let payout = self.payout(e)?;
        if payout.amount < Money::ZERO {
            return Err(EvalError::NegativeAmount {
                amount: payout.amount,
            });
        }
        Ok(payout)
    }

    fn payout(&self, e: &Expr) -> Result<Payout, EvalError> {
        match e {
            Expr::Row(r) => Ok(Payout {
                amount: self.row_amount(*r)?,
                row: Some(*r),
            }),
            Expr::Lookup { table, key } => {
                let r = self.lookup(*table, key)?;
                Ok(Payout {
                    amount: self.row_amount(r)?,
                    row: Some(r),
                })
            }
            Expr::Match { scrutinee, arms } => self.payout(self.arm(scrutinee, arms)?),
            Expr::Let(id) => {
                let (e, ev) = self.named(*id)?;
                ev.payout(e)
            }
            Expr::If {
                cond,
                then,
                otherwise,
            } => {
                if self.truth(cond)? {
                    self.payout(then)
                } else {
                    self.payout(otherwise)
                }
            }
            Expr::Lit(..)
            | Expr::Field(..)
            | Expr::Not(..)
            | Expr::Neg(..)
            | Expr::And(..)
            | Expr::Or(..)
            | Expr::Compare { .. }
            | Expr::Arith { .. }
            | Expr::InSet { .. }
            | Expr::InRange { .. }
            | Expr::IsPresent(..)
            | Expr::Item(..)
            | Expr::ItemPresent(..)
            | Expr::RoundPart(..)
            | Expr::Any(..)
            | Expr::All { .. }
            | Expr::Aggregate { .. }
            | Expr::Round { .. }
            | Expr::Default { .. }
            | Expr::ItemDefault { .. }
            | Expr::Call { .. } => match self.eval(e)? {
                Value::Money(m) => Ok(Payout {
                    amount: m,
                    row: None,
                }),
                Value::Bool(..)
                | Value::Int(..)
                | Value::Date(..)
                | Value::DateTime(..)
                | Value::Text(..)
                | Value::Enum { .. }
                | Value::Duration(..)
                | Value::Decimal(..)
                | Value::List(..) => Err(EvalError::TypeMismatch),
            },
        }
    }

    /// The body of the first arm whose patterns match the scrutinee.
    fn arm<'e>(&self, scrutinee: &Expr, arms: &'e [crate::ir::Arm]) -> Result<&'e Expr, EvalError> {
        let v = self.eval(scrutinee)?;
        arms.iter()
            .find(|a| a.patterns.iter().any(|p| matches(p, &v)))
            .map(|a| &a.body)
            .ok_or(EvalError::NoArm)
    }

    fn lookup(&self, table: TableId, key: &Expr) -> Result<RowRef, EvalError> {
        let k = self.eval(key)?;
        let t = self
            .scheme
            .tables
            .get(table as usize)
            .ok_or(EvalError::BadReference)?;
        let row = t
            .rows
            .iter()
            .position(|r| r.key.as_ref() == Some(&k))
            .ok_or(EvalError::NoRow { table })?;
        Ok(RowRef {
            table,
            row: row as u32,
        })
    }

    // Kept out of `eval`, whose stack frame is paid once per level of a
    // nested expression.
    #[inline(never)]
    fn call(&self, func: Builtin, args: &[Expr]) -> Result<Value, EvalError> {
        Ok(match func {
            Builtin::Min | Builtin::Max => {
                let mut acc: Option<Value> = None;
                for a in args {
                    let v = self.eval(a)?;
                    acc = Some(match acc {
                        None => v,
                        Some(a) => {
                            let (lo, hi) = same_kind(a, v)?;
                            if func == Builtin::Min {
                                lo
                            } else {
                                hi
                            }
                        }
                    });
                }
                acc.ok_or(EvalError::TypeMismatch)?
            }
            Builtin::Year | Builtin::Month | Builtin::Day => {
                let [a] = args else {
                    return Err(EvalError::TypeMismatch);
                };
                date_part(func, self.eval(a)?)?
            }
        })
    }

    #[inline(never)]
    fn round(
        &self,
        value: &Expr,
        unit: crate::ir::RoundUnit,
        mode: crate::decimal::RoundMode,
    ) -> Result<Value, EvalError> {
        let exact = match self.eval(value)? {
            Value::Money(m) => Decimal::from_int(m.minor()),
            Value::Decimal(d) => d,
            Value::Bool(..)
            | Value::Int(..)
            | Value::Date(..)
            | Value::DateTime(..)
            | Value::Text(..)
            | Value::Enum { .. }
            | Value::Duration(..)
            | Value::List(..) => return Err(EvalError::TypeMismatch),
        };
        Ok(Value::Money(Money(
            exact
                .round_to(unit.fen(), mode)
                .ok_or(EvalError::Overflow)?,
        )))
    }

    fn item_field(&self, i: FieldId) -> Result<&'a Value, EvalError> {
        self.item_slot(i)?
            .as_ref()
            .ok_or(EvalError::AbsentItem { field: i })
    }

    /// An item's field, or `None` where an optional one is absent.
    fn item_slot(&self, i: FieldId) -> Result<&'a Option<Value>, EvalError> {
        self.item
            .and_then(|item| item.get(i as usize))
            .ok_or(EvalError::BadReference)
    }

    /// A row's value, money or a number (tables of rates).
    fn row_value(&self, r: RowRef) -> Result<Value, EvalError> {
        self.scheme
            .resolve_row_value(r)
            .ok_or(EvalError::BadReference)
    }

    fn row_amount(&self, r: RowRef) -> Result<Money, EvalError> {
        self.scheme.resolve_row(r).ok_or(EvalError::BadReference)
    }

    fn eval(&self, e: &Expr) -> Result<Value, EvalError> {
        Ok(match e {
            Expr::Lit(v) => v.clone(),
            Expr::Field(f) => self.field(*f)?.clone(),
            Expr::Row(r) => self.row_value(*r)?,
            Expr::Lookup { table, key } => self.row_value(self.lookup(*table, key)?)?,
            Expr::And(..) | Expr::Or(..) | Expr::Not(_) | Expr::IsPresent(_) => {
                Value::Bool(self.truth(e)?)
            }
            Expr::Neg(a) => match self.eval(a)? {
                Value::Int(n) => Value::Int(n.checked_neg().ok_or(EvalError::Overflow)?),
                Value::Money(m) => Value::Money(m.checked_neg().ok_or(EvalError::Overflow)?),
                Value::Decimal(d) => Value::Decimal(d.checked_neg().ok_or(EvalError::Overflow)?),
                Value::Bool(..)
                | Value::Date(..)
                | Value::DateTime(..)
                | Value::Text(..)
                | Value::Enum { .. }
                | Value::Duration(..)
                | Value::List(..) => return Err(EvalError::TypeMismatch),
            },
            Expr::Compare { .. } | Expr::InSet { .. } | Expr::InRange { .. } => {
                Value::Bool(self.truth(e)?)
            }
            Expr::Arith { first, rest } => {
                let mut acc = self.eval(first)?;
                for (op, e) in rest {
                    acc = arith(*op, acc, self.eval(e)?, self.scheme.calendar.as_ref())?;
                }
                acc
            }
            Expr::Default { field, default } => match self.applicant.get(*field) {
                Some(v) => v.clone(),
                None => self.eval(default)?,
            },
            Expr::Call { func, args } => self.call(*func, args)?,
            Expr::Let(id) => {
                let (e, ev) = self.named(*id)?;
                ev.eval(e)?
            }
            Expr::Item(i) => self.item_field(*i)?.clone(),
            Expr::ItemPresent(_) => Value::Bool(self.truth(e)?),
            Expr::ItemDefault { field, default } => match self.item_slot(*field)? {
                Some(v) => v.clone(),
                None => self.eval(default)?,
            },
            Expr::RoundPart(part) => part.of(self.round.ok_or(EvalError::BadReference)?),
            Expr::Any(_) | Expr::All { .. } => Value::Bool(self.truth(e)?),
            Expr::Aggregate {
                func,
                items,
                of,
                ty,
            } => self.aggregate(*func, items, of.as_deref(), *ty)?,
            Expr::Round { value, unit, mode } => self.round(value, *unit, *mode)?,
            Expr::If {
                cond,
                then,
                otherwise,
            } => {
                if self.truth(cond)? {
                    self.eval(then)?
                } else {
                    self.eval(otherwise)?
                }
            }
            Expr::Match { scrutinee, arms } => self.eval(self.arm(scrutinee, arms)?)?,
        })
    }
}

pub(crate) fn matches(p: &Pattern, v: &Value) -> bool {
    match p {
        Pattern::Wildcard => true,
        Pattern::Value(x) => x == v,
        Pattern::Range { lo, hi, inclusive } => {
            let same_kind = |b: &Value| std::mem::discriminant(b) == std::mem::discriminant(v);
            lo.as_ref().is_none_or(|lo| same_kind(lo) && v >= lo)
                && hi
                    .as_ref()
                    .is_none_or(|hi| same_kind(hi) && if *inclusive { v <= hi } else { v < hi })
        }
    }
}

/// A range's bound as a literal: `Some(None)` for no bound, `None` for a
/// bound that must be evaluated.
#[inline]
pub(crate) fn literal(bound: Option<&Expr>) -> Option<Option<&Value>> {
    match bound {
        None => Some(None),
        Some(Expr::Lit(v)) => Some(Some(v)),
        Some(_) => None,
    }
}

/// Whether `v` lies between `lo` and `hi` (each bound, if any, in).
#[inline]
fn within(v: &Value, lo: Option<&Value>, hi: Option<&Value>, inclusive: bool) -> bool {
    if lo.is_some_and(|lo| order(v, lo).is_lt()) {
        return false;
    }
    match hi.map(|hi| order(v, hi)) {
        Some(h) if inclusive => h.is_le(),
        Some(h) => h.is_lt(),
        None => true,
    }
}

/// Whether `a op b`, for values of one kind.
#[inline]
fn compared(op: CompareOp, a: &Value, b: &Value) -> Result<bool, EvalError> {
    if std::mem::discriminant(a) != std::mem::discriminant(b) {
        return Err(EvalError::TypeMismatch);
    }
    let ord = order(a, b);
    Ok(match op {
        CompareOp::Eq => ord.is_eq(),
        CompareOp::Ne => ord.is_ne(),
        CompareOp::Lt => ord.is_lt(),
        CompareOp::Le => ord.is_le(),
        CompareOp::Gt => ord.is_gt(),
        CompareOp::Ge => ord.is_ge(),
    })
}

/// How two values compare: the scalars every condition tests (numbers,
/// amounts, dates) without a call; anything else as `Value` orders.
#[inline(always)]
fn order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        (Value::Money(x), Value::Money(y)) => x.cmp(y),
        _ => a.cmp(b),
    }
}

/// The smaller and the larger of two values of one kind.
/// Zero of a summed type.
fn zero_of(ty: Type) -> Result<Value, EvalError> {
    Ok(match ty {
        Type::Int => Value::Int(0),
        Type::Money => Value::Money(Money::ZERO),
        Type::Decimal | Type::Unrounded => Value::Decimal(Decimal::ZERO),
        Type::Bool
        | Type::Date
        | Type::DateTime
        | Type::Text
        | Type::Duration
        | Type::Enum(_)
        | Type::List(_) => return Err(EvalError::TypeMismatch),
    })
}

fn same_kind(a: Value, b: Value) -> Result<(Value, Value), EvalError> {
    if std::mem::discriminant(&a) != std::mem::discriminant(&b) {
        return Err(EvalError::TypeMismatch);
    }
    Ok(if b < a { (b, a) } else { (a, b) })
}

/// A number as an exact fraction (money counts fen), for arithmetic that
/// mixes decimals in.
fn fraction(v: &Value) -> Option<Decimal> {
    match v {
        Value::Int(n) => Some(Decimal::from_int(*n)),
        Value::Money(m) => Some(Decimal::from_int(m.minor())),
        Value::Decimal(d) => Some(*d),
        Value::Bool(_)
        | Value::Date(_)
        | Value::DateTime(_)
        | Value::Text(_)
        | Value::Enum { .. }
        | Value::Duration(_)
        | Value::List(_) => None,
    }
}

fn arith(op: ArithOp, a: Value, b: Value, calendar: Option<&Calendar>) -> Result<Value, EvalError> {
    let overflow = EvalError::Overflow;
    let exact = matches!(op, ArithOp::Div)
        || matches!(a, Value::Decimal(_))
        || matches!(b, Value::Decimal(_));
    if exact {
        let (Some(x), Some(y)) = (fraction(&a), fraction(&b)) else {
            return Err(EvalError::TypeMismatch);
        };
        return Ok(Value::Decimal(
            match op {
                ArithOp::Add => x.checked_add(y),
                ArithOp::Sub => x.checked_sub(y),
                ArithOp::Mul => x.checked_mul(y),
                ArithOp::Div => {
                    if y == Decimal::ZERO {
                        return Err(EvalError::DivisionByZero);
                    }
                    x.checked_div(y)
                }
            }
            .ok_or(overflow)?,
        ));
    }
    Ok(match (op, a, b) {
        (ArithOp::Add, Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_add(y).ok_or(overflow)?)
        }
        (ArithOp::Sub, Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_sub(y).ok_or(overflow)?)
        }
        (ArithOp::Mul, Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_mul(y).ok_or(overflow)?)
        }
        (ArithOp::Add, Value::Money(x), Value::Money(y)) => {
            Value::Money(x.checked_add(y).ok_or(overflow)?)
        }
        (ArithOp::Sub, Value::Money(x), Value::Money(y)) => {
            Value::Money(x.checked_sub(y).ok_or(overflow)?)
        }
        (ArithOp::Mul, Value::Money(x), Value::Int(n))
        | (ArithOp::Mul, Value::Int(n), Value::Money(x)) => {
            Value::Money(x.checked_mul(n).ok_or(overflow)?)
        }
        (ArithOp::Add, Value::Date(d), Value::Duration(u))
        | (ArithOp::Add, Value::Duration(u), Value::Date(d)) => {
            Value::Date(shift(d, u.into(), 1, calendar)?)
        }
        (ArithOp::Sub, Value::Date(d), Value::Duration(u)) => {
            Value::Date(shift(d, u.into(), -1, calendar)?)
        }
        _ => return Err(EvalError::TypeMismatch),
    })
}

fn date_part(func: Builtin, a: Value) -> Result<Value, EvalError> {
    Ok(match (func, a) {
        (Builtin::Year, Value::Date(d)) => Value::Int(i64::from(d.year())),
        (Builtin::Month, Value::Date(d)) => Value::Int(i64::from(d.month())),
        (Builtin::Day, Value::Date(d)) => Value::Int(i64::from(d.day())),
        _ => return Err(EvalError::TypeMismatch),
    })
}

/// Evaluates a condition on its own (for explanations); `None` on error.
pub fn evaluate_condition(scheme: &Scheme, applicant: &Applicant, e: &Expr) -> Option<bool> {
    condition_in(scheme, applicant, None, e)
}

/// Evaluates an expression on its own (for explanations); `None` on error.
pub fn evaluate_value(scheme: &Scheme, applicant: &Applicant, e: &Expr) -> Option<Value> {
    value_in(scheme, applicant, None, e)
}

/// [`evaluate_condition`] in a round (`None`: outside any).
pub(crate) fn condition_in(
    scheme: &Scheme,
    applicant: &Applicant,
    round: Option<&Round>,
    e: &Expr,
) -> Option<bool> {
    Evaluator::in_round(scheme, applicant, round).truth(e).ok()
}

/// [`evaluate_value`] in a round (`None`: outside any).
pub(crate) fn value_in(
    scheme: &Scheme,
    applicant: &Applicant,
    round: Option<&Round>,
    e: &Expr,
) -> Option<Value> {
    Evaluator::in_round(scheme, applicant, round).eval(e).ok()
}

/// Evaluates a condition on item `index` of list field `list` (for
/// explanations: which part of a `where` an item fails), in a round
/// (`None`: outside any); `None` on error.
pub fn evaluate_on_item(
    scheme: &Scheme,
    applicant: &Applicant,
    round: Option<&Round>,
    list: FieldId,
    index: usize,
    e: &Expr,
) -> Option<bool> {
    let ev = Evaluator::in_round(scheme, applicant, round);
    let item = ev.list(list).ok()?.get(index)?;
    ev.at(item).truth(e).ok()
}

/// For an `any`, `all`, `min … of` or `max … of` on the applicant's lists:
/// the list field and the index of the item that decided it (for
/// explanations), in a round (`None`: outside any); `None` for other
/// expressions, or if no item decided.
pub fn deciding_item(
    scheme: &Scheme,
    applicant: &Applicant,
    round: Option<&Round>,
    e: &Expr,
) -> Option<(FieldId, usize)> {
    Evaluator::in_round(scheme, applicant, round)
        .decider(e)
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn checks(len: u32, passed: u32, stop: Option<Stop>) -> Checks {
        Checks { len, passed, stop }
    }

    /// Each outcome of `ALL` once, named as serde spells it (a new outcome
    /// fails to compile in `name` first, which has no `_` arm: add it to
    /// `ALL` there too).
    #[test]
    fn outcome_names_are_the_json_ones() {
        for o in Outcome::ALL {
            assert_eq!(serde_json::to_value(o).unwrap(), o.name());
        }
        let distinct: std::collections::BTreeSet<Outcome> = Outcome::ALL.into_iter().collect();
        assert_eq!(distinct.len(), Outcome::ALL.len());
    }

    #[test]
    fn checks_tell_the_verdict_of_every_condition() {
        use Verdict::*;
        let absent = EvalError::Absent { field: 3 };
        let cases = [
            (
                checks(4, 2, Some(Stop::Fail)),
                vec![Pass, Pass, Fail, Skipped],
            ),
            (
                checks(3, 0, Some(Stop::Error(absent))),
                vec![Error(absent), Skipped, Skipped],
            ),
            (checks(2, 2, None), vec![Pass, Pass]),
            (Checks::skipped(3), vec![Skipped, Skipped, Skipped]),
            (checks(0, 0, None), vec![]),
        ];
        for (c, verdicts) in cases {
            assert_eq!(c.verdicts().collect::<Vec<_>>(), verdicts, "{c:?}");
            assert_eq!(
                c.first_failure(),
                verdicts.iter().position(|v| *v == Fail),
                "{c:?}"
            );
            assert_eq!(
                c.first_non_pass(),
                verdicts.iter().position(|v| matches!(v, Fail | Error(_))),
                "{c:?}"
            );
            assert_eq!(c.all_passed(), verdicts.iter().all(|v| *v == Pass), "{c:?}");
        }
    }

    /// Categories `a`, `b`, `c`, `d`; one optional text field, `choice`.
    fn award_scheme(limit: u32, groups: &[(u32, &[u32])], order: &[Criterion]) -> Scheme {
        use crate::ir::{AwardRule, Category, Field, Header, LimitGroup, Type};
        Scheme {
            id: "s".into(),
            header: Header::default(),
            clauses: vec![],
            enums: vec![],
            records: vec![],
            applicant: vec![Field {
                name: "choice".into(),
                label: None,
                ty: Type::Text,
                optional: true,
            }],
            lets: vec![],
            tables: vec![],
            requirements: vec![],
            categories: ["a", "b", "c", "d"]
                .map(|n| Category {
                    name: n.into(),
                    label: None,
                    clause: None,
                    conditions: vec![],
                    pay: Expr::Lit(Value::Money(Money::ZERO)),
                    pay_clause: None,
                    instalments: vec![],
                })
                .into(),
            calendar: None,
            award: AwardRule {
                clause: None,
                history: None,
                limit,
                groups: groups
                    .iter()
                    .enumerate()
                    .map(|(i, (limit, categories))| LimitGroup {
                        name: format!("g{i}"),
                        limit: *limit,
                        categories: categories.to_vec(),
                        clause: None,
                    })
                    .collect(),
                order: order.to_vec(),
            },
            application: None,
            timeline: vec![],
            quotas: vec![],
            rounds: vec![],
            payers: vec![],
        }
    }

    /// What `choose` awards (category names) when the categories pay these
    /// yuan (`None`: not eligible) and the applicant chose `choice`.
    fn chosen(scheme: &Scheme, yuan: [Option<i64>; 4], choice: Option<&str>) -> Vec<String> {
        let mut applicant = Applicant::empty(scheme);
        applicant.set(0, choice.map(|c| Value::Text(c.into())));
        let categories: Vec<CategoryDecision> = yuan
            .iter()
            .map(|y| CategoryDecision {
                payout: y.map(|y| Payout {
                    amount: Money::from_yuan(y).unwrap(),
                    row: None,
                }),
                ..CategoryDecision::default()
            })
            .collect();
        let mut out = Vec::new();
        choose(
            scheme,
            &applicant,
            &scheme.award.order,
            &categories,
            &mut out,
        );
        out.iter()
            .map(|a| scheme.categories[a.category as usize].name.clone())
            .collect()
    }

    #[test]
    fn choose_keeps_a_category_while_its_group_and_the_limit_have_room() {
        use Criterion::*;
        let s = award_scheme(2, &[(1, &[1, 2, 3])], &[HighestAmount, FirstDeclared]);
        let all = [Some(3000), Some(2000), Some(1000), Some(1500)];
        assert_eq!(chosen(&s, all, None), ["a", "b"]);
        // The group is full after `b`; `a` is not eligible, so one place stays empty.
        assert_eq!(
            chosen(&s, [None, Some(2000), Some(1000), Some(1500)], None),
            ["b"]
        );
        // A category outside any group counts only against the overall limit.
        let s = award_scheme(1, &[(1, &[1, 3])], &[LowestAmount, FirstDeclared]);
        assert_eq!(chosen(&s, all, None), ["c"]);
        // Two groups, each with its own room.
        let s = award_scheme(
            3,
            &[(1, &[0, 1]), (1, &[2, 3])],
            &[HighestAmount, FirstDeclared],
        );
        assert_eq!(chosen(&s, all, None), ["a", "d"]);
        // A category paying exactly nothing takes no place in its group.
        let s = award_scheme(2, &[(1, &[0, 1])], &[LowestAmount, FirstDeclared]);
        assert_eq!(
            chosen(&s, [Some(0), Some(5), Some(7), None], None),
            ["b", "c"]
        );
    }

    #[test]
    fn choose_puts_the_applicants_choice_first_when_they_qualify() {
        use Criterion::*;
        let order = [ChosenCategory { field: 0 }, HighestAmount, FirstDeclared];
        let s = award_scheme(1, &[], &order);
        let some = [None, Some(2000), None, Some(1500)];
        assert_eq!(chosen(&s, some, Some("d")), ["d"]);
        // Absent, not eligible, or no category at all: the rest decides.
        assert_eq!(chosen(&s, some, None), ["b"]);
        assert_eq!(chosen(&s, some, Some("a")), ["b"]);
        assert_eq!(chosen(&s, some, Some("lottery")), ["b"]);
        // The choice comes first, then the group's limit applies to it.
        let s = award_scheme(2, &[(1, &[1, 3])], &order);
        let all = [Some(3000), Some(2000), Some(1000), Some(1500)];
        assert_eq!(chosen(&s, all, Some("d")), ["d", "a"]);
    }

    proptest::proptest! {
        /// The packed key orders claims as its `(absent, value)` pairs do,
        /// absent values among them (which are zero, as `rank` writes them).
        #[test]
        fn a_rank_key_orders_as_its_pairs(
            a in proptest::array::uniform4((proptest::bool::ANY, -2i64..3)),
            b in proptest::array::uniform4((proptest::bool::ANY, -2i64..3)),
        ) {
            let zeroed = |k: [(bool, i64); 4]| k.map(|(absent, v)| (absent, if absent { 0 } else { v }));
            let (a, b) = (zeroed(a), zeroed(b));
            proptest::prop_assert_eq!(RankKey::new(a).cmp(&RankKey::new(b)), a.cmp(&b));
            proptest::prop_assert_eq!(RankKey::new(a) == RankKey::new(b), a == b);
        }
    }

    #[test]
    fn checks_serialize_as_the_list_of_verdicts() {
        let c = checks(3, 1, Some(Stop::Error(EvalError::NoRow { table: 1 })));
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"["pass",{"error":{"error":"no_row","table":1}},"skipped"]"#
        );
    }
}
