//! `bursar simulate` and `bursar compare`: files in, reports out.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bursar_runtime::ir::Scheme;
use bursar_runtime::Bundle;
use bursar_simulator::assume::Assumptions;
use bursar_simulator::awards::AwardsOut;
use bursar_simulator::encoding::Encoding;
use bursar_simulator::overrides::{self, OverrideError};
use bursar_simulator::population::{ColumnMap, ReadAs, Reader};
use bursar_simulator::report::{AssumptionsInfo, Comparison, Report, Source};
use bursar_simulator::run::{self, OnBadRow, Options};
use bursar_simulator::scenario::Scenario;
use bursar_simulator::spelling::MapFile;

use crate::cli::{load_scheme, ReportFormat};
use crate::Exit;

#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// The population CSV (header names = applicant field names).
    #[arg(long)]
    population: PathBuf,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = at_least_one)]
    threads: Option<usize>,
    /// What to do with a row that breaks the data contract.
    #[arg(long, value_enum, default_value_t = BadRow::Fail)]
    on_bad_row: BadRow,
    /// Read a field from a differently named column: `--map voc_level=证书等级`.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    maps: Vec<String>,
    /// A TOML file of `field = "column"` lines, for many mappings.
    #[arg(long, value_name = "FILE")]
    map_file: Option<PathBuf>,
    /// The population's text encoding: utf-8 (default), gbk, gb18030
    /// (overrides a map file's `[file] encoding`).
    #[arg(long, value_name = "ENCODING", value_parser = encoding)]
    encoding: Option<Encoding>,
    /// The sheet of a `.xlsx` population to read (default: its first;
    /// overrides a map file's `[file] sheet`).
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
    /// The longest row read, in bytes; a longer one stops the run.
    #[arg(long, value_name = "BYTES", default_value_t = bursar_simulator::population::MAX_RECORD_BYTES)]
    max_record_bytes: usize,
    /// The items of a list field, one row each, keyed by the identifier:
    /// `--list members=members.csv` (docs/simulate.md).
    #[arg(long = "list", value_name = "LIST=FILE")]
    lists: Vec<String>,
    /// Read list files whole before the run, in any order (memory grows
    /// with them), instead of in step with a population in the same order.
    #[arg(long)]
    lists_in_memory: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum BadRow {
    Fail,
    Skip,
}

/// How to read the population: `--map`, `--map-file` and `--max-record-bytes`.
fn read_as(args: &RunArgs) -> Result<ReadAs, Exit> {
    let mut how = ReadAs {
        limit: args.max_record_bytes,
        ..ReadAs::default()
    };
    if let Some(path) = &args.map_file {
        let text = crate::cli::read(path)?;
        let file = MapFile::parse(&text).map_err(|e| {
            eprintln!("error: `{}`: {e}", path.display());
            Exit::Failed
        })?;
        how.columns = file.columns;
        how.spellings = file.spellings;
        how.sheet = file.sheet;
        if let Some(name) = &file.encoding {
            how.encoding = Encoding::named(name).map_err(|e| {
                eprintln!("error: `{}`: `[file]`: {e}", path.display());
                Exit::Failed
            })?;
        }
    }
    if let Some(encoding) = args.encoding {
        how.encoding = encoding;
    }
    if let Some(sheet) = &args.sheet {
        how.sheet = Some(sheet.clone());
    }
    for m in &args.maps {
        let Some((field, column)) = m.split_once('=') else {
            eprintln!("error: `--map {m}`: write `--map field=column`");
            return Err(Exit::Usage);
        };
        how.columns
            .insert(field.trim().to_string(), column.trim().to_string());
    }
    Ok(how)
}

/// `--encoding NAME`.
fn encoding(name: &str) -> Result<Encoding, String> {
    Encoding::named(name)
}

/// A progress bar on stderr for runs longer than a second, only on a
/// terminal; its figures come from `bursar_simulator::progress::line`.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    total: u64,
}

impl Progress {
    fn new(path: &Path) -> Progress {
        let total = std::fs::metadata(path)
            .ok()
            .filter(|m| m.is_file())
            .map_or(0, |m| m.len());
        Progress {
            bar: None,
            started: Instant::now(),
            total,
        }
    }
    fn update(&mut self, done: bursar_simulator::progress::Progress) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        if self.bar.is_none() && self.started.elapsed() > Duration::from_secs(1) {
            let (bar, template) = if self.total > 0 {
                (indicatif::ProgressBar::new(self.total), "{bar:30} {msg}")
            } else {
                (indicatif::ProgressBar::new_spinner(), "{spinner} {msg}")
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_position(done.bytes.min(self.total));
            let elapsed = self.started.elapsed();
            bar.set_message(bursar_simulator::progress::line(elapsed, done, self.total));
        }
    }
    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Runs schemes over the population in one pass.
pub(crate) fn run_population(
    schemes: &[&Scheme],
    args: &RunArgs,
    options: &Options,
) -> Result<run::Run, Exit> {
    let Some(first) = schemes.first() else {
        return Err(Exit::Internal);
    };
    // One pass reads each row once, for every scheme.
    for other in schemes.iter().skip(1) {
        if let Some(difference) = bursar_simulator::compare::input_difference(first, other) {
            eprintln!("error: the two schemes cannot read one population: {difference}");
            eprintln!("  (compare schemes whose applicant records read a row the same way)");
            return Err(Exit::Failed);
        }
    }
    let mut how = read_as(args)?;
    if let (Some(path), Err(e)) = (&args.map_file, how.spellings.check(first)) {
        eprintln!("error: `{}`: {e}", path.display());
        return Err(Exit::Failed);
    }
    let (lists, mut streams) = read_lists(first, args, &mut how)?;
    let with_lists;
    let options = if lists.is_empty() {
        options
    } else {
        with_lists = Options {
            lists: Some(std::sync::Arc::new(lists)),
            ..options.clone()
        };
        &with_lists
    };
    let file = std::fs::File::open(&args.population).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", args.population.display());
        Exit::Io
    })?;
    let mut reader = Reader::from_file(schemes, &args.population, file, &how).map_err(|e| {
        eprintln!("error: {e}");
        Exit::Failed
    })?;
    let progress = std::sync::Mutex::new(Progress::new(&args.population));
    let on_progress = |done: bursar_simulator::progress::Progress| {
        if let Ok(mut p) = progress.lock() {
            p.update(done);
        }
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.clamp(1, MAX_THREADS))
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start {threads} threads: {e}");
            Exit::Internal
        })?;
    let result = pool
        .install(|| run::simulate_with(schemes, &mut reader, &mut streams, options, &on_progress));
    if let Ok(p) = progress.lock() {
        p.finish();
    }
    result.map_err(|e| {
        eprintln!("error: {e}");
        eprintln!("  (rows that break the data contract stop the run; `--on-bad-row skip` counts and skips them instead)");
        Exit::Failed
    })
}

/// Opens every `--list LIST=FILE`, taking the `LIST.FIELD=COLUMN` entries
/// out of `map`: to be read in step with the population, or (with
/// `--lists-in-memory`) read whole now. Every list field of the scheme must
/// have a file.
fn read_lists(
    scheme: &Scheme,
    args: &RunArgs,
    how: &mut ReadAs,
) -> Result<
    (
        bursar_simulator::lists::Lists,
        bursar_simulator::lists::Streams<std::fs::File>,
    ),
    Exit,
> {
    let mut specs: Vec<(String, String)> = Vec::new();
    for l in &args.lists {
        let Some((name, file)) = l.split_once('=') else {
            eprintln!(
                "error: `--list {l}`: write `--list LIST=FILE`, e.g. `--list members=members.csv`"
            );
            return Err(Exit::Usage);
        };
        specs.push((name.trim().to_string(), file.trim().to_string()));
    }
    let missing = bursar_simulator::lists::Lists::missing(scheme, &specs);
    if !missing.is_empty() {
        let how: Vec<String> = missing
            .iter()
            .map(|m| format!("`--list {m}=FILE`"))
            .collect();
        eprintln!(
            "error: the scheme reads {} from list files: give {}",
            missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", "),
            how.join(" ")
        );
        eprintln!("  (a list file has one row per item: the identifier, then the item's fields; docs/simulate.md)");
        return Err(Exit::Usage);
    }
    let mut list_how = ReadAs {
        columns: ColumnMap::new(),
        ..how.clone()
    };
    let list_map = &mut list_how.columns;
    let map = &mut how.columns;
    map.retain(|field, column| match field.split_once('.') {
        Some((list, _)) if specs.iter().any(|(n, _)| n == list) => {
            list_map.insert(field.clone(), column.clone());
            false
        }
        _ => true,
    });
    let mut lists = bursar_simulator::lists::Lists::default();
    let mut streams = bursar_simulator::lists::Streams::new();
    for (name, path) in &specs {
        let file = std::fs::File::open(path).map_err(|e| {
            eprintln!("error: cannot read `{path}`: {e}");
            Exit::Io
        })?;
        let read = if args.lists_in_memory {
            lists.read(scheme, name, path, file, &list_how)
        } else {
            streams.add(scheme, name, path, file, &list_how)
        };
        read.map_err(|e| {
            eprintln!("error: {e}");
            Exit::Failed
        })?;
    }
    Ok((lists, streams))
}

/// A figure too large to give: said, never printed saturated.
pub(crate) fn overflow(e: &bursar_simulator::sum::Overflow) -> Exit {
    eprintln!("error: {e}");
    Exit::Failed
}

/// The most worker threads a run starts (docs/simulate.md): more only
/// cost the time to start them.
pub(crate) const MAX_THREADS: usize = 256;

/// A thread count: 0 would mean no worker at all, so it is refused rather
/// than quietly taken as 1; more than [`MAX_THREADS`] is refused too.
pub(crate) fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("at least 1 thread is needed".to_string()),
        Ok(n) if n > MAX_THREADS => Err(format!("at most {MAX_THREADS} threads are allowed")),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

impl RunArgs {
    /// Defaults for a population given by another command.
    pub(crate) fn for_population(population: &Path, threads: Option<usize>) -> RunArgs {
        RunArgs {
            population: population.to_path_buf(),
            threads,
            on_bad_row: BadRow::Fail,
            maps: Vec::new(),
            map_file: None,
            encoding: None,
            sheet: None,
            max_record_bytes: bursar_simulator::population::MAX_RECORD_BYTES,
            lists: Vec::new(),
            lists_in_memory: false,
        }
    }
}

impl RunArgs {
    /// The same, with `--list` files.
    pub(crate) fn with_lists(mut self, lists: &[String]) -> RunArgs {
        self.lists = lists.to_vec();
        self
    }
}

pub(crate) fn options(args: &RunArgs, assumptions: Vec<Option<Assumptions>>) -> Options {
    Options {
        on_bad_row: match args.on_bad_row {
            BadRow::Fail => OnBadRow::Fail,
            BadRow::Skip => OnBadRow::Skip,
        },
        assumptions,
        lists: None,
        awards: None,
    }
}

/// What-if settings for one side of a run.
#[derive(clap::Args, Default)]
pub(crate) struct WhatIf {
    /// A scenario: a name looked up in `scenarios/` next to the policy, or a `.toml` path.
    #[arg(long)]
    scenario: Option<String>,
    /// Change the scheme: `--set standard.level1=2500`, `--set vocational.window.end=2023-06-30`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Seed for the scenario's behavioural draws (overrides its `seed`).
    #[arg(long)]
    seed: Option<u64>,
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
    if what_if.seed.is_some() && scenario.is_none() {
        eprintln!("error: `--seed` sets the seed of a scenario's behavioural draws, and no scenario is given; add `--scenario NAME`");
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
    if let (Some(a), Some(seed)) = (assumptions.as_mut(), what_if.seed) {
        a.seed = seed;
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
    let text = crate::cli::read(path)?;
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

fn assumptions_info(a: &Option<Assumptions>) -> Option<AssumptionsInfo> {
    a.as_ref().map(|a| AssumptionsInfo {
        take_up: a.take_up.clone(),
        late_share: a.late_share,
        timeline_fraction: a.timeline_fraction,
        seed: a.seed,
    })
}

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
    awards_out: Option<&Path>,
) -> Exit {
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
    let text = match format {
        ReportFormat::Text => report.to_text(),
        ReportFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        ReportFormat::Csv => report.to_csv(),
    };
    if let Err(e) = crate::stdout::print(&text) {
        return e;
    }
    if report.errors > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

pub(crate) fn compare(
    base: &Path,
    reform: &Path,
    reform_what_if: &WhatIf,
    args: &RunArgs,
    format: ReportFormat,
) -> Exit {
    let base = match prepare(base, &WhatIf::default()) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let reform = match prepare(reform, reform_what_if) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let options = options(
        args,
        vec![base.assumptions.clone(), reform.assumptions.clone()],
    );
    let run = match run_population(
        &[&base.bundle.scheme, &reform.bundle.scheme],
        args,
        &options,
    ) {
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
            &population,
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
    let text = match format {
        ReportFormat::Json => serde_json::to_string_pretty(&comparison).unwrap_or_default() + "\n",
        ReportFormat::Text => comparison.to_text(),
        ReportFormat::Csv => comparison.to_csv(),
    };
    if let Err(e) = crate::stdout::print(&text) {
        return e;
    }
    if errors > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    }
}
