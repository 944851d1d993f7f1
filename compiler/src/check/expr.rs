//! Checking expressions: one arm of [`Checker::expr`] per expression form.
//!
//! The absence rule: an optional field (`int?`) may only be read where the
//! checker knows it is present, established by `x is present` earlier in the
//! same `and` chain, in an earlier `when` or `require` line, or in the
//! condition of an enclosing `if`; or with a default, `x ?? 0`. So an absent
//! value can never pay and never reaches an operator at run time.

use bursar_grammar::ast::{self, BinaryOp, ExprKind, PatternKind, Span, UnaryOp};
use bursar_runtime::ir::{self, Builtin, Expr, Type, Value};
use bursar_runtime::Money;
use chrono::{Datelike, NaiveDate};

use super::{Checker, Typed};
use crate::diagnostic::Code;
use crate::facts::{self, Conflict, Dom, Facts};
use crate::names::did_you_mean;

impl Checker {
    /// Checks an expression whose value is read: an optional value here is an error.
    pub(crate) fn value(&mut self, e: &ast::Expr, facts: &Facts, want: Option<Type>) -> Typed {
        let mut t = self.expr(e, facts, want);
        if t.optional {
            let name = self.r.slice(e.span).to_string();
            self.r
                .error(
                    Code::OptionalRead,
                    e.span,
                    format!("`{name}` may be absent here"),
                    "read without saying what absence means",
                )
                .with_help(format!(
                    "test it first (`{name} is present and …`) or give a default (`{name} ?? …`)"
                ));
            t.optional = false;
        }
        t
    }

    /// Reports a type other than `want` (unless an error was already reported).
    pub(crate) fn expect_type(&mut self, t: &Typed, want: Type, span: Span, why: &str) {
        if let Some(ty) = t.ty {
            if (ty, want) == (Type::Unrounded, Type::Money) {
                let text = self.r.slice(span).to_string();
                self.r
                    .error(
                        Code::Unrounded,
                        span,
                        format!("`{text}` may not be a whole fen"),
                        "an amount with fractions of a fen",
                    )
                    .with_help(format!(
                        "say how to round it: `round({text}, fen, half_up)` (or `half_even`, `down`, `up`; to `fen`, `yuan`, `ten`, `hundred`)"
                    ));
                return;
            }
            if ty != want {
                let (want_name, got) = (self.type_name(want), self.type_name(ty));
                self.r
                    .error(
                        Code::TypeMismatch,
                        span,
                        format!("expected `{want_name}`, found `{got}`"),
                        format!("this is `{got}`"),
                    )
                    .with_help(why.to_string());
            }
        }
    }

    /// Reports an expression nested deeper than the runtime promises to
    /// evaluate (`ir::MAX_DEPTH`): brackets are bounded by the parser, but
    /// `if … else if …` and the like are not. Long chains of one operator
    /// are one node and never reach this.
    pub(crate) fn expect_shallow(&mut self, t: &Typed, span: Span) {
        if t.expr.depth() > ir::MAX_DEPTH {
            self.r
                .error(
                    Code::TooDeep,
                    span,
                    format!("expression nests more than {} levels deep", ir::MAX_DEPTH),
                    "too deeply nested",
                )
                .with_help("split it: put part of it in a table, a `match` or another `when` line");
        }
    }

    /// Adds what a condition establishes to `facts`.
    pub(crate) fn assume(
        &self,
        facts: &mut Facts,
        expr: &Expr,
        span: Span,
    ) -> Result<(), Conflict> {
        let universe = |f: ir::FieldId| self.key_type(f);
        let variants = |t: Type| self.variant_count(t);
        facts.assume(expr, span, &universe, &variants)
    }

    /// Checks any expression; the result may be optional.
    pub(crate) fn expr(&mut self, e: &ast::Expr, facts: &Facts, want: Option<Type>) -> Typed {
        let known = |expr: Expr, ty: Type| Typed {
            expr,
            ty: Some(ty),
            optional: false,
        };
        match &e.kind {
            ExprKind::Bool(b) => known(Expr::Lit(Value::Bool(*b)), Type::Bool),
            ExprKind::Int(n) => known(Expr::Lit(Value::Int(*n)), Type::Int),
            ExprKind::Decimal(d) | ExprKind::Percent(d) => {
                let parsed = d
                    .parse::<bursar_runtime::decimal::Decimal>()
                    .ok()
                    .and_then(|x| {
                        if matches!(e.kind, ExprKind::Percent(_)) {
                            x.checked_div(bursar_runtime::decimal::Decimal::from_int(100))
                        } else {
                            Some(x)
                        }
                    });
                match parsed {
                    Some(x) => known(Expr::Lit(Value::Decimal(x)), Type::Decimal),
                    None => {
                        self.r
                            .error(
                                Code::NumberTooLarge,
                                e.span,
                                format!("`{d}` has too many digits"),
                                "not a number Bursar can hold exactly",
                            )
                            .with_help("write at most 18 digits");
                        Typed::error()
                    }
                }
            }
            ExprKind::Money { amount, unit } => match self.money(amount, unit, e.span) {
                Some(m) => known(Expr::Lit(Value::Money(m)), Type::Money),
                None => Typed::error(),
            },
            ExprKind::Date(d) => match self.date(d, e.span) {
                Some(d) => known(Expr::Lit(Value::Date(d)), Type::Date),
                None => Typed::error(),
            },
            ExprKind::Duration { count, unit } => known(
                Expr::Lit(Value::Duration(
                    ir::Duration {
                        count: *count,
                        unit: duration_unit(*unit),
                    }
                    .into(),
                )),
                Type::Duration,
            ),
            ExprKind::Text(t) => known(Expr::Lit(Value::Text(t.clone())), Type::Text),
            ExprKind::Path(path) => self.path(path, e.span, facts, want),
            ExprKind::Index { table, key } => self.lookup(table, key, e.span, facts),
            ExprKind::Call { func, args } => self.call(func, args, e.span, facts),
            ExprKind::Quantifier {
                quantifier,
                list,
                filter,
            } => self.quantifier(*quantifier, list, filter.as_deref(), e.span, facts),
            ExprKind::Aggregate {
                func,
                of,
                list,
                filter,
            } => self.aggregate(func, of.as_deref(), list, filter.as_deref(), e.span, facts),
            ExprKind::Unary { op, expr } => match op {
                UnaryOp::Not => {
                    let t = self.value(expr, facts, Some(Type::Bool));
                    self.expect_type(&t, Type::Bool, expr.span, "`not` applies to a condition");
                    Typed {
                        expr: Expr::Not(Box::new(t.expr)),
                        ty: t.ty.map(|_| Type::Bool),
                        optional: false,
                    }
                }
                UnaryOp::Neg => {
                    let t = self.value(expr, facts, want);
                    // A negated literal is folded only when the negation
                    // fits; otherwise it stays a negation, which the
                    // evaluator reports as an overflow (never a literal of
                    // the wrong sign).
                    match (t.ty, t.expr) {
                        (Some(Type::Int), Expr::Lit(Value::Int(n)))
                            if n.checked_neg().is_some() =>
                        {
                            known(Expr::Lit(Value::Int(-n)), Type::Int)
                        }
                        (Some(Type::Money), Expr::Lit(Value::Money(m)))
                            if m.checked_neg().is_some() =>
                        {
                            known(Expr::Lit(Value::Money(Money(-m.minor()))), Type::Money)
                        }
                        (
                            Some(ty @ (Type::Int | Type::Money | Type::Decimal | Type::Unrounded)),
                            inner,
                        ) => known(Expr::Neg(Box::new(inner)), ty),
                        (Some(ty), _) => {
                            let name = self.type_name(ty);
                            self.r
                                .error(
                                    Code::TypeMismatch,
                                    e.span,
                                    format!("cannot negate `{name}`"),
                                    format!("this is `{name}`"),
                                )
                                .with_help("only numbers and money have a minus sign");
                            Typed::error()
                        }
                        (None, _) => Typed::error(),
                    }
                }
            },
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span, facts),
            ExprKind::Chain { first, rest } => {
                let rest: Vec<(BinaryOp, &ast::Expr)> =
                    rest.iter().map(|(op, e)| (*op, e)).collect();
                self.chain(first, &rest, facts)
            }
            ExprKind::In { expr, negated, set } => {
                let t = self.value(expr, facts, None);
                let test = self.membership(&t, set, facts);
                match test {
                    Some(test) => known(
                        if *negated {
                            Expr::Not(Box::new(test))
                        } else {
                            test
                        },
                        Type::Bool,
                    ),
                    None => Typed::error(),
                }
            }
            ExprKind::Set(_) | ExprKind::Range { .. } => {
                self.r
                    .error(
                        Code::TypeMismatch,
                        e.span,
                        "a set or range is only allowed after `in`",
                        "not a value on its own",
                    )
                    .with_help("write `x in {a, b}` or `x in 1..=3`");
                Typed::error()
            }
            ExprKind::Is { expr, present } => {
                let field = self.bare_field(expr);
                let Some(field) = field else {
                    let t = self.expr(expr, facts, None);
                    if t.ty.is_some() {
                        self.r
                            .error(
                                Code::TypeMismatch,
                                expr.span,
                                "only an applicant field can be absent",
                                "not a field",
                            )
                            .with_help(
                                "write `voc_level is present` with a field of the applicant",
                            );
                    }
                    return Typed::error();
                };
                self.mark_field(field);
                if !self.field(field).is_some_and(|f| f.optional) {
                    let name = self.field(field).map_or(String::new(), |f| f.name.clone());
                    self.r
                        .warning(
                            Code::Unreachable,
                            e.span,
                            format!("`{name}` is never absent"),
                            "this test always gives the same answer",
                        )
                        .with_help(format!(
                            "declare it optional (`{name} <type>?`) if it may be missing"
                        ));
                }
                let test = Expr::IsPresent(field);
                known(
                    if *present {
                        test
                    } else {
                        Expr::Not(Box::new(test))
                    },
                    Type::Bool,
                )
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                let c = self.value(cond, facts, Some(Type::Bool));
                self.expect_type(&c, Type::Bool, cond.span, "an `if` tests a condition");
                let mut then_facts = facts.clone();
                let _ = self.assume(&mut then_facts, &c.expr, cond.span);
                let a = self.value(then, &then_facts, want);
                let b = self.value(otherwise, facts, want.or(a.ty));
                let ty = self.unify(
                    &[(a.ty, then.span), (b.ty, otherwise.span)],
                    "both branches of an `if` must have the same type",
                );
                Typed {
                    expr: Expr::If {
                        cond: Box::new(c.expr),
                        then: Box::new(a.expr),
                        otherwise: Box::new(b.expr),
                    },
                    ty,
                    optional: false,
                }
            }
            ExprKind::Match { scrutinee, arms } => {
                self.match_expr(scrutinee, arms, e.span, facts, want)
            }
        }
    }

    /// The field a bare name (`voc_level`) refers to, if it is one.
    fn bare_field(&self, e: &ast::Expr) -> Option<ir::FieldId> {
        match &e.kind {
            ExprKind::Path(p) if p.len() == 1 => p.first().and_then(|i| self.field_id(&i.name)),
            _ => None,
        }
    }

    pub(crate) fn mark_field(&mut self, field: ir::FieldId) {
        if let Some(u) = self.used_fields.get_mut(field as usize) {
            *u = true;
        }
    }

    /// The common type of several expressions, reporting the first that differs.
    fn unify(&mut self, items: &[(Option<Type>, Span)], why: &str) -> Option<Type> {
        let mut first: Option<(Type, Span)> = None;
        let mut ok = true;
        for (ty, span) in items {
            let Some(ty) = ty else {
                ok = false;
                continue;
            };
            match first {
                None => first = Some((*ty, *span)),
                Some((f, fspan)) if f != *ty => {
                    let (a, b) = (self.type_name(f), self.type_name(*ty));
                    self.r
                        .error(
                            Code::TypeMismatch,
                            *span,
                            format!("expected `{a}`, found `{b}`"),
                            format!("this is `{b}`"),
                        )
                        .with_label(fspan, format!("this is `{a}`"))
                        .with_help(why.to_string());
                    ok = false;
                }
                Some(_) => {}
            }
        }
        if ok {
            first.map(|(t, _)| t)
        } else {
            None
        }
    }

    fn path(
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
                            Typed {
                                expr: Expr::Row(ir::RowRef {
                                    table: t,
                                    row: r as u32,
                                }),
                                ty: Some(Type::Money),
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
    fn variant(&mut self, name: &str, want: Option<Type>, span: Span) -> Option<Typed> {
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

    fn lookup(
        &mut self,
        table: &[ast::Ident],
        key: &ast::Expr,
        span: Span,
        facts: &Facts,
    ) -> Typed {
        let [name] = table else {
            self.r
                .error(
                    Code::UnknownName,
                    span,
                    "only a table can be looked up",
                    "not a table",
                )
                .with_help("write `table[key]`");
            return Typed::error();
        };
        let Some(t) = self.table_id(&name.name) else {
            let help = did_you_mean(
                &name.name,
                self.tables.iter().map(|t| t.table.name.as_str()),
            )
            .unwrap_or_else(|| "look up a table declared with `table … by …`".into());
            self.r
                .error(
                    Code::UnknownName,
                    name.span,
                    format!("unknown table `{}`", name.name),
                    "not a table",
                )
                .with_help(help);
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
            let first = info
                .table
                .rows
                .first()
                .map_or("row".to_string(), |r| r.name.clone());
            self.r
                .error(Code::TypeMismatch, span, format!("table `{}` has named rows, not keys", name.name), "cannot be looked up")
                .with_help(format!("pick a row by name (`{}.{first}`), or declare the table `by int` or by an enum", name.name));
            return Typed::error();
        };
        let k = self.value(key, facts, Some(key_type));
        self.expect_type(
            &k,
            key_type,
            key.span,
            "a table is looked up by its key type",
        );
        if k.ty == Some(key_type) {
            let dom = self.dom_of(&k.expr, facts);
            let covered: Vec<Cover> = row_keys.iter().map(|v| Cover::Value(v.clone())).collect();
            let missing = if self.quiet_exhaustiveness {
                Vec::new()
            } else {
                self.missing(key_type, dom, &covered)
            };
            if !missing.is_empty() {
                let key_text = self.r.slice(key.span).to_string();
                self.r
                    .error(Code::NonExhaustive, span, format!("table `{}` has no row for {}", name.name, missing.join(", ")), format!("`{key_text}` may be {} here", missing.join(" or ")))
                    .with_help(format!("add rows for them, or narrow `{key_text}` with a `when` condition (`{key_text} in {{…}}`)"));
            }
        }
        Typed {
            expr: Expr::Lookup {
                table: t,
                key: Box::new(k.expr),
            },
            ty: Some(Type::Money),
            optional: false,
        }
    }

    fn call(&mut self, func: &ast::Ident, args: &[ast::Expr], span: Span, facts: &Facts) -> Typed {
        let builtin = match func.name.as_str() {
            "year" => Builtin::Year,
            "month" => Builtin::Month,
            "day" => Builtin::Day,
            "min" => Builtin::Min,
            "max" => Builtin::Max,
            "count" => return self.count_call(args, span, facts),
            "round" => return self.round(args, span, facts),
            other => {
                let names = [
                    "year", "month", "day", "min", "max", "count", "sum", "round",
                ];
                let help = did_you_mean(other, names).unwrap_or_else(|| {
                    "functions are `year`, `month`, `day`, `min`, `max`, `round`, and over lists `count`, `sum`, `min`, `max`".into()
                });
                self.r
                    .error(
                        Code::UnknownName,
                        func.span,
                        format!("unknown function `{other}`"),
                        "not a function",
                    )
                    .with_help(help);
                return Typed::error();
            }
        };
        let arity_ok = match builtin {
            Builtin::Year | Builtin::Month | Builtin::Day => args.len() == 1,
            Builtin::Min | Builtin::Max => args.len() >= 2,
        };
        if !arity_ok {
            let (takes, example) = match builtin {
                Builtin::Year | Builtin::Month | Builtin::Day => (
                    "1 argument".to_string(),
                    format!("write `{}(voc_issued)`", func.name),
                ),
                Builtin::Min | Builtin::Max => (
                    "two or more arguments".to_string(),
                    format!(
                        "write `{0}(a, b)`, or over a list `{0}(level of certificates)`",
                        func.name
                    ),
                ),
            };
            self.r
                .error(
                    Code::TypeMismatch,
                    span,
                    format!("`{}` takes {takes}", func.name),
                    format!("given {}", args.len()),
                )
                .with_help(example);
            return Typed::error();
        }
        let typed: Vec<Typed> = args.iter().map(|a| self.value(a, facts, None)).collect();
        let ty = match builtin {
            Builtin::Year | Builtin::Month | Builtin::Day => {
                if let (Some(t), Some(a)) = (typed.first(), args.first()) {
                    self.expect_type(t, Type::Date, a.span, "this function takes a date");
                }
                typed.first().and_then(|t| t.ty).map(|_| Type::Int)
            }
            Builtin::Min | Builtin::Max => {
                let items: Vec<(Option<Type>, Span)> = typed
                    .iter()
                    .zip(args)
                    .map(|(t, a)| (t.ty, a.span))
                    .collect();
                let ty = self.unify(&items, "`min` and `max` compare values of one type");
                match ty {
                    None => ty,
                    Some(t) if t.is_ordered() => ty,
                    Some(other) => {
                        let name = self.type_name(other);
                        self.r
                            .error(
                                Code::TypeMismatch,
                                span,
                                format!("`{}` does not apply to `{name}`", func.name),
                                "not ordered",
                            )
                            .with_help("`min` and `max` take numbers, money or dates");
                        None
                    }
                }
            }
        };
        Typed {
            expr: Expr::Call {
                func: builtin,
                args: typed.into_iter().map(|t| t.expr).collect(),
            },
            ty,
            optional: false,
        }
    }

    /// `round(x, fen, half_up)`: an amount to a whole unit, by a mode.
    fn round(&mut self, args: &[ast::Expr], span: Span, facts: &Facts) -> Typed {
        let help = "write `round(amount, fen, half_up)`: units `fen`, `yuan`, `ten`, `hundred`; modes `half_up`, `half_even`, `down`, `up`";
        let [value, unit, mode] = args else {
            self.r
                .error(
                    Code::TypeMismatch,
                    span,
                    "`round` takes three arguments",
                    format!("given {}", args.len()),
                )
                .with_help(help);
            return Typed::error();
        };
        let v = self.value(value, facts, None);
        let word = |e: &ast::Expr| match &e.kind {
            ExprKind::Path(p) if p.len() == 1 => p.first().map(|i| i.name.clone()),
            _ => None,
        };
        let unit_ir =
            word(unit).and_then(|w| ir::RoundUnit::ALL.into_iter().find(|u| u.name() == w));
        let mode_ir = word(mode).and_then(|w| {
            bursar_runtime::decimal::RoundMode::ALL
                .into_iter()
                .find(|m| m.name() == w)
        });
        if unit_ir.is_none() {
            let found = self.r.slice(unit.span).to_string();
            let hint = did_you_mean(&found, ir::RoundUnit::ALL.map(|u| u.name()))
                .unwrap_or_else(|| help.to_string());
            self.r
                .error(
                    Code::UnknownName,
                    unit.span,
                    format!("`{found}` is not a unit to round to"),
                    "not a unit",
                )
                .with_help(hint);
        }
        if mode_ir.is_none() {
            let found = self.r.slice(mode.span).to_string();
            let hint = did_you_mean(
                &found,
                bursar_runtime::decimal::RoundMode::ALL.map(|m| m.name()),
            )
            .unwrap_or_else(|| help.to_string());
            self.r
                .error(
                    Code::UnknownName,
                    mode.span,
                    format!("`{found}` is not a way to round"),
                    "not a rounding mode",
                )
                .with_help(hint);
        }
        match v.ty {
            Some(Type::Money | Type::Unrounded) | None => {}
            Some(other) => {
                let name = self.type_name(other);
                self.r
                    .error(
                        Code::TypeMismatch,
                        value.span,
                        format!("`round` rounds amounts, not `{name}`"),
                        format!("this is `{name}`"),
                    )
                    .with_help("round an amount of money: `round(income * 5%, fen, half_up)`");
                return Typed::error();
            }
        }
        let (Some(unit), Some(mode), Some(_)) = (unit_ir, mode_ir, v.ty) else {
            return Typed::error();
        };
        Typed {
            expr: Expr::Round {
                value: Box::new(v.expr),
                unit,
                mode,
            },
            ty: Some(Type::Money),
            optional: false,
        }
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        facts: &Facts,
    ) -> Typed {
        let result = |expr: Expr, ty: Option<Type>| Typed {
            expr,
            ty,
            optional: false,
        };
        if op.chain_level().is_some() {
            return self.chain(lhs, &[(op, rhs)], facts);
        }
        match op {
            BinaryOp::Default => {
                let field = self.bare_field(lhs);
                let Some(field) = field else {
                    let t = self.expr(lhs, facts, None);
                    if t.ty.is_some() {
                        self.r
                            .error(
                                Code::TypeMismatch,
                                lhs.span,
                                "`??` gives a default to an optional field",
                                "not a field",
                            )
                            .with_help("write `voc_level ?? 0`");
                    }
                    return Typed::error();
                };
                self.mark_field(field);
                let ty = self.field_type(field);
                let d = self.value(rhs, facts, ty);
                if let Some(ty) = ty {
                    self.expect_type(&d, ty, rhs.span, "the default must have the field's type");
                }
                result(
                    Expr::Default {
                        field,
                        default: Box::new(d.expr),
                    },
                    ty,
                )
            }
            _ => {
                let a = self.value(lhs, facts, None);
                // A bare enum value on the left is resolved against the right.
                let b = self.value(rhs, facts, a.ty);
                let (Some(ta), Some(tb)) = (a.ty, b.ty) else {
                    return Typed::error();
                };
                let cmp = match op {
                    BinaryOp::Eq => ir::CompareOp::Eq,
                    BinaryOp::Ne => ir::CompareOp::Ne,
                    BinaryOp::Lt => ir::CompareOp::Lt,
                    BinaryOp::Le => ir::CompareOp::Le,
                    BinaryOp::Gt => ir::CompareOp::Gt,
                    BinaryOp::Ge => ir::CompareOp::Ge,
                    // Chains were handled above; `??` has its own arm.
                    BinaryOp::And
                    | BinaryOp::Or
                    | BinaryOp::Add
                    | BinaryOp::Sub
                    | BinaryOp::Mul
                    | BinaryOp::Div
                    | BinaryOp::Default => return Typed::error(),
                };
                let ordered = !matches!(cmp, ir::CompareOp::Eq | ir::CompareOp::Ne);
                if ta != tb {
                    self.mismatch(op, ta, tb, lhs.span, rhs.span, span);
                    return Typed::error();
                }
                if ordered && !ta.is_ordered() {
                    let name = self.type_name(ta);
                    self.r
                        .error(
                            Code::TypeMismatch,
                            span,
                            format!("`{}` does not order `{name}` values", op.symbol()),
                            format!("`{name}` has no order"),
                        )
                        .with_help("compare with `==` or `!=`, or test membership with `in {…}`");
                    return Typed::error();
                }
                result(
                    Expr::Compare {
                        op: cmp,
                        lhs: Box::new(a.expr),
                        rhs: Box::new(b.expr),
                    },
                    Some(Type::Bool),
                )
            }
        }
    }

    /// Checks a chain of operators of one level (`and`; `or`; `+` and `-`;
    /// `*`) left to right in one loop. Each term is checked once and, for
    /// `and`, narrows the facts once, so a chain of n terms costs O(n): the
    /// checker used to re-read the whole left side at every `and`.
    fn chain(
        &mut self,
        first: &ast::Expr,
        rest: &[(BinaryOp, &ast::Expr)],
        facts: &Facts,
    ) -> Typed {
        match rest.first().map(|(op, _)| *op) {
            Some(BinaryOp::And) => self.and_chain(first, rest, facts),
            Some(BinaryOp::Or) => {
                let why = "`and` and `or` join conditions";
                let a = self.value(first, facts, Some(Type::Bool));
                self.expect_type(&a, Type::Bool, first.span, why);
                let mut operands = vec![a.expr];
                for (_, e) in rest {
                    let b = self.value(e, facts, Some(Type::Bool));
                    self.expect_type(&b, Type::Bool, e.span, why);
                    operands.push(b.expr);
                }
                Typed {
                    expr: ir_or(operands),
                    ty: Some(Type::Bool),
                    optional: false,
                }
            }
            Some(BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div) => {
                let mut acc = self.value(first, facts, None);
                let mut steps = Vec::with_capacity(rest.len());
                let mut lspan = first.span;
                for (op, e) in rest {
                    // An operand's expected type helps name enum values;
                    // across `*` and `/` the types differ (money times a rate).
                    let hint = if matches!(op, BinaryOp::Add | BinaryOp::Sub) {
                        acc.ty
                    } else {
                        None
                    };
                    let b = self.value(e, facts, hint);
                    let arith = arith_op(*op);
                    let ty = match arith {
                        Some(arith) => self.arith_type(arith, *op, &acc, &b, lspan, e.span),
                        None => None,
                    };
                    lspan = lspan.to(e.span);
                    steps.push((arith.unwrap_or(ir::ArithOp::Add), b.expr));
                    acc.ty = ty;
                }
                Typed {
                    expr: ir_arith(acc.expr, steps),
                    ty: acc.ty,
                    optional: false,
                }
            }
            // The parser makes chains of `and`, `or`, `+`/`-` and `*` only.
            Some(
                BinaryOp::Eq
                | BinaryOp::Ne
                | BinaryOp::Lt
                | BinaryOp::Le
                | BinaryOp::Gt
                | BinaryOp::Ge
                | BinaryOp::Default,
            )
            | None => self.value(first, facts, None),
        }
    }

    /// `a and b and …`: each term is checked knowing the terms before it
    /// hold (the absence rule), and a term that contradicts them is reported.
    fn and_chain(
        &mut self,
        first: &ast::Expr,
        rest: &[(BinaryOp, &ast::Expr)],
        facts: &Facts,
    ) -> Typed {
        let why = "`and` and `or` join conditions";
        let mut narrowed = facts.clone();
        let a = self.value(first, &narrowed, Some(Type::Bool));
        self.expect_type(&a, Type::Bool, first.span, why);
        // Whether the terms so far are typed, and whether they already
        // contradict each other (then nothing more is reported).
        let mut typed = a.ty.is_some();
        let mut conflict = self.assume(&mut narrowed, &a.expr, first.span).is_err();
        let mut span = first.span;
        let mut operands = vec![a.expr];
        for (_, rhs) in rest {
            let b = self.value(rhs, &narrowed, Some(Type::Bool));
            span = span.to(rhs.span);
            let rhs_alone = self
                .assume(&mut Facts::default(), &b.expr, rhs.span)
                .is_ok();
            if !conflict && rhs_alone && typed && b.ty.is_some() {
                if let Err(c) = self.assume(&mut narrowed, &b.expr, rhs.span) {
                    conflict = true;
                    let name = self.key_name(c.field);
                    self.r
                        .error(
                            Code::NeverHolds,
                            span,
                            "this condition can never hold",
                            format!("no value of `{name}` satisfies both sides"),
                        )
                        .with_label(c.earlier, "narrowed here first")
                        .with_help("check the values against the notice; did you mean `or`?");
                }
            } else if !conflict {
                conflict = self.assume(&mut narrowed, &b.expr, rhs.span).is_err();
            }
            self.expect_type(&b, Type::Bool, rhs.span, why);
            // Past the first term, the left side is a typed `and`.
            typed = true;
            operands.push(b.expr);
        }
        Typed {
            expr: ir_and(operands),
            ty: Some(Type::Bool),
            optional: false,
        }
    }

    /// The type of `a op b` for an arithmetic operator, reporting operands
    /// that do not go together; `None` after an error.
    fn arith_type(
        &mut self,
        arith: ir::ArithOp,
        op: BinaryOp,
        a: &Typed,
        b: &Typed,
        lspan: Span,
        rspan: Span,
    ) -> Option<Type> {
        let (ta, tb) = (a.ty?, b.ty?);
        match arith.result(ta, tb) {
            Some(t) => Some(t),
            None => {
                self.mismatch(op, ta, tb, lspan, rspan, lspan.to(rspan));
                None
            }
        }
    }

    fn mismatch(&mut self, op: BinaryOp, a: Type, b: Type, lspan: Span, rspan: Span, span: Span) {
        let (an, bn) = (self.type_name(a), self.type_name(b));
        let verb = match op {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "subtract",
            BinaryOp::Mul => "multiply",
            BinaryOp::Div => "divide",
            _ => "compare",
        };
        let help = if matches!(a, Type::Enum(_)) || matches!(b, Type::Enum(_)) {
            if verb == "compare" {
                "values of different types are never equal; compare like with like".to_string()
            } else {
                "enum values have no arithmetic; use `match` to map them to numbers or amounts"
                    .to_string()
            }
        } else if (a, b) == (Type::Date, Type::Int) || (a, b) == (Type::Int, Type::Date) {
            "to shift a date write a duration: `voc_issued + 12 months`; to compare years use `year(voc_issued)`".to_string()
        } else if verb == "compare" {
            format!("`{}` needs two values of one type", op.symbol())
        } else {
            "arithmetic works on numbers (int, decimal), money with money, money times or divided by a number (an unrounded amount), and a date plus a duration".to_string()
        };
        let _ = span;
        self.r
            .error(
                Code::TypeMismatch,
                rspan,
                format!("cannot {verb} `{an}` and `{bn}`"),
                format!("this is `{bn}`"),
            )
            .with_label(lspan, format!("this is `{an}`"))
            .with_help(help);
    }

    fn membership(&mut self, t: &Typed, set: &ast::Expr, facts: &Facts) -> Option<Expr> {
        let ty = t.ty?;
        match &set.kind {
            ExprKind::Set(items) => {
                let mut values = Vec::new();
                for item in items {
                    let v = self.value(item, facts, Some(ty));
                    let Some(vty) = v.ty else { continue };
                    if vty != ty {
                        let (a, b) = (self.type_name(ty), self.type_name(vty));
                        self.r
                            .error(
                                Code::TypeMismatch,
                                item.span,
                                format!("a set of `{a}` cannot hold `{b}`"),
                                format!("this is `{b}`"),
                            )
                            .with_help(format!("every member must be a `{a}`"));
                        continue;
                    }
                    match v.expr {
                        Expr::Lit(value) => values.push(value),
                        _ => {
                            self.r
                                .error(Code::NotConstant, item.span, "set members must be written out", "computed value")
                                .with_help("list literal values: `{1, 2, 3}`, `{beijing_center, registered_org}`");
                        }
                    }
                }
                if items.is_empty() {
                    self.r
                        .error(
                            Code::EmptyRange,
                            set.span,
                            "the set is empty",
                            "nothing is in `{}`",
                        )
                        .with_help("list the values the notice names");
                }
                Some(Expr::InSet {
                    expr: Box::new(t.expr.clone()),
                    set: values,
                })
            }
            ExprKind::Range { lo, hi, inclusive } => {
                if !matches!(ty, Type::Int | Type::Money | Type::Date) {
                    let name = self.type_name(ty);
                    self.r
                        .error(
                            Code::TypeMismatch,
                            set.span,
                            format!("`{name}` values have no ranges"),
                            "a range needs ordered values",
                        )
                        .with_help("list the values in a set instead: `in {a, b}`");
                    return None;
                }
                let mut bound = |b: &Option<Box<ast::Expr>>| -> Option<Option<(Expr, Span)>> {
                    match b {
                        None => Some(None),
                        Some(b) => {
                            let v = self.value(b, facts, Some(ty));
                            let vty = v.ty?;
                            if vty != ty {
                                let (a, n) = (self.type_name(ty), self.type_name(vty));
                                self.r
                                    .error(
                                        Code::TypeMismatch,
                                        b.span,
                                        format!("a range of `{n}` cannot hold `{a}`"),
                                        format!("this is `{n}`"),
                                    )
                                    .with_help(format!(
                                        "the bounds must be `{a}` like the value tested"
                                    ));
                                return None;
                            }
                            Some(Some((v.expr, b.span)))
                        }
                    }
                };
                let lo = bound(lo)?;
                let hi = bound(hi)?;
                if lo.is_none() && hi.is_none() {
                    self.r
                        .error(
                            Code::EmptyRange,
                            set.span,
                            "the range has no bounds",
                            "`..` alone",
                        )
                        .with_help("write `lo..=hi`, `lo..` or `..=hi`");
                    return None;
                }
                if let (Some((Expr::Lit(a), _)), Some((Expr::Lit(b), _))) = (&lo, &hi) {
                    if let (Some(x), Some(y)) = (facts::ordinal(a), facts::ordinal(b)) {
                        if x > y || (x == y && !inclusive) {
                            let shown = self.r.slice(set.span).to_string();
                            let help = if x > y {
                                "the bounds are the wrong way round: write the smaller one first"
                                    .to_string()
                            } else {
                                format!(
                                    "an exclusive range `a..a` holds nothing; write `{}..={}`",
                                    show(a),
                                    show(b)
                                )
                            };
                            self.r
                                .error(
                                    Code::EmptyRange,
                                    set.span,
                                    format!("the range `{shown}` is empty"),
                                    "nothing is in this range",
                                )
                                .with_help(help);
                        }
                    }
                }
                Some(Expr::InRange {
                    expr: Box::new(t.expr.clone()),
                    lo: lo.map(|(e, _)| Box::new(e)),
                    hi: hi.map(|(e, _)| Box::new(e)),
                    inclusive: *inclusive,
                })
            }
            _ => {
                self.r
                    .error(
                        Code::TypeMismatch,
                        set.span,
                        "`in` needs a set or a range",
                        "not a set or range",
                    )
                    .with_help("write `x in {a, b}` or `x in 1..=3`");
                None
            }
        }
    }

    fn match_expr(
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
        let ty = self.unify(&bodies, "every arm of a `match` must give the same type");
        if arms.is_empty() {
            self.r
                .error(
                    Code::NonExhaustive,
                    span,
                    "the `match` has no arms",
                    "matches nothing",
                )
                .with_help("add arms: `1 => …`");
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
                .error(
                    Code::NonExhaustive,
                    scrutinee.span,
                    format!("the `match` does not cover {}", missing.join(", ")),
                    format!("`{text}` may be {} here", missing.join(" or ")),
                )
                .with_help(
                    "add arms for them, add `_ => …`, or narrow the value with a `when` condition",
                );
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

    fn pattern(&mut self, p: &ast::Pattern, ty: Type) -> Option<ir::Pattern> {
        let wrong = |c: &mut Self, what: &str| {
            let name = c.type_name(ty);
            c.r.error(
                Code::TypeMismatch,
                p.span,
                format!("a `{what}` pattern cannot match `{name}`"),
                format!("the value is `{name}`"),
            )
            .with_help(format!("write patterns of type `{name}`"));
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
                        let en = self.type_name(ty);
                        let help = did_you_mean(n, variants.iter().map(String::as_str))
                            .unwrap_or_else(|| {
                                format!(
                                    "`{en}` has {}",
                                    super::decls::list(
                                        &variants.iter().map(String::as_str).collect::<Vec<_>>()
                                    )
                                )
                            });
                        self.r
                            .error(
                                Code::UnknownName,
                                p.span,
                                format!("`{n}` is not a value of `{en}`"),
                                "no such value",
                            )
                            .with_help(help);
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
                            self.r
                                .error(
                                    Code::EmptyRange,
                                    p.span,
                                    format!("the range `{text}` is empty"),
                                    "matches nothing",
                                )
                                .with_help("write the smaller bound first; `a..b` excludes `b`");
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
    fn missing(&self, ty: Type, dom: Dom, covered: &[Cover]) -> Vec<String> {
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
                        _ => format!("`{}`", i == 1),
                    })
                    .collect()
            }
            Type::Int | Type::Date | Type::Money => {
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

    /// Parses a date literal, explaining impossible ones.
    pub(crate) fn date(&mut self, text: &str, span: Span) -> Option<NaiveDate> {
        if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(d);
        }
        let parts: Vec<u32> = text.split('-').filter_map(|p| p.parse().ok()).collect();
        let help = match parts.as_slice() {
            [y, m, _] if (1..=12).contains(m) => {
                let days = days_in_month(*y as i32, *m);
                format!("{y}-{m:02} has {days} days")
            }
            [_, m, _] => format!("there is no month {m}; months run from 01 to 12"),
            _ => "write dates as YYYY-MM-DD".to_string(),
        };
        self.r
            .error(
                Code::InvalidDate,
                span,
                format!("`{text}` is not a date"),
                "no such day",
            )
            .with_help(help);
        None
    }

    /// Parses a money literal in the scheme's currency.
    pub(crate) fn money(&mut self, amount: &str, unit: &str, span: Span) -> Option<Money> {
        if amount.contains(',') {
            let plain = amount.replace(',', "");
            self.r
                .error(
                    Code::InvalidMoney,
                    span,
                    format!("`{amount}` has thousands separators"),
                    "a comma inside an amount",
                )
                .with_help({
                    let grouped = amount.replace(',', "_");
                    if matches!(unit, "¥" | "$" | "£" | "€") {
                        format!(
                            "write `{unit}{plain}`, or group digits with `_`: `{unit}{grouped}`"
                        )
                    } else {
                        format!(
                            "write `{plain} {unit}`, or group digits with `_`: `{grouped} {unit}`"
                        )
                    }
                });
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
            self.r
                .error(
                    Code::CurrencyMismatch,
                    span,
                    format!("`{unit}` is not the scheme's currency"),
                    format!("the scheme pays in {}", self.currency),
                )
                .with_help(format!("write amounts in {}", self.currency));
            return None;
        }
        match amount.parse::<Money>() {
            Ok(m) => Some(m),
            Err(e) => {
                self.r
                    .error(
                        Code::InvalidMoney,
                        span,
                        format!("`{amount}` is not a valid amount: {e}"),
                        "not an amount",
                    )
                    .with_help("amounts have at most two decimals: `12.50 元`");
                None
            }
        }
    }
}

/// A date literal.
fn known_date(d: NaiveDate) -> Typed {
    Typed {
        expr: Expr::Lit(Value::Date(d)),
        ty: Some(Type::Date),
        optional: false,
    }
}

/// What a pattern or row key covers.
#[derive(Clone, Debug)]
pub(crate) enum Cover {
    All,
    Value(Value),
    Range(Option<Value>, Option<Value>, bool),
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

fn show(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Date(d) => d.to_string(),
        Value::Money(m) => m.to_string(),
        other => format!("{other:?}"),
    }
}

fn show_interval(ty: Type, a: i64, b: i64) -> String {
    let one = |n: i64| -> String {
        match ty {
            Type::Date => i32::try_from(n)
                .ok()
                .and_then(NaiveDate::from_num_days_from_ce_opt)
                .map_or(n.to_string(), |d| d.to_string()),
            Type::Money => Money(n).to_string(),
            _ => n.to_string(),
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

/// The arithmetic an operator stands for, if any.
fn arith_op(op: BinaryOp) -> Option<ir::ArithOp> {
    match op {
        BinaryOp::Add => Some(ir::ArithOp::Add),
        BinaryOp::Sub => Some(ir::ArithOp::Sub),
        BinaryOp::Mul => Some(ir::ArithOp::Mul),
        BinaryOp::Div => Some(ir::ArithOp::Div),
        BinaryOp::Or
        | BinaryOp::And
        | BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge
        | BinaryOp::Default => None,
    }
}

/// `a and b and …` as IR: one node however long the chain.
fn ir_and(operands: Vec<Expr>) -> Expr {
    Expr::And(operands)
}

/// `a or b or …` as IR.
fn ir_or(operands: Vec<Expr>) -> Expr {
    Expr::Or(operands)
}

/// `a + b - c …` as IR: applied left to right.
fn ir_arith(first: Expr, rest: Vec<(ir::ArithOp, Expr)>) -> Expr {
    if rest.is_empty() {
        return first;
    }
    Expr::Arith {
        first: Box::new(first),
        rest,
    }
}
