//! Limits over the applicant's award history: `history past_awards` names
//! the list field of past awards, and `limit 1 per (occupation, level) ever`
//! and `limit 1 per 3 years` read it.
//!
//! Each limit is lowered to a shared exclusion over the history list (an
//! `unless` condition after the `require` lines): the evaluator, the
//! explanations (which name the past award that excluded) and the reports
//! (a not-eligible reason with the limit's clause) treat it as any
//! condition, and the bundle carries it as one.

use bursar_grammar::ast::{self, DurationUnit, Span};
use bursar_runtime::ir::{self, CompareOp, Expr, FieldId, Type, Value};
use chrono::Datelike;

use super::Checker;
use crate::names::closest;
use crate::problem::{FieldUse, Problem};

/// The history list field, and the record of its items.
struct History {
    field: FieldId,
    record: ir::RecordId,
}

impl Checker {
    /// The award rule's history list field, and one exclusion per limit
    /// over it, citing the limit's clause (or the award's).
    pub(super) fn history(
        &mut self,
        d: &ast::AwardDecl,
        award_clause: Option<&String>,
    ) -> (Option<FieldId>, Vec<ir::Condition>) {
        let mut history = None;
        for (i, h) in d.history.iter().enumerate() {
            if i > 0 {
                self.r.report(h.span, Problem::HistoryTwice);
                continue;
            }
            let _ = self.clause(h.clause.as_ref());
            history = self.history_list(&h.list);
        }
        let mut conditions = Vec::new();
        for l in &d.limits {
            let (filter, what) = match &l.scope {
                ast::LimitScope::Keys { keys, ever, span } => {
                    if !*ever {
                        self.r.report(*span, Problem::HistoryKeysWithoutEver);
                        continue;
                    }
                    (Scope::Keys(keys), *span)
                }
                ast::LimitScope::Years { count, unit, span } => {
                    (Scope::Years(*count, *unit), *span)
                }
                ast::LimitScope::Name(_) | ast::LimitScope::Group { .. } => continue,
            };
            if l.count < 1 || l.count > 1000 {
                self.r.report(l.count_span, Problem::HistoryLimitRange);
                continue;
            }
            let Some(h) = &history else {
                if d.history.is_empty() {
                    self.r.report(what, Problem::HistoryMissing);
                }
                continue;
            };
            let filter = match filter {
                Scope::Keys(keys) => self.history_keys(h, keys),
                Scope::Years(count, unit) => self.history_years(h, count, unit, what),
            };
            let Some(filter) = filter else { continue };
            let items = ir::ItemSet {
                list: h.field,
                filter: Some(Box::new(filter)),
            };
            // One past award is enough to exclude under `limit 1`: `any`,
            // whose explanation names that award; more need counting.
            let expr = if l.count == 1 {
                Expr::Any(items)
            } else {
                Expr::Compare {
                    op: CompareOp::Ge,
                    lhs: Box::new(Expr::Aggregate {
                        func: ir::Aggregate::Count,
                        items,
                        of: None,
                        ty: Type::Int,
                    }),
                    rhs: Box::new(Expr::Lit(Value::Int(l.count))),
                }
            };
            let clause = self.clause(l.clause.as_ref()).or(award_clause.cloned());
            // The limit as written, without its clause: how documents and
            // reports name the exclusion.
            let text = self.text_of(Span::new(l.span.start, what.end));
            conditions.push(ir::Condition {
                kind: ir::ConditionKind::Unless,
                expr,
                label: Some(text.clone()),
                text,
                clause,
            });
        }
        (history.map(|h| h.field), conditions)
    }

    /// `history NAME`: an applicant field holding a list of records.
    fn history_list(&mut self, name: &ast::Ident) -> Option<History> {
        let lists: Vec<&str> = self
            .fields
            .iter()
            .filter(|f| matches!(f.ty, Type::List(_)))
            .map(|f| f.name.as_str())
            .collect();
        let Some(field) = self.field_id(&name.name) else {
            self.r.report(
                name.span,
                Problem::UnknownApplicantField {
                    named_as: FieldUse::History,
                    name: name.name.clone(),
                    suggestion: closest(&name.name, lists.iter().copied()).map(str::to_string),
                },
            );
            return None;
        };
        self.mark_field(field);
        match self.field_type(field) {
            Some(Type::List(record)) => Some(History { field, record }),
            Some(_) => {
                self.r.report(
                    name.span,
                    Problem::HistoryNotList {
                        name: name.name.clone(),
                    },
                );
                None
            }
            None => None,
        }
    }

    /// The field `name` of the history's record and its type.
    fn history_field(&self, h: &History, name: &str) -> Option<(FieldId, Type)> {
        let record = self.records.get(h.record as usize)?;
        let i = record.fields.iter().position(|f| f.name == name)?;
        Some((i as FieldId, record.fields.get(i)?.ty))
    }

    /// The date fields of the history's record.
    fn history_dates(&self, h: &History) -> Vec<FieldId> {
        self.records
            .get(h.record as usize)
            .map(|r| {
                r.fields
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.ty == Type::Date)
                    .filter_map(|(i, _)| u32::try_from(i).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn record_name(&self, h: &History) -> String {
        self.records
            .get(h.record as usize)
            .map_or(String::new(), |r| r.name.clone())
    }

    /// `(occupation, level)`: each key a required applicant field and a
    /// field of the history's record, of one type; the past awards whose
    /// keys equal the applicant's.
    fn history_keys(&mut self, h: &History, keys: &[ast::Ident]) -> Option<Expr> {
        let mut same = Vec::new();
        let mut ok = true;
        for key in keys {
            let record = self.record_name(h);
            let Some(applicant) = self.field_id(&key.name) else {
                let suggestion = closest(&key.name, self.fields.iter().map(|f| f.name.as_str()))
                    .map(str::to_string);
                self.r.report(
                    key.span,
                    Problem::UnknownApplicantField {
                        named_as: FieldUse::HistoryKey,
                        name: key.name.clone(),
                        suggestion,
                    },
                );
                ok = false;
                continue;
            };
            let Some((item, item_ty)) = self.history_field(h, &key.name) else {
                let fields: Vec<String> = self
                    .records
                    .get(h.record as usize)
                    .map(|r| r.fields.iter().map(|f| f.name.clone()).collect())
                    .unwrap_or_default();
                let suggestion =
                    closest(&key.name, fields.iter().map(String::as_str)).map(str::to_string);
                self.r.report(
                    key.span,
                    Problem::HistoryKeyNotInRecord {
                        name: key.name.clone(),
                        record: record.clone(),
                        suggestion,
                    },
                );
                ok = false;
                continue;
            };
            self.mark_field(applicant);
            let Some(field) = self.field(applicant).cloned() else {
                ok = false;
                continue;
            };
            if field.optional {
                self.r.report(
                    key.span,
                    Problem::HistoryOptionalKey {
                        name: key.name.clone(),
                    },
                );
                ok = false;
                continue;
            }
            if field.ty != item_ty || matches!(item_ty, Type::List(_)) {
                let (applicant, item) = (self.type_name(field.ty), self.type_name(item_ty));
                self.r.report(
                    key.span,
                    Problem::HistoryKeyTypes {
                        name: key.name.clone(),
                        applicant,
                        record: record.clone(),
                        item,
                    },
                );
                ok = false;
                continue;
            }
            same.push(Expr::Compare {
                op: CompareOp::Eq,
                lhs: Box::new(Expr::Item(item)),
                rhs: Box::new(Expr::Field(applicant)),
            });
        }
        if !ok {
            return None;
        }
        match same.len() {
            0 => None,
            1 => same.pop(),
            _ => Some(Expr::And(same)),
        }
    }

    /// `per N years`: the past awards of the period's year and the `N - 1`
    /// years before it, by the record's `year int` field, or else by the
    /// year of its one date.
    fn history_years(
        &mut self,
        h: &History,
        count: i64,
        unit: DurationUnit,
        span: Span,
    ) -> Option<Expr> {
        if unit != DurationUnit::Years || !(1..=1000).contains(&count) {
            self.r.report(span, Problem::HistoryWholeYears);
            return None;
        }
        let Some(period) = self.period else {
            self.r.report(span, Problem::HistoryNoPeriod);
            return None;
        };
        let record = self.record_name(h);
        let year = match self.history_field(h, "year") {
            Some((year, Type::Int)) => Expr::Item(year),
            Some((_, ty)) => {
                let ty = self.type_name(ty);
                self.r
                    .report(span, Problem::HistoryYearNotInt { record, ty });
                return None;
            }
            // No `year`: the year of the record's one date.
            None => match self.history_dates(h).as_slice() {
                [date] => Expr::Call {
                    func: ir::Builtin::Year,
                    args: vec![Expr::Item(*date)],
                },
                _ => {
                    self.r.report(span, Problem::HistoryNoYear { record });
                    return None;
                }
            },
        };
        let last = i64::from(period.start.year());
        Some(Expr::InRange {
            expr: Box::new(year),
            lo: Some(Box::new(Expr::Lit(Value::Int(last - (count - 1))))),
            hi: Some(Box::new(Expr::Lit(Value::Int(last)))),
            inclusive: true,
        })
    }
}

/// What a limit over the history counts by.
enum Scope<'a> {
    Keys(&'a [ast::Ident]),
    Years(i64, DurationUnit),
}
