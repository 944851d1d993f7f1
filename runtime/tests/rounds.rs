//! Rounds in bundles: left out when there are none, so older bundles keep
//! their bytes; a hand-made bundle that reads a round it does not have, or
//! whose rounds do not hold together, is refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_runtime::ir::{Condition, ConditionKind, Expr, Period, Round, RoundPart};
use bursar_runtime::{hash as rehash, Bundle, BundleError, Money};
use chrono::NaiveDate;

const BUNDLE: &[u8] = include_bytes!("data/2023-career-boost.bundle.json");

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn round(name: &str, amount: i64, from: &str, to: &str) -> Round {
    Round {
        name: name.into(),
        label: None,
        clause: None,
        date: day("2023-06-30"),
        amount: Money(amount),
        paid: Period {
            start: day(from),
            end: day(to),
        },
    }
}

/// The bundle, changed by `change` and hashed again: what a hand edit
/// that knows the hash makes. `Err` with the loader's message if refused.
fn load_changed(change: impl FnOnce(&mut Bundle)) -> Result<Bundle, String> {
    let mut bundle = Bundle::from_slice(BUNDLE).unwrap();
    change(&mut bundle);
    bundle.hash = rehash(&bundle.scheme);
    match Bundle::from_slice(bundle.to_json().as_bytes()) {
        Ok(b) => Ok(b),
        Err(e @ BundleError::Inconsistent { .. }) => Err(e.to_string()),
        Err(e) => panic!("expected an inconsistent bundle, got {e}"),
    }
}

#[test]
fn a_bundle_without_rounds_has_no_rounds_key() {
    let bundle = Bundle::from_slice(BUNDLE).unwrap();
    assert!(bundle.scheme.rounds.is_empty());
    assert!(!bundle.to_json().contains("\"rounds\""));
}

#[test]
fn rounds_survive_a_round_trip() {
    let bundle = load_changed(|b| {
        b.scheme.rounds = vec![
            round("first", 30_000, "2023-07-10", "2023-07-31"),
            round("second", 30_000, "2023-10-10", "2023-10-31"),
        ];
        b.scheme.requirements.push(Condition {
            kind: ConditionKind::When,
            expr: Expr::Compare {
                op: bursar_runtime::ir::CompareOp::Le,
                lhs: Box::new(Expr::RoundPart(RoundPart::Date)),
                rhs: Box::new(Expr::RoundPart(RoundPart::PaidEnd)),
            },
            text: "round.date <= round.paid_end".into(),
            label: None,
            clause: None,
        });
    })
    .unwrap();
    assert_eq!(bundle.scheme.rounds.len(), 2);
    assert!(bundle.to_json().contains("\"round_part\""));
}

#[test]
fn reading_a_round_in_a_scheme_without_rounds_is_refused() {
    let e = load_changed(|b| {
        b.scheme.requirements.push(Condition {
            kind: ConditionKind::When,
            expr: Expr::Compare {
                op: bursar_runtime::ir::CompareOp::Le,
                lhs: Box::new(Expr::RoundPart(RoundPart::Date)),
                rhs: Box::new(Expr::RoundPart(RoundPart::PaidEnd)),
            },
            text: "round.date <= round.paid_end".into(),
            label: None,
            clause: None,
        });
    })
    .unwrap_err();
    assert!(
        e.contains("reads `round.date` in a scheme without rounds"),
        "{e}"
    );
}

#[test]
fn rounds_that_do_not_hold_together_are_refused() {
    let backwards = load_changed(|b| {
        b.scheme.rounds = vec![round("first", 30_000, "2023-07-31", "2023-07-10")];
    })
    .unwrap_err();
    assert!(backwards.contains("ends before it starts"), "{backwards}");
    let negative = load_changed(|b| {
        b.scheme.rounds = vec![round("first", -1, "2023-07-10", "2023-07-31")];
    })
    .unwrap_err();
    assert!(negative.contains("negative amount"), "{negative}");
    let twice = load_changed(|b| {
        let r = round("first", 30_000, "2023-07-10", "2023-07-31");
        b.scheme.rounds = vec![r.clone(), r];
    })
    .unwrap_err();
    assert!(twice.contains("two rounds are named `first`"), "{twice}");
}
