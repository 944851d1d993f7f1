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
use crate::diagnostic::Code;
use crate::names::did_you_mean;

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
                self.r
                    .error(
                        Code::DuplicateName,
                        h.span,
                        "a second `history`",
                        "again here",
                    )
                    .with_help("an award rule reads one list of past awards");
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
                        self.r
                            .error(
                                Code::Missing,
                                *span,
                                "a limit per keys counts past awards of every year",
                                "no `ever` after the keys",
                            )
                            .with_help("write `limit 1 per (occupation, level) ever`");
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
                self.r
                    .error(
                        Code::TypeMismatch,
                        l.count_span,
                        "the limit must be between 1 and 1000",
                        "not a usable limit",
                    )
                    .with_help("write `limit 1 per 3 years`");
                continue;
            }
            let Some(h) = &history else {
                if d.history.is_empty() {
                    self.r
                        .error(
                            Code::Missing,
                            what,
                            "a limit over the award history, and no history to read",
                            "no `history` line in the award rule",
                        )
                        .with_help("name the applicant's list of past awards in the award rule: `history past_awards`");
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
            let help = did_you_mean(&name.name, lists.iter().copied()).unwrap_or_else(|| {
                "declare the past awards as a list field: `past_awards list of Award`".into()
            });
            self.r
                .error(
                    Code::UnknownName,
                    name.span,
                    format!("unknown field `{}`", name.name),
                    "not a field of the applicant",
                )
                .with_help(help);
            return None;
        };
        self.mark_field(field);
        match self.field_type(field) {
            Some(Type::List(record)) => Some(History { field, record }),
            Some(_) => {
                self.r
                    .error(
                        Code::TypeMismatch,
                        name.span,
                        format!("`{}` is not a list of past awards", name.name),
                        "not a list",
                    )
                    .with_help("name a `list of` a record with the fields the limits read, e.g. `past_awards list of Award`");
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
                let help = did_you_mean(&key.name, self.fields.iter().map(|f| f.name.as_str()))
                    .unwrap_or_else(|| {
                        "a key is a field of the applicant and of the past awards".into()
                    });
                self.r
                    .error(
                        Code::UnknownName,
                        key.span,
                        format!("unknown field `{}`", key.name),
                        "not a field of the applicant",
                    )
                    .with_help(help);
                ok = false;
                continue;
            };
            let Some((item, item_ty)) = self.history_field(h, &key.name) else {
                let fields: Vec<String> = self
                    .records
                    .get(h.record as usize)
                    .map(|r| r.fields.iter().map(|f| f.name.clone()).collect())
                    .unwrap_or_default();
                let help = did_you_mean(&key.name, fields.iter().map(String::as_str))
                    .unwrap_or_else(|| format!("add `{} …` to record `{record}`", key.name));
                self.r
                    .error(
                        Code::UnknownName,
                        key.span,
                        format!(
                            "the past awards (record `{record}`) have no field `{}`",
                            key.name
                        ),
                        "not a field of the history's record",
                    )
                    .with_help(help);
                ok = false;
                continue;
            };
            self.mark_field(applicant);
            let Some(field) = self.field(applicant).cloned() else {
                ok = false;
                continue;
            };
            if field.optional {
                self.r
                    .error(
                        Code::OptionalRead,
                        key.span,
                        format!("the key `{}` may be absent", key.name),
                        "an optional field",
                    )
                    .with_help(format!(
                        "a limit compares the applicant's `{}` with each past award's: declare it required",
                        key.name
                    ));
                ok = false;
                continue;
            }
            if field.ty != item_ty || matches!(item_ty, Type::List(_)) {
                self.r
                    .error(
                        Code::TypeMismatch,
                        key.span,
                        format!(
                            "the key `{}` is {} for the applicant but {} in record `{record}`",
                            key.name,
                            self.type_name(field.ty),
                            self.type_name(item_ty)
                        ),
                        "the types differ",
                    )
                    .with_help("a key is compared for equality: give both fields one type");
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
            self.r
                .error(
                    Code::UnknownSetting,
                    span,
                    "a limit over the award history counts whole years",
                    "not a number of years",
                )
                .with_help("write `limit 1 per 3 years` (1 to 1000 years)");
            return None;
        }
        let Some(period) = self.period else {
            self.r
                .error(
                    Code::Missing,
                    span,
                    "the scheme declares no period",
                    "the years counted end with the period's year",
                )
                .with_help("add `period 2025-01-01 ..= 2025-12-31` to the `scheme` block");
            return None;
        };
        let record = self.record_name(h);
        let year = match self.history_field(h, "year") {
            Some((year, Type::Int)) => Expr::Item(year),
            Some((_, ty)) => {
                self.r
                    .error(
                        Code::TypeMismatch,
                        span,
                        format!(
                            "the field `year` of record `{record}` is {}, not int",
                            self.type_name(ty)
                        ),
                        "counts past awards by their year",
                    )
                    .with_help(format!("declare `year int` in record `{record}`"));
                return None;
            }
            // No `year`: the year of the record's one date.
            None => match self.history_dates(h).as_slice() {
                [date] => Expr::Call {
                    func: ir::Builtin::Year,
                    args: vec![Expr::Item(*date)],
                },
                _ => {
                    self.r
                        .error(
                            Code::Missing,
                            span,
                            format!("the past awards (record `{record}`) have no year"),
                            "counts past awards by their year",
                        )
                        .with_help(format!(
                            "add `year int \"year\"` to record `{record}` (or, instead, a single date of the award)"
                        ));
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
