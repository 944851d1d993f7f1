//! Populations: the arguments that say how to read one, its list files and
//! column mapping, and the one pass that runs schemes over it.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bursar_runtime::ir::Scheme;
use bursar_simulator::assume::Assumptions;
use bursar_simulator::encoding::Encoding;
use bursar_simulator::population::{ColumnMap, ReadAs, Reader};
use bursar_simulator::run::{self, OnBadRow, Options};
use bursar_simulator::spelling::MapFile;

use crate::Exit;

#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// The population: a CSV file (header names = applicant field names),
    /// a workbook (`.xlsx`), a Parquet file (`.parquet`), or several CSV or
    /// Parquet files read as one, in name order: `'dir/part-*.parquet'`.
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
    /// A survey sample: the column giving how many persons each row stands
    /// for (a whole number, 0 to 1,000,000). Every count and amount is
    /// weighted (docs/simulate.md, "Weighted populations").
    #[arg(long, value_name = "COLUMN")]
    pub(crate) weight: Option<String>,
    /// The files a pattern `--population` names, once listed.
    #[arg(skip)]
    parts: std::sync::OnceLock<Vec<PathBuf>>,
}

impl RunArgs {
    /// The files the run reads besides the scheme: the population, its map
    /// file and its list files (what no output may overwrite).
    pub(crate) fn inputs(&self) -> Vec<&Path> {
        let mut files = vec![self.population.as_path()];
        // The parts of a pattern are inputs too: `-o` must not overwrite one.
        let parts = self
            .parts
            .get_or_init(|| parts(&self.population).ok().flatten().unwrap_or_default());
        files.extend(parts.iter().map(PathBuf::as_path));
        files.extend(self.map_file.as_deref());
        files.extend(
            self.lists
                .iter()
                .filter_map(|l| l.split_once('='))
                .map(|(_, file)| Path::new(file)),
        );
        files
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum BadRow {
    Fail,
    Skip,
}

/// How to read the population: `--map`, `--map-file`, `--encoding`,
/// `--sheet` and `--max-record-bytes`.
fn read_as(args: &RunArgs) -> Result<ReadAs, Exit> {
    let mut how = ReadAs {
        limit: args.max_record_bytes,
        ..ReadAs::default()
    };
    if let Some(path) = &args.map_file {
        let text = crate::load::read(path)?;
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
    how.weight = args.weight.clone();
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

/// A progress bar on stderr for runs longer than a second, only on a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    total: u64,
}

/// The files a pattern names (`dir/part-*.parquet`: a name with `*`, `?`
/// or `[` that is no file), in lexical order, as `ls` lists `part-00000`,
/// `part-00001`, …; `None` if `path` is not a pattern. A pattern that
/// matches no file is an error.
fn parts(path: &Path) -> Result<Option<Vec<PathBuf>>, (Exit, String)> {
    let name = path.to_string_lossy();
    if path.exists() || !name.contains(['*', '?', '[']) {
        return Ok(None);
    }
    let matches = glob::glob(&name)
        .map_err(|e| (Exit::Usage, format!("not a pattern of file names: {e}")))?;
    let mut paths = Vec::new();
    for m in matches {
        match m {
            Ok(p) if p.is_file() => paths.push(p),
            Ok(_) => {}
            Err(e) => return Err((Exit::Io, e.to_string())),
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err((Exit::Io, "the pattern matches no file".to_string()));
    }
    Ok(Some(paths))
}

/// The size of the regular files among `paths` (a pipe's is not known).
fn size(paths: &[PathBuf]) -> u64 {
    paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok().filter(|m| m.is_file()))
        .map(|m| m.len())
        .sum()
}

impl Progress {
    /// Progress through `total` bytes (0: not known).
    fn new(total: u64) -> Progress {
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
    if let Some(column) = &args.weight {
        refuse_weights(schemes, column, options)?;
    }
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
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    how.threads = threads.clamp(1, MAX_THREADS);
    let (mut reader, total) = open_population(schemes, &args.population, &how)?;
    let progress = std::sync::Mutex::new(Progress::new(total));
    let on_progress = |done: bursar_simulator::progress::Progress| {
        if let Ok(mut p) = progress.lock() {
            p.update(done);
        }
    };
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

/// Opens the population at `path`, or the files its pattern matches
/// (`dir/part-*.parquet`: a name with `*`, `?` or `[` that is no file), in
/// name order, as one population; with the bytes to read, for progress.
fn open_population(
    schemes: &[&Scheme],
    path: &Path,
    how: &ReadAs,
) -> Result<(Reader<std::fs::File>, u64), Exit> {
    let name = path.to_string_lossy();
    let failed = |e: bursar_simulator::population::RowError| {
        eprintln!("error: {e}");
        Exit::Failed
    };
    let listed = parts(path).map_err(|(exit, message)| {
        eprintln!("error: `--population {name}`: {message}");
        exit
    })?;
    if let Some(paths) = listed {
        let reader = Reader::from_parts(schemes, &name, &paths, how).map_err(failed)?;
        return Ok((reader, size(&paths)));
    }
    let file = std::fs::File::open(path).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        Exit::Io
    })?;
    let reader = Reader::from_file(schemes, path, file, how).map_err(failed)?;
    Ok((reader, size(&[path.to_path_buf()])))
}

/// What a weighted run cannot give right, refused before it starts: a
/// row that stands for many persons is still one claim, one lottery
/// number, one person row and one draw.
fn refuse_weights(schemes: &[&Scheme], column: &str, options: &Options) -> Result<(), Exit> {
    let refuse = |why: String| {
        eprintln!("error: `--weight {column}`: {why}");
        Err(Exit::Usage)
    };
    if let Some(s) = schemes.iter().find(|s| !s.quotas.is_empty()) {
        return refuse(format!(
            "`{}` has quotas, and a sample's row cannot be given a share of places: allocate over the whole population, without weights",
            s.id
        ));
    }
    if options.persons.is_some() || options.compared.is_some() {
        return refuse(
            "`--persons` writes one row per person, and a weighted row stands for many: run `--persons` without `--weight`"
                .to_string(),
        );
    }
    if options.draws.is_some() {
        return refuse(
            "`--draws` redraws each row's behaviour, and a weighted row would move all its persons at once: the ranges would be too wide; run `--draws` without `--weight`"
                .to_string(),
        );
    }
    Ok(())
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
        // Weights are the population's rows', not its list items'.
        weight: None,
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
            weight: None,
            parts: std::sync::OnceLock::new(),
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
        placements: None,
    }
}
