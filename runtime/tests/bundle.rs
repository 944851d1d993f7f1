//! Loading bundles: what is accepted, what is refused, and that nothing panics.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_runtime::{evaluate, hash as rehash, Applicant, Bundle, BundleError, Outcome};
use proptest::prelude::*;

const BUNDLE: &[u8] = include_bytes!("data/2023-career-boost.bundle.json");

fn text() -> String {
    String::from_utf8(BUNDLE.to_vec()).unwrap()
}

#[test]
fn the_2023_bundle_loads_and_round_trips() {
    let bundle = Bundle::from_slice(BUNDLE).unwrap();
    assert_eq!(bundle.format, "bursar-bundle/4");
    assert_eq!(bundle.scheme.categories.len(), 3);
    assert_eq!(
        bundle.to_json().as_bytes(),
        BUNDLE,
        "writing a loaded bundle gives the same bytes"
    );
}

#[test]
fn a_changed_amount_breaks_the_hash() {
    let tampered = text().replacen("\"2000.00\"", "\"2500.00\"", 1);
    match Bundle::from_slice(tampered.as_bytes()) {
        Err(BundleError::HashMismatch { declared, actual }) => assert_ne!(declared, actual),
        other => panic!("expected a hash mismatch, got {other:?}"),
    }
}

#[test]
fn every_truncation_is_refused() {
    for len in (0..BUNDLE.len()).step_by(7) {
        let err = Bundle::from_slice(&BUNDLE[..len]).unwrap_err();
        assert!(
            matches!(err, BundleError::NotJson { .. } | BundleError::NotABundle),
            "prefix of {len} bytes gave {err:?}"
        );
    }
}

#[test]
fn a_newer_format_is_refused_by_name() {
    let newer = text().replacen("bursar-bundle/4", "bursar-bundle/5", 1);
    let err = Bundle::from_slice(newer.as_bytes()).unwrap_err();
    assert_eq!(
        err,
        BundleError::NewerFormat {
            found: "bursar-bundle/5".into()
        }
    );
    assert!(err
        .to_string()
        .contains("newer than this runtime understands"));
    let odd = text().replacen("bursar-bundle/4", "bursar-bundle/one", 1);
    assert!(matches!(
        Bundle::from_slice(odd.as_bytes()),
        Err(BundleError::UnknownFormat { .. })
    ));
    assert_eq!(
        Bundle::from_slice(b"{\"a\": 1}"),
        Err(BundleError::NotABundle)
    );
}

#[test]
fn a_dangling_reference_is_refused_even_with_a_matching_hash() {
    let mut bundle = Bundle::from_slice(BUNDLE).unwrap();
    bundle.scheme.categories[0].pay = bursar_runtime::ir::Expr::Field(99);
    bundle.hash = rehash(&bundle.scheme);
    let err = Bundle::from_slice(bundle.to_json().as_bytes()).unwrap_err();
    assert!(matches!(err, BundleError::Inconsistent { .. }), "{err:?}");
    assert!(
        err.to_string().contains("field #99 does not exist"),
        "{err}"
    );
}

#[test]
fn a_malformed_bundle_says_what_is_wrong() {
    let broken = text().replacen("\"limit\": 1", "\"limit\": \"one\"", 1);
    let err = Bundle::from_slice(broken.as_bytes()).unwrap_err();
    assert!(matches!(err, BundleError::Malformed { .. }), "{err:?}");
}

#[test]
fn a_date_written_otherwise_than_the_compiler_writes_it_is_refused() {
    // chrono's own parser took these; the hash, over the date as read,
    // would still have matched.
    for spelling in ["2021-1-1", " 2021-01-01", "+2021-01-01"] {
        let edited = text().replacen("\"2021-01-01\"", &format!("{spelling:?}"), 1);
        assert_ne!(edited, text());
        let err = Bundle::from_slice(edited.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            BundleError::Malformed {
                message: format!(
                    "invalid value: string {spelling:?}, expected a formatted date string"
                )
            }
        );
    }
}

#[test]
fn an_evaluation_error_is_an_error_outcome_not_a_refusal() {
    // A hand-made bundle that reads an optional field without a guard: the
    // compiler never emits this, the runtime still must not panic or say "no".
    let mut bundle = Bundle::from_slice(BUNDLE).unwrap();
    let contest = bundle
        .scheme
        .categories
        .iter_mut()
        .find(|c| c.name == "contest")
        .unwrap();
    contest.conditions.remove(0);
    contest.conditions[0].expr = bursar_runtime::ir::Expr::Compare {
        op: bursar_runtime::ir::CompareOp::Eq,
        lhs: Box::new(bursar_runtime::ir::Expr::Field(8)),
        rhs: Box::new(bursar_runtime::ir::Expr::Lit(
            bursar_runtime::ir::Value::Int(2022),
        )),
    };
    let json =
        serde_json::json!({"person_id": "X", "member_card": true, "voc_boosted_before": false});
    let applicant = Applicant::from_json(&bundle.scheme, &json).unwrap();
    let decision = evaluate(&bundle.scheme, &applicant);
    assert_eq!(decision.outcome, Outcome::Error);
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let _ = Bundle::from_slice(&bytes);
    }

    #[test]
    fn flipped_bytes_never_panic_and_never_load_silently(at in 0..BUNDLE.len(), byte in any::<u8>()) {
        let mut bytes = BUNDLE.to_vec();
        let changed = bytes[at] != byte;
        bytes[at] = byte;
        let result = Bundle::from_slice(&bytes);
        // Most flips break the JSON or the hash; a flip in the hash itself or
        // in insignificant white space may still load, but then the scheme is
        // exactly the original.
        if let Ok(b) = result {
            let original = Bundle::from_slice(BUNDLE).unwrap();
            prop_assert!(!changed || b.scheme == original.scheme);
        }
    }
}

#[test]
fn a_repeated_key_is_refused_by_name() {
    // Last would win: a second `format`, a `scheme` given twice.
    let twice_format = text().replacen("{\n", "{\n  \"format\": \"bursar-bundle/1\",\n", 1);
    let twice_scheme = text().replacen("{\n", "{\n  \"scheme\": {},\n", 1);
    for (bytes, key) in [(twice_format, "format"), (twice_scheme, "scheme")] {
        let err = Bundle::from_slice(bytes.as_bytes()).unwrap_err();
        assert!(matches!(err, BundleError::Malformed { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&format!("duplicate key `{key}`")),
            "{err}"
        );
    }
    // Deep inside too.
    let nested = text().replacen("\"limit\": 1", "\"limit\": 1, \"limit\": 2", 1);
    let err = Bundle::from_slice(nested.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("duplicate key `limit`"), "{err}");
    // And in an applicant's JSON.
    let err = bursar_runtime::parse_json(br#"{"person_id": "a", "person_id": "b"}"#).unwrap_err();
    assert!(
        err.to_string().contains("duplicate key `person_id`"),
        "{err}"
    );
    let ok = bursar_runtime::parse_json(br#"{"a": [1, -2, 2.5, null, true, {"b": "c"}]}"#).unwrap();
    assert_eq!(
        ok,
        serde_json::json!({"a": [1, -2, 2.5, null, true, {"b": "c"}]})
    );
}

#[test]
fn a_version_3_bundle_still_loads() {
    // Version 4 only adds quotas, datetimes, calendars and award history;
    // a bundle that uses none of them is the same JSON under either name.
    let older = text().replacen("bursar-bundle/4", "bursar-bundle/3", 1);
    let bundle = Bundle::from_slice(older.as_bytes()).unwrap();
    assert_eq!(bundle.scheme, Bundle::from_slice(BUNDLE).unwrap().scheme);
}

#[test]
fn a_version_2_bundle_still_loads() {
    // Version 3 only adds forms; a bundle that uses none of them is the
    // same JSON under either name.
    let older = text().replacen("bursar-bundle/4", "bursar-bundle/2", 1);
    let bundle = Bundle::from_slice(older.as_bytes()).unwrap();
    assert_eq!(bundle.scheme, Bundle::from_slice(BUNDLE).unwrap().scheme);
}

#[test]
fn the_format_version_is_matched_exactly() {
    for odd in [
        "bursar-bundle/03",
        "bursar-bundle/+3",
        "bursar-bundle/4 ",
        "bursar-bundle/003",
    ] {
        let bytes = text().replacen("\"bursar-bundle/4\"", &format!("\"{odd}\""), 1);
        let err = Bundle::from_slice(bytes.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            BundleError::UnknownFormat { found: odd.into() },
            "{odd}"
        );
    }
}

/// The 2023 bundle changed by `edit` and rehashed, as a hand-edited bundle
/// would be: the refusal it gets.
fn refusal(edit: impl FnOnce(&mut bursar_runtime::ir::Scheme)) -> String {
    let mut bundle = Bundle::from_slice(BUNDLE).unwrap();
    edit(&mut bundle.scheme);
    bundle.hash = rehash(&bundle.scheme);
    match Bundle::from_slice(bundle.to_json().as_bytes()) {
        Err(e @ BundleError::Inconsistent { .. }) => e.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn an_ill_typed_rehashed_bundle_is_refused() {
    use bursar_runtime::ir::{DurationUnitValue, DurationValue, Expr, Pattern, RowAmount, Value};
    use bursar_runtime::Money;
    let lit = |v| Box::new(Expr::Lit(v));
    type Edit = Box<dyn FnOnce(&mut bursar_runtime::ir::Scheme)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            // `voc_issued` (a date) in an int range.
            "compares a date with an int",
            Box::new(move |s| {
                s.categories[0].conditions[2].expr = Expr::InRange {
                    expr: Box::new(Expr::Field(4)),
                    lo: Some(lit(Value::Int(1))),
                    hi: Some(lit(Value::Int(3))),
                    inclusive: true,
                }
            }),
        ),
        (
            "a condition is an int, not a bool",
            Box::new(|s| s.requirements[0].expr = Expr::Field(2)),
        ),
        (
            "pays a bool, not money",
            Box::new(|s| s.categories[0].pay = Expr::Field(1)),
        ),
        (
            "looks up table `social_work_standard` with an int",
            Box::new(|s| {
                s.categories[1].pay = Expr::Lookup {
                    table: 1,
                    key: Box::new(Expr::Field(2)),
                }
            }),
        ),
        (
            "a pattern of type date",
            Box::new(|s| {
                let Expr::Match { arms, .. } = &mut s.categories[0].pay else {
                    panic!()
                };
                arms[0].patterns[0] = Pattern::Value(Value::Date(
                    chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap(),
                ));
            }),
        ),
        (
            "row `standard.level1` pays a negative amount",
            Box::new(|s| s.tables[0].rows[0].amount = RowAmount::Money(Money(-100))),
        ),
        (
            "a negative amount",
            Box::new(|s| s.categories[2].pay = Expr::Lit(Value::Money(Money(-100)))),
        ),
        (
            "step `review` has a negative time limit",
            Box::new(|s| s.timeline[0].within.count = -1),
        ),
        (
            "a negative duration",
            Box::new(move |s| {
                let deadline = s.application.as_mut().unwrap().deadline.as_mut().unwrap();
                *deadline = Expr::Arith {
                    first: Box::new(deadline.clone()),
                    rest: vec![(
                        bursar_runtime::ir::ArithOp::Add,
                        *lit(Value::Duration(DurationValue {
                            count: -3,
                            unit: DurationUnitValue::Days,
                        })),
                    )],
                };
            }),
        ),
        (
            "unknown currency `yuan`",
            Box::new(|s| s.header.currency = "yuan".into()),
        ),
        (
            "the period ends before it starts",
            Box::new(|s| {
                let p = s.header.period.as_mut().unwrap();
                std::mem::swap(&mut p.start, &mut p.end);
            }),
        ),
    ];
    for (expected, edit) in cases {
        let message = refusal(edit);
        assert!(message.contains(expected), "{expected}: {message}");
    }
}

#[test]
fn group_limits_and_the_applicants_choice_are_validated() {
    use bursar_runtime::ir::{Criterion, LimitGroup};
    let group = |limit, categories: &[u32]| LimitGroup {
        name: "skill".into(),
        limit,
        categories: categories.to_vec(),
        clause: None,
    };
    // A well-formed rule loads and keeps its groups and choice.
    let mut bundle = Bundle::from_slice(BUNDLE).unwrap();
    bundle.scheme.award.groups = vec![group(1, &[0, 2])];
    bundle
        .scheme
        .award
        .order
        .insert(0, Criterion::ChosenCategory { field: 0 });
    bundle.hash = rehash(&bundle.scheme);
    let loaded = Bundle::from_slice(bundle.to_json().as_bytes()).unwrap();
    assert_eq!(loaded.scheme.award, bundle.scheme.award);
    type Edit = Box<dyn FnOnce(&mut bursar_runtime::ir::Scheme)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "group `skill` names category 7, which does not exist",
            Box::new(move |s| s.award.groups = vec![group(1, &[0, 7])]),
        ),
        (
            "category 2 is in two groups",
            Box::new(move |s| s.award.groups = vec![group(1, &[1, 2]), group(1, &[2])]),
        ),
        (
            "the limit of group `skill` is 0",
            Box::new(move |s| s.award.groups = vec![group(0, &[1])]),
        ),
        (
            "the award's choice field 1 is not text or an enum",
            Box::new(|s| {
                s.award
                    .order
                    .insert(0, Criterion::ChosenCategory { field: 1 })
            }),
        ),
        (
            "the award's choice field 99 does not exist",
            Box::new(|s| {
                s.award
                    .order
                    .insert(0, Criterion::ChosenCategory { field: 99 })
            }),
        ),
    ];
    for (expected, edit) in cases {
        let message = refusal(edit);
        assert!(message.contains(expected), "{expected}: {message}");
    }
}
