//! The checked scheme in the form the evaluator runs and bundles carry.
//!
//! Everything here has been resolved and type-checked by the compiler: names
//! are indices, money is exact, dates are dates. The evaluator still treats a
//! bundle as untrusted input (see `Bundle::load`), but it never re-does the
//! checker's reasoning.
//!
//! INVARIANT: these types derive serde and are the bundle's contract; a change
//! that alters their JSON is a bundle format change (see docs/bundle.md).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::Money;

/// Index of a field in [`Scheme::applicant`].
pub type FieldId = u32;
/// Index of a table in [`Scheme::tables`].
pub type TableId = u32;
/// Index of an enum in [`Scheme::enums`].
pub type EnumId = u32;

/// A whole scheme: what qualifies, what it pays, and how it is processed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scheme {
    pub id: String,
    pub header: Header,
    /// The clauses of the source notice, in declaration order.
    pub clauses: Vec<Clause>,
    pub enums: Vec<EnumDef>,
    /// The applicant record: the input schema.
    pub applicant: Vec<Field>,
    pub tables: Vec<Table>,
    /// Conditions every category shares.
    pub requirements: Vec<Condition>,
    /// In declaration order, which the award rule may use to break ties.
    pub categories: Vec<Category>,
    pub award: AwardRule,
    pub application: Option<Application>,
    pub timeline: Vec<Step>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub title: Option<String>,
    pub issuer: Option<String>,
    pub document: Option<String>,
    pub published: Option<NaiveDate>,
    /// ISO 4217 code, e.g. `CNY`.
    pub currency: String,
    pub period: Option<Period>,
}

/// An inclusive span of days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// A clause of the source notice: `二(一)` and its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clause {
    pub id: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumDef {
    pub name: String,
    pub label: Option<String>,
    pub variants: Vec<VariantDef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantDef {
    pub name: String,
    pub label: Option<String>,
}

/// One field of the applicant record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub label: Option<String>,
    #[serde(rename = "type")]
    pub ty: Type,
    /// May be absent (`int?`).
    pub optional: bool,
}

/// The type of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    Bool,
    Int,
    Money,
    Date,
    Text,
    Duration,
    Enum(EnumId),
}

impl Type {
    /// How the type is written in a policy: `money`, or an enum's name
    /// among `enums` (`enum` if it is not there).
    pub fn name(self, enums: &[EnumDef]) -> String {
        match self {
            Type::Bool => "bool".into(),
            Type::Int => "int".into(),
            Type::Money => "money".into(),
            Type::Date => "date".into(),
            Type::Text => "text".into(),
            Type::Duration => "duration".into(),
            Type::Enum(e) => enums
                .get(e as usize)
                .map_or_else(|| "enum".into(), |d| d.name.clone()),
        }
    }
}

/// A payout table: named (or keyed) rows of money.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub label: Option<String>,
    pub clause: Option<String>,
    /// What `table[key]` looks rows up by; `None` for a table of named rows.
    pub key: Option<Type>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The row's name, or its key written as text (`1`, `senior`).
    pub name: String,
    /// The value `table[key]` matches, for keyed tables.
    pub key: Option<Value>,
    pub label: Option<String>,
    pub clause: Option<String>,
    pub amount: RowAmount,
}

/// A row's amount, or "参照" another row's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowAmount {
    Money(Money),
    SameAs(RowRef),
}

/// A row of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RowRef {
    pub table: TableId,
    pub row: u32,
}

/// A condition as the notice states it, with what it cites.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// `When`: must hold; `Unless`: must not hold.
    pub kind: ConditionKind,
    pub expr: Expr,
    /// The condition's source text, for explanations.
    pub text: String,
    pub label: Option<String>,
    pub clause: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionKind {
    When,
    Unless,
}

/// A way to qualify (助推类别) and what it pays.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub name: String,
    pub label: Option<String>,
    pub clause: Option<String>,
    pub conditions: Vec<Condition>,
    pub pay: Expr,
    pub pay_clause: Option<String>,
}

/// How many awards a person gets and which.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwardRule {
    pub clause: Option<String>,
    /// At most this many awards per person per period.
    pub limit: u32,
    /// How to order eligible categories; the first `limit` are awarded.
    /// INVARIANT: ends with a criterion that never ties (`FirstDeclared`).
    pub order: Vec<Criterion>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    HighestAmount,
    LowestAmount,
    FirstDeclared,
}

/// When and how applications are received.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Application {
    pub clause: Option<String>,
    /// The applicant field holding the day the application arrived; absent
    /// means the person did not apply.
    pub received: FieldId,
    /// The field that names a person in reports and explanations.
    pub identifier: Option<FieldId>,
    /// Applications arriving after this day (inclusive deadline) are late.
    pub deadline: Option<Expr>,
    pub deadline_clause: Option<String>,
    /// Applications before this day are early (refused).
    pub opens: Option<Expr>,
}

/// One stage of processing: `review within 1 month after received`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub name: String,
    pub label: Option<String>,
    pub clause: Option<String>,
    pub within: Duration,
    pub after: Anchor,
}

/// What a step's time limit counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    Received,
    /// An earlier step, by index.
    Step(u32),
}

/// A length of time in calendar units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Duration {
    pub count: i64,
    pub unit: DurationUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnit {
    Days,
    /// Monday to Friday; public holidays are not modelled yet.
    WorkingDays,
    Weeks,
    Months,
    Years,
}

/// A value of the language.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    Bool(bool),
    Int(i64),
    Money(Money),
    Date(NaiveDate),
    Text(String),
    /// A variant of an enum, by index.
    Enum {
        ty: EnumId,
        variant: u32,
    },
    Duration(DurationValue),
}

/// [`Duration`] as a value (kept apart so `Value` can be ordered and hashed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DurationValue {
    pub count: i64,
    pub unit: DurationUnitValue,
}

/// [`DurationUnit`], ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnitValue {
    Days,
    WorkingDays,
    Weeks,
    Months,
    Years,
}

impl From<Duration> for DurationValue {
    fn from(d: Duration) -> Self {
        DurationValue {
            count: d.count,
            unit: match d.unit {
                DurationUnit::Days => DurationUnitValue::Days,
                DurationUnit::WorkingDays => DurationUnitValue::WorkingDays,
                DurationUnit::Weeks => DurationUnitValue::Weeks,
                DurationUnit::Months => DurationUnitValue::Months,
                DurationUnit::Years => DurationUnitValue::Years,
            },
        }
    }
}

impl From<DurationValue> for Duration {
    fn from(d: DurationValue) -> Self {
        Duration {
            count: d.count,
            unit: match d.unit {
                DurationUnitValue::Days => DurationUnit::Days,
                DurationUnitValue::WorkingDays => DurationUnit::WorkingDays,
                DurationUnitValue::Weeks => DurationUnit::Weeks,
                DurationUnitValue::Months => DurationUnit::Months,
                DurationUnitValue::Years => DurationUnit::Years,
            },
        }
    }
}

/// A typed expression. The compiler guarantees operand types match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    Lit(Value),
    /// An applicant field; reading it when absent is an evaluation error the
    /// checker has ruled out.
    Field(FieldId),
    Row(RowRef),
    /// `table[key]`
    Lookup {
        table: TableId,
        key: Box<Expr>,
    },
    Not(Box<Expr>),
    Neg(Box<Expr>),
    /// `a and b and …`: every operand holds, decided left to right (a
    /// later operand may rely on an earlier one for presence). One node for
    /// the whole chain, so that a long chain nests no deeper than a short one.
    And(Vec<Expr>),
    /// `a or b or …`, left to right.
    Or(Vec<Expr>),
    Compare {
        op: CompareOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `first op₁ e₁ op₂ e₂ …`, applied left to right: `a - b + c` is
    /// `(a - b) + c`. One node for a chain of one precedence level (`+` and
    /// `-`, or `*`).
    Arith {
        first: Box<Expr>,
        rest: Vec<(ArithOp, Expr)>,
    },
    InSet {
        expr: Box<Expr>,
        set: Vec<Value>,
    },
    InRange {
        expr: Box<Expr>,
        lo: Option<Box<Expr>>,
        hi: Option<Box<Expr>>,
        inclusive: bool,
    },
    /// `field is present`
    IsPresent(FieldId),
    /// `field ?? default`
    Default {
        field: FieldId,
        default: Box<Expr>,
    },
    Call {
        func: Builtin,
        args: Vec<Expr>,
    },
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<Arm>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
}

impl ArithOp {
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
        }
    }
}

/// Built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Builtin {
    /// `year(date) -> int`
    Year,
    /// `month(date) -> int`
    Month,
    /// `day(date) -> int`
    Day,
    /// `min(a, b)` over int, money or date
    Min,
    /// `max(a, b)` over int, money or date
    Max,
}

impl Builtin {
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Year => "year",
            Builtin::Month => "month",
            Builtin::Day => "day",
            Builtin::Min => "min",
            Builtin::Max => "max",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Arm {
    pub patterns: Vec<Pattern>,
    pub body: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    Wildcard,
    Value(Value),
    Range {
        lo: Option<Value>,
        hi: Option<Value>,
        inclusive: bool,
    },
}

impl Expr {
    /// Calls `f` with every applicant field the expression reads.
    pub fn visit_fields(&self, f: &mut impl FnMut(FieldId)) {
        match self {
            Expr::Field(x) | Expr::IsPresent(x) => f(*x),
            Expr::Default { field, default } => {
                f(*field);
                default.visit_fields(f);
            }
            Expr::Lit(_) | Expr::Row(_) => {}
            Expr::Lookup { key, .. } => key.visit_fields(f),
            Expr::Not(a) | Expr::Neg(a) => a.visit_fields(f),
            Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| e.visit_fields(f)),
            Expr::Compare { lhs, rhs, .. } => {
                lhs.visit_fields(f);
                rhs.visit_fields(f);
            }
            Expr::Arith { first, rest } => {
                first.visit_fields(f);
                rest.iter().for_each(|(_, e)| e.visit_fields(f));
            }
            Expr::InSet { expr, .. } => expr.visit_fields(f),
            Expr::InRange { expr, lo, hi, .. } => {
                expr.visit_fields(f);
                lo.iter().chain(hi.iter()).for_each(|b| b.visit_fields(f));
            }
            Expr::Call { args, .. } => args.iter().for_each(|a| a.visit_fields(f)),
            Expr::If {
                cond,
                then,
                otherwise,
            } => {
                cond.visit_fields(f);
                then.visit_fields(f);
                otherwise.visit_fields(f);
            }
            Expr::Match { scrutinee, arms } => {
                scrutinee.visit_fields(f);
                arms.iter().for_each(|a| a.body.visit_fields(f));
            }
        }
    }
}

/// How deeply expressions may nest (a node inside a node inside …). The
/// compiler refuses deeper expressions and the bundle loader deeper JSON, so
/// the evaluator, the explanation and serde never recurse further than this
/// on any stack. Long chains of one operator do not nest (see [`Expr::And`],
/// [`Expr::Arith`]); only brackets, `if`, `match` and the like do.
pub const MAX_DEPTH: usize = 256;

impl Expr {
    /// How many nodes deep the expression is (a literal is 1), counting no
    /// further than `MAX_DEPTH + 1`.
    pub fn depth(&self) -> usize {
        self.depth_within(MAX_DEPTH + 1)
    }

    fn depth_within(&self, budget: usize) -> usize {
        if budget <= 1 {
            return 1;
        }
        let below = budget - 1;
        let max = |items: &mut dyn Iterator<Item = &Expr>| {
            items.map(|e| e.depth_within(below)).max().unwrap_or(0)
        };
        1 + match self {
            Expr::Lit(_) | Expr::Field(_) | Expr::Row(_) | Expr::IsPresent(_) => 0,
            Expr::Lookup { key: a, .. }
            | Expr::Not(a)
            | Expr::Neg(a)
            | Expr::InSet { expr: a, .. }
            | Expr::Default { default: a, .. } => a.depth_within(below),
            Expr::And(items) | Expr::Or(items) | Expr::Call { args: items, .. } => {
                max(&mut items.iter())
            }
            Expr::Compare { lhs, rhs, .. } => max(&mut [&**lhs, &**rhs].into_iter()),
            Expr::Arith { first, rest } => {
                max(&mut std::iter::once(&**first).chain(rest.iter().map(|(_, e)| e)))
            }
            Expr::InRange { expr, lo, hi, .. } => max(&mut std::iter::once(&**expr)
                .chain(lo.as_deref())
                .chain(hi.as_deref())),
            Expr::If {
                cond,
                then,
                otherwise,
            } => max(&mut [&**cond, &**then, &**otherwise].into_iter()),
            Expr::Match { scrutinee, arms } => {
                max(&mut std::iter::once(&**scrutinee).chain(arms.iter().map(|a| &a.body)))
            }
        }
    }
}

impl Scheme {
    /// A row's amount, following "same as" references. `None` for a
    /// reference that points nowhere or a chain that does not end (the
    /// bundle loader refuses both; this refuses them again rather than loop).
    pub fn resolve_row(&self, mut r: RowRef) -> Option<Money> {
        for _ in 0..64 {
            match &self
                .tables
                .get(r.table as usize)?
                .rows
                .get(r.row as usize)?
                .amount
            {
                RowAmount::Money(m) => return Some(*m),
                RowAmount::SameAs(next) => r = *next,
            }
        }
        None
    }
}
