//! Populations: the arguments that say how to read one, its list files and
//! column mapping, and the one pass that runs schemes over it.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bursar_runtime::ir::Scheme;
use bursar_simulator::assume::Assumptions;
use bursar_simulator::population::{ColumnMap, Reader};
use bursar_simulator::run::{self, OnBadRow, Options};

use crate::Exit;

#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// The population CSV (header names = applicant field names).
    #[arg(long)]
    pub(crate) population: PathBuf,
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

/// The column mapping from `--map` and `--map-file`.
fn column_map(args: &RunArgs) -> Result<ColumnMap, Exit> {
    let mut map = ColumnMap::new();
    if let Some(path) = &args.map_file {
        let text = crate::load::read(path)?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| {
            eprintln!("error: `{}`: {e}", path.display());
            Exit::Failed
        })?;
        for (field, column) in table {
            let Some(column) = column.as_str() else {
                eprintln!(
                    "error: `{}`: the column for `{field}` must be a string",
                    path.display()
                );
                return Err(Exit::Failed);
            };
            map.insert(field, column.to_string());
        }
    }
    for m in &args.maps {
        let Some((field, column)) = m.split_once('=') else {
            eprintln!("error: `--map {m}`: write `--map field=column`");
            return Err(Exit::Usage);
        };
        map.insert(field.trim().to_string(), column.trim().to_string());
    }
    Ok(map)
}

/// A progress bar on stderr for runs longer than a second, only on a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    total: u64,
}

impl Progress {
    fn new(path: &Path) -> Progress {
        let total = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        Progress {
            bar: None,
            started: Instant::now(),
            total,
        }
    }
    fn update(&mut self, bytes: u64) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        if self.bar.is_none() && self.started.elapsed() > Duration::from_secs(1) {
            let bar = indicatif::ProgressBar::new(self.total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ) {
                bar.set_style(style);
            }
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_position(bytes);
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
    let mut map = column_map(args)?;
    let (lists, mut streams) = read_lists(first, args, &mut map)?;
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
    let limit = args.max_record_bytes;
    let mut reader =
        Reader::from_file(schemes, &args.population, file, &map, limit).map_err(|e| {
            eprintln!("error: {e}");
            Exit::Failed
        })?;
    let progress = std::sync::Mutex::new(Progress::new(&args.population));
    let on_progress = |bytes: u64| {
        if let Ok(mut p) = progress.lock() {
            p.update(bytes);
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
    map: &mut ColumnMap,
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
    let mut list_map = ColumnMap::new();
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
        let limit = args.max_record_bytes;
        let read = if args.lists_in_memory {
            lists.read(scheme, name, path, file, &list_map, limit)
        } else {
            streams.add(scheme, name, path, file, &list_map, limit)
        };
        read.map_err(|e| {
            eprintln!("error: {e}");
            Exit::Failed
        })?;
    }
    Ok((lists, streams))
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
        persons: None,
        compared: None,
        draws: None,
    }
}
