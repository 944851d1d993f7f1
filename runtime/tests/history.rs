//! The award's history field in bundles: left out when there is none, so
//! older bundles keep their bytes; a hand-made one must name a list.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_runtime::{hash as rehash, Bundle, BundleError};

const BUNDLE: &[u8] = include_bytes!("data/2023-career-boost.bundle.json");

#[test]
fn a_bundle_without_history_has_no_history_key() {
    let bundle = Bundle::from_slice(BUNDLE).unwrap();
    assert_eq!(bundle.scheme.award.history, None);
    assert!(!bundle.to_json().contains("\"history\""));
}

#[test]
fn a_history_field_that_is_not_a_list_is_refused() {
    let mut bundle = Bundle::from_slice(BUNDLE).unwrap();
    // Field 0, the person's id, is text.
    bundle.scheme.award.history = Some(0);
    bundle.hash = rehash(&bundle.scheme);
    match Bundle::from_slice(bundle.to_json().as_bytes()) {
        Err(e @ BundleError::Inconsistent { .. }) => {
            assert!(
                e.to_string().contains("history field 0 is not a list"),
                "{e}"
            )
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
