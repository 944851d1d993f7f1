//! Reports as JSON for programs (the keys are documented in
//! docs/simulate.md and docs/diff.md, and kept: tools read them).

use serde::Serialize;

use super::{Document, Error, Renderer};
use crate::draws::Ranges;

/// The JSON renderer.
pub struct Json;

impl Renderer for Json {
    fn render(&self, doc: Document<'_>) -> Result<Vec<u8>, Error> {
        let text = match doc {
            Document::Report(r) => match &r.ranges {
                None => pretty(r)?,
                Some(ranges) => {
                    let mut value = serde_json::to_value(r).map_err(failed)?;
                    add_ranges(&mut value, ranges);
                    pretty(&value)?
                }
            },
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

/// Adds the ranges to a report's JSON: `draws`, `total_range`,
/// `total_exact`, `range` and `exact` under each category of
/// `by_category`, `cash_flow_range` and `cash_flow_expected_range`.
fn add_ranges(report: &mut serde_json::Value, ranges: &Ranges) {
    let Some(map) = report.as_object_mut() else {
        return;
    };
    map.insert("draws".into(), ranges.draws.into());
    map.insert("draws_seed".into(), ranges.seed.into());
    map.insert("total_range".into(), json(&ranges.total));
    map.insert("total_exact".into(), json(&ranges.total_exact));
    map.insert("cash_flow_range".into(), json(&ranges.cash_flow));
    map.insert(
        "cash_flow_expected_range".into(),
        json(&ranges.cash_flow_expected),
    );
    if ranges.errors > 0 {
        map.insert("draw_errors".into(), ranges.errors.into());
    }
    if let Some(by) = map.get_mut("by_category").and_then(|b| b.as_object_mut()) {
        for (name, range, exact) in &ranges.categories {
            if let Some(c) = by.get_mut(name).and_then(|c| c.as_object_mut()) {
                c.insert("range".into(), json(range));
                c.insert("exact".into(), json(exact));
            }
        }
    }
}

/// Report data as a JSON value.
fn json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
