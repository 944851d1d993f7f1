//! Reports: a tally in the scheme's names, the model every format renders
//! (`crate::render`: aligned text for people, JSON for programs, documented
//! in docs/simulate.md, and CSV for spreadsheets).

use std::collections::BTreeMap;

use bursar_runtime::ir::{Rank, Ration, Scheme};
use bursar_runtime::Money;
use serde::Serialize;

use crate::citations::Citations;
use crate::compare::{DiffTally, Movement};
use crate::population::RowError;
use crate::sum::{Overflow, Sum};
use crate::tally::{Reason, Tally, TallyPlan};

/// Where a report's numbers come from, so it can be traced.
#[derive(Clone, Debug, Serialize)]
pub struct Source {
    pub scheme: String,
    pub bundle_hash: String,
    /// `--set` overrides and the scenario applied, as given.
    pub overrides: Vec<String>,
    pub scenario: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PopulationInfo {
    pub file: String,
    pub rows: u64,
}

/// The population a report is of: its file's name, and the column of its
/// rows' weights when it is a weighted sample (`--weight`).
#[derive(Clone, Copy, Debug)]
pub struct Population<'a> {
    pub file: &'a str,
    pub weight: Option<&'a str>,
}

/// A weighted population (`--weight COLUMN`): every count and amount of the
/// report is weighted, each row counting as its weight's persons; rows read
/// and skipped, and rows the rules could not be evaluated for, stay rows.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct WeightInfo {
    /// The column of the weights.
    pub column: String,
    /// The persons the rows decided stand for: their weights' sum.
    pub persons: u64,
}

/// The budget effect of one scheme over one population.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub scheme: String,
    pub bundle_hash: String,
    pub overrides: Vec<String>,
    pub scenario: Option<String>,
    pub assumptions: Option<AssumptionsInfo>,
    pub population: PopulationInfo,
    /// Only for a weighted population: its weights' column, and the
    /// persons its rows stand for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<WeightInfo>,
    /// What a planner should know before trusting the figures (application
    /// dates outside the scheme's period: last year's population under a
    /// draft); absent when there is nothing to say.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
    pub currency: String,
    /// Data rows read (skipped rows included).
    pub rows: u64,
    pub skipped_rows: u64,
    /// Rows whose application was received.
    pub applicants: u64,
    /// Persons paid.
    pub paid: u64,
    pub total: Money,
    pub by_category: BTreeMap<String, CategoryReport>,
    pub paid_by_amount: Vec<AmountCount>,
    pub eligible_not_applied: u64,
    pub eligible_late: u64,
    pub eligible_early: u64,
    /// Eligible, but every category met pays exactly nothing: not paid, and
    /// no award limit used up.
    pub nothing_due: u64,
    /// Eligible and in time, but given no place by a quota (only for a
    /// scheme with quotas).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligible_no_place: Option<u64>,
    pub not_eligible: NotEligible,
    /// Rows the rules could not be evaluated for (for a compiled policy:
    /// amounts that overflow or come out negative under a `--set` change).
    pub errors: u64,
    /// The first of those rows (at most 20), with their line and why.
    pub error_rows: Vec<String>,
    /// Money by the latest month payment can fall in under the timeline.
    pub cash_flow: BTreeMap<String, Money>,
    /// Money by month in the expected case (see `assumptions.timeline_fraction`).
    pub cash_flow_expected: BTreeMap<String, Money>,
    pub skipped: Vec<String>,
    /// Per quota: places, claims, who got one (only for a scheme with
    /// quotas).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by_pool: BTreeMap<String, PoolReport>,
    /// Paid persons with instalments not due yet, and what those come to
    /// (only for a scheme with instalments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instalments_pending: Option<Pending>,
    /// Per round: its days, whom it pays and how much (only for a scheme
    /// with rounds).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by_round: BTreeMap<String, RoundReport>,
    /// Per payer: the scheme's own share (`scheme`) and each payer's
    /// top-ups, with their own cash flow (only for a scheme with payers).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by_payer: BTreeMap<String, PayerReport>,
    #[serde(skip)]
    pub(crate) category_order: Vec<String>,
    #[serde(skip)]
    pub(crate) pool_order: Vec<String>,
    #[serde(skip)]
    pub(crate) round_order: Vec<String>,
    /// `scheme`, then the payers in the scheme's order.
    #[serde(skip)]
    pub(crate) payer_order: Vec<String>,
    /// Whether the scheme has an application step. Without one eligibility
    /// is enough, and the text report leaves out the rows about applying.
    #[serde(skip)]
    pub(crate) applications: bool,
    /// The scheme's title, clauses and language, for reports that cite
    /// where each figure comes from (HTML).
    #[serde(skip)]
    pub citations: Citations,
    /// With `--draws N`: the range of the figures over the draws of the
    /// behavioural assumptions, which each renderer lays out beside them.
    #[serde(skip)]
    pub ranges: Option<crate::draws::Ranges>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AssumptionsInfo {
    pub take_up: BTreeMap<String, f64>,
    pub late_share: f64,
    /// Per category, a late share instead of `late_share` (only when given).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub late_by_category: BTreeMap<String, f64>,
    pub timeline_fraction: f64,
    pub seed: u64,
}

impl AssumptionsInfo {
    /// The assumptions as `(category, metric, value)` rows of a CSV report:
    /// a take-up share per category, then the scheme-wide ones.
    pub(crate) fn rows(&self) -> Vec<(String, &'static str, String)> {
        let mut rows: Vec<(String, &'static str, String)> = self
            .take_up
            .iter()
            .map(|(c, share)| (c.clone(), "take_up", share.to_string()))
            .collect();
        rows.push((String::new(), "late_share", self.late_share.to_string()));
        rows.extend(
            self.late_by_category
                .iter()
                .map(|(c, share)| (c.clone(), "late_share", share.to_string())),
        );
        rows.push((
            String::new(),
            "timeline_fraction",
            self.timeline_fraction.to_string(),
        ));
        rows.push((String::new(), "seed", self.seed.to_string()));
        rows
    }

    /// `take-up contest 95%, vocational 80%; 5% late; steps take 50% of their limits; seed 2023`
    pub(crate) fn describe(&self) -> String {
        let percent = |share: f64| format!("{}%", (share * 1000.0).round() / 10.0);
        let mut parts = Vec::new();
        if !self.take_up.is_empty() {
            let shares: Vec<String> = self
                .take_up
                .iter()
                .map(|(c, s)| format!("{c} {}", percent(*s)))
                .collect();
            parts.push(format!("take-up {}", shares.join(", ")));
        }
        parts.push(format!("{} late", percent(self.late_share)));
        if !self.late_by_category.is_empty() {
            let shares: Vec<String> = self
                .late_by_category
                .iter()
                .map(|(c, s)| format!("{c} {}", percent(*s)))
                .collect();
            parts.push(format!("late {}", shares.join(", ")));
        }
        parts.push(format!(
            "steps take {} of their limits",
            percent(self.timeline_fraction)
        ));
        parts.push(format!("seed {}", self.seed));
        parts.join("; ")
    }
}

/// One quota after allocation.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PoolReport {
    pub label: Option<String>,
    pub clause: Option<String>,
    /// How places are given, as the policy says it.
    pub order: String,
    /// A quota of places: how many (`null` for a budget).
    pub places: Option<u64>,
    /// A quota of money: how much (`null` for places).
    pub budget: Option<Money>,
    /// A budget shared pro rata when the claims come to more.
    pub pro_rata: bool,
    /// What every claim would be paid, place or not.
    pub claimed: Money,
    /// Claims: eligible persons who applied in time.
    pub eligible: u64,
    pub allocated: u64,
    pub left_out: u64,
    /// Claims per place, or money claimed per unit of budget (`null` for
    /// a quota of nothing).
    pub oversubscription: Option<f64>,
    /// A claim's chance of a place in a lottery (`null` for an order with
    /// no lot, where there is no chance involved).
    pub odds: Option<f64>,
    /// Persons paid under the quota (as `allocated`).
    pub paid: u64,
    /// What the allocated claims are paid: the drawn cost.
    pub total: Money,
    /// The cost expected over every draw of the lottery: each claim wins
    /// with the same chance, so it is the claims' total × places / claims,
    /// rounded half to even to the fen. Equal to `total` for an order with
    /// no lot; `null` when a lot only breaks ties of other keys.
    pub expected_total: Option<Money>,
}

/// Instalments promised but not due yet.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Pending {
    pub persons: u64,
    pub total: Money,
}

/// One round of a scheme with rounds.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RoundReport {
    pub label: Option<String>,
    pub clause: Option<String>,
    /// The qualifying day.
    pub date: chrono::NaiveDate,
    /// The round's amount.
    pub amount: Money,
    /// The payment window.
    pub paid_start: chrono::NaiveDate,
    pub paid_end: chrono::NaiveDate,
    /// Persons the round's award rule gives something, applied or not.
    pub eligible: u64,
    /// Persons paid in the round.
    pub paid: u64,
    pub total: Money,
}

/// One payer's own totals: the scheme's share of every award, or what a
/// payer adds on top.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PayerReport {
    pub label: Option<String>,
    pub clause: Option<String>,
    /// How the payer tops up, as the policy says it (`null` for the
    /// scheme's own share).
    pub terms: Option<String>,
    /// Persons this payer pays something.
    pub paid: u64,
    pub total: Money,
    /// This payer's money by the latest month payment can fall in.
    pub cash_flow: BTreeMap<String, Money>,
    /// This payer's money by month in the expected case.
    pub cash_flow_expected: BTreeMap<String, Money>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CategoryReport {
    pub label: Option<String>,
    /// Persons meeting the category's conditions.
    pub qualifying: u64,
    /// Persons the award rule gives this category, applied or not.
    pub eligible: u64,
    pub paid: u64,
    pub total: Money,
}

/// Persons paid one amount, and what they are paid together.
#[derive(Clone, Debug, Serialize)]
pub struct AmountCount {
    pub amount: Money,
    pub persons: u64,
    pub total: Money,
}

/// Persons whose payment changes by one amount.
#[derive(Clone, Debug, Serialize)]
pub struct ChangeCount {
    pub amount: Money,
    pub persons: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct NotEligible {
    pub persons: u64,
    /// The condition that stopped each person, most common first.
    pub by_reason: Vec<ReasonCount>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReasonCount {
    /// The category (none for a shared requirement).
    pub category: Option<String>,
    pub condition: String,
    pub clause: Option<String>,
    pub persons: u64,
}

impl Report {
    pub fn new(
        scheme: &Scheme,
        source: &Source,
        population: &Population<'_>,
        tally: &Tally,
        assumptions: Option<AssumptionsInfo>,
        skipped: &[RowError],
    ) -> Result<Report, Overflow> {
        let by_category = scheme
            .categories
            .iter()
            .zip(&tally.categories)
            .map(|(c, t)| {
                let total = t
                    .total
                    .figure(|| format!("the total of category `{}`", c.name))?;
                Ok((
                    c.name.clone(),
                    CategoryReport {
                        label: c.label.clone(),
                        qualifying: t.qualifying,
                        eligible: t.eligible,
                        paid: t.paid,
                        total,
                    },
                ))
            })
            .collect::<Result<_, Overflow>>()?;
        let mut by_reason: Vec<ReasonCount> = tally
            .reason_counts(&TallyPlan::new(scheme))
            .iter()
            .map(|(r, n)| {
                let (category, cond) = match r {
                    Reason::Requirement(i) => (None, scheme.requirements.get(*i as usize)),
                    Reason::Condition(c, i) => {
                        let cat = scheme.categories.get(*c as usize);
                        (
                            cat.map(|c| c.name.clone()),
                            cat.and_then(|c| c.conditions.get(*i as usize)),
                        )
                    }
                    Reason::NoTargetGroup => (None, None),
                };
                let fallback = || {
                    scheme
                        .categories
                        .iter()
                        .find(|c| Some(&c.name) == category.as_ref())
                        .and_then(|c| c.clause.clone())
                };
                ReasonCount {
                    condition: cond
                        .map(|c| match (&c.label, c.kind) {
                            (Some(l), bursar_runtime::ir::ConditionKind::Unless) => {
                                format!("excluded: {l}")
                            }
                            (Some(l), _) => l.clone(),
                            (None, _) => c.text.clone(),
                        })
                        .unwrap_or_else(|| {
                            "in no target group (the first condition of every category fails)"
                                .into()
                        }),
                    clause: cond.and_then(|c| c.clause.clone()).or_else(fallback),
                    category: category.clone(),
                    persons: *n,
                }
            })
            .collect();
        // Most common first; the order of the tally's keys breaks ties.
        by_reason.sort_by_key(|r| std::cmp::Reverse(r.persons));
        let month = |(y, m): &(i32, u32)| format!("{y:04}-{m:02}");
        let cash = |flow: &BTreeMap<(i32, u32), Sum>, case: &str| {
            flow.iter()
                .map(|(k, v)| {
                    let m = month(k);
                    let amount = v.figure(|| format!("the cash flow of {m} ({case} case)"))?;
                    Ok((m, amount))
                })
                .collect::<Result<BTreeMap<String, Money>, Overflow>>()
        };
        let by_pool = scheme
            .quotas
            .iter()
            .zip(&tally.pools)
            .map(|(q, t)| {
                let total = t
                    .total
                    .figure(|| format!("the total of quota `{}`", q.name))?;
                let lot_first = matches!(q.order.first(), Some(Rank::Lot { .. }));
                let has_lot = q.order.iter().any(|r| matches!(r, Rank::Lot { .. }));
                let ratio = |a: f64, b: f64| (b > 0.0).then(|| a / b);
                let claimed = t
                    .claimed
                    .figure(|| format!("the claims on quota `{}`", q.name))?;
                let (places, budget, pro_rata, oversubscription, odds, expected_total) = match q
                    .ration
                {
                    Ration::Places(n) => {
                        let expected = if lot_first {
                            t.claimed
                                .share(n.min(t.eligible), t.eligible.max(1))
                                .map(|s| {
                                    s.figure(|| format!("the expected total of quota `{}`", q.name))
                                })
                                .transpose()?
                        } else if has_lot {
                            None
                        } else {
                            Some(total)
                        };
                        (
                            Some(n),
                            None,
                            false,
                            ratio(t.eligible as f64, n as f64),
                            lot_first.then(|| {
                                ratio(n as f64, t.eligible as f64).map_or(1.0, |r| r.min(1.0))
                            }),
                            expected,
                        )
                    }
                    // Who fits a budget depends on the amounts drawn,
                    // so a lottery's expected cost has no one formula.
                    Ration::Budget(m) | Ration::ProRata(m) => (
                        None,
                        Some(m),
                        matches!(q.ration, Ration::ProRata(_)),
                        ratio(claimed.minor() as f64, m.minor() as f64),
                        None,
                        (!has_lot || matches!(q.ration, Ration::ProRata(_))).then_some(total),
                    ),
                };
                Ok((
                    q.name.clone(),
                    PoolReport {
                        label: q.label.clone(),
                        clause: q.clause.clone(),
                        order: bursar_runtime::print::Printer::new(scheme).quota_order(&q.order),
                        places,
                        budget,
                        pro_rata,
                        claimed,
                        eligible: t.eligible,
                        allocated: t.allocated,
                        left_out: t.eligible - t.allocated,
                        oversubscription,
                        odds,
                        paid: t.allocated,
                        total,
                        expected_total,
                    },
                ))
            })
            .collect::<Result<_, Overflow>>()?;
        let by_round = scheme
            .rounds
            .iter()
            .zip(&tally.rounds)
            .map(|(r, t)| {
                let total = t
                    .total
                    .figure(|| format!("the money paid in round `{}`", r.name))?;
                Ok((
                    r.name.clone(),
                    RoundReport {
                        label: r.label.clone(),
                        clause: r.clause.clone(),
                        date: r.date,
                        amount: r.amount,
                        paid_start: r.paid.start,
                        paid_end: r.paid.end,
                        eligible: t.eligible,
                        paid: t.paid,
                        total,
                    },
                ))
            })
            .collect::<Result<_, Overflow>>()?;
        let printer = bursar_runtime::print::Printer::new(scheme);
        let payer_order: Vec<String> = if scheme.payers.is_empty() {
            Vec::new()
        } else {
            std::iter::once(bursar_runtime::ir::SCHEME_PAYER.to_string())
                .chain(scheme.payers.iter().map(|p| p.name.clone()))
                .collect()
        };
        let by_payer = payer_order
            .iter()
            .enumerate()
            .zip(&tally.payers)
            .map(|((i, name), t)| {
                let payer = i.checked_sub(1).and_then(|i| scheme.payers.get(i));
                let (label, clause) = match payer {
                    Some(p) => (p.label.clone(), p.clause.clone()),
                    None => (scheme.header.issuer.clone(), None),
                };
                let total = t
                    .total
                    .figure(|| format!("the total paid by payer `{name}`"))?;
                Ok((
                    name.clone(),
                    PayerReport {
                        label,
                        clause,
                        terms: payer.map(|p| printer.payer_terms(p)),
                        paid: t.paid,
                        total,
                        cash_flow: cash(&t.cash_latest, "latest")?,
                        cash_flow_expected: cash(&t.cash_expected, "expected")?,
                    },
                ))
            })
            .collect::<Result<_, Overflow>>()?;
        let paid_by_amount = tally
            .paid_by_amount
            .iter()
            .map(|(amount, persons)| {
                let total = Sum::times(*amount, *persons)
                    .figure(|| format!("the money paid as {amount} each"))?;
                Ok(AmountCount {
                    amount: *amount,
                    persons: *persons,
                    total,
                })
            })
            .collect::<Result<_, Overflow>>()?;
        Ok(Report {
            scheme: scheme.id.clone(),
            bundle_hash: source.bundle_hash.clone(),
            overrides: source.overrides.clone(),
            scenario: source.scenario.clone(),
            assumptions,
            population: PopulationInfo {
                file: population.file.to_string(),
                rows: tally.rows + tally.skipped_rows,
            },
            weight: population.weight.map(|column| WeightInfo {
                column: column.to_string(),
                persons: tally.persons,
            }),
            warnings: warnings(scheme, tally),
            currency: scheme.header.currency.clone(),
            rows: tally.rows + tally.skipped_rows,
            skipped_rows: tally.skipped_rows,
            applicants: tally.applicants,
            paid: tally.paid,
            total: tally.total.figure(|| "the total".to_string())?,
            by_category,
            paid_by_amount,
            eligible_not_applied: tally.eligible_not_applied,
            eligible_late: tally.eligible_late,
            eligible_early: tally.eligible_early,
            nothing_due: tally.nothing_due,
            eligible_no_place: (!scheme.quotas.is_empty()).then_some(tally.no_place),
            not_eligible: NotEligible {
                persons: tally.not_eligible,
                by_reason,
            },
            errors: tally.errors,
            error_rows: tally.error_rows.iter().map(ToString::to_string).collect(),
            cash_flow: cash(&tally.cash_latest, "latest")?,
            cash_flow_expected: cash(&tally.cash_expected, "expected")?,
            skipped: skipped.iter().map(ToString::to_string).collect(),
            by_pool,
            instalments_pending: if scheme.categories.iter().any(|c| !c.instalments.is_empty()) {
                Some(Pending {
                    persons: tally.pending_persons,
                    total: tally
                        .pending
                        .figure(|| "the instalments not due yet".to_string())?,
                })
            } else {
                None
            },
            by_round,
            by_payer,
            payer_order,
            category_order: scheme.categories.iter().map(|c| c.name.clone()).collect(),
            pool_order: scheme.quotas.iter().map(|q| q.name.clone()).collect(),
            round_order: scheme.rounds.iter().map(|r| r.name.clone()).collect(),
            applications: scheme.application.is_some(),
            citations: Citations::new(scheme),
            ranges: None,
        })
    }
}

/// Something a planner should know about a run before trusting its
/// figures. In JSON, and wherever a report is text, it is its sentence
/// ([`std::fmt::Display`]); the HTML page says it in the scheme's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// Applications received outside the scheme's period: most likely a
    /// draft for next year run on last year's population, whose dates are
    /// decided as they are (on time, under next year's deadlines).
    OutsidePeriod {
        /// Applications (persons, in a weighted population).
        applications: u64,
        scheme: String,
        start: chrono::NaiveDate,
        end: chrono::NaiveDate,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::OutsidePeriod {
                applications,
                scheme,
                start,
                end,
            } => write!(
                f,
                "{applications} applications were received outside the period of `{scheme}` ({start} to {end}): is the population of another year?"
            ),
        }
    }
}

impl Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a planner should know about a run before trusting its figures.
fn warnings(scheme: &Scheme, tally: &Tally) -> Vec<Warning> {
    let mut out = Vec::new();
    if let (Some(p), 1..) = (&scheme.header.period, tally.outside_period) {
        out.push(Warning::OutsidePeriod {
            applications: tally.outside_period,
            scheme: scheme.id.clone(),
            start: p.start,
            end: p.end,
        });
    }
    out
}

/// Two schemes over one population, side by side.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// Only for a weighted population (as in each side's report).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<WeightInfo>,
    /// Every warning of the run: the reform's, then the base's that it
    /// does not repeat (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
    pub base: Report,
    pub reform: Report,
    pub delta: Delta,
    pub winners_and_losers: WinnersLosers,
    /// Category names in declaration order (base's, then the reform's new ones).
    #[serde(skip)]
    pub(crate) order: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Delta {
    pub paid: i64,
    pub total: Money,
    /// Per category (the union of both schemes' categories): reform minus base.
    pub by_category: BTreeMap<String, CategoryDelta>,
    /// Per payer (the union of both schemes' payers, when either has any):
    /// reform minus base.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by_payer: BTreeMap<String, PayerDelta>,
}

/// One payer's change: persons it pays and what it pays, reform minus base.
#[derive(Clone, Debug, Serialize)]
pub struct PayerDelta {
    pub paid: i64,
    pub total: Money,
}

#[derive(Clone, Debug, Serialize)]
pub struct CategoryDelta {
    pub eligible: i64,
    pub paid: i64,
    pub total: Money,
}

#[derive(Clone, Debug, Serialize)]
pub struct WinnersLosers {
    pub gainers: MovementReport,
    pub losers: MovementReport,
    pub unchanged_paid: u64,
    pub gains_by_category: BTreeMap<String, MovementReport>,
    pub losses_by_category: BTreeMap<String, MovementReport>,
    /// Persons by the change in what they are paid.
    pub by_change: Vec<ChangeCount>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MovementReport {
    pub persons: u64,
    pub amount: Money,
}

impl MovementReport {
    fn new(m: &Movement, what: impl FnOnce() -> String) -> Result<Self, Overflow> {
        Ok(MovementReport {
            persons: m.persons,
            amount: m.amount.figure(what)?,
        })
    }
}

/// `reform − base` of two figures that fit, as a figure that must fit too.
fn difference(
    base: Money,
    reform: Money,
    what: impl FnOnce() -> String,
) -> Result<Money, Overflow> {
    Sum::from(reform).minus(Sum::from(base)).figure(what)
}

impl Comparison {
    /// Each payer's change in the schemes' order: the base's payers (the
    /// scheme's own share first), then payers only the reform has.
    pub(crate) fn payer_deltas(&self) -> impl Iterator<Item = (&String, &PayerDelta)> {
        let (b, r) = (&self.base.payer_order, &self.reform.payer_order);
        b.iter()
            .chain(r.iter().filter(|n| !b.contains(n)))
            .filter_map(|n| self.delta.by_payer.get(n).map(|d| (n, d)))
    }

    pub fn new(base: Report, reform: Report, diff: &DiffTally) -> Result<Comparison, Overflow> {
        let mut names: Vec<String> = base.category_order.clone();
        names.extend(
            reform
                .category_order
                .iter()
                .filter(|n| !base.category_order.contains(n))
                .cloned(),
        );
        let by_category = names
            .iter()
            .map(|n| {
                let zero = CategoryReport {
                    label: None,
                    qualifying: 0,
                    eligible: 0,
                    paid: 0,
                    total: Money::ZERO,
                };
                let b = base.by_category.get(n).unwrap_or(&zero);
                let r = reform.by_category.get(n).unwrap_or(&zero);
                let total = difference(b.total, r.total, || {
                    format!("the change in the total of category `{n}`")
                })?;
                Ok((
                    n.clone(),
                    CategoryDelta {
                        eligible: r.eligible as i64 - b.eligible as i64,
                        paid: r.paid as i64 - b.paid as i64,
                        total,
                    },
                ))
            })
            .collect::<Result<_, Overflow>>()?;
        let mut payers: Vec<&String> = base.payer_order.iter().collect();
        payers.extend(
            reform
                .payer_order
                .iter()
                .filter(|n| !base.payer_order.contains(n)),
        );
        let by_payer = payers
            .into_iter()
            .map(|n| {
                let figures = |r: &Report| {
                    r.by_payer
                        .get(n)
                        .map_or((0, Money::ZERO), |p| (p.paid, p.total))
                };
                let (b, r) = (figures(&base), figures(&reform));
                let total =
                    difference(b.1, r.1, || format!("the change in what payer `{n}` pays"))?;
                Ok((
                    n.clone(),
                    PayerDelta {
                        paid: r.0 as i64 - b.0 as i64,
                        total,
                    },
                ))
            })
            .collect::<Result<_, Overflow>>()?;
        let delta = Delta {
            paid: reform.paid as i64 - base.paid as i64,
            total: difference(base.total, reform.total, || {
                "the change in the total".to_string()
            })?,
            by_category,
            by_payer,
        };
        let movements = |by: &BTreeMap<String, Movement>, what: &'static str| {
            by.iter()
                .map(|(k, v)| {
                    let m = MovementReport::new(v, || format!("the {what} of category `{k}`"))?;
                    Ok((k.clone(), m))
                })
                .collect::<Result<BTreeMap<String, MovementReport>, Overflow>>()
        };
        let winners_and_losers = WinnersLosers {
            gainers: MovementReport::new(&diff.gainers, || "the gains".to_string())?,
            losers: MovementReport::new(&diff.losers, || "the losses".to_string())?,
            unchanged_paid: diff.unchanged_paid,
            gains_by_category: movements(&diff.gains_by_category, "gains")?,
            losses_by_category: movements(&diff.losses_by_category, "losses")?,
            by_change: diff
                .by_change
                .iter()
                .map(|(amount, persons)| {
                    Ok(ChangeCount {
                        amount: amount.figure(|| "a change in payment".to_string())?,
                        persons: *persons,
                    })
                })
                .collect::<Result<_, Overflow>>()?,
        };
        let mut warnings = reform.warnings.clone();
        warnings.extend(
            base.warnings
                .iter()
                .filter(|w| !reform.warnings.contains(w))
                .cloned(),
        );
        Ok(Comparison {
            weight: reform.weight.clone(),
            warnings,
            base,
            reform,
            delta,
            winners_and_losers,
            order: names,
        })
    }
}

/// `bursar diff`: what changed between two schemes and, with a population,
/// what it costs and which change accounts for what. What changed and the
/// witnesses are the compiler's, given here as its text and JSON.
#[derive(Clone, Debug, Serialize)]
pub struct DiffReport {
    pub old: SchemeRef,
    pub new: SchemeRef,
    pub changes: Part,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnesses: Option<Part>,
}

/// A scheme named by its id and the hash of its bundle.
#[derive(Clone, Debug, Serialize)]
pub struct SchemeRef {
    pub scheme: String,
    pub bundle_hash: String,
}

/// A part of a report made elsewhere (the compiler's list of changes, its
/// witnesses), as text for people and as JSON for programs.
#[derive(Clone, Debug)]
pub struct Part {
    pub text: String,
    pub json: serde_json::Value,
}

impl Serialize for Part {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

/// The budget effect of a diff: the two schemes compared, and each
/// change's share of the difference.
#[derive(Clone, Debug, Serialize)]
pub struct Budget {
    pub comparison: Comparison,
    pub attribution: crate::attribution::Attribution,
}

/// `bursar solve`: the values found for the parameters varied, the total
/// they give, the budget and what is left of it, the check one step
/// further, and the run's report at the answer. JSON keeps issue #15's
/// contract keys (`values`, `total`, `budget`, `margin`) first.
#[derive(Clone, Debug, Serialize)]
pub struct Solution {
    pub values: Values,
    pub total: Money,
    pub budget: Money,
    /// `budget - total`: what is left.
    pub margin: Money,
    /// The values one step further, and their total: over the budget.
    pub next: NextStep,
    /// Passes over the population the search took (the check not counted).
    pub passes: u32,
    pub report: Report,
}

/// One step past the answer: the values and the total they give.
#[derive(Clone, Debug, Serialize)]
pub struct NextStep {
    pub values: Values,
    pub total: Money,
}

/// The parameters varied, in the order given; in JSON an object from each
/// parameter's path to its value (keys sorted).
#[derive(Clone, Debug)]
pub struct Values(pub Vec<Solved>);

impl Serialize for Values {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let map: BTreeMap<&str, &Amount> =
            self.0.iter().map(|v| (v.path.as_str(), &v.value)).collect();
        map.serialize(s)
    }
}

/// One parameter's value, and its value in the scheme as given.
#[derive(Clone, Debug)]
pub struct Solved {
    /// The `--set` path (`standard.level1`, `quota.a.places`).
    pub path: String,
    pub value: Amount,
    pub was: Amount,
}

/// A parameter's value: money (JSON `"2500.00"`) or a number of places.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Amount {
    Money(Money),
    Places(i64),
}

impl Amount {
    /// `2500.00` or `300`: the value as `--set` reads it.
    pub fn plain(self) -> String {
        match self {
            Amount::Money(m) => m.to_string(),
            Amount::Places(n) => n.to_string(),
        }
    }
}

/// `16,800.00 元`
pub fn money_text(currency: &str, m: Money) -> String {
    if currency == "CNY" {
        format!("{} 元", m.grouped())
    } else {
        format!("{} {currency}", m.grouped())
    }
}
