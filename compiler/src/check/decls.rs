//! Checking declarations: everything but expressions.

use std::collections::HashMap;

use bursar_grammar::ast::{self, ExprKind, RowKey, Span};
use bursar_runtime::ir::{self, Type, Value};

use super::{Checker, TableInfo};
use crate::facts::Facts;
use crate::names::closest;
use crate::problem::{Decl, Problem, Why};

const HEADER_KEYS: [&str; 7] = [
    "title",
    "issuer",
    "document",
    "published",
    "currency",
    "period",
    "calendar",
];
const APPLICATION_KEYS: [&str; 4] = ["received", "identifier", "deadline", "opens"];
const CRITERIA: [&str; 3] = ["highest_amount", "lowest_amount", "first_declared"];

impl Checker {
    pub(super) fn header(&mut self, d: &ast::SchemeDecl) -> (String, ir::Header) {
        let mut header = ir::Header::default();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut has_currency = false;
        for e in &d.entries {
            if let Some(prev) = seen.insert(&e.key.name, e.key.span) {
                self.duplicate(Decl::Setting, &e.key, prev);
                continue;
            }
            match e.key.name.as_str() {
                "title" => header.title = self.text_setting(e),
                "issuer" => header.issuer = self.text_setting(e),
                "document" => header.document = self.text_setting(e),
                "published" => header.published = self.date_setting(e),
                "currency" => {
                    has_currency = true;
                    // `currency CNY` or `currency "CNY"`.
                    let code = e.value.as_name().map(|i| i.name.clone()).or_else(|| {
                        if let ExprKind::Text(t) = &e.value.kind {
                            Some(t.clone())
                        } else {
                            None
                        }
                    });
                    match code {
                        Some(code) if bursar_runtime::currency::is_iso_4217(&code) => {
                            header.currency = code;
                        }
                        other => {
                            let written = other.unwrap_or_default();
                            let suggestion = closest(
                                &written.to_ascii_uppercase(),
                                bursar_runtime::currency::ISO_4217.iter().copied(),
                            )
                            .map(str::to_string);
                            self.r.report(
                                e.value.span,
                                Problem::NotCurrencyCode {
                                    written,
                                    suggestion,
                                },
                            );
                        }
                    }
                }
                "period" => {
                    header.period = self.period_setting(&e.value);
                    self.period_span = Some(e.value.span);
                }
                "calendar" => match e.value.as_name() {
                    Some(name) => self.calendar_choice = Some(name.clone()),
                    None => self.r.report(e.value.span, Problem::CalendarSettingNotName),
                },
                other => {
                    self.r.report(
                        e.key.span,
                        Problem::UnknownHeaderSetting {
                            name: other.to_string(),
                            keys: &HEADER_KEYS,
                            suggestion: closest(other, HEADER_KEYS).map(str::to_string),
                        },
                    );
                }
            }
        }
        if !has_currency {
            self.r.report(d.id.span, Problem::NoCurrency);
        }
        self.currency = header.currency.clone();
        (d.id.name.clone(), header)
    }

    fn text_setting(&mut self, e: &ast::Entry) -> Option<String> {
        match &e.value.kind {
            ExprKind::Text(t) => Some(t.clone()),
            ExprKind::Bool(..)
            | ExprKind::Int(..)
            | ExprKind::Decimal(..)
            | ExprKind::Percent(..)
            | ExprKind::Money { .. }
            | ExprKind::Date(..)
            | ExprKind::DateTime(..)
            | ExprKind::Duration { .. }
            | ExprKind::Path(..)
            | ExprKind::Index { .. }
            | ExprKind::Call { .. }
            | ExprKind::Quantifier { .. }
            | ExprKind::Aggregate { .. }
            | ExprKind::Unary { .. }
            | ExprKind::Binary { .. }
            | ExprKind::Chain { .. }
            | ExprKind::In { .. }
            | ExprKind::Set(..)
            | ExprKind::Range { .. }
            | ExprKind::Is { .. }
            | ExprKind::If { .. }
            | ExprKind::Match { .. } => {
                self.r.report(
                    e.value.span,
                    Problem::SettingNotText {
                        key: e.key.name.clone(),
                    },
                );
                None
            }
        }
    }

    fn date_setting(&mut self, e: &ast::Entry) -> Option<chrono::NaiveDate> {
        match &e.value.kind {
            ExprKind::Date(d) => self.date(d, e.value.span),
            ExprKind::DateTime(..)
            | ExprKind::Bool(..)
            | ExprKind::Int(..)
            | ExprKind::Decimal(..)
            | ExprKind::Percent(..)
            | ExprKind::Money { .. }
            | ExprKind::Duration { .. }
            | ExprKind::Text(..)
            | ExprKind::Path(..)
            | ExprKind::Index { .. }
            | ExprKind::Call { .. }
            | ExprKind::Quantifier { .. }
            | ExprKind::Aggregate { .. }
            | ExprKind::Unary { .. }
            | ExprKind::Binary { .. }
            | ExprKind::Chain { .. }
            | ExprKind::In { .. }
            | ExprKind::Set(..)
            | ExprKind::Range { .. }
            | ExprKind::Is { .. }
            | ExprKind::If { .. }
            | ExprKind::Match { .. } => {
                self.r.report(
                    e.value.span,
                    Problem::SettingNotDate {
                        key: e.key.name.clone(),
                    },
                );
                None
            }
        }
    }

    fn period_setting(&mut self, value: &ast::Expr) -> Option<ir::Period> {
        if let ExprKind::Range {
            lo: Some(lo),
            hi: Some(hi),
            inclusive: true,
        } = &value.kind
        {
            if let (ExprKind::Date(a), ExprKind::Date(b)) = (&lo.kind, &hi.kind) {
                let (start, end) = (self.date(a, lo.span)?, self.date(b, hi.span)?);
                if start > end {
                    self.r
                        .report(value.span, Problem::PeriodBackwards { start, end });
                    return None;
                }
                return Some(ir::Period { start, end });
            }
        }
        self.r.report(value.span, Problem::PeriodNotRange);
        None
    }

    pub(super) fn enum_decl(&mut self, d: &ast::EnumDecl) {
        if let Some(i) = self.enum_id(&d.name.name) {
            let prev = self.enum_spans.get(i as usize).copied().unwrap_or_default();
            self.duplicate(Decl::Enum, &d.name, prev);
            return;
        }
        if matches!(
            d.name.name.as_str(),
            "bool" | "int" | "decimal" | "money" | "date" | "datetime" | "text"
        ) {
            self.r.report(
                d.name.span,
                Problem::BuiltinTypeName {
                    name: d.name.name.clone(),
                },
            );
            return;
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut variants = Vec::new();
        for v in &d.variants {
            if let Some(prev) = seen.insert(&v.name.name, v.name.span) {
                self.duplicate(Decl::EnumValue, &v.name, prev);
                continue;
            }
            variants.push(ir::VariantDef {
                name: v.name.name.clone(),
                label: v.label.as_ref().map(|l| l.value.clone()),
            });
        }
        if variants.is_empty() {
            self.r.report(
                d.name.span,
                Problem::EmptyEnum {
                    name: d.name.name.clone(),
                },
            );
        }
        if variants.len() > 64 {
            self.r.report(
                d.name.span,
                Problem::EnumTooLarge {
                    name: d.name.name.clone(),
                },
            );
        }
        self.enums.push(ir::EnumDef {
            name: d.name.name.clone(),
            label: d.label.as_ref().map(|l| l.value.clone()),
            variants,
        });
        self.enum_spans.push(d.name.span);
    }

    pub(super) fn applicant(&mut self, d: &ast::ApplicantDecl) {
        for f in &d.fields {
            if let Some(i) = self.field_id(&f.name.name) {
                let prev = self
                    .field_spans
                    .get(i as usize)
                    .copied()
                    .unwrap_or_default();
                self.duplicate(Decl::Field, &f.name, prev);
                continue;
            }
            let Some(ty) = self.resolve_type(&f.ty) else {
                self.poisoned.push(f.name.name.clone());
                continue;
            };
            self.fields.push(ir::Field {
                name: f.name.name.clone(),
                label: f.label.as_ref().map(|l| l.value.clone()),
                ty,
                optional: f.ty.optional,
            });
            self.field_spans.push(f.name.span);
            self.used_fields.push(false);
        }
    }

    pub(super) fn clause_decl(&mut self, d: &ast::ClauseDecl) {
        if let Some(prev) = self.clause_spans.get(&d.clause.id).copied() {
            self.r.report(
                d.clause.span,
                Problem::ClauseTwice {
                    id: d.clause.id.clone(),
                    first: prev,
                },
            );
            return;
        }
        self.clause_spans.insert(d.clause.id.clone(), d.clause.span);
        self.clauses.push(ir::Clause {
            id: d.clause.id.clone(),
            text: d.text.value.clone(),
        });
    }

    /// First pass over a table: its name, key type and row names, so rows of
    /// any table may refer to rows of any other.
    pub(super) fn table_head(&mut self, d: &ast::TableDecl) {
        if let Some(i) = self.table_id(&d.name.name) {
            let prev = self
                .tables
                .get(i as usize)
                .map(|t| t.span)
                .unwrap_or_default();
            self.duplicate(Decl::Table, &d.name, prev);
            // Keep a placeholder so indices line up with declarations.
        }
        let key = match &d.key_type {
            None => None,
            Some(t) => match self.resolve_type(t) {
                Some(ty @ (Type::Int | Type::Enum(_))) => Some(ty),
                Some(ty) => {
                    let ty = self.type_name(ty);
                    self.r.report(t.span, Problem::BadTableKey { ty });
                    None
                }
                None => None,
            },
        };
        let clause = self.clause(d.clause.as_ref());
        let mut rows = Vec::new();
        let mut spans = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        for row in &d.rows {
            let name = row.key.text();
            if let Some(prev) = seen.insert(name.clone(), row.key.span()) {
                self.r.report(
                    row.key.span(),
                    Problem::RowTwice {
                        table: d.name.name.clone(),
                        row: name.clone(),
                        first: prev,
                    },
                );
            }
            let key_value = self.row_key(key, &row.key, &d.name.name);
            rows.push(ir::Row {
                name,
                key: key_value,
                label: row.label.as_ref().map(|l| l.value.clone()),
                clause: None,
                amount: ir::RowAmount::Money(bursar_runtime::Money::ZERO),
            });
            spans.push(row.span);
        }
        let used_rows = vec![false; rows.len()];
        // A table of rates or counts says so by its first row (`5%`, `3`);
        // every other table is of money.
        let value = match d.rows.first().map(|r| &r.value.kind) {
            Some(ExprKind::Decimal(_) | ExprKind::Percent(_)) => Some(Type::Decimal),
            Some(ExprKind::Int(_)) => Some(Type::Int),
            _ => None,
        };
        self.tables.push(TableInfo {
            table: ir::Table {
                name: d.name.name.clone(),
                label: d.label.as_ref().map(|l| l.value.clone()),
                clause,
                key,
                value,
                rows,
            },
            span: d.name.span,
            rows: spans,
            used: false,
            used_rows,
        });
    }

    fn row_key(&mut self, key: Option<Type>, row: &RowKey, table: &str) -> Option<Value> {
        match (key, row) {
            (None, RowKey::Name(_)) => None,
            (Some(Type::Int), RowKey::Int { value, .. }) => Some(Value::Int(*value)),
            (Some(Type::Enum(e)), RowKey::Name(name)) => {
                let variants: Vec<&str> = self
                    .enums
                    .get(e as usize)
                    .map(|d| d.variants.iter().map(|v| v.name.as_str()).collect())
                    .unwrap_or_default();
                match variants.iter().position(|v| *v == name.name) {
                    Some(i) => Some(Value::Enum {
                        ty: e,
                        variant: i as u32,
                    }),
                    None => {
                        let enum_name = self.type_name(Type::Enum(e));
                        let suggestion =
                            closest(&name.name, variants.iter().copied()).map(str::to_string);
                        self.r.report(
                            name.span,
                            Problem::UnknownRowKey {
                                key: name.name.clone(),
                                enum_name,
                                values: variants.iter().map(|v| v.to_string()).collect(),
                                suggestion,
                            },
                        );
                        None
                    }
                }
            }
            (None, RowKey::Int { span, value }) => {
                self.r.report(
                    *span,
                    Problem::UnnamedRow {
                        value: *value,
                        table: table.to_string(),
                    },
                );
                None
            }
            (Some(ty), row) => {
                let ty = self.type_name(ty);
                self.r.report(
                    row.span(),
                    Problem::WrongRowKey {
                        table: table.to_string(),
                        ty,
                    },
                );
                None
            }
        }
    }

    /// Second pass over a table: the rows' amounts.
    pub(super) fn table_rows(&mut self, index: usize, d: &ast::TableDecl) {
        let value = self.tables.get(index).and_then(|t| t.table.value);
        for (r, row) in d.rows.iter().enumerate() {
            let amount = match value {
                None => self.row_amount(&row.value),
                Some(ty) => self.row_number(&row.value, ty, &d.name.name),
            };
            let clause = self.clause(row.clause.as_ref());
            if let Some(slot) = self
                .tables
                .get_mut(index)
                .and_then(|t| t.table.rows.get_mut(r))
            {
                if let Some(amount) = amount {
                    slot.amount = amount;
                }
                slot.clause = clause;
            }
        }
    }

    /// A row of a table of rates (`decimal`) or counts (`int`).
    fn row_number(&mut self, value: &ast::Expr, ty: Type, table: &str) -> Option<ir::RowAmount> {
        let t = self.expr(value, &Facts::default(), Some(ty));
        match (ty, t.expr, t.ty) {
            (Type::Decimal, ir::Expr::Lit(v @ ir::Value::Decimal(_)), _)
            | (Type::Int, ir::Expr::Lit(v @ ir::Value::Int(_)), _) => Some(ir::RowAmount::Value(v)),
            (Type::Decimal, ir::Expr::Lit(ir::Value::Int(n)), _) => Some(ir::RowAmount::Value(
                ir::Value::Decimal(bursar_runtime::decimal::Decimal::from_int(n)),
            )),
            (_, _, None) => None,
            (_, _, Some(found)) => {
                let (want, got) = (self.type_name(ty), self.type_name(found));
                self.r.report(
                    value.span,
                    Problem::RowNotOfTableType {
                        table: table.to_string(),
                        want,
                        got,
                    },
                );
                None
            }
        }
    }

    fn row_amount(&mut self, value: &ast::Expr) -> Option<ir::RowAmount> {
        match &value.kind {
            ExprKind::Money { amount, unit } => self
                .money(amount, unit, value.span)
                .map(ir::RowAmount::Money),
            ExprKind::Path(path) if path.len() == 2 => {
                let t = self.expr(value, &Facts::default(), Some(Type::Money));
                match t.expr {
                    ir::Expr::Row(r) => Some(ir::RowAmount::SameAs(r)),
                    ir::Expr::Lit(..)
                    | ir::Expr::Field(..)
                    | ir::Expr::Lookup { .. }
                    | ir::Expr::Not(..)
                    | ir::Expr::Neg(..)
                    | ir::Expr::And(..)
                    | ir::Expr::Or(..)
                    | ir::Expr::Compare { .. }
                    | ir::Expr::Arith { .. }
                    | ir::Expr::InSet { .. }
                    | ir::Expr::InRange { .. }
                    | ir::Expr::IsPresent(..)
                    | ir::Expr::Let(..)
                    | ir::Expr::RoundPart(_)
                    | ir::Expr::Item(..)
                    | ir::Expr::ItemPresent(..)
                    | ir::Expr::Any(..)
                    | ir::Expr::All { .. }
                    | ir::Expr::Aggregate { .. }
                    | ir::Expr::Round { .. }
                    | ir::Expr::Default { .. }
                    | ir::Expr::ItemDefault { .. }
                    | ir::Expr::Call { .. }
                    | ir::Expr::If { .. }
                    | ir::Expr::Match { .. } => {
                        if t.ty.is_some() {
                            self.not_an_amount(value.span);
                        }
                        None
                    }
                }
            }
            ExprKind::Bool(..)
            | ExprKind::Int(..)
            | ExprKind::Decimal(..)
            | ExprKind::Percent(..)
            | ExprKind::Date(..)
            | ExprKind::DateTime(..)
            | ExprKind::Duration { .. }
            | ExprKind::Text(..)
            | ExprKind::Path(..)
            | ExprKind::Index { .. }
            | ExprKind::Call { .. }
            | ExprKind::Quantifier { .. }
            | ExprKind::Aggregate { .. }
            | ExprKind::Unary { .. }
            | ExprKind::Binary { .. }
            | ExprKind::Chain { .. }
            | ExprKind::In { .. }
            | ExprKind::Set(..)
            | ExprKind::Range { .. }
            | ExprKind::Is { .. }
            | ExprKind::If { .. }
            | ExprKind::Match { .. } => {
                self.not_an_amount(value.span);
                None
            }
        }
    }

    fn not_an_amount(&mut self, span: Span) {
        self.r.report(span, Problem::RowNotAmount);
    }

    /// Rows that refer to each other in a circle have no amount.
    pub(super) fn check_row_cycles(&mut self) {
        let mut reported = Vec::new();
        for (t, table) in self.tables.iter().enumerate() {
            for r in 0..table.table.rows.len() {
                let start = (t as u32, r as u32);
                let mut at = start;
                for _ in 0..=self
                    .tables
                    .iter()
                    .map(|t| t.table.rows.len())
                    .sum::<usize>()
                {
                    let next = self
                        .tables
                        .get(at.0 as usize)
                        .and_then(|t| t.table.rows.get(at.1 as usize))
                        .and_then(|row| match row.amount {
                            ir::RowAmount::SameAs(rr) => Some((rr.table, rr.row)),
                            ir::RowAmount::Money(_) | ir::RowAmount::Value(_) => None,
                        });
                    match next {
                        None => break,
                        Some(n) if n == start => {
                            if let Some(span) = table.rows.get(r) {
                                reported.push((
                                    *span,
                                    format!(
                                        "{}.{}",
                                        table.table.name,
                                        table.table.rows.get(r).map_or("", |x| x.name.as_str())
                                    ),
                                ));
                            }
                            break;
                        }
                        Some(n) => at = n,
                    }
                }
            }
        }
        for (span, row) in reported {
            self.r.report(span, Problem::RowCycle { row });
        }
    }

    pub(super) fn requirement(&mut self, d: &ast::Condition) -> Option<ir::Condition> {
        let mut facts = self.base_facts.clone();
        let errors_before = self.error_count();
        let cond = self.condition(d, ir::ConditionKind::When, &mut facts);
        self.requirement_errors |= self.error_count() > errors_before;
        let cond = cond?;
        self.base_facts = facts;
        Some(cond)
    }

    /// Checks one `require`/`when`/`unless` line and, for `when` lines, adds
    /// what it establishes to `facts`.
    pub(super) fn condition(
        &mut self,
        d: &ast::Condition,
        kind: ir::ConditionKind,
        facts: &mut Facts,
    ) -> Option<ir::Condition> {
        let t = self.value(&d.expr, facts, Some(Type::Bool));
        self.expect_shallow(&t, d.expr.span);
        self.expect_type(&t, Type::Bool, d.expr.span, Why::Condition);
        if matches!(t.expr, ir::Expr::Lit(Value::Bool(false)))
            && kind == ir::ConditionKind::When
            && t.ty.is_some()
        {
            self.r.report(d.expr.span, Problem::AlwaysFalse);
        }
        if kind == ir::ConditionKind::When && t.ty.is_some() {
            let alone_ok = self
                .assume(&mut Facts::default(), &t.expr, d.expr.span)
                .is_ok();
            if let Err(conflict) = self.assume(facts, &t.expr, d.expr.span) {
                if alone_ok {
                    let field = self
                        .field(conflict.field)
                        .map_or(String::new(), |f| f.name.clone());
                    self.r.report(
                        d.expr.span,
                        Problem::ContradictsEarlierLine {
                            field,
                            earlier: conflict.earlier,
                        },
                    );
                }
            }
        }
        let clause = self.clause(d.clause.as_ref());
        Some(ir::Condition {
            kind,
            expr: t.expr,
            text: self.text_of(d.expr.span),
            label: d.label.as_ref().map(|l| l.value.clone()),
            clause,
        })
    }

    pub(super) fn category(&mut self, d: &ast::CategoryDecl) -> Option<ir::Category> {
        let clause = self.clause(d.clause.as_ref());
        for p in &d.planned {
            self.planned(p);
        }
        let errors_before = self.error_count();
        let mut facts = self.base_facts.clone();
        let mut conditions = Vec::new();
        for w in &d.when {
            if let Some(c) = self.condition(w, ir::ConditionKind::When, &mut facts) {
                conditions.push(c);
            }
        }
        for u in &d.unless {
            if let Some(c) = self.condition(u, ir::ConditionKind::Unless, &mut facts.clone()) {
                conditions.push(c);
            }
        }
        if let Some(first) = d.instalments.first() {
            if let Some(p) = d.pay.first() {
                // Reported where it is said the second time.
                let (again, earlier) = if p.span.start > first.span.start {
                    (p.span, first.span)
                } else {
                    (first.span, p.span)
                };
                self.r.report(
                    again,
                    Problem::InstalmentsAndPay {
                        category: d.name.name.clone(),
                        first: earlier,
                    },
                );
            }
            for extra in d.instalments.iter().skip(1) {
                self.r.report(
                    extra.span,
                    Problem::InstalmentsAndPay {
                        category: d.name.name.clone(),
                        first: first.span,
                    },
                );
            }
            let (pay, instalments) = self.instalments(first)?;
            return Some(ir::Category {
                name: d.name.name.clone(),
                label: d.label.as_ref().map(|l| l.value.clone()),
                clause,
                conditions,
                pay,
                pay_clause: self.clause(first.clause.as_ref()),
                instalments,
            });
        }
        let pay = match d.pay.as_slice() {
            [] => {
                self.r.report(
                    d.name.span,
                    Problem::NoPay {
                        category: d.name.name.clone(),
                    },
                );
                return None;
            }
            [first, rest @ ..] => {
                for extra in rest {
                    self.r.report(
                        extra.span,
                        Problem::PaysTwice {
                            category: d.name.name.clone(),
                            first: first.span,
                        },
                    );
                }
                first
            }
        };
        self.quiet_exhaustiveness = self.error_count() > errors_before || self.requirement_errors;
        let t = self.value(&pay.expr, &facts, Some(Type::Money));
        self.expect_shallow(&t, pay.expr.span);
        self.quiet_exhaustiveness = false;
        self.expect_type(&t, Type::Money, pay.expr.span, Why::CategoryPays);
        if self.error_count() == errors_before {
            self.at_least_zero(&d.name.name, &t.expr, pay.expr.span, &facts);
        }
        let pay_clause = self.clause(pay.clause.as_ref());
        Some(ir::Category {
            name: d.name.name.clone(),
            label: d.label.as_ref().map(|l| l.value.clone()),
            clause,
            conditions,
            pay: t.expr,
            pay_clause,
            instalments: Vec::new(),
        })
    }

    pub(super) fn award(&mut self, d: &ast::AwardDecl) -> Option<ir::AwardRule> {
        let clause = self.clause(d.clause.as_ref());
        for p in &d.planned {
            self.planned(p);
        }
        let mut limit = None;
        let mut groups: Vec<ir::LimitGroup> = Vec::new();
        for l in &d.limits {
            match &l.scope {
                ast::LimitScope::Group { name, categories } => {
                    if let Some(g) = self.limit_group(l, name, categories, &groups) {
                        groups.push(g);
                    }
                    continue;
                }
                // Over the award history: `Checker::history`.
                ast::LimitScope::Keys { .. } | ast::LimitScope::Years { .. } => continue,
                ast::LimitScope::Name(_) => {}
            }
            if limit.is_some() {
                self.r.report(l.span, Problem::SecondLimit);
                continue;
            }
            if l.count < 1 || l.count > 1000 {
                self.r
                    .report(l.count_span, Problem::LimitOutOfRange { group: None });
                continue;
            }
            let scope = match &l.scope {
                ast::LimitScope::Name(scope) => scope,
                // Handled above.
                ast::LimitScope::Group { .. }
                | ast::LimitScope::Keys { .. }
                | ast::LimitScope::Years { .. } => continue,
            };
            match scope.name.as_str() {
                "period" => limit = Some(l.count as u32),
                "ever" | "year" | "years" => {
                    self.r.report(
                        scope.span,
                        Problem::HistoryScope {
                            scope: scope.name.clone(),
                        },
                    );
                }
                other => {
                    self.r.report(
                        scope.span,
                        Problem::UnknownLimitScope {
                            scope: other.to_string(),
                            suggestion: closest(other, ["period", "group"]).map(str::to_string),
                        },
                    );
                }
            }
        }
        let mut order = None;
        for c in &d.choices {
            if order.is_some() {
                self.r.report(c.span, Problem::SecondChoose);
                continue;
            }
            let mut criteria = Vec::new();
            for name in &c.criteria {
                let criterion = match name.name.as_str() {
                    "highest_amount" => ir::Criterion::HighestAmount,
                    "lowest_amount" => ir::Criterion::LowestAmount,
                    "first_declared" => ir::Criterion::FirstDeclared,
                    _ => match self.choice_field(name) {
                        Some(field) => ir::Criterion::ChosenCategory { field },
                        None => continue,
                    },
                };
                criteria.push(criterion);
            }
            if criteria.last() != Some(&ir::Criterion::FirstDeclared)
                && criteria.len() == c.criteria.len()
            {
                self.r.report(c.span, Problem::TiesUnbroken);
            }
            let _ = self.clause(c.clause.as_ref());
            order = Some(criteria);
        }
        for l in &d.limits {
            if let ast::LimitScope::Name(_) = l.scope {
                let _ = self.clause(l.clause.as_ref());
            }
        }
        if limit.is_none()
            && !d
                .limits
                .iter()
                .any(|l| matches!(l.scope, ast::LimitScope::Name(_)))
        {
            self.r.report(d.span, Problem::NoLimit);
        }
        if order.is_none() {
            self.r.report(d.span, Problem::NoChoose);
        }
        Some(ir::AwardRule {
            clause,
            limit: limit?,
            groups,
            order: order?,
            history: None,
        })
    }

    /// `quota …`, `budget …`, `payer …`, `calendar …`: planned with issue #14; reported with the syntax
    /// they will have.
    pub(super) fn planned(&mut self, p: &ast::Planned) {
        let problem = match p.feature {
            // Quotas are built, as top-level declarations: a `quota` or
            // `budget` here is inside another block, or not written as one.
            ast::PlannedFeature::Quota | ast::PlannedFeature::Budget => Problem::QuotaNotTopLevel,
            // Payers likewise.
            ast::PlannedFeature::Payer => Problem::PayerNotTopLevel,
        };
        self.r.report(p.keyword, problem);
    }

    /// A criterion that is not built in names the applicant field holding
    /// the category the applicant chose: text, or an enum whose every value
    /// names a category.
    fn choice_field(&mut self, name: &ast::Ident) -> Option<ir::FieldId> {
        let Some(index) = self.fields.iter().position(|f| f.name == name.name) else {
            let choices: Vec<&str> = self
                .fields
                .iter()
                .filter(|f| matches!(f.ty, Type::Text | Type::Enum(_)))
                .map(|f| f.name.as_str())
                .collect();
            let suggestion =
                closest(&name.name, CRITERIA.iter().copied().chain(choices)).map(str::to_string);
            self.r.report(
                name.span,
                Problem::UnknownCriterion {
                    name: name.name.clone(),
                    criteria: &CRITERIA,
                    suggestion,
                },
            );
            return None;
        };
        let field = self.fields.get(index)?;
        let ty = field.ty;
        if let Some(used) = self.used_fields.get_mut(index) {
            *used = true;
        }
        match ty {
            Type::Text => {}
            Type::Enum(e) => {
                let variants: Vec<String> = self
                    .enums
                    .get(e as usize)
                    .map(|d| d.variants.iter().map(|v| v.name.clone()).collect())
                    .unwrap_or_default();
                let mut ok = true;
                for v in variants {
                    if self.categories.contains(&v) {
                        continue;
                    }
                    let suggestion =
                        closest(&v, self.categories.iter().map(String::as_str)).map(str::to_string);
                    self.r.report(
                        name.span,
                        Problem::ChoiceNotCategory {
                            field: name.name.clone(),
                            value: v,
                            categories: self.categories.clone(),
                            suggestion,
                        },
                    );
                    ok = false;
                }
                if !ok {
                    return None;
                }
            }
            Type::Bool
            | Type::Int
            | Type::Money
            | Type::Date
            | Type::DateTime
            | Type::Duration
            | Type::Decimal
            | Type::Unrounded
            | Type::List(_) => {
                self.r.report(
                    name.span,
                    Problem::ChoiceWrongType {
                        field: name.name.clone(),
                        ty: ty.name(&self.enums),
                    },
                );
                return None;
            }
        }
        u32::try_from(index).ok()
    }

    /// `limit N per group NAME {category, …}`: the categories exist, and
    /// none is in an earlier group (so that which limit applies is never a
    /// question).
    fn limit_group(
        &mut self,
        l: &ast::LimitDecl,
        name: &ast::Ident,
        categories: &[ast::Ident],
        earlier: &[ir::LimitGroup],
    ) -> Option<ir::LimitGroup> {
        let clause = self.clause(l.clause.as_ref());
        let mut ok = true;
        if l.count < 1 || l.count > 1000 {
            self.r.report(
                l.count_span,
                Problem::LimitOutOfRange {
                    group: Some(name.name.clone()),
                },
            );
            ok = false;
        }
        if earlier.iter().any(|g| g.name == name.name) {
            self.r.report(
                name.span,
                Problem::SecondGroup {
                    name: name.name.clone(),
                },
            );
            ok = false;
        }
        if categories.is_empty() {
            self.r.report(
                l.span,
                Problem::EmptyGroup {
                    name: name.name.clone(),
                },
            );
            ok = false;
        }
        let mut members: Vec<u32> = Vec::new();
        for c in categories {
            let Some(index) = self.categories.iter().position(|k| *k == c.name) else {
                let suggestion = closest(&c.name, self.categories.iter().map(String::as_str))
                    .map(str::to_string);
                self.r.report(
                    c.span,
                    Problem::UnknownCategory {
                        name: c.name.clone(),
                        categories: self.categories.clone(),
                        suggestion,
                    },
                );
                ok = false;
                continue;
            };
            let index = index as u32;
            let other = earlier
                .iter()
                .find(|g| g.categories.contains(&index))
                .map(|g| g.name.as_str())
                .or_else(|| members.contains(&index).then_some(name.name.as_str()));
            if let Some(other) = other {
                self.r.report(
                    c.span,
                    Problem::CategoryInTwoGroups {
                        category: c.name.clone(),
                        group: other.to_string(),
                    },
                );
                ok = false;
                continue;
            }
            members.push(index);
        }
        ok.then(|| ir::LimitGroup {
            name: name.name.clone(),
            limit: l.count as u32,
            categories: members,
            clause,
        })
    }

    pub(super) fn application(&mut self, d: &ast::ApplicationDecl) -> Option<ir::Application> {
        let clause = self.clause(d.clause.as_ref());
        let mut received = None;
        let mut identifier = None;
        let mut deadline = None;
        let mut deadline_clause = None;
        let mut opens = None;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for e in &d.entries {
            if let Some(prev) = seen.insert(&e.key.name, e.key.span) {
                self.duplicate(Decl::Setting, &e.key, prev);
                continue;
            }
            match e.key.name.as_str() {
                "received" | "identifier" => {
                    let field = e
                        .value
                        .as_name()
                        .and_then(|i| self.field_id(&i.name).map(|f| (f, i)));
                    let Some((f, _)) = field else {
                        let suggestion = match &e.value.kind {
                            ExprKind::Path(p) => p
                                .first()
                                .and_then(|i| {
                                    closest(&i.name, self.fields.iter().map(|f| f.name.as_str()))
                                })
                                .map(str::to_string),
                            ExprKind::Bool(..)
                            | ExprKind::Int(..)
                            | ExprKind::Decimal(..)
                            | ExprKind::Percent(..)
                            | ExprKind::Money { .. }
                            | ExprKind::Date(..)
                            | ExprKind::DateTime(..)
                            | ExprKind::Duration { .. }
                            | ExprKind::Text(..)
                            | ExprKind::Index { .. }
                            | ExprKind::Call { .. }
                            | ExprKind::Quantifier { .. }
                            | ExprKind::Aggregate { .. }
                            | ExprKind::Unary { .. }
                            | ExprKind::Binary { .. }
                            | ExprKind::Chain { .. }
                            | ExprKind::In { .. }
                            | ExprKind::Set(..)
                            | ExprKind::Range { .. }
                            | ExprKind::Is { .. }
                            | ExprKind::If { .. }
                            | ExprKind::Match { .. } => None,
                        };
                        self.r.report(
                            e.value.span,
                            Problem::SettingNotField {
                                key: e.key.name.clone(),
                                suggestion,
                            },
                        );
                        continue;
                    };
                    if let Some(u) = self.used_fields.get_mut(f as usize) {
                        *u = true;
                    }
                    if e.key.name == "received" {
                        if !matches!(self.field_type(f), Some(Type::Date | Type::DateTime)) {
                            self.r.report(e.value.span, Problem::ReceivedNotDate);
                            continue;
                        }
                        received = Some(f);
                    } else {
                        identifier = Some(f);
                    }
                }
                "deadline" | "opens" => {
                    let t = self.value(&e.value, &Facts::default(), Some(Type::Date));
                    self.expect_type(&t, Type::Date, e.value.span, Why::Deadline);
                    if e.key.name == "deadline" {
                        deadline = Some(t.expr);
                        deadline_clause = self.clause(e.clause.as_ref());
                    } else {
                        opens = Some(t.expr);
                    }
                }
                other => {
                    self.r.report(
                        e.key.span,
                        Problem::UnknownApplicationSetting {
                            name: other.to_string(),
                            keys: &APPLICATION_KEYS,
                            suggestion: closest(other, APPLICATION_KEYS).map(str::to_string),
                        },
                    );
                }
            }
        }
        // Without `received`, the block only names the identifier: there is
        // nothing to apply for, so no window can be set.
        if received.is_none() && (deadline.is_some() || opens.is_some()) {
            self.r.report(d.span, Problem::NoReceived);
            return None;
        }
        Some(ir::Application {
            clause,
            received,
            identifier,
            deadline,
            deadline_clause,
            opens,
        })
    }

    pub(super) fn timeline(&mut self, d: &ast::TimelineDecl) -> Vec<ir::Step> {
        let mut steps: Vec<ir::Step> = Vec::new();
        for s in &d.steps {
            if s.name.name == "received" || steps.iter().any(|x| x.name == s.name.name) {
                self.r.report(
                    s.name.span,
                    Problem::StepTwice {
                        name: s.name.name.clone(),
                    },
                );
                continue;
            }
            let after = if s.after.name == "received" {
                Some(ir::Anchor::Received)
            } else {
                steps
                    .iter()
                    .position(|x| x.name == s.after.name)
                    .map(|i| ir::Anchor::Step(i as u32))
            };
            let Some(after) = after else {
                let mut names = vec!["received".to_string()];
                names.extend(steps.iter().map(|x| x.name.clone()));
                let suggestion =
                    closest(&s.after.name, names.iter().map(String::as_str)).map(str::to_string);
                self.r.report(
                    s.after.span,
                    Problem::UnknownStep {
                        name: s.after.name.clone(),
                        steps: names,
                        suggestion,
                    },
                );
                continue;
            };
            let within = match &s.within.kind {
                ExprKind::Duration { count, unit } if *count > 0 => ir::Duration {
                    count: *count,
                    unit: super::literal::duration_unit(*unit),
                },
                ExprKind::Bool(..)
                | ExprKind::Int(..)
                | ExprKind::Decimal(..)
                | ExprKind::Percent(..)
                | ExprKind::Money { .. }
                | ExprKind::Date(..)
                | ExprKind::DateTime(..)
                | ExprKind::Duration { .. }
                | ExprKind::Text(..)
                | ExprKind::Path(..)
                | ExprKind::Index { .. }
                | ExprKind::Call { .. }
                | ExprKind::Quantifier { .. }
                | ExprKind::Aggregate { .. }
                | ExprKind::Unary { .. }
                | ExprKind::Binary { .. }
                | ExprKind::Chain { .. }
                | ExprKind::In { .. }
                | ExprKind::Set(..)
                | ExprKind::Range { .. }
                | ExprKind::Is { .. }
                | ExprKind::If { .. }
                | ExprKind::Match { .. } => {
                    self.r.report(s.within.span, Problem::StepNotDuration);
                    continue;
                }
            };
            let clause = self.clause(s.clause.as_ref());
            steps.push(ir::Step {
                name: s.name.name.clone(),
                label: s.label.as_ref().map(|l| l.value.clone()),
                clause,
                within,
                after,
            });
        }
        steps
    }
}
