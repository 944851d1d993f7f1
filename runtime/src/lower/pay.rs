//! A category's payout lowered: the table rows a payout can pay resolved
//! to their amounts once, "参照" references followed, and picked by a
//! field's value as the walker picks them (see the parent module).

use crate::eval::{matches, Payout};
use crate::input::Applicant;
use crate::ir::{Arm, Expr, FieldId, Pattern, RowRef, Scheme, TableId, Value};
use crate::money::Money;

/// A category's payout, lowered: rows resolved to their amounts once.
pub(crate) enum Pay {
    /// A row, or an amount written out: the same for every applicant.
    Fixed(Payout),
    /// `match f { patterns => payout, … }` on a field's value: the first
    /// arm with a pattern the value matches.
    Match {
        field: FieldId,
        arms: Box<[(Box<[Pattern]>, Pay)]>,
    },
    /// `table[f]`: the first row whose key is the field's value; `None`
    /// for a row the walker must pay (its amount is not money, or less
    /// than nothing).
    Lookup {
        field: FieldId,
        rows: Box<[(Option<Value>, Option<Payout>)]>,
    },
    /// A shape none of these covers: the tree walker pays.
    Walk,
}

impl Pay {
    /// `pay`, lowered where its shape is one of [`Pay`]'s.
    pub(crate) fn lower(scheme: &Scheme, e: &Expr) -> Pay {
        match e {
            Expr::Row(r) => fixed(scheme, *r).map_or(Pay::Walk, Pay::Fixed),
            Expr::Lit(Value::Money(amount)) if *amount >= Money::ZERO => Pay::Fixed(Payout {
                amount: *amount,
                row: None,
            }),
            Expr::Match { scrutinee, arms } => {
                let Expr::Field(field) = **scrutinee else {
                    return Pay::Walk;
                };
                Pay::Match {
                    field,
                    arms: arms
                        .iter()
                        .map(|Arm { patterns, body }| {
                            (
                                patterns.clone().into_boxed_slice(),
                                Pay::lower(scheme, body),
                            )
                        })
                        .collect(),
                }
            }
            Expr::Lookup { table, key } => {
                let Expr::Field(field) = **key else {
                    return Pay::Walk;
                };
                lookup(scheme, *table, field).unwrap_or(Pay::Walk)
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
            | Expr::Let(..)
            | Expr::RoundPart(..)
            | Expr::Item(..)
            | Expr::ItemPresent(..)
            | Expr::ItemDefault { .. }
            | Expr::Any(..)
            | Expr::All { .. }
            | Expr::Aggregate { .. }
            | Expr::Round { .. }
            | Expr::Default { .. }
            | Expr::Call { .. }
            | Expr::If { .. } => Pay::Walk,
        }
    }

    /// The payout, or `None` where the walker must decide it: the field is
    /// absent, no arm or row is for its value, or the one that is cannot
    /// be paid here. Out of line: only rows that meet a category's
    /// conditions are paid, and inlined into `decide` it spread the code
    /// every row runs over more of the instruction cache.
    #[inline(never)]
    pub(crate) fn payout(&self, applicant: &Applicant) -> Option<Payout> {
        match self {
            Pay::Fixed(p) => Some(*p),
            Pay::Match { field, arms } => {
                let v = applicant.get(*field)?;
                let (_, pay) = arms
                    .iter()
                    .find(|(patterns, _)| patterns.iter().any(|p| matches(p, v)))?;
                pay.payout(applicant)
            }
            Pay::Lookup { field, rows } => {
                let v = applicant.get(*field)?;
                let (_, payout) = rows.iter().find(|(key, _)| key.as_ref() == Some(v))?;
                *payout
            }
            Pay::Walk => None,
        }
    }
}

/// A row's payout, if the walker would pay it as it is: its amount money
/// (following "参照" references), and not less than nothing.
fn fixed(scheme: &Scheme, row: RowRef) -> Option<Payout> {
    let amount = scheme.resolve_row(row)?;
    (amount >= Money::ZERO).then_some(Payout {
        amount,
        row: Some(row),
    })
}

/// `table[field]`, its rows resolved; `None` for a table the scheme does
/// not have.
fn lookup(scheme: &Scheme, table: TableId, field: FieldId) -> Option<Pay> {
    let rows = &scheme.tables.get(table as usize)?.rows;
    let rows = rows
        .iter()
        .zip(0u32..)
        .map(|(r, row)| (r.key.clone(), fixed(scheme, RowRef { table, row })))
        .collect();
    Some(Pay::Lookup { field, rows })
}
