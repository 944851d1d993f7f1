//! The command line: its arguments and which command each runs. The
//! commands themselves are in `crate::commands`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands::decide::ApplicantArgs;
use crate::commands::doc::DocFormat;
use crate::commands::{self, Format, ReportFormat};
use crate::load::population::RunArgs;
use crate::load::scheme::WhatIf;
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
        /// Sign the bundle's hash with this Ed25519 private key (PEM, from
        /// `bursar keygen`).
        #[arg(long, value_name = "KEY")]
        sign: Option<PathBuf>,
    },
    /// Make an Ed25519 key pair for signing bundles: KEY (private) and KEY.pub.
    Keygen {
        /// Where to write the private key; the public key goes beside it, in KEY.pub.
        #[arg(short, long, value_name = "KEY")]
        output: PathBuf,
    },
    /// Check that a bundle is whole and signed by a trusted key.
    Verify {
        bundle: PathBuf,
        /// A trusted public key (PEM, a `.pub` from `bursar keygen`); repeatable.
        #[arg(long, value_name = "PUBKEY", required = true)]
        trust: Vec<PathBuf>,
    },
    /// Serve decisions over HTTP: `POST /v1/decide`, `/v1/explain`, and
    /// decision logs (docs/service.md).
    Serve(commands::serve::ServeArgs),
    /// Re-decide logged decisions with another bundle: what would change,
    /// and whether the log holds (docs/service.md, "Replay").
    Replay(commands::replay::ReplayArgs),
    /// Decide one applicant: eligibility per category, award, application.
    Eval {
        #[command(flatten)]
        input: ApplicantArgs,
        /// `text` (the default) or `json`; with `--applicants`, always JSON
        /// lines.
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Explain one applicant's decision, citing clauses and values.
    Explain {
        #[command(flatten)]
        input: ApplicantArgs,
        /// `text` (the default) or `json`; with `--applicants`, always JSON
        /// lines.
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Run a scheme over a population: cost, counts and cash flow.
    Simulate {
        /// A bundle, a `.bursar` policy compiled on the fly, or a scenario `.toml`.
        scheme: PathBuf,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        what_if: WhatIf,
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
        #[command(flatten)]
        out: commands::OutputArgs,
        /// Write this run's awards in the format of the scheme's award
        /// history, with every applicant's history carried forward: next
        /// year's `--list HISTORY=FILE` (docs/simulate.md).
        #[arg(long, value_name = "FILE")]
        awards_out: Option<PathBuf>,
        /// Write one row per population row: what was decided and why,
        /// and when it is paid (CSV, or xlsx for a `.xlsx` FILE).
        #[arg(long, value_name = "FILE")]
        persons: Option<PathBuf>,
        /// Draw the behavioural assumptions N times (seeds S, S+1…) and
        /// report mean, p5, p50 and p95 of the total, each category and
        /// each month.
        #[arg(long, value_name = "N", value_parser = crate::commands::simulate::draw_count)]
        draws: Option<u32>,
    },
    /// Give each quota's places: every claim on them and what it got, as CSV
    /// (`person_id,pool,outcome,rank`).
    Allocate {
        /// A bundle, a `.bursar` policy compiled on the fly, or a scenario `.toml`.
        scheme: PathBuf,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        what_if: WhatIf,
    },
    /// Compare two schemes over one population in one pass: totals, per
    /// category, winners and losers. `--scenario` and `--set` apply to REFORM.
    Compare {
        /// A policy, bundle or scenario `.toml`.
        base: PathBuf,
        /// A policy, bundle or scenario `.toml`.
        reform: PathBuf,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        what_if: WhatIf,
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
        #[command(flatten)]
        out: commands::OutputArgs,
        /// Write one row per population row, base and reform side by side
        /// with the change, winners and losers first (CSV, or xlsx for a
        /// `.xlsx` FILE).
        #[arg(long, value_name = "FILE")]
        persons: Option<PathBuf>,
    },
    /// The largest amounts (or places) whose total stays within a budget,
    /// checked: one step more would exceed it (docs/simulate.md).
    Solve {
        /// A bundle, a `.bursar` policy compiled on the fly, or a scenario `.toml`.
        scheme: PathBuf,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        what_if: WhatIf,
        /// The budget the total must stay within: `5000000`, `5000000 元`.
        #[arg(long)]
        budget: String,
        /// What to vary, as `--set` paths: `--vary standard.level1,standard.level2`;
        /// amounts, or a quota's places.
        #[arg(long, value_delimiter = ',', required = true)]
        vary: Vec<String>,
        /// Move the parameters in proportion to the first (default: all by
        /// the same amount).
        #[arg(long)]
        keep_ratios: bool,
        /// The step amounts move in: whole yuan unless told (`--step 0.01`,
        /// `--step 100`); places move by 1.
        #[arg(long, default_value = "1")]
        step: String,
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
        #[command(flatten)]
        out: commands::OutputArgs,
    },
    /// What changed between two schemes; with `--population`, what each change
    /// costs; with `--witness`, an applicant each change affects.
    Diff(commands::diff::DiffArgs),
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
        /// The population's file format: `csv`, or `parquet` (columns
        /// typed as the scheme's fields; list files stay CSV).
        #[arg(long, value_enum, default_value_t)]
        format: commands::synth::SynthFormat,
    },
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
        Command::Check { files, format } => commands::check::check(&files, format),
        Command::Ir { file } => commands::ir::ir(&file),
        Command::Compile {
            policy,
            output,
            input_schema,
            sign,
        } => commands::compile::compile_bundle(
            &policy,
            &output,
            input_schema.as_deref(),
            sign.as_deref(),
        ),
        Command::Keygen { output } => commands::keys::keygen(&output),
        Command::Verify { bundle, trust } => commands::keys::verify(&bundle, &trust),
        Command::Serve(args) => commands::serve::serve(args),
        Command::Replay(args) => commands::replay::replay(&args),
        Command::Eval { input, format } => commands::decide::decide(&input, format, false),
        Command::Explain { input, format } => commands::decide::decide(&input, format, true),
        Command::Simulate {
            scheme,
            run,
            what_if,
            format,
            out,
            awards_out,
            persons,
            draws,
        } => commands::simulate::simulate(
            &scheme,
            &what_if,
            &run,
            format,
            &out,
            commands::simulate::Outputs {
                awards: awards_out.as_deref(),
                persons: persons.as_deref(),
                draws,
            },
        ),
        Command::Allocate {
            scheme,
            run,
            what_if,
        } => commands::allocate::allocate(&scheme, &what_if, &run),
        Command::Compare {
            base,
            reform,
            run,
            what_if,
            format,
            out,
            persons,
        } => commands::compare::compare(
            &base,
            &reform,
            &what_if,
            &run,
            format,
            &out,
            persons.as_deref(),
        ),
        Command::Synth {
            rows,
            seed,
            output,
            scheme: Some(scheme),
            lists,
            format,
        } => commands::synth::synth_scheme(&scheme, rows, seed, output.as_deref(), &lists, format),
        Command::Synth {
            rows,
            seed,
            output,
            scheme: None,
            format,
            ..
        } => commands::synth::synth(rows, seed, output.as_deref(), format),
        Command::Solve {
            scheme,
            run,
            what_if,
            budget,
            vary,
            keep_ratios,
            step,
            format,
            out,
        } => commands::solve::solve(
            &scheme,
            &what_if,
            &run,
            &commands::solve::Ask {
                budget: &budget,
                vary: &vary,
                keep_ratios,
                step: &step,
            },
            format,
            &out,
        ),
        Command::Diff(args) => commands::diff::run(&args),
        Command::Test { paths, coverage } => commands::test::run(&paths, coverage),
        Command::Fmt { files, check } => commands::fmt::fmt(&files, check),
        Command::Lsp => crate::lsp::run(),
        Command::Doc {
            scheme,
            format,
            output,
        } => commands::doc::doc(&scheme, format, output.as_deref()),
    }
}
