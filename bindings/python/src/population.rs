//! `bursar.simulate`: a scheme over a population, reported as
//! `bursar simulate --format json` prints it. The CLI's pass lives in the
//! root binary crate (`src/load/population.rs`), so this calls the
//! simulator the same way for the plain case and for how the population is
//! read (`--map`, `--encoding`, `--sheet`): no what-ifs, list files or
//! weights yet; a scheme that needs list files is refused.

use std::path::Path;

use bursar_simulator::encoding::Encoding;
use bursar_simulator::population::{ColumnMap, ReadAs, Reader};
use bursar_simulator::render::{self, Document, Format};
use bursar_simulator::report::{Population, Report, Source};
use bursar_simulator::run::{self, OnBadRow, Options};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::Value;

use crate::errors::SimulationError;

/// How to read the population: `simulate`'s keywords.
pub(crate) struct Reading<'a> {
    pub on_bad_row: &'a str,
    /// Field name → column name (`--map`).
    pub map: ColumnMap,
    pub encoding: Option<&'a str>,
    pub sheet: Option<String>,
}

/// The JSON report, the population decided with the GIL released.
pub(crate) fn report(
    py: Python<'_>,
    policy: &Path,
    population: &Path,
    reading: &Reading<'_>,
) -> PyResult<Value> {
    let on_bad_row = match reading.on_bad_row {
        "fail" => OnBadRow::Fail,
        "skip" => OnBadRow::Skip,
        other => {
            return Err(PyValueError::new_err(format!(
                "on_bad_row is `fail` or `skip`, not `{other}`"
            )))
        }
    };
    let bundle = crate::load::scheme_file(policy)?;
    let scheme = &bundle.scheme;
    let lists = bursar_simulator::lists::Lists::missing(scheme, &[]);
    if !lists.is_empty() {
        return Err(SimulationError::new_err(format!(
            "the scheme reads {} from list files, which `bursar.simulate` does not take yet; run `bursar simulate --list`",
            lists.join(", ")
        )));
    }
    let mut how = ReadAs {
        columns: reading.map.clone(),
        sheet: reading.sheet.clone(),
        ..ReadAs::default()
    };
    if let Some(name) = reading.encoding {
        how.encoding = Encoding::named(name).map_err(PyValueError::new_err)?;
    }
    let file = std::fs::File::open(population)?;
    let mut reader = Reader::from_file(&[scheme], population, file, &how)
        .map_err(|e| SimulationError::new_err(e.to_string()))?;
    let options = Options {
        on_bad_row,
        assumptions: vec![None],
        lists: None,
        awards: None,
        persons: None,
        compared: None,
        draws: None,
        placements: None,
    };
    let run = py
        .detach(|| run::simulate(&[scheme], &mut reader, &options, &|_| {}))
        .map_err(|e| SimulationError::new_err(e.to_string()))?;
    let Some(tally) = run.tallies.first() else {
        return Err(SimulationError::new_err("the run gave no tally"));
    };
    let source = Source {
        scheme: scheme.id.clone(),
        bundle_hash: bundle.hash.clone(),
        overrides: Vec::new(),
        scenario: None,
    };
    let file = population.display().to_string();
    let report = Report::new(
        scheme,
        &source,
        &Population {
            file: &file,
            weight: None,
        },
        tally,
        None,
        &run.skipped,
    )
    .map_err(|e| SimulationError::new_err(e.to_string()))?;
    let bytes = render::render(
        Format::Json,
        Document::Report(&report),
        render::Options::default(),
    )
    .map_err(|e| SimulationError::new_err(e.to_string()))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| SimulationError::new_err(format!("cannot read the report: {e}")))
}
