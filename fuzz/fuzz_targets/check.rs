//! Policy text: parsing and checking never panic, and whatever the compiler
//! accepts, the runtime loads back from its bundle and evaluates.
#![no_main]

use bursar_runtime::{evaluate, explain, Applicant, Bundle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = bursar_compiler::SourceFile::new("fuzz.bursar", text.to_string());
    let compiled = bursar_compiler::compile(&source);
    let Some(scheme) = compiled.scheme else {
        return;
    };
    let bundle = Bundle::new(scheme, "fuzz");
    let loaded = match Bundle::from_slice(bundle.to_json().as_bytes()) {
        Ok(b) => b,
        Err(e) => panic!("the compiler accepted a policy whose bundle the runtime refuses: {e}"),
    };
    let applicant = Applicant::empty(&loaded.scheme);
    let decision = evaluate(&loaded.scheme, &applicant);
    let _ = explain(&loaded.scheme, &applicant, &decision).to_text();
});
