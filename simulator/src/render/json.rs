//! Reports as JSON for programs (the keys are documented in
//! docs/simulate.md and docs/diff.md, and kept: tools read them).

use serde::Serialize;

use super::{Document, Error, Renderer};

/// The JSON renderer.
pub struct Json;

impl Renderer for Json {
    fn render(&self, doc: Document<'_>) -> Result<Vec<u8>, Error> {
        let text = match doc {
            Document::Report(r) => pretty(r)?,
            Document::Comparison(c) => pretty(c)?,
            // A diff has always been written through a `serde_json::Value`,
            // whose keys are sorted at every level: kept so, byte for byte.
            Document::Diff(d) => pretty(&serde_json::to_value(d).map_err(failed)?)?,
            Document::Solution(s) => pretty(s)?,
        };
        Ok(text.into_bytes())
    }
}

/// Indented JSON and a final newline.
fn pretty(value: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(failed)
}

fn failed(e: serde_json::Error) -> Error {
    Error(format!("cannot write the report as JSON: {e}"))
}
