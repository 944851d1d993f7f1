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
pub(crate) mod simulate;
pub(crate) mod solve;
pub(crate) mod synth;
pub(crate) mod test;

use clap::ValueEnum;

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
}

/// A figure too large to give: said, never printed saturated.
pub(crate) fn overflow(e: &bursar_simulator::sum::Overflow) -> Exit {
    eprintln!("error: {e}");
    Exit::Failed
}
