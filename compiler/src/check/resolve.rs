//! Resolving names: a path to an applicant field, a list item's field, a
//! named value, an enum value, a table row or the period's ends, with a
//! did-you-mean for each name that is not found.

use bursar_grammar::ast::{self, Span};
use bursar_runtime::ir::{self, Expr, Type, Value};

use super::literal::known_date;
use super::{Checker, Typed};
use crate::diagnostic::Code;
use crate::facts::Facts;
use crate::names::did_you_mean;

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
                if let Some((i, ty)) = self.item_field(&name.name) {
                    return Typed {
                        expr: Expr::Item(i),
                        ty: Some(ty),
                        optional: false,
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
                        self.r
                            .error(
                                Code::TypeMismatch,
                                span,
                                format!("`{}` is a list of items, not one value", name.name),
                                "a list",
                            )
                            .with_help(format!(
                                "ask about its items: `any {0}`, `count({0})`, `min(level of {0})`",
                                name.name
                            ));
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
                    self.r
                        .error(
                            Code::TypeMismatch,
                            span,
                            format!("table `{}` is not an amount", name.name),
                            "a whole table",
                        )
                        .with_help(format!(
                            "pick a row (`{}.{first_row}`) or look one up (`{}[key]`)",
                            name.name, name.name
                        ));
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
                let help = did_you_mean(&name.name, candidates).unwrap_or_else(|| {
                    "names are applicant fields, enum values and `table.row`".to_string()
                });
                let label = match want {
                    Some(ty @ Type::Enum(_)) => {
                        format!("not a field or a value of `{}`", self.type_name(ty))
                    }
                    _ if self.fields.is_empty() => "unknown name".to_string(),
                    _ => "not a field of the applicant".to_string(),
                };
                self.r
                    .error(
                        Code::UnknownName,
                        span,
                        format!("unknown name `{}`", name.name),
                        label,
                    )
                    .with_help(help);
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
                        self.r
                            .error(Code::NotConstant, span, "the scheme has no written deadline", "no `deadline DATE` in the application block")
                            .with_help("`application.deadline` reads a deadline written as a date in the `application` block");
                        Typed::error()
                    }
                }
            }
            // `applicant` is a keyword, so no table or enum has its name.
            [first, second] if first.name == "applicant" => {
                let Some(f) = self.field_id(&second.name) else {
                    let help =
                        did_you_mean(&second.name, self.fields.iter().map(|f| f.name.as_str()))
                            .unwrap_or_else(|| {
                                "`applicant.NAME` reads a field of the applicant".into()
                            });
                    self.r
                        .error(
                            Code::UnknownName,
                            second.span,
                            format!("unknown field `{}`", second.name),
                            "not a field of the applicant",
                        )
                        .with_help(help);
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
            [first, second] if first.name == "period" && self.table_id("period").is_none() => {
                let Some(p) = self.period else {
                    self.r
                        .error(
                            Code::Missing,
                            span,
                            "the scheme declares no period",
                            "no `period` in the header",
                        )
                        .with_help("add `period 2024-01-01 ..= 2024-12-31` to the `scheme` block");
                    return Typed::error();
                };
                match second.name.as_str() {
                    "start" => known_date(p.start),
                    "end" => known_date(p.end),
                    other => {
                        self.r
                            .error(
                                Code::UnknownName,
                                second.span,
                                format!("the period has no `{other}`"),
                                "not a part of the period",
                            )
                            .with_help("write `period.start` or `period.end`");
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
                            let help = did_you_mean(&second.name, rows.iter().map(String::as_str))
                                .unwrap_or_else(|| {
                                    format!(
                                        "its rows are {}",
                                        super::decls::list(
                                            &rows.iter().map(String::as_str).collect::<Vec<_>>()
                                        )
                                    )
                                });
                            self.r
                                .error(
                                    Code::UnknownName,
                                    second.span,
                                    format!("table `{}` has no row `{}`", first.name, second.name),
                                    "no such row",
                                )
                                .with_help(help);
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
                            let help =
                                did_you_mean(&second.name, variants.iter().map(String::as_str))
                                    .unwrap_or_else(|| {
                                        format!(
                                            "its values are {}",
                                            super::decls::list(
                                                &variants
                                                    .iter()
                                                    .map(String::as_str)
                                                    .collect::<Vec<_>>()
                                            )
                                        )
                                    });
                            self.r
                                .error(
                                    Code::UnknownName,
                                    second.span,
                                    format!("`{}` is not a value of `{}`", second.name, first.name),
                                    "no such value",
                                )
                                .with_help(help);
                            Typed::error()
                        }
                    };
                }
                if self.field_id(&first.name).is_some() {
                    self.r
                        .error(
                            Code::TypeMismatch,
                            span,
                            format!("field `{}` has no parts", first.name),
                            "fields are single values",
                        )
                        .with_help(format!("write `{}` alone", first.name));
                    return Typed::error();
                }
                let mut candidates: Vec<&str> =
                    self.tables.iter().map(|t| t.table.name.as_str()).collect();
                candidates.extend(self.enums.iter().map(|e| e.name.as_str()));
                let help = did_you_mean(&first.name, candidates)
                    .unwrap_or_else(|| "`a.b` names a table row or an enum value".into());
                self.r
                    .error(
                        Code::UnknownName,
                        first.span,
                        format!("unknown table or enum `{}`", first.name),
                        "not a table or an enum",
                    )
                    .with_help(help);
                Typed::error()
            }
            _ => {
                self.r
                    .error(
                        Code::UnknownName,
                        span,
                        "a name has at most two parts",
                        "too many parts",
                    )
                    .with_help("write `table.row` or `Enum.value`");
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
                self.r
                    .error(
                        Code::UnknownName,
                        span,
                        format!("`{name}` is a value of both `{a}` and `{b}`"),
                        "ambiguous",
                    )
                    .with_help(format!("write `{a}.{name}` or `{b}.{name}`"));
                Some(Typed::error())
            }
        }
    }
}
