//! Literals: dates (explaining impossible ones), money in the scheme's
//! currency, decimals and percentages, durations.

use bursar_grammar::ast::{self, Span};
use bursar_runtime::ir::{self, Expr, Type, Value};
use bursar_runtime::Money;
use chrono::{Datelike, NaiveDate};

use super::{Checker, Typed};
use crate::problem::{DateFault, Problem};

impl Checker {
    /// Parses a date literal, explaining impossible ones.
    /// `2025-03-01T09:30`: the day as [`Checker::date`] reads it, then a
    /// time of day that exists.
    pub(crate) fn datetime(&mut self, text: &str, span: Span) -> Option<chrono::NaiveDateTime> {
        let day = self.date(text.get(..10)?, span)?;
        match bursar_runtime::datetime::parse_datetime(text) {
            Some(t) => Some(t),
            None => {
                self.r.report(
                    span,
                    Problem::InvalidTime {
                        text: text.to_string(),
                        day: day.to_string(),
                    },
                );
                None
            }
        }
    }

    pub(crate) fn date(&mut self, text: &str, span: Span) -> Option<NaiveDate> {
        if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(d);
        }
        let parts: Vec<u32> = text.split('-').filter_map(|p| p.parse().ok()).collect();
        let fault = match parts.as_slice() {
            [y, m, _] if (1..=12).contains(m) => DateFault::PastMonthEnd {
                year: *y,
                month: *m,
                days: days_in_month(*y as i32, *m),
            },
            [_, m, _] => DateFault::NoMonth(*m),
            _ => DateFault::Shape,
        };
        self.r.report(
            span,
            Problem::InvalidDate {
                text: text.to_string(),
                fault,
            },
        );
        None
    }

    /// Parses a money literal in the scheme's currency.
    pub(crate) fn money(&mut self, amount: &str, unit: &str, span: Span) -> Option<Money> {
        if amount.contains(',') {
            self.r.report(
                span,
                Problem::ThousandsSeparators {
                    amount: amount.to_string(),
                    unit: unit.to_string(),
                },
            );
            return None;
        }
        // A symbol stands for the scheme's currency when it can (`$` for
        // any dollar); a code must be the scheme's.
        let symbols = bursar_runtime::currency::symbol_currencies(unit);
        let code = if symbols.contains(&self.currency.as_str()) {
            self.currency.as_str()
        } else {
            symbols.first().copied().unwrap_or(unit)
        };
        if !self.currency.is_empty() && code != self.currency {
            self.r.report(
                span,
                Problem::ForeignCurrency {
                    unit: unit.to_string(),
                    currency: self.currency.clone(),
                },
            );
            return None;
        }
        match amount.parse::<Money>() {
            Ok(m) => Some(m),
            Err(e) => {
                self.r.report(
                    span,
                    Problem::InvalidAmount {
                        amount: amount.to_string(),
                        reason: e.to_string(),
                    },
                );
                None
            }
        }
    }
}

impl Checker {
    /// A decimal (`1.5`) or a percentage (`5%`, a hundredth of it), held exactly.
    pub(super) fn decimal(&mut self, d: &str, percent: bool, span: Span) -> Typed {
        let parsed = d
            .parse::<bursar_runtime::decimal::Decimal>()
            .ok()
            .and_then(|x| {
                if percent {
                    x.checked_div(bursar_runtime::decimal::Decimal::from_int(100))
                } else {
                    Some(x)
                }
            });
        match parsed {
            Some(x) => Typed {
                expr: Expr::Lit(Value::Decimal(x)),
                ty: Some(Type::Decimal),
                optional: false,
            },
            None => {
                self.r.report(
                    span,
                    Problem::TooManyDigits {
                        text: d.to_string(),
                    },
                );
                Typed::error()
            }
        }
    }
}

/// A date literal.
pub(super) fn known_date(d: NaiveDate) -> Typed {
    Typed {
        expr: Expr::Lit(Value::Date(d)),
        ty: Some(Type::Date),
        optional: false,
    }
}

pub(crate) fn duration_unit(u: ast::DurationUnit) -> ir::DurationUnit {
    match u {
        ast::DurationUnit::Days => ir::DurationUnit::Days,
        ast::DurationUnit::WorkingDays => ir::DurationUnit::WorkingDays,
        ast::DurationUnit::Weeks => ir::DurationUnit::Weeks,
        ast::DurationUnit::Months => ir::DurationUnit::Months,
        ast::DurationUnit::Years => ir::DurationUnit::Years,
    }
}

fn days_in_month(y: i32, m: u32) -> u32 {
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).map_or(31, |d| d.day())
}
