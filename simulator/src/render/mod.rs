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

/// A report's words in the scheme's language (`Citations::language`):
/// Chinese for a Chinese scheme, English otherwise. For the formats people
/// read as they are, the HTML page and the workbook; text, JSON and CSV
/// keep their English names, which scripts read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Words {
    pub(crate) zh: bool,
}

impl Words {
    /// The words of `r`'s scheme.
    pub(crate) fn of(r: &Report) -> Words {
        Words {
            zh: r.citations.language == "zh",
        }
    }

    /// `zh` or `en`, whichever is the report's language.
    pub(crate) fn t(self, zh: &'static str, en: &'static str) -> &'static str {
        if self.zh {
            zh
        } else {
            en
        }
    }

    /// The lines of a note, joined into one sentence.
    pub(crate) fn sentence(self, lines: &[Said]) -> String {
        let parts: Vec<&str> = lines.iter().map(|l| self.t(l.zh, l.en)).collect();
        if self.zh {
            format!("{}。", parts.join("；"))
        } else {
            format!("{}.", parts.join("; "))
        }
    }
}

/// One thing said in both languages.
#[derive(Clone, Copy, Debug)]
pub struct Said {
    pub zh: &'static str,
    pub en: &'static str,
}

/// What the three counts of a category table count, said in the same
/// words under every such table (text, HTML, xlsx). Each is a subset of
/// the one before it (`tally.rs` counts them); applying and places are
/// mentioned only for a scheme that has them.
pub fn category_counts(r: &Report) -> [Said; 3] {
    const QUALIFYING: Said = Said {
        zh: "满足条件：符合该类别全部条件的人数",
        en: "qualifying: met the category's conditions",
    };
    let eligible = if r.applications {
        Said {
            zh: "有资格：满足条件，且资助规则将其归入该类别的人数（未因限额或资助记录排除，也未改按其他类别资助），无论是否申报",
            en: "eligible: qualifying, and given this category by the award rule (not excluded by a limit or the award history, nor paid under another category instead), whether they applied or not",
        }
    } else {
        Said {
            zh: "有资格：满足条件，且资助规则将其归入该类别的人数（未因限额或资助记录排除，也未改按其他类别资助）",
            en: "eligible: qualifying, and given this category by the award rule (not excluded by a limit or the award history, nor paid under another category instead)",
        }
    };
    let paid = match (r.applications, !r.pool_order.is_empty()) {
        (true, true) => Said {
            zh: "获资助：有资格，且在本次测算中获支付的人数（按时申报；有名额限制的，获得名额）",
            en: "paid: eligible, and paid in this run (applied in time and, under a quota, given a place)",
        },
        (true, false) => Said {
            zh: "获资助：有资格，且在本次测算中获支付的人数（按时申报）",
            en: "paid: eligible, and paid in this run (applied in time)",
        },
        (false, true) => Said {
            zh: "获资助：有资格，且在本次测算中获支付的人数（有名额限制的，获得名额）",
            en: "paid: eligible, and paid in this run (under a quota, given a place)",
        },
        (false, false) => Said {
            zh: "获资助：有资格，且在本次测算中获支付的人数",
            en: "paid: eligible, and paid in this run",
        },
    };
    [QUALIFYING, eligible, paid]
}

/// What the latest and the expected case of a cash flow are, in a
/// sentence under the table (HTML, xlsx).
pub(crate) fn cash_flow_cases(w: Words, r: &Report) -> String {
    let fraction = r
        .assumptions
        .as_ref()
        .map_or(crate::assume::EXPECTED_FRACTION, |a| a.timeline_fraction);
    if r.round_order.is_empty() {
        format!(
            "{} {:.0}%{}",
            w.t(
                "最晚情形：每一步用足时限；预期情形：每一步用去时限的",
                "Latest case: every step takes its full limit; expected case: each step takes"
            ),
            fraction * 100.0,
            w.t("。", " of its limit.")
        )
    } else {
        w.t(
            "各轮次在其支付期间支付：最晚情形为最后一天，预期情形为中间一天。",
            "Each round in its payment window: the latest case its last day, the expected case its middle day.",
        )
        .to_string()
    }
}

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
