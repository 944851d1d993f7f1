//! The bundle format and the one evaluator.
//!
//! Application systems, mobile apps, hotline tools and Bursar's own simulator
//! all decide through this crate, so every decision is made the same way. It
//! depends on serde, serde_json, chrono and sha2 only, and does no IO.
//!
//! ```
//! use bursar_runtime::{Applicant, Bundle, evaluate, explain};
//!
//! # let bundle_bytes = include_bytes!("../tests/data/2023-career-boost.bundle.json");
//! // Load once at start-up: refuses tampered, truncated or newer bundles.
//! let bundle = Bundle::from_slice(bundle_bytes)?;
//! let scheme = &bundle.scheme;
//!
//! // Per request: the form's fields as JSON, checked against the input schema.
//! let form = serde_json::json!({
//!     "person_id": "E01", "member_card": true,
//!     "voc_level": 1, "voc_issuer": "beijing_center", "voc_issued": "2021-01-01",
//!     "voc_boosted_before": false, "applied_on": "2023-04-10"
//! });
//! let applicant = Applicant::from_json(scheme, &form).map_err(|errors| errors[0].to_string())?;
//! let decision = evaluate(scheme, &applicant);
//! assert_eq!(decision.paid().to_string(), "2000.00");
//!
//! // Show the worker why, citing the notice.
//! let why = explain(scheme, &applicant, &decision);
//! assert!(why.to_text().contains("§三(一)"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod allocate;
mod answer;
mod bundle;
mod calendar;
pub mod currency;
pub mod datetime;
pub mod decimal;
mod eval;
mod explain;
mod input;
pub mod ir;
mod json;
mod lower;
pub mod money;
mod nesting;
pub mod print;
mod schema;

pub use allocate::{
    allocate, claim, in_rank_order, settle, AllocateError, Claim, Demands, Given, Placement,
    Rationing,
};
pub use answer::decision_json;
pub use bundle::{hash, validate, Bundle, BundleError, BundleSignature, FORMAT};
pub use eval::{
    evaluate, evaluate_condition, evaluate_into, evaluate_value, schedule, shift, shown_round,
    Application, Award, CategoryDecision, Checks, Decision, Due, EvalError, Outcome, PayerShare,
    Payout, RoundDecision, Stage, Stop, Verdict,
};
pub use explain::{explain, CategoryExplanation, Explanation, Line, Status, Words};
pub use input::{
    describe_type, parse_cell, parse_cell_into, parse_date, same_bytes, shown, Applicant,
    InputError, Problem, SHOWN_CHARS,
};
pub use json::parse_json;
pub use lower::Program;
pub use money::Money;
pub use schema::input_schema;
