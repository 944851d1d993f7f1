//! Bundles: any bytes are loaded or refused, never a panic; a loaded bundle
//! decides and explains an empty applicant without one.
#![no_main]

use bursar_runtime::{evaluate, explain, Applicant, Bundle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(bundle) = Bundle::from_slice(data) else {
        return;
    };
    let applicant = Applicant::empty(&bundle.scheme);
    let decision = evaluate(&bundle.scheme, &applicant);
    let _ = explain(&bundle.scheme, &applicant, &decision).to_text();
});
