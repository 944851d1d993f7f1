//! What a condition tells us about the applicant: per field, whether it is
//! present and an over-approximation of the values it can have.
//!
//! Facts flow forward through a category (`require` lines, then `when` lines,
//! then `pay`) and through `and`. They let the checker allow reading an
//! optional field once a condition has established it is present, narrow a
//! `match` or table lookup to the keys that can occur, and find conditions
//! that can never hold. Values of ordered types (int, money, date) are kept as
//! one interval; values of enums and bools as a bit set. Over-approximating
//! keeps every conclusion sound: "never holds" means the approximation is
//! empty, so the real set is too.

use std::collections::BTreeMap;

use bursar_grammar::ast::Span;
use bursar_runtime::ir::{CompareOp, Expr, FieldId, ItemSet, Type, Value};

/// Facts about the fields of a list item (inside `where …`) are kept beside
/// the applicant's, under keys no applicant field has: `ITEM_KEY | field`.
pub const ITEM_KEY: FieldId = 1 << 31;

/// The key of a list item's field.
pub fn item_key(field: FieldId) -> FieldId {
    ITEM_KEY | field
}

/// The field (applicant's or item's) an expression is, by key.
fn subject(e: &Expr) -> Option<FieldId> {
    match e {
        Expr::Field(f) => Some(*f),
        Expr::Item(i) => Some(item_key(*i)),
        Expr::Lit(..)
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
        | Expr::ItemPresent(..)
        | Expr::Let(..)
        | Expr::RoundPart(_)
        | Expr::Any(..)
        | Expr::All { .. }
        | Expr::Aggregate { .. }
        | Expr::Round { .. }
        | Expr::Default { .. }
        | Expr::ItemDefault { .. }
        | Expr::Call { .. }
        | Expr::If { .. }
        | Expr::Match { .. } => None,
    }
}

/// The values a field can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dom {
    Any,
    /// Inclusive interval of [`ordinal`]s.
    Interval(i64, i64),
    /// Bit i set: variant i (enums) or `i == 1` (bools) possible.
    Bits(u64),
}

impl Dom {
    pub fn meet(self, other: Dom) -> Dom {
        match (self, other) {
            (Dom::Any, d) | (d, Dom::Any) => d,
            (Dom::Interval(a, b), Dom::Interval(c, d)) => Dom::Interval(a.max(c), b.min(d)),
            (Dom::Bits(a), Dom::Bits(b)) => Dom::Bits(a & b),
            // Mixed kinds only arise from ill-typed input the checker has
            // already reported; stay neutral.
            (d, _) => d,
        }
    }
    pub fn is_empty(self) -> bool {
        match self {
            Dom::Any => false,
            Dom::Interval(a, b) => a > b,
            Dom::Bits(b) => b == 0,
        }
    }
}

/// What is known of one field, and the span of the condition that last narrowed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fact {
    pub present: Option<bool>,
    pub dom: Dom,
    pub origin: Span,
}

/// Facts about the applicant at one point of a scheme.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    fields: BTreeMap<FieldId, Fact>,
    /// Sets of list items known to have at least one item (`any …` held).
    some: Vec<ItemSet>,
}

/// Two facts that cannot both hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub field: FieldId,
    /// Where the earlier fact came from.
    pub earlier: Span,
}

impl Facts {
    pub fn get(&self, field: FieldId) -> Option<&Fact> {
        self.fields.get(&field)
    }

    pub fn is_present(&self, field: FieldId) -> bool {
        self.get(field).and_then(|f| f.present) == Some(true)
    }

    /// Whether `any` of these items is known to hold.
    pub fn knows_some(&self, set: &ItemSet) -> bool {
        self.some.contains(set)
    }

    /// The domain known for a field (`Any` if nothing is known).
    pub fn dom(&self, field: FieldId) -> Dom {
        self.get(field).map_or(Dom::Any, |f| f.dom)
    }

    /// Adds what `expr` (known to hold) says, reporting the first field whose
    /// possible values become empty.
    pub fn assume(
        &mut self,
        expr: &Expr,
        span: Span,
        universe: &dyn Fn(FieldId) -> Option<Type>,
        variants: &dyn Fn(Type) -> u32,
    ) -> Result<(), Conflict> {
        let mut atoms = Vec::new();
        collect(expr, &mut atoms, universe, variants);
        self.note_some(expr);
        for (field, present, dom) in atoms {
            let fact = self.fields.entry(field).or_insert(Fact {
                present: None,
                dom: Dom::Any,
                origin: span,
            });
            let earlier = fact.origin;
            let present_conflict = matches!((fact.present, present), (Some(a), Some(b)) if a != b);
            if let Some(p) = present {
                fact.present = Some(p);
            }
            fact.dom = fact.dom.meet(dom);
            fact.origin = span;
            if present_conflict || fact.dom.is_empty() {
                return Err(Conflict { field, earlier });
            }
        }
        Ok(())
    }
}

impl Facts {
    /// Remembers the `any …` a conjunction asserts.
    fn note_some(&mut self, expr: &Expr) {
        match expr {
            Expr::And(items) => items.iter().for_each(|e| self.note_some(e)),
            Expr::Any(set) if !self.some.contains(set) => self.some.push(set.clone()),
            Expr::Lit(..)
            | Expr::Field(..)
            | Expr::Row(..)
            | Expr::Lookup { .. }
            | Expr::Not(..)
            | Expr::Neg(..)
            | Expr::Or(..)
            | Expr::Compare { .. }
            | Expr::Arith { .. }
            | Expr::InSet { .. }
            | Expr::InRange { .. }
            | Expr::IsPresent(..)
            | Expr::Let(..)
            | Expr::RoundPart(_)
            | Expr::Item(..)
            | Expr::ItemPresent(..)
            | Expr::Any(..)
            | Expr::All { .. }
            | Expr::Aggregate { .. }
            | Expr::Round { .. }
            | Expr::Default { .. }
            | Expr::ItemDefault { .. }
            | Expr::Call { .. }
            | Expr::If { .. }
            | Expr::Match { .. } => {}
        }
    }
}

/// The ordinal of a value of an ordered type, for intervals.
pub fn ordinal(v: &Value) -> Option<i64> {
    use chrono::Datelike;
    match v {
        Value::Int(n) => Some(*n),
        Value::Money(m) => Some(m.minor()),
        Value::Date(d) => Some(i64::from(d.num_days_from_ce())),
        // Seconds: a datetime's facts are intervals like a date's.
        Value::DateTime(t) => Some(t.and_utc().timestamp()),
        Value::Bool(..)
        | Value::Text(..)
        | Value::Enum { .. }
        | Value::Duration(..)
        | Value::Decimal(..)
        | Value::List(..) => None,
    }
}

fn bit(v: &Value) -> Option<u64> {
    match v {
        Value::Bool(b) => Some(1u64 << u8::from(*b)),
        Value::Enum { variant, .. } if *variant < 64 => Some(1u64 << variant),
        Value::Int(..)
        | Value::Money(..)
        | Value::Date(..)
        | Value::DateTime(..)
        | Value::Text(..)
        | Value::Enum { .. }
        | Value::Duration(..)
        | Value::Decimal(..)
        | Value::List(..) => None,
    }
}

fn all_bits(n: u32) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

type Atom = (FieldId, Option<bool>, Dom);

/// The atoms of a conjunction: `field is present`, `field in …`, `field op literal`.
fn collect(
    expr: &Expr,
    out: &mut Vec<Atom>,
    universe: &dyn Fn(FieldId) -> Option<Type>,
    variants: &dyn Fn(Type) -> u32,
) {
    match expr {
        Expr::And(items) => items
            .iter()
            .for_each(|e| collect(e, out, universe, variants)),
        Expr::IsPresent(f) => out.push((*f, Some(true), Dom::Any)),
        Expr::ItemPresent(i) => out.push((item_key(*i), Some(true), Dom::Any)),
        Expr::Not(inner) => match &**inner {
            Expr::IsPresent(f) => out.push((*f, Some(false), Dom::Any)),
            Expr::ItemPresent(i) => out.push((item_key(*i), Some(false), Dom::Any)),
            e => {
                if let Some(f) = subject(e).filter(|f| universe(*f) == Some(Type::Bool)) {
                    out.push((f, Some(true), Dom::Bits(0b01)))
                }
            }
        },
        Expr::Field(_) | Expr::Item(_) => {
            if let Some(f) = subject(expr).filter(|f| universe(*f) == Some(Type::Bool)) {
                out.push((f, Some(true), Dom::Bits(0b10)))
            }
        }
        Expr::InSet { expr, set } => {
            if let Some(f) = subject(expr) {
                let dom = if let Some(bits) = set.iter().map(bit).collect::<Option<Vec<_>>>() {
                    Dom::Bits(bits.into_iter().fold(0, |a, b| a | b))
                } else if let Some(ords) = set.iter().map(ordinal).collect::<Option<Vec<_>>>() {
                    match (ords.iter().min(), ords.iter().max()) {
                        (Some(lo), Some(hi)) => Dom::Interval(*lo, *hi),
                        _ => Dom::Interval(1, 0),
                    }
                } else {
                    Dom::Any
                };
                out.push((f, Some(true), dom));
            }
        }
        Expr::InRange {
            expr,
            lo,
            hi,
            inclusive,
        } => {
            if let Some(f) = subject(expr) {
                let lo = match lo.as_deref() {
                    Some(Expr::Lit(v)) => ordinal(v),
                    Some(_) => return,
                    None => Some(i64::MIN),
                };
                let hi = match hi.as_deref() {
                    Some(Expr::Lit(v)) => {
                        ordinal(v).map(|h| if *inclusive { h } else { h.saturating_sub(1) })
                    }
                    Some(_) => return,
                    None => Some(i64::MAX),
                };
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    out.push((f, Some(true), Dom::Interval(lo, hi)));
                }
            }
        }
        Expr::Compare { op, lhs, rhs } => {
            let (field, op, value) = match (subject(lhs), &**rhs, &**lhs, subject(rhs)) {
                (Some(f), Expr::Lit(v), _, _) => (f, *op, v),
                (_, _, Expr::Lit(v), Some(f)) => (f, flip(*op), v),
                _ => return,
            };
            let dom = if let Some(b) = bit(value) {
                let all = universe(field).map_or(u64::MAX, |t| all_bits(variants(t)));
                match op {
                    CompareOp::Eq => Dom::Bits(b),
                    CompareOp::Ne => Dom::Bits(all & !b),
                    CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge => Dom::Any,
                }
            } else if let Some(n) = ordinal(value) {
                match op {
                    CompareOp::Eq => Dom::Interval(n, n),
                    CompareOp::Ne => Dom::Any,
                    CompareOp::Lt => Dom::Interval(i64::MIN, n.saturating_sub(1)),
                    CompareOp::Le => Dom::Interval(i64::MIN, n),
                    CompareOp::Gt => Dom::Interval(n.saturating_add(1), i64::MAX),
                    CompareOp::Ge => Dom::Interval(n, i64::MAX),
                }
            } else {
                Dom::Any
            };
            out.push((field, Some(true), dom));
        }
        Expr::Lit(..)
        | Expr::Row(..)
        | Expr::Lookup { .. }
        | Expr::Neg(..)
        | Expr::Or(..)
        | Expr::Arith { .. }
        | Expr::Let(..)
        | Expr::RoundPart(_)
        | Expr::Any(..)
        | Expr::All { .. }
        | Expr::Aggregate { .. }
        | Expr::Round { .. }
        | Expr::Default { .. }
        | Expr::ItemDefault { .. }
        | Expr::Call { .. }
        | Expr::If { .. }
        | Expr::Match { .. } => {}
    }
}

fn flip(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Gt,
        CompareOp::Le => CompareOp::Ge,
        CompareOp::Gt => CompareOp::Lt,
        CompareOp::Ge => CompareOp::Le,
        CompareOp::Eq => CompareOp::Eq,
        CompareOp::Ne => CompareOp::Ne,
    }
}

/// The parts of `dom` (over `lo..=hi` of a type) not covered by `covered`:
/// a list of inclusive intervals, in order.
pub fn uncovered(lo: i64, hi: i64, covered: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut sorted: Vec<(i64, i64)> = covered.iter().copied().filter(|(a, b)| a <= b).collect();
    sorted.sort_unstable();
    let mut gaps = Vec::new();
    let mut next = lo;
    let mut done = false;
    for (a, b) in sorted {
        if done || b < next {
            continue;
        }
        if a > next {
            gaps.push((next, (a - 1).min(hi)));
        }
        if b >= hi {
            done = true;
        } else {
            next = next.max(b + 1);
        }
        if next > hi {
            done = true;
        }
    }
    if !done && next <= hi {
        gaps.push((next, hi));
    }
    gaps.retain(|(a, b)| a <= b);
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_between_patterns() {
        assert_eq!(uncovered(1, 10, &[(1, 1), (2, 10)]), vec![]);
        assert_eq!(uncovered(1, 10, &[(1, 1), (3, 10)]), vec![(2, 2)]);
        assert_eq!(
            uncovered(i64::MIN, i64::MAX, &[(1, 3)]),
            vec![(i64::MIN, 0), (4, i64::MAX)]
        );
        assert_eq!(uncovered(1, 3, &[]), vec![(1, 3)]);
        assert_eq!(uncovered(1, 3, &[(0, 5)]), vec![]);
    }
}
