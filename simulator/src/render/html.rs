//! The HTML renderer: a report or a comparison as one self-contained page
//! (`crate::html` lays it out). Diffs and solutions have no page yet and
//! say so rather than render something partial.

use super::{Document, Error, Renderer};
use crate::draws::Ranges;
use crate::html::CashFlowBand;

/// Renders a document as a page to hand round.
pub struct Html;

impl Renderer for Html {
    fn render(&self, doc: Document<'_>) -> Result<Vec<u8>, Error> {
        match doc {
            Document::Report(r) => {
                let band = r.ranges.as_ref().map(band);
                Ok(crate::html::report_with_band(r, band.as_ref()).into_bytes())
            }
            Document::Comparison(c) => Ok(crate::html::comparison(c).into_bytes()),
            Document::Diff(_) => Err(Error(
                "`diff` has no `--format html` yet: use `text`, `json` or `csv`".into(),
            )),
            Document::Solution(_) => Err(Error(
                "`solve` has no `--format html` yet: use `text`, `json` or `csv`".into(),
            )),
        }
    }
}

/// The band a run's draws put behind the cash flow: p5 to p95 of each
/// month's latest-case payments.
fn band(r: &Ranges) -> CashFlowBand {
    CashFlowBand {
        name: format!("p5–p95 of {} draws", r.draws),
        low: r
            .cash_flow
            .iter()
            .map(|(m, range)| (m.clone(), range.p5))
            .collect(),
        high: r
            .cash_flow
            .iter()
            .map(|(m, range)| (m.clone(), range.p95))
            .collect(),
    }
}
