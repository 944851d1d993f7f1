//! A scheme ready to run: loaded, with a scenario and `--set` overrides
//! applied and checked again.

use std::path::{Path, PathBuf};

use bursar_runtime::Bundle;
use bursar_simulator::assume::Assumptions;
use bursar_simulator::overrides::{self, OverrideError};
use bursar_simulator::report::{AssumptionsInfo, Source};
use bursar_simulator::scenario::Scenario;

use crate::load::load_scheme;
use crate::Exit;

/// What-if settings for one side of a run.
#[derive(clap::Args, Default)]
pub(crate) struct WhatIf {
    /// A scenario: a name looked up in `scenarios/` next to the policy, or a `.toml` path.
    #[arg(long)]
    scenario: Option<String>,
    /// Change the scheme: `--set standard.level1=2500`, `--set vocational.window.end=2023-06-30`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Seed for the behavioural draws (overrides a scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// The share of those eligible for a category who apply, as a
    /// scenario's `take_up` (overrides it): `--take-up vocational=0.8`.
    #[arg(long = "take-up", value_name = "CATEGORY=SHARE")]
    take_up: Vec<String>,
    /// Of those who apply for a category, the share who apply late:
    /// `--late vocational=0.05` (the category needs a take-up share).
    #[arg(long = "late", value_name = "CATEGORY=SHARE")]
    late: Vec<String>,
}

/// A scheme ready to run: overrides applied, rehashed.
pub(crate) struct Prepared {
    pub bundle: Bundle,
    pub source: Source,
    pub assumptions: Option<Assumptions>,
}

/// Loads a scheme (a policy, a bundle, or a scenario `.toml` naming its
/// policy) and applies a scenario and `--set` overrides, in that order.
pub(crate) fn prepare(path: &Path, what_if: &WhatIf) -> Result<Prepared, Exit> {
    let mut scenario = None;
    let scheme_path: PathBuf = if path.extension().is_some_and(|e| e == "toml") {
        let s = read_scenario(path)?;
        let Some(policy) = s.policy.clone() else {
            eprintln!(
                "error: `{}` does not name its `policy`; add `policy = \"../my-policy.bursar\"`",
                path.display()
            );
            return Err(Exit::Failed);
        };
        scenario = Some(s);
        path.parent().unwrap_or(Path::new(".")).join(policy)
    } else {
        path.to_path_buf()
    };
    if let Some(name) = &what_if.scenario {
        scenario = Some(find_scenario(&scheme_path, name)?);
    }
    let shares_given = !what_if.take_up.is_empty() || !what_if.late.is_empty();
    if what_if.seed.is_some() && scenario.is_none() && !shares_given {
        eprintln!("error: `--seed` sets the seed of behavioural draws, and none are asked for; add `--scenario NAME` or `--take-up CATEGORY=SHARE`");
        return Err(Exit::Usage);
    }
    let bundle = load_scheme(&scheme_path)?;
    let mut scheme = bundle.scheme.clone();
    let mut overrides = Vec::new();
    let mut sets: Vec<String> = scenario
        .iter()
        .flat_map(|s| s.set.iter().map(|(p, v)| format!("{p}={v}")))
        .collect();
    sets.extend(what_if.sets.iter().cloned());
    for text in &sets {
        if let Err(e) = overrides::apply_text(&mut scheme, text) {
            eprintln!("error: --set {e}");
            if let OverrideError::UnknownPath { wrong, known, .. } = &e {
                if let Some(help) =
                    bursar_compiler::did_you_mean(wrong, known.iter().map(String::as_str))
                {
                    eprintln!("  help: {help}");
                }
            }
            return Err(Exit::Usage);
        }
        overrides.push(text.clone());
    }
    if let Err(e) = bursar_runtime::validate(&scheme) {
        eprintln!("error: the overrides leave an inconsistent scheme: {e}");
        return Err(Exit::Usage);
    }
    // What the checker proved of lookups and matches, proved again of the
    // changed scheme: a gap is refused before the run.
    let gaps = bursar_compiler::recheck::exhaustiveness(&scheme);
    if !gaps.is_empty() {
        for g in &gaps {
            eprintln!("error: after the overrides, {g}");
        }
        eprintln!("  (the change lets in values the scheme pays nothing for; add rows to the policy, or narrow the change)");
        return Err(Exit::Usage);
    }
    let bundle = if overrides.is_empty() {
        bundle
    } else {
        Bundle::new(scheme, &bundle.compiler_version)
    };
    let mut assumptions = scenario.as_ref().and_then(|s| s.assume.clone());
    if let (Some(a), Some(s)) = (&assumptions, &scenario) {
        // A misspelt category would otherwise keep its people's own dates
        // without a word.
        let categories = || bundle.scheme.categories.iter().map(|c| c.name.as_str());
        if let Some(wrong) = a.take_up.keys().find(|k| !categories().any(|c| c == *k)) {
            eprintln!(
                "error: scenario `{}`: `take_up.{wrong}` names no category of `{}` (categories: {})",
                s.name,
                bundle.scheme.id,
                categories().collect::<Vec<_>>().join(", ")
            );
            if let Some(help) = bursar_compiler::did_you_mean(wrong, categories()) {
                eprintln!("  help: {help}");
            }
            return Err(Exit::Failed);
        }
    }
    if shares_given {
        command_line_shares(
            &bundle.scheme,
            what_if,
            assumptions.get_or_insert_with(Assumptions::default),
        )?;
    }
    if let (Some(a), Some(seed)) = (assumptions.as_mut(), what_if.seed) {
        a.seed = seed;
    }
    let applies = bundle
        .scheme
        .application
        .as_ref()
        .is_some_and(|a| a.received.is_some());
    if let (Some(a), false) = (&assumptions, applies) {
        if !a.take_up.is_empty() {
            // Shares would be reported as assumed while changing nothing.
            eprintln!(
                "error: `{}` pays without an application (no `received` date), so a take-up share has nothing to draw",
                bundle.scheme.id
            );
            return Err(Exit::Usage);
        }
    }
    let source = Source {
        scheme: bundle.scheme.id.clone(),
        bundle_hash: bundle.hash.clone(),
        overrides,
        scenario: scenario.map(|s| s.name),
    };
    Ok(Prepared {
        bundle,
        source,
        assumptions,
    })
}

fn read_scenario(path: &Path) -> Result<Scenario, Exit> {
    let text = crate::load::read(path)?;
    let name = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().to_string());
    Scenario::parse(&name, &text).map_err(|e| {
        eprintln!("error: scenario `{}`: {e}", path.display());
        Exit::Failed
    })
}

fn find_scenario(policy: &Path, name: &str) -> Result<Scenario, Exit> {
    let direct = Path::new(name);
    if direct.extension().is_some_and(|e| e == "toml") {
        return read_scenario(direct);
    }
    let dir = policy.parent().unwrap_or(Path::new(".")).join("scenarios");
    let path = dir.join(format!("{name}.toml"));
    if path.exists() {
        return read_scenario(&path);
    }
    let mut known: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| {
                    e.path()
                        .file_stem()
                        .map(|s| s.to_string_lossy().to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    known.sort();
    eprintln!(
        "error: no scenario `{name}` in `{}` (scenarios there: {})",
        dir.display(),
        if known.is_empty() {
            "none".into()
        } else {
            known.join(", ")
        }
    );
    if let Some(help) = bursar_compiler::did_you_mean(name, known.iter().map(String::as_str)) {
        eprintln!("  help: {help}");
    }
    Err(Exit::Usage)
}

/// Adds `--take-up` and `--late` shares to the assumptions, over a
/// scenario's: each names a category of the scheme, with a share from 0 to
/// 1; a late share needs a take-up share for its category.
fn command_line_shares(
    scheme: &bursar_runtime::ir::Scheme,
    what_if: &WhatIf,
    a: &mut Assumptions,
) -> Result<(), Exit> {
    let categories = || scheme.categories.iter().map(|c| c.name.as_str());
    let parse = |flag: &str, text: &str| -> Result<(String, f64), Exit> {
        let Some((name, share)) = text.split_once('=') else {
            eprintln!("error: `--{flag} {text}`: write `--{flag} CATEGORY=SHARE`, e.g. `--{flag} vocational=0.8`");
            return Err(Exit::Usage);
        };
        let name = name.trim();
        if !categories().any(|c| c == name) {
            eprintln!(
                "error: `--{flag} {text}`: `{name}` is not a category of `{}` (categories: {})",
                scheme.id,
                categories().collect::<Vec<_>>().join(", ")
            );
            if let Some(help) = bursar_compiler::did_you_mean(name, categories()) {
                eprintln!("  help: {help}");
            }
            return Err(Exit::Usage);
        }
        match share.trim().parse::<f64>() {
            Ok(s) if (0.0..=1.0).contains(&s) => Ok((name.to_string(), s)),
            _ => {
                eprintln!("error: `--{flag} {text}`: write a share between 0 and 1, like `0.8`");
                Err(Exit::Usage)
            }
        }
    };
    for text in &what_if.take_up {
        let (name, share) = parse("take-up", text)?;
        a.take_up.insert(name, share);
    }
    for text in &what_if.late {
        let (name, share) = parse("late", text)?;
        if !a.take_up.contains_key(&name) {
            eprintln!("error: `--late {text}`: `{name}` has no take-up share, so its people keep their own application dates; add `--take-up {name}=SHARE`");
            return Err(Exit::Usage);
        }
        a.late.insert(name, share);
    }
    Ok(())
}

pub(crate) fn assumptions_info(a: &Option<Assumptions>) -> Option<AssumptionsInfo> {
    a.as_ref().map(|a| AssumptionsInfo {
        take_up: a.take_up.clone(),
        late_share: a.late_share,
        late_by_category: a.late.clone(),
        timeline_fraction: a.timeline_fraction,
        seed: a.seed,
    })
}
