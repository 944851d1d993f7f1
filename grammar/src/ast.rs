//! The syntax tree of a policy file, as written: every node carries the span
//! of the text it came from, nothing is resolved or checked yet.

use std::fmt;

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// A string literal, escapes resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

/// `§二(一)`: a reference to a clause of the source notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClauseRef {
    /// Without the `§`.
    pub id: String,
    pub span: Span,
}

/// A whole policy file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyFile {
    pub items: Vec<Item>,
}

/// One top-level declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Extends(Text),
    /// `override table …` / `override category …`: changes a parent's declaration.
    Override(Box<Item>),
    /// `extend table …` / `extend category …`: adds rows or conditions to a
    /// parent's declaration.
    Extend(Box<Item>),
    /// `remove category NAME`
    RemoveCategory(Ident),
    /// `remove row TABLE.KEY`
    RemoveRow {
        table: Ident,
        row: RowKey,
    },
    /// `remove when CATEGORY EXPR`, `remove unless …`, `remove require EXPR`
    RemoveCondition(RemovedCondition),
    /// `remove deadline`
    RemoveDeadline(Span),
    Scheme(SchemeDecl),
    Enum(EnumDecl),
    /// `record Certificate { … }`: the items of a list field.
    Record(RecordDecl),
    Applicant(ApplicantDecl),
    /// `let name = …`
    Let(LetDecl),
    Clause(ClauseDecl),
    Table(TableDecl),
    Require(Condition),
    Category(CategoryDecl),
    Award(AwardDecl),
    Application(ApplicationDecl),
    Timeline(TimelineDecl),
    /// `quota pool_a { when …  places 200  by lot seed 2025 }`
    Quota(QuotaDecl),
    /// `payer east_district { when …  pay matching 1:1 up to 500 元 }`: a
    /// second payer topping up the award.
    Payer(PayerDecl),
    /// `calendar china { years … holiday … workday … }`: the days
    /// `working_days` count.
    Calendar(CalendarDecl),
    /// `rounds { first { on …  pay …  paid … } … }`: several payments in
    /// the period.
    Rounds(RoundsDecl),
    /// `quota …` elsewhere, `budget …`, `payer …`: planned, reported as
    /// such by the checker.
    Planned(Planned),
}

/// `quota pool_a "A区名额" §三 { when pool == a  places 200  by lot seed 2025 }`
#[derive(Clone, Debug, PartialEq)]
pub struct QuotaDecl {
    pub name: Ident,
    pub label: Option<Text>,
    pub clause: Option<ClauseRef>,
    /// Who competes for the places: every `when` line holds.
    pub when: Vec<Condition>,
    /// `places 200`: the count, its span and clause (several lines are an
    /// error the checker reports).
    pub places: Vec<(i64, Span, Option<ClauseRef>)>,
    /// `budget 10_000_000 元 [pro rata]`: the amount, whether it is
    /// shared pro rata, and the line's clause.
    pub budget: Vec<QuotaBudget>,
    /// `by …` lines (exactly one is expected).
    pub order: Vec<QuotaOrder>,
    pub span: Span,
}

/// `payer east_district "东城区总工会" §七 { when district == "east"
/// pay matching 1:1 up to 500 元 }`
#[derive(Clone, Debug, PartialEq)]
pub struct PayerDecl {
    pub name: Ident,
    pub label: Option<Text>,
    pub clause: Option<ClauseRef>,
    /// Whose awards the payer tops up: every `when` line holds.
    pub when: Vec<Condition>,
    /// `pay matching …` lines (exactly one is expected).
    pub pay: Vec<PayerPay>,
    pub span: Span,
}

/// `pay matching 1:1 up to 500 元 §七`: B of top-up for every A of the
/// award, at most `cap`.
#[derive(Clone, Debug, PartialEq)]
pub struct PayerPay {
    /// The award's side of the ratio (A in `A:B`), as written.
    pub per: i64,
    /// The top-up's side of the ratio (B in `A:B`), as written.
    pub pays: i64,
    /// The ratio as written, for diagnostics.
    pub ratio_span: Span,
    /// `up to 500 元`.
    pub cap: Option<Expr>,
    pub clause: Option<ClauseRef>,
    pub span: Span,
}

/// `budget 10_000_000 元 pro rata §五`
#[derive(Clone, Debug, PartialEq)]
pub struct QuotaBudget {
    pub amount: Expr,
    pub pro_rata: bool,
    pub clause: Option<ClauseRef>,
    pub span: Span,
}

/// `by model_worker then earliest applied_at §三`
#[derive(Clone, Debug, PartialEq)]
pub struct QuotaOrder {
    pub keys: Vec<RankKey>,
    pub clause: Option<ClauseRef>,
    pub span: Span,
}

/// One key of a quota's order.
#[derive(Clone, Debug, PartialEq)]
pub enum RankKey {
    /// `lot seed 2025`: a seeded, reproducible draw.
    Lot { seed: i64, span: Span },
    /// `earliest applied_at`, `highest score`, or a bare condition
    /// (`model_worker`: those for whom it holds first).
    By {
        direction: Option<RankDirection>,
        expr: Expr,
        span: Span,
    },
}

/// How a quota orders by a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RankDirection {
    Earliest,
    Latest,
    Highest,
    Lowest,
}

/// `rounds §二 { first "第一次" { on 2024-04-25  pay 300 元  paid 2024-05-10 ..= 2024-05-31 } }`
#[derive(Clone, Debug, PartialEq)]
pub struct RoundsDecl {
    pub clause: Option<ClauseRef>,
    pub rounds: Vec<RoundDecl>,
    pub span: Span,
}

/// One round: `first "第一次" §二 { on 2024-04-25  pay 300 元  paid 2024-05-10 ..= 2024-05-31 }`.
#[derive(Clone, Debug, PartialEq)]
pub struct RoundDecl {
    pub name: Ident,
    pub label: Option<Text>,
    pub clause: Option<ClauseRef>,
    /// The qualifying day, as written (checked by the checker).
    pub on: (String, Span),
    /// The round's amount.
    pub pay: Expr,
    /// The payment window's first and last days, as written.
    pub paid: ((String, Span), (String, Span)),
    pub span: Span,
}

/// `calendar china "中国法定节假日" { years 2023 ..= 2026  holiday … workday … }`
#[derive(Clone, Debug, PartialEq)]
pub struct CalendarDecl {
    pub name: Ident,
    pub label: Option<Text>,
    /// `years 2023 ..= 2026`: one line (the checker refuses a second; an
    /// `extend calendar` with one replaces it).
    pub years: Vec<CalendarYears>,
    pub days: Vec<CalendarDay>,
    pub span: Span,
}

/// `years 2023 ..= 2026` or `years 2027`: the years a calendar covers.
#[derive(Clone, Debug, PartialEq)]
pub struct CalendarYears {
    pub first: i64,
    pub last: i64,
    pub span: Span,
}

/// `holiday 2025-10-01 ..= 2025-10-08 "国庆节"` or `workday 2025-09-28 "调休"`.
#[derive(Clone, Debug, PartialEq)]
pub struct CalendarDay {
    pub kind: DayKind,
    /// The first day as written (checked by the checker).
    pub from: String,
    pub from_span: Span,
    /// The last day of a range, as written.
    pub to: Option<(String, Span)>,
    pub label: Option<Text>,
    pub span: Span,
}

/// What a calendar line says about its days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayKind {
    /// Not a working day (a public holiday, or its days off).
    Holiday,
    /// A working day, even on a weekend (a make-up day, 调休上班).
    Workday,
}

/// A declaration planned with issue #14 (allocation and time): recognised,
/// not built. Only its feature and place are kept.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    pub feature: PlannedFeature,
    /// The keyword that names the feature.
    pub keyword: Span,
    pub span: Span,
}

/// The planned declarations, by their keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlannedFeature {
    Quota,
    Budget,
    Payer,
}

/// `key value [§clause]` inside a header or application block.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Ident,
    pub value: Expr,
    pub clause: Option<ClauseRef>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SchemeDecl {
    pub id: Ident,
    pub entries: Vec<Entry>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumDecl {
    pub name: Ident,
    pub label: Option<Text>,
    pub variants: Vec<Variant>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub name: Ident,
    pub label: Option<Text>,
}

/// A condition a child policy removes, by its text.
#[derive(Clone, Debug, PartialEq)]
pub struct RemovedCondition {
    /// `when`/`unless` (with the category), or `require`.
    pub kind: RemovedKind,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RemovedKind {
    When(Ident),
    Unless(Ident),
    Require,
}

/// `record Certificate "证书" { level int … }`
#[derive(Clone, Debug, PartialEq)]
pub struct RecordDecl {
    pub name: Ident,
    pub label: Option<Text>,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

/// `let name "label" = value [where condition] [§clause]`
#[derive(Clone, Debug, PartialEq)]
pub struct LetDecl {
    pub name: Ident,
    pub label: Option<Text>,
    pub value: Expr,
    /// `let qualifying = certificates where …`: the items of a list that
    /// meet a condition.
    pub filter: Option<Expr>,
    pub clause: Option<ClauseRef>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ApplicantDecl {
    pub label: Option<Text>,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeRef,
    pub label: Option<Text>,
    pub span: Span,
}

/// `int`, `date?`, `Issuer?`, `list of Certificate`
#[derive(Clone, Debug, PartialEq)]
pub struct TypeRef {
    pub name: Ident,
    pub optional: bool,
    /// `list of …`
    pub list: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ClauseDecl {
    pub clause: ClauseRef,
    pub text: Text,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableDecl {
    pub name: Ident,
    pub label: Option<Text>,
    pub clause: Option<ClauseRef>,
    /// `by Type`: rows are keyed by values of that type, and `table[key]` looks them up.
    pub key_type: Option<TypeRef>,
    pub rows: Vec<Row>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub key: RowKey,
    pub label: Option<Text>,
    pub value: Expr,
    pub clause: Option<ClauseRef>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RowKey {
    Name(Ident),
    Int { value: i64, span: Span },
}

impl RowKey {
    pub fn span(&self) -> Span {
        match self {
            RowKey::Name(id) => id.span,
            RowKey::Int { span, .. } => *span,
        }
    }
    /// The key as the author would write it.
    pub fn text(&self) -> String {
        match self {
            RowKey::Name(id) => id.name.clone(),
            RowKey::Int { value, .. } => value.to_string(),
        }
    }
}

/// A condition with where it comes from: `require`, `when` and `unless` lines.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub expr: Expr,
    pub clause: Option<ClauseRef>,
    pub label: Option<Text>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CategoryDecl {
    pub name: Ident,
    pub label: Option<Text>,
    pub clause: Option<ClauseRef>,
    pub when: Vec<Condition>,
    pub unless: Vec<Condition>,
    pub pay: Vec<Pay>,
    /// `instalments { … }` blocks, in place of `pay` (more than one is an
    /// error the checker reports).
    pub instalments: Vec<InstalmentsDecl>,
    /// `quota …` lines: planned.
    pub planned: Vec<Planned>,
    pub span: Span,
}

/// `instalments §3 { now 500 元  after graduated_on 400 元 }`
#[derive(Clone, Debug, PartialEq)]
pub struct InstalmentsDecl {
    pub clause: Option<ClauseRef>,
    pub stages: Vec<Instalment>,
    pub span: Span,
}

/// `now 500 元` or `after graduated_on 400 元 §3`.
#[derive(Clone, Debug, PartialEq)]
pub struct Instalment {
    /// `None`: due now; a field: due once it is recorded.
    pub after: Option<Ident>,
    pub amount: Expr,
    pub clause: Option<ClauseRef>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pay {
    pub expr: Expr,
    pub clause: Option<ClauseRef>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AwardDecl {
    pub clause: Option<ClauseRef>,
    /// `history past_awards`: the list field limits over history read (the
    /// checker refuses a second one).
    pub history: Vec<HistoryDecl>,
    pub limits: Vec<LimitDecl>,
    pub choices: Vec<ChoiceDecl>,
    /// `quota …`, `budget …` lines: planned.
    pub planned: Vec<Planned>,
    pub span: Span,
}

/// `history past_awards §五`: the applicant's list of past awards.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryDecl {
    pub list: Ident,
    pub clause: Option<ClauseRef>,
    pub span: Span,
}

/// `limit 1 per period`, `limit 1 per group skill {vocational, contest}`
#[derive(Clone, Debug, PartialEq)]
pub struct LimitDecl {
    pub count: i64,
    pub count_span: Span,
    pub scope: LimitScope,
    pub clause: Option<ClauseRef>,
    pub span: Span,
}

/// What a limit counts over.
#[derive(Clone, Debug, PartialEq)]
pub enum LimitScope {
    /// `per period` (or a name the checker refuses: `per year`, `per ever`).
    Name(Ident),
    /// `per group skill {vocational, social_work, contest}`
    Group { name: Ident, categories: Vec<Ident> },
    /// `per (occupation, level) ever`, `per occupation ever`: over the
    /// applicant's award history.
    Keys {
        keys: Vec<Ident>,
        ever: bool,
        span: Span,
    },
    /// `per 3 years`: over the applicant's award history.
    Years {
        count: i64,
        unit: DurationUnit,
        span: Span,
    },
}

/// `choose highest_amount then first_declared`
#[derive(Clone, Debug, PartialEq)]
pub struct ChoiceDecl {
    pub criteria: Vec<Ident>,
    pub clause: Option<ClauseRef>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ApplicationDecl {
    pub clause: Option<ClauseRef>,
    pub entries: Vec<Entry>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TimelineDecl {
    pub steps: Vec<Step>,
    pub span: Span,
}

/// `review within 1 month after received §四(二) "…"`
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub name: Ident,
    pub within: Expr,
    pub after: Ident,
    pub clause: Option<ClauseRef>,
    pub label: Option<Text>,
    pub span: Span,
}

/// An expression and its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    /// The one name this expression is (`voc_level`, `half_up`, `CNY`),
    /// if it is a single name: how settings, `round`'s unit and mode, and
    /// field references read a word. A projection, not a handling of every
    /// form, so `if let` rather than a `match` listing them all.
    pub fn as_name(&self) -> Option<&Ident> {
        if let ExprKind::Path(p) = &self.kind {
            if let [name] = p.as_slice() {
                return Some(name);
            }
        }
        None
    }
}

/// Every expression form. A new form is added here, in `parser.rs`, and in the
/// checker's `check_expr`; the compiler will not build until all three agree.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Bool(bool),
    Int(i64),
    /// A number with a fractional part, as written (`0.5`).
    Decimal(String),
    /// `5%`: the number before the `%`, as written.
    Percent(String),
    /// `2000 元`: amount as written (`2000`, `12.50`) and the unit (`元`, `CNY`).
    Money {
        amount: String,
        unit: String,
    },
    /// `2023-10-31`, as written: the checker rejects impossible dates.
    Date(String),
    /// `2025-03-01T09:30`
    DateTime(String),
    Duration {
        count: i64,
        unit: DurationUnit,
    },
    Text(String),
    /// `voc_level`, `standard.level1`, `Issuer.other`
    Path(Vec<Ident>),
    /// `table[key]`
    Index {
        table: Vec<Ident>,
        key: Box<Expr>,
    },
    Call {
        func: Ident,
        args: Vec<Expr>,
    },
    /// `any certificates where level == 1`, `all members where resident`
    Quantifier {
        quantifier: Quantifier,
        list: Vec<Ident>,
        filter: Option<Box<Expr>>,
    },
    /// `count(members where age < 17)`, `min(level of qualifying)`
    Aggregate {
        func: Ident,
        of: Option<Box<Expr>>,
        list: Vec<Ident>,
        filter: Option<Box<Expr>>,
    },
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    /// A comparison or `??`. (`and`, `or`, `+`, `-` and `*` make a [`ExprKind::Chain`].)
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `a and b and c`, `a or b`, `a + b - c`, `a * b`: operators of one
    /// precedence level in a row, applied left to right. Kept flat so that a
    /// chain of 100,000 terms nests no deeper than one of two: nothing
    /// downstream recurses once per term. `rest` is never empty, and its
    /// operators are all of one level: `and`; `or`; `+` and `-`; `*`.
    /// A parenthesised chain stays a chain of its own.
    Chain {
        first: Box<Expr>,
        rest: Vec<(BinaryOp, Expr)>,
    },
    /// `x in {…}` / `x in a..=b`, negated for `not in`.
    In {
        expr: Box<Expr>,
        negated: bool,
        set: Box<Expr>,
    },
    /// `{a, b}`
    Set(Vec<Expr>),
    /// `a..=b`, `a..b`, `a..`, `..=b`
    Range {
        lo: Option<Box<Expr>>,
        hi: Option<Box<Expr>>,
        inclusive: bool,
    },
    /// `x is present` (`present = true`) / `x is absent`
    Is {
        expr: Box<Expr>,
        present: bool,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    Any,
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationUnit {
    Days,
    WorkingDays,
    Weeks,
    Months,
    Years,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    /// `x ?? default`
    Default,
}

impl BinaryOp {
    /// Every operator; `all_holds_every_operator` (below) fails to compile
    /// until a new one is listed there, and to pass until it is here.
    pub const ALL: [BinaryOp; 13] = [
        BinaryOp::Or,
        BinaryOp::And,
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Default,
    ];

    /// Operators that chain with each other into one [`ExprKind::Chain`]
    /// have the same level; `None` for the operators that do not chain.
    pub fn chain_level(self) -> Option<u8> {
        match self {
            BinaryOp::And => Some(0),
            BinaryOp::Or => Some(1),
            BinaryOp::Add | BinaryOp::Sub => Some(2),
            BinaryOp::Mul | BinaryOp::Div => Some(3),
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::Default => None,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Default => "??",
        }
    }
}

/// `1 | 2 => standard.level2`
#[derive(Clone, Debug, PartialEq)]
pub struct Arm {
    pub patterns: Vec<Pattern>,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    pub kind: PatternKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PatternKind {
    Wildcard,
    Int(i64),
    Bool(bool),
    Text(String),
    Date(String),
    /// An enum variant.
    Name(String),
    /// `2..=10`; bounds are int or date literals.
    Range {
        lo: Option<Box<Pattern>>,
        hi: Option<Box<Pattern>>,
        inclusive: bool,
    },
}

#[cfg(test)]
mod binary_op_tests {
    use super::BinaryOp;

    #[test]
    fn all_holds_every_operator() {
        // Total on purpose: each operator names the one listed after it, so
        // a new operator fails to compile here until it joins the cycle, and
        // the walk below finds it missing from `ALL` until it is there too.
        let next = |op: BinaryOp| match op {
            BinaryOp::Or => BinaryOp::And,
            BinaryOp::And => BinaryOp::Eq,
            BinaryOp::Eq => BinaryOp::Ne,
            BinaryOp::Ne => BinaryOp::Lt,
            BinaryOp::Lt => BinaryOp::Le,
            BinaryOp::Le => BinaryOp::Gt,
            BinaryOp::Gt => BinaryOp::Ge,
            BinaryOp::Ge => BinaryOp::Add,
            BinaryOp::Add => BinaryOp::Sub,
            BinaryOp::Sub => BinaryOp::Mul,
            BinaryOp::Mul => BinaryOp::Div,
            BinaryOp::Div => BinaryOp::Default,
            BinaryOp::Default => BinaryOp::Or,
        };
        let mut op = BinaryOp::Or;
        for _ in 0..BinaryOp::ALL.len() {
            assert!(
                BinaryOp::ALL.contains(&op),
                "`{}` is not in ALL",
                op.symbol()
            );
            op = next(op);
        }
        assert_eq!(op, BinaryOp::Or, "the cycle is longer than ALL");
    }
}
