//! Resolving names: a path to an applicant field, a list item's field, a
//! named value, an enum value, a table row or the period's ends, with a
//! did-you-mean for each name that is not found.

use bursar_grammar::ast::{self, Span};
use bursar_runtime::ir::{self, Expr, Type, Value};

use super::literal::known_date;
use super::{Checker, Typed};
use crate::facts::Facts;
use crate::names::closest;
use crate::problem::{FieldUse, Problem};

impl Checker {
    /// The field a bare name (`voc_level`) refers to, if it is one.
    pub(super) fn bare_field(&self, e: &ast::Expr) -> Option<ir::FieldId> {
        e.as_name().and_then(|i| self.field_id(&i.name))
    }

    pub(crate) fn mark_field(&mut self, field: ir::FieldId) {
        if let Some(u) = self.used_fields.get_mut(field as usize) {
            *u = true;
        }
    }

    pub(super) fn path(
        &mut self,
        path: &[ast::Ident],
        span: Span,
        facts: &Facts,
        want: Option<Type>,
    ) -> Typed {
        match path {
            [name] => {
                if let Some((i, f)) = self.item_field(&name.name) {
                    return Typed {
                        expr: Expr::Item(i),
                        ty: Some(f.ty),
                        optional: f.optional && !facts.is_present(crate::facts::item_key(i)),
                    };
                }
                match self.named_value(&name.name).cloned() {
                    Some(super::Named::Value(id)) => {
                        let ty = self.lets.get(id as usize).map(|l| l.ty);
                        return Typed {
                            expr: Expr::Let(id),
                            ty,
                            optional: false,
                        };
                    }
                    Some(super::Named::Items { .. }) => {
                        self.r.report(
                            span,
                            Problem::ListAsValue {
                                name: name.name.clone(),
                            },
                        );
                        return Typed::error();
                    }
                    None => {}
                }
                if let Some(f) = self.field_id(&name.name) {
                    self.mark_field(f);
                    let field = self.field(f);
                    let optional = field.is_some_and(|x| x.optional) && !facts.is_present(f);
                    return Typed {
                        expr: Expr::Field(f),
                        ty: self.field_type(f),
                        optional,
                    };
                }
                if self.poisoned.contains(&name.name) {
                    return Typed::error();
                }
                if let Some(v) = self.variant(&name.name, want, span) {
                    return v;
                }
                if self.table_id(&name.name).is_some() {
                    let first_row = self
                        .tables
                        .iter()
                        .find(|t| t.table.name == name.name)
                        .and_then(|t| t.table.rows.first())
                        .map_or("row".to_string(), |r| r.name.clone());
                    self.r.report(
                        span,
                        Problem::TableAsValue {
                            table: name.name.clone(),
                            first_row,
                        },
                    );
                    return Typed::error();
                }
                let mut candidates: Vec<&str> =
                    self.fields.iter().map(|f| f.name.as_str()).collect();
                candidates.extend(
                    self.enums
                        .iter()
                        .flat_map(|e| e.variants.iter().map(|v| v.name.as_str())),
                );
                candidates.extend(self.tables.iter().map(|t| t.table.name.as_str()));
                let suggestion = closest(&name.name, candidates).map(str::to_string);
                let wanted_enum = match want {
                    Some(ty @ Type::Enum(_)) => Some(self.type_name(ty)),
                    _ => None,
                };
                self.r.report(
                    span,
                    Problem::UnknownName {
                        name: name.name.clone(),
                        wanted_enum,
                        has_fields: !self.fields.is_empty(),
                        suggestion,
                    },
                );
                Typed::error()
            }
            [first, second]
                if first.name == "application"
                    && second.name == "deadline"
                    && self.table_id("application").is_none() =>
            {
                match self.deadline {
                    Some(d) => known_date(d),
                    None => {
                        self.r.report(span, Problem::NoWrittenDeadline);
                        Typed::error()
                    }
                }
            }
            // `applicant` is a keyword, so no table or enum has its name.
            [first, second] if first.name == "applicant" => {
                let Some(f) = self.field_id(&second.name) else {
                    let suggestion =
                        closest(&second.name, self.fields.iter().map(|f| f.name.as_str()))
                            .map(str::to_string);
                    self.r.report(
                        second.span,
                        Problem::UnknownApplicantField {
                            named_as: FieldUse::ApplicantPath,
                            name: second.name.clone(),
                            suggestion,
                        },
                    );
                    return Typed::error();
                };
                self.mark_field(f);
                let optional = self.field(f).is_some_and(|x| x.optional) && !facts.is_present(f);
                Typed {
                    expr: Expr::Field(f),
                    ty: self.field_type(f),
                    optional,
                }
            }
            [first, second] if first.name == "round" && self.table_id("round").is_none() => {
                self.round_part(span, second)
            }
            [first, second] if first.name == "period" && self.table_id("period").is_none() => {
                let Some(p) = self.period else {
                    self.r.report(span, Problem::NoPeriod);
                    return Typed::error();
                };
                match second.name.as_str() {
                    "start" => known_date(p.start),
                    "end" => known_date(p.end),
                    other => {
                        self.r.report(
                            second.span,
                            Problem::UnknownPeriodPart {
                                part: other.to_string(),
                            },
                        );
                        Typed::error()
                    }
                }
            }
            [first, second] => {
                if let Some(t) = self.table_id(&first.name) {
                    let rows: Vec<String> = self
                        .tables
                        .get(t as usize)
                        .map(|t| t.table.rows.iter().map(|r| r.name.clone()).collect())
                        .unwrap_or_default();
                    return match rows.iter().position(|r| *r == second.name) {
                        Some(r) => {
                            if let Some(info) = self.tables.get_mut(t as usize) {
                                info.used = true;
                                if let Some(u) = info.used_rows.get_mut(r) {
                                    *u = true;
                                }
                            }
                            let ty = self
                                .tables
                                .get(t as usize)
                                .and_then(|i| i.table.value)
                                .unwrap_or(Type::Money);
                            Typed {
                                expr: Expr::Row(ir::RowRef {
                                    table: t,
                                    row: r as u32,
                                }),
                                ty: Some(ty),
                                optional: false,
                            }
                        }
                        None => {
                            let suggestion = closest(&second.name, rows.iter().map(String::as_str))
                                .map(str::to_string);
                            self.r.report(
                                second.span,
                                Problem::UnknownRow {
                                    table: first.name.clone(),
                                    row: second.name.clone(),
                                    rows,
                                    suggestion,
                                },
                            );
                            Typed::error()
                        }
                    };
                }
                if let Some(en) = self.enum_id(&first.name) {
                    let variants: Vec<String> = self
                        .enums
                        .get(en as usize)
                        .map(|e| e.variants.iter().map(|v| v.name.clone()).collect())
                        .unwrap_or_default();
                    return match variants.iter().position(|v| *v == second.name) {
                        Some(v) => Typed {
                            expr: Expr::Lit(Value::Enum {
                                ty: en,
                                variant: v as u32,
                            }),
                            ty: Some(Type::Enum(en)),
                            optional: false,
                        },
                        None => {
                            let suggestion =
                                closest(&second.name, variants.iter().map(String::as_str))
                                    .map(str::to_string);
                            self.r.report(
                                second.span,
                                Problem::UnknownEnumValue {
                                    value: second.name.clone(),
                                    enum_name: first.name.clone(),
                                    values: variants,
                                    suggestion,
                                },
                            );
                            Typed::error()
                        }
                    };
                }
                if self.field_id(&first.name).is_some() {
                    self.r.report(
                        span,
                        Problem::FieldHasNoParts {
                            field: first.name.clone(),
                        },
                    );
                    return Typed::error();
                }
                let mut candidates: Vec<&str> =
                    self.tables.iter().map(|t| t.table.name.as_str()).collect();
                candidates.extend(self.enums.iter().map(|e| e.name.as_str()));
                let suggestion = closest(&first.name, candidates).map(str::to_string);
                self.r.report(
                    first.span,
                    Problem::UnknownTableOrEnum {
                        name: first.name.clone(),
                        suggestion,
                    },
                );
                Typed::error()
            }
            _ => {
                self.r.report(span, Problem::TooManyParts);
                Typed::error()
            }
        }
    }

    /// A bare enum value: of the wanted enum, or unique among all enums.
    pub(super) fn variant(&mut self, name: &str, want: Option<Type>, span: Span) -> Option<Typed> {
        let lit = |ty: u32, variant: usize| Typed {
            expr: Expr::Lit(Value::Enum {
                ty,
                variant: variant as u32,
            }),
            ty: Some(Type::Enum(ty)),
            optional: false,
        };
        if let Some(Type::Enum(e)) = want {
            if let Some(v) = self
                .enums
                .get(e as usize)
                .and_then(|d| d.variants.iter().position(|v| v.name == name))
            {
                return Some(lit(e, v));
            }
        }
        let owners: Vec<(u32, usize)> = self
            .enums
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                d.variants
                    .iter()
                    .position(|v| v.name == name)
                    .map(|v| (i as u32, v))
            })
            .collect();
        match owners.as_slice() {
            [] => None,
            [(e, v)] => Some(lit(*e, *v)),
            [(a, _), (b, _), ..] => {
                let (a, b) = (
                    self.type_name(Type::Enum(*a)),
                    self.type_name(Type::Enum(*b)),
                );
                self.r.report(
                    span,
                    Problem::AmbiguousValue {
                        name: name.to_string(),
                        a,
                        b,
                    },
                );
                Some(Typed::error())
            }
        }
    }
}
