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

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use bursar_simulator::render::{self, Document};
use clap::ValueEnum;

use crate::load::{same_file, same_output};
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
    /// An Excel workbook: to `-o FILE`, or standard output redirected to a file.
    Xlsx,
}

impl ReportFormat {
    /// The simulator's renderer for this format.
    fn render(self) -> render::Format {
        match self {
            ReportFormat::Text => render::Format::Text,
            ReportFormat::Json => render::Format::Json,
            ReportFormat::Csv => render::Format::Csv,
            ReportFormat::Html => render::Format::Html,
            ReportFormat::Xlsx => render::Format::Xlsx,
        }
    }
}

/// Where a report goes and how, for every command that writes one.
#[derive(clap::Args, Default)]
pub(crate) struct OutputArgs {
    /// Write the report to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// CSV without the UTF-8 byte-order mark that lets Excel read Chinese
    /// text (for tools that do not expect one).
    #[arg(long)]
    pub no_bom: bool,
}

impl OutputArgs {
    /// Refuses, before any work, a workbook for the terminal, and an
    /// output file (`-o` or one of `others`, `--persons` say) that is one
    /// of the inputs or another output.
    pub(crate) fn check(
        &self,
        format: ReportFormat,
        inputs: &[&Path],
        others: &[(&str, Option<&Path>)],
    ) -> Result<(), Exit> {
        if self.output.is_none() && binary_for_a_terminal(format, std::io::stdout().is_terminal()) {
            eprintln!(
                "error: `--format xlsx` writes a workbook, not text for a terminal: give `-o FILE`, e.g. `-o report.xlsx`, or redirect standard output to a file"
            );
            return Err(Exit::Usage);
        }
        let mut written = vec![("-o", self.output.as_deref())];
        written.extend_from_slice(others);
        refuse_overwrite(&written, inputs)
    }
}

/// Refuses, before any work, an output file (`-o`, `--persons`,
/// `--awards-out`…, given with its flag) that is one of the run's inputs or
/// another of its outputs, however spelt: writing it would destroy the
/// file the run reads, or one output would replace the other.
fn refuse_overwrite(outputs: &[(&str, Option<&Path>)], inputs: &[&Path]) -> Result<(), Exit> {
    let given: Vec<(&str, &Path)> = outputs
        .iter()
        .filter_map(|(flag, path)| path.map(|p| (*flag, p)))
        .collect();
    for (i, (flag, out)) in given.iter().enumerate() {
        if let Some(input) = inputs.iter().find(|input| same_file(input, out)) {
            eprintln!(
                "error: `{flag} {}` would overwrite an input, `{}`",
                out.display(),
                input.display()
            );
            return Err(Exit::Usage);
        }
        if let Some((other, _)) = given.iter().skip(i + 1).find(|(_, o)| same_output(o, out)) {
            eprintln!(
                "error: `{flag} {}` and `{other}` name the same file: each output needs a file of its own",
                out.display()
            );
            return Err(Exit::Usage);
        }
    }
    Ok(())
}

/// Whether a report would go to a terminal that cannot show it: a
/// workbook is binary, and printed it only garbles the screen (curl refuses
/// the same way). Piped or redirected (`> report.xlsx`), it is written as
/// `-o` would write it.
fn binary_for_a_terminal(format: ReportFormat, stdout_is_terminal: bool) -> bool {
    let binary = match format {
        ReportFormat::Xlsx => true,
        ReportFormat::Text | ReportFormat::Json | ReportFormat::Csv | ReportFormat::Html => false,
    };
    binary && stdout_is_terminal
}

/// Renders a report in `format` and writes it to `-o FILE` or standard
/// output: every report of every command goes out through here.
pub(crate) fn emit(format: ReportFormat, doc: Document<'_>, out: &OutputArgs) -> Result<(), Exit> {
    // On stderr as well as in the report: a report written to a file or
    // read by a program must not hide them from the person who ran it.
    for w in warnings(doc) {
        eprintln!("warning: {w}");
    }
    let options = render::Options { bom: !out.no_bom };
    let bytes = render::render(format.render(), doc, options).map_err(|e| {
        eprintln!("error: {e}");
        Exit::Failed
    })?;
    match &out.output {
        Some(path) => std::fs::write(path, &bytes).map_err(|e| {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            Exit::Io
        }),
        None => crate::stdout::write(&bytes),
    }
}

/// What a report warns of, whatever its kind.
fn warnings(doc: Document<'_>) -> &[bursar_simulator::report::Warning] {
    match doc {
        Document::Report(r) => &r.warnings,
        Document::Comparison(c) => &c.warnings,
        Document::Diff(d) => d.budget.as_ref().map_or(&[], |b| &b.comparison.warnings),
        Document::Solution(s) => &s.report.warnings,
    }
}

/// A figure too large to give: said, never printed saturated.
pub(crate) fn overflow(e: &bursar_simulator::sum::Overflow) -> Exit {
    eprintln!("error: {e}");
    Exit::Failed
}

#[cfg(test)]
mod tests {
    use super::{binary_for_a_terminal, ReportFormat};

    #[test]
    fn only_a_workbook_for_a_terminal_is_refused() {
        assert!(binary_for_a_terminal(ReportFormat::Xlsx, true));
        assert!(!binary_for_a_terminal(ReportFormat::Xlsx, false));
        for text in [
            ReportFormat::Text,
            ReportFormat::Json,
            ReportFormat::Csv,
            ReportFormat::Html,
        ] {
            assert!(!binary_for_a_terminal(text, true));
        }
    }
}
