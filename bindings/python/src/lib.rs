//! The runtime for Python, through PyO3: the native module `bursar._native`
//! that `python/bursar/__init__.py` re-exports. A scheme is loaded once
//! (a bundle, or a policy compiled here), then applicants are decided and
//! explained by `bursar_runtime`, nothing else; a population is simulated
//! by `bursar_simulator` exactly as `bursar simulate` does.
//!
//! This layer only converts: Python values to the JSON an applicant is read
//! from (`convert.rs`), the runtime's answers back to Python objects
//! (`answer.rs`), Arrow tables to decisions and back (`batch.rs`), refusals to exceptions (`errors.rs`), files to schemes
//! (`load.rs`), and a population run to its JSON report (`population.rs`).

mod answer;
mod batch;
mod convert;
mod errors;
mod load;
mod population;

use std::path::PathBuf;

use bursar_runtime::{evaluate, explain, Applicant};
use pyo3::prelude::*;
use pyo3::types::PyAny;

use crate::errors::{input_error, BundleError, InputError, SimulationError};

/// A scheme loaded once and checked whole (format, hash, references):
/// decides and explains applicants.
#[pyclass(frozen, module = "bursar")]
struct Bundle {
    bundle: bursar_runtime::Bundle,
}

#[pymethods]
impl Bundle {
    /// Reads a bundle written by `bursar compile`; a tampered, truncated or
    /// newer one raises `BundleError`.
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Bundle> {
        load::bundle_file(&path).map(|bundle| Bundle { bundle })
    }

    /// Compiles a `.bursar` policy (and the policies it extends); a policy
    /// with errors raises `BundleError` carrying every diagnostic.
    #[staticmethod]
    fn from_policy(path: PathBuf) -> PyResult<Bundle> {
        load::policy_file(&path).map(|bundle| Bundle { bundle })
    }

    /// The scheme's identifier (`beijing_career_boost_2023`).
    #[getter]
    fn id(&self) -> &str {
        &self.bundle.scheme.id
    }

    /// `sha256:` and the digest of the scheme: which rules decided.
    #[getter]
    fn hash(&self) -> &str {
        &self.bundle.hash
    }

    /// The field that names a person (`person_id`), or `None` for a scheme
    /// whose applicants are not named: the `id` of `decide_batch`'s rows.
    #[getter]
    fn identifier(&self) -> Option<&str> {
        let scheme = &self.bundle.scheme;
        scheme
            .application
            .as_ref()
            .and_then(|a| a.identifier)
            .and_then(|f| scheme.applicant.get(f as usize))
            .map(|f| f.name.as_str())
    }

    /// The JSON Schema of one applicant, as `bursar compile --input-schema`
    /// writes it.
    fn input_schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        answer::plain(py, &bursar_runtime::input_schema(&self.bundle.scheme))
    }

    /// The decision for one applicant, as `bursar eval --format json` gives
    /// it, with money as `decimal.Decimal` and dates as `datetime.date`.
    fn decide<'py>(&self, applicant: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = applicant.py();
        let (decision, explanation) = self.answer(applicant)?;
        let json = bursar_runtime::decision_json(&self.bundle.scheme, &decision, &explanation);
        answer::decision(py, &json)
    }

    /// The full explanation for one applicant, as `bursar explain --format
    /// json` gives it: every condition, clause and value, in words.
    fn explain<'py>(&self, applicant: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = applicant.py();
        let (_, explanation) = self.answer(applicant)?;
        let json = serde_json::to_value(&explanation).map_err(|e| {
            pyo3::exceptions::PyRuntimeError::new_err(format!("cannot write the explanation: {e}"))
        })?;
        answer::plain(py, &json)
    }

    /// Every row of an Arrow table (`pyarrow.Table` or `RecordBatch`, a
    /// pandas or polars DataFrame) decided, with the GIL released: a
    /// `pyarrow.Table` of `id`, `outcome`, `category`, `amount` (decimal) and
    /// `reason`, one row per row in order; a refused row has the outcome
    /// `skipped` and every problem as its reason.
    fn decide_batch<'py>(&self, table: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        batch::decide_batch(&self.bundle.scheme, table)
    }

    fn __repr__(&self) -> String {
        format!(
            "<bursar.Bundle {} {}>",
            self.bundle.scheme.id, self.bundle.hash
        )
    }
}

impl Bundle {
    /// Reads the applicant as `bursar eval --applicant` does and decides it.
    fn answer(
        &self,
        applicant: &Bound<'_, PyAny>,
    ) -> PyResult<(bursar_runtime::Decision, bursar_runtime::Explanation)> {
        let py = applicant.py();
        let scheme = &self.bundle.scheme;
        let (json, unreadable) =
            convert::applicant(applicant).map_err(|problems| input_error(py, &problems))?;
        let read = Applicant::from_json(scheme, &json);
        // Every problem: the runtime's, but for a field already refused
        // here (left out, so "missing" to the runtime), then this layer's.
        let refused = |field: &Option<String>| unreadable.iter().any(|u| u.field == *field);
        let mut problems: Vec<errors::Problem> = match &read {
            Ok(_) => Vec::new(),
            Err(errors) => errors
                .iter()
                .map(errors::Problem::from_input)
                .filter(|p| !refused(&p.field))
                .collect(),
        };
        problems.extend(unreadable);
        let applicant = match read {
            Ok(a) if problems.is_empty() => a,
            Ok(_) | Err(_) => return Err(input_error(py, &problems)),
        };
        let decision = evaluate(scheme, &applicant);
        let explanation = explain(scheme, &applicant, &decision);
        Ok((decision, explanation))
    }
}

/// The simulation report of a scheme over a population (CSV in any
/// encoding, a workbook sheet, or Parquet), as `bursar simulate --format
/// json` prints it; `map`, `encoding` and `sheet` read the population as
/// `--map`, `--encoding` and `--sheet` do.
#[pyfunction]
#[pyo3(signature = (policy, population, *, on_bad_row = "fail", map = None, encoding = None, sheet = None))]
fn simulate<'py>(
    py: Python<'py>,
    policy: PathBuf,
    population: PathBuf,
    on_bad_row: &str,
    map: Option<std::collections::BTreeMap<String, String>>,
    encoding: Option<&str>,
    sheet: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let reading = population::Reading {
        on_bad_row,
        map: map.unwrap_or_default(),
        encoding,
        sheet,
    };
    let report = population::report(py, &policy, &population, &reading)?;
    answer::plain(py, &report)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Bundle>()?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("BundleError", py.get_type::<BundleError>())?;
    m.add("SimulationError", py.get_type::<SimulationError>())?;
    Ok(())
}
