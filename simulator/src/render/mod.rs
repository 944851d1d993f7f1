//! Reports rendered: one model, the [`Document`], and one renderer per
//! format, each taking the whole model (as ruff's emitters do). The figures
//! are worked out once, in `crate::report` and `crate::attribution`; a
//! renderer only lays them out, so every format gives the same numbers.
//!
//! A new format is a [`Format`] variant and a module here implementing
//! [`Renderer`]; the matches over [`Document`] in each renderer are total,
//! so a new kind of report does not compile until every format handles it.

pub mod csv;
pub mod html;
pub mod json;
pub mod text;
pub mod xlsx;

use std::collections::BTreeMap;
use std::fmt;

use bursar_runtime::Money;
use chrono::{Datelike, NaiveDate};

use crate::report::{Comparison, DiffReport, Report, Solution};

/// A report of any kind, as every renderer takes it.
#[derive(Clone, Copy, Debug)]
pub enum Document<'a> {
    /// One scheme over a population (`simulate`).
    Report(&'a Report),
    /// Two schemes over one population (`compare`).
    Comparison(&'a Comparison),
    /// What changed between two schemes, with its budget effect and
    /// attribution when a population is given (`diff`).
    Diff(&'a DiffReport),
    /// Amounts fitted to a budget, with the report at the solution (`solve`).
    Solution(&'a Solution),
}

/// The formats a report is rendered in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned text for a terminal.
    Text,
    /// JSON for programs (docs/simulate.md).
    Json,
    /// CSV for spreadsheets.
    Csv,
    /// One self-contained page with charts, to hand round or print.
    Html,
    /// An Excel workbook, one sheet per table.
    Xlsx,
}

/// What a renderer is told besides the report.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// CSV starts with a UTF-8 byte-order mark.
    pub bom: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { bom: true }
    }
}

/// Lays out a whole report in one format.
pub trait Renderer {
    /// The report's bytes in this format.
    fn render(&self, doc: Document<'_>) -> Result<Vec<u8>, Error>;
}

impl Format {
    /// The renderer of this format.
    pub fn renderer(self, options: Options) -> Box<dyn Renderer> {
        match self {
            Format::Text => Box::new(text::Text),
            Format::Json => Box::new(json::Json),
            Format::Csv => Box::new(csv::Csv { bom: options.bom }),
            Format::Html => Box::new(html::Html),
            Format::Xlsx => Box::new(xlsx::Xlsx),
        }
    }
}

/// Renders `doc` in `format`.
pub fn render(format: Format, doc: Document<'_>, options: Options) -> Result<Vec<u8>, Error> {
    format.renderer(options).render(doc)
}

/// Why a report could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// Every month from the first to the last that any of these cash flows
/// pays in (`2023-03`, `2023-04`…), those without payments included, so a
/// chart's axis has no gaps. A month that is not `YYYY-MM` (none is) is
/// kept as it is, in order.
pub fn months(flows: &[&BTreeMap<String, Money>]) -> Vec<String> {
    let named: std::collections::BTreeSet<&String> = flows.iter().flat_map(|f| f.keys()).collect();
    let start = |m: &String| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok();
    let (Some(first), Some(last)) = (
        named.first().and_then(|m| start(m)),
        named.last().and_then(|m| start(m)),
    ) else {
        return named.into_iter().cloned().collect();
    };
    if named.iter().any(|m| start(m).is_none()) {
        return named.into_iter().cloned().collect();
    }
    let mut out = Vec::new();
    let mut month = first;
    while month <= last {
        out.push(format!("{:04}-{:02}", month.year(), month.month()));
        let Some(next) = month.checked_add_months(chrono::Months::new(1)) else {
            break;
        };
        month = next;
    }
    out
}

/// What a cash flow pays in a month: nothing if the month is not in it.
pub fn in_month(flow: &BTreeMap<String, Money>, month: &str) -> Money {
    match flow.get(month) {
        Some(m) => *m,
        None => Money::ZERO,
    }
}
