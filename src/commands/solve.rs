//! `bursar solve`: the largest amounts (or places) whose total fits a
//! budget, found in a few passes over the population and checked in one
//! more.

use std::path::Path;

use bursar_runtime::ir::Scheme;
use bursar_runtime::{Bundle, Money};
use bursar_simulator::overrides;
use bursar_simulator::render::Document;
use bursar_simulator::report::{Amount, NextStep, Report, Solution, Solved, Source, Values};
use bursar_simulator::solve::{self, Plan, Probe};

use crate::commands::{emit, OutputArgs, ReportFormat};
use crate::load::population::{options, run_population, RunArgs};
use crate::load::scheme::{assumptions_info, prepare, Prepared, WhatIf};
use crate::Exit;
use bursar_simulator::report::Population;

/// What `solve` was asked.
pub(crate) struct Ask<'a> {
    pub budget: &'a str,
    pub vary: &'a [String],
    pub keep_ratios: bool,
    pub step: &'a str,
}

pub(crate) fn solve(
    scheme_path: &Path,
    what_if: &WhatIf,
    args: &RunArgs,
    ask: &Ask<'_>,
    format: ReportFormat,
    out: &OutputArgs,
) -> Exit {
    if format == ReportFormat::Html {
        // Said before the search, not after minutes of it.
        eprintln!("error: `solve` has no `--format html` yet: use `text`, `json`, `csv` or `xlsx`");
        return Exit::Usage;
    }
    let mut inputs = vec![scheme_path];
    inputs.extend(args.inputs());
    if let Err(e) = out.check(format, &inputs, &[]) {
        return e;
    }
    let prepared = match prepare(scheme_path, what_if) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let scheme = &prepared.bundle.scheme;
    let currency = &scheme.header.currency;
    let Some(budget) = overrides::money(ask.budget, currency) else {
        eprintln!(
            "error: `--budget {}`: write an amount like 5000000 or 5000000 元",
            ask.budget
        );
        return Exit::Usage;
    };
    let step = match overrides::money(ask.step, currency) {
        Some(m) if m > Money::ZERO => m.minor(),
        _ => {
            eprintln!(
                "error: `--step {}`: write an amount above 0, like 1, 10 or 0.01",
                ask.step
            );
            return Exit::Usage;
        }
    };
    let params = match ask
        .vary
        .iter()
        .map(|p| solve::param(scheme, p.trim()))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(p) if !p.is_empty() => p,
        Ok(_) => {
            eprintln!("error: `--vary` names no parameter");
            return Exit::Usage;
        }
        Err(e) => {
            eprintln!("error: `--vary`: {e}");
            return Exit::Usage;
        }
    };
    let plan = match Plan::new(params, ask.keep_ratios, step) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: `--vary`: {e}");
            return Exit::Usage;
        }
    };
    let population = args.population.display().to_string();
    let searched = plan.search(budget, |ks| {
        let reports = reports(&prepared, &plan, ks, args, &population)?;
        Ok::<Vec<Probe>, Exit>(
            reports
                .iter()
                .map(|(_, r)| r.as_ref().map(|r| r.total))
                .collect(),
        )
    });
    let fit = match searched {
        Ok(Ok(fit)) => fit,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            return Exit::Failed;
        }
        Err(e) => return e,
    };
    // The check: the answer and one step more, in a pass of their own.
    let checked = match reports(&prepared, &plan, &[fit.k, fit.k + 1], args, &population) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let (Some((_, Some(report))), Some((_, next))) = (checked.first(), checked.get(1)) else {
        eprintln!("error: the total at the answer does not fit in an amount");
        return Exit::Failed;
    };
    let next_total = next.as_ref().map(|r| r.total);
    if report.total != fit.total
        || report.total > budget
        || next_total.is_some_and(|t| t != fit.next_total || t <= budget)
    {
        eprintln!(
            "error: the check of the answer failed: {} totals {}, one step more {:?} (a bug in bursar: please report it)",
            plan.describe(&fit.values),
            report.total,
            next_total
        );
        return Exit::Internal;
    }
    let Some(margin) = budget.checked_sub(report.total) else {
        return Exit::Internal;
    };
    let solution = Solution {
        values: values(&plan, &fit.values),
        total: report.total,
        budget,
        margin,
        next: NextStep {
            values: values(&plan, &fit.next_values),
            total: fit.next_total,
        },
        passes: fit.passes,
        report: report.clone(),
    };
    if let Err(e) = emit(format, Document::Solution(&solution), out) {
        return e;
    }
    Exit::Ok
}

/// The reports of the scheme at each `k`, in one pass: `None` for a total
/// too large for an amount. A row the rules could not decide stops the
/// search, since its total would be a guess.
fn reports(
    prepared: &Prepared,
    plan: &Plan,
    ks: &[i64],
    args: &RunArgs,
    population: &str,
) -> Result<Vec<(Scheme, Option<Report>)>, Exit> {
    let schemes: Vec<Scheme> = ks
        .iter()
        .map(|k| plan.apply(&prepared.bundle.scheme, *k))
        .collect::<Result<_, _>>()
        .map_err(|e| {
            eprintln!("error: {e}");
            Exit::Failed
        })?;
    let refs: Vec<&Scheme> = schemes.iter().collect();
    let run_options = options(args, vec![prepared.assumptions.clone(); schemes.len()]);
    let run = run_population(&refs, args, &run_options)?;
    let mut out = Vec::with_capacity(schemes.len());
    for ((scheme, tally), k) in schemes.into_iter().zip(&run.tallies).zip(ks) {
        let values = plan.values(*k).unwrap_or_default();
        let mut source: Source = prepared.source.clone();
        source.bundle_hash = Bundle::new(scheme.clone(), &prepared.bundle.compiler_version).hash;
        source.overrides.extend(
            plan.params
                .iter()
                .zip(&values)
                .map(|(p, v)| format!("{}={}", p.path, p.text(*v))),
        );
        let report = Report::new(
            &scheme,
            &source,
            &Population {
                file: population,
                weight: args.weight.as_deref(),
            },
            tally,
            assumptions_info(&prepared.assumptions),
            &run.skipped,
        )
        .ok();
        if let Some(r) = &report {
            if r.errors > 0 {
                eprintln!(
                    "error: at {}, the rules could not decide {} row(s): {}",
                    plan.describe(&values),
                    r.errors,
                    r.error_rows.first().map_or("", String::as_str)
                );
                return Err(Exit::Failed);
            }
        }
        out.push((scheme, report));
    }
    Ok(out)
}

/// Each parameter's value at `values`, beside its value as given.
fn values(plan: &Plan, values: &[i64]) -> Values {
    let amount = |p: &solve::Param, v: i64| match p.kind {
        solve::Kind::Money => Amount::Money(Money(v)),
        solve::Kind::Places => Amount::Places(v),
    };
    Values(
        plan.params
            .iter()
            .zip(values)
            .map(|(p, v)| Solved {
                path: p.path.clone(),
                value: amount(p, *v),
                was: amount(p, p.base),
            })
            .collect(),
    )
}
