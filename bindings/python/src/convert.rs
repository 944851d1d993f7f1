//! Python values to the JSON an applicant is read from: the same object
//! `bursar eval --applicant` parses, so the runtime's one reader decides
//! what each field accepts. Dates (`datetime.date`) become ISO text, money
//! (`decimal.Decimal`) its exact decimal text; a value with no JSON form is
//! a problem of its field, reported with the others.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyDate, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType,
};
use serde_json::{Map, Value};

use crate::errors::Problem;

/// How deep an applicant's values may nest (lists of records): more than
/// any scheme reads, and a bound on the recursion below.
const MAX_DEPTH: usize = 32;

/// The applicant as a JSON object, and the values that have no JSON form
/// (left out of it, so that the runtime still reports the other fields'
/// problems). Not a dict: no object at all.
pub(crate) fn applicant(value: &Bound<'_, PyAny>) -> Result<(Value, Vec<Problem>), Vec<Problem>> {
    let Ok(dict) = value.cast::<PyDict>() else {
        return Err(vec![Problem {
            field: None,
            pointer: Some(String::new()),
            message: format!(
                "an applicant is a dict of field names to values, not `{}`",
                type_name(value)
            ),
        }]);
    };
    let mut problems = Vec::new();
    let mut object = object(dict, "", 0, &mut problems);
    for p in &problems {
        if let Some(field) = &p.field {
            object.remove(field);
        }
    }
    Ok((Value::Object(object), problems))
}

fn object(
    dict: &Bound<'_, PyDict>,
    pointer: &str,
    depth: usize,
    problems: &mut Vec<Problem>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in dict.iter() {
        let Ok(key) = key.extract::<String>() else {
            problems.push(Problem {
                field: None,
                pointer: Some(pointer.to_string()),
                message: format!("a field name is text, not `{}`", type_name(&key)),
            });
            continue;
        };
        let here = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
        let json = json(&value, &here, depth + 1, problems);
        out.insert(key, json);
    }
    out
}

fn json(
    value: &Bound<'_, PyAny>,
    pointer: &str,
    depth: usize,
    problems: &mut Vec<Problem>,
) -> Value {
    let mut refuse = |message: String| {
        problems.push(Problem {
            field: field_of(pointer),
            pointer: Some(pointer.to_string()),
            message,
        });
        Value::Null
    };
    if depth > MAX_DEPTH {
        return refuse(format!("nested more than {MAX_DEPTH} deep"));
    }
    if value.is_none() {
        return Value::Null;
    }
    // `bool` before `int`, `datetime` before `date`: each is a subclass of
    // the other.
    if let Ok(b) = value.cast::<PyBool>() {
        return Value::Bool(b.is_true());
    }
    // Numbers as their text, read as `bursar eval` reads JSON text: the
    // runtime decides what each field accepts of them.
    if value.cast::<PyInt>().is_ok() || value.cast::<PyFloat>().is_ok() {
        let text = value
            .str()
            .and_then(|s| s.extract::<String>())
            .unwrap_or_default();
        return match serde_json::from_str::<serde_json::Number>(&text) {
            Ok(n) => Value::Number(n),
            Err(_) => refuse(format!("`{}` is not a number JSON can hold", shown(value))),
        };
    }
    if value.cast::<PyString>().is_ok() {
        return match value.extract::<String>() {
            Ok(s) => Value::String(s),
            Err(e) => refuse(format!("text that is not UTF-8: {e}")),
        };
    }
    if value.cast::<PyDateTime>().is_ok() {
        return refuse(format!(
            "`{}` is a date and time; give the date (`.date()`)",
            shown(value)
        ));
    }
    if value.cast::<PyDate>().is_ok() {
        return match value
            .call_method0("isoformat")
            .and_then(|s| s.extract::<String>())
        {
            Ok(s) => Value::String(s),
            Err(e) => refuse(format!("cannot read the date: {e}")),
        };
    }
    if is_decimal(value) {
        // Its exact text: an amount like `2000.00` as the runtime reads it.
        return match value.str().and_then(|s| s.extract::<String>()) {
            Ok(s) => Value::String(s),
            Err(e) => refuse(format!("cannot read the amount: {e}")),
        };
    }
    if let Ok(d) = value.cast::<PyDict>() {
        return Value::Object(object(d, pointer, depth, problems));
    }
    if value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok() {
        let items = match value.try_iter() {
            Ok(items) => items,
            Err(e) => return refuse(format!("cannot read the list: {e}")),
        };
        let mut out = Vec::new();
        for (i, item) in items.enumerate() {
            match item {
                Ok(item) => out.push(json(&item, &format!("{pointer}/{i}"), depth + 1, problems)),
                Err(e) => {
                    problems.push(Problem {
                        field: field_of(pointer),
                        pointer: Some(format!("{pointer}/{i}")),
                        message: format!("cannot read the list: {e}"),
                    });
                }
            }
        }
        return Value::Array(out);
    }
    refuse(format!(
        "a `{}` has no value in an applicant",
        type_name(value)
    ))
}

/// Whether the value is a `decimal.Decimal` (or a subclass of it).
fn is_decimal(value: &Bound<'_, PyAny>) -> bool {
    static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    DECIMAL
        .import(value.py(), "decimal", "Decimal")
        .is_ok_and(|t| value.is_instance(t).unwrap_or(false))
}

/// The top-level field a pointer is under (`/members/0/age` → `members`).
fn field_of(pointer: &str) -> Option<String> {
    pointer
        .split('/')
        .nth(1)
        .map(|f| f.replace("~1", "/").replace("~0", "~"))
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .and_then(|n| n.extract::<String>())
        .unwrap_or_else(|_| "?".to_string())
}

fn shown(value: &Bound<'_, PyAny>) -> String {
    let text = value
        .repr()
        .and_then(|s| s.extract::<String>())
        .unwrap_or_else(|_| "?".to_string());
    bursar_runtime::shown(&text)
}
