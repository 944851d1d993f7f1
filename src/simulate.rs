//! `bursar simulate` and `bursar compare`: files in, reports out.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bursar_runtime::ir::Scheme;
use bursar_simulator::population::{ColumnMap, Reader};
use bursar_simulator::report::{Report, Source};
use bursar_simulator::run::{self, OnBadRow, Options};

use crate::cli::{load_scheme, ReportFormat};
use crate::Exit;

#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// The population CSV (header names = applicant field names).
    #[arg(long)]
    population: PathBuf,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
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
        let text = crate::cli::read(path)?;
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
    let map = column_map(args)?;
    let file = std::fs::File::open(&args.population).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", args.population.display());
        Exit::Io
    })?;
    let name = args.population.display().to_string();
    let mut reader = Reader::new(
        first,
        name,
        std::io::BufReader::with_capacity(1 << 20, file),
        &map,
    )
    .map_err(|e| {
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
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start {threads} threads: {e}");
            Exit::Internal
        })?;
    let result = pool.install(|| run::simulate(schemes, &mut reader, options, &on_progress));
    if let Ok(p) = progress.lock() {
        p.finish();
    }
    result.map_err(|e| {
        eprintln!("error: {e}");
        eprintln!("  (rows that break the data contract stop the run; `--on-bad-row skip` counts and skips them instead)");
        Exit::Failed
    })
}

pub(crate) fn options(args: &RunArgs) -> Options {
    Options {
        on_bad_row: match args.on_bad_row {
            BadRow::Fail => OnBadRow::Fail,
            BadRow::Skip => OnBadRow::Skip,
        },
        assumptions: None,
    }
}

pub(crate) fn simulate(scheme_path: &Path, args: &RunArgs, format: ReportFormat) -> Exit {
    let bundle = match load_scheme(scheme_path) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let options = options(args);
    let run = match run_population(&[&bundle.scheme], args, &options) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let Some(tally) = run.tallies.first() else {
        return Exit::Internal;
    };
    let source = Source {
        scheme: bundle.scheme.id.clone(),
        bundle_hash: bundle.hash.clone(),
        overrides: Vec::new(),
        scenario: None,
    };
    let report = Report::new(
        &bundle.scheme,
        &source,
        &args.population.display().to_string(),
        tally,
        None,
        &run.skipped,
    );
    print_report(&report, format);
    if report.errors > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

fn print_report(report: &Report, format: ReportFormat) {
    match format {
        ReportFormat::Text => print!("{}", report.to_text()),
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        ),
        ReportFormat::Csv => print!("{}", report.to_csv()),
    }
}
