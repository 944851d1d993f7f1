//! Payers in bundles: left out when there are none, so older bundles keep
//! their bytes; a hand-made one is checked on loading; the top-up rounds
//! down to the fen and stops at the cap.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_runtime::ir::Payer;
use bursar_runtime::{hash as rehash, Bundle, BundleError, Money};

const BUNDLE: &[u8] = include_bytes!("data/2023-career-boost.bundle.json");

fn payer(per: u32, pays: u32, cap: Option<i64>) -> Payer {
    Payer {
        name: "district".into(),
        label: None,
        clause: None,
        conditions: Vec::new(),
        per,
        pays,
        cap: cap.map(Money),
        pay_clause: None,
    }
}

#[test]
fn a_bundle_without_payers_has_no_payers_key() {
    let bundle = Bundle::from_slice(BUNDLE).unwrap();
    assert!(bundle.scheme.payers.is_empty());
    assert!(!bundle.to_json().contains("\"payers\""));
}

#[test]
fn a_top_up_rounds_down_to_the_fen_and_stops_at_the_cap() {
    // 1000.01 × 1 / 3 = 333.336…: 333.33.
    assert_eq!(
        payer(3, 1, None).top_up(Money(100_001)),
        Some(Money(33_333))
    );
    assert_eq!(
        payer(1, 1, Some(50_000)).top_up(Money(80_000)),
        Some(Money(50_000))
    );
    assert_eq!(
        payer(1, 2, Some(50_000)).top_up(Money(20_000)),
        Some(Money(40_000))
    );
    // Beyond what an amount holds: no top-up, not a saturated one.
    assert_eq!(payer(1, 1000, None).top_up(Money(i64::MAX / 10)), None);
}

#[test]
fn a_payer_with_a_ratio_of_zero_is_refused() {
    let mut bundle = Bundle::from_slice(BUNDLE).unwrap();
    bundle.scheme.payers.push(payer(0, 1, None));
    bundle.hash = rehash(&bundle.scheme);
    match Bundle::from_slice(bundle.to_json().as_bytes()) {
        Err(e @ BundleError::Inconsistent { .. }) => {
            assert!(e.to_string().contains("payer `district`"), "{e}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
