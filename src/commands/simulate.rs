//! `bursar simulate`: one scheme over a population, reported.

use std::path::Path;

use bursar_runtime::ir::Scheme;
use bursar_simulator::awards::AwardsOut;
use bursar_simulator::draws::Ranges;
use bursar_simulator::render::Document;
use bursar_simulator::report::{Population, Report};

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

/// Files a simulation writes besides its report.
pub(crate) struct Outputs<'a> {
    /// `--awards-out`: the run's awards as next year's award history.
    pub awards: Option<&'a Path>,
    /// `--persons`: one row per population row.
    pub persons: Option<&'a Path>,
    /// `--draws`: how many times to draw the behavioural assumptions.
    pub draws: Option<u32>,
}

/// The most draws a run makes: each keeps its sums per category and month
/// in every batch of rows, so memory grows with them.
const MAX_DRAWS: u32 = 10_000;

/// A number of draws, from 1 to [`MAX_DRAWS`].
pub(crate) fn draw_count(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(0) => Err("at least 1 draw is needed".to_string()),
        Ok(n) if n > MAX_DRAWS => Err(format!("at most {MAX_DRAWS} draws are allowed")),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

pub(crate) fn simulate(
    scheme_path: &Path,
    what_if: &WhatIf,
    args: &RunArgs,
    format: ReportFormat,
    out: &OutputArgs,
    outputs: Outputs<'_>,
) -> Exit {
    let mut inputs = vec![scheme_path];
    inputs.extend(args.inputs());
    let others = [
        ("--persons", outputs.persons),
        ("--awards-out", outputs.awards),
    ];
    if let Err(e) = out.check(format, &inputs, &others) {
        return e;
    }
    let awards_out = outputs.awards;
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
    if let Some(n) = outputs.draws {
        let Some(a) = &prepared.assumptions else {
            eprintln!("error: `--draws` draws the behavioural assumptions again, and none are given; add `--take-up CATEGORY=SHARE` or `--scenario NAME`");
            return Exit::Usage;
        };
        if a.take_up.is_empty() {
            eprintln!("error: `--draws` draws who applies, and no category has a take-up share; add `--take-up CATEGORY=SHARE`");
            return Exit::Usage;
        }
        if let Some(why) = bursar_simulator::draws::refusal(scheme) {
            eprintln!("error: `--draws` does not handle {why} yet: it redraws behaviour over one decision per row");
            return Exit::Usage;
        }
        options.draws = Some(n);
    }
    if let Some(path) = outputs.persons {
        match crate::persons::open(scheme, path) {
            Ok(p) => options.persons = Some(std::sync::Arc::new(p)),
            Err(e) => return e,
        }
    }
    let run = run_population(&[scheme], args, &options);
    if let (Some(path), Some(persons)) = (outputs.persons, &options.persons) {
        // As for the awards: a run that stopped leaves no file.
        let written = persons.finish();
        if run.is_err() {
            let _ = std::fs::remove_file(path);
        } else if let Err(e) = written {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return Exit::Io;
        }
    }
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
        &Population {
            file: &population,
            weight: args.weight.as_deref(),
        },
        tally,
        assumptions_info(&prepared.assumptions),
        &run.skipped,
    ) {
        Ok(r) => r,
        Err(e) => return overflow(&e),
    };
    let mut report = report;
    report.ranges = match (&run.draws, &prepared.assumptions) {
        (Some(d), Some(a)) => match Ranges::new(scheme, d, a.seed) {
            Ok(r) => Some(r),
            Err(e) => return overflow(&e),
        },
        _ => None,
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
