//! A decision log's record: one JSON line per decision `bursar serve` gave,
//! written by the server (`serve/log.rs`) and read back by `bursar replay`.
//! Its keys are a contract (docs/service.md, "Decision log").

use bursar_runtime::ir::Scheme;
use bursar_runtime::{Explanation, Money, Outcome, Status};
use serde::{Deserialize, Serialize};

use crate::decision::Decided;

/// One logged decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    /// When it was decided (RFC 3339, UTC).
    pub(crate) time: String,
    /// The request's id (`x-request-id`, given or made up).
    pub(crate) request_id: String,
    /// In a batch, the applicant's place in it (from 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) item: Option<usize>,
    pub(crate) scheme: String,
    pub(crate) bundle_hash: String,
    /// The applicant as received, but for redacted fields (`--redact`).
    pub(crate) applicant: serde_json::Value,
    #[serde(flatten)]
    pub(crate) verdict: Verdict,
}

/// What was decided: the part of a record that re-deciding must reproduce.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Verdict {
    pub(crate) outcome: Outcome,
    pub(crate) paid: Money,
    pub(crate) awards: Vec<LoggedAward>,
    /// The clauses that decided it, in the scheme's order (see
    /// [`deciding_clauses`]).
    pub(crate) clauses: Vec<String>,
    /// The explanation's bottom line.
    pub(crate) summary: String,
}

/// One award of a logged decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LoggedAward {
    pub(crate) category: String,
    pub(crate) amount: Money,
}

impl Verdict {
    /// The verdict of a decision just made.
    pub(crate) fn of(scheme: &Scheme, decided: &Decided) -> Verdict {
        let d = &decided.decision;
        Verdict {
            outcome: d.outcome,
            paid: d.paid(),
            awards: d
                .awards
                .iter()
                .map(|a| LoggedAward {
                    category: scheme
                        .categories
                        .get(a.category as usize)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                    amount: a.payout.amount,
                })
                .collect(),
            clauses: deciding_clauses(&decided.explanation),
            summary: decided.explanation.summary.clone(),
        }
    }
}

/// The clauses a decision rests on, each once, in the order met: every
/// requirement that did not pass; for a category met, its own clause and
/// the clause of its payout; for one not met, the clause of the first
/// condition that failed; the award rule's, the application's and the
/// quota's when they did not simply pass.
pub(crate) fn deciding_clauses(e: &Explanation) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |c: &Option<String>| {
        if let Some(c) = c {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
    };
    let not_pass = |l: &&bursar_runtime::Line| l.status != Status::Pass;
    for l in e.requirements.iter().filter(not_pass) {
        add(&l.clause);
    }
    for c in &e.categories {
        if c.eligible {
            add(&c.clause);
            if let Some(p) = &c.pay {
                add(&p.clause);
            }
        } else if let Some(l) = c.conditions.iter().find(not_pass) {
            add(&l.clause);
        }
    }
    for l in [&e.award, &e.application, &e.quota].into_iter().flatten() {
        add(&l.clause);
    }
    for l in &e.errors {
        add(&l.clause);
    }
    out
}
