//! Fitting a budget (`bursar solve`): the largest amounts, or numbers of
//! places, whose total stays within a budget.
//!
//! The parameters are `--set` paths ([`crate::overrides`]); a candidate is
//! written into the scheme through the same overrides, so what `solve`
//! varies is exactly what `--set` changes. The search is over one whole
//! number `k`, the first parameter's value in steps; the others follow it,
//! in proportion (`--keep-ratios`) or by the same amount. Candidates are
//! evaluated in batches, one pass over the population for a whole batch,
//! and the answer is the `k` whose total is within the budget while `k + 1`
//! is over it: checked by the caller in one more pass.

use std::collections::BTreeMap;

use bursar_runtime::ir::{Expr, Ration, RowAmount, Scheme, Type, Value};
use bursar_runtime::Money;

use crate::overrides::{self, OverrideError};

/// What a parameter counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An amount, in fen.
    Money,
    /// A quota's number of places.
    Places,
}

/// One parameter the search varies, with its value in the scheme as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub path: String,
    pub kind: Kind,
    /// Fen for an amount, a count for places.
    pub base: i64,
}

impl Param {
    /// `2500.00` or `300`: a value as `--set` reads it.
    pub fn text(&self, value: i64) -> String {
        match self.kind {
            Kind::Money => Money(value).to_string(),
            Kind::Places => value.to_string(),
        }
    }
}

/// Why a budget cannot be fitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SolveError {
    /// The path names nothing `--set` changes.
    Override(OverrideError),
    /// The path names something that is not an amount or a number of places.
    NotAnAmount { path: String, what: String },
    /// Places and amounts varied together.
    MixedKinds,
    /// The same path twice.
    Repeated { path: String },
    /// In proportion to a first parameter of zero.
    ZeroAnchor { path: String },
    /// Even the smallest values cost more than the budget.
    OverAtLowest { values: String, total: Money },
    /// The total never reaches the budget (nobody is paid by the parameter,
    /// or it is capped elsewhere).
    NeverReached { values: String, total: Money },
    /// A value left the range the search works in.
    OutOfRange,
}

impl std::fmt::Display for SolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SolveError::Override(e) => write!(f, "{e}"),
            SolveError::NotAnAmount { path, what } => write!(
                f,
                "`{path}` is {what}; `--vary` takes amounts (a table row, a named amount, a category's one amount, a payer's cap, a round's amount, a quota's budget) or a quota's places"
            ),
            SolveError::MixedKinds => f.write_str(
                "`--vary` mixes places and amounts; solve for one kind at a time",
            ),
            SolveError::Repeated { path } => write!(f, "`{path}` is named twice in `--vary`"),
            SolveError::ZeroAnchor { path } => write!(
                f,
                "`{path}` is 0, so the others have no ratio to it; name a non-zero parameter first"
            ),
            SolveError::OverAtLowest { values, total } => write!(
                f,
                "even at {values} the total is {total}, over the budget"
            ),
            SolveError::NeverReached { values, total } => write!(
                f,
                "the total does not reach the budget: at {values} it is still {total}"
            ),
            SolveError::OutOfRange => f.write_str("the values left the range an amount can have"),
        }
    }
}

impl std::error::Error for SolveError {}

/// The value `path` has in `scheme`, if it is an amount or places.
pub fn param(scheme: &Scheme, path: &str) -> Result<Param, SolveError> {
    // Whether `--set` knows the path at all, with its own message if not:
    // the value is written back unchanged below.
    let not = |what: &str| SolveError::NotAnAmount {
        path: path.to_string(),
        what: what.to_string(),
    };
    let parts: Vec<&str> = path.split('.').collect();
    let found = match parts.as_slice() {
        ["quota", name, what] => {
            let q = scheme.quotas.iter().find(|q| q.name == *name);
            match (q.map(|q| &q.ration), *what) {
                (Some(Ration::Places(n)), "places") => Some((
                    Kind::Places,
                    i64::try_from(*n).map_err(|_| SolveError::OutOfRange)?,
                )),
                (Some(Ration::Budget(m) | Ration::ProRata(m)), "budget") => {
                    Some((Kind::Money, m.minor()))
                }
                _ => None,
            }
        }
        ["payer", name, "cap"] => match scheme.payers.iter().find(|p| p.name == *name) {
            Some(p) => match p.cap {
                Some(m) => Some((Kind::Money, m.minor())),
                None => return Err(not("no cap (a payer without one)")),
            },
            None => None,
        },
        ["round", name, "amount"] => scheme
            .rounds
            .iter()
            .find(|r| r.name == *name)
            .map(|r| (Kind::Money, r.amount.minor())),
        [name, "pay"] => match scheme.categories.iter().find(|c| c.name == *name) {
            Some(c) => match c.pay {
                Expr::Lit(Value::Money(m)) => Some((Kind::Money, m.minor())),
                _ => return Err(not("a formula, not one written amount")),
            },
            None => None,
        },
        [table, row] if scheme.tables.iter().any(|t| t.name == *table) => scheme
            .tables
            .iter()
            .find(|t| t.name == *table)
            .and_then(|t| t.rows.iter().find(|r| r.name == *row))
            .map(|r| match &r.amount {
                RowAmount::Money(m) => Ok((Kind::Money, m.minor())),
                RowAmount::Value(_) => Err(not("a row of rates or counts")),
                RowAmount::SameAs(_) => {
                    Err(not("a row written as the same as another; vary that one"))
                }
            })
            .transpose()?,
        [name] => match scheme.lets.iter().find(|l| l.name == *name) {
            Some(l) => match (&l.expr, l.ty) {
                (Expr::Lit(Value::Money(m)), Type::Money) => Some((Kind::Money, m.minor())),
                (Expr::Lit(_), _) => return Err(not("not an amount")),
                _ => return Err(not("a formula")),
            },
            None => None,
        },
        _ => None,
    };
    match found {
        Some((kind, base)) => Ok(Param {
            path: path.to_string(),
            kind,
            base,
        }),
        // Let `--set` say what is wrong with the path, in its words.
        None => {
            let mut probe = scheme.clone();
            match overrides::apply(&mut probe, path, "0") {
                Err(e @ (OverrideError::UnknownPath { .. } | OverrideError::Syntax { .. })) => {
                    Err(SolveError::Override(e))
                }
                Err(OverrideError::BadValue { .. } | OverrideError::NotChangeable { .. })
                | Ok(()) => Err(not("not an amount")),
            }
        }
    }
}

/// How the parameters move together.
#[derive(Clone, Debug)]
pub struct Plan {
    pub params: Vec<Param>,
    /// In proportion to the first (`--keep-ratios`), or by the same amount.
    pub keep_ratios: bool,
    /// The step of an amount, in fen (places move by 1).
    pub step: i64,
}

/// The largest values found, and the check around them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fit {
    pub k: i64,
    pub values: Vec<i64>,
    pub total: Money,
    /// The values one step further, and their total (over the budget).
    pub next_values: Vec<i64>,
    pub next_total: Money,
    /// Passes over the population the search took.
    pub passes: u32,
}

/// One candidate's outcome: its total, or `None` where the total does not
/// fit in an amount (over any budget).
pub type Probe = Option<Money>;

/// The most values of `k` evaluated in one pass.
pub const BATCH: usize = 8;

/// The largest `k` anything is tried at: amounts of 10^13 yuan.
const MAX_VALUE: i64 = 1_000_000_000_000_000;

impl Plan {
    pub fn new(params: Vec<Param>, keep_ratios: bool, step: i64) -> Result<Plan, SolveError> {
        for (i, p) in params.iter().enumerate() {
            if params.iter().take(i).any(|q| q.path == p.path) {
                return Err(SolveError::Repeated {
                    path: p.path.clone(),
                });
            }
        }
        if params
            .iter()
            .skip(1)
            .zip(&params)
            .any(|(a, b)| a.kind != b.kind)
        {
            return Err(SolveError::MixedKinds);
        }
        if let (true, Some(first), true) = (keep_ratios, params.first(), params.len() > 1) {
            if first.base == 0 {
                return Err(SolveError::ZeroAnchor {
                    path: first.path.clone(),
                });
            }
        }
        Ok(Plan {
            params,
            keep_ratios,
            step: step.max(1),
        })
    }

    fn step_of(&self, p: &Param) -> i64 {
        match p.kind {
            Kind::Money => self.step,
            Kind::Places => 1,
        }
    }

    /// Every parameter's value when the first is `k` steps.
    pub fn values(&self, k: i64) -> Option<Vec<i64>> {
        let first = self.params.first()?;
        let anchor = k.checked_mul(self.step_of(first))?;
        self.params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if i == 0 {
                    return Some(anchor);
                }
                let step = i128::from(self.step_of(p));
                let v = if self.keep_ratios {
                    // Rounded down to the step: the ratio is kept as
                    // closely as whole steps allow, never above it.
                    let exact = i128::from(p.base).checked_mul(i128::from(anchor))?
                        / i128::from(first.base);
                    exact.div_euclid(step) * step
                } else {
                    i128::from(p.base) + i128::from(anchor) - i128::from(first.base)
                };
                i64::try_from(v).ok()
            })
            .collect()
    }

    /// The smallest `k` at which no value is below zero.
    pub fn lowest(&self) -> i64 {
        let Some(first) = self.params.first() else {
            return 0;
        };
        if self.keep_ratios {
            return 0;
        }
        let step = self.step_of(first);
        // value_j = base_j + k·step − base_first ≥ 0 for every j.
        self.params
            .iter()
            .map(|p| {
                let need = first.base.saturating_sub(p.base);
                if need <= 0 {
                    0
                } else {
                    need.saturating_add(step - 1) / step
                }
            })
            .max()
            .unwrap_or(0)
    }

    /// `standard.level1 = 2,500.00, standard.level2 = 1,250.00`.
    pub fn describe(&self, values: &[i64]) -> String {
        self.params
            .iter()
            .zip(values)
            .map(|(p, v)| format!("{} = {}", p.path, p.text(*v)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The scheme with the values of `k` written in through `--set`.
    pub fn apply(&self, scheme: &Scheme, k: i64) -> Result<Scheme, SolveError> {
        let values = self.values(k).ok_or(SolveError::OutOfRange)?;
        let mut s = scheme.clone();
        for (p, v) in self.params.iter().zip(&values) {
            overrides::apply(&mut s, &p.path, &p.text(*v)).map_err(SolveError::Override)?;
        }
        Ok(s)
    }

    /// Searches for the largest `k` within `budget`. `eval` gives the
    /// totals of up to [`BATCH`] values of `k` from one pass.
    pub fn search<E>(
        &self,
        budget: Money,
        mut eval: impl FnMut(&[i64]) -> Result<Vec<Probe>, E>,
    ) -> Result<Result<Fit, SolveError>, E> {
        let mut probes = Probes {
            seen: BTreeMap::new(),
            passes: 0,
        };
        let within = |p: Option<&Probe>| matches!(p, Some(Some(t)) if *t <= budget);
        let lo0 = self.lowest();
        let first_base = self.params.first().map_or(0, |p| p.base);
        let start = (first_base / self.step_of_first()).max(lo0 + 1);
        // Upwards from the scheme's own value, doubling the distance.
        let mut gap = (start - lo0).max(1);
        let mut ks = vec![lo0];
        let mut k = start;
        while ks.len() < BATCH {
            ks.push(k);
            k = match k.checked_add(gap) {
                Some(k) => k,
                None => break,
            };
            gap = gap.saturating_mul(2);
        }
        let ks: Vec<i64> = ks.into_iter().filter(|k| self.in_range(*k)).collect();
        probes.run(&ks, &mut eval)?;
        let seen = |probes: &Probes, k: i64| probes.seen.get(&k).copied();
        if !within(seen(&probes, lo0).as_ref()) {
            let values = self.values(lo0).unwrap_or_default();
            return Ok(Err(SolveError::OverAtLowest {
                values: self.describe(&values),
                total: seen(&probes, lo0).flatten().unwrap_or(Money::ZERO),
            }));
        }
        // The largest k known within, and the smallest known over.
        loop {
            let over = probes
                .seen
                .iter()
                .find(|(_, p)| !within(Some(p)))
                .map(|(k, _)| *k);
            let lo = probes
                .seen
                .iter()
                .filter(|(k, p)| within(Some(p)) && over.is_none_or(|o| **k < o))
                .map(|(k, _)| *k)
                .max()
                .unwrap_or(lo0);
            match over {
                Some(hi) if hi == lo + 1 => {
                    let values = self.values(lo).ok_or(SolveError::OutOfRange);
                    let next = self.values(hi).ok_or(SolveError::OutOfRange);
                    return Ok(match (values, next) {
                        (Ok(values), Ok(next_values)) => Ok(Fit {
                            k: lo,
                            values,
                            total: seen(&probes, lo).flatten().unwrap_or(Money::ZERO),
                            next_values,
                            next_total: seen(&probes, hi).flatten().unwrap_or(Money::ZERO),
                            passes: probes.passes,
                        }),
                        (Err(e), _) | (_, Err(e)) => Err(e),
                    });
                }
                Some(hi) => {
                    // BATCH points spread evenly inside (lo, hi).
                    let width = hi - lo;
                    let n = (BATCH as i64).min(width - 1);
                    let ks: Vec<i64> = (1..=n).map(|i| lo + width * i / (n + 1)).collect();
                    probes.run(&ks, &mut eval)?;
                }
                None => {
                    // Still within: further up, doubling.
                    let mut ks = Vec::new();
                    let mut step = (lo - lo0).max(1);
                    let mut k = lo;
                    while ks.len() < BATCH {
                        k = match k.checked_add(step) {
                            Some(k) if self.in_range(k) => k,
                            _ => break,
                        };
                        ks.push(k);
                        step = step.saturating_mul(2);
                    }
                    if ks.is_empty() {
                        let values = self.values(lo).unwrap_or_default();
                        return Ok(Err(SolveError::NeverReached {
                            values: self.describe(&values),
                            total: seen(&probes, lo).flatten().unwrap_or(Money::ZERO),
                        }));
                    }
                    probes.run(&ks, &mut eval)?;
                }
            }
        }
    }

    fn step_of_first(&self) -> i64 {
        self.params.first().map_or(1, |p| self.step_of(p))
    }

    /// Whether every value at `k` is within the range searched.
    fn in_range(&self, k: i64) -> bool {
        self.values(k)
            .is_some_and(|v| v.iter().all(|x| (0..=MAX_VALUE).contains(x)))
    }
}

/// The totals found so far, by `k`.
struct Probes {
    seen: BTreeMap<i64, Probe>,
    passes: u32,
}

impl Probes {
    /// Evaluates the values of `ks` not seen yet, in one pass.
    fn run<E>(
        &mut self,
        ks: &[i64],
        eval: &mut impl FnMut(&[i64]) -> Result<Vec<Probe>, E>,
    ) -> Result<(), E> {
        let todo: Vec<i64> = ks
            .iter()
            .copied()
            .filter(|k| !self.seen.contains_key(k))
            .collect();
        if todo.is_empty() {
            return Ok(());
        }
        self.passes += 1;
        for (k, p) in todo.iter().zip(eval(&todo)?) {
            self.seen.insert(*k, p);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn plan(bases: &[i64], keep: bool) -> Plan {
        let params = bases
            .iter()
            .enumerate()
            .map(|(i, b)| Param {
                path: format!("t.r{i}"),
                kind: Kind::Money,
                base: *b,
            })
            .collect();
        Plan::new(params, keep, 100).unwrap()
    }

    /// A population where `n` people are paid the first value, `m` the
    /// second: the total is linear in `k`.
    fn linear(p: &Plan, ks: &[i64], people: &[i64]) -> Vec<Probe> {
        ks.iter()
            .map(|k| {
                let v = p.values(*k)?;
                let t = v.iter().zip(people).map(|(a, n)| a * n).sum::<i64>();
                Some(Money(t))
            })
            .collect()
    }

    #[test]
    fn finds_the_largest_whole_yuan_within_the_budget() {
        let p = plan(&[200_000], false);
        // 37 people: 1,000,000 元 buys 27,027 元 each (999,999 元).
        let budget = Money::from_yuan(1_000_000).unwrap();
        let fit = p
            .search(budget, |ks| Ok::<_, ()>(linear(&p, ks, &[37])))
            .unwrap()
            .unwrap();
        assert_eq!(fit.values, vec![2_702_700]);
        assert!(fit.total <= budget);
        assert!(fit.next_total > budget);
        assert_eq!(fit.next_values, vec![2_702_800]);
    }

    #[test]
    fn keeps_ratios_rounded_down_to_the_step() {
        let p = plan(&[200_000, 100_000], true);
        let budget = Money::from_yuan(9_000).unwrap();
        let fit = p
            .search(budget, |ks| Ok::<_, ()>(linear(&p, ks, &[2, 3])))
            .unwrap()
            .unwrap();
        // 2a + 3(a/2) <= 9000 → a = 2571, b = 1285 (2571/2 rounded down).
        assert_eq!(fit.values, vec![257_100, 128_500]);
        assert!(fit.next_total > budget);
    }

    #[test]
    fn moves_together_by_the_same_amount_without_ratios() {
        let p = plan(&[200_000, 100_000], false);
        let budget = Money::from_yuan(10_000).unwrap();
        let fit = p
            .search(budget, |ks| Ok::<_, ()>(linear(&p, ks, &[1, 1])))
            .unwrap()
            .unwrap();
        // a + (a - 1000) <= 10000 → a = 5500, b = 4500.
        assert_eq!(fit.values, vec![550_000, 450_000]);
    }

    #[test]
    fn says_when_the_budget_is_never_reached_or_always_exceeded() {
        let p = plan(&[100_000], false);
        let budget = Money::from_yuan(10).unwrap();
        let never = p
            .search(budget, |ks| {
                Ok::<_, ()>(ks.iter().map(|_| Some(Money::ZERO)).collect())
            })
            .unwrap();
        assert!(
            matches!(never, Err(SolveError::NeverReached { .. })),
            "{never:?}"
        );
        let always = p
            .search(budget, |ks| {
                Ok::<_, ()>(
                    ks.iter()
                        .map(|_| Some(Money::from_yuan(11).unwrap()))
                        .collect(),
                )
            })
            .unwrap();
        assert!(
            matches!(always, Err(SolveError::OverAtLowest { .. })),
            "{always:?}"
        );
    }

    #[test]
    fn an_overflowing_total_counts_as_over_the_budget() {
        let p = plan(&[100_000], false);
        let budget = Money::from_yuan(1_000).unwrap();
        let fit = p
            .search(budget, |ks| {
                Ok::<_, ()>(
                    ks.iter()
                        .map(|k| if *k > 5 { None } else { Some(Money(k * 100)) })
                        .collect(),
                )
            })
            .unwrap()
            .unwrap();
        assert_eq!(fit.values, vec![500]);
    }
}
