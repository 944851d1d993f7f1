//! Instalments in bundles: left out when there are none, so older bundles
//! keep their bytes; a hand-made stage that waits on a field that is not a
//! date is refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_runtime::ir::Instalment;
use bursar_runtime::{hash as rehash, Bundle, BundleError, Money};

const BUNDLE: &[u8] = include_bytes!("data/2023-career-boost.bundle.json");

#[test]
fn a_bundle_without_instalments_has_no_instalments_key() {
    let bundle = Bundle::from_slice(BUNDLE).unwrap();
    assert!(bundle
        .scheme
        .categories
        .iter()
        .all(|c| c.instalments.is_empty()));
    assert!(!bundle.to_json().contains("\"instalments\""));
}

#[test]
fn a_stage_that_waits_on_a_field_that_is_not_a_date_is_refused() {
    let mut bundle = Bundle::from_slice(BUNDLE).unwrap();
    // Field 0, the person's id, is text.
    bundle.scheme.categories[0].instalments = vec![Instalment {
        after: Some(0),
        amount: Money(40_000),
        clause: None,
    }];
    bundle.hash = rehash(&bundle.scheme);
    match Bundle::from_slice(bundle.to_json().as_bytes()) {
        Err(e @ BundleError::Inconsistent { .. }) => {
            assert!(e.to_string().contains("which is not a date field"), "{e}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
