//! The checked scheme in the form the evaluator runs and bundles carry.
//!
//! Everything here has been resolved and type-checked by the compiler: names
//! are indices, money is exact, dates are dates. The evaluator still treats a
//! bundle as untrusted input (see `Bundle::load`), but it never re-does the
//! checker's reasoning.
//!
//! INVARIANT: these types derive serde and are the bundle's contract; a change
//! that alters their JSON is a bundle format change (see docs/bundle.md).
//! Dates and times are written as chrono writes them and read back by
//! `datetime`'s direct parsers (`deserialize_with`), which take exactly that
//! form.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::decimal::{Decimal, RoundMode};
use crate::money::Money;

/// Index of a field in [`Scheme::applicant`] (or, for [`Expr::Item`], in
/// the record of the list being walked).
pub type FieldId = u32;
/// Index of a table in [`Scheme::tables`].
pub type TableId = u32;
/// Index of an enum in [`Scheme::enums`].
pub type EnumId = u32;
/// Index of a record type in [`Scheme::records`].
pub type RecordId = u32;
/// Index of a named value in [`Scheme::lets`].
pub type LetId = u32;

/// A whole scheme: what qualifies, what it pays, and how it is processed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scheme {
    pub id: String,
    pub header: Header,
    /// The clauses of the source notice, in declaration order.
    pub clauses: Vec<Clause>,
    pub enums: Vec<EnumDef>,
    /// The records of list fields (`record Certificate { … }`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<RecordDef>,
    /// The applicant record: the input schema.
    pub applicant: Vec<Field>,
    /// Named values (`let`), in declaration order: each reads the applicant
    /// and only the ones before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lets: Vec<Let>,
    pub tables: Vec<Table>,
    /// Conditions every category shares.
    pub requirements: Vec<Condition>,
    /// In declaration order, which the award rule may use to break ties.
    pub categories: Vec<Category>,
    pub award: AwardRule,
    pub application: Option<Application>,
    pub timeline: Vec<Step>,
    /// Places rationed among eligible applicants, in declaration order: a
    /// payment is subject to the first quota whose conditions hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quotas: Vec<Quota>,
    /// The days `working_days` count (`calendar china { … }`); without
    /// one, Monday to Friday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<Calendar>,
    /// Several payments in the period (`rounds { … }`), in declaration
    /// order: the requirements, categories and award rule are decided once
    /// per round, reading [`Expr::RoundPart`]. Absent from the JSON when
    /// there are none, so schemes without rounds keep their bytes and hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<Round>,
    /// Payers topping up the scheme's own award, in declaration order
    /// (`payer east_district { … }`). Absent from the JSON when there are
    /// none, so bundles without payers keep their bytes and hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payers: Vec<Payer>,
}

/// The name of the scheme's own share of an award among its payers:
/// reports list it beside every [`Payer`].
pub const SCHEME_PAYER: &str = "scheme";

/// The largest side of a payer's ratio (`matching 1000:1`).
pub const MAX_RATIO: u32 = 1000;

/// `payer east_district "东城区总工会" §七 { when district == "east"
/// pay matching 1:1 up to 500 元 }`: a second payer that adds to the award
/// of the applicants its conditions select. The applicant is paid the
/// award and every top-up; each payer's share is reported on its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Payer {
    pub name: String,
    pub label: Option<String>,
    pub clause: Option<String>,
    /// Whose awards it tops up: all must hold (none: every award).
    pub conditions: Vec<Condition>,
    /// `matching per:pays`: `pays` of top-up for every `per` of the award,
    /// rounded down to the fen. INVARIANT: both from 1 to [`MAX_RATIO`].
    pub per: u32,
    pub pays: u32,
    /// `up to 500 元`: the most the payer adds for one applicant.
    pub cap: Option<Money>,
    /// The clause the `pay matching` line cites.
    pub pay_clause: Option<String>,
}

impl Payer {
    /// What this payer adds to an award of `award`: `award × pays / per`,
    /// rounded down to the fen, at most the cap. `None` on overflow.
    pub fn top_up(&self, award: Money) -> Option<Money> {
        let scaled = i128::from(award.minor())
            .checked_mul(i128::from(self.pays))?
            .checked_div(i128::from(self.per))?;
        let amount = Money(i64::try_from(scaled).ok()?);
        Some(match self.cap {
            Some(cap) if cap < amount => cap,
            Some(_) | None => amount,
        })
    }
}

/// `first "第一次" §二 { on 2024-04-25  pay 300 元  paid 2024-05-10 ..= 2024-05-31 }`:
/// one payment of the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The round's clause, or the `rounds` block's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    /// The qualifying day the round's conditions read (`round.date`).
    #[serde(deserialize_with = "crate::datetime::bundle_date")]
    pub date: NaiveDate,
    /// The round's amount (`round.amount`).
    pub amount: Money,
    /// The payment window (`round.paid_start`, `round.paid_end`).
    pub paid: Period,
}

/// What a rule reads of the round being decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundPart {
    /// `round.date`: the qualifying day.
    Date,
    /// `round.amount`
    Amount,
    /// `round.paid_start`: the payment window's first day.
    PaidStart,
    /// `round.paid_end`: the payment window's last day.
    PaidEnd,
}

impl RoundPart {
    /// Every part, in the order help texts list them.
    pub const ALL: [RoundPart; 4] = [
        RoundPart::Date,
        RoundPart::Amount,
        RoundPart::PaidStart,
        RoundPart::PaidEnd,
    ];

    /// How a rule names it after `round.`.
    pub fn name(self) -> &'static str {
        match self {
            RoundPart::Date => "date",
            RoundPart::Amount => "amount",
            RoundPart::PaidStart => "paid_start",
            RoundPart::PaidEnd => "paid_end",
        }
    }

    /// Its type.
    pub fn ty(self) -> Type {
        match self {
            RoundPart::Date | RoundPart::PaidStart | RoundPart::PaidEnd => Type::Date,
            RoundPart::Amount => Type::Money,
        }
    }

    /// Its value in `round`.
    pub fn of(self, round: &Round) -> Value {
        match self {
            RoundPart::Date => Value::Date(round.date),
            RoundPart::Amount => Value::Money(round.amount),
            RoundPart::PaidStart => Value::Date(round.paid.start),
            RoundPart::PaidEnd => Value::Date(round.paid.end),
        }
    }
}

/// `quota a "A区名额" §三 { when pool == a  places 200  by lot seed 2025 }`:
/// a pool of places. Deciding one applicant says only "eligible, subject
/// to quota"; [`crate::allocate()`] over every claim of a batch gives the
/// places.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quota {
    pub name: String,
    pub label: Option<String>,
    pub clause: Option<String>,
    /// Who competes for the places: all must hold (none: every payment).
    pub conditions: Vec<Condition>,
    /// How many places, or how much money.
    pub ration: Ration,
    /// The clause the `places` or `budget` line cites.
    pub ration_clause: Option<String>,
    /// The order places go in, most important key first. Ties after the
    /// last key go by the applicant's identifier.
    pub order: Vec<Rank>,
    /// The clause the `by` line cites.
    pub order_clause: Option<String>,
}

/// What a quota rations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ration {
    /// `places 200`: the first 200 claims in the quota's order are paid.
    Places(u64),
    /// `budget 10_000_000 元`: claims are paid in the quota's order while
    /// the money lasts; the first that does not fit in what is left, and
    /// every claim after it, gets no place.
    Budget(Money),
    /// `budget 1_000_000 元 pro rata`: when the claims come to more than
    /// the budget, each is paid its share, amount × budget / claims,
    /// rounded down to the fen (so the total never exceeds the budget).
    ProRata(Money),
}

/// The most keys a quota's order may have (`by a then b then c then d`).
pub const MAX_RANK_KEYS: usize = 4;

/// One key of a quota's order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rank {
    /// `lot seed 2025`: each claim's number is drawn from the seed, the
    /// pool's name and the applicant's identifier (see `allocate.rs`), so
    /// the draw is the same in any order, on any number of threads.
    Lot { seed: u64 },
    /// `earliest applied_at`, `highest score`, `model_worker`.
    By { expr: Expr, order: RankOrder },
}

/// Which values of a key come first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankOrder {
    Earliest,
    Latest,
    Highest,
    Lowest,
    /// A condition: those for whom it holds first.
    HoldsFirst,
}

/// Public holidays and make-up working days: a working day is Monday to
/// Friday unless it is a holiday, or any day that is a make-up working
/// day. Only the years it covers are known: counting working days into any
/// other year is an evaluation error ([`crate::EvalError::OutsideCalendar`]),
/// never a guess that it is a plain Monday-to-Friday year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The first year covered.
    pub first_year: i32,
    /// The last year covered (inclusive).
    pub last_year: i32,
    /// Days that are not working days, sorted by date and disjoint.
    pub holidays: Vec<DaySpan>,
    /// Make-up working days, sorted by date, disjoint, and no holiday.
    pub workdays: Vec<DaySpan>,
}

/// A run of days of a calendar, `from ..= to`, with its name (`国庆节`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaySpan {
    #[serde(deserialize_with = "crate::datetime::bundle_date")]
    pub from: NaiveDate,
    #[serde(deserialize_with = "crate::datetime::bundle_date")]
    pub to: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub title: Option<String>,
    pub issuer: Option<String>,
    pub document: Option<String>,
    // Absent is `None`, as for any `Option` field without `deserialize_with`.
    #[serde(default, deserialize_with = "crate::datetime::bundle_optional_date")]
    pub published: Option<NaiveDate>,
    /// ISO 4217 code, e.g. `CNY`.
    pub currency: String,
    pub period: Option<Period>,
}

/// An inclusive span of days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    #[serde(deserialize_with = "crate::datetime::bundle_date")]
    pub start: NaiveDate,
    #[serde(deserialize_with = "crate::datetime::bundle_date")]
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

/// The items of a list field: `record Certificate "证书" { level int … }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordDef {
    pub name: String,
    pub label: Option<String>,
    /// Every field of an item is required.
    pub fields: Vec<Field>,
}

/// A named value: `let reduction_rate "减免比例" = 5% §四`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Let {
    pub name: String,
    pub label: Option<String>,
    pub clause: Option<String>,
    #[serde(rename = "type")]
    pub ty: Type,
    pub expr: Expr,
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
    /// A day and a time of day, in the scheme's local time (no offset):
    /// `2025-03-01T09:30`. Where the time of receipt decides (first come,
    /// first served).
    DateTime,
    Text,
    Duration,
    Enum(EnumId),
    /// An exact fraction: `5%`, `0.05`, `income / 12` of ints.
    Decimal,
    /// An amount of money that may not be a whole fen (`income * 5%`): it
    /// must be rounded (`round(…, fen, half_up)`) before it is paid.
    Unrounded,
    /// `list of Certificate`
    List(RecordId),
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
            Type::DateTime => "datetime".into(),
            Type::Text => "text".into(),
            Type::Duration => "duration".into(),
            Type::Enum(e) => enums
                .get(e as usize)
                .map_or_else(|| "enum".into(), |d| d.name.clone()),
            Type::Decimal => "decimal".into(),
            Type::Unrounded => "unrounded money".into(),
            Type::List(_) => "list".into(),
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
    /// The type of the rows when they are not money (a table of rates:
    /// `decimal`; of counts: `int`); `None` for money.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Type>,
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
    /// A row of a table of numbers or rates (`5%`, `3`).
    Value(Value),
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
    /// `instalments { now 500 元  after graduated_on 400 元 }`: the stages
    /// `pay` sums (the checker writes `pay` as the stages due: those due
    /// now, and those whose field is recorded). Absent from the JSON when
    /// there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instalments: Vec<Instalment>,
}

/// One stage of a payment in instalments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// `None`: due now; a `date?` field: due once it is recorded, on that
    /// day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<FieldId>,
    pub amount: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
}

/// How many awards a person gets and which.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwardRule {
    pub clause: Option<String>,
    /// At most this many awards per person per period.
    pub limit: u32,
    /// Limits shared by groups of categories (`limit 1 per group skill
    /// {…}`), on top of `limit`. Absent from the JSON when there are none,
    /// so bundles without groups keep their bytes and hash.
    /// INVARIANT: a category is in at most one group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<LimitGroup>,
    /// How to order eligible categories; in this order, a category is
    /// awarded while its group (if any) and the overall limit have room.
    /// INVARIANT: ends with a criterion that never ties (`FirstDeclared`).
    pub order: Vec<Criterion>,
    /// `history past_awards`: the applicant's list field of past awards.
    /// Its limits are exclusions among [`Scheme::requirements`]; the field
    /// says which list `simulate --awards-out` writes this run's awards
    /// into. Absent from the JSON when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<FieldId>,
}

/// `limit 1 per group skill {vocational, social_work, contest}`: at most
/// `limit` awards among these categories.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitGroup {
    pub name: String,
    pub limit: u32,
    /// Indices into [`Scheme::categories`].
    pub categories: Vec<u32>,
    pub clause: Option<String>,
}

impl AwardRule {
    /// The group a category belongs to, if any.
    pub fn group_of(&self, category: u32) -> Option<&LimitGroup> {
        self.groups
            .iter()
            .find(|g| g.categories.contains(&category))
    }

    /// The applicant fields the rule reads: those naming the applicant's
    /// choice.
    pub fn fields(&self) -> impl Iterator<Item = FieldId> + '_ {
        self.order.iter().filter_map(|c| match c {
            Criterion::ChosenCategory { field } => Some(*field),
            Criterion::HighestAmount | Criterion::LowestAmount | Criterion::FirstDeclared => None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    HighestAmount,
    LowestAmount,
    FirstDeclared,
    /// The category the applicant chose, named by a text or enum field
    /// (`choose chosen_category then …`): it comes first when eligible; when
    /// the field is absent or names no category the person qualifies for,
    /// the criteria after it decide.
    ChosenCategory {
        field: FieldId,
    },
}

/// When and how applications are received.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Application {
    pub clause: Option<String>,
    /// The applicant field holding the day the application arrived; absent
    /// means the person did not apply. `None`: the block only names the
    /// identifier, and eligibility is enough (no application is needed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<FieldId>,
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
    /// Monday to Friday, or the days the scheme's [`Calendar`] says.
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
    #[serde(deserialize_with = "crate::datetime::bundle_date")]
    Date(NaiveDate),
    #[serde(deserialize_with = "crate::datetime::bundle_datetime")]
    DateTime(NaiveDateTime),
    Text(String),
    /// A variant of an enum, by index.
    Enum {
        ty: EnumId,
        variant: u32,
    },
    Duration(DurationValue),
    /// A decimal, or an unrounded amount in fen.
    Decimal(Decimal),
    /// The items of a list field, each its record's fields in order (an
    /// optional field of an item may be absent: `None`). Shared (`Arc`): a list is read, never changed, once built; and a
    /// value that holds a list only through a pointer keeps the drop of
    /// every other value small enough to inline, which the evaluator's hot
    /// paths (comparisons of borrowed or computed values) pay per row.
    List(std::sync::Arc<Vec<Vec<Option<Value>>>>),
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
    /// A named value, by index.
    Let(LetId),
    /// `round.date`, `round.amount`…: the round being decided (see
    /// [`Scheme::rounds`]).
    RoundPart(RoundPart),
    /// A field of the list item being walked by the enclosing
    /// [`Expr::Any`], [`Expr::All`] or [`Expr::Aggregate`]; reading an
    /// optional one when absent is an evaluation error the checker has
    /// ruled out.
    Item(FieldId),
    /// `field is present`, for an optional field of the item being walked.
    ItemPresent(FieldId),
    /// `field ?? default`, for an optional field of the item being walked.
    ItemDefault {
        field: FieldId,
        default: Box<Expr>,
    },
    /// `any certificates where …`: some item of the set exists.
    Any(ItemSet),
    /// `all members where …`: every item of the set meets `cond`.
    All {
        items: ItemSet,
        cond: Box<Expr>,
    },
    /// `count(…)`, `sum(x of …)`, `min(x of …)`, `max(x of …)`. `min` and
    /// `max` of no items are absent; the checker only lets them be read
    /// where `any` of the same items is known to hold.
    Aggregate {
        func: Aggregate,
        items: ItemSet,
        of: Option<Box<Expr>>,
        /// The result's type (the sum of no items is zero of it).
        #[serde(rename = "type")]
        ty: Type,
    },
    /// `round(x, fen, half_up)`: a whole number of `unit`s, as money.
    Round {
        value: Box<Expr>,
        unit: RoundUnit,
        mode: RoundMode,
    },
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

/// The items of a list field that meet a filter (`certificates where …`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemSet {
    /// The applicant's list field.
    pub list: FieldId,
    /// Reads the item with [`Expr::Item`]; `None` takes every item.
    pub filter: Option<Box<Expr>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    Count,
    Sum,
    Min,
    Max,
}

impl Aggregate {
    /// Every aggregate, in the order help texts list them.
    pub const ALL: [Aggregate; 4] = [
        Aggregate::Count,
        Aggregate::Sum,
        Aggregate::Min,
        Aggregate::Max,
    ];

    /// The aggregate written `name` (`sum(x of …)`), if there is one.
    pub fn from_name(name: &str) -> Option<Aggregate> {
        Aggregate::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The name the author writes, and the bundle's JSON.
    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Count => "count",
            Aggregate::Sum => "sum",
            Aggregate::Min => "min",
            Aggregate::Max => "max",
        }
    }
}

/// What `round` rounds to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundUnit {
    /// The currency's minor unit (分, cent).
    Fen,
    /// The major unit (元, dollar).
    Yuan,
    Ten,
    Hundred,
}

impl RoundUnit {
    pub const ALL: [RoundUnit; 4] = [
        RoundUnit::Fen,
        RoundUnit::Yuan,
        RoundUnit::Ten,
        RoundUnit::Hundred,
    ];
    /// How many fen the unit is.
    pub fn fen(self) -> i64 {
        match self {
            RoundUnit::Fen => 1,
            RoundUnit::Yuan => 100,
            RoundUnit::Ten => 1_000,
            RoundUnit::Hundred => 10_000,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            RoundUnit::Fen => "fen",
            RoundUnit::Yuan => "yuan",
            RoundUnit::Ten => "ten",
            RoundUnit::Hundred => "hundred",
        }
    }
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
    /// Exact division: the result is a decimal (or unrounded money).
    Div,
}

impl ArithOp {
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
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
    /// `min(a, b, …)` over int, decimal, money or date
    Min,
    /// `max(a, b, …)` over int, decimal, money or date
    Max,
}

impl Builtin {
    /// Every builtin function over values: the runtime's one list of them
    /// (the checker's table, `compiler/src/check/builtins.rs`, has one
    /// entry for each; a test there holds it).
    pub const ALL: [Builtin; 5] = [
        Builtin::Year,
        Builtin::Month,
        Builtin::Day,
        Builtin::Min,
        Builtin::Max,
    ];

    /// The builtin written `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == name)
    }

    /// The name the author writes, and the bundle's JSON.
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
            // A named value's reads are visited once, on the scheme (see
            // `Scheme::visit_fields`); an item's fields are the list's.
            Expr::Let(_) | Expr::Item(_) | Expr::ItemPresent(_) | Expr::RoundPart(_) => {}
            Expr::Any(items) => items.visit_fields(f),
            Expr::All { items, cond } => {
                items.visit_fields(f);
                cond.visit_fields(f);
            }
            Expr::Aggregate { items, of, .. } => {
                items.visit_fields(f);
                of.iter().for_each(|e| e.visit_fields(f));
            }
            Expr::Round { value, .. } => value.visit_fields(f),
            Expr::Default { field, default } => {
                f(*field);
                default.visit_fields(f);
            }
            Expr::ItemDefault { default, .. } => default.visit_fields(f),
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

impl ItemSet {
    pub fn visit_fields(&self, f: &mut impl FnMut(FieldId)) {
        f(self.list);
        if let Some(e) = &self.filter {
            e.visit_fields(f);
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
            Expr::Lit(_)
            | Expr::Field(_)
            | Expr::Row(_)
            | Expr::IsPresent(_)
            | Expr::Let(_)
            | Expr::RoundPart(_)
            | Expr::Item(_)
            | Expr::ItemPresent(_) => 0,
            Expr::Any(items) => items.filter.as_ref().map_or(0, |e| e.depth_within(below)),
            Expr::All { items, cond } => {
                max(&mut items.filter.as_deref().into_iter().chain([&**cond]))
            }
            Expr::Aggregate { items, of, .. } => {
                max(&mut items.filter.as_deref().into_iter().chain(of.as_deref()))
            }
            Expr::Round { value, .. } => value.depth_within(below),
            Expr::Lookup { key: a, .. }
            | Expr::Not(a)
            | Expr::Neg(a)
            | Expr::InSet { expr: a, .. }
            | Expr::Default { default: a, .. }
            | Expr::ItemDefault { default: a, .. } => a.depth_within(below),
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
    /// Whether the scheme is written in Chinese: its title says when it
    /// has words; without one, most of its labels and clauses do. `bursar
    /// doc` and the simulator's reports choose their language by it.
    pub fn is_chinese(&self) -> bool {
        let han = |t: &str| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        if let Some(title) = self.header.title.as_deref() {
            if title.chars().any(char::is_alphabetic) {
                return han(title);
            }
        }
        let texts = self
            .categories
            .iter()
            .filter_map(|c| c.label.as_deref())
            .chain(self.applicant.iter().filter_map(|f| f.label.as_deref()))
            .chain(self.tables.iter().filter_map(|t| t.label.as_deref()))
            .chain(self.clauses.iter().map(|c| c.text.as_str()));
        let (chinese, other) = texts.filter(|t| t.chars().any(char::is_alphabetic)).fold(
            (0usize, 0usize),
            |(z, o), t| {
                if han(t) {
                    (z + 1, o)
                } else {
                    (z, o + 1)
                }
            },
        );
        chinese > other
    }

    /// A row's amount, following "same as" references. `None` for a
    /// reference that points nowhere or a chain that does not end (the
    /// bundle loader refuses both; this refuses them again rather than loop).
    pub fn resolve_row(&self, r: RowRef) -> Option<Money> {
        if let Value::Money(m) = self.resolve_row_value(r)? {
            Some(m)
        } else {
            None
        }
    }

    /// A row's value, money or not, following "same as" references (see
    /// [`Scheme::resolve_row`]).
    pub fn resolve_row_value(&self, mut r: RowRef) -> Option<Value> {
        for _ in 0..64 {
            match &self
                .tables
                .get(r.table as usize)?
                .rows
                .get(r.row as usize)?
                .amount
            {
                RowAmount::Money(m) => return Some(Value::Money(*m)),
                RowAmount::Value(v) => return Some(v.clone()),
                RowAmount::SameAs(next) => r = *next,
            }
        }
        None
    }

    /// The type of a table's rows.
    pub fn row_type(&self, table: TableId) -> Type {
        self.tables
            .get(table as usize)
            .and_then(|t| t.value)
            .unwrap_or(Type::Money)
    }
}

impl ArithOp {
    /// The type of `x op y`, or `None` if the operator does not apply: the
    /// one table of arithmetic types, used by the checker and the bundle
    /// loader alike. Money times a rate, or divided, may fall between two
    /// fen: it is [`Type::Unrounded`] until the policy rounds it.
    pub fn result(self, x: Type, y: Type) -> Option<Type> {
        use Type::{Date, Decimal, Duration, Int, Money, Unrounded};
        let number = |t: Type| matches!(t, Int | Decimal);
        Some(match (self, x, y) {
            (ArithOp::Add | ArithOp::Sub | ArithOp::Mul, Int, Int) => Int,
            (ArithOp::Add | ArithOp::Sub, Money, Money) => Money,
            (ArithOp::Mul, Money, Int) | (ArithOp::Mul, Int, Money) => Money,
            (ArithOp::Add | ArithOp::Sub, Date, Duration) | (ArithOp::Add, Duration, Date) => Date,
            (ArithOp::Add | ArithOp::Sub | ArithOp::Mul | ArithOp::Div, a, b)
                if number(a) && number(b) =>
            {
                Decimal
            }
            (ArithOp::Add | ArithOp::Sub, Unrounded, Money | Unrounded)
            | (ArithOp::Add | ArithOp::Sub, Money, Unrounded) => Unrounded,
            (ArithOp::Mul, Money | Unrounded, Decimal)
            | (ArithOp::Mul, Decimal, Money | Unrounded) => Unrounded,
            (ArithOp::Mul, Unrounded, Int) | (ArithOp::Mul, Int, Unrounded) => Unrounded,
            (ArithOp::Div, Money | Unrounded, Int | Decimal) => Unrounded,
            (ArithOp::Div, Money | Unrounded, Money | Unrounded) => Decimal,
            _ => return None,
        })
    }
}

impl Expr {
    /// What a test compares with written values: `x == 3`, `x in {a, b}`,
    /// `x in 1..=3` give `x` and `[3]`, `[a, b]`, `[1, 3]`. For the
    /// witness search and synthetic data, which try values at the
    /// boundaries the rules draw.
    pub fn tested_values(&self) -> Option<(&Expr, Vec<Value>)> {
        let literal = |b: &Expr| {
            if let Expr::Lit(v) = b {
                Some(v.clone())
            } else {
                None
            }
        };
        match self {
            Expr::Compare { lhs, rhs, .. } => match (&**lhs, &**rhs) {
                (s, Expr::Lit(v)) | (Expr::Lit(v), s) => Some((s, vec![v.clone()])),
                _ => None,
            },
            Expr::InSet { expr, set } => Some((expr, set.clone())),
            Expr::InRange { expr, lo, hi, .. } => Some((
                expr,
                lo.iter()
                    .chain(hi.iter())
                    .filter_map(|b| literal(b))
                    .collect(),
            )),
            Expr::Lit(..)
            | Expr::Field(..)
            | Expr::Row(..)
            | Expr::Lookup { .. }
            | Expr::Not(..)
            | Expr::Neg(..)
            | Expr::And(..)
            | Expr::Or(..)
            | Expr::Arith { .. }
            | Expr::IsPresent(..)
            | Expr::Let(..)
            | Expr::RoundPart(_)
            | Expr::Item(..)
            | Expr::ItemPresent(..)
            | Expr::Any(..)
            | Expr::All { .. }
            | Expr::Aggregate { .. }
            | Expr::Round { .. }
            | Expr::Default { .. }
            | Expr::ItemDefault { .. }
            | Expr::Call { .. }
            | Expr::If { .. }
            | Expr::Match { .. } => None,
        }
    }
}

impl Type {
    /// Whether `<`, `min` and ranges apply.
    pub fn is_ordered(self) -> bool {
        match self {
            Type::Int
            | Type::Money
            | Type::Date
            | Type::DateTime
            | Type::Decimal
            | Type::Unrounded => true,
            Type::Bool | Type::Text | Type::Duration | Type::Enum(_) | Type::List(_) => false,
        }
    }
}

impl Value {
    /// The day of a date, or of a time of day (as a deadline counts it);
    /// `None` for a value of another kind.
    pub fn day(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            Value::DateTime(t) => Some(t.date()),
            Value::Bool(..)
            | Value::Int(..)
            | Value::Money(..)
            | Value::Text(..)
            | Value::Enum { .. }
            | Value::Duration(..)
            | Value::Decimal(..)
            | Value::List(..) => None,
        }
    }

    /// The type of a literal value (a list's record is not known from its
    /// items: `None`).
    pub fn ty(&self) -> Option<Type> {
        Some(match self {
            Value::Bool(_) => Type::Bool,
            Value::Int(_) => Type::Int,
            Value::Money(_) => Type::Money,
            Value::Date(_) => Type::Date,
            Value::DateTime(_) => Type::DateTime,
            Value::Text(_) => Type::Text,
            Value::Enum { ty, .. } => Type::Enum(*ty),
            Value::Duration(_) => Type::Duration,
            Value::Decimal(_) => Type::Decimal,
            Value::List(_) => return None,
        })
    }
}

impl Scheme {
    /// Calls `f` with every applicant field `e` reads, through the named
    /// values it uses.
    pub fn visit_fields(&self, e: &Expr, f: &mut impl FnMut(FieldId)) {
        let mut lets = Vec::new();
        e.visit_fields(f);
        e.visit_lets(&mut |l| lets.push(l));
        let mut seen = vec![false; self.lets.len()];
        while let Some(l) = lets.pop() {
            let Some(slot) = seen.get_mut(l as usize) else {
                continue;
            };
            if std::mem::replace(slot, true) {
                continue;
            }
            if let Some(def) = self.lets.get(l as usize) {
                def.expr.visit_fields(f);
                def.expr.visit_lets(&mut |l| lets.push(l));
            }
        }
    }
}

impl Expr {
    /// Calls `f` with every named value the expression uses directly.
    pub fn visit_lets(&self, f: &mut impl FnMut(LetId)) {
        self.walk(&mut |e| {
            if let Expr::Let(l) = e {
                f(*l);
            }
        });
    }

    /// Calls `f` on this expression and every expression inside it.
    pub fn walk<'e>(&'e self, f: &mut dyn FnMut(&'e Expr)) {
        f(self);
        let items = |s: &'e ItemSet, f: &mut dyn FnMut(&'e Expr)| {
            if let Some(e) = &s.filter {
                e.walk(f);
            }
        };
        match self {
            Expr::Lit(_)
            | Expr::Field(_)
            | Expr::Row(_)
            | Expr::IsPresent(_)
            | Expr::Let(_)
            | Expr::RoundPart(_)
            | Expr::Item(_)
            | Expr::ItemPresent(_) => {}
            Expr::Lookup { key: a, .. }
            | Expr::Not(a)
            | Expr::Neg(a)
            | Expr::InSet { expr: a, .. }
            | Expr::Default { default: a, .. }
            | Expr::ItemDefault { default: a, .. }
            | Expr::Round { value: a, .. } => a.walk(f),
            Expr::And(xs) | Expr::Or(xs) | Expr::Call { args: xs, .. } => {
                xs.iter().for_each(|x| x.walk(f))
            }
            Expr::Compare { lhs, rhs, .. } => {
                lhs.walk(f);
                rhs.walk(f);
            }
            Expr::Arith { first, rest } => {
                first.walk(f);
                rest.iter().for_each(|(_, x)| x.walk(f));
            }
            Expr::InRange { expr, lo, hi, .. } => {
                expr.walk(f);
                lo.iter().chain(hi.iter()).for_each(|x| x.walk(f));
            }
            Expr::If {
                cond,
                then,
                otherwise,
            } => {
                cond.walk(f);
                then.walk(f);
                otherwise.walk(f);
            }
            Expr::Match { scrutinee, arms } => {
                scrutinee.walk(f);
                arms.iter().for_each(|a| a.body.walk(f));
            }
            Expr::Any(s) => items(s, f),
            Expr::All { items: s, cond } => {
                items(s, f);
                cond.walk(f);
            }
            Expr::Aggregate { items: s, of, .. } => {
                items(s, f);
                of.iter().for_each(|x| x.walk(f));
            }
        }
    }
}

#[cfg(test)]
mod name_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::{Aggregate, Builtin};

    #[test]
    fn builtin_all_holds_every_function_under_its_json_name() {
        // Total on purpose: each builtin names the one after it, so a new
        // one fails to compile here until it joins the cycle, and the walk
        // finds it missing from `ALL` until it is there too.
        let next = |b: Builtin| match b {
            Builtin::Year => Builtin::Month,
            Builtin::Month => Builtin::Day,
            Builtin::Day => Builtin::Min,
            Builtin::Min => Builtin::Max,
            Builtin::Max => Builtin::Year,
        };
        let mut b = Builtin::Year;
        for _ in 0..Builtin::ALL.len() {
            assert!(Builtin::ALL.contains(&b), "`{}` is not in ALL", b.name());
            b = next(b);
        }
        assert_eq!(b, Builtin::Year, "the cycle is longer than ALL");
        for b in Builtin::ALL {
            let json = serde_json::to_string(&b).unwrap();
            assert_eq!(json, format!("\"{}\"", b.name()));
            assert_eq!(Builtin::from_name(b.name()), Some(b));
        }
        assert_eq!(Builtin::from_name("sum"), None);
    }

    #[test]
    fn aggregate_names_are_their_json_names() {
        for a in Aggregate::ALL {
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.name()));
            assert_eq!(Aggregate::from_name(a.name()), Some(a));
        }
    }
}
