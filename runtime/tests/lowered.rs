//! A [`Program`] decides as the tree walker does: the same decision, and
//! so the same explanation, for any conditions and any applicant, including
//! values of another kind than a field's, absent fields, enum values past
//! the first 64 variants and shapes no lowered test covers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_runtime::ir::{
    CompareOp, Condition, ConditionKind, Expr, Field, Period, Round, Scheme, Type, Value,
};
use bursar_runtime::{evaluate, explain, Applicant, Bundle, Decision, Money, Program};
use chrono::NaiveDate;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

const BUNDLE: &[u8] = include_bytes!("data/2023-career-boost.bundle.json");

/// The 2023 scheme with a money field added, so that every kind a lowered
/// test reads has a field of its own.
fn scheme() -> Scheme {
    let mut scheme = Bundle::from_slice(BUNDLE).unwrap().scheme;
    scheme.applicant.push(Field {
        name: "income".into(),
        label: None,
        ty: Type::Money,
        optional: true,
    });
    scheme
}

/// Round `i` of a year paid in several rounds.
fn round(i: usize) -> Round {
    Round {
        name: format!("r{i}"),
        label: None,
        clause: None,
        date: day(30 * i as i64),
        amount: Money(100_000),
        paid: Period {
            start: day(40 * i as i64 + 10),
            end: day(40 * i as i64 + 30),
        },
    }
}

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 12, 25).unwrap() + chrono::Days::new(n as u64)
}

/// A value of any kind, from small ranges so that comparisons often tie.
fn any_value() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        (-2i64..12).prop_map(Value::Int),
        (-2i64..12).prop_map(|n| Value::Money(Money(n * 50_000))),
        (0i64..12).prop_map(|n| Value::Date(day(n))),
        (0i64..3).prop_map(|n| Value::DateTime(day(n).and_hms_opt(9, 30, 0).unwrap())),
        "[ab]{0,2}".prop_map(Value::Text),
        (0u32..3, prop_oneof![0u32..4, Just(70u32)])
            .prop_map(|(ty, variant)| Value::Enum { ty, variant }),
    ]
    .boxed()
}

/// A value of a field's own type, mostly; sometimes of any kind.
fn value_of(ty: Type) -> BoxedStrategy<Value> {
    let own = match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Int => (-2i64..12).prop_map(Value::Int).boxed(),
        Type::Money => (-2i64..12)
            .prop_map(|n| Value::Money(Money(n * 50_000)))
            .boxed(),
        Type::Date => (0i64..12).prop_map(|n| Value::Date(day(n))).boxed(),
        // Now and then another enum's value, or a variant past 64.
        Type::Enum(ty) => (
            prop_oneof![4 => Just(ty), 1 => Just(ty + 1)],
            prop_oneof![4 => 0u32..4, 1 => Just(70u32)],
        )
            .prop_map(|(ty, variant)| Value::Enum { ty, variant })
            .boxed(),
        Type::DateTime
        | Type::Text
        | Type::Duration
        | Type::Decimal
        | Type::Unrounded
        | Type::List(_) => any_value(),
    };
    prop_oneof![8 => own, 1 => any_value()].boxed()
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop_oneof![
        Just(CompareOp::Eq),
        Just(CompareOp::Ne),
        Just(CompareOp::Lt),
        Just(CompareOp::Le),
        Just(CompareOp::Gt),
        Just(CompareOp::Ge),
    ]
}

fn field(f: u32) -> Box<Expr> {
    Box::new(Expr::Field(f))
}

fn lit(v: Value) -> Box<Expr> {
    Box::new(Expr::Lit(v))
}

/// One field against literals, in every shape a lowered test covers and
/// some it does not (a literal on the left, a bound that is a field).
fn leaf(types: Vec<Type>) -> BoxedStrategy<Expr> {
    // One past the last field now and then: a field id the applicant
    // does not have.
    let n = types.len() as u32 + 1;
    let typed = move |f: u32| value_of(types.get(f as usize).copied().unwrap_or(Type::Text));
    let t1 = typed.clone();
    let t2 = typed.clone();
    let t3 = typed.clone();
    prop_oneof![
        (0..n).prop_map(Expr::IsPresent),
        (0..n).prop_map(|f| Expr::Not(Box::new(Expr::IsPresent(f)))),
        (0..n).prop_map(Expr::Field),
        (0..n, op())
            .prop_flat_map(move |(f, op)| (Just(f), Just(op), t1(f)))
            .prop_map(|(f, op, v)| Expr::Compare {
                op,
                lhs: field(f),
                rhs: lit(v),
            }),
        (0..n, any::<bool>())
            .prop_flat_map(move |(f, inclusive)| (
                Just(f),
                option::of(t2(f)),
                option::of(t2(f)),
                Just(inclusive)
            ))
            .prop_map(|(f, lo, hi, inclusive)| Expr::InRange {
                expr: field(f),
                lo: lo.map(lit),
                hi: hi.map(lit),
                inclusive,
            }),
        (0..n)
            .prop_flat_map(move |f| (Just(f), vec(t3(f), 0..4)))
            .prop_map(|(f, set)| Expr::InSet {
                expr: field(f),
                set,
            }),
        (0..n, op(), any_value()).prop_map(|(f, op, v)| Expr::Compare {
            op,
            lhs: lit(v),
            rhs: field(f),
        }),
        (0..n, 0..n).prop_map(|(f, g)| Expr::InRange {
            expr: field(f),
            lo: Some(field(g)),
            hi: None,
            inclusive: true,
        }),
    ]
    .boxed()
}

/// A condition's expression: a leaf, a chain of them, or deeper.
fn expr(types: Vec<Type>) -> BoxedStrategy<Expr> {
    let leaf = leaf(types);
    prop_oneof![
        3 => leaf.clone(),
        2 => vec(leaf.clone(), 1..4).prop_map(Expr::And),
        1 => vec(leaf.clone(), 1..4).prop_map(Expr::Or),
        1 => leaf.clone().prop_map(|l| Expr::Not(Box::new(l))),
        1 => vec(vec(leaf, 1..3).prop_map(Expr::And), 1..3).prop_map(Expr::Or),
    ]
    .boxed()
}

fn conditions(types: Vec<Type>) -> impl Strategy<Value = Vec<Condition>> {
    vec((expr(types), any::<bool>()), 0..4).prop_map(|cs| {
        cs.into_iter()
            .map(|(expr, when)| Condition {
                kind: if when {
                    ConditionKind::When
                } else {
                    ConditionKind::Unless
                },
                expr,
                text: String::new(),
                label: None,
                clause: None,
            })
            .collect()
    })
}

fn applicant(types: Vec<Type>) -> impl Strategy<Value = Vec<Option<Value>>> {
    types
        .into_iter()
        .map(|ty| prop_oneof![1 => Just(None), 3 => value_of(ty).prop_map(Some)])
        .collect::<Vec<_>>()
}

/// The program's decision and the walker's, for one condition as the only
/// requirement and one applicant.
fn both(expr: Expr, values: &[(u32, Value)]) -> (Decision, Decision) {
    let mut scheme = scheme();
    scheme.requirements = vec![Condition {
        kind: ConditionKind::When,
        expr,
        text: String::new(),
        label: None,
        clause: None,
    }];
    let mut applicant = Applicant::empty(&scheme);
    for (f, v) in values {
        applicant.set(*f, Some(v.clone()));
    }
    let mut lowered = Decision::default();
    Program::new(&scheme).evaluate_into(&applicant, &mut lowered);
    (lowered, evaluate(&scheme, &applicant))
}

/// The values a lowered test must leave to the walker, each read by the
/// leaf that would otherwise answer wrongly: another enum's value (the
/// same variant's bit is in the set), a variant past the bit set, another
/// kind, and an absent field.
#[test]
fn what_a_test_cannot_tell_is_decided_as_the_walker_decides() {
    // Field 2 is `voc_level` (int), 3 `voc_issuer` (enum 0).
    let issuer_in = |variants: &[u32]| Expr::InSet {
        expr: field(3),
        set: variants
            .iter()
            .map(|&variant| Value::Enum { ty: 0, variant })
            .collect(),
    };
    let level_at_least = |k: i64| Expr::Compare {
        op: CompareOp::Ge,
        lhs: field(2),
        rhs: lit(Value::Int(k)),
    };
    let cases = [
        (
            issuer_in(&[0]),
            vec![(3, Value::Enum { ty: 1, variant: 0 })],
        ),
        (
            issuer_in(&[0]),
            vec![(3, Value::Enum { ty: 0, variant: 64 })],
        ),
        (level_at_least(1), vec![(2, Value::Money(Money(500)))]),
        (level_at_least(1), vec![]),
    ];
    for (expr, values) in cases {
        let (lowered, walked) = both(expr.clone(), &values);
        assert_eq!(lowered, walked, "{expr:?} on {values:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_program_decides_as_the_tree_walker(
        (requirements, categories, values, rounds) in {
            let types: Vec<Type> = scheme().applicant.iter().map(|f| f.ty).collect();
            (
                conditions(types.clone()),
                vec(conditions(types.clone()), 3),
                applicant(types),
                0usize..3,
            )
        }
    ) {
        let mut scheme = scheme();
        // Decided once a round, by the same tests.
        scheme.rounds = (0..rounds).map(round).collect();
        scheme.requirements = requirements;
        for (c, conditions) in scheme.categories.iter_mut().zip(categories) {
            c.conditions = conditions;
        }
        let mut applicant = Applicant::empty(&scheme);
        for (f, v) in values.into_iter().enumerate() {
            applicant.set(f as u32, v);
        }
        let walked = evaluate(&scheme, &applicant);
        let mut lowered = Decision::default();
        Program::new(&scheme).evaluate_into(&applicant, &mut lowered);
        prop_assert_eq!(&lowered, &walked);
        prop_assert_eq!(
            explain(&scheme, &applicant, &lowered).to_text(),
            explain(&scheme, &applicant, &walked).to_text()
        );
    }
}
