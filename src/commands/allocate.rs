//! `bursar allocate`: every claim on a quota's places and what allocation
//! gave it, as CSV (`person_id,pool,outcome,rank`, the first column named
//! after the scheme's identifier). The decisions and the allocation are the
//! simulator's, so this is the same run `simulate` reports on.

use std::path::Path;

use bursar_runtime::Placement;

use crate::load::population::{options, run_population, RunArgs};
use crate::load::scheme::{prepare, WhatIf};
use crate::Exit;

pub(crate) fn allocate(scheme_path: &Path, what_if: &WhatIf, args: &RunArgs) -> Exit {
    let prepared = match prepare(scheme_path, what_if) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let scheme = &prepared.bundle.scheme;
    if scheme.quotas.is_empty() {
        eprintln!(
            "error: `{}` declares no quota: there are no places to allocate",
            scheme_path.display()
        );
        return Exit::Usage;
    }
    let mut options = options(args, vec![prepared.assumptions.clone()]);
    options.placements = true;
    let run = match run_population(&[scheme], args, &options) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let Some(placements) = run.placements.first() else {
        return Exit::Internal;
    };
    let id = scheme
        .application
        .as_ref()
        .and_then(|a| a.identifier)
        .and_then(|f| scheme.applicant.get(f as usize))
        .map_or("id", |f| f.name.as_str());
    if let Err(e) = crate::stdout::print(&to_csv(scheme, id, placements)) {
        return e;
    }
    match run.tallies.first() {
        Some(t) if t.errors > 0 => {
            eprintln!(
                "error: the rules could not be evaluated for {} rows (run `bursar simulate` for them)",
                t.errors
            );
            Exit::Failed
        }
        Some(_) => Exit::Ok,
        None => Exit::Internal,
    }
}

fn to_csv(scheme: &bursar_runtime::ir::Scheme, id: &str, placements: &[Placement]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([id, "pool", "outcome", "rank"]);
    for p in placements {
        let pool = scheme
            .quotas
            .get(p.claim.quota as usize)
            .map_or("", |q| q.name.as_str());
        let outcome = if p.allocated { "allocated" } else { "no_place" };
        let _ = w.write_record([p.claim.id.as_str(), pool, outcome, &p.rank.to_string()]);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}
