//! `bursar diff OLD NEW`: what changed, what it costs, and who it affects.

use std::path::{Path, PathBuf};

use bursar_compiler::diff::{self, Change};
use bursar_runtime::{Bundle, Money};
use bursar_simulator::attribution;
use bursar_simulator::report::{money_text, Comparison, Report, Source};
use bursar_simulator::sum::Sum;

use crate::commands::{overflow, Format};
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
    /// For each change, construct an applicant it affects.
    #[arg(long)]
    witness: bool,
    /// Seed for sampled attribution (more than 10 changes).
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub(crate) fn run(args: &DiffArgs) -> Exit {
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
    let mut json = serde_json::Map::new();
    json.insert(
        "old".into(),
        serde_json::json!({ "scheme": old.scheme.id, "bundle_hash": old.hash }),
    );
    json.insert(
        "new".into(),
        serde_json::json!({ "scheme": new.scheme.id, "bundle_hash": new.hash }),
    );
    json.insert(
        "changes".into(),
        serde_json::to_value(&changes).unwrap_or_default(),
    );
    let mut text = diff::to_text(&old.scheme, &new.scheme, &changes);

    if let Some(population) = &args.population {
        match budget(&old, &new, &changes, population, args) {
            Ok((budget_json, budget_text)) => {
                json.insert("budget".into(), budget_json);
                text.push_str(&budget_text);
            }
            Err(e) => return e,
        }
    }
    if args.witness {
        let witnesses = bursar_compiler::witness::witnesses(&old.scheme, &new.scheme, &changes);
        text.push_str(&bursar_compiler::witness::to_text(
            &old.scheme,
            &new.scheme,
            &changes,
            &witnesses,
        ));
        json.insert(
            "witnesses".into(),
            serde_json::to_value(&witnesses).unwrap_or_default(),
        );
    }
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&json).unwrap_or_default() + "\n",
        Format::Text => text,
    };
    match crate::stdout::print(&text) {
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
) -> Result<(serde_json::Value, String), Exit> {
    let run_args = RunArgs::for_population(population, args.threads).with_lists(&args.lists);
    let pop_name = population.display().to_string();
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
    let comparison = Report::new(&old.scheme, &source(old), &pop_name, to, None, &run.skipped)
        .and_then(|ro| {
            let rn = Report::new(&new.scheme, &source(new), &pop_name, tn, None, &run.skipped)?;
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
    let delta = comparison.delta.total;
    let mut sum = Sum::ZERO;
    for p in &parts {
        sum.add(*p);
    }
    let sum = sum
        .figure(|| "the sum of the shares".to_string())
        .map_err(|e| overflow(&e))?;
    let currency = &old.scheme.header.currency;
    let signed = |m: Money| {
        let t = money_text(currency, m);
        if m > Money::ZERO {
            format!("+{t}")
        } else {
            t
        }
    };
    let mut text = String::from("\nbudget effect\n");
    text.push_str(
        &comparison
            .to_text()
            .lines()
            .skip(3)
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    );
    text.push_str(&format!(
        "\nattribution of {} to the changes ({}, {} variants, one pass)\n",
        signed(delta),
        method.name,
        method.variants
    ));
    let width = behavioural
        .iter()
        .filter_map(|i| changes.get(*i))
        .map(|c| c.id.chars().count())
        .max()
        .unwrap_or(0);
    let mut rows = Vec::new();
    for (bit, i) in behavioural.iter().enumerate() {
        let (Some(c), Some(p)) = (changes.get(*i), parts.get(bit)) else {
            continue;
        };
        text.push_str(&format!("  {:width$}  {:>16}\n", c.id, signed(*p)));
        rows.push(serde_json::json!({ "change": c.id, "share": p }));
    }
    text.push_str(&format!("  {:width$}  {:>16}\n", "total", signed(sum)));
    let json = serde_json::json!({
        "comparison": comparison,
        "attribution": {
            "method": method,
            "delta": delta,
            "sum_of_shares": sum,
            "shares": rows,
        },
    });
    Ok((json, text))
}
