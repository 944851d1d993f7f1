//! Synthetic populations for any scheme, for tests and benchmarks: a
//! population file with a column per applicant field, and a list file per
//! list field (0 to 3 items per applicant), keyed by the identifier.
//! Deterministic: the same scheme, rows and seed give the same bytes.
//!
//! Values are drawn near the boundaries the rules test (every literal a
//! field is compared with, and its neighbours), so that every branch is
//! taken; they are not estimates of any real population. The generator
//! reads the scheme's literals, never decides anyone.

use std::io::Write;

use bursar_runtime::ir::{Expr, Field, FieldId, Scheme, Type, Value};
use bursar_runtime::Money;
use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::parquet_write::{Kind, ParquetRows};

/// Where one field's values come from.
#[derive(Clone, Debug, Default)]
struct Draw {
    /// Literals the rules compare the field with.
    literals: Vec<Value>,
}

/// What the rules compare with each applicant field (`Field`) and each
/// item field (`Item`), gathered from every expression of the scheme.
fn literals(scheme: &Scheme) -> (Vec<Draw>, Vec<Draw>) {
    let mut fields = vec![Draw::default(); scheme.applicant.len()];
    let mut items = vec![Draw::default(); 64];
    let mut exprs: Vec<&Expr> = Vec::new();
    exprs.extend(scheme.requirements.iter().map(|c| &c.expr));
    for cat in &scheme.categories {
        exprs.extend(cat.conditions.iter().map(|c| &c.expr));
        exprs.push(&cat.pay);
    }
    exprs.extend(scheme.lets.iter().map(|l| &l.expr));
    // Whom a payer tops up: so that a generated population has some.
    for p in &scheme.payers {
        exprs.extend(p.conditions.iter().map(|c| &c.expr));
    }
    for e in exprs {
        e.walk(&mut |x| {
            let Some((subject, values)) = x.tested_values() else {
                return;
            };
            let slot = if let Expr::Field(f) = subject {
                fields.get_mut(*f as usize)
            } else if let Expr::Item(i) = subject {
                items.get_mut(*i as usize)
            } else {
                None
            };
            if let Some(d) = slot {
                d.literals.extend(values);
            }
        });
    }
    (fields, items)
}

/// One value of `ty`, near what the rules test.
fn value(scheme: &Scheme, ty: Type, draw: &Draw, rng: &mut ChaCha8Rng) -> String {
    let near: Vec<&Value> = draw
        .literals
        .iter()
        .filter(|v| v.ty() == Some(ty) || matches!((v, ty), (Value::Enum { .. }, Type::Enum(_))))
        .collect();
    if !near.is_empty() && rng.random::<f64>() < 0.7 {
        let pick = near.get(rng.random_range(0..near.len())).copied();
        let step: i64 = rng.random_range(-1..=1);
        return match pick {
            Some(Value::Int(n)) => n.saturating_add(step).to_string(),
            Some(Value::Money(m)) => Money(
                m.minor()
                    .saturating_add(step * rng.random_range(0..100_000)),
            )
            .to_string(),
            Some(Value::Date(d)) => d
                .checked_add_signed(chrono::TimeDelta::days(step))
                .unwrap_or(*d)
                .to_string(),
            Some(v) => cell(scheme, v),
            None => String::new(),
        };
    }
    match ty {
        Type::Bool => (rng.random::<f64>() < 0.8).to_string(),
        Type::Int => rng.random_range(0..=80).to_string(),
        Type::Money => Money(rng.random_range(0..30_000_000)).to_string(),
        Type::Decimal => format!("0.{}", rng.random_range(0..100)),
        Type::Date => {
            let start = scheme
                .header
                .period
                .map_or(NaiveDate::from_ymd_opt(2024, 1, 1), |p| Some(p.start))
                .unwrap_or_default();
            start
                .checked_sub_days(Days::new(365))
                .and_then(|d| d.checked_add_days(Days::new(rng.random_range(0..3 * 365))))
                .unwrap_or(start)
                .to_string()
        }
        Type::DateTime => {
            // Office hours on a day of the period: receipts a minute apart
            // or less are common, as in a real first-come queue.
            let start = scheme
                .header
                .period
                .map_or(NaiveDate::from_ymd_opt(2024, 1, 1), |p| Some(p.start))
                .unwrap_or_default();
            let day = start
                .checked_add_days(Days::new(rng.random_range(0..60)))
                .unwrap_or(start);
            let minute: u32 = rng.random_range(8 * 60..18 * 60);
            day.and_hms_opt(minute / 60, minute % 60, rng.random_range(0..60))
                .map_or_else(String::new, bursar_runtime::datetime::datetime_text)
        }
        Type::Text => "x".to_string(),
        Type::Enum(e) => {
            let variants = scheme
                .enums
                .get(e as usize)
                .map_or(&[][..], |d| d.variants.as_slice());
            variants
                .get(rng.random_range(0..variants.len().max(1)))
                .map_or(String::new(), |v| v.name.clone())
        }
        Type::Duration | Type::Unrounded | Type::List(_) => String::new(),
    }
}

/// A literal as a cell.
pub(crate) fn cell(scheme: &Scheme, v: &Value) -> String {
    match v {
        Value::Enum { ty, variant } => scheme
            .enums
            .get(*ty as usize)
            .and_then(|e| e.variants.get(*variant as usize))
            .map_or(String::new(), |v| v.name.clone()),
        Value::Bool(b) => b.to_string(),
        Value::Int(n) => n.to_string(),
        Value::Money(m) => m.to_string(),
        Value::Date(d) => d.to_string(),
        Value::DateTime(t) => bursar_runtime::datetime::datetime_text(*t),
        Value::Text(t) => t.clone(),
        Value::Decimal(d) => d.to_string(),
        Value::Duration(_) | Value::List(_) => String::new(),
    }
}

/// A CSV cell, quoted if it needs to be.
pub(crate) fn quoted(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The scheme's list fields, with their record's fields.
pub fn list_fields(scheme: &Scheme) -> Vec<(FieldId, &str, &[Field])> {
    scheme
        .applicant
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match f.ty {
            Type::List(r) => scheme
                .records
                .get(r as usize)
                .map(|r| (i as FieldId, f.name.as_str(), r.fields.as_slice())),
            Type::Bool
            | Type::Int
            | Type::Money
            | Type::Date
            | Type::DateTime
            | Type::Text
            | Type::Duration
            | Type::Enum(..)
            | Type::Decimal
            | Type::Unrounded => None,
        })
        .collect()
}

/// Writes `rows` synthetic applicants to `out` as CSV, and the items of
/// list field `i` (in [`list_fields`] order) to `lists[i]`. The identifier
/// field, if the scheme names one, holds `P1`, `P2`, …; every list file is
/// sorted by it in the order the population is.
pub fn write(
    scheme: &Scheme,
    out: &mut impl Write,
    lists: &mut [&mut dyn Write],
    rows: u64,
    seed: u64,
) -> std::io::Result<()> {
    let mut line = String::with_capacity(128);
    let mut population = |cells: &[String]| {
        line.clear();
        for (k, c) in cells.iter().enumerate() {
            if k > 0 {
                line.push(',');
            }
            line.push_str(&quoted(c));
        }
        writeln!(out, "{line}")
    };
    generate(scheme, &mut population, lists, rows, seed)
}

/// The same population written as Parquet, each column typed by its
/// field (`crate::parquet_write`); the list files are CSV.
pub fn write_parquet<W: Write + Send>(
    scheme: &Scheme,
    out: W,
    lists: &mut [&mut dyn Write],
    rows: u64,
    seed: u64,
) -> std::io::Result<W> {
    let columns: Vec<(&str, Kind)> = scheme
        .applicant
        .iter()
        .filter(|f| !matches!(f.ty, Type::List(_)))
        .map(|f| (f.name.as_str(), Kind::of(f.ty)))
        .collect();
    let mut file = ParquetRows::new(out, &columns)?;
    let mut header = true;
    let mut population = |cells: &[String]| {
        // The header is the schema's.
        if std::mem::take(&mut header) {
            return Ok(());
        }
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        file.push(&cells)
    };
    generate(scheme, &mut population, lists, rows, seed)?;
    file.finish()
}

/// Draws the population, handing each row's cells (the header's first) to
/// `population` and writing the list files' rows.
fn generate(
    scheme: &Scheme,
    population: &mut dyn FnMut(&[String]) -> std::io::Result<()>,
    lists: &mut [&mut dyn Write],
    rows: u64,
    seed: u64,
) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (fields, items) = literals(scheme);
    let id = scheme.application.as_ref().and_then(|a| a.identifier);
    let id_name = id
        .and_then(|i| scheme.applicant.get(i as usize))
        .map_or("id", |f| f.name.as_str());
    let columns: Vec<(usize, &Field)> = scheme
        .applicant
        .iter()
        .enumerate()
        .filter(|(_, f)| !matches!(f.ty, Type::List(_)))
        .collect();
    let header: Vec<String> = columns.iter().map(|(_, f)| f.name.clone()).collect();
    population(&header)?;
    let list_fields = list_fields(scheme);
    for ((_, _, record), w) in list_fields.iter().zip(lists.iter_mut()) {
        let names: Vec<&str> = record.iter().map(|f| f.name.as_str()).collect();
        writeln!(w, "{id_name},{}", names.join(","))?;
    }
    let empty = Draw::default();
    let mut line = String::with_capacity(128);
    let mut cells: Vec<String> = vec![String::new(); columns.len()];
    for n in 1..=rows {
        let key = format!("P{n}");
        for ((i, f), cell) in columns.iter().zip(cells.iter_mut()) {
            cell.clear();
            if Some(*i as FieldId) == id {
                cell.push_str(&key);
                continue;
            }
            if f.optional && rng.random::<f64>() < 0.2 {
                continue;
            }
            let draw = fields.get(*i).unwrap_or(&empty);
            cell.push_str(&value(scheme, f.ty, draw, &mut rng));
        }
        population(&cells)?;
        for ((_, _, record), w) in list_fields.iter().zip(lists.iter_mut()) {
            for _ in 0..rng.random_range(0..=3) {
                line.clear();
                line.push_str(&key);
                for (j, f) in record.iter().enumerate() {
                    line.push(',');
                    if f.optional && rng.random::<f64>() < 0.2 {
                        continue;
                    }
                    let draw = items.get(j).unwrap_or(&empty);
                    line.push_str(&quoted(&value(scheme, f.ty, draw, &mut rng)));
                }
                writeln!(w, "{line}")?;
            }
        }
    }
    Ok(())
}
