//! The runtime's answers as Python objects. A decision is the JSON of
//! `bursar_runtime::decision_json`; its money and dates are turned into
//! `decimal.Decimal` and `datetime.date` by where they stand in that shape
//! ([`DECISION`]), never by what a string looks like, so a category or a
//! reason that happens to read like a date stays text. Everything else
//! (explanations in words, schemas, reports) is plain JSON.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDate, PyDict, PyList};
use serde_json::Value;

/// What a value of the decision is, by its place in `decision_json`.
enum Shape {
    /// An amount: a decimal string, or null.
    Money,
    /// An ISO date, or null.
    Date,
    /// Whatever JSON is there, as it is.
    Plain,
    /// An object whose named keys have these shapes (others are plain).
    Object(&'static [(&'static str, Shape)]),
    /// An object keyed by names the scheme gives (categories, rounds,
    /// payers, stages), every value of one shape.
    Named(&'static Shape),
    /// A list, every item of one shape.
    List(&'static Shape),
}

/// The money and dates of `bursar_runtime::decision_json`, key by key
/// (runtime `answer.rs`): the amount paid, each award's and category's
/// amount, the application's deadline and receipt, the timeline's dates,
/// each round's date, payment window and total, and each payer's share.
/// The tests check every vector's decision against it both ways.
const DECISION: Shape = Shape::Object(&[
    ("paid", Shape::Money),
    (
        "awards",
        Shape::List(&Shape::Object(&[("amount", Shape::Money)])),
    ),
    (
        "categories",
        Shape::Named(&Shape::Object(&[("amount", Shape::Money)])),
    ),
    (
        "application",
        Shape::Object(&[("deadline", Shape::Date), ("received", Shape::Date)]),
    ),
    ("schedule", Shape::Named(&Shape::Date)),
    (
        "rounds",
        Shape::Named(&Shape::Object(&[
            ("date", Shape::Date),
            ("paid_start", Shape::Date),
            ("paid_end", Shape::Date),
            ("total", Shape::Money),
        ])),
    ),
    ("payers", Shape::Named(&Shape::Money)),
]);

/// A decision, with its money as `Decimal` and its dates as `date`.
pub(crate) fn decision<'py>(py: Python<'py>, json: &Value) -> PyResult<Bound<'py, PyAny>> {
    let decimal = py.import("decimal")?.getattr("Decimal")?;
    shaped(py, &decimal, json, &DECISION)
}

/// Any JSON as plain Python: dicts, lists, str, int, float, bool, None.
pub(crate) fn plain<'py>(py: Python<'py>, json: &Value) -> PyResult<Bound<'py, PyAny>> {
    // A decision's shape with nothing named in it converts nothing.
    shaped(py, &py.None().into_bound(py), json, &Shape::Plain)
}

fn shaped<'py>(
    py: Python<'py>,
    decimal: &Bound<'py, PyAny>,
    json: &Value,
    shape: &Shape,
) -> PyResult<Bound<'py, PyAny>> {
    match (shape, json) {
        (_, Value::Null) => Ok(py.None().into_bound(py)),
        (Shape::Money, Value::String(s)) => decimal.call1((s.as_str(),)),
        (Shape::Date, Value::String(s)) => {
            let Some(d) = bursar_runtime::parse_date(s) else {
                return Err(unexpected("a date", s));
            };
            let (y, m, day) = date_parts(d);
            Ok(PyDate::new(py, y, m, day)?.into_any())
        }
        (Shape::Money | Shape::Date, other) => Err(unexpected("text", &other.to_string())),
        (Shape::Object(keys), Value::Object(map)) => {
            let d = PyDict::new(py);
            for (k, v) in map {
                let inner = keys
                    .iter()
                    .find(|(name, _)| name == k)
                    .map_or(&Shape::Plain, |(_, s)| s);
                d.set_item(k, shaped(py, decimal, v, inner)?)?;
            }
            Ok(d.into_any())
        }
        (Shape::Named(inner), Value::Object(map)) => {
            let d = PyDict::new(py);
            for (k, v) in map {
                d.set_item(k, shaped(py, decimal, v, inner)?)?;
            }
            Ok(d.into_any())
        }
        (Shape::List(inner), Value::Array(items)) => {
            let out = items
                .iter()
                .map(|v| shaped(py, decimal, v, inner))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyList::new(py, out)?.into_any())
        }
        (Shape::Object(_) | Shape::Named(_) | Shape::List(_), other) => {
            Err(unexpected("an object or list", &other.to_string()))
        }
        (Shape::Plain, Value::Bool(b)) => {
            Ok(pyo3::types::PyBool::new(py, *b).to_owned().into_any())
        }
        (Shape::Plain, Value::Number(n)) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Ok(i.into_pyobject(py)?.into_any()),
            (None, Some(u), _) => Ok(u.into_pyobject(py)?.into_any()),
            (None, None, Some(f)) => Ok(f.into_pyobject(py)?.into_any()),
            (None, None, None) => Err(unexpected("a number", &n.to_string())),
        },
        (Shape::Plain, Value::String(s)) => Ok(s.into_pyobject(py)?.into_any()),
        (Shape::Plain, Value::Array(items)) => {
            let out = items
                .iter()
                .map(|v| shaped(py, decimal, v, &Shape::Plain))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyList::new(py, out)?.into_any())
        }
        (Shape::Plain, Value::Object(map)) => {
            let d = PyDict::new(py);
            for (k, v) in map {
                d.set_item(k, shaped(py, decimal, v, &Shape::Plain)?)?;
            }
            Ok(d.into_any())
        }
    }
}

fn date_parts(d: chrono::NaiveDate) -> (i32, u8, u8) {
    use chrono::Datelike;
    // Month and day always fit: 1–12 and 1–31.
    (d.year(), d.month() as u8, d.day() as u8)
}

/// The runtime wrote something the shape above does not expect: a bug in
/// this binding, said rather than passed on unconverted.
fn unexpected(what: &str, got: &str) -> PyErr {
    PyRuntimeError::new_err(format!(
        "bursar: expected {what} in the decision, got `{got}`; the binding's shape of a decision is out of date"
    ))
}
