//! `--draws N`: ranges instead of one draw.
//!
//! The behavioural assumptions (who applies, who is late, on which day) are
//! drawn `N` times; the rules are not evaluated again. Each row is decided
//! once, as in any run; then for each draw `k` its application day is drawn
//! as the run seeded `seed + k` would draw it ([`Assumptions::draw`]), and
//! the day is placed in the application window the evaluator reported and
//! given its payment day by the runtime's timeline (`schedule`), so draw
//! `k` adds up to exactly what `--seed seed+k` reports. Rows nothing is
//! drawn for (not eligible, or a category without a take-up share) count
//! once, the same in every draw.
//!
//! Per draw only sums are kept (total, per category, per month), so the
//! draws of parts of the population merge in any order: the ranges are the
//! same for any number of threads. Where the expectation is exact (take-up
//! × (1 − late) × amount, when every day drawn on time is in the
//! application window) it is computed in integers and shown beside them.

use std::collections::BTreeMap;

use bursar_runtime::ir::{FieldId, Scheme};
use bursar_runtime::{Applicant, Decision, Money, Outcome};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::assume::{expected_from, Assumptions, Drawn};
use crate::sum::{Overflow, Sum};
use crate::tally::Month;

/// Shares are counted in millionths for the exact expectation.
const PPM: i128 = 1_000_000;

/// Why a scheme's draws cannot be redrawn from one decision per row, if
/// so: something paid depends on more than whether and when the person
/// applied in time.
pub fn refusal(scheme: &Scheme) -> Option<String> {
    if !scheme.quotas.is_empty() {
        return Some("a scheme with quotas (who gets a place depends on everyone's draw)".into());
    }
    if !scheme.rounds.is_empty() {
        return Some("a scheme with rounds".into());
    }
    if scheme.categories.iter().any(|c| !c.instalments.is_empty()) {
        return Some("a scheme with instalments".into());
    }
    let received = scheme.application.as_ref().and_then(|a| a.received)?;
    let mut reads = false;
    let mut mark = |f: FieldId| reads |= f == received;
    let mut exprs: Vec<&bursar_runtime::ir::Expr> = Vec::new();
    exprs.extend(scheme.requirements.iter().map(|c| &c.expr));
    for cat in &scheme.categories {
        exprs.extend(cat.conditions.iter().map(|c| &c.expr));
        exprs.push(&cat.pay);
    }
    for p in &scheme.payers {
        exprs.extend(p.conditions.iter().map(|c| &c.expr));
    }
    for e in exprs {
        e.visit_fields(&mut mark);
    }
    scheme.award.fields().for_each(&mut mark);
    reads.then(|| "a scheme whose rules read the application date".into())
}

/// What drawing a run's rows needs, worked out once.
#[derive(Debug)]
pub struct DrawPlan<'a> {
    assumptions: &'a Assumptions,
    count: u32,
    /// The share of each step's limit the expected case takes.
    fraction: f64,
}

impl<'a> DrawPlan<'a> {
    pub fn new(assumptions: &'a Assumptions, count: u32) -> DrawPlan<'a> {
        DrawPlan {
            assumptions,
            count,
            fraction: assumptions.timeline_fraction,
        }
    }

    /// Empty tallies for every draw of a scheme.
    pub fn tallies(&self, scheme: &Scheme) -> DrawTallies {
        DrawTallies::new(self.count, scheme.categories.len())
    }

    /// Adds one decided row to every draw. `decision` is the row's
    /// decision in this run; `key` the row's key for the draws.
    pub fn add(
        &self,
        scheme: &Scheme,
        applicant: &Applicant,
        key: u64,
        decision: &Decision,
        ends: &mut Vec<NaiveDate>,
        out: &mut DrawTallies,
    ) {
        if matches!(decision.outcome, Outcome::NotEligible | Outcome::Error) {
            return;
        }
        let seed = self.assumptions.seed;
        if self
            .assumptions
            .draw(scheme, applicant, key, decision, seed)
            .is_none()
        {
            // Nothing drawn: the row pays what it pays, in every draw.
            if decision.outcome == Outcome::Paid {
                let expected =
                    crate::assume::expected_payment(scheme, decision, self.fraction, ends);
                let latest = crate::tally::latest_day(decision);
                out.fixed.add(decision, latest, expected);
            }
            return;
        }
        let opens = scheme
            .application
            .as_ref()
            .and_then(|a| a.opens.as_ref())
            .and_then(|e| bursar_runtime::evaluate_value(scheme, applicant, e))
            .and_then(|v| v.day());
        let mut deadline = None;
        for (k, draw) in out.draws.iter_mut().enumerate() {
            let seed = seed.wrapping_add(k as u64);
            let Some(Drawn {
                day, deadline: d, ..
            }) = self
                .assumptions
                .draw(scheme, applicant, key, decision, seed)
            else {
                continue;
            };
            deadline = d;
            // Where the day falls in the window, as the evaluator places it.
            let Some(day) = day else { continue };
            if opens.is_some_and(|o| day < o) || d.is_some_and(|d| day > d) {
                continue;
            }
            match bursar_runtime::schedule(scheme, day) {
                Ok(schedule) => {
                    let latest = schedule.last().copied().or(Some(day));
                    let expected = expected_from(scheme, day, self.fraction, ends);
                    draw.add(decision, latest, expected);
                }
                Err(_) => out.errors += 1,
            }
        }
        self.expect(scheme, decision, opens, deadline, out);
    }

    /// Adds a drawn row's exact expectation, or makes it inexact: exact
    /// when every day drawn on time is in the application window.
    fn expect(
        &self,
        scheme: &Scheme,
        decision: &Decision,
        opens: Option<NaiveDate>,
        deadline: Option<NaiveDate>,
        out: &mut DrawTallies,
    ) {
        let first = crate::assume::draw_opens(scheme, deadline);
        let in_window = match (first, deadline) {
            (Some(first), Some(deadline)) => first <= deadline && opens.is_none_or(|o| o <= first),
            _ => false,
        };
        let category = decision
            .awards
            .first()
            .and_then(|a| scheme.categories.get(a.category as usize));
        let shares = category.and_then(|c| {
            let take_up = *self.assumptions.take_up.get(&c.name)?;
            let late = self
                .assumptions
                .late
                .get(&c.name)
                .copied()
                .unwrap_or(self.assumptions.late_share);
            Some((ppm(take_up), ppm(late)))
        });
        let Some((take_up, late)) = shares.filter(|_| in_window) else {
            out.exact = None;
            return;
        };
        // In fen × 10^12.
        let weight = take_up * (PPM - late);
        let Some(exact) = out.exact.as_mut() else {
            return;
        };
        let add = |slot: &mut Option<i128>, amount: Money| {
            *slot =
                slot.and_then(|s| s.checked_add(i128::from(amount.minor()).checked_mul(weight)?));
        };
        add(&mut exact.total, decision.total);
        for a in &decision.awards {
            if let Some(slot) = exact.categories.get_mut(a.category as usize) {
                add(slot, a.payout.amount);
            }
        }
    }
}

/// A share in millionths, rounded.
fn ppm(share: f64) -> i128 {
    (share * PPM as f64).round() as i128
}

/// One draw's money: in total, per category, per month.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DrawTally {
    pub total: Sum,
    pub categories: Vec<Sum>,
    pub latest: BTreeMap<Month, Sum>,
    pub expected: BTreeMap<Month, Sum>,
}

impl DrawTally {
    fn new(categories: usize) -> DrawTally {
        DrawTally {
            categories: vec![Sum::ZERO; categories],
            ..DrawTally::default()
        }
    }

    /// A payment of the decision's awards, due by `latest`, expected on
    /// `expected`.
    fn add(&mut self, d: &Decision, latest: Option<NaiveDate>, expected: Option<NaiveDate>) {
        let paid = d.total;
        self.total.add(paid);
        for a in &d.awards {
            if let Some(c) = self.categories.get_mut(a.category as usize) {
                c.add(a.payout.amount);
            }
        }
        if let Some(day) = latest {
            self.latest
                .entry((day.year(), day.month()))
                .or_default()
                .add(paid);
        }
        if let Some(day) = expected {
            self.expected
                .entry((day.year(), day.month()))
                .or_default()
                .add(paid);
        }
    }

    fn merge(&mut self, other: &DrawTally) {
        self.total.merge(other.total);
        for (c, o) in self.categories.iter_mut().zip(&other.categories) {
            c.merge(*o);
        }
        for (m, s) in &other.latest {
            self.latest.entry(*m).or_default().merge(*s);
        }
        for (m, s) in &other.expected {
            self.expected.entry(*m).or_default().merge(*s);
        }
    }
}

/// The exact expectation's numerators, in fen × 10^12 (none once a row
/// makes it inexact, or it overflows).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exact {
    pub total: Option<i128>,
    pub categories: Vec<Option<i128>>,
}

/// Every draw's tally over a part of the population. Merges like a tally.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DrawTallies {
    /// What is the same in every draw.
    pub fixed: DrawTally,
    pub draws: Vec<DrawTally>,
    pub exact: Option<Exact>,
    /// Draws in which a payment day could not be worked out.
    pub errors: u64,
}

impl DrawTallies {
    pub fn new(count: u32, categories: usize) -> DrawTallies {
        DrawTallies {
            fixed: DrawTally::new(categories),
            draws: (0..count).map(|_| DrawTally::new(categories)).collect(),
            exact: Some(Exact {
                total: Some(0),
                categories: vec![Some(0); categories],
            }),
            errors: 0,
        }
    }

    pub fn merge(&mut self, other: DrawTallies) {
        self.fixed.merge(&other.fixed);
        for (d, o) in self.draws.iter_mut().zip(&other.draws) {
            d.merge(o);
        }
        self.exact = match (self.exact.take(), other.exact) {
            (Some(a), Some(b)) => {
                let add = |x: Option<i128>, y: Option<i128>| x?.checked_add(y?);
                Some(Exact {
                    total: add(a.total, b.total),
                    categories: a
                        .categories
                        .iter()
                        .zip(&b.categories)
                        .map(|(x, y)| add(*x, *y))
                        .collect(),
                })
            }
            _ => None,
        };
        self.errors += other.errors;
    }
}

/// Mean and percentiles of a figure over the draws, in money. Percentiles
/// are nearest-rank: `pN` is the value at rank ⌈N/100 × draws⌉ (counting
/// from 1) of the draws sorted; the mean is rounded half to even to the fen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Range {
    pub mean: Money,
    pub p5: Money,
    pub p50: Money,
    pub p95: Money,
}

impl Range {
    /// The range of `values` (one per draw), or an error naming `what`.
    pub fn of(mut values: Vec<Sum>, what: &str) -> Result<Range, Overflow> {
        values.sort();
        let n = values.len() as u64;
        let mut total = Sum::ZERO;
        for v in &values {
            total.merge(*v);
        }
        let at = |p: u64| -> Result<Money, Overflow> {
            let rank = (p * n).div_ceil(100).max(1);
            values
                .get((rank - 1) as usize)
                .copied()
                .unwrap_or(Sum::ZERO)
                .figure(|| format!("{what} p{p}"))
        };
        Ok(Range {
            mean: total
                .share(1, n.max(1))
                .unwrap_or(Sum::ZERO)
                .figure(|| format!("{what} mean"))?,
            p5: at(5)?,
            p50: at(50)?,
            p95: at(95)?,
        })
    }
}

/// The ranges of a run's draws: report data, carried by the report
/// (`Report::ranges`) and laid out by each renderer beside its figures.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranges {
    pub draws: u32,
    /// Draw `k` is the run seeded `seed + k`.
    pub seed: u64,
    pub total: Range,
    /// The exact expectation of the total, where there is one.
    pub total_exact: Option<Money>,
    /// Per category, in the scheme's order: its name, range and exact
    /// expectation.
    pub categories: Vec<(String, Range, Option<Money>)>,
    /// Per month (`YYYY-MM`), by the latest day payment can happen.
    pub cash_flow: BTreeMap<String, Range>,
    /// Per month, in the expected case.
    pub cash_flow_expected: BTreeMap<String, Range>,
    /// Draws in which a payment day could not be worked out.
    pub errors: u64,
}

impl Ranges {
    pub fn new(scheme: &Scheme, t: &DrawTallies, seed: u64) -> Result<Ranges, Overflow> {
        let with_fixed = |d: &DrawTally| {
            let mut all = t.fixed.clone();
            all.merge(d);
            all
        };
        let draws: Vec<DrawTally> = t.draws.iter().map(with_fixed).collect();
        let exact = |numerator: Option<i128>, what: &str| -> Result<Option<Money>, Overflow> {
            let Some(n) = numerator else {
                return Ok(None);
            };
            let fixed = match what {
                "total" => t.fixed.total,
                _ => scheme
                    .categories
                    .iter()
                    .position(|c| c.name == what)
                    .and_then(|i| t.fixed.categories.get(i))
                    .copied()
                    .unwrap_or(Sum::ZERO),
            };
            let mut sum = fixed;
            sum.merge(half_even(n, PPM * PPM));
            sum.figure(|| format!("the exact expectation of {what}"))
                .map(Some)
        };
        let months = |pick: fn(&DrawTally) -> &BTreeMap<Month, Sum>, what: &str| {
            let mut keys: Vec<Month> = draws.iter().flat_map(|d| pick(d).keys().copied()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .map(|m| {
                    let name = format!("{:04}-{:02}", m.0, m.1);
                    let values = draws
                        .iter()
                        .map(|d| pick(d).get(&m).copied().unwrap_or(Sum::ZERO))
                        .collect();
                    Ok((name.clone(), Range::of(values, &format!("{what} {name}"))?))
                })
                .collect::<Result<BTreeMap<_, _>, Overflow>>()
        };
        let ex = t.exact.as_ref();
        Ok(Ranges {
            draws: u32::try_from(draws.len()).unwrap_or(u32::MAX),
            seed,
            total: Range::of(draws.iter().map(|d| d.total).collect(), "the total")?,
            total_exact: exact(ex.and_then(|e| e.total), "total")?,
            categories: scheme
                .categories
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let values = draws
                        .iter()
                        .map(|d| d.categories.get(i).copied().unwrap_or(Sum::ZERO))
                        .collect();
                    let numerator = ex.and_then(|e| e.categories.get(i).copied().flatten());
                    Ok((
                        c.name.clone(),
                        Range::of(values, &c.name)?,
                        exact(numerator, &c.name)?,
                    ))
                })
                .collect::<Result<_, Overflow>>()?,
            cash_flow: months(|d| &d.latest, "the cash flow")?,
            cash_flow_expected: months(|d| &d.expected, "the expected cash flow")?,
            errors: t.errors,
        })
    }
}

/// `n / d` rounded half to even, as a sum of fen (`d` > 0).
fn half_even(n: i128, d: i128) -> Sum {
    let (q, r) = (n.div_euclid(d), n.rem_euclid(d));
    let up = r * 2 > d || (r * 2 == d && q % 2 != 0);
    let q = if up { q + 1 } else { q };
    let mut sum = Sum::ZERO;
    // Money holds i64 fen; a larger expectation is added in pieces.
    let mut left = q;
    while left != 0 {
        let piece = left.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
        sum.add(Money(piece as i64));
        left -= piece;
    }
    sum
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Nearest rank: p5 of 20 draws is the 1st, p50 the 10th, p95 the 19th.
    #[test]
    fn percentiles_are_by_nearest_rank() {
        let values: Vec<Sum> = (1..=20).rev().map(|n| Sum::from(Money(n * 100))).collect();
        let r = Range::of(values, "x").unwrap();
        assert_eq!((r.p5, r.p50, r.p95), (Money(100), Money(1000), Money(1900)));
        assert_eq!(r.mean, Money(1050));
        let one = Range::of(vec![Sum::from(Money(7))], "x").unwrap();
        assert_eq!((one.mean, one.p5, one.p95), (Money(7), Money(7), Money(7)));
        // Half to even: 5 / 2 fen is 2, 7 / 2 is 4.
        let r = Range::of(vec![Sum::from(Money(2)), Sum::from(Money(3))], "x").unwrap();
        assert_eq!(r.mean, Money(2));
        assert_eq!(half_even(7, 2), Sum::from(Money(4)));
    }
}
