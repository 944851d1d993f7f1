//! `bursar solve`: the largest amounts (or places) whose total fits a
//! budget, found in a few passes over the population and checked in one
//! more.

use std::path::Path;

use bursar_runtime::ir::Scheme;
use bursar_runtime::{Bundle, Money};
use bursar_simulator::overrides;
use bursar_simulator::report::{Report, Source};
use bursar_simulator::solve::{self, Fit, Plan, Probe};
use serde::Serialize;

use crate::commands::ReportFormat;
use crate::load::population::{options, run_population, RunArgs};
use crate::load::scheme::{assumptions_info, prepare, Prepared, WhatIf};
use crate::Exit;

/// What `solve` was asked.
pub(crate) struct Ask<'a> {
    pub budget: &'a str,
    pub vary: &'a [String],
    pub keep_ratios: bool,
    pub step: &'a str,
}

/// The answer, as JSON: the contract of issue #15 (`values`, `total`,
/// `budget`, `margin`), then the check and the report at the answer.
#[derive(Serialize)]
struct Answer<'r> {
    /// Each parameter's value: an amount as text (`"2500.00"`) or places.
    values: serde_json::Map<String, serde_json::Value>,
    total: Money,
    budget: Money,
    margin: Money,
    /// The values one step further, and their total: over the budget.
    next: Next,
    /// Passes over the population the search took (the check not counted).
    passes: u32,
    report: &'r Report,
}

#[derive(Serialize)]
struct Next {
    values: serde_json::Map<String, serde_json::Value>,
    total: Money,
}

pub(crate) fn solve(
    scheme_path: &Path,
    what_if: &WhatIf,
    args: &RunArgs,
    ask: &Ask<'_>,
    format: ReportFormat,
) -> Exit {
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
    let text = match format {
        ReportFormat::Text => text(&plan, &fit, budget, margin, report),
        ReportFormat::Json => {
            let answer = Answer {
                values: values(&plan, &fit.values),
                total: report.total,
                budget,
                margin,
                next: Next {
                    values: values(&plan, &fit.next_values),
                    total: fit.next_total,
                },
                passes: fit.passes,
                report,
            };
            serde_json::to_string_pretty(&answer).unwrap_or_default() + "\n"
        }
        ReportFormat::Csv => csv(&plan, &fit, budget, margin, report),
    };
    if let Err(e) = crate::stdout::print(&text) {
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
            population,
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

fn values(plan: &Plan, values: &[i64]) -> serde_json::Map<String, serde_json::Value> {
    plan.params
        .iter()
        .zip(values)
        .map(|(p, v)| {
            let value = match p.kind {
                solve::Kind::Money => serde_json::Value::String(p.text(*v)),
                solve::Kind::Places => serde_json::Value::from(*v),
            };
            (p.path.clone(), value)
        })
        .collect()
}

/// The answer in words, then the report at it.
fn text(plan: &Plan, fit: &Fit, budget: Money, margin: Money, report: &Report) -> String {
    let money = |m: Money| bursar_simulator::report::money_text(&report.currency, m);
    let value = |p: &solve::Param, v: i64| match p.kind {
        solve::Kind::Money => money(Money(v)),
        solve::Kind::Places => format!("{v} places"),
    };
    let mut out = String::from("solve\n");
    for (p, v) in plan.params.iter().zip(&fit.values) {
        out.push_str(&format!(
            "  {:<28} {}  (was {})\n",
            p.path,
            value(p, *v),
            value(p, p.base)
        ));
    }
    out.push_str(&format!("  {:<28} {}\n", "total", money(report.total)));
    out.push_str(&format!("  {:<28} {}\n", "budget", money(budget)));
    out.push_str(&format!("  {:<28} {}\n", "margin", money(margin)));
    let next: Vec<String> = plan
        .params
        .iter()
        .zip(&fit.next_values)
        .map(|(p, v)| format!("{} {}", p.path, value(p, *v)))
        .collect();
    out.push_str(&format!(
        "  checked: one step more ({}) would total {}, over the budget\n\n",
        next.join(", "),
        money(fit.next_total)
    ));
    out.push_str(&report.to_text());
    out
}

/// The answer as `solve` rows, then the report's rows, in one long table.
fn csv(plan: &Plan, fit: &Fit, budget: Money, margin: Money, report: &Report) -> String {
    let mut out = String::from("section,name,metric,value\n");
    for (p, v) in plan.params.iter().zip(&fit.values) {
        out.push_str(&format!("solve,{},value,{}\n", p.path, p.text(*v)));
    }
    for (metric, m) in [
        ("total", report.total),
        ("budget", budget),
        ("margin", margin),
        ("next_total", fit.next_total),
    ] {
        out.push_str(&format!("solve,,{metric},{m}\n"));
    }
    out.extend(report.to_csv().lines().skip(1).map(|l| format!("{l}\n")));
    out
}
