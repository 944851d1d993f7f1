//! The runtime for JavaScript, through wasm-bindgen: a bundle loaded once,
//! then applicants decided and explained by `bursar_runtime`, nothing else.
//!
//! Values cross as JSON text, so an applicant is read by the same strict
//! parser as `bursar eval --applicant` (a repeated key is refused) and the
//! answers are the very JSON the CLI prints. The hand-written `index.js`
//! turns the text into objects, and refusals into thrown `BursarError`s.

use bursar_runtime::{evaluate, explain, parse_json, Applicant, Bundle, InputError};
use serde_json::{json, Value};
use wasm_bindgen::prelude::wasm_bindgen;

/// A loaded bundle, checked whole (format, hash, references) once.
#[wasm_bindgen]
pub struct LoadedBundle {
    bundle: Bundle,
}

/// What a call answers: `{"ok": …}` or `{"errors": [{field, pointer,
/// message}, …]}`, every problem listed.
type Answer = String;

#[wasm_bindgen]
impl LoadedBundle {
    /// Reads a bundle written by `bursar compile`; refuses a tampered,
    /// truncated or newer one (the error JSON says why).
    pub fn load(bytes: &[u8]) -> Result<LoadedBundle, String> {
        Bundle::from_slice(bytes)
            .map(|bundle| LoadedBundle { bundle })
            .map_err(|e| refusal(vec![problem(None, None, e.to_string())]))
    }

    /// The scheme's identifier (`beijing_career_boost_2023`).
    pub fn id(&self) -> String {
        self.bundle.scheme.id.clone()
    }

    /// `sha256:` and the digest of the scheme: which rules decided.
    pub fn hash(&self) -> String {
        self.bundle.hash.clone()
    }

    /// The JSON Schema of one applicant, as `bursar compile --input-schema`
    /// writes it: fields with their labels, enums with theirs.
    #[wasm_bindgen(js_name = inputSchema)]
    pub fn input_schema(&self) -> String {
        bursar_runtime::input_schema(&self.bundle.scheme).to_string()
    }

    /// The decision for one applicant (JSON text), as `bursar eval
    /// --format json` prints it.
    pub fn decide(&self, applicant: &str) -> Answer {
        self.answer(applicant, false)
    }

    /// The full explanation for one applicant, as `bursar explain --format
    /// json` prints it.
    pub fn explain(&self, applicant: &str) -> Answer {
        self.answer(applicant, true)
    }
}

impl LoadedBundle {
    fn answer(&self, applicant: &str, full: bool) -> Answer {
        let scheme = &self.bundle.scheme;
        let json = match parse_json(applicant.as_bytes()) {
            Ok(json) => json,
            Err(e) => return refusal(vec![problem(None, None, format!("not JSON: {e}"))]),
        };
        let applicant = match Applicant::from_json(scheme, &json) {
            Ok(a) => a,
            Err(errors) => return refusal(errors.iter().map(input_problem).collect()),
        };
        let decision = evaluate(scheme, &applicant);
        let explanation = explain(scheme, &applicant, &decision);
        let answer = if full {
            serde_json::to_value(&explanation)
        } else {
            Ok(bursar_runtime::decision_json(
                scheme,
                &decision,
                &explanation,
            ))
        };
        match answer {
            Ok(ok) => json!({ "ok": ok }).to_string(),
            Err(e) => refusal(vec![problem(
                None,
                None,
                format!("cannot write the decision: {e}"),
            )]),
        }
    }
}

/// One problem, keyed as `bursar eval --applicants` reports it.
fn problem(field: Option<String>, pointer: Option<String>, message: String) -> Value {
    json!({ "field": field, "pointer": pointer, "message": message })
}

fn input_problem(e: &InputError) -> Value {
    problem(
        (!e.field.is_empty()).then(|| e.field.clone()),
        Some(e.pointer()),
        e.to_string(),
    )
}

fn refusal(problems: Vec<Value>) -> Answer {
    json!({ "errors": problems }).to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    const BUNDLE: &[u8] =
        include_bytes!("../../../tests/vectors/bundles/2023-career-boost.bundle.json");

    #[test]
    fn every_problem_is_listed() {
        let b = LoadedBundle::load(BUNDLE).unwrap();
        let answer: Value = serde_json::from_str(&b.decide(
            r#"{"person_id": "R2", "member_card": "yes", "voc_levle": 1, "voc_boosted_before": false}"#,
        ))
        .unwrap();
        let fields: Vec<&str> = answer["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["member_card", "voc_levle"]);
    }

    #[test]
    fn a_tampered_bundle_is_refused() {
        let text = String::from_utf8(BUNDLE.to_vec())
            .unwrap()
            .replacen("2000.00", "2100.00", 1);
        let Err(e) = LoadedBundle::load(text.as_bytes()) else {
            unreachable!("a changed amount must not load")
        };
        assert!(e.contains("hash"), "{e}");
    }
}
