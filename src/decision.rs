//! One applicant decided: the decision and its explanation, and the one
//! JSON every channel gives for it (`eval --format json`, `eval
//! --applicants`, `bursar serve`), so that a decision reads the same
//! whichever way it was asked for.

use bursar_runtime::ir::Scheme;
use bursar_runtime::{evaluate, explain, Applicant, Decision, Explanation, InputError};

/// A decision with its explanation.
pub(crate) struct Decided {
    pub(crate) decision: Decision,
    pub(crate) explanation: Explanation,
}

impl Decided {
    /// Decides `applicant` by `scheme`: the one evaluator, then its
    /// explanation.
    pub(crate) fn new(scheme: &Scheme, applicant: &Applicant) -> Decided {
        let decision = evaluate(scheme, applicant);
        let explanation = explain(scheme, applicant, &decision);
        Decided {
            decision,
            explanation,
        }
    }

    /// Reads an applicant from JSON (every problem, not the first) and
    /// decides it.
    pub(crate) fn from_json(
        scheme: &Scheme,
        json: &serde_json::Value,
    ) -> Result<Decided, Vec<InputError>> {
        Applicant::from_json(scheme, json).map(|a| Decided::new(scheme, &a))
    }

    /// What `eval --format json` prints (`full`: what `explain --format
    /// json` prints).
    pub(crate) fn to_json(&self, scheme: &Scheme, full: bool) -> serde_json::Value {
        if full {
            serde_json::to_value(&self.explanation).unwrap_or_default()
        } else {
            bursar_runtime::decision_json(scheme, &self.decision, &self.explanation)
        }
    }
}
