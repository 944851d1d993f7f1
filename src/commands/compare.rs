//! `bursar compare`: two schemes over one population in one pass.

use std::path::Path;

use bursar_simulator::render::Document;
use bursar_simulator::report::{Comparison, Population, Report};

use crate::commands::{emit, overflow, OutputArgs, ReportFormat};
use crate::load::population::{options, run_population, RunArgs};
use crate::load::scheme::{assumptions_info, prepare, Prepared, WhatIf};
use crate::Exit;

pub(crate) fn compare(
    base: &Path,
    reform: &Path,
    reform_what_if: &WhatIf,
    args: &RunArgs,
    format: ReportFormat,
    out: &OutputArgs,
    persons: Option<&Path>,
) -> Exit {
    let mut inputs = vec![base, reform];
    inputs.extend(args.inputs());
    if let Err(e) = out.check(format, &inputs, &[("--persons", persons)]) {
        return e;
    }
    let base = match prepare(base, &WhatIf::default()) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let reform = match prepare(reform, reform_what_if) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let mut options = options(
        args,
        vec![base.assumptions.clone(), reform.assumptions.clone()],
    );
    if let Some(path) = persons {
        match crate::persons::open_compared(&base.bundle.scheme, path) {
            Ok(p) => options.compared = Some(std::sync::Arc::new(p)),
            Err(e) => return e,
        }
    }
    let run = run_population(
        &[&base.bundle.scheme, &reform.bundle.scheme],
        args,
        &options,
    );
    if let (Some(path), Some(compared)) = (persons, &options.compared) {
        // Sorted rows are written now; a run that stopped leaves no file.
        if run.is_err() {
            let _ = std::fs::remove_file(path);
        } else if let Err(e) = compared.finish() {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return Exit::Io;
        }
    }
    let run = match run {
        Ok(r) => r,
        Err(e) => return e,
    };
    let (Some(tb), Some(tr), Some(diff)) =
        (run.tallies.first(), run.tallies.get(1), run.diff.as_ref())
    else {
        return Exit::Internal;
    };
    let population = args.population.display().to_string();
    let report = |side: &Prepared, tally| {
        Report::new(
            &side.bundle.scheme,
            &side.source,
            &Population {
                file: &population,
                weight: args.weight.as_deref(),
            },
            tally,
            assumptions_info(&side.assumptions),
            &run.skipped,
        )
    };
    let comparison = match report(&base, tb)
        .and_then(|rb| Ok((rb, report(&reform, tr)?)))
        .and_then(|(rb, rr)| Comparison::new(rb, rr, diff))
    {
        Ok(c) => c,
        Err(e) => return overflow(&e),
    };
    let errors = comparison.base.errors + comparison.reform.errors;
    if let Err(e) = emit(format, Document::Comparison(&comparison), out) {
        return e;
    }
    if errors > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    }
}
