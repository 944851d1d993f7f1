//! Applicant JSON: any bytes are an applicant or a list of problems, never a
//! panic; an applicant is decided and explained without one.
#![no_main]

mod common;

use bursar_runtime::{evaluate, explain, Applicant};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let scheme = common::scheme();
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(applicant) = Applicant::from_json(scheme, &json) else {
        return;
    };
    let decision = evaluate(scheme, &applicant);
    let _ = explain(scheme, &applicant, &decision).to_text();
});
