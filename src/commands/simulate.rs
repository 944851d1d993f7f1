//! `bursar simulate`: one scheme over a population, reported.

use std::path::Path;

use bursar_runtime::ir::Scheme;
use bursar_simulator::awards::AwardsOut;
use bursar_simulator::render::Document;
use bursar_simulator::report::Report;

use crate::commands::{emit, overflow, OutputArgs, ReportFormat};
use crate::load::population::{options, run_population, RunArgs};
use crate::load::scheme::{assumptions_info, prepare, WhatIf};
use crate::Exit;

/// The `--awards-out` file, its header written.
fn open_awards(scheme: &Scheme, path: &Path) -> Result<AwardsOut, Exit> {
    // Whether the scheme can write its history, before creating the file.
    AwardsOut::new(scheme, Box::new(std::io::sink())).map_err(|e| {
        eprintln!("error: `--awards-out`: {e}");
        Exit::Usage
    })?;
    let file = std::fs::File::create(path).map_err(|e| {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        Exit::Io
    })?;
    AwardsOut::new(scheme, Box::new(std::io::BufWriter::new(file))).map_err(|e| {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        Exit::Io
    })
}

pub(crate) fn simulate(
    scheme_path: &Path,
    what_if: &WhatIf,
    args: &RunArgs,
    format: ReportFormat,
    out: &OutputArgs,
    awards_out: Option<&Path>,
) -> Exit {
    if let Err(e) = out.check(format, &[scheme_path, &args.population]) {
        return e;
    }
    let prepared = match prepare(scheme_path, what_if) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let scheme = &prepared.bundle.scheme;
    let mut options = options(args, vec![prepared.assumptions.clone()]);
    if let (Some(_), false) = (awards_out, scheme.quotas.is_empty()) {
        // Awards written row by row would miss who allocation pays.
        eprintln!(
            "error: `--awards-out` does not handle quotas yet: a payment subject to a quota is only known after allocation"
        );
        return Exit::Usage;
    }
    if let Some(path) = awards_out {
        match open_awards(scheme, path) {
            Ok(a) => options.awards = Some(std::sync::Arc::new(a)),
            Err(e) => return e,
        }
    }
    let run = run_population(&[scheme], args, &options);
    if let (Some(path), Some(awards)) = (awards_out, &options.awards) {
        // A run that stopped wrote part of the history: no file is better
        // than one that looks whole.
        let written = awards.finish();
        if run.is_err() {
            let _ = std::fs::remove_file(path);
        } else if let Err(e) = written {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return Exit::Io;
        }
    }
    let run = match run {
        Ok(r) => r,
        Err(e) => return e,
    };
    let Some(tally) = run.tallies.first() else {
        return Exit::Internal;
    };
    let population = args.population.display().to_string();
    let report = match Report::new(
        scheme,
        &prepared.source,
        &population,
        tally,
        assumptions_info(&prepared.assumptions),
        &run.skipped,
    ) {
        Ok(r) => r,
        Err(e) => return overflow(&e),
    };
    if let Err(e) = emit(format, Document::Report(&report), out) {
        return e;
    }
    if report.errors > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    }
}
