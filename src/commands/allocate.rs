//! `bursar allocate`: every claim on a quota's places and what allocation
//! gave it, as CSV (`person_id,pool,outcome,rank`, the first column named
//! after the scheme's identifier; `bursar_simulator::placements` writes
//! it). The decisions and the allocation are the simulator's, so this is
//! the same run `simulate` reports on.

use std::path::Path;
use std::sync::Arc;

use bursar_simulator::placements::PlacementsOut;

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
    let placements = match PlacementsOut::new(scheme) {
        Ok(p) => Arc::new(p),
        Err(e) => {
            eprintln!("error: cannot write the placements to a temporary file: {e}");
            return Exit::Io;
        }
    };
    let mut options = options(args, vec![prepared.assumptions.clone()]);
    options.placements = Some(Arc::clone(&placements));
    let run = match run_population(&[scheme], args, &options) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let copied = placements.copy_to(&mut std::io::stdout().lock());
    if let Err(e) = copied.or_else(crate::stdout::failed) {
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
