//! Checking declarations: everything but expressions.

use std::collections::HashMap;

use bursar_grammar::ast::{self, ExprKind, RowKey, Span};
use bursar_runtime::ir::{self, Type, Value};

use super::{Checker, TableInfo};
use crate::diagnostic::Code;
use crate::facts::Facts;
use crate::names::did_you_mean;

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
                self.duplicate("setting", &e.key, prev);
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
                            let upper = written.to_ascii_uppercase();
                            let help = if written != upper
                                && bursar_runtime::currency::is_iso_4217(&upper)
                            {
                                format!("codes are written in capitals: `currency {upper}`")
                            } else if written == "RMB" {
                                "the code of the yuan (人民币) is `CNY`".to_string()
                            } else {
                                did_you_mean(
                                    &upper,
                                    bursar_runtime::currency::ISO_4217.iter().copied(),
                                )
                                .unwrap_or_else(|| {
                                    "write an ISO 4217 code, e.g. `currency CNY`".into()
                                })
                            };
                            self.r
                                .error(
                                    Code::TypeMismatch,
                                    e.value.span,
                                    format!("`{written}` is not an ISO 4217 currency code"),
                                    "not a currency code",
                                )
                                .with_help(help);
                        }
                    }
                }
                "period" => {
                    header.period = self.period_setting(&e.value);
                    self.period_span = Some(e.value.span);
                }
                "calendar" => match e.value.as_name() {
                    Some(name) => self.calendar_choice = Some(name.clone()),
                    None => {
                        self.r
                            .error(
                                Code::TypeMismatch,
                                e.value.span,
                                "`calendar` names a calendar",
                                "expected a name",
                            )
                            .with_help("write e.g. `calendar china`");
                    }
                },
                other => {
                    let help = did_you_mean(other, HEADER_KEYS)
                        .unwrap_or_else(|| format!("a scheme header has {}", list(&HEADER_KEYS)));
                    self.r
                        .error(
                            Code::UnknownSetting,
                            e.key.span,
                            format!("unknown header setting `{other}`"),
                            "not a header setting",
                        )
                        .with_help(help);
                }
            }
        }
        if !has_currency {
            self.r
                .error(
                    Code::Missing,
                    d.id.span,
                    "the scheme does not say its currency",
                    "this header has no `currency`",
                )
                .with_help("add `currency CNY` to the header");
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
                self.r
                    .error(
                        Code::TypeMismatch,
                        e.value.span,
                        format!("`{}` must be text", e.key.name),
                        "expected a string in double quotes",
                    )
                    .with_help(format!("write `{} \"…\"`", e.key.name));
                None
            }
        }
    }

    fn date_setting(&mut self, e: &ast::Entry) -> Option<chrono::NaiveDate> {
        match &e.value.kind {
            ExprKind::Date(d) => self.date(d, e.value.span),
            ExprKind::Bool(..)
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
                self.r
                    .error(
                        Code::TypeMismatch,
                        e.value.span,
                        format!("`{}` must be a date", e.key.name),
                        "expected a date",
                    )
                    .with_help(format!("write `{} 2023-03-29`", e.key.name));
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
                        .error(
                            Code::EmptyRange,
                            value.span,
                            "the period ends before it starts",
                            format!("{start} is after {end}"),
                        )
                        .with_help("swap the two dates");
                    return None;
                }
                return Some(ir::Period { start, end });
            }
        }
        self.r
            .error(
                Code::TypeMismatch,
                value.span,
                "the period must be a range of dates",
                "expected `start ..= end`",
            )
            .with_help("write `period 2023-01-01 ..= 2023-12-31`");
        None
    }

    pub(super) fn enum_decl(&mut self, d: &ast::EnumDecl) {
        if let Some(i) = self.enum_id(&d.name.name) {
            let prev = self.enum_spans.get(i as usize).copied().unwrap_or_default();
            self.duplicate("enum", &d.name, prev);
            return;
        }
        if matches!(
            d.name.name.as_str(),
            "bool" | "int" | "money" | "date" | "text"
        ) {
            self.r
                .error(
                    Code::DuplicateName,
                    d.name.span,
                    format!("`{}` is a built-in type", d.name.name),
                    "cannot be redeclared",
                )
                .with_help("choose another name for the enum");
            return;
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut variants = Vec::new();
        for v in &d.variants {
            if let Some(prev) = seen.insert(&v.name.name, v.name.span) {
                self.duplicate("enum value", &v.name, prev);
                continue;
            }
            variants.push(ir::VariantDef {
                name: v.name.name.clone(),
                label: v.label.as_ref().map(|l| l.value.clone()),
            });
        }
        if variants.is_empty() {
            self.r
                .error(
                    Code::Missing,
                    d.name.span,
                    format!("enum `{}` has no values", d.name.name),
                    "empty enum",
                )
                .with_help("list its values: `enum Issuer { beijing_center \"…\" other \"…\" }`");
        }
        if variants.len() > 64 {
            self.r
                .error(
                    Code::Unsupported,
                    d.name.span,
                    format!("enum `{}` has more than 64 values", d.name.name),
                    "too many values",
                )
                .with_help("use a `text` field for open-ended lists");
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
                self.duplicate("field", &f.name, prev);
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
            self.r
                .error(
                    Code::DuplicateName,
                    d.clause.span,
                    format!("clause `§{}` is declared twice", d.clause.id),
                    "declared again here",
                )
                .with_label(prev, "first declared here")
                .with_help("each clause of the notice is declared once");
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
            self.duplicate("table", &d.name, prev);
            // Keep a placeholder so indices line up with declarations.
        }
        let key = match &d.key_type {
            None => None,
            Some(t) => match self.resolve_type(t) {
                Some(ty @ (Type::Int | Type::Enum(_))) => Some(ty),
                Some(ty) => {
                    let name = self.type_name(ty);
                    self.r
                        .error(
                            Code::TypeMismatch,
                            t.span,
                            format!("a table cannot be keyed by `{name}`"),
                            "not an int or an enum",
                        )
                        .with_help("key tables by `int` or by an enum");
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
                self.r
                    .error(
                        Code::DuplicateName,
                        row.key.span(),
                        format!("row `{name}` appears twice in table `{}`", d.name.name),
                        "again here",
                    )
                    .with_label(prev, "first here")
                    .with_help("remove one of the two rows");
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
                        let help = did_you_mean(&name.name, variants.iter().copied())
                            .unwrap_or_else(|| format!("`{enum_name}` has {}", list(&variants)));
                        self.r
                            .error(
                                Code::UnknownName,
                                name.span,
                                format!("`{}` is not a value of `{enum_name}`", name.name),
                                "not a key of this table",
                            )
                            .with_help(help);
                        None
                    }
                }
            }
            (None, RowKey::Int { span, value }) => {
                self.r
                    .error(Code::TypeMismatch, *span, format!("row `{value}` of table `{table}` needs a name"), "a number, but the table has named rows")
                    .with_help(format!("key the table by number with `table {table} by int {{ … }}`, or name the row: `level{value}`"));
                None
            }
            (Some(ty), row) => {
                let name = self.type_name(ty);
                self.r
                    .error(
                        Code::TypeMismatch,
                        row.span(),
                        format!("table `{table}` is keyed by `{name}`"),
                        format!("not a `{name}`"),
                    )
                    .with_help(format!("write each row's key as a `{name}`"));
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
                self.r
                    .error(
                        Code::TypeMismatch,
                        value.span,
                        format!("table `{table}` holds `{want}`, and this row is `{got}`"),
                        "not a written number of the table's type",
                    )
                    .with_help("a table's first row says what it holds: write every row as a number (`5%`, `0.05`, `3`)");
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
                    | ir::Expr::Item(..)
                    | ir::Expr::Any(..)
                    | ir::Expr::All { .. }
                    | ir::Expr::Aggregate { .. }
                    | ir::Expr::Round { .. }
                    | ir::Expr::Default { .. }
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
        self.r
            .error(
                Code::NotConstant,
                span,
                "a row's amount must be an amount or another row",
                "not an amount",
            )
            .with_help("write `2000 元`, or refer to a row: `standard.level1`");
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
        for (span, name) in reported {
            self.r
                .error(
                    Code::Cycle,
                    span,
                    format!("row `{name}` refers to itself"),
                    "its amount is defined in a circle",
                )
                .with_help("give one row of the circle an amount like `2000 元`");
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
    fn condition(
        &mut self,
        d: &ast::Condition,
        kind: ir::ConditionKind,
        facts: &mut Facts,
    ) -> Option<ir::Condition> {
        let t = self.value(&d.expr, facts, Some(Type::Bool));
        self.expect_shallow(&t, d.expr.span);
        self.expect_type(
            &t,
            Type::Bool,
            d.expr.span,
            "a condition must be true or false",
        );
        if matches!(t.expr, ir::Expr::Lit(Value::Bool(false)))
            && kind == ir::ConditionKind::When
            && t.ty.is_some()
        {
            self.r
                .error(
                    Code::NeverHolds,
                    d.expr.span,
                    "this condition can never hold",
                    "always false",
                )
                .with_help("remove the category, or write the condition the notice states");
        }
        if kind == ir::ConditionKind::When && t.ty.is_some() {
            let alone_ok = self
                .assume(&mut Facts::default(), &t.expr, d.expr.span)
                .is_ok();
            if let Err(conflict) = self.assume(facts, &t.expr, d.expr.span) {
                if alone_ok {
                    let name = self
                        .field(conflict.field)
                        .map_or(String::new(), |f| f.name.clone());
                    self.r
                        .error(
                            Code::NeverHolds,
                            d.expr.span,
                            "this condition can never hold together with an earlier one",
                            format!("no value of `{name}` satisfies both"),
                        )
                        .with_label(conflict.earlier, "the earlier condition")
                        .with_help("check the numbers and dates against the notice");
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
        let pay = match d.pay.as_slice() {
            [] => {
                self.r
                    .error(
                        Code::Missing,
                        d.name.span,
                        format!("category `{}` does not say what it pays", d.name.name),
                        "no `pay` in this category",
                    )
                    .with_help(
                        "add a `pay` line, e.g. `pay standard.level1` or `pay match … { … }`",
                    );
                return None;
            }
            [first, rest @ ..] => {
                for extra in rest {
                    self.r
                        .error(
                            Code::DuplicateName,
                            extra.span,
                            format!("category `{}` pays twice", d.name.name),
                            "a second `pay`",
                        )
                        .with_label(first.span, "the first `pay`")
                        .with_help(
                            "one `pay` per category; use `if` or `match` to pay different amounts",
                        );
                }
                first
            }
        };
        self.quiet_exhaustiveness = self.error_count() > errors_before || self.requirement_errors;
        let t = self.value(&pay.expr, &facts, Some(Type::Money));
        self.expect_shallow(&t, pay.expr.span);
        self.quiet_exhaustiveness = false;
        self.expect_type(
            &t,
            Type::Money,
            pay.expr.span,
            "a category pays an amount of money",
        );
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
                ast::LimitScope::Keys { span, .. } | ast::LimitScope::Years { span, .. } => {
                    self.planned_limit(*span);
                    continue;
                }
                ast::LimitScope::Name(_) => {}
            }
            if limit.is_some() {
                self.r
                    .error(
                        Code::DuplicateName,
                        l.span,
                        "a second `limit`",
                        "again here",
                    )
                    .with_help("an award rule has one limit");
                continue;
            }
            if l.count < 1 || l.count > 1000 {
                self.r
                    .error(
                        Code::TypeMismatch,
                        l.count_span,
                        "the limit must be between 1 and 1000",
                        "not a usable limit",
                    )
                    .with_help("write `limit 1 per period`");
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
                "ever" | "year" | "category" => {
                    self.planned_limit(scope.span);
                }
                other => {
                    let help = did_you_mean(other, ["period", "group"]).unwrap_or_else(|| {
                        "write `per period`, or `per group NAME {category, …}`".into()
                    });
                    self.r
                        .error(
                            Code::UnknownSetting,
                            scope.span,
                            format!("unknown limit scope `{other}`"),
                            "not a scope",
                        )
                        .with_help(help);
                }
            }
        }
        let mut order = None;
        for c in &d.choices {
            if order.is_some() {
                self.r
                    .error(
                        Code::DuplicateName,
                        c.span,
                        "a second `choose`",
                        "again here",
                    )
                    .with_help("an award rule chooses one way; chain criteria with `then`");
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
                self.r
                    .error(
                        Code::Missing,
                        c.span,
                        "ties between categories are not broken",
                        "two categories could be chosen equally",
                    )
                    .with_help("end with `then first_declared`");
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
            self.r
                .error(
                    Code::Missing,
                    d.span,
                    "the award rule has no `limit`",
                    "how many awards a person may get is not said",
                )
                .with_help("add `limit 1 per period` (a group's limit comes on top of it)");
        }
        if order.is_none() {
            self.r
                .error(
                    Code::Missing,
                    d.span,
                    "the award rule does not say how to choose",
                    "no `choose` line",
                )
                .with_help("add `choose highest_amount then first_declared`");
        }
        Some(ir::AwardRule {
            clause,
            limit: limit?,
            groups,
            order: order?,
        })
    }

    /// A limit over the applicant's award history (`per (…) ever`, `per 3
    /// years`): planned with issue #14.
    fn planned_limit(&mut self, span: Span) {
        self.r
            .error(
                Code::Unsupported,
                span,
                "limits over the applicant's award history are not supported yet",
                "planned: needs the applicant's past awards as input",
            )
            .with_help(
                "the planned syntax is `limit 1 per (occupation, level) ever` or `limit 1 per 3 years`; it comes with issue #14's work on award history; until then write `limit N per period`",
            );
    }

    /// `quota …`, `budget …`, `payer …`, `rounds …`, `instalments …`:
    /// planned with issue #14; reported with the syntax
    /// they will have.
    pub(super) fn planned(&mut self, p: &ast::Planned) {
        let (keyword, feature, syntax) = match p.feature {
            ast::PlannedFeature::Quota => (
                "quota",
                "quotas (places per pool, allocated by lot, by time of receipt or by priority)",
                "quota pool_a \"A区名额\" { places 200  by lot seed 2025 }",
            ),
            ast::PlannedFeature::Budget => (
                "budget",
                "budgets (money per pool, paid in order of receipt or pro rata)",
                "budget 10_000_000 元 by received",
            ),
            ast::PlannedFeature::Payer => (
                "payer",
                "payers (an award split between payers, each with its own totals)",
                "payer east_district \"东城区总工会\" { pay matching 1:1 up to 500 元 when district == \"east\" }",
            ),
            ast::PlannedFeature::Rounds => (
                "rounds",
                "rounds (several payments in one period)",
                "rounds { first { on 2024-04-25  pay 300 元  paid 2024-05-10 ..= 2024-05-31 } }",
            ),
            ast::PlannedFeature::Instalments => (
                "instalments",
                "instalments (staged payments)",
                "instalments { now 500 元  after graduated_on 400 元 }",
            ),
        };
        let name = feature.split(" (").next().unwrap_or(feature);
        self.r
            .error(
                Code::Unsupported,
                p.keyword,
                format!("{name} are not supported yet"),
                format!("`{keyword}` is planned, not built"),
            )
            .with_help(format!(
                "{feature} come with issue #14's work (allocation and time); the planned syntax is `{syntax}`"
            ));
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
            let help = did_you_mean(&name.name, CRITERIA.iter().copied().chain(choices))
                .unwrap_or_else(|| {
                    format!(
                        "criteria are {}, or a text or enum field naming the category the applicant chose",
                        list(&CRITERIA)
                    )
                });
            self.r
                .error(
                    Code::UnknownSetting,
                    name.span,
                    format!("unknown award criterion `{}`", name.name),
                    "not a criterion",
                )
                .with_help(help);
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
                    let help = did_you_mean(&v, self.categories.iter().map(String::as_str))
                        .map(|d| format!("{d} (each value of the choice must name a category)"))
                        .unwrap_or_else(|| {
                            format!(
                                "each value of the choice names a category: {}",
                                list(
                                    &self
                                        .categories
                                        .iter()
                                        .map(String::as_str)
                                        .collect::<Vec<_>>()
                                )
                            )
                        });
                    self.r
                        .error(
                            Code::UnknownName,
                            name.span,
                            format!("`{}` can be `{v}`, which is not a category", name.name),
                            "the applicant's choice",
                        )
                        .with_help(help);
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
            | Type::Duration
            | Type::Decimal
            | Type::Unrounded
            | Type::List(_) => {
                let shown = ty.name(&self.enums);
                let article = if shown.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                self.r
                    .error(
                        Code::TypeMismatch,
                        name.span,
                        format!("`{}` is {article} {shown}, not text or an enum", name.name),
                        "the applicant's choice must name a category",
                    )
                    .with_help(format!(
                        "declare `{} text?` (a category's name), or an enum whose values are category names",
                        name.name
                    ));
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
            self.r
                .error(
                    Code::TypeMismatch,
                    l.count_span,
                    "the limit must be between 1 and 1000",
                    "not a usable limit",
                )
                .with_help(format!("write `limit 1 per group {} {{…}}`", name.name));
            ok = false;
        }
        if earlier.iter().any(|g| g.name == name.name) {
            self.r
                .error(
                    Code::DuplicateName,
                    name.span,
                    format!("a second group `{}`", name.name),
                    "again here",
                )
                .with_help("give each group its own name, or put the categories in one group");
            ok = false;
        }
        if categories.is_empty() {
            self.r
                .error(
                    Code::Missing,
                    l.span,
                    format!("group `{}` names no category", name.name),
                    "an empty group",
                )
                .with_help(format!(
                    "list the categories that share the limit: `group {} {{a, b}}`",
                    name.name
                ));
            ok = false;
        }
        let mut members: Vec<u32> = Vec::new();
        for c in categories {
            let Some(index) = self.categories.iter().position(|k| *k == c.name) else {
                let help = did_you_mean(&c.name, self.categories.iter().map(String::as_str))
                    .unwrap_or_else(|| {
                        format!(
                            "the categories are {}",
                            list(
                                &self
                                    .categories
                                    .iter()
                                    .map(String::as_str)
                                    .collect::<Vec<_>>()
                            )
                        )
                    });
                self.r
                    .error(
                        Code::UnknownName,
                        c.span,
                        format!("unknown category `{}`", c.name),
                        "not a category of this scheme",
                    )
                    .with_help(help);
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
                self.r
                    .error(
                        Code::DuplicateName,
                        c.span,
                        format!("category `{}` is already in group `{other}`", c.name),
                        "a category is in at most one group",
                    )
                    .with_help("a category's awards count against one group; put overlapping categories in one group");
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
                self.duplicate("setting", &e.key, prev);
                continue;
            }
            match e.key.name.as_str() {
                "received" | "identifier" => {
                    let field = e
                        .value
                        .as_name()
                        .and_then(|i| self.field_id(&i.name).map(|f| (f, i)));
                    let Some((f, _)) = field else {
                        let help = match &e.value.kind {
                            ExprKind::Path(p) => p
                                .first()
                                .and_then(|i| {
                                    did_you_mean(
                                        &i.name,
                                        self.fields.iter().map(|f| f.name.as_str()),
                                    )
                                })
                                .unwrap_or_else(|| "name a field of the applicant".into()),
                            ExprKind::Bool(..)
                            | ExprKind::Int(..)
                            | ExprKind::Decimal(..)
                            | ExprKind::Percent(..)
                            | ExprKind::Money { .. }
                            | ExprKind::Date(..)
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
                            | ExprKind::Match { .. } => "name a field of the applicant".into(),
                        };
                        self.r
                            .error(
                                Code::UnknownName,
                                e.value.span,
                                format!("`{}` must name an applicant field", e.key.name),
                                "not a field of the applicant",
                            )
                            .with_help(help);
                        continue;
                    };
                    if let Some(u) = self.used_fields.get_mut(f as usize) {
                        *u = true;
                    }
                    if e.key.name == "received" {
                        if self.field_type(f) != Some(Type::Date) {
                            self.r
                                .error(Code::TypeMismatch, e.value.span, "`received` must name a date field", "not a date")
                                .with_help("declare the application date as `applied_on date?` (absent: did not apply)");
                            continue;
                        }
                        received = Some(f);
                    } else {
                        identifier = Some(f);
                    }
                }
                "deadline" | "opens" => {
                    let t = self.value(&e.value, &Facts::default(), Some(Type::Date));
                    self.expect_type(&t, Type::Date, e.value.span, "the deadline is a date");
                    if e.key.name == "deadline" {
                        deadline = Some(t.expr);
                        deadline_clause = self.clause(e.clause.as_ref());
                    } else {
                        opens = Some(t.expr);
                    }
                }
                other => {
                    let help = did_you_mean(other, APPLICATION_KEYS).unwrap_or_else(|| {
                        format!("an application block has {}", list(&APPLICATION_KEYS))
                    });
                    self.r
                        .error(
                            Code::UnknownSetting,
                            e.key.span,
                            format!("unknown application setting `{other}`"),
                            "not an application setting",
                        )
                        .with_help(help);
                }
            }
        }
        // Without `received`, the block only names the identifier: there is
        // nothing to apply for, so no window can be set.
        if received.is_none() && (deadline.is_some() || opens.is_some()) {
            self.r
                .error(
                    Code::Missing,
                    d.span,
                    "the application block does not say when an application arrived",
                    "no `received` field",
                )
                .with_help("add `received applied_on`, naming a `date?` field");
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
                self.r
                    .error(
                        Code::DuplicateName,
                        s.name.span,
                        format!("step `{}` is declared twice", s.name.name),
                        "again here",
                    )
                    .with_help("give each step its own name");
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
                let mut names = vec!["received"];
                names.extend(steps.iter().map(|x| x.name.as_str()));
                let help =
                    did_you_mean(&s.after.name, names.iter().copied()).unwrap_or_else(|| {
                        format!(
                            "a step counts from `received` or an earlier step: {}",
                            list(&names)
                        )
                    });
                self.r
                    .error(
                        Code::UnknownName,
                        s.after.span,
                        format!("unknown step `{}`", s.after.name),
                        "not `received` or an earlier step",
                    )
                    .with_help(help);
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
                    self.r
                        .error(
                            Code::TypeMismatch,
                            s.within.span,
                            "a step's limit must be a positive duration",
                            "not a positive duration",
                        )
                        .with_help("write e.g. `within 1 month`");
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

/// `a`, `b` or `c`
pub(crate) fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}
