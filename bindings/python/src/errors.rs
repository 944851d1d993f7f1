//! Refusals as Python exceptions: every problem of an applicant in one
//! `InputError`, a scheme that cannot be loaded as `BundleError`, a run that
//! stops as `SimulationError`.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

pyo3::create_exception!(
    bursar,
    InputError,
    pyo3::exceptions::PyValueError,
    "An applicant refused: `.problems` lists every problem, each a dict of `field`, `pointer` (RFC 6901) and `message`."
);
pyo3::create_exception!(
    bursar,
    BundleError,
    pyo3::exceptions::PyValueError,
    "A bundle or policy that cannot be loaded: `.problems` lists every reason (each diagnostic of a policy)."
);
pyo3::create_exception!(
    bursar,
    SimulationError,
    pyo3::exceptions::PyValueError,
    "A simulation that stopped: a population row that breaks the data contract, or a total too large to give."
);

/// One problem of an applicant, keyed as `bursar eval --applicants`
/// reports it.
pub(crate) struct Problem {
    pub field: Option<String>,
    pub pointer: Option<String>,
    pub message: String,
}

impl Problem {
    pub(crate) fn from_input(e: &bursar_runtime::InputError) -> Problem {
        Problem {
            field: (!e.field.is_empty()).then(|| e.field.clone()),
            pointer: Some(e.pointer()),
            message: e.to_string(),
        }
    }
}

/// An `InputError` whose message lists every problem, and whose
/// `.problems` holds them as dicts.
pub(crate) fn input_error(py: Python<'_>, problems: &[Problem]) -> PyErr {
    let message = problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let err = InputError::new_err(message);
    let listed = problems
        .iter()
        .map(|p| {
            let d = PyDict::new(py);
            d.set_item("field", &p.field)?;
            d.set_item("pointer", &p.pointer)?;
            d.set_item("message", &p.message)?;
            Ok(d)
        })
        .collect::<PyResult<Vec<_>>>()
        .and_then(|ds| PyList::new(py, ds));
    match listed.and_then(|list| err.value(py).setattr("problems", list)) {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// A `BundleError` with its reasons in `.problems`.
pub(crate) fn bundle_error(py: Python<'_>, problems: Vec<String>) -> PyErr {
    let err = BundleError::new_err(problems.join("\n"));
    match PyList::new(py, problems).and_then(|list| err.value(py).setattr("problems", list)) {
        Ok(()) => err,
        Err(e) => e,
    }
}
