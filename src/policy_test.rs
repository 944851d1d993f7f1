//! `bursar test`: policy test cases kept next to the policy, in TOML, like
//! OpenFisca's YAML tests or `opa test`.
//!
//! ```toml
//! policy = "2023-career-boost.bursar"     # relative to this file
//!
//! [[case]]
//! name = "level 1, first day of the window"
//! covers = "§二(一) §三(一)"                # optional: what the case is about
//! applicant = { person_id = "T1", member_card = true, voc_level = 1, … }
//! outcome = "paid"                         # paid, not_eligible, not_applied, late, early
//! award = "vocational"                     # optional: the category awarded
//! amount = "2000.00"                       # optional: the amount paid (or due)
//! categories = { social_work = "not_eligible" }   # optional verdicts
//! ```

use std::path::{Path, PathBuf};

use bursar_runtime::{evaluate, explain, Applicant, Bundle, Outcome};
use serde::Deserialize;

use crate::cli::load_scheme;
use crate::Exit;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    policy: String,
    #[serde(rename = "case", default)]
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    covers: Option<String>,
    applicant: toml::Table,
    outcome: String,
    award: Option<String>,
    amount: Option<String>,
    #[serde(default)]
    categories: toml::Table,
}

/// Finds test files: a `.tests.toml` file, a policy's sibling `NAME.tests.toml`,
/// or every `*.tests.toml` under a folder.
fn discover(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found);
            found.sort();
            out.extend(found);
        } else if p.to_string_lossy().ends_with(".bursar") {
            out.push(p.with_extension("tests.toml"));
        } else {
            out.push(p.clone());
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.to_string_lossy().ends_with(".tests.toml") {
            out.push(p);
        }
    }
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Paid => "paid",
        Outcome::NotEligible => "not_eligible",
        Outcome::NotApplied => "not_applied",
        Outcome::Late => "late",
        Outcome::Early => "early",
        Outcome::NothingDue => "nothing_due",
        Outcome::Error => "error",
    }
}

pub(crate) fn run(paths: &[PathBuf]) -> Exit {
    let files = discover(paths);
    if files.is_empty() {
        eprintln!("error: no test files found (they are named `*.tests.toml`)");
        return Exit::Usage;
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    // Written file by file, so that a long run shows its progress.
    let mut out = String::new();
    for file in &files {
        let text = match crate::cli::read(file) {
            Ok(t) => t,
            Err(e) => return e,
        };
        let tests: TestFile = match toml::from_str(&text) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: `{}`: {e}", file.display());
                return Exit::Failed;
            }
        };
        let policy = file.parent().unwrap_or(Path::new(".")).join(&tests.policy);
        let bundle = match load_scheme(&policy) {
            Ok(b) => b,
            Err(e) => return e,
        };
        out.push_str(&format!(
            "running {} cases from {} against {}\n",
            tests.cases.len(),
            file.display(),
            policy.display()
        ));
        for case in &tests.cases {
            match check_case(&bundle, case) {
                Ok(()) => {
                    passed += 1;
                    out.push_str(&format!("  ok    {}\n", case.name));
                }
                Err(report) => {
                    failed += 1;
                    out.push_str(&format!(
                        "  FAIL  {}{}\n",
                        case.name,
                        case.covers
                            .as_ref()
                            .map(|c| format!("  ({c})"))
                            .unwrap_or_default()
                    ));
                    for line in report.lines() {
                        out.push_str(&format!("        {line}\n"));
                    }
                }
            }
        }
        if let Err(e) = crate::stdout::print(&std::mem::take(&mut out)) {
            return e;
        }
    }
    if let Err(e) = crate::stdout::print(&format!("\nbursar: {passed} passed, {failed} failed\n")) {
        return e;
    }
    if failed > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

fn check_case(bundle: &Bundle, case: &Case) -> Result<(), String> {
    let scheme = &bundle.scheme;
    let json = serde_json::to_value(&case.applicant).map_err(|e| e.to_string())?;
    let applicant = Applicant::from_json(scheme, &json).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("the case's applicant: {e}"))
            .collect();
        lines.join("\n")
    })?;
    let decision = evaluate(scheme, &applicant);
    let mut problems = Vec::new();
    let actual_outcome = outcome_name(decision.outcome);
    if actual_outcome != case.outcome {
        problems.push(format!(
            "outcome: expected {}, got {actual_outcome}",
            case.outcome
        ));
    }
    let award = decision.awards.first();
    let award_name = award
        .and_then(|a| scheme.categories.get(a.category as usize))
        .map(|c| c.name.as_str());
    if let Some(expected) = &case.award {
        if award_name != Some(expected.as_str()) {
            problems.push(format!(
                "award: expected {expected}, got {}",
                award_name.unwrap_or("none")
            ));
        }
    }
    if let Some(expected) = &case.amount {
        let actual = award.map(|a| a.payout.amount.to_string());
        if actual.as_deref() != Some(expected.as_str()) {
            problems.push(format!(
                "amount: expected {expected}, got {}",
                actual.unwrap_or_else(|| "none".into())
            ));
        }
    }
    for (name, verdict) in &case.categories {
        let Some(i) = scheme.categories.iter().position(|c| &c.name == name) else {
            problems.push(format!(
                "the case names category `{name}`, which the scheme does not have"
            ));
            continue;
        };
        let eligible = decision.categories.get(i).is_some_and(|c| c.eligible());
        let actual = if eligible { "eligible" } else { "not_eligible" };
        if verdict.as_str() != Some(actual) {
            problems.push(format!(
                "category {name}: expected {}, got {actual}",
                verdict.as_str().unwrap_or("?")
            ));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let trace = explain(scheme, &applicant, &decision).to_text();
    Err(format!(
        "{}\nexplanation:\n{}",
        problems.join("\n"),
        trace
            .lines()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    ))
}
