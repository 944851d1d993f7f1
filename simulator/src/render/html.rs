//! The HTML renderer: a report or a comparison as one self-contained page
//! (`crate::html` lays it out). Diffs and solutions have no page yet and
//! say so rather than render something partial.

use super::{Document, Error, Renderer};

/// Renders a document as a page to hand round.
pub struct Html;

impl Renderer for Html {
    fn render(&self, doc: Document<'_>) -> Result<Vec<u8>, Error> {
        match doc {
            Document::Report(r) => Ok(crate::html::report(r).into_bytes()),
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
