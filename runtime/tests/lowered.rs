//! A [`Program`] decides as the tree walker does: the same decision, and
//! so the same explanation, for any conditions, any payouts and any
//! applicant, including values of another kind than a field's, absent
//! fields, enum values past the first 64 variants, values no arm or row is
//! for, rows that are not money or less than nothing, and shapes no
//! lowered test or payout covers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_runtime::ir::{
    Arm, Builtin, CompareOp, Condition, ConditionKind, Expr, Field, Pattern, Period, Round, Row,
    RowAmount, RowRef, Scheme, Table, Type, Value,
};
use bursar_runtime::{evaluate, explain, Applicant, Bundle, Decision, Money, Program};
use chrono::NaiveDate;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

const BUNDLE: &[u8] = include_bytes!("data/2023-career-boost.bundle.json");

/// The 2023 scheme with a money field added, so that every kind a lowered
/// test reads has a field of its own, and a third table (`rates`) keyed by
/// numbers whose rows a payout cannot always pay: less than nothing, "参照"
/// another table's row, a key met twice (the first row is the one), a
/// number, not money, and a reference to a row that is not there.
fn scheme() -> Scheme {
    let mut scheme = Bundle::from_slice(BUNDLE).unwrap().scheme;
    scheme.applicant.push(Field {
        name: "income".into(),
        label: None,
        ty: Type::Money,
        optional: true,
    });
    let row = |key: i64, amount: RowAmount| Row {
        name: key.to_string(),
        key: Some(Value::Int(key)),
        label: None,
        clause: None,
        amount,
    };
    scheme.tables.push(Table {
        name: "rates".into(),
        label: None,
        clause: None,
        key: Some(Type::Int),
        value: None,
        rows: vec![
            row(1, RowAmount::Money(Money(-100))),
            row(2, RowAmount::SameAs(RowRef { table: 0, row: 0 })),
            row(2, RowAmount::Money(Money(500))),
            row(3, RowAmount::Value(Value::Int(7))),
            row(4, RowAmount::SameAs(RowRef { table: 0, row: 9 })),
            row(5, RowAmount::Money(Money::ZERO)),
        ],
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
        (0..n, builtin(), op(), date_part_value()).prop_map(|(f, func, op, v)| Expr::Compare {
            op,
            lhs: Box::new(Expr::Call {
                func,
                args: vec![Expr::Field(f)],
            }),
            rhs: lit(v),
        }),
        (builtin(), op(), date_part_value()).prop_map(|(func, op, v)| Expr::Compare {
            op,
            lhs: Box::new(Expr::Call {
                func,
                args: vec![Expr::Lit(Value::Date(day(3)))],
            }),
            rhs: lit(v),
        }),
    ]
    .boxed()
}

/// A builtin called on a date field: one of the date's parts, mostly.
fn builtin() -> impl Strategy<Value = Builtin> {
    prop_oneof![
        3 => Just(Builtin::Year),
        2 => Just(Builtin::Month),
        2 => Just(Builtin::Day),
        1 => Just(Builtin::Max),
    ]
}

/// What a part of a date is compared with: numbers near the years, months
/// and days of [`day`]'s dates, or now and then a value of another kind.
fn date_part_value() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => (2021i64..2025).prop_map(Value::Int),
        2 => (0i64..14).prop_map(Value::Int),
        2 => (23i64..32).prop_map(Value::Int),
        1 => any_value(),
    ]
    .boxed()
}

/// When applications open, or their deadline: a day written out, mostly
/// one of those an applicant's `applied_on` (field 10) is generated on, a
/// time, a number (the walker's error) or a field's value.
fn application_day() -> BoxedStrategy<Expr> {
    prop_oneof![
        4 => (0i64..12).prop_map(|n| Expr::Lit(Value::Date(day(n)))),
        1 => (0i64..12).prop_map(|n| Expr::Lit(Value::DateTime(day(n).and_hms_opt(23, 0, 0).unwrap()))),
        1 => Just(Expr::Lit(Value::Int(3))),
        1 => (0u32..12).prop_map(Expr::Field),
    ]
    .boxed()
}

/// A pattern of a `match` arm on field `f`'s values.
fn pattern(value: BoxedStrategy<Value>) -> BoxedStrategy<Pattern> {
    prop_oneof![
        1 => Just(Pattern::Wildcard),
        4 => value.clone().prop_map(Pattern::Value),
        2 => (option::of(value.clone()), option::of(value), any::<bool>())
            .prop_map(|(lo, hi, inclusive)| Pattern::Range { lo, hi, inclusive }),
    ]
    .boxed()
}

/// A category's payout: a row (of any table, or none), an amount or a
/// number written out, a `match` on a field (or on a literal) whose arms
/// pay those or match again, or a table looked up by a field.
fn pay(types: Vec<Type>) -> BoxedStrategy<Expr> {
    let n = types.len() as u32 + 1;
    let typed = move |f: u32| value_of(types.get(f as usize).copied().unwrap_or(Type::Text));
    let fixed = prop_oneof![
        4 => (0u32..4, 0u32..7).prop_map(|(table, row)| Expr::Row(RowRef { table, row })),
        1 => (-2i64..12).prop_map(|n| Expr::Lit(Value::Money(Money(n * 50_000)))),
        1 => (0i64..3).prop_map(|n| Expr::Lit(Value::Int(n))),
    ];
    fixed
        .prop_recursive(2, 12, 4, move |inner| {
            let typed = typed.clone();
            prop_oneof![
                3 => (0..n)
                    .prop_flat_map(move |f| {
                        let arm = (vec(pattern(typed(f)), 1..3), inner.clone())
                            .prop_map(|(patterns, body)| Arm { patterns, body });
                        (Just(f), vec(arm, 1..4))
                    })
                    .prop_map(|(f, arms)| Expr::Match {
                        scrutinee: field(f),
                        arms,
                    }),
                1 => vec((0i64..3).prop_map(Value::Int), 1..3).prop_map(|keys| Expr::Match {
                    scrutinee: lit(Value::Int(1)),
                    arms: keys
                        .into_iter()
                        .zip(0u32..)
                        .map(|(k, row)| Arm {
                            patterns: vec![Pattern::Value(k)],
                            body: Expr::Row(RowRef { table: 0, row }),
                        })
                        .collect(),
                }),
                2 => (0u32..4, 0..n).prop_map(|(table, f)| Expr::Lookup {
                    table,
                    key: field(f),
                }),
            ]
        })
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

/// Every part of every date of [`day`]'s, and of a time, against numbers
/// around it with every operator: `month(f) < 12` is where a month counted
/// from 0 would be caught, which generated cases meet too seldom.
#[test]
fn a_date_s_parts_are_read_as_the_walker_reads_them() {
    // Field 4 is `voc_issued` (a date).
    let times = (0..12)
        .map(|n| Value::Date(day(n)))
        .chain([Value::DateTime(day(0).and_hms_opt(9, 0, 0).unwrap())]);
    for value in times {
        for func in [Builtin::Year, Builtin::Month, Builtin::Day] {
            for k in (0..14).chain(23..32).chain(2021..2025) {
                for op in [
                    CompareOp::Eq,
                    CompareOp::Ne,
                    CompareOp::Lt,
                    CompareOp::Le,
                    CompareOp::Gt,
                    CompareOp::Ge,
                ] {
                    let expr = Expr::Compare {
                        op,
                        lhs: Box::new(Expr::Call {
                            func,
                            args: vec![Expr::Field(4)],
                        }),
                        rhs: lit(Value::Int(k)),
                    };
                    let values = [(4, value.clone())];
                    let (lowered, walked) = both(expr.clone(), &values);
                    assert_eq!(lowered, walked, "{expr:?} on {values:?}");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_program_decides_as_the_tree_walker(
        (requirements, categories, pays, values, rounds, (opens, deadline)) in {
            let types: Vec<Type> = scheme().applicant.iter().map(|f| f.ty).collect();
            (
                conditions(types.clone()),
                vec(conditions(types.clone()), 3),
                vec(option::of(pay(types.clone())), 3),
                applicant(types),
                0usize..3,
                (option::of(application_day()), option::of(application_day())),
            )
        }
    ) {
        let mut scheme = scheme();
        let application = scheme.application.as_mut().unwrap();
        application.opens = opens;
        application.deadline = deadline;
        // Decided once a round, by the same tests.
        scheme.rounds = (0..rounds).map(round).collect();
        scheme.requirements = requirements;
        for ((c, conditions), pay) in scheme.categories.iter_mut().zip(categories).zip(pays) {
            c.conditions = conditions;
            // Or the scheme's own payout.
            if let Some(pay) = pay {
                c.pay = pay;
            }
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
