//! A scheme's conditions and payouts lowered, once, to typed tests and
//! resolved rows: [`Program`].
//!
//! Most conditions of a scheme are a field against literals (`voc_level in
//! 1..=3`, `voc_issuer in {beijing_center, registered_org}`, `member_card`,
//! `year(voc_issued) == 2021`), often behind `is present`. The tree walker
//! in `eval` decides them by walking the expression, matching both
//! operands' kinds and carrying `Result`s; a lowered test holds the literal
//! already typed and reads the one value. Most payouts are a table's row,
//! picked by a field (`match voc_level { 1 => standard.level1, … }`,
//! `social_work_standard[sw_level]`); lowered, each row's amount is
//! resolved once, "参照" references followed, and the field's value picks
//! it. Either answers only where the walker would return that same truth
//! value or payout from those same reads; wherever the walker could do
//! anything else (an absent field, a value of another kind, no arm or row
//! for the value, an expression of another shape), it says "cannot tell"
//! and the walker decides the whole condition or payout. So a program
//! changes no decision, verdict or error, only how fast the usual one is
//! made (the property test in `tests/lowered.rs` holds the two equal). The
//! application's days, when written out, are read once as well ([`Days`]).
//! A program borrows its scheme, so the scheme cannot change under it.

use chrono::{Datelike, NaiveDate};

use crate::eval::{self, literal, Checks, Decision, Stop};
use crate::input::Applicant;
use crate::ir::{
    Builtin, CompareOp, Condition, ConditionKind, EnumId, Expr, FieldId, Scheme, Value,
};
use crate::money::Money;

mod pay;

pub(crate) use pay::Pay;

/// A scheme with its requirements' and categories' conditions and its
/// categories' payouts lowered: what a loop deciding many applicants under
/// one scheme evaluates with.
pub struct Program<'s> {
    scheme: &'s Scheme,
    tests: Tests,
}

/// The lowered conditions, in the scheme's order: one test a condition;
/// and each category's payout.
pub(crate) struct Tests {
    pub(crate) requirements: Box<[Test]>,
    pub(crate) categories: Box<[Box<[Test]>]>,
    pub(crate) pays: Box<[Pay]>,
    /// The application's days, where the scheme writes them out.
    pub(crate) days: Option<Days>,
}

/// When applications open and their deadline, as the application block
/// writes them (or leaves them out): read once, not for every applicant.
#[derive(Clone, Copy)]
pub(crate) struct Days {
    pub(crate) opens: Option<NaiveDate>,
    pub(crate) deadline: Option<NaiveDate>,
}

impl Days {
    /// A scheme's application days, if it has an application block whose
    /// days are literals.
    fn lower(scheme: &Scheme) -> Option<Days> {
        let app = scheme.application.as_ref()?;
        Some(Days {
            opens: literal_day(app.opens.as_ref())?,
            deadline: literal_day(app.deadline.as_ref())?,
        })
    }
}

/// A day written out (a time counts by its day, as `Evaluator::date`
/// reads it): `Some(None)` for no day, `None` for one to evaluate or
/// refuse.
fn literal_day(e: Option<&Expr>) -> Option<Option<NaiveDate>> {
    let Some(e) = e else {
        return Some(None);
    };
    let Expr::Lit(v) = e else {
        return None;
    };
    v.day().map(Some)
}

impl<'s> Program<'s> {
    /// Lowers every condition of the scheme's requirements and categories.
    pub fn new(scheme: &'s Scheme) -> Program<'s> {
        Program {
            scheme,
            tests: Tests {
                requirements: lower_all(&scheme.requirements),
                categories: scheme
                    .categories
                    .iter()
                    .map(|c| lower_all(&c.conditions))
                    .collect(),
                pays: scheme
                    .categories
                    .iter()
                    .map(|c| Pay::lower(scheme, &c.pay))
                    .collect(),
                days: Days::lower(scheme),
            },
        }
    }

    /// [`crate::evaluate_into`], with the lowered tests: the same decision.
    pub fn evaluate_into(&self, applicant: &Applicant, out: &mut Decision) {
        eval::decide_into(self.scheme, Some(&self.tests), applicant, out);
    }
}

fn lower_all(conditions: &[Condition]) -> Box<[Test]> {
    conditions
        .iter()
        .map(|c| Test {
            shape: lower(&c.expr),
            holds_when: c.kind == ConditionKind::When,
        })
        .collect()
}

/// Decides conditions in order by their tests, as the walker would, up to
/// the first that does not pass. `Err(i)`: test `i` cannot tell, and the
/// `i` before it passed; the walker goes on from there.
#[inline(always)]
pub(crate) fn checks(tests: &[Test], applicant: &Applicant) -> Result<Checks, usize> {
    let mut checks = Checks::skipped(tests.len());
    for (i, t) in tests.iter().enumerate() {
        match t.shape.holds(applicant) {
            Some(holds) if holds == t.holds_when => checks.passed += 1,
            Some(_) => {
                checks.stop = Some(Stop::Fail);
                break;
            }
            None => return Err(i),
        }
    }
    Ok(checks)
}

/// A condition, lowered.
pub(crate) struct Test {
    shape: Shape,
    /// Whether the condition passes when its expression holds (`when`) or
    /// when it does not (`unless`).
    holds_when: bool,
}

/// A condition's expression, lowered.
enum Shape {
    /// One leaf, as most conditions are.
    One(Leaf),
    /// Every leaf holds, decided left to right.
    All(Box<[Leaf]>),
    /// Some leaf holds, decided left to right.
    Any(Box<[Leaf]>),
    /// A shape no leaf covers: the tree walker decides.
    Walk,
}

impl Shape {
    /// Whether the condition's expression holds, or `None` where the tree
    /// walker must decide it.
    #[inline(always)]
    fn holds(&self, applicant: &Applicant) -> Option<bool> {
        match self {
            Shape::One(leaf) => leaf.holds(applicant),
            Shape::All(leaves) => {
                for leaf in leaves.iter() {
                    if !leaf.holds(applicant)? {
                        return Some(false);
                    }
                }
                Some(true)
            }
            Shape::Any(leaves) => {
                for leaf in leaves.iter() {
                    if leaf.holds(applicant)? {
                        return Some(true);
                    }
                }
                Some(false)
            }
            Shape::Walk => None,
        }
    }
}

/// One field read against literals.
enum Leaf {
    /// `f is present`
    Present(FieldId),
    /// `not (f is present)`
    Absent(FieldId),
    /// A boolean field.
    Flag(FieldId),
    Int(Compare<i64>),
    Money(Compare<Money>),
    Date(Compare<NaiveDate>),
    /// `year(f) op k` (or `month`, `day`) of a date field.
    Part(DatePart, Compare<i64>),
    IntWithin(Within<i64>),
    MoneyWithin(Within<Money>),
    DateWithin(Within<NaiveDate>),
    /// `f in {a, b, …}` over an enum's first 64 variants, as a bit set.
    Variants {
        field: FieldId,
        ty: EnumId,
        set: u64,
    },
    /// `f in {1, 2, …}`
    Ints {
        field: FieldId,
        set: Box<[i64]>,
    },
}

/// `field op k`
struct Compare<T> {
    field: FieldId,
    op: CompareOp,
    k: T,
}

/// `field in lo..hi` or `lo..=hi`, a bound left out where `None`.
struct Within<T> {
    field: FieldId,
    lo: Option<T>,
    hi: Option<T>,
    inclusive: bool,
}

/// A kind of value a leaf compares: read from a field's value only when
/// the value is of that kind. (Asked as a question, not matched over every
/// kind: a kind added to `Value` is one no leaf reads, which the walker
/// decides.)
trait Scalar: Ord + Copy {
    fn of(v: &Value) -> Option<Self>;
}

impl Scalar for i64 {
    #[inline(always)]
    fn of(v: &Value) -> Option<i64> {
        let Value::Int(n) = v else { return None };
        Some(*n)
    }
}

impl Scalar for Money {
    #[inline(always)]
    fn of(v: &Value) -> Option<Money> {
        let Value::Money(m) = v else { return None };
        Some(*m)
    }
}

impl Scalar for NaiveDate {
    #[inline(always)]
    fn of(v: &Value) -> Option<NaiveDate> {
        let Value::Date(d) = v else { return None };
        Some(*d)
    }
}

impl<T: Scalar> Compare<T> {
    #[inline(always)]
    fn holds(&self, applicant: &Applicant) -> Option<bool> {
        let v = T::of(applicant.get(self.field)?)?;
        Some(self.against(v))
    }

    /// Whether `v op k`.
    #[inline(always)]
    fn against(&self, v: T) -> bool {
        match self.op {
            CompareOp::Eq => v == self.k,
            CompareOp::Ne => v != self.k,
            CompareOp::Lt => v < self.k,
            CompareOp::Le => v <= self.k,
            CompareOp::Gt => v > self.k,
            CompareOp::Ge => v >= self.k,
        }
    }
}

/// A part of a date field's value: `year(f)`, `month(f)`, `day(f)`.
#[derive(Clone, Copy)]
enum DatePart {
    Year,
    Month,
    Day,
}

impl DatePart {
    /// The part a builtin takes of a date, if it takes one.
    fn of(func: Builtin) -> Option<DatePart> {
        match func {
            Builtin::Year => Some(DatePart::Year),
            Builtin::Month => Some(DatePart::Month),
            Builtin::Day => Some(DatePart::Day),
            Builtin::Min | Builtin::Max => None,
        }
    }

    /// As `eval`'s `date_part` reads it.
    #[inline(always)]
    fn of_date(self, d: NaiveDate) -> i64 {
        match self {
            DatePart::Year => i64::from(d.year()),
            DatePart::Month => i64::from(d.month()),
            DatePart::Day => i64::from(d.day()),
        }
    }
}

impl<T: Scalar> Within<T> {
    #[inline(always)]
    fn holds(&self, applicant: &Applicant) -> Option<bool> {
        let v = T::of(applicant.get(self.field)?)?;
        if self.lo.is_some_and(|lo| v < lo) {
            return Some(false);
        }
        Some(match self.hi {
            Some(hi) if self.inclusive => v <= hi,
            Some(hi) => v < hi,
            None => true,
        })
    }
}

impl Leaf {
    #[inline(always)]
    fn holds(&self, applicant: &Applicant) -> Option<bool> {
        match self {
            Leaf::Present(f) => Some(applicant.get(*f).is_some()),
            Leaf::Absent(f) => Some(applicant.get(*f).is_none()),
            Leaf::Flag(f) => {
                let Value::Bool(b) = applicant.get(*f)? else {
                    return None;
                };
                Some(*b)
            }
            Leaf::Int(c) => c.holds(applicant),
            Leaf::Money(c) => c.holds(applicant),
            Leaf::Date(c) => c.holds(applicant),
            Leaf::Part(part, c) => {
                // A time is not a date to `year` (the walker's error).
                let Value::Date(d) = applicant.get(c.field)? else {
                    return None;
                };
                Some(c.against(part.of_date(*d)))
            }
            Leaf::IntWithin(w) => w.holds(applicant),
            Leaf::MoneyWithin(w) => w.holds(applicant),
            Leaf::DateWithin(w) => w.holds(applicant),
            Leaf::Variants { field, ty, set } => {
                // Another enum's value, or one past the bit set: the walker.
                let Value::Enum { ty: t, variant } = applicant.get(*field)? else {
                    return None;
                };
                (t == ty && *variant < 64).then(|| set >> variant & 1 == 1)
            }
            Leaf::Ints { field, set } => {
                let v = i64::of(applicant.get(*field)?)?;
                Some(set.contains(&v))
            }
        }
    }
}

/// A condition's expression as a test: a conjunction or disjunction of
/// leaves, or a single leaf; anything else is walked.
fn lower(e: &Expr) -> Shape {
    let leaves = |items: &[Expr]| items.iter().map(leaf).collect::<Option<Box<[Leaf]>>>();
    let test = match e {
        Expr::And(items) => leaves(items).map(Shape::All),
        Expr::Or(items) => leaves(items).map(Shape::Any),
        e => leaf(e).map(Shape::One),
    };
    test.unwrap_or(Shape::Walk)
}

/// An expression as a leaf, if it is one of their shapes.
fn leaf(e: &Expr) -> Option<Leaf> {
    match e {
        Expr::IsPresent(f) => Some(Leaf::Present(*f)),
        Expr::Field(f) => Some(Leaf::Flag(*f)),
        Expr::Not(inner) => {
            let Expr::IsPresent(f) = **inner else {
                return None;
            };
            Some(Leaf::Absent(f))
        }
        Expr::Compare { op, lhs, rhs } => {
            let Expr::Lit(k) = &**rhs else {
                return None;
            };
            if let Expr::Field(field) = **lhs {
                return compare(field, *op, k);
            }
            // `year(f) op k`: a part of a date field against a number.
            let (Expr::Call { func, args }, Value::Int(k)) = (&**lhs, k) else {
                return None;
            };
            let [Expr::Field(field)] = args.as_slice() else {
                return None;
            };
            let compare = Compare {
                field: *field,
                op: *op,
                k: *k,
            };
            DatePart::of(*func).map(|part| Leaf::Part(part, compare))
        }
        Expr::InRange {
            expr,
            lo,
            hi,
            inclusive,
        } => {
            let Expr::Field(field) = **expr else {
                return None;
            };
            let (lo, hi) = (literal(lo.as_deref())?, literal(hi.as_deref())?);
            // The bounds' kind; a range without bounds is walked.
            match lo.or(hi)? {
                Value::Int(_) => within(field, lo, hi, *inclusive).map(Leaf::IntWithin),
                Value::Money(_) => within(field, lo, hi, *inclusive).map(Leaf::MoneyWithin),
                Value::Date(_) => within(field, lo, hi, *inclusive).map(Leaf::DateWithin),
                Value::Bool(_)
                | Value::DateTime(_)
                | Value::Text(_)
                | Value::Enum { .. }
                | Value::Duration(_)
                | Value::Decimal(_)
                | Value::List(_) => None,
            }
        }
        Expr::InSet { expr, set } => {
            let Expr::Field(field) = **expr else {
                return None;
            };
            in_set(field, set)
        }
        Expr::Lit(..)
        | Expr::Row(..)
        | Expr::Lookup { .. }
        | Expr::Neg(..)
        | Expr::And(..)
        | Expr::Or(..)
        | Expr::Arith { .. }
        | Expr::Let(..)
        | Expr::RoundPart(..)
        | Expr::Item(..)
        | Expr::ItemPresent(..)
        | Expr::ItemDefault { .. }
        | Expr::Any(..)
        | Expr::All { .. }
        | Expr::Aggregate { .. }
        | Expr::Round { .. }
        | Expr::Default { .. }
        | Expr::Call { .. }
        | Expr::If { .. }
        | Expr::Match { .. } => None,
    }
}

fn compare(field: FieldId, op: CompareOp, k: &Value) -> Option<Leaf> {
    match *k {
        Value::Int(k) => Some(Leaf::Int(Compare { field, op, k })),
        Value::Money(k) => Some(Leaf::Money(Compare { field, op, k })),
        Value::Date(k) => Some(Leaf::Date(Compare { field, op, k })),
        // An enum's value equal to one variant, or to any other.
        Value::Enum { ty, variant } if variant < 64 => {
            let one = 1u64 << variant;
            match op {
                CompareOp::Eq => Some(Leaf::Variants {
                    field,
                    ty,
                    set: one,
                }),
                CompareOp::Ne => Some(Leaf::Variants {
                    field,
                    ty,
                    set: !one,
                }),
                // Variants are ordered as declared; not a set.
                CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge => None,
            }
        }
        Value::Enum { .. }
        | Value::Bool(_)
        | Value::DateTime(_)
        | Value::Text(_)
        | Value::Duration(_)
        | Value::Decimal(_)
        | Value::List(_) => None,
    }
}

/// A range over one kind of value, if both bounds are of it.
fn within<T: Scalar>(
    field: FieldId,
    lo: Option<&Value>,
    hi: Option<&Value>,
    inclusive: bool,
) -> Option<Within<T>> {
    let bound = |b: Option<&Value>| match b {
        None => Some(None),
        Some(v) => T::of(v).map(Some),
    };
    Some(Within {
        field,
        lo: bound(lo)?,
        hi: bound(hi)?,
        inclusive,
    })
}

/// `field in set`, for a set of one enum's first 64 variants or of numbers.
fn in_set(field: FieldId, set: &[Value]) -> Option<Leaf> {
    let first = set.first()?;
    if let Value::Enum { ty, .. } = *first {
        let mut bits = 0u64;
        for v in set {
            let Value::Enum { ty: t, variant } = *v else {
                return None;
            };
            if t != ty || variant >= 64 {
                return None;
            }
            bits |= 1 << variant;
        }
        return Some(Leaf::Variants {
            field,
            ty,
            set: bits,
        });
    }
    let set = set.iter().map(i64::of).collect::<Option<Box<[i64]>>>()?;
    Some(Leaf::Ints { field, set })
}
