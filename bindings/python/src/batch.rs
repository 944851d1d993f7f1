//! `Bundle.decide_batch`: an Arrow table of applicants (pyarrow, or pandas
//! and polars through the Arrow C stream interface) decided row by row with
//! the GIL released, and a table of outcomes back. The columns are imported
//! without copying; each row's cells become the JSON object `bursar eval`
//! reads, so the runtime's one reader refuses what it refuses anywhere.
//! The outcome columns are those of `simulate --persons` for the same row
//! (`bursar_simulator::persons::person_row`), so the reason given is the
//! line of the explanation that decided.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, DecimalType, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, Decimal128Array, RecordBatch, StringArray};
use arrow_pyarrow::{FromPyArrow, IntoPyArrow};
use arrow_schema::{DataType, Field, Schema};
use bursar_runtime::ir::Scheme;
use bursar_runtime::{Applicant, Decision, Program};
use bursar_simulator::persons::{person_row, PersonRow};
use bursar_simulator::tally::TallyPlan;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use serde_json::{Map, Value};

/// How deep a cell may nest (lists of records): more than any scheme
/// reads, and a bound on the recursion below.
const MAX_DEPTH: usize = 32;

/// The most rows whose outcomes are held as Rust values before they
/// become a record batch.
const OUTCOME_ROWS: usize = 65_536;

/// The outcome table's columns.
const COLUMNS: [&str; 5] = ["id", "outcome", "category", "amount", "reason"];

/// Decides every row of `table`; the outcomes as a `pyarrow.Table`, one
/// row per row read, in order.
pub(crate) fn decide_batch<'py>(
    scheme: &Scheme,
    table: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = table.py();
    let batches = read(table)?;
    let out = py.detach(|| decide(scheme, &batches))?;
    arrow_pyarrow::Table::try_new(out, Arc::new(outcome_schema()))
        .map_err(|e| PyValueError::new_err(e.to_string()))?
        .into_pyarrow(py)
}

/// The record batches of anything that gives an Arrow C stream; anything
/// else (a pandas DataFrame of an older pandas) through `pyarrow.table`.
fn read(table: &Bound<'_, PyAny>) -> PyResult<Vec<RecordBatch>> {
    let py = table.py();
    let source = if table.hasattr("__arrow_c_stream__")? {
        table.clone()
    } else {
        py.import("pyarrow")?.call_method1("table", (table,))?
    };
    let reader = arrow_array::ffi_stream::ArrowArrayStreamReader::from_pyarrow_bound(&source)?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PyValueError::new_err(format!("cannot read the table: {e}")))
}

/// Every row decided, or refused with every problem of its cells: a batch
/// of outcomes for each batch read, so that the rows' words are held for
/// at most [`OUTCOME_ROWS`] rows at a time (holding a million at once made
/// the next call three times slower, in the allocator).
fn decide(scheme: &Scheme, batches: &[RecordBatch]) -> PyResult<Vec<RecordBatch>> {
    let plan = TallyPlan::new(scheme);
    // As `simulate` decides its rows: the conditions lowered once, one
    // decision's buffers reused.
    let program = Program::new(scheme);
    let mut decision = Decision::default();
    let mut batches_out = Vec::with_capacity(batches.len());
    let mut out = Vec::new();
    let mut row: u64 = 0;
    for batch in batches {
        // The fields' columns, by name; a field with none is absent in
        // every row, and columns that are not fields are not read.
        let mut columns: Vec<(&str, &ArrayRef)> = Vec::new();
        for f in &scheme.applicant {
            if let Some(column) = batch.column_by_name(&f.name) {
                if !readable(column.data_type(), 0) {
                    return Err(PyTypeError::new_err(format!(
                        "column `{}`: an Arrow `{}` has no value in an applicant (give booleans, integers, text, dates, decimals, lists or structs)",
                        f.name,
                        column.data_type()
                    )));
                }
                columns.push((&f.name, column));
            }
        }
        let id_column = scheme
            .application
            .as_ref()
            .and_then(|a| a.identifier)
            .and_then(|i| scheme.applicant.get(i as usize))
            .and_then(|f| batch.column_by_name(&f.name));
        for i in 0..batch.num_rows() {
            if out.len() >= OUTCOME_ROWS {
                batches_out.push(outcomes(&out)?);
                out.clear();
            }
            row += 1;
            let id = id_column
                .and_then(|c| cell(c, i, 0).ok())
                .map(|v| match v {
                    Value::String(s) => s,
                    Value::Null => String::new(),
                    other => other.to_string(),
                })
                .unwrap_or_default();
            let mut object = Map::new();
            let mut problems = Vec::new();
            for (name, column) in &columns {
                match cell(column, i, 0) {
                    Ok(v) => {
                        object.insert((*name).to_string(), v);
                    }
                    Err(why) => problems.push(format!("field `{name}`: {why}")),
                }
            }
            let applicant = match Applicant::from_json(scheme, &Value::Object(object)) {
                Ok(a) if problems.is_empty() => a,
                Ok(_) => {
                    out.push(skipped(row, &id, &problems));
                    continue;
                }
                Err(errors) => {
                    // The runtime's problems first, as for one applicant.
                    problems.splice(0..0, errors.iter().map(ToString::to_string));
                    out.push(skipped(row, &id, &problems));
                    continue;
                }
            };
            program.evaluate_into(&applicant, &mut decision);
            out.push(person_row(
                scheme,
                &plan,
                &applicant,
                &decision,
                None,
                row,
                id.as_bytes(),
            ));
        }
        if !out.is_empty() {
            batches_out.push(outcomes(&out)?);
            out.clear();
        }
    }
    Ok(batches_out)
}

/// A refused row, kept with every problem as its reason.
fn skipped(row: u64, id: &str, problems: &[String]) -> PersonRow {
    PersonRow::skipped(Some(row), id.as_bytes(), problems.join("; "))
}

/// The outcome table's schema: `id`, `outcome`, `category` (null when
/// none), `amount` (decimal, null for a refused row) and `reason`.
fn outcome_schema() -> Schema {
    let types = [
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Decimal128(38, 2),
        DataType::Utf8,
    ];
    let fields: Vec<Field> = COLUMNS
        .iter()
        .zip(types)
        .map(|(name, ty)| Field::new(*name, ty, *name != "outcome" && *name != "reason"))
        .collect();
    Schema::new(fields)
}

/// Rows' outcomes as one record batch of [`outcome_schema`].
fn outcomes(rows: &[PersonRow]) -> PyResult<RecordBatch> {
    let text = |f: &dyn Fn(&PersonRow) -> Option<&str>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<StringArray>())
    };
    let amounts = rows
        .iter()
        .map(|r| r.amount.map(|m| i128::from(m.minor())))
        .collect::<Decimal128Array>()
        .with_precision_and_scale(38, 2)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let columns: Vec<ArrayRef> = vec![
        text(&|r| Some(r.id.as_str()).filter(|s| !s.is_empty())),
        text(&|r| Some(r.outcome)),
        text(&|r| Some(r.category.as_str()).filter(|s| !s.is_empty())),
        Arc::new(amounts),
        text(&|r| Some(r.decided_by.as_str())),
    ];
    RecordBatch::try_new(Arc::new(outcome_schema()), columns)
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Whether cells of this type have a JSON form below.
fn readable(ty: &DataType, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match ty {
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Date32
        | DataType::Date64
        | DataType::Decimal128(_, _) => true,
        DataType::List(f) | DataType::LargeList(f) => readable(f.data_type(), depth + 1),
        DataType::Struct(fields) => fields.iter().all(|f| readable(f.data_type(), depth + 1)),
        DataType::Dictionary(_, values) => readable(values, depth + 1),
        _ => false,
    }
}

/// One cell as JSON: what `bursar eval --applicant` would read for it.
fn cell(a: &dyn Array, i: usize, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested more than {MAX_DEPTH} deep"));
    }
    if a.is_null(i) {
        return Ok(Value::Null);
    }
    let missing = || format!("an Arrow `{}` has no value in an applicant", a.data_type());
    let int = |v: Option<i64>| v.map(Value::from).ok_or_else(missing);
    let date = |days: i64| {
        // 719,163: the days from 0001-01-01 (chrono's day 1) to 1970-01-01.
        days.checked_add(719_163)
            .and_then(|d| i32::try_from(d).ok())
            .and_then(chrono::NaiveDate::from_num_days_from_ce_opt)
            .map(|d| Value::String(d.to_string()))
            .ok_or_else(|| format!("day {days} from 1970-01-01 is no date"))
    };
    let float = |f: f64| {
        serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| format!("`{f}` is not a number"))
    };
    match a.data_type() {
        DataType::Null => Ok(Value::Null),
        DataType::Boolean => Ok(Value::Bool(a.as_boolean().value(i))),
        DataType::Int8 => int(Some(i64::from(a.as_primitive::<Int8Type>().value(i)))),
        DataType::Int16 => int(Some(i64::from(a.as_primitive::<Int16Type>().value(i)))),
        DataType::Int32 => int(Some(i64::from(a.as_primitive::<Int32Type>().value(i)))),
        DataType::Int64 => int(Some(a.as_primitive::<Int64Type>().value(i))),
        DataType::UInt8 => int(Some(i64::from(a.as_primitive::<UInt8Type>().value(i)))),
        DataType::UInt16 => int(Some(i64::from(a.as_primitive::<UInt16Type>().value(i)))),
        DataType::UInt32 => int(Some(i64::from(a.as_primitive::<UInt32Type>().value(i)))),
        DataType::UInt64 => Ok(Value::from(a.as_primitive::<UInt64Type>().value(i))),
        DataType::Float32 => float(f64::from(a.as_primitive::<Float32Type>().value(i))),
        DataType::Float64 => float(a.as_primitive::<Float64Type>().value(i)),
        DataType::Utf8 => Ok(Value::String(a.as_string::<i32>().value(i).to_string())),
        DataType::LargeUtf8 => Ok(Value::String(a.as_string::<i64>().value(i).to_string())),
        DataType::Utf8View => Ok(Value::String(a.as_string_view().value(i).to_string())),
        DataType::Date32 => date(i64::from(a.as_primitive::<Date32Type>().value(i))),
        DataType::Date64 => {
            let ms = a.as_primitive::<Date64Type>().value(i);
            date(ms.div_euclid(86_400_000))
        }
        DataType::Decimal128(precision, scale) => {
            Ok(Value::String(Decimal128Type::format_decimal(
                a.as_primitive::<Decimal128Type>().value(i),
                *precision,
                *scale,
            )))
        }
        DataType::List(_) => items(&a.as_list::<i32>().value(i), depth),
        DataType::LargeList(_) => items(&a.as_list::<i64>().value(i), depth),
        DataType::Struct(fields) => {
            let s = a.as_struct();
            let mut object = Map::new();
            for (f, column) in fields.iter().zip(s.columns()) {
                object.insert(f.name().clone(), cell(column, i, depth + 1)?);
            }
            Ok(Value::Object(object))
        }
        DataType::Dictionary(_, _) => {
            let Some(d) = a.as_any_dictionary_opt() else {
                return Err(missing());
            };
            let key = cell(d.keys(), i, depth + 1)?
                .as_u64()
                .and_then(|k| usize::try_from(k).ok())
                .ok_or_else(missing)?;
            if key >= d.values().len() {
                return Err(missing());
            }
            cell(d.values(), key, depth + 1)
        }
        _ => Err(missing()),
    }
}

fn items(list: &ArrayRef, depth: usize) -> Result<Value, String> {
    (0..list.len())
        .map(|j| cell(list, j, depth + 1))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}
