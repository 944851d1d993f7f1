//! `bursar diff OLD NEW`: what changed, what it costs, and who it affects.

use std::path::{Path, PathBuf};

use bursar_compiler::diff::{self, Change};
use bursar_runtime::Bundle;
use bursar_simulator::attribution::{self, Attribution, Share};
use bursar_simulator::render::Document;
use bursar_simulator::report::{
    Budget, Comparison, DiffReport, Part, Population, Report, SchemeRef, Source,
};

use crate::commands::{emit, overflow, OutputArgs, ReportFormat};
use crate::load::load_scheme;
use crate::load::population::{options, run_population, RunArgs};
use crate::Exit;

#[derive(clap::Args)]
pub(crate) struct DiffArgs {
    /// The old scheme: a policy or a bundle.
    old: PathBuf,
    /// The new scheme: a policy or a bundle.
    new: PathBuf,
    /// Also run both over this population and attribute the change in cost.
    #[arg(long)]
    population: Option<PathBuf>,
    /// Worker threads for `--population`.
    #[arg(long, value_parser = crate::load::population::at_least_one)]
    threads: Option<usize>,
    /// With `--population`: the items of a list field (`--list members=members.csv`).
    #[arg(long = "list", value_name = "LIST=FILE", requires = "population")]
    lists: Vec<String>,
    /// With `--population`: the column of a survey sample's weights, the
    /// persons each row stands for (docs/simulate.md).
    #[arg(long, value_name = "COLUMN", requires = "population")]
    weight: Option<String>,
    /// For each change, construct an applicant it affects.
    #[arg(long)]
    witness: bool,
    /// Seed for sampled attribution (more than 10 changes).
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
    #[command(flatten)]
    out: OutputArgs,
}

pub(crate) fn run(args: &DiffArgs) -> Exit {
    let mut inputs = vec![args.old.as_path(), args.new.as_path()];
    inputs.extend(args.population.as_deref());
    if let Err(e) = args.out.check(args.format, &inputs, &[]) {
        return e;
    }
    if args.format == ReportFormat::Html {
        // Said before loading and running, not after.
        eprintln!("error: `diff` has no `--format html` yet: use `text`, `json`, `csv` or `xlsx`");
        return Exit::Usage;
    }
    if let (ReportFormat::Csv | ReportFormat::Xlsx, None) = (args.format, &args.population) {
        eprintln!(
            "error: `--format {}` writes a diff's figures, and there are none without `--population FILE`",
            if args.format == ReportFormat::Csv { "csv" } else { "xlsx" }
        );
        return Exit::Usage;
    }
    let (old, new) = match (load_scheme(&args.old), load_scheme(&args.new)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let changes = match diff::diff(&old.scheme, &new.scheme) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return Exit::Failed;
        }
    };
    let budget = match &args.population {
        Some(population) => match budget(&old, &new, &changes, population, args) {
            Ok(b) => Some(b),
            Err(e) => return e,
        },
        None => None,
    };
    let witnesses = args.witness.then(|| {
        let witnesses = bursar_compiler::witness::witnesses(&old.scheme, &new.scheme, &changes);
        Part {
            text: bursar_compiler::witness::to_text(&old.scheme, &new.scheme, &changes, &witnesses),
            json: serde_json::to_value(&witnesses).unwrap_or_default(),
        }
    });
    let scheme = |b: &Bundle| SchemeRef {
        scheme: b.scheme.id.clone(),
        bundle_hash: b.hash.clone(),
    };
    let report = DiffReport {
        old: scheme(&old),
        new: scheme(&new),
        changes: Part {
            text: diff::to_text(&old.scheme, &new.scheme, &changes),
            json: serde_json::to_value(&changes).unwrap_or_default(),
        },
        budget,
        witnesses,
    };
    match emit(args.format, Document::Diff(&report), &args.out) {
        Ok(()) => Exit::Ok,
        Err(e) => e,
    }
}

/// The budget effect of the whole change, and each change's share of it.
fn budget(
    old: &Bundle,
    new: &Bundle,
    changes: &[Change],
    population: &Path,
    args: &DiffArgs,
) -> Result<Budget, Exit> {
    let mut run_args = RunArgs::for_population(population, args.threads).with_lists(&args.lists);
    run_args.weight = args.weight.clone();
    let pop_name = population.display().to_string();
    let pop = Population {
        file: &pop_name,
        weight: args.weight.as_deref(),
    };
    // The whole change, side by side, with winners and losers.
    let run = run_population(
        &[&old.scheme, &new.scheme],
        &run_args,
        &options(&run_args, Vec::new()),
    )?;
    let (Some(to), Some(tn), Some(d)) =
        (run.tallies.first(), run.tallies.get(1), run.diff.as_ref())
    else {
        return Err(Exit::Internal);
    };
    let source = |b: &Bundle| Source {
        scheme: b.scheme.id.clone(),
        bundle_hash: b.hash.clone(),
        overrides: Vec::new(),
        scenario: None,
    };
    let comparison = Report::new(&old.scheme, &source(old), &pop, to, None, &run.skipped)
        .and_then(|ro| {
            let rn = Report::new(&new.scheme, &source(new), &pop, tn, None, &run.skipped)?;
            Comparison::new(ro, rn, d)
        })
        .map_err(|e| overflow(&e))?;

    // Each behavioural change's share: every needed combination of changes
    // is a real scheme, all run in one more pass.
    let behavioural: Vec<usize> = changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.behavioural)
        .map(|(i, _)| i)
        .collect();
    let masks = attribution::combinations(behavioural.len(), args.seed);
    let hybrids: Vec<bursar_runtime::ir::Scheme> = masks
        .iter()
        .map(|mask| {
            let apply: Vec<usize> = behavioural
                .iter()
                .enumerate()
                .filter(|(bit, _)| mask & (1 << bit) != 0)
                .map(|(_, i)| *i)
                .collect();
            diff::hybrid(&old.scheme, &new.scheme, changes, &apply)
        })
        .collect();
    let refs: Vec<&bursar_runtime::ir::Scheme> = hybrids.iter().collect();
    let run = run_population(&refs, &run_args, &options(&run_args, Vec::new()))?;
    let total_of = |mask: u64| {
        masks
            .iter()
            .position(|m| *m == mask)
            .and_then(|i| run.tallies.get(i))
            .and_then(|t| t.total.money())
    };
    let full = (1u64 << behavioural.len()) - 1;
    // The variants with none and all of the changes must be OLD and NEW.
    if total_of(0) != Some(comparison.base.total) || total_of(full) != Some(comparison.reform.total)
    {
        eprintln!("error: the changes applied one by one do not reproduce the new scheme's cost; attribution refused");
        return Err(Exit::Internal);
    }
    let Some((parts, method)) = attribution::shapley(behavioural.len(), args.seed, &total_of)
    else {
        eprintln!("error: attribution failed");
        return Err(Exit::Internal);
    };
    let shares = behavioural
        .iter()
        .zip(&parts)
        .filter_map(|(i, share)| {
            changes.get(*i).map(|c| Share {
                change: c.id.clone(),
                share: *share,
            })
        })
        .collect();
    let attribution =
        Attribution::new(method, comparison.delta.total, shares).map_err(|e| overflow(&e))?;
    Ok(Budget {
        comparison,
        attribution,
    })
}
