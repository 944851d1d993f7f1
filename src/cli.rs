//! Subcommands.

use std::path::{Path, PathBuf};

use bursar_compiler::{compile_with, Compiled, Loader, SourceFile};
use bursar_runtime::{evaluate, explain, Applicant, Bundle};
use clap::{Parser, Subcommand, ValueEnum};

use crate::output;
use crate::Exit;

#[derive(Parser)]
#[command(
    name = "bursar",
    version,
    about = "Compile, check and simulate yearly subsidy schemes"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Check policy files and report every problem found.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Print the checked scheme's IR as JSON.
    Ir { file: PathBuf },
    /// Compile a policy into a bundle for other components to evaluate.
    Compile {
        policy: PathBuf,
        /// Where to write the bundle.
        #[arg(short, long)]
        output: PathBuf,
        /// Also write a JSON Schema for one applicant to this file.
        #[arg(long, value_name = "FILE")]
        input_schema: Option<PathBuf>,
    },
    /// Decide one applicant: eligibility per category, award, application.
    Eval {
        #[command(flatten)]
        input: ApplicantArgs,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Explain one applicant's decision, citing clauses and values.
    Explain {
        #[command(flatten)]
        input: ApplicantArgs,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Run a scheme over a population: cost, counts and cash flow.
    Simulate {
        /// A bundle, a `.bursar` policy compiled on the fly, or a scenario `.toml`.
        scheme: PathBuf,
        #[command(flatten)]
        run: crate::simulate::RunArgs,
        #[command(flatten)]
        what_if: crate::simulate::WhatIf,
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
        /// Write this run's awards in the format of the scheme's award
        /// history, with every applicant's history carried forward: next
        /// year's `--list HISTORY=FILE` (docs/simulate.md).
        #[arg(long, value_name = "FILE")]
        awards_out: Option<PathBuf>,
    },
    /// Give each quota's places: every claim on them and what it got, as CSV
    /// (`person_id,pool,outcome,rank`).
    Allocate {
        /// A bundle, a `.bursar` policy compiled on the fly, or a scenario `.toml`.
        scheme: PathBuf,
        #[command(flatten)]
        run: crate::simulate::RunArgs,
        #[command(flatten)]
        what_if: crate::simulate::WhatIf,
    },
    /// Compare two schemes over one population in one pass: totals, per
    /// category, winners and losers. `--scenario` and `--set` apply to REFORM.
    Compare {
        /// A policy, bundle or scenario `.toml`.
        base: PathBuf,
        /// A policy, bundle or scenario `.toml`.
        reform: PathBuf,
        #[command(flatten)]
        run: crate::simulate::RunArgs,
        #[command(flatten)]
        what_if: crate::simulate::WhatIf,
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
    },
    /// What changed between two schemes; with `--population`, what each change
    /// costs; with `--witness`, an applicant each change affects.
    Diff(crate::diff::DiffArgs),
    /// Run policy test cases (`*.tests.toml`): files, folders, or policies
    /// (their sibling `NAME.tests.toml`).
    Test {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Also list each policy's clauses that no passing case covers.
        #[arg(long)]
        coverage: bool,
    },
    /// Render a scheme as a readable document, clause by clause.
    Doc {
        /// A policy or a bundle.
        scheme: PathBuf,
        #[arg(long, value_enum, default_value_t = DocFormat::Markdown)]
        format: DocFormat,
        /// Output file (default: stdout).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Format policy files in place; `--check` lists the files that would change.
    Fmt {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        check: bool,
    },
    /// Run the language server on stdin and stdout (for editors).
    Lsp,
    /// Write a synthetic population for the 2023 scheme (deterministic).
    Synth {
        #[arg(long)]
        rows: u64,
        #[arg(long, default_value_t = 2023)]
        seed: u64,
        /// Output file (default: stdout).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Any scheme (a policy or a bundle) instead of the 2023 one: values
        /// near what its rules test.
        #[arg(long, value_name = "SCHEME")]
        scheme: Option<PathBuf>,
        /// Where to write the items of a list field: `--list members=members.csv`.
        #[arg(long = "list", value_name = "LIST=FILE", requires = "scheme")]
        lists: Vec<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum DocFormat {
    Markdown,
    Html,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    #[default]
    Text,
    Json,
    Csv,
}

/// Which scheme and which applicant.
#[derive(clap::Args)]
struct ApplicantArgs {
    /// A bundle, or a `.bursar` policy compiled on the fly.
    scheme: PathBuf,
    /// The applicant as a JSON object of field values (`-` for stdin).
    #[arg(long, conflicts_with = "csv", required_unless_present = "csv")]
    applicant: Option<PathBuf>,
    /// A population CSV file to take the applicant from.
    #[arg(long, requires = "row_or_id")]
    csv: Option<PathBuf>,
    /// The data row of `--csv` (1 = the first row after the header).
    #[arg(long, group = "row_or_id")]
    row: Option<u64>,
    /// The identifier value of the row in `--csv` (e.g. `E01`).
    #[arg(long, group = "row_or_id")]
    id: Option<String>,
    /// With `--csv`: the items of a list field, one row each, keyed by the
    /// identifier (`--list members=members.csv`).
    #[arg(long = "list", value_name = "LIST=FILE", requires = "csv")]
    lists: Vec<String>,
    /// With `--csv`: its text encoding, utf-8 (default), gbk or gb18030.
    #[arg(long, value_name = "ENCODING", requires = "csv", value_parser = bursar_simulator::encoding::Encoding::named)]
    encoding: Option<bursar_simulator::encoding::Encoding>,
    /// With `--csv FILE.xlsx`: the sheet to read (default: the first).
    #[arg(long, value_name = "NAME", requires = "csv")]
    sheet: Option<String>,
}

/// Runs the command line in `std::env::args`.
pub fn run() -> Exit {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            };
        }
    };
    match cli.command {
        Command::Check { files, format } => check(&files, format),
        Command::Ir { file } => ir(&file),
        Command::Compile {
            policy,
            output,
            input_schema,
        } => compile_bundle(&policy, &output, input_schema.as_deref()),
        Command::Eval { input, format } => decide(&input, format, false),
        Command::Explain { input, format } => decide(&input, format, true),
        Command::Simulate {
            scheme,
            run,
            what_if,
            format,
            awards_out,
        } => crate::simulate::simulate(&scheme, &what_if, &run, format, awards_out.as_deref()),
        Command::Allocate {
            scheme,
            run,
            what_if,
        } => crate::allocate::allocate(&scheme, &what_if, &run),
        Command::Compare {
            base,
            reform,
            run,
            what_if,
            format,
        } => crate::simulate::compare(&base, &reform, &what_if, &run, format),
        Command::Synth {
            rows,
            seed,
            output,
            scheme: Some(scheme),
            lists,
        } => synth_scheme(&scheme, rows, seed, output.as_deref(), &lists),
        Command::Synth {
            rows,
            seed,
            output,
            scheme: None,
            ..
        } => synth(rows, seed, output.as_deref()),
        Command::Diff(args) => crate::diff::run(&args),
        Command::Test { paths, coverage } => crate::policy_test::run(&paths, coverage),
        Command::Fmt { files, check } => fmt(&files, check),
        Command::Lsp => crate::lsp::run(),
        Command::Doc {
            scheme,
            format,
            output,
        } => doc(&scheme, format, output.as_deref()),
    }
}

/// The largest file read whole (a policy, a bundle, a scenario, a map):
/// far more than any of them needs (docs/reliability.md).
pub(crate) const MAX_FILE_BYTES: u64 = 16 << 20;
/// The largest applicant read, as JSON (docs/reliability.md).
const MAX_APPLICANT_BYTES: u64 = 1 << 20;
/// The largest bundle read (docs/reliability.md). A bundle is about 22
/// bytes for each byte of its policy's expressions, so a long policy's
/// bundle can be far larger than the policy; `compile` refuses to write one
/// larger than this, so that whatever it writes is loaded.
pub(crate) const MAX_BUNDLE_BYTES: u64 = 128 << 20;

/// Reads a source to its end, refusing more than `limit` bytes: through
/// `take`, so that `/dev/zero` costs `limit` bytes, not all memory.
fn read_bounded(source: impl std::io::Read, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut source.take(limit.saturating_add(1)), &mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "larger than {limit} bytes, the most read"
        )));
    }
    Ok(bytes)
}

/// Reads a file whole, up to `limit` bytes.
fn read_file(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    read_bounded(std::fs::File::open(path)?, limit)
}

/// Reads a text file whole, up to [`MAX_FILE_BYTES`]; text that is not
/// UTF-8 is refused at its first bad byte (`crate::text`).
fn read_text(path: &Path) -> Result<String, String> {
    let name = path.display().to_string();
    let bytes = read_file(path, MAX_FILE_BYTES).map_err(|e| format!("{name}: {e}"))?;
    crate::text::decode(bytes).map_err(|e| match e.help(&name) {
        Some(help) => format!("{name}: {e}; {help}"),
        None => format!("{name}: {e}"),
    })
}

pub(crate) fn read(path: &Path) -> Result<String, Exit> {
    let bytes = read_file(path, MAX_FILE_BYTES).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        Exit::Io
    })?;
    crate::text::decode(bytes).map_err(|e| {
        let name = path.display().to_string();
        eprintln!("error: cannot read `{name}`: {e}");
        if let Some(help) = e.help(&name) {
            eprintln!("  help: {help}");
        }
        Exit::Io
    })
}

/// Reads a policy that another extends: a regular file only, since a FIFO
/// or a device could block or never end.
pub(crate) fn read_parent(full: &Path) -> Result<String, String> {
    let regular = std::fs::metadata(full).map_err(|e| format!("{}: {e}", full.display()))?;
    if !regular.is_file() {
        return Err(format!("{}: not a regular file", full.display()));
    }
    read_text(full)
}

/// The canonical path of a policy, for finding `extends` cycles however
/// their paths are spelt; the name itself if it has none.
pub(crate) fn canonical_key(name: &str) -> String {
    std::fs::canonicalize(name).map_or_else(|_| name.to_string(), |p| p.display().to_string())
}

/// Reads the policies a policy extends from the file system, relative to
/// the folder of the file that names them.
pub(crate) struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, from: &str, path: &str) -> Result<(String, String), String> {
        let full = Path::new(from).parent().unwrap_or(Path::new("")).join(path);
        let text = read_parent(&full)?;
        Ok((full.display().to_string(), text))
    }

    fn key(&self, name: &str) -> String {
        canonical_key(name)
    }
}

/// Reads and compiles a policy, printing its diagnostics to stderr.
fn compile_file(path: &Path) -> Result<Compiled, Exit> {
    let text = read(path)?;
    let source = SourceFile::new(path.display().to_string(), text);
    let compiled = compile_with(&source, &FsLoader);
    let colour = output::stderr_is_terminal();
    for d in &compiled.diagnostics {
        eprint!("{}", d.render(colour));
    }
    Ok(compiled)
}

fn check(files: &[PathBuf], format: Format) -> Exit {
    let mut failed = false;
    let mut json = Vec::new();
    for path in files {
        let text = match read(path) {
            Ok(t) => t,
            Err(e) => return e,
        };
        let source = SourceFile::new(path.display().to_string(), text);
        let compiled = compile_with(&source, &FsLoader);
        failed |= compiled.has_errors();
        match format {
            Format::Json => json.extend(compiled.diagnostics.iter().map(output::json)),
            Format::Text => {
                let colour = output::stderr_is_terminal();
                for d in &compiled.diagnostics {
                    eprint!("{}", d.render(colour));
                }
                let errors = compiled.diagnostics.iter().filter(|d| d.is_error()).count();
                let warnings = compiled.diagnostics.len() - errors;
                if errors == 0 {
                    eprintln!("{}: ok ({})", path.display(), plural(warnings, "warning"));
                } else {
                    eprintln!(
                        "{}: {}, {}",
                        path.display(),
                        plural(errors, "error"),
                        plural(warnings, "warning")
                    );
                }
            }
        }
    }
    if format == Format::Json {
        match serde_json::to_string_pretty(&json) {
            Ok(s) => {
                if let Err(e) = crate::stdout::print(&(s + "\n")) {
                    return e;
                }
            }
            Err(_) => return Exit::Internal,
        }
    }
    if failed {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

fn ir(path: &Path) -> Exit {
    let compiled = match compile_file(path) {
        Ok(c) => c,
        Err(e) => return e,
    };
    match compiled.scheme {
        Some(scheme) => match serde_json::to_string_pretty(&scheme) {
            Ok(s) => match crate::stdout::print(&(s + "\n")) {
                Ok(()) => Exit::Ok,
                Err(e) => e,
            },
            Err(_) => Exit::Internal,
        },
        None => Exit::Failed,
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn write(path: &Path, text: &str) -> Result<(), Exit> {
    std::fs::write(path, text).map_err(|e| {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        Exit::Io
    })
}

/// Whether writing `output` would overwrite `source`, however either is
/// spelt (`a/../p.bursar`, a symbolic link). `output` need not exist.
fn same_file(source: &Path, output: &Path) -> bool {
    let Ok(source) = std::fs::canonicalize(source) else {
        return false;
    };
    if let Ok(output) = std::fs::canonicalize(output) {
        return output == source;
    }
    let folder = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(folder), output.file_name()) {
        (Ok(folder), Some(name)) => folder.join(name) == source,
        _ => false,
    }
}

fn compile_bundle(policy: &Path, output: &Path, schema: Option<&Path>) -> Exit {
    for (path, what) in std::iter::once((output, "-o")).chain(schema.map(|s| (s, "--input-schema")))
    {
        if same_file(policy, path) {
            eprintln!(
                "error: `{what} {}` would overwrite its own source, `{}`",
                path.display(),
                policy.display()
            );
            return Exit::Usage;
        }
    }
    let compiled = match compile_file(policy) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let Some(scheme) = compiled.scheme else {
        return Exit::Failed;
    };
    if let Some(path) = schema {
        let json = bursar_compiler::input_schema(&scheme);
        let text = serde_json::to_string_pretty(&json).unwrap_or_default() + "\n";
        if let Err(e) = write(path, &text) {
            return e;
        }
    }
    let bundle = bursar_compiler::bundle(scheme);
    let json = bundle.to_json();
    if json.len() as u64 > MAX_BUNDLE_BYTES {
        eprintln!(
            "error: the bundle of `{}` would be {} bytes, more than the {MAX_BUNDLE_BYTES} a bundle is read up to; nothing written",
            policy.display(),
            json.len()
        );
        return Exit::Failed;
    }
    if let Err(e) = write(output, &json) {
        return e;
    }
    eprintln!("wrote {} ({})", output.display(), bundle.hash);
    Exit::Ok
}

/// Loads a bundle, or compiles a `.bursar` policy into one.
pub(crate) fn load_scheme(path: &Path) -> Result<Bundle, Exit> {
    if path.extension().is_some_and(|e| e == "bursar") {
        let compiled = compile_file(path)?;
        return compiled
            .scheme
            .map(bursar_compiler::bundle)
            .ok_or(Exit::Failed);
    }
    let bytes = read_file(path, MAX_BUNDLE_BYTES).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        Exit::Io
    })?;
    Bundle::from_slice(&bytes).map_err(|e| {
        eprintln!("error: `{}`: {e}", path.display());
        Exit::Failed
    })
}

/// Why no applicant could be decided: every problem, said once, in the
/// output's format (`eval --format json` reports them as JSON too).
struct Refusal {
    exit: Exit,
    problems: Vec<InputProblem>,
}

/// One problem with the applicant given.
#[derive(serde::Serialize)]
struct InputProblem {
    /// The applicant field concerned, if one.
    field: Option<String>,
    /// Where in the applicant JSON (RFC 6901), if it came from JSON.
    pointer: Option<String>,
    message: String,
}

impl Refusal {
    fn one(exit: Exit, message: String) -> Refusal {
        Refusal {
            exit,
            problems: vec![InputProblem {
                field: None,
                pointer: None,
                message,
            }],
        }
    }

    /// Says the problems (on stdout as JSON for `--format json`, on stderr
    /// otherwise) and gives the exit code.
    fn report(self, format: Format) -> Exit {
        match format {
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "errors": self.problems }))
                    .unwrap_or_default()
            ),
            Format::Text => {
                for p in &self.problems {
                    eprintln!("error: {}", p.message);
                }
            }
        }
        self.exit
    }
}

fn read_applicant(bundle: &Bundle, args: &ApplicantArgs) -> Result<Applicant, Refusal> {
    let scheme = &bundle.scheme;
    if let Some(path) = &args.applicant {
        let text = if path.as_os_str() == "-" {
            read_bounded(std::io::stdin().lock(), MAX_APPLICANT_BYTES)
        } else {
            read_file(path, MAX_APPLICANT_BYTES)
        }
        .map_err(|e| Refusal::one(Exit::Io, format!("cannot read `{}`: {e}", path.display())))?;
        let json = bursar_runtime::parse_json(&text).map_err(|e| {
            Refusal::one(Exit::Failed, format!("`{}`: not JSON: {e}", path.display()))
        })?;
        return Applicant::from_json(scheme, &json).map_err(|errors| Refusal {
            exit: Exit::Failed,
            problems: errors
                .iter()
                .map(|e| InputProblem {
                    field: (!e.field.is_empty()).then(|| e.field.clone()),
                    pointer: Some(e.pointer()),
                    message: format!("`{}`: {e}", path.display()),
                })
                .collect(),
        });
    }
    let Some(path) = &args.csv else {
        return Err(Refusal::one(
            Exit::Usage,
            "give `--applicant` or `--csv`".into(),
        ));
    };
    let file = std::fs::File::open(path)
        .map_err(|e| Refusal::one(Exit::Io, format!("cannot read `{}`: {e}", path.display())))?;
    let mut population =
        bursar_simulator::population::Reader::from_file(&[scheme], path, file, &read_as(args))
            .map(bursar_simulator::population::Reader::keep_text)
            .map_err(|e| Refusal::one(Exit::Failed, e.to_string()))?;
    let id_field = scheme.application.as_ref().and_then(|a| a.identifier);
    if args.row == Some(0) {
        return Err(Refusal::one(
            Exit::Usage,
            "`--row` counts from 1, the first row after the header".into(),
        ));
    }
    if args.row.is_none() && args.id.is_some() && id_field.is_none() {
        return Err(Refusal::one(Exit::Usage, format!(
            "`--id` needs an identifier field, and `{}` names none (`identifier FIELD` in its application block); use `--row N`",
            scheme.id
        )));
    }
    let mut applicant = Applicant::empty(scheme);
    let mut found: Option<(Applicant, u64)> = None;
    let mut n = 0u64;
    loop {
        match population.next_into(scheme, &mut applicant) {
            Ok(None) => break,
            Ok(Some(_)) => {
                n += 1;
                let hit = match (&args.row, &args.id) {
                    (Some(row), _) => *row == n,
                    (None, Some(id)) => id_field.and_then(|f| applicant.get(f)).is_some_and(
                        |v| matches!(v, bursar_runtime::ir::Value::Text(t) if t == id),
                    ),
                    (None, None) => false,
                };
                match (hit, &found, &args.id) {
                    (false, _, _) => {}
                    // An identifier must name one row: read on to be sure.
                    (true, None, _) if args.row.is_none() => {
                        found = Some((applicant.clone(), n));
                    }
                    (true, None, _) => return with_lists(scheme, args, applicant),
                    (true, Some((_, first)), id) => {
                        return Err(Refusal::one(Exit::Failed, format!(
                            "`{}`: rows {first} and {n} both have the identifier `{}`; a person is listed once (pick one with `--row N`)",
                            path.display(),
                            id.as_deref().unwrap_or_default()
                        )));
                    }
                }
            }
            Err(e) => return Err(Refusal::one(Exit::Failed, e.to_string())),
        }
    }
    if let Some((applicant, _)) = found {
        return with_lists(scheme, args, applicant);
    }
    let message = match (&args.row, &args.id) {
        (Some(row), _) => format!("`{}` has {n} data rows, not {row}", path.display()),
        (None, Some(id)) => format!("no row of `{}` has the identifier `{id}`", path.display()),
        (None, None) => "give `--row N` or `--id ID`".to_string(),
    };
    Err(Refusal::one(Exit::Failed, message))
}

fn decide(args: &ApplicantArgs, format: Format, full: bool) -> Exit {
    let bundle = match load_scheme(&args.scheme) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let applicant = match read_applicant(&bundle, args) {
        Ok(a) => a,
        Err(refusal) => return refusal.report(format),
    };
    let scheme = &bundle.scheme;
    let decision = evaluate(scheme, &applicant);
    let explanation = explain(scheme, &applicant, &decision);
    let text = match (format, full) {
        (Format::Json, true) => serde_json::to_string_pretty(&explanation).unwrap_or_default(),
        (Format::Json, false) => serde_json::to_string_pretty(&crate::output::decision_json(
            scheme,
            &decision,
            &explanation,
        ))
        .unwrap_or_default(),
        (Format::Text, true) => explanation.to_text(),
        (Format::Text, false) => crate::output::decision_text(&explanation),
    };
    if let Err(e) = crate::stdout::print(&format!("{}\n", text.trim_end())) {
        return e;
    }
    if decision.outcome == bursar_runtime::Outcome::Error {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

fn synth(rows: u64, seed: u64, output: Option<&Path>) -> Exit {
    let result = match output {
        Some(path) => std::fs::File::create(path).and_then(|f| {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            bursar_simulator::synth::write_population(&mut w, rows, seed)?;
            std::io::Write::flush(&mut w)
        }),
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            bursar_simulator::synth::write_population(&mut w, rows, seed)
                .and_then(|_| std::io::Write::flush(&mut w))
        }
    };
    match result {
        Ok(()) => Exit::Ok,
        Err(e) => match output {
            Some(p) => {
                eprintln!(
                    "error: cannot write the population to `{}`: {e}",
                    p.display()
                );
                Exit::Io
            }
            None => crate::stdout::failed(e).map_or_else(|e| e, |()| Exit::Ok),
        },
    }
}

/// How `--csv` and its list files are read: the spellings on by default,
/// in `--encoding`.
fn read_as(args: &ApplicantArgs) -> bursar_simulator::population::ReadAs {
    bursar_simulator::population::ReadAs {
        encoding: args.encoding.unwrap_or_default(),
        sheet: args.sheet.clone(),
        ..Default::default()
    }
}

/// An applicant read from a population row, with the items of its lists
/// read from `--list` files (whole: one applicant is wanted).
fn with_lists(
    scheme: &bursar_runtime::ir::Scheme,
    args: &ApplicantArgs,
    mut applicant: Applicant,
) -> Result<Applicant, Refusal> {
    use bursar_simulator::lists::Lists;
    let mut specs: Vec<(String, String)> = Vec::new();
    for l in &args.lists {
        let Some((name, file)) = l.split_once('=') else {
            return Err(Refusal::one(
                Exit::Usage,
                format!("`--list {l}`: write `--list LIST=FILE`"),
            ));
        };
        specs.push((name.trim().to_string(), file.trim().to_string()));
    }
    let missing = Lists::missing(scheme, &specs);
    if let Some(m) = missing.first() {
        return Err(Refusal::one(
            Exit::Usage,
            format!("the scheme reads `{m}` from a list file: give `--list {m}=FILE`"),
        ));
    }
    let mut lists = Lists::default();
    for (name, path) in &specs {
        let file = std::fs::File::open(path)
            .map_err(|e| Refusal::one(Exit::Io, format!("cannot read `{path}`: {e}")))?;
        lists
            .read(scheme, name, path, file, &read_as(args))
            .map_err(|e| Refusal::one(Exit::Failed, e.to_string()))?;
    }
    let id = scheme
        .application
        .as_ref()
        .and_then(|a| a.identifier)
        .and_then(|f| applicant.get(f))
        .and_then(|v| match v {
            bursar_runtime::ir::Value::Text(t) => Some(t.clone().into_bytes()),
            bursar_runtime::ir::Value::Bool(..)
            | bursar_runtime::ir::Value::Int(..)
            | bursar_runtime::ir::Value::Money(..)
            | bursar_runtime::ir::Value::Date(..)
            | bursar_runtime::ir::Value::DateTime(..)
            | bursar_runtime::ir::Value::Enum { .. }
            | bursar_runtime::ir::Value::Duration(..)
            | bursar_runtime::ir::Value::Decimal(..)
            | bursar_runtime::ir::Value::List(..) => None,
        });
    lists.attach(id.as_deref(), &mut applicant);
    Ok(applicant)
}

/// `synth --scheme`: a population (and list files) for any scheme.
fn synth_scheme(
    path: &Path,
    rows: u64,
    seed: u64,
    output: Option<&Path>,
    lists: &[String],
) -> Exit {
    let scheme = match load_scheme(path) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let scheme = scheme.scheme;
    let wanted = bursar_simulator::synth_scheme::list_fields(&scheme);
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for l in lists {
        let Some((name, file)) = l.split_once('=') else {
            eprintln!("error: `--list {l}`: write `--list LIST=FILE`");
            return Exit::Usage;
        };
        files.push((name.trim().to_string(), PathBuf::from(file.trim())));
    }
    let Some(output) = output else {
        eprintln!("error: `synth --scheme` writes files: give `-o FILE`");
        return Exit::Usage;
    };
    let mut writers = Vec::new();
    for (_, name, _) in &wanted {
        let Some((_, file)) = files.iter().find(|(n, _)| n == name) else {
            eprintln!("error: the scheme has a list `{name}`: say where its items go with `--list {name}=FILE`");
            return Exit::Usage;
        };
        match std::fs::File::create(file) {
            Ok(f) => writers.push((file.clone(), std::io::BufWriter::with_capacity(1 << 20, f))),
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", file.display());
                return Exit::Io;
            }
        }
    }
    if let Some((name, _)) = files
        .iter()
        .find(|(n, _)| !wanted.iter().any(|(_, w, _)| w == n))
    {
        eprintln!("error: `--list {name}=…`: the scheme has no list `{name}`");
        return Exit::Usage;
    }
    let result = std::fs::File::create(output).and_then(|f| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        let mut list_writers: Vec<&mut dyn std::io::Write> = writers
            .iter_mut()
            .map(|(_, w)| w as &mut dyn std::io::Write)
            .collect();
        bursar_simulator::synth_scheme::write(&scheme, &mut w, &mut list_writers, rows, seed)?;
        std::io::Write::flush(&mut w)?;
        for (_, w) in &mut writers {
            std::io::Write::flush(w)?;
        }
        Ok(())
    });
    match result {
        Ok(()) => Exit::Ok,
        Err(e) => {
            eprintln!("error: cannot write the population: {e}");
            Exit::Io
        }
    }
}

fn doc(path: &Path, format: DocFormat, output: Option<&Path>) -> Exit {
    if let Some(out) = output.filter(|out| same_file(path, out)) {
        eprintln!(
            "error: `-o {}` would overwrite its own source, `{}`",
            out.display(),
            path.display()
        );
        return Exit::Usage;
    }
    let bundle = match load_scheme(path) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let markdown = bursar_compiler::doc::markdown(&bundle.scheme);
    let text = match format {
        DocFormat::Markdown => markdown,
        DocFormat::Html => {
            let mut body = String::new();
            let parser =
                pulldown_cmark::Parser::new_ext(&markdown, pulldown_cmark::Options::ENABLE_TABLES);
            pulldown_cmark::html::push_html(&mut body, parser);
            let title = bundle
                .scheme
                .header
                .title
                .clone()
                .unwrap_or_else(|| bundle.scheme.id.clone());
            let title = title.replace('&', "&amp;").replace('<', "&lt;");
            let lang = bursar_compiler::doc::language(&bundle.scheme);
            format!(
                "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
            )
        }
    };
    match output {
        Some(p) => match write(p, &text) {
            Ok(()) => Exit::Ok,
            Err(e) => e,
        },
        None => match crate::stdout::print(&text) {
            Ok(()) => Exit::Ok,
            Err(e) => e,
        },
    }
}

/// The standalone page's style: readable on screen and on paper.
const STYLE: &str = "body { font-family: system-ui, 'Noto Sans CJK SC', 'PingFang SC', sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; color: #222; }
h1 { font-size: 1.6rem; } h2 { border-bottom: 1px solid #ccc; margin-top: 2rem; } h3 { margin-top: 1.5rem; }
blockquote { margin: 0.5rem 0 1rem; padding: 0.3rem 1rem; border-left: 4px solid #b22; background: #faf6f6; color: #444; }
code { background: #f3f3f3; padding: 0 0.2rem; border-radius: 3px; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; } td, th { border: 1px solid #ccc; padding: 0.3rem 0.6rem; } th { background: #f3f3f3; }
@media print { body { margin: 0; } blockquote { background: none; } }
";

fn fmt(files: &[PathBuf], check: bool) -> Exit {
    let mut changed = Vec::new();
    for path in files {
        let text = match read(path) {
            Ok(t) => t,
            Err(e) => return e,
        };
        let Some(formatted) = bursar_compiler::fmt::format(&text) else {
            eprintln!(
                "error: `{}` does not parse; run `bursar check` on it first",
                path.display()
            );
            return Exit::Failed;
        };
        if formatted == text {
            continue;
        }
        changed.push(path.display().to_string());
        if !check {
            if let Err(e) = write(path, &formatted) {
                return e;
            }
        }
    }
    if check {
        let list: String = changed
            .iter()
            .map(|c| format!("would reformat {c}\n"))
            .collect();
        if let Err(e) = crate::stdout::print(&list) {
            return e;
        }
        if changed.is_empty() {
            Exit::Ok
        } else {
            Exit::Failed
        }
    } else {
        for c in &changed {
            eprintln!("formatted {c}");
        }
        Exit::Ok
    }
}
