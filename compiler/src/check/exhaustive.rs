//! Exhaustiveness: `match` arms and their patterns, table lookups by key,
//! and the values of a type that what is covered misses, written as the
//! author would write them.

use bursar_grammar::ast::{self, PatternKind, Span};
use bursar_runtime::ir::{self, Expr, Type, Value};
use bursar_runtime::Money;
use chrono::NaiveDate;

use super::{Checker, Typed};
use crate::facts::{self, Dom, Facts};
use crate::names::closest;
use crate::problem::{Problem, Why};

impl Checker {
    pub(super) fn lookup(
        &mut self,
        table: &[ast::Ident],
        key: &ast::Expr,
        span: Span,
        facts: &Facts,
    ) -> Typed {
        let [name] = table else {
            self.r.report(span, Problem::LookupNotTable);
            return Typed::error();
        };
        let Some(t) = self.table_id(&name.name) else {
            let suggestion = closest(
                &name.name,
                self.tables.iter().map(|t| t.table.name.as_str()),
            )
            .map(str::to_string);
            self.r.report(
                name.span,
                Problem::UnknownTable {
                    name: name.name.clone(),
                    suggestion,
                },
            );
            return Typed::error();
        };
        let Some(info) = self.tables.get_mut(t as usize) else {
            return Typed::error();
        };
        info.used = true;
        let key_type = info.table.key;
        let row_keys: Vec<Value> = info
            .table
            .rows
            .iter()
            .filter_map(|r| r.key.clone())
            .collect();
        let Some(key_type) = key_type else {
            info.used_rows.iter_mut().for_each(|u| *u = true);
            let first_row = info
                .table
                .rows
                .first()
                .map_or("row".to_string(), |r| r.name.clone());
            self.r.report(
                span,
                Problem::NamedRowsLookup {
                    table: name.name.clone(),
                    first_row,
                },
            );
            return Typed::error();
        };
        let k = self.value(key, facts, Some(key_type));
        self.expect_type(&k, key_type, key.span, Why::LookupKey);
        if k.ty == Some(key_type) {
            let dom = self.dom_of(&k.expr, facts);
            let covered: Vec<Cover> = row_keys.iter().map(|v| Cover::Value(v.clone())).collect();
            let missing = if self.quiet_exhaustiveness {
                Vec::new()
            } else {
                self.missing(key_type, dom, &covered)
            };
            if !missing.is_empty() {
                let key = self.r.slice(key.span).to_string();
                self.r.report(
                    span,
                    Problem::MissingRows {
                        table: name.name.clone(),
                        key,
                        missing,
                    },
                );
            }
        }
        let ty = self
            .tables
            .get(t as usize)
            .and_then(|i| i.table.value)
            .unwrap_or(Type::Money);
        Typed {
            expr: Expr::Lookup {
                table: t,
                key: Box::new(k.expr),
            },
            ty: Some(ty),
            optional: false,
        }
    }

    pub(super) fn match_expr(
        &mut self,
        scrutinee: &ast::Expr,
        arms: &[ast::Arm],
        span: Span,
        facts: &Facts,
        want: Option<Type>,
    ) -> Typed {
        let s = self.value(scrutinee, facts, None);
        let Some(sty) = s.ty else {
            return Typed::error();
        };
        let mut ir_arms = Vec::new();
        let mut covered = Vec::new();
        let mut bodies = Vec::new();
        for arm in arms {
            let mut patterns = Vec::new();
            for p in &arm.patterns {
                if let Some(pat) = self.pattern(p, sty) {
                    covered.push(match &pat {
                        ir::Pattern::Wildcard => Cover::All,
                        ir::Pattern::Value(v) => Cover::Value(v.clone()),
                        ir::Pattern::Range { lo, hi, inclusive } => {
                            Cover::Range(lo.clone(), hi.clone(), *inclusive)
                        }
                    });
                    patterns.push(pat);
                }
            }
            let body = self.value(&arm.body, facts, want);
            bodies.push((body.ty, arm.body.span));
            ir_arms.push(ir::Arm {
                patterns,
                body: body.expr,
            });
        }
        let ty = self.unify(&bodies, Why::MatchArms);
        if arms.is_empty() {
            self.r.report(span, Problem::MatchNoArms);
            return Typed::error();
        }
        let dom = self.dom_of(&s.expr, facts);
        let missing = if self.quiet_exhaustiveness {
            Vec::new()
        } else {
            self.missing(sty, dom, &covered)
        };
        if !missing.is_empty() {
            let text = self.r.slice(scrutinee.span).to_string();
            self.r
                .report(scrutinee.span, Problem::MatchMissing { text, missing });
        }
        Typed {
            expr: Expr::Match {
                scrutinee: Box::new(s.expr),
                arms: ir_arms,
            },
            ty,
            optional: false,
        }
    }

    pub(super) fn pattern(&mut self, p: &ast::Pattern, ty: Type) -> Option<ir::Pattern> {
        let wrong = |c: &mut Self, what: &'static str| {
            let ty = c.type_name(ty);
            c.r.report(p.span, Problem::PatternType { what, ty });
        };
        let lit = |c: &mut Self, kind: &PatternKind, span: Span| -> Option<Value> {
            match (kind, ty) {
                (PatternKind::Int(n), Type::Int) => Some(Value::Int(*n)),
                (PatternKind::Date(d), Type::Date) => c.date(d, span).map(Value::Date),
                _ => None,
            }
        };
        match (&p.kind, ty) {
            (PatternKind::Wildcard, _) => Some(ir::Pattern::Wildcard),
            (PatternKind::Int(n), Type::Int) => Some(ir::Pattern::Value(Value::Int(*n))),
            (PatternKind::Date(d), Type::Date) => self
                .date(d, p.span)
                .map(|d| ir::Pattern::Value(Value::Date(d))),
            (PatternKind::Bool(b), Type::Bool) => Some(ir::Pattern::Value(Value::Bool(*b))),
            (PatternKind::Text(t), Type::Text) => Some(ir::Pattern::Value(Value::Text(t.clone()))),
            (PatternKind::Name(n), Type::Enum(e)) => {
                let variants: Vec<String> = self
                    .enums
                    .get(e as usize)
                    .map(|d| d.variants.iter().map(|v| v.name.clone()).collect())
                    .unwrap_or_default();
                match variants.iter().position(|v| v == n) {
                    Some(v) => Some(ir::Pattern::Value(Value::Enum {
                        ty: e,
                        variant: v as u32,
                    })),
                    None => {
                        let enum_name = self.type_name(ty);
                        let suggestion =
                            closest(n, variants.iter().map(String::as_str)).map(str::to_string);
                        self.r.report(
                            p.span,
                            Problem::UnknownPatternValue {
                                value: n.clone(),
                                enum_name,
                                values: variants,
                                suggestion,
                            },
                        );
                        None
                    }
                }
            }
            (PatternKind::Range { lo, hi, inclusive }, Type::Int | Type::Date) => {
                let lo_v = match lo {
                    Some(b) => match lit(self, &b.kind, b.span) {
                        Some(v) => Some(v),
                        None => {
                            wrong(self, "range");
                            return None;
                        }
                    },
                    None => None,
                };
                let hi_v = match hi {
                    Some(b) => match lit(self, &b.kind, b.span) {
                        Some(v) => Some(v),
                        None => {
                            wrong(self, "range");
                            return None;
                        }
                    },
                    None => None,
                };
                if let (Some(a), Some(b)) = (&lo_v, &hi_v) {
                    if let (Some(x), Some(y)) = (facts::ordinal(a), facts::ordinal(b)) {
                        if x > y || (x == y && !inclusive) {
                            let text = self.r.slice(p.span).to_string();
                            self.r.report(p.span, Problem::EmptyPatternRange { text });
                        }
                    }
                }
                Some(ir::Pattern::Range {
                    lo: lo_v,
                    hi: hi_v,
                    inclusive: *inclusive,
                })
            }
            (PatternKind::Int(_), _) => {
                wrong(self, "int");
                None
            }
            (PatternKind::Date(_), _) => {
                wrong(self, "date");
                None
            }
            (PatternKind::Bool(_), _) => {
                wrong(self, "bool");
                None
            }
            (PatternKind::Text(_), _) => {
                wrong(self, "text");
                None
            }
            (PatternKind::Name(_), _) => {
                wrong(self, "name");
                None
            }
            (PatternKind::Range { .. }, _) => {
                wrong(self, "range");
                None
            }
        }
    }

    /// The values of `ty` within `dom` that `covered` misses, as the author
    /// would write them (at most a handful).
    pub(super) fn missing(&self, ty: Type, dom: Dom, covered: &[Cover]) -> Vec<String> {
        if covered.iter().any(|c| matches!(c, Cover::All)) {
            return Vec::new();
        }
        match ty {
            Type::Bool | Type::Enum(_) => {
                let n = self.variant_count(ty);
                let all = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
                let possible = match dom {
                    Dom::Bits(b) => b & all,
                    _ => all,
                };
                let mut hit = 0u64;
                for c in covered {
                    if let Cover::Value(Value::Bool(b)) = c {
                        hit |= 1 << u8::from(*b);
                    }
                    if let Cover::Value(Value::Enum { variant, .. }) = c {
                        if *variant < 64 {
                            hit |= 1 << variant;
                        }
                    }
                }
                (0..n.min(64))
                    .filter(|i| possible & !hit & (1 << i) != 0)
                    .map(|i| match ty {
                        Type::Enum(e) => format!("`{}`", self.variant_name(e, i)),
                        Type::Bool
                        | Type::Int
                        | Type::Money
                        | Type::Date
                        | Type::DateTime
                        | Type::Text
                        | Type::Duration
                        | Type::Decimal
                        | Type::Unrounded
                        | Type::List(_) => format!("`{}`", i == 1),
                    })
                    .collect()
            }
            Type::Int | Type::Date | Type::DateTime | Type::Money => {
                let (lo, hi) = match dom {
                    Dom::Interval(a, b) => (a, b),
                    _ => (i64::MIN, i64::MAX),
                };
                let intervals: Vec<(i64, i64)> = covered
                    .iter()
                    .filter_map(|c| match c {
                        Cover::Value(v) => facts::ordinal(v).map(|n| (n, n)),
                        Cover::Range(a, b, inclusive) => {
                            let a = a.as_ref().and_then(facts::ordinal).unwrap_or(i64::MIN);
                            let b = match b.as_ref().and_then(facts::ordinal) {
                                Some(b) if *inclusive => b,
                                Some(b) => b.saturating_sub(1),
                                None => i64::MAX,
                            };
                            Some((a, b))
                        }
                        Cover::All => None,
                    })
                    .collect();
                facts::uncovered(lo, hi, &intervals)
                    .into_iter()
                    .take(5)
                    .map(|(a, b)| show_interval(ty, a, b))
                    .collect()
            }
            Type::Text | Type::Duration | Type::Decimal | Type::Unrounded | Type::List(_) => {
                vec!["other values (add `_ => …`)".to_string()]
            }
        }
    }
}

/// What a pattern or row key covers.
#[derive(Clone, Debug)]
pub(crate) enum Cover {
    All,
    Value(Value),
    Range(Option<Value>, Option<Value>, bool),
}

fn show_interval(ty: Type, a: i64, b: i64) -> String {
    let one = |n: i64| -> String {
        match ty {
            Type::Date => i32::try_from(n)
                .ok()
                .and_then(NaiveDate::from_num_days_from_ce_opt)
                .map_or(n.to_string(), |d| d.to_string()),
            Type::Money => Money(n).to_string(),
            Type::DateTime => chrono::DateTime::from_timestamp(n, 0).map_or(n.to_string(), |t| {
                bursar_runtime::datetime::datetime_text(t.naive_utc())
            }),
            Type::Bool
            | Type::Int
            | Type::Text
            | Type::Duration
            | Type::Enum(_)
            | Type::Decimal
            | Type::Unrounded
            | Type::List(_) => n.to_string(),
        }
    };
    let text = match (a == i64::MIN, b == i64::MAX) {
        (true, true) => "any value".to_string(),
        (true, false) => format!("..={}", one(b)),
        (false, true) => format!("{}..", one(a)),
        (false, false) if a == b => one(a),
        (false, false) => format!("{}..={}", one(a), one(b)),
    };
    format!("`{text}`")
}
