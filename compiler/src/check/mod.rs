//! The checker: resolves names, checks types and the static rules of the
//! language, and lowers what it proved into the IR. It reports every problem
//! it can find in one run; a scheme is only produced when there is no error.
//!
//! Declarations are handled in a fixed order (enums, applicant, clauses,
//! tables, requirements, categories, award, application, timeline) so that a
//! policy may write them in any order.

mod builtins;

pub(crate) use builtins::functions_help;
pub(crate) mod calendar;
mod decls;
mod exhaustive;
mod expr;
mod history;
mod instalments;
mod lists;
mod literal;
mod payer;
mod quota;
mod resolve;
mod rounds;
mod sign;
mod types;

use std::collections::HashMap;

use bursar_grammar::ast::{self, Item, PolicyFile, Span};
use bursar_runtime::ir::{self, EnumId, FieldId, TableId, Type};

use crate::diagnostic::Reporter;
use crate::facts::Facts;
use crate::names::closest;
use crate::problem::{Decl, Problem};

/// The outcome of checking one policy.
pub struct Checked {
    /// Present when there were no errors.
    pub scheme: Option<ir::Scheme>,
    pub reporter: Reporter,
}

/// Checks a parsed policy file.
pub fn check(file: &PolicyFile, reporter: Reporter) -> Checked {
    let mut c = Checker::new(reporter);
    let scheme = c.run(file);
    let scheme = if c.r.has_errors() { None } else { scheme };
    Checked {
        scheme,
        reporter: c.r,
    }
}

/// A table while checking: its IR and how its rows are found by name.
struct TableInfo {
    table: ir::Table,
    span: Span,
    rows: Vec<Span>,
    used: bool,
    /// Rows read by name (`standard.level1`) or referred to by another row.
    used_rows: Vec<bool>,
}

/// A named value while checking: a value (`Expr::Let`), or the items of a
/// list that meet a condition (`let qualifying = certificates where …`),
/// which every use reads as those items.
#[derive(Clone, Debug)]
pub(crate) enum Named {
    Value(ir::LetId),
    Items {
        set: ir::ItemSet,
        record: ir::RecordId,
    },
}

pub(crate) struct Checker {
    pub(crate) r: Reporter,
    enums: Vec<ir::EnumDef>,
    enum_spans: Vec<Span>,
    records: Vec<ir::RecordDef>,
    record_spans: Vec<Span>,
    lets: Vec<ir::Let>,
    /// Every `let` by name, with where it was declared.
    named: Vec<(String, Named, Span)>,
    /// Inside a list's condition (`where …`, `sum(x of …)`): the record of
    /// the items and the list field.
    item_scope: Option<(ir::RecordId, FieldId)>,
    /// The scheme's period, for `period.start` and `period.end`.
    period: Option<ir::Period>,
    /// The application deadline when it is a written date, for
    /// `application.deadline` in expressions.
    deadline: Option<chrono::NaiveDate>,
    fields: Vec<ir::Field>,
    field_spans: Vec<Span>,
    used_fields: Vec<bool>,
    tables: Vec<TableInfo>,
    clauses: Vec<ir::Clause>,
    clause_spans: HashMap<String, Span>,
    currency: String,
    categories: Vec<String>,
    /// What every `require` line establishes, the starting facts of each category.
    base_facts: Facts,
    /// Fields whose type did not resolve: reading them reports nothing more.
    poisoned: Vec<String>,
    /// Set when the conditions before a `pay` had errors: the facts they would
    /// have established are missing, so exhaustiveness errors would be noise.
    quiet_exhaustiveness: bool,
    /// A `require` line had an error: see `quiet_exhaustiveness`.
    requirement_errors: bool,
    /// `calendar NAME` in the header: the calendar `working_days` count by.
    calendar_choice: Option<ast::Ident>,
    /// Where the header's `period` is written.
    period_span: Option<Span>,
    /// Where the chosen calendar's `years` are written.
    calendar_years: Option<Span>,
    /// The scheme has a `rounds` block, which `round.date` and the like
    /// read.
    rounds_declared: bool,
}

/// A checked expression.
#[derive(Clone, Debug)]
pub(crate) struct Typed {
    pub expr: ir::Expr,
    /// `None` after an error already reported, to stop cascades.
    pub ty: Option<Type>,
    /// The value may be absent here.
    pub optional: bool,
}

impl Typed {
    fn error() -> Typed {
        Typed {
            expr: ir::Expr::Lit(ir::Value::Bool(false)),
            ty: None,
            optional: false,
        }
    }
}

impl Checker {
    fn new(r: Reporter) -> Self {
        Checker {
            r,
            enums: Vec::new(),
            enum_spans: Vec::new(),
            records: Vec::new(),
            record_spans: Vec::new(),
            lets: Vec::new(),
            named: Vec::new(),
            item_scope: None,
            period: None,
            deadline: None,
            fields: Vec::new(),
            field_spans: Vec::new(),
            used_fields: Vec::new(),
            tables: Vec::new(),
            clauses: Vec::new(),
            clause_spans: HashMap::new(),
            currency: String::new(),
            categories: Vec::new(),
            base_facts: Facts::default(),
            poisoned: Vec::new(),
            quiet_exhaustiveness: false,
            requirement_errors: false,
            calendar_choice: None,
            period_span: None,
            calendar_years: None,
            rounds_declared: false,
        }
    }

    fn run(&mut self, file: &PolicyFile) -> Option<ir::Scheme> {
        let mut header = None;
        let mut applicant = None;
        let mut award = None;
        let mut application = None;
        let mut timeline = None;
        let mut enums = Vec::new();
        let mut records = Vec::new();
        let mut lets = Vec::new();
        let mut clauses = Vec::new();
        let mut tables = Vec::new();
        let mut requires = Vec::new();
        let mut categories = Vec::new();
        let mut quotas = Vec::new();
        let mut rounds = None;
        let mut payers = Vec::new();
        let mut calendars = Vec::new();
        let mut calendar_extensions = Vec::new();
        for item in &file.items {
            match item {
                // Resolved while loading (inherit.rs).
                Item::Extends(_) => {}
                // A built-in calendar, or one this file declares, is
                // extended by name whether or not the policy has a parent.
                Item::Extend(inner) if matches!(&**inner, Item::Calendar(_)) => {
                    if let Item::Calendar(d) = &**inner {
                        calendar_extensions.push(d);
                    }
                }
                Item::Override(inner) | Item::Extend(inner) => {
                    let span = match &**inner {
                        Item::Table(t) => t.name.span,
                        Item::Category(c) => c.name.span,
                        Item::Calendar(c) => c.name.span,
                        Item::Extends(..)
                        | Item::Override(..)
                        | Item::Extend(..)
                        | Item::RemoveCategory(..)
                        | Item::RemoveRow { .. }
                        | Item::RemoveCondition(..)
                        | Item::RemoveDeadline(..)
                        | Item::Scheme(..)
                        | Item::Enum(..)
                        | Item::Record(..)
                        | Item::Applicant(..)
                        | Item::Let(..)
                        | Item::Clause(..)
                        | Item::Require(..)
                        | Item::Award(..)
                        | Item::Application(..)
                        | Item::Timeline(..)
                        | Item::Quota(..)
                        | Item::Rounds(..)
                        | Item::Payer(..)
                        | Item::Planned(..) => Span::new(0, 0),
                    };
                    let word = if matches!(item, Item::Extend(_)) {
                        "extend"
                    } else {
                        "override"
                    };
                    self.r.report(span, Problem::NoParentToChange { word });
                }
                Item::RemoveCategory(ast::Ident { span, .. })
                | Item::RemoveRow {
                    table: ast::Ident { span, .. },
                    ..
                }
                | Item::RemoveCondition(ast::RemovedCondition { span, .. })
                | Item::RemoveDeadline(span) => {
                    self.r.report(*span, Problem::NoParentToRemove);
                }
                Item::Record(d) => records.push(d),
                Item::Let(d) => lets.push(d),
                Item::Scheme(d) => self.once(&mut header, d, d.span, Decl::SchemeHeader),
                Item::Applicant(d) => self.once(&mut applicant, d, d.span, Decl::ApplicantRecord),
                Item::Award(d) => self.once(&mut award, d, d.span, Decl::AwardRule),
                Item::Application(d) => {
                    self.once(&mut application, d, d.span, Decl::ApplicationBlock)
                }
                Item::Timeline(d) => self.once(&mut timeline, d, d.span, Decl::Timeline),
                Item::Planned(p) => self.planned(p),
                Item::Enum(d) => enums.push(d),
                Item::Clause(d) => clauses.push(d),
                Item::Table(d) => tables.push(d),
                Item::Require(d) => requires.push(d),
                Item::Category(d) => categories.push(d),
                Item::Quota(d) => quotas.push(d),
                Item::Payer(d) => payers.push(d),
                Item::Calendar(d) => calendars.push(d),
                Item::Rounds(d) => self.once(&mut rounds, d, d.span, Decl::Rounds),
            }
        }

        let header = match header {
            Some(h) => Some(self.header(h)),
            None => {
                self.r.report(Span::new(0, 0), Problem::NoHeader);
                None
            }
        };
        for d in enums {
            self.enum_decl(d);
        }
        for d in records {
            self.record_decl(d);
        }
        match applicant {
            Some(a) => self.applicant(a),
            None => {
                self.r.report(Span::new(0, 0), Problem::NoApplicant);
            }
        }
        for d in clauses {
            self.clause_decl(d);
        }
        for d in &tables {
            self.table_head(d);
        }
        for (i, d) in tables.iter().enumerate() {
            self.table_rows(i, d);
        }
        self.check_row_cycles();
        self.period = header.as_ref().and_then(|h| h.1.period);
        let ir_rounds = self.rounds(rounds);
        if let (Some(r), Some(_)) = (rounds, quotas.first()) {
            self.r.report(r.span, Problem::RoundsWithQuotas);
        }
        // A written deadline is a value rules may read (a date relative to
        // the applicant is not: it has no one value).
        self.deadline = application.and_then(|a| {
            a.entries.iter().find_map(|e| {
                let ast::ExprKind::Date(d) = &e.value.kind else {
                    return None;
                };
                if e.key.name != "deadline" {
                    return None;
                }
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()
            })
        });
        for d in lets {
            self.let_decl(d);
        }

        let mut requirements: Vec<ir::Condition> = requires
            .iter()
            .filter_map(|d| self.requirement(d))
            .collect();
        if categories.is_empty() {
            self.r.report(Span::new(0, 0), Problem::NoCategory);
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut ir_categories = Vec::new();
        for d in &categories {
            if let Some(prev) = seen.insert(&d.name.name, d.name.span) {
                self.duplicate(Decl::Category, &d.name, prev);
                continue;
            }
            self.categories.push(d.name.name.clone());
            if let Some(cat) = self.category(d) {
                ir_categories.push(cat);
            }
        }
        let award = match award {
            Some(a) => {
                let rule = self.award(a);
                // Limits over the award history exclude whatever the
                // category: they come after the `require` lines.
                let (history, exclusions) =
                    self.history(a, rule.as_ref().and_then(|r| r.clause.as_ref()));
                requirements.extend(exclusions);
                rule.map(|r| ir::AwardRule { history, ..r })
            }
            None => {
                self.r.report(Span::new(0, 0), Problem::NoAward);
                None
            }
        };
        let application = application.and_then(|a| self.application(a));
        let timeline = timeline.map(|t| self.timeline(t)).unwrap_or_default();
        let quotas = self.quotas(&quotas, application.as_ref());
        let payers = self.payers(&payers, &quotas, &ir_rounds, &ir_categories);
        let choice = self.calendar_choice.clone();
        let calendar = self.scheme_calendar(&calendars, &calendar_extensions, choice.as_ref());
        self.warn_unused();

        let header = header?;
        let award = award?;
        let scheme = ir::Scheme {
            id: header.0,
            header: header.1,
            clauses: std::mem::take(&mut self.clauses),
            enums: std::mem::take(&mut self.enums),
            records: std::mem::take(&mut self.records),
            applicant: std::mem::take(&mut self.fields),
            lets: std::mem::take(&mut self.lets),
            tables: std::mem::take(&mut self.tables)
                .into_iter()
                .map(|t| t.table)
                .collect(),
            requirements,
            categories: ir_categories,
            award,
            application,
            timeline,
            quotas,
            calendar,
            rounds: ir_rounds,
            payers,
        };
        self.check_calendar_covers(&scheme);
        Some(scheme)
    }

    /// Records a declaration that may appear once, reporting a second one.
    fn once<'a, T>(&mut self, slot: &mut Option<&'a T>, decl: &'a T, span: Span, what: Decl) {
        if slot.is_some() {
            self.r.report(span, Problem::SecondDeclaration { what });
        } else {
            *slot = Some(decl);
        }
    }

    fn duplicate(&mut self, what: Decl, name: &ast::Ident, first: Span) {
        self.r.report(
            name.span,
            Problem::Duplicate {
                what,
                name: name.name.clone(),
                first,
            },
        );
    }

    // ------------------------------------------------------------- lookups

    fn field_id(&self, name: &str) -> Option<FieldId> {
        self.fields
            .iter()
            .position(|f| f.name == name)
            .map(|i| i as FieldId)
    }

    fn enum_id(&self, name: &str) -> Option<EnumId> {
        self.enums
            .iter()
            .position(|e| e.name == name)
            .map(|i| i as EnumId)
    }

    fn table_id(&self, name: &str) -> Option<TableId> {
        self.tables
            .iter()
            .position(|t| t.table.name == name)
            .map(|i| i as TableId)
    }

    fn field(&self, id: FieldId) -> Option<&ir::Field> {
        self.fields.get(id as usize)
    }

    fn field_type(&self, id: FieldId) -> Option<Type> {
        self.field(id).map(|f| f.ty)
    }

    fn variant_count(&self, ty: Type) -> u32 {
        match ty {
            Type::Bool => 2,
            Type::Enum(e) => self
                .enums
                .get(e as usize)
                .map_or(0, |e| e.variants.len() as u32),
            Type::Int
            | Type::Money
            | Type::Date
            | Type::DateTime
            | Type::Text
            | Type::Duration
            | Type::Decimal
            | Type::Unrounded
            | Type::List(_) => 0,
        }
    }

    fn variant_name(&self, ty: EnumId, variant: u32) -> String {
        self.enums
            .get(ty as usize)
            .and_then(|e| e.variants.get(variant as usize))
            .map_or_else(|| variant.to_string(), |v| v.name.clone())
    }

    /// How a type is written.
    fn type_name(&self, ty: Type) -> String {
        ty.name(&self.enums)
    }

    /// Resolves a type name; reports unknown ones.
    fn resolve_type(&mut self, t: &ast::TypeRef) -> Option<Type> {
        if t.list {
            let name = t.name.name.as_str();
            if let Some(r) = self.records.iter().position(|r| r.name == name) {
                return Some(Type::List(r as ir::RecordId));
            }
            let suggestion =
                closest(name, self.records.iter().map(|r| r.name.as_str())).map(str::to_string);
            self.r.report(
                t.name.span,
                Problem::UnknownRecord {
                    name: name.to_string(),
                    suggestion,
                },
            );
            return None;
        }
        let ty = match t.name.name.as_str() {
            "bool" => Type::Bool,
            "int" => Type::Int,
            "decimal" => Type::Decimal,
            "money" => Type::Money,
            "date" => Type::Date,
            "datetime" => Type::DateTime,
            "text" => Type::Text,
            name => match self.enum_id(name) {
                Some(e) => Type::Enum(e),
                None => {
                    let mut candidates = vec![
                        "bool", "int", "decimal", "money", "date", "datetime", "text",
                    ];
                    candidates.extend(self.enums.iter().map(|e| e.name.as_str()));
                    let is_record = self.records.iter().any(|r| r.name == name);
                    let suggestion = closest(name, candidates.iter().copied()).map(str::to_string);
                    self.r.report(
                        t.name.span,
                        Problem::UnknownType {
                            name: name.to_string(),
                            is_record,
                            suggestion,
                        },
                    );
                    return None;
                }
            },
        };
        Some(ty)
    }

    /// Resolves a clause reference; reports undeclared ones.
    fn clause(&mut self, c: Option<&ast::ClauseRef>) -> Option<String> {
        let c = c?;
        if self.clause_spans.contains_key(&c.id) {
            return Some(c.id.clone());
        }
        let suggestion =
            closest(&c.id, self.clauses.iter().map(|c| c.id.as_str())).map(str::to_string);
        self.r.report(
            c.span,
            Problem::UnknownClause {
                id: c.id.clone(),
                suggestion,
            },
        );
        None
    }

    /// The source text of a span with its white space folded, for explanations.
    fn text_of(&self, span: Span) -> String {
        self.r
            .slice(span)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn error_count(&self) -> usize {
        self.r.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    fn warn_unused(&mut self) {
        for i in 0..self.fields.len() {
            if !self.used_fields.get(i).copied().unwrap_or(true) {
                let (Some(f), Some(span)) = (self.fields.get(i), self.field_spans.get(i)) else {
                    continue;
                };
                let name = f.name.clone();
                let span = *span;
                self.r.report(span, Problem::UnusedField { name });
            }
        }
        let mut warnings = Vec::new();
        for t in &self.tables {
            if !t.used {
                warnings.push((
                    t.span,
                    Problem::UnusedTable {
                        name: t.table.name.clone(),
                    },
                ));
                continue;
            }
            if t.table.key.is_some() {
                continue;
            }
            for (i, used) in t.used_rows.iter().enumerate() {
                if !used {
                    if let (Some(row), Some(span)) = (t.table.rows.get(i), t.rows.get(i)) {
                        warnings.push((
                            *span,
                            Problem::UnusedRow {
                                table: t.table.name.clone(),
                                row: row.name.clone(),
                            },
                        ));
                    }
                }
            }
        }
        for (span, problem) in warnings {
            self.r.report(span, problem);
        }
    }
}
