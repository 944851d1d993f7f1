//! Reports: a tally in the scheme's names, for people (aligned text), for
//! programs (JSON, documented in docs/simulate.md) and for spreadsheets (CSV).

use std::collections::BTreeMap;

use bursar_runtime::ir::{Rank, Ration, Scheme};
use bursar_runtime::Money;
use serde::Serialize;

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

/// The budget effect of one scheme over one population.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub scheme: String,
    pub bundle_hash: String,
    pub overrides: Vec<String>,
    pub scenario: Option<String>,
    pub assumptions: Option<AssumptionsInfo>,
    pub population: PopulationInfo,
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
    category_order: Vec<String>,
    #[serde(skip)]
    pool_order: Vec<String>,
    #[serde(skip)]
    round_order: Vec<String>,
    /// `scheme`, then the payers in the scheme's order.
    #[serde(skip)]
    payer_order: Vec<String>,
    /// Whether the scheme has an application step. Without one eligibility
    /// is enough, and the text report leaves out the rows about applying.
    #[serde(skip)]
    applications: bool,
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
    fn rows(&self) -> Vec<(String, &'static str, String)> {
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
    fn describe(&self) -> String {
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
        file: &str,
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
                file: file.to_string(),
                rows: tally.rows + tally.skipped_rows,
            },
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
        })
    }

    fn money(&self, m: Money) -> String {
        money_text(&self.currency, m)
    }

    /// The report as aligned text for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("scheme      {}\n", self.scheme));
        out.push_str(&format!("bundle      {}\n", self.bundle_hash));
        if let Some(s) = &self.scenario {
            out.push_str(&format!("scenario    {s}\n"));
        }
        for o in &self.overrides {
            out.push_str(&format!("override    {o}\n"));
        }
        if let Some(a) = &self.assumptions {
            out.push_str(&format!("assumed     {}\n", a.describe()));
        }
        out.push_str(&format!(
            "population  {} ({} rows)\n\n",
            self.population.file, self.rows
        ));

        let mut summary = Table::new(&["", "persons", "money"]);
        summary.row(vec!["rows read".into(), count(self.rows), String::new()]);
        if self.skipped_rows > 0 {
            summary.row(vec![
                "rows skipped (bad data)".into(),
                count(self.skipped_rows),
                String::new(),
            ]);
        }
        if self.applications {
            summary.row(vec![
                "applied".into(),
                count(self.applicants),
                String::new(),
            ]);
        }
        summary.row(vec![
            "paid".into(),
            count(self.paid),
            self.money(self.total),
        ]);
        if self.applications {
            summary.row(vec![
                "eligible, did not apply".into(),
                count(self.eligible_not_applied),
                String::new(),
            ]);
            summary.row(vec![
                "eligible, applied late".into(),
                count(self.eligible_late),
                String::new(),
            ]);
        }
        if self.eligible_early > 0 {
            summary.row(vec![
                "eligible, applied too early".into(),
                count(self.eligible_early),
                String::new(),
            ]);
        }
        if let Some(n) = self.eligible_no_place {
            summary.row(vec!["eligible, no place".into(), count(n), String::new()]);
        }
        if self.nothing_due > 0 {
            summary.row(vec![
                "eligible, nothing due".into(),
                count(self.nothing_due),
                String::new(),
            ]);
        }
        summary.row(vec![
            "not eligible".into(),
            count(self.not_eligible.persons),
            String::new(),
        ]);
        if self.errors > 0 {
            summary.row(vec![
                "rules could not be evaluated".into(),
                count(self.errors),
                String::new(),
            ]);
        }
        out.push_str(&summary.render());

        out.push_str("\nby category\n");
        let mut cats = Table::new(&["category", "qualifying", "eligible", "paid", "money"]);
        for name in &self.category_order {
            if let Some(c) = self.by_category.get(name) {
                let label = c
                    .label
                    .as_ref()
                    .map(|l| format!(" {l}"))
                    .unwrap_or_default();
                cats.row(vec![
                    format!("{name}{label}"),
                    count(c.qualifying),
                    count(c.eligible),
                    count(c.paid),
                    self.money(c.total),
                ]);
            }
        }
        out.push_str(&cats.render());

        if !self.pool_order.is_empty() {
            out.push_str("\nby quota (places and money given after everyone is decided)\n");
            let mut t = Table::new(&[
                "quota",
                "places or money",
                "eligible",
                "allocated",
                "left out",
                "claims/place",
                "odds",
                "money",
                "expected",
            ])
            .text_column(6);
            for name in &self.pool_order {
                if let Some(p) = self.by_pool.get(name) {
                    let label = p
                        .label
                        .as_ref()
                        .map(|l| format!(" {l}"))
                        .unwrap_or_default();
                    t.row(vec![
                        format!("{name}{label}"),
                        match (p.places, p.budget) {
                            (Some(n), _) => count(n),
                            (None, Some(m)) => self.money(m),
                            (None, None) => "-".into(),
                        },
                        count(p.eligible),
                        count(p.allocated),
                        count(p.left_out),
                        p.oversubscription
                            .map_or_else(|| "-".into(), |r| format!("{r:.2}")),
                        p.odds
                            .map_or_else(|| "-".into(), |o| format!("{:.1}%", o * 100.0)),
                        self.money(p.total),
                        p.expected_total
                            .map_or_else(|| "-".into(), |m| self.money(m)),
                    ]);
                }
            }
            out.push_str(&t.render());
            for name in &self.pool_order {
                if let Some(p) = self.by_pool.get(name) {
                    let clause = p
                        .clause
                        .as_ref()
                        .map(|c| format!("§{c} "))
                        .unwrap_or_default();
                    out.push_str(&format!("  {clause}{name}: {}\n", p.order));
                }
            }
        }

        if let Some(p) = &self.instalments_pending {
            out.push_str(&format!(
                "\ninstalments not due yet (promised, not in the total): {} persons, {}\n",
                count(p.persons),
                self.money(p.total)
            ));
        }

        if !self.round_order.is_empty() {
            out.push_str("\nby round (each paid in its own window)\n");
            let mut t = Table::new(&["round", "qualifies", "paid in", "eligible", "paid", "money"])
                .text_column(1)
                .text_column(2);
            for name in &self.round_order {
                if let Some(r) = self.by_round.get(name) {
                    let label = r
                        .label
                        .as_ref()
                        .map(|l| format!(" {l}"))
                        .unwrap_or_default();
                    t.row(vec![
                        format!("{name}{label}"),
                        r.date.to_string(),
                        format!("{} ..= {}", r.paid_start, r.paid_end),
                        count(r.eligible),
                        count(r.paid),
                        self.money(r.total),
                    ]);
                }
            }
            out.push_str(&t.render());
        }

        if !self.payer_order.is_empty() {
            out.push_str("\nby payer (each payer's own budget)\n");
            let mut t = Table::new(&["payer", "paid", "money"]);
            for name in &self.payer_order {
                if let Some(p) = self.by_payer.get(name) {
                    let label = p
                        .label
                        .as_ref()
                        .map(|l| format!(" {l}"))
                        .unwrap_or_default();
                    t.row(vec![
                        format!("{name}{label}"),
                        count(p.paid),
                        self.money(p.total),
                    ]);
                }
            }
            out.push_str(&t.render());
            for name in &self.payer_order {
                if let Some((p, terms)) = self
                    .by_payer
                    .get(name)
                    .and_then(|p| p.terms.as_ref().map(|t| (p, t)))
                {
                    let clause = p
                        .clause
                        .as_ref()
                        .map(|c| format!("§{c} "))
                        .unwrap_or_default();
                    out.push_str(&format!("  {clause}{name}: {terms}\n"));
                }
            }
        }

        if !self.paid_by_amount.is_empty() {
            out.push_str("\npaid by amount\n");
            let mut t = Table::new(&["amount", "persons", "money"]);
            for a in &self.paid_by_amount {
                t.row(vec![
                    self.money(a.amount),
                    count(a.persons),
                    self.money(a.total),
                ]);
            }
            out.push_str(&t.render());
        }

        if !self.not_eligible.by_reason.is_empty() {
            out.push_str("\nnot eligible, by the condition that stopped them\n");
            let mut t = Table::new(&["persons", "category", "condition"])
                .text_column(1)
                .text_column(2);
            for r in &self.not_eligible.by_reason {
                let clause = r
                    .clause
                    .as_ref()
                    .map(|c| format!("§{c} "))
                    .unwrap_or_default();
                t.row(vec![
                    count(r.persons),
                    r.category.clone().unwrap_or_else(|| "(all)".into()),
                    format!("{clause}{}", r.condition),
                ]);
            }
            out.push_str(&t.render());
        }

        if !self.cash_flow.is_empty() {
            let fraction = self
                .assumptions
                .as_ref()
                .map_or(crate::assume::EXPECTED_FRACTION, |a| a.timeline_fraction);
            if self.round_order.is_empty() {
                out.push_str(&format!(
                    "\ncash flow by month: latest case (every step takes its full limit) and expected case (each step takes {:.0}% of its limit)\n",
                    fraction * 100.0
                ));
            } else {
                out.push_str("\ncash flow by month: each round in its payment window, latest case its last day, expected case its middle day\n");
            }
            let mut t = Table::new(&["month", "latest case", "expected case"]);
            let months: std::collections::BTreeSet<&String> = self
                .cash_flow
                .keys()
                .chain(self.cash_flow_expected.keys())
                .collect();
            for m in months {
                let latest = self.cash_flow.get(m).copied().unwrap_or(Money::ZERO);
                let expected = self
                    .cash_flow_expected
                    .get(m)
                    .copied()
                    .unwrap_or(Money::ZERO);
                t.row(vec![m.clone(), self.money(latest), self.money(expected)]);
            }
            out.push_str(&t.render());
        }
        if !self.error_rows.is_empty() {
            out.push_str("\nrows the rules could not be evaluated for (first 20)\n");
            for s in &self.error_rows {
                out.push_str(&format!("  {s}\n"));
            }
        }
        if !self.skipped.is_empty() {
            out.push_str("\nskipped rows (first 20)\n");
            for s in &self.skipped {
                out.push_str(&format!("  {s}\n"));
            }
        }
        out
    }

    /// The report as long-format CSV (`section,name,metric,value`), which
    /// spreadsheets pivot easily. Money is a plain decimal.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut row = |section: &str, name: &str, metric: &str, value: String| {
            let _ = w.write_record([section, name, metric, value.as_str()]);
        };
        row("section", "name", "metric", "value".into());
        row("source", "", "scheme", self.scheme.clone());
        row("source", "", "bundle_hash", self.bundle_hash.clone());
        row("source", "", "population", self.population.file.clone());
        if let Some(sc) = &self.scenario {
            row("source", "", "scenario", sc.clone());
        }
        for o in &self.overrides {
            row("source", "", "override", o.clone());
        }
        for (name, metric, value) in self.assumptions.iter().flat_map(AssumptionsInfo::rows) {
            row("assumptions", &name, metric, value);
        }
        for (metric, value) in [
            ("rows", self.rows),
            ("skipped_rows", self.skipped_rows),
            ("applicants", self.applicants),
            ("paid", self.paid),
            ("eligible_not_applied", self.eligible_not_applied),
            ("eligible_late", self.eligible_late),
            ("eligible_early", self.eligible_early),
            ("nothing_due", self.nothing_due),
            ("not_eligible", self.not_eligible.persons),
            ("errors", self.errors),
        ] {
            row("summary", "", metric, value.to_string());
        }
        if let Some(n) = self.eligible_no_place {
            row("summary", "", "eligible_no_place", n.to_string());
        }
        row("summary", "", "total", self.total.to_string());
        if let Some(p) = &self.instalments_pending {
            row("summary", "", "instalments_pending", p.persons.to_string());
            row(
                "summary",
                "",
                "instalments_pending_total",
                p.total.to_string(),
            );
        }
        for name in &self.category_order {
            if let Some(c) = self.by_category.get(name) {
                row("category", name, "qualifying", c.qualifying.to_string());
                row("category", name, "eligible", c.eligible.to_string());
                row("category", name, "paid", c.paid.to_string());
                row("category", name, "total", c.total.to_string());
            }
        }
        for name in &self.pool_order {
            if let Some(p) = self.by_pool.get(name) {
                if let Some(n) = p.places {
                    row("by_pool", name, "places", n.to_string());
                }
                if let Some(m) = p.budget {
                    row("by_pool", name, "budget", m.to_string());
                    row("by_pool", name, "pro_rata", p.pro_rata.to_string());
                }
                row("by_pool", name, "claimed", p.claimed.to_string());
                row("by_pool", name, "eligible", p.eligible.to_string());
                row("by_pool", name, "allocated", p.allocated.to_string());
                row("by_pool", name, "left_out", p.left_out.to_string());
                if let Some(r) = p.oversubscription {
                    row("by_pool", name, "oversubscription", r.to_string());
                }
                if let Some(o) = p.odds {
                    row("by_pool", name, "odds", o.to_string());
                }
                row("by_pool", name, "paid", p.paid.to_string());
                row("by_pool", name, "total", p.total.to_string());
                if let Some(e) = p.expected_total {
                    row("by_pool", name, "expected_total", e.to_string());
                }
            }
        }
        for name in &self.round_order {
            if let Some(r) = self.by_round.get(name) {
                row("by_round", name, "date", r.date.to_string());
                row("by_round", name, "amount", r.amount.to_string());
                row("by_round", name, "paid_start", r.paid_start.to_string());
                row("by_round", name, "paid_end", r.paid_end.to_string());
                row("by_round", name, "eligible", r.eligible.to_string());
                row("by_round", name, "paid", r.paid.to_string());
                row("by_round", name, "total", r.total.to_string());
            }
        }
        for name in &self.payer_order {
            if let Some(p) = self.by_payer.get(name) {
                row("by_payer", name, "paid", p.paid.to_string());
                row("by_payer", name, "total", p.total.to_string());
                // As the `cash_flow` section, the payer before the month.
                for (m, v) in &p.cash_flow {
                    row(
                        "payer_cash_flow",
                        &format!("{name} {m}"),
                        "latest",
                        v.to_string(),
                    );
                }
                for (m, v) in &p.cash_flow_expected {
                    let name = format!("{name} {m}");
                    row("payer_cash_flow", &name, "expected", v.to_string());
                }
            }
        }
        for a in &self.paid_by_amount {
            row(
                "paid_by_amount",
                &a.amount.to_string(),
                "persons",
                a.persons.to_string(),
            );
        }
        for r in &self.not_eligible.by_reason {
            let name = format!(
                "{}: {}",
                r.category.as_deref().unwrap_or("(all)"),
                r.condition
            );
            row("not_eligible", &name, "persons", r.persons.to_string());
        }
        for (m, v) in &self.cash_flow {
            row("cash_flow", m, "latest", v.to_string());
        }
        for (m, v) in &self.cash_flow_expected {
            row("cash_flow", m, "expected", v.to_string());
        }
        let bytes = w.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

/// Two schemes over one population, side by side.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub base: Report,
    pub reform: Report,
    pub delta: Delta,
    pub winners_and_losers: WinnersLosers,
    /// Category names in declaration order (base's, then the reform's new ones).
    #[serde(skip)]
    order: Vec<String>,
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
    fn payer_deltas(&self) -> impl Iterator<Item = (&String, &PayerDelta)> {
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
        Ok(Comparison {
            base,
            reform,
            delta,
            winners_and_losers,
            order: names,
        })
    }

    pub fn to_text(&self) -> String {
        let (b, r) = (&self.base, &self.reform);
        let money = |m: Money| money_text(&b.currency, m);
        let signed = |m: Money| {
            if m > Money::ZERO {
                format!("+{}", money(m))
            } else {
                money(m)
            }
        };
        let mut out = String::new();
        let describe = |rep: &Report| {
            let mut s = rep.scheme.clone();
            if let Some(sc) = &rep.scenario {
                s.push_str(&format!(" (scenario {sc})"));
            }
            for o in &rep.overrides {
                s.push_str(&format!(" [{o}]"));
            }
            s
        };
        for (side, rep) in [("base", b), ("reform", r)] {
            out.push_str(&format!(
                "{side:<12}{}  {}\n",
                describe(rep),
                rep.bundle_hash
            ));
            if let Some(a) = &rep.assumptions {
                out.push_str(&format!("            assumed {}\n", a.describe()));
            }
        }
        out.push_str(&format!(
            "population  {} ({} rows)\n\n",
            b.population.file, b.rows
        ));
        let mut t = Table::new(&["", "base", "reform", "change"]);
        t.row(vec![
            "persons paid".into(),
            count(b.paid),
            count(r.paid),
            signed_count(self.delta.paid),
        ]);
        t.row(vec![
            "money".into(),
            money(b.total),
            money(r.total),
            signed(self.delta.total),
        ]);
        for (name, d) in self
            .order
            .iter()
            .filter_map(|n| self.delta.by_category.get(n).map(|d| (n, d)))
        {
            let bt = b.by_category.get(name).map_or(Money::ZERO, |c| c.total);
            let rt = r.by_category.get(name).map_or(Money::ZERO, |c| c.total);
            t.row(vec![
                format!("  {name}"),
                money(bt),
                money(rt),
                signed(d.total),
            ]);
        }
        // Each payer's own budget: the scheme's share, then the payers'.
        for (name, d) in self.payer_deltas() {
            let total = |rep: &Report| rep.by_payer.get(name).map_or(Money::ZERO, |p| p.total);
            t.row(vec![
                format!("  paid by {name}"),
                money(total(b)),
                money(total(r)),
                signed(d.total),
            ]);
        }
        out.push_str(&t.render());
        let w = &self.winners_and_losers;
        out.push_str("\nwinners and losers\n");
        let mut t = Table::new(&["", "persons", "money"]);
        t.row(vec![
            "gain".into(),
            count(w.gainers.persons),
            signed(w.gainers.amount),
        ]);
        for (k, v) in &w.gains_by_category {
            t.row(vec![
                format!("  under {k}"),
                count(v.persons),
                signed(v.amount),
            ]);
        }
        // A loss is kept as the (non-negative) amount lost.
        let neg = |m: Money| {
            if m > Money::ZERO {
                format!("-{}", money(m))
            } else {
                money(m)
            }
        };
        t.row(vec![
            "lose".into(),
            count(w.losers.persons),
            neg(w.losers.amount),
        ]);
        for (k, v) in &w.losses_by_category {
            t.row(vec![format!("  from {k}"), count(v.persons), neg(v.amount)]);
        }
        t.row(vec![
            "paid the same".into(),
            count(w.unchanged_paid),
            String::new(),
        ]);
        out.push_str(&t.render());
        if !w.by_change.is_empty() {
            out.push_str("\npersons by change in payment\n");
            let mut t = Table::new(&["change", "persons"]);
            for c in &w.by_change {
                t.row(vec![signed(c.amount), count(c.persons)]);
            }
            out.push_str(&t.render());
        }
        out
    }

    /// One row per figure, with the base's, the reform's and the change in
    /// columns, for a spreadsheet. Winners and losers are changes only.
    pub fn to_csv(&self) -> String {
        let (b, r) = (&self.base, &self.reform);
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut row = |section: &str, name: &str, metric: &str, values: [String; 3]| {
            let [base, reform, change] = values;
            let _ = w.write_record([section, name, metric, &base, &reform, &change]);
        };
        let both = |x: String, y: String| [x, y, String::new()];
        let counts = |x: u64, y: u64| {
            [
                x.to_string(),
                y.to_string(),
                (y as i64 - x as i64).to_string(),
            ]
        };
        // The change as worked out (exactly) when the comparison was made.
        let amounts =
            |x: Money, y: Money, change: Money| [x.to_string(), y.to_string(), change.to_string()];
        let change = |v: String| [String::new(), String::new(), v];
        row(
            "section",
            "name",
            "metric",
            ["base".into(), "reform".into(), "change".into()],
        );
        row(
            "source",
            "",
            "scheme",
            both(b.scheme.clone(), r.scheme.clone()),
        );
        row(
            "source",
            "",
            "bundle_hash",
            both(b.bundle_hash.clone(), r.bundle_hash.clone()),
        );
        let scenario = |rep: &Report| rep.scenario.clone().unwrap_or_default();
        row("source", "", "scenario", both(scenario(b), scenario(r)));
        row(
            "source",
            "",
            "overrides",
            both(b.overrides.join("; "), r.overrides.join("; ")),
        );
        row(
            "source",
            "",
            "population",
            both(b.population.file.clone(), r.population.file.clone()),
        );
        // Assumptions side by side, empty where a side assumes nothing:
        // per-category rows first, by name, then the scheme-wide ones.
        let rows = |rep: &Report| {
            rep.assumptions
                .as_ref()
                .map(AssumptionsInfo::rows)
                .unwrap_or_default()
        };
        let (rb, rr) = (rows(b), rows(r));
        let mut keys: Vec<(&str, &str)> = Vec::new();
        for (name, metric, _) in rb.iter().chain(&rr) {
            if !keys.contains(&(name.as_str(), *metric)) {
                keys.push((name, metric));
            }
        }
        keys.sort_by_key(|(name, _)| (name.is_empty(), *name));
        let value = |rows: &[(String, &str, String)], name: &str, metric: &str| {
            rows.iter()
                .find(|(n, m, _)| n == name && *m == metric)
                .map_or_else(String::new, |(_, _, v)| v.clone())
        };
        for (name, metric) in keys {
            row(
                "assumptions",
                name,
                metric,
                both(value(&rb, name, metric), value(&rr, name, metric)),
            );
        }
        for (metric, x, y) in [
            ("rows", b.rows, r.rows),
            ("paid", b.paid, r.paid),
            (
                "eligible_not_applied",
                b.eligible_not_applied,
                r.eligible_not_applied,
            ),
            ("eligible_late", b.eligible_late, r.eligible_late),
            (
                "not_eligible",
                b.not_eligible.persons,
                r.not_eligible.persons,
            ),
        ] {
            row("summary", "", metric, counts(x, y));
        }
        row(
            "summary",
            "",
            "total",
            amounts(b.total, r.total, self.delta.total),
        );
        let none = CategoryReport {
            label: None,
            qualifying: 0,
            eligible: 0,
            paid: 0,
            total: Money::ZERO,
        };
        for (name, d) in self.payer_deltas() {
            let figures = |rep: &Report| {
                rep.by_payer
                    .get(name)
                    .map_or((0, Money::ZERO), |p| (p.paid, p.total))
            };
            let ((xp, xt), (yp, yt)) = (figures(b), figures(r));
            row("by_payer", name, "paid", counts(xp, yp));
            row("by_payer", name, "total", amounts(xt, yt, d.total));
        }
        for name in &self.order {
            let x = b.by_category.get(name).unwrap_or(&none);
            let y = r.by_category.get(name).unwrap_or(&none);
            row("category", name, "eligible", counts(x.eligible, y.eligible));
            row("category", name, "paid", counts(x.paid, y.paid));
            let change = self
                .delta
                .by_category
                .get(name)
                .map_or(Money::ZERO, |d| d.total);
            row("category", name, "total", amounts(x.total, y.total, change));
        }
        let wl = &self.winners_and_losers;
        // A loss is kept as the (non-negative) amount lost, and written
        // with a minus sign.
        let movement = |m: &MovementReport, sign: i64| {
            let amount = if sign < 0 && m.amount > Money::ZERO {
                format!("-{}", m.amount)
            } else {
                m.amount.to_string()
            };
            (m.persons.to_string(), amount)
        };
        let mut moved = |section: &str, name: &str, m: &MovementReport, sign: i64| {
            let (persons, amount) = movement(m, sign);
            row(section, name, "persons", change(persons));
            row(section, name, "amount", change(amount));
        };
        moved("winners_and_losers", "gain", &wl.gainers, 1);
        for (k, v) in &wl.gains_by_category {
            moved("gains_by_category", k, v, 1);
        }
        moved("winners_and_losers", "lose", &wl.losers, -1);
        for (k, v) in &wl.losses_by_category {
            moved("losses_by_category", k, v, -1);
        }
        row(
            "winners_and_losers",
            "paid the same",
            "persons",
            change(wl.unchanged_paid.to_string()),
        );
        for c in &wl.by_change {
            row(
                "by_change",
                &c.amount.to_string(),
                "persons",
                change(c.persons.to_string()),
            );
        }
        let bytes = w.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
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

fn signed_count(n: i64) -> String {
    let sign = match n.signum() {
        1 => "+",
        -1 => "-",
        _ => "±",
    };
    format!("{sign}{}", count(n.unsigned_abs()))
}

fn count(n: u64) -> String {
    bursar_runtime::money::group_thousands(&n.to_string())
}

/// A text table: the first column left-aligned, the others right-aligned,
/// widths measured in terminal columns (CJK characters are two wide).
struct Table {
    rows: Vec<Vec<String>>,
    /// Columns (after the first) holding text, left-aligned like the first.
    text_columns: Vec<usize>,
}

impl Table {
    fn new(header: &[&str]) -> Table {
        Table {
            rows: vec![header.iter().map(|h| h.to_string()).collect()],
            text_columns: Vec::new(),
        }
    }
    fn text_column(mut self, c: usize) -> Table {
        self.text_columns.push(c);
        self
    }
    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
    fn render(&self) -> String {
        let cols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..cols)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| display_width(s))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in &self.rows {
            let mut line = String::from("  ");
            for (c, cell) in row.iter().enumerate() {
                let w = widths.get(c).copied().unwrap_or(0);
                let pad = " ".repeat(w.saturating_sub(display_width(cell)));
                if c == 0 {
                    line.push_str(cell);
                    line.push_str(&pad);
                } else if self.text_columns.contains(&c) {
                    line.push_str("  ");
                    line.push_str(cell);
                    line.push_str(&pad);
                } else {
                    line.push_str("  ");
                    line.push_str(&pad);
                    line.push_str(cell);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Terminal columns: East Asian wide characters take two.
fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}
