//! `simulate --awards-out`: this run's awards in the format of the scheme's
//! award history (`history past_awards` in the award rule), so that the
//! next year's scheme, run with the file as its history list, projects
//! several years in a row.
//!
//! The file is a list file: the scheme's identifier column, then the
//! history record's fields. Every applicant's history is carried forward
//! (its items as read), followed by this run's paid awards, so a year's
//! file is the whole history the next year needs. Rows are written in the
//! population's order as the run goes (memory stays constant), so the next
//! year's run over the same population reads the file in step. A paid award fills the
//! record's fields by name: `scheme` (text) the scheme's id, `year` (int)
//! the period's year, `category` (text) the category, `amount` (money) the
//! amount, and any other field the applicant's field of the same name and
//! type.

use std::io::Write;
use std::sync::Mutex;

use bursar_runtime::ir::{FieldId, Scheme, Type, Value};
use bursar_runtime::{Applicant, Decision, Outcome};
use chrono::Datelike;

use crate::synth_scheme::{cell, quoted};

/// Writes one scheme's awards as history rows.
pub struct AwardsOut {
    history: FieldId,
    columns: Vec<Column>,
    year: Option<i64>,
    /// The file, and the first error writing it.
    sink: Mutex<(Box<dyn Write + Send>, Option<std::io::Error>)>,
}

impl std::fmt::Debug for AwardsOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwardsOut")
            .field("history", &self.history)
            .field("columns", &self.columns)
            .finish_non_exhaustive()
    }
}

/// Where a column of a new history row comes from.
#[derive(Clone, Copy, Debug)]
enum Column {
    Scheme,
    Year,
    Category,
    Amount,
    Applicant(FieldId),
}

impl AwardsOut {
    /// The writer of `scheme`'s awards into `sink` (its header written),
    /// or why they cannot be written as its history.
    pub fn new(scheme: &Scheme, mut sink: Box<dyn Write + Send>) -> Result<AwardsOut, String> {
        let Some(history) = scheme.award.history else {
            return Err("the scheme names no award history: add `history LIST` to its `award` rule (docs/language.md, \"Award history\")".into());
        };
        let identifier = scheme
            .application
            .as_ref()
            .and_then(|a| a.identifier)
            .ok_or("the scheme has no identifier to key the history by: add `identifier FIELD` to its `application` block")?;
        let field = |f: FieldId| scheme.applicant.get(f as usize);
        let record = match field(history).map(|f| f.ty) {
            Some(Type::List(r)) => scheme.records.get(r as usize),
            _ => None,
        }
        .ok_or("the award history is not a list of records")?;
        let id_name = field(identifier).map_or("", |f| f.name.as_str());
        let mut header = vec![quoted(id_name)];
        let mut columns = Vec::new();
        for f in &record.fields {
            let column = match (f.name.as_str(), f.ty) {
                ("scheme", Type::Text) => Column::Scheme,
                ("year", Type::Int) => Column::Year,
                ("category", Type::Text) => Column::Category,
                ("amount", Type::Money) => Column::Amount,
                (name, ty) => {
                    let same = scheme
                        .applicant
                        .iter()
                        .position(|a| a.name == name && a.ty == ty && !a.optional);
                    match same.and_then(|i| u32::try_from(i).ok()) {
                        Some(i) => Column::Applicant(i),
                        None => {
                            return Err(format!(
                                "the history field `{name}` ({}) cannot be filled for a new award: it is not `scheme text`, `year int`, `category text` or `amount money`, nor a required applicant field of that name and type",
                                ty.name(&scheme.enums)
                            ))
                        }
                    }
                }
            };
            header.push(quoted(&f.name));
            columns.push(column);
        }
        let year = scheme.header.period.map(|p| i64::from(p.start.year()));
        if year.is_none() && columns.iter().any(|c| matches!(c, Column::Year)) {
            return Err("the scheme has no period to give the awards' year".into());
        }
        writeln!(sink, "{}", header.join(",")).map_err(|e| e.to_string())?;
        Ok(AwardsOut {
            history,
            columns,
            year,
            sink: Mutex::new((sink, None)),
        })
    }

    /// Writes lines made by [`AwardsOut::rows`], in the population's
    /// order. The first error is kept for [`AwardsOut::finish`].
    pub fn write(&self, lines: &str) {
        let Ok(mut sink) = self.sink.lock() else {
            return;
        };
        let (out, error) = &mut *sink;
        if error.is_none() {
            if let Err(e) = out.write_all(lines.as_bytes()) {
                *error = Some(e);
            }
        }
    }

    /// Flushes the file; the first error writing it, if any.
    pub fn finish(&self) -> std::io::Result<()> {
        let Ok(mut sink) = self.sink.lock() else {
            return Err(std::io::Error::other(
                "the awards file was left half written",
            ));
        };
        let (out, error) = &mut *sink;
        match error.take() {
            Some(e) => Err(e),
            None => out.flush(),
        }
    }

    /// One applicant's lines, added to `out`: its history carried forward,
    /// then its awards if it is paid. `id` is the row's identifier cell.
    pub fn rows(
        &self,
        scheme: &Scheme,
        id: &str,
        applicant: &Applicant,
        decision: &Decision,
        out: &mut String,
    ) {
        let id = quoted(id);
        if let Some(Value::List(items)) = applicant.get(self.history) {
            for item in items.iter() {
                out.push_str(&id);
                for v in item {
                    out.push(',');
                    if let Some(v) = v {
                        out.push_str(&quoted(&cell(scheme, v)));
                    }
                }
                out.push('\n');
            }
        }
        if decision.outcome != Outcome::Paid {
            return;
        }
        for award in &decision.awards {
            out.push_str(&id);
            for c in &self.columns {
                let text = match c {
                    Column::Scheme => scheme.id.clone(),
                    Column::Year => self.year.map(|y| y.to_string()).unwrap_or_default(),
                    Column::Category => scheme
                        .categories
                        .get(award.category as usize)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                    Column::Amount => award.payout.amount.to_string(),
                    Column::Applicant(f) => applicant
                        .get(*f)
                        .map(|v| cell(scheme, v))
                        .unwrap_or_default(),
                };
                out.push(',');
                out.push_str(&quoted(&text));
            }
            out.push('\n');
        }
    }
}
