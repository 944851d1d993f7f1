//! The commands, one module each. `cli.rs` parses the command line and
//! calls one of them; they read through `crate::load` and print through
//! `crate::stdout`.

pub(crate) mod allocate;
pub(crate) mod batch;
pub(crate) mod check;
pub(crate) mod compare;
pub(crate) mod compile;
pub(crate) mod decide;
pub(crate) mod diff;
pub(crate) mod doc;
pub(crate) mod fmt;
pub(crate) mod ir;
pub(crate) mod keys;
pub(crate) mod replay;
pub(crate) mod serve;
pub(crate) mod simulate;
pub(crate) mod solve;
pub(crate) mod synth;
pub(crate) mod test;

use std::path::Path;

use clap::ValueEnum;

use crate::load::same_file;
use crate::Exit;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    #[default]
    Text,
    Json,
    Csv,
    /// One self-contained page with charts, to hand round or print.
    Html,
}

/// A figure too large to give: said, never printed saturated.
pub(crate) fn overflow(e: &bursar_simulator::sum::Overflow) -> Exit {
    eprintln!("error: {e}");
    Exit::Failed
}

/// Refuses a `-o FILE` that is one of the run's inputs, however spelt: the
/// report would replace the scheme or the population it was made from.
pub(crate) fn refuse_overwrite(output: Option<&Path>, inputs: &[&Path]) -> Result<(), Exit> {
    let Some(out) = output else { return Ok(()) };
    match inputs.iter().find(|input| same_file(input, out)) {
        Some(input) => {
            eprintln!(
                "error: `-o {}` would overwrite an input of the run, `{}`",
                out.display(),
                input.display()
            );
            Err(Exit::Usage)
        }
        None => Ok(()),
    }
}

/// Writes a report to `-o FILE`, or to standard output without one.
pub(crate) fn write_report(text: &str, output: Option<&Path>) -> Result<(), Exit> {
    match output {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            Exit::Io
        }),
        None => crate::stdout::print(text),
    }
}
