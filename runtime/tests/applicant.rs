//! Applicant JSON from a form: any value is an applicant or a list of
//! problems, never a panic, and an applicant is decided and explained
//! without one (the proptest twin of the `applicant` fuzz target).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_runtime::{evaluate, explain, Applicant, Bundle};
use proptest::prelude::*;
use serde_json::Value;

const BUNDLE: &[u8] = include_bytes!("data/2023-career-boost.bundle.json");

/// A JSON value of any kind, nested a little.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(vec![
            "",
            "2023-04-10",
            "2023-02-30",
            "beijing_center",
            "senior",
            "1",
            "true",
            "是",
            "9999-12-31",
            "-1",
            "E01",
            "\u{200d}",
            "0000-01-01",
        ])
        .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An applicant object: the scheme's own field names (most of the time)
/// and others, with values of any kind.
fn applicant() -> impl Strategy<Value = Value> {
    let names = prop::sample::select(vec![
        "person_id",
        "member_card",
        "voc_level",
        "voc_issuer",
        "voc_issued",
        "voc_boosted_before",
        "sw_level",
        "sw_approved",
        "contest_year",
        "contest_rank",
        "applied_on",
        "colour",
        "",
    ]);
    prop::collection::btree_map(names, json(), 0..13)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_applicant_json_is_decided_or_refused(value in prop_oneof![applicant(), json()]) {
        static BUNDLED: std::sync::OnceLock<Bundle> = std::sync::OnceLock::new();
        let scheme = &BUNDLED.get_or_init(|| Bundle::from_slice(BUNDLE).unwrap()).scheme;
        match Applicant::from_json(scheme, &value) {
            Ok(a) => {
                let d = evaluate(scheme, &a);
                let _ = explain(scheme, &a, &d).to_text();
            }
            Err(problems) => prop_assert!(!problems.is_empty()),
        }
    }
}
