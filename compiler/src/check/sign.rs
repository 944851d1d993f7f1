//! Whether a payout can come to less than nothing.
//!
//! An award is paid, not charged, so the checker asks the author to show
//! that every pay expression is at least zero: it works out an interval for
//! the lowered expression (literals, table rows, what the category's
//! conditions proved about fields, `+`, `-`, `*`, `min`, `max`, `if`,
//! `match`, `??`), and an expression whose lower end is below zero, or
//! unknown, is an error whose help says to clamp it with `max(0 元, …)`.
//! The interval over-approximates, so "at least zero" is a proof; the
//! evaluator still turns a negative amount into an error outcome, for
//! bundles and `--set` changes the checker never saw.

use bursar_grammar::ast::Span;
use bursar_runtime::ir::{Aggregate, ArithOp, Builtin, Expr, RoundPart, RowAmount, RowRef, Value};
use bursar_runtime::Money;

use super::Checker;
use crate::facts::{Dom, Facts};
use crate::problem::Problem;

/// The values an int or money expression can take (money in minor units);
/// `None` where nothing bounds it on that side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Bounds {
    pub lo: Option<i128>,
    pub hi: Option<i128>,
}

impl Bounds {
    const ANY: Bounds = Bounds { lo: None, hi: None };

    fn exact(n: i64) -> Bounds {
        Bounds {
            lo: Some(i128::from(n)),
            hi: Some(i128::from(n)),
        }
    }

    /// The smallest interval holding both.
    fn hull(self, other: Bounds) -> Bounds {
        Bounds {
            lo: self.lo.zip(other.lo).map(|(a, b)| a.min(b)),
            hi: self.hi.zip(other.hi).map(|(a, b)| a.max(b)),
        }
    }
}

impl Checker {
    /// The interval of a lowered int or money expression, given the facts
    /// proved where it is evaluated.
    pub(super) fn bounds(&self, e: &Expr, facts: &Facts) -> Bounds {
        match e {
            Expr::Lit(Value::Money(m)) => Bounds::exact(m.minor()),
            Expr::Lit(Value::Int(n)) => Bounds::exact(*n),
            // Only the sign of a fraction is kept: bounds count whole units.
            Expr::Lit(Value::Decimal(d)) if d.numerator() >= 0 => Bounds {
                lo: Some(0),
                hi: None,
            },
            Expr::Lit(_) => Bounds::ANY,
            Expr::Let(l) => match self.lets.get(*l as usize) {
                Some(def) => self.bounds(&def.expr, &Facts::default()),
                None => Bounds::ANY,
            },
            Expr::Item(i) => field_bounds(facts.dom(crate::facts::item_key(*i))),
            // The checker refuses a round of a negative amount.
            Expr::RoundPart(RoundPart::Amount) => Bounds {
                lo: Some(0),
                hi: None,
            },
            Expr::RoundPart(RoundPart::Date | RoundPart::PaidStart | RoundPart::PaidEnd) => {
                Bounds::ANY
            }
            Expr::Aggregate { func, of, .. } => {
                let of = of.as_ref().map_or(Bounds::ANY, |e| self.bounds(e, facts));
                match func {
                    Aggregate::Count => Bounds {
                        lo: Some(0),
                        hi: None,
                    },
                    Aggregate::Sum if of.lo.is_some_and(|l| l >= 0) => Bounds {
                        lo: Some(0),
                        hi: None,
                    },
                    Aggregate::Sum => Bounds::ANY,
                    Aggregate::Min | Aggregate::Max => of,
                }
            }
            // Rounding moves a value by less than one unit, and never
            // below zero from zero or more.
            Expr::Round { value, unit, .. } => {
                let v = self.bounds(value, facts);
                let unit = i128::from(unit.fen());
                Bounds {
                    lo: v.lo.map(|l| if l >= 0 { 0 } else { l - unit }),
                    hi: v.hi.and_then(|h| h.checked_add(unit)),
                }
            }
            Expr::Field(f) => field_bounds(facts.dom(*f)),
            Expr::Row(r) => self.resolved_amount(*r).map_or(Bounds::ANY, Bounds::exact),
            Expr::Lookup { table, .. } => {
                let Some(t) = self.tables.get(*table as usize) else {
                    return Bounds::ANY;
                };
                let mut amounts = (0..t.table.rows.len()).map(|row| {
                    self.resolved_amount(RowRef {
                        table: *table,
                        row: row as u32,
                    })
                    .map_or(Bounds::ANY, Bounds::exact)
                });
                let first = amounts.next().unwrap_or(Bounds::ANY);
                amounts.fold(first, Bounds::hull)
            }
            Expr::Neg(a) => {
                let a = self.bounds(a, facts);
                Bounds {
                    lo: a.hi.and_then(i128::checked_neg),
                    hi: a.lo.and_then(i128::checked_neg),
                }
            }
            // A left fold, as the evaluator computes it.
            Expr::Arith { first, rest } => {
                rest.iter().fold(self.bounds(first, facts), |a, (op, e)| {
                    let b = self.bounds(e, facts);
                    match op {
                        ArithOp::Add => Bounds {
                            lo: a.lo.zip(b.lo).and_then(|(x, y)| x.checked_add(y)),
                            hi: a.hi.zip(b.hi).and_then(|(x, y)| x.checked_add(y)),
                        },
                        ArithOp::Sub => Bounds {
                            lo: a.lo.zip(b.hi).and_then(|(x, y)| x.checked_sub(y)),
                            hi: a.hi.zip(b.lo).and_then(|(x, y)| x.checked_sub(y)),
                        },
                        ArithOp::Mul => product(a, b),
                        ArithOp::Div => {
                            if a.lo.is_some_and(|x| x >= 0) && b.lo.is_some_and(|y| y > 0) {
                                Bounds {
                                    lo: Some(0),
                                    hi: None,
                                }
                            } else {
                                Bounds::ANY
                            }
                        }
                    }
                })
            }
            Expr::Call { func, args } => {
                let mut all = args.iter().map(|a| self.bounds(a, facts));
                let first = all.next().unwrap_or(Bounds::ANY);
                match func {
                    Builtin::Min => all.fold(first, |a, b| Bounds {
                        lo: a.lo.zip(b.lo).map(|(x, y)| x.min(y)),
                        hi: match (a.hi, b.hi) {
                            (Some(x), Some(y)) => Some(x.min(y)),
                            (x, y) => x.or(y),
                        },
                    }),
                    Builtin::Max => all.fold(first, |a, b| Bounds {
                        lo: match (a.lo, b.lo) {
                            (Some(x), Some(y)) => Some(x.max(y)),
                            (x, y) => x.or(y),
                        },
                        hi: a.hi.zip(b.hi).map(|(x, y)| x.max(y)),
                    }),
                    Builtin::Month => Bounds {
                        lo: Some(1),
                        hi: Some(12),
                    },
                    Builtin::Day => Bounds {
                        lo: Some(1),
                        hi: Some(31),
                    },
                    Builtin::Year => Bounds::ANY,
                }
            }
            Expr::Default { field, default } => {
                field_bounds(facts.dom(*field)).hull(self.bounds(default, facts))
            }
            Expr::ItemDefault { field, default } => {
                field_bounds(facts.dom(crate::facts::item_key(*field)))
                    .hull(self.bounds(default, facts))
            }
            Expr::If {
                then, otherwise, ..
            } => self.bounds(then, facts).hull(self.bounds(otherwise, facts)),
            Expr::Match { arms, .. } => {
                let mut bodies = arms.iter().map(|a| self.bounds(&a.body, facts));
                let first = bodies.next().unwrap_or(Bounds::ANY);
                bodies.fold(first, Bounds::hull)
            }
            // Not numbers.
            Expr::Not(_)
            | Expr::And(..)
            | Expr::Or(..)
            | Expr::Compare { .. }
            | Expr::InSet { .. }
            | Expr::InRange { .. }
            | Expr::IsPresent(_)
            | Expr::ItemPresent(_)
            | Expr::Any(_)
            | Expr::All { .. } => Bounds::ANY,
        }
    }

    /// A row's amount, following "参照" references (cycles were reported
    /// before categories are checked).
    fn resolved_amount(&self, mut r: RowRef) -> Option<i64> {
        for _ in 0..=self.tables.len() * 64 {
            let row = self
                .tables
                .get(r.table as usize)?
                .table
                .rows
                .get(r.row as usize)?;
            match &row.amount {
                RowAmount::Money(m) => return Some(m.minor()),
                RowAmount::Value(bursar_runtime::ir::Value::Int(n)) => return Some(*n),
                // A rate's sign alone is known: bounds count whole units.
                RowAmount::Value(_) => return None,
                RowAmount::SameAs(next) => r = *next,
            }
        }
        None
    }
}

/// What the facts say of a field's ordinal (money in minor units). An int
/// or money value is an `i64`, so even a field nothing narrowed has bounds.
fn field_bounds(dom: Dom) -> Bounds {
    let (lo, hi) = match dom {
        Dom::Interval(a, b) => (a, b),
        Dom::Any => (i64::MIN, i64::MAX),
        Dom::Bits(_) => return Bounds::ANY,
    };
    Bounds {
        lo: Some(i128::from(lo)),
        hi: Some(i128::from(hi)),
    }
}

/// The interval of a product: the extremes are among the corners, when
/// every corner is known.
fn product(a: Bounds, b: Bounds) -> Bounds {
    let corners = [(a.lo, b.lo), (a.lo, b.hi), (a.hi, b.lo), (a.hi, b.hi)]
        .map(|(x, y)| x.zip(y).and_then(|(x, y)| x.checked_mul(y)));
    if corners.iter().all(Option::is_some) {
        let known = corners.iter().flatten();
        Bounds {
            lo: known.clone().min().copied(),
            hi: known.max().copied(),
        }
    } else {
        Bounds::ANY
    }
}

impl Checker {
    /// Reports a pay expression that cannot be shown to be at least zero.
    pub(super) fn at_least_zero(&mut self, category: &str, pay: &Expr, span: Span, facts: &Facts) {
        let lo = self.bounds(pay, facts).lo;
        if lo.is_some_and(|lo| lo >= 0) {
            return;
        }
        self.r.report(
            span,
            Problem::NegativePayout {
                category: category.to_string(),
                lowest: lo.and_then(|lo| i64::try_from(lo).ok()).map(Money),
                currency: self.currency.clone(),
            },
        );
    }
}
