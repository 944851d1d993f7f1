//! Subcommands.

use std::path::{Path, PathBuf};

use bursar_compiler::{compile, Compiled, SourceFile};
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
enum Format {
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
    }
}

fn read(path: &Path) -> Result<String, Exit> {
    std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        Exit::Io
    })
}

/// Reads and compiles a policy, printing its diagnostics to stderr.
fn compile_file(path: &Path) -> Result<Compiled, Exit> {
    let text = read(path)?;
    let source = SourceFile::new(path.display().to_string(), text);
    let compiled = compile(&source);
    let colour = output::stderr_is_terminal();
    for d in &compiled.diagnostics {
        eprint!("{}", output::render(d, colour));
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
        let compiled = compile(&source);
        failed |= compiled.has_errors();
        match format {
            Format::Json => json.extend(compiled.diagnostics.iter().map(output::json)),
            Format::Text => {
                let colour = output::stderr_is_terminal();
                for d in &compiled.diagnostics {
                    eprint!("{}", output::render(d, colour));
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
            Ok(s) => println!("{s}"),
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
            Ok(s) => {
                println!("{s}");
                Exit::Ok
            }
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
