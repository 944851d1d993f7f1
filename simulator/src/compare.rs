//! Comparing two schemes person by person: who gains, who loses, how much.

use std::collections::BTreeMap;

use bursar_runtime::ir::{Scheme, Type};
use bursar_runtime::{describe_type, Decision, Money};

use crate::sum::Sum;

/// How the applicant records of two schemes differ, if they do. One pass
/// over a population reads each row once, with the base's record, and hands
/// the values to both schemes; that is only right if a row means the same
/// to both: the same fields in the same order, each of the same type and
/// optionality, enums with the same variants in the same order (a value is
/// its variant's position). Labels may differ.
pub fn input_difference(base: &Scheme, reform: &Scheme) -> Option<String> {
    let (a, b) = (&base.applicant, &reform.applicant);
    for i in 0..a.len().max(b.len()) {
        let (x, y) = match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => (x, y),
            (Some(x), None) => return Some(format!("the reform has no field `{}`", x.name)),
            (None, Some(y)) => return Some(format!("the reform adds the field `{}`", y.name)),
            (None, None) => return None,
        };
        if x.name != y.name {
            return Some(format!(
                "field {} is `{}` in the base and `{}` in the reform",
                i + 1,
                x.name,
                y.name
            ));
        }
        if x.optional != y.optional {
            let may = |o: bool| if o { "may be absent" } else { "is required" };
            return Some(format!(
                "`{}` {} in the base and {} in the reform",
                x.name,
                may(x.optional),
                may(y.optional)
            ));
        }
        let same_type = match (x.ty, y.ty) {
            (Type::Enum(e), Type::Enum(f)) => {
                let names = |s: &Scheme, e: u32| {
                    s.enums.get(e as usize).map(|d| {
                        d.variants
                            .iter()
                            .map(|v| v.name.clone())
                            .collect::<Vec<_>>()
                    })
                };
                names(base, e) == names(reform, f)
            }
            (t, u) => t == u,
        };
        if !same_type {
            return Some(format!(
                "`{}` takes {} in the base and {} in the reform",
                x.name,
                describe_type(base, x.ty),
                describe_type(reform, y.ty)
            ));
        }
    }
    None
}

/// Gains or losses in one category.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Movement {
    pub persons: u64,
    pub amount: Sum,
}

/// How persons fare under a reform against a base. Merges like a tally.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiffTally {
    pub gainers: Movement,
    pub losers: Movement,
    /// Paid the same, non-zero amount under both.
    pub unchanged_paid: u64,
    /// Per category: gainers counted under the category the reform pays them,
    /// losers under the category the base paid them.
    pub gains_by_category: BTreeMap<String, Movement>,
    pub losses_by_category: BTreeMap<String, Movement>,
    /// Persons by change in payment (reform minus base), for changed persons.
    pub by_change: BTreeMap<Sum, u64>,
}

impl DiffTally {
    /// Adds one row's two decisions, for the `w` persons it stands for
    /// (its weight; 1 without weights).
    pub fn add(&mut self, base: &Scheme, reform: &Scheme, b: &Decision, r: &Decision, w: u64) {
        self.add_payments(base, reform, Payment::of(b), Payment::of(r), w);
    }

    /// [`DiffTally::add`], given only what it reads of each decision.
    pub fn add_payments(&mut self, base: &Scheme, reform: &Scheme, b: Payment, r: Payment, w: u64) {
        let (pb, pr) = (b.paid, r.paid);
        if pb == pr {
            if pb != Money::ZERO {
                self.unchanged_paid += w;
            }
            return;
        }
        // Exact in 128 bits, whatever the two amounts.
        let change = Sum::from(pr).minus(Sum::from(pb));
        *self.by_change.entry(change).or_insert(0) += w;
        if change > Sum::ZERO {
            add(&mut self.gainers, change, w);
            add_to(&mut self.gains_by_category, category(reform, r), change, w);
        } else {
            let loss = Sum::ZERO.minus(change);
            add(&mut self.losers, loss, w);
            add_to(&mut self.losses_by_category, category(base, b), loss, w);
        }
    }

    pub fn merge(&mut self, other: DiffTally) {
        merge(&mut self.gainers, &other.gainers);
        merge(&mut self.losers, &other.losers);
        self.unchanged_paid += other.unchanged_paid;
        for (k, v) in other.gains_by_category {
            merge(self.gains_by_category.entry(k).or_default(), &v);
        }
        for (k, v) in other.losses_by_category {
            merge(self.losses_by_category.entry(k).or_default(), &v);
        }
        for (k, v) in other.by_change {
            *self.by_change.entry(k).or_insert(0) += v;
        }
    }
}

/// Adds to a category's movement, allocating its name only the first time
/// (this runs for every person whose payment changes).
fn add_to(by_category: &mut BTreeMap<String, Movement>, name: &str, amount: Sum, w: u64) {
    match by_category.get_mut(name) {
        Some(m) => add(m, amount, w),
        None => {
            let mut m = Movement::default();
            add(&mut m, amount, w);
            by_category.insert(name.to_string(), m);
        }
    }
}

/// What comparing a decision reads of it: what it pays and the category
/// of its first award.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payment {
    pub paid: Money,
    pub category: Option<u32>,
}

impl Payment {
    pub fn of(d: &Decision) -> Payment {
        Payment {
            paid: d.paid(),
            category: d.awards.first().map(|a| a.category),
        }
    }
}

/// The category a payment is under, by name.
fn category(scheme: &Scheme, p: Payment) -> &str {
    p.category
        .filter(|_| p.paid != Money::ZERO)
        .and_then(|c| scheme.categories.get(c as usize))
        .map_or("(none)", |c| c.name.as_str())
}

/// Adds a change of `amount` for each of `w` persons.
fn add(m: &mut Movement, amount: Sum, w: u64) {
    m.persons += w;
    m.amount.merge(amount.scaled(w));
}

fn merge(m: &mut Movement, other: &Movement) {
    m.persons += other.persons;
    m.amount.merge(other.amount);
}
