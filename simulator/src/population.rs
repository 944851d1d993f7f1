//! Reading a population file: a CSV with a header row whose column names are
//! the applicant's field names (see shared/data/README.md for the contract).

use std::io::Read;

use bursar_runtime::ir::{FieldId, Scheme};
use bursar_runtime::{parse_cell, Applicant, Problem};

/// A problem with the population file, located for the person who must fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    /// The column's name, when the problem is in one cell.
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(c) = &self.column {
            write!(f, ": column `{c}`")?;
        }
        if let Some(v) = &self.value {
            write!(f, ": value `{v}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Reads applicants from a CSV source, one row at a time.
pub struct Population<'s, R: Read> {
    scheme: &'s Scheme,
    file: String,
    reader: csv::Reader<R>,
    /// For each CSV column, the field it fills (None: ignored column).
    columns: Vec<Option<FieldId>>,
    headers: Vec<String>,
    record: csv::StringRecord,
}

impl<'s, R: Read> Population<'s, R> {
    /// Opens a population: reads the header and maps columns to fields. Every
    /// field of the applicant must have a column.
    pub fn new(scheme: &'s Scheme, file: impl Into<String>, source: R) -> Result<Self, RowError> {
        let file = file.into();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(source);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| RowError {
                file: file.clone(),
                line: 1,
                column: None,
                value: None,
                message: format!("cannot read the header row: {e}"),
            })?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        let columns: Vec<Option<FieldId>> = headers
            .iter()
            .map(|h| {
                scheme
                    .applicant
                    .iter()
                    .position(|f| f.name == *h)
                    .map(|i| i as FieldId)
            })
            .collect();
        let missing: Vec<&str> = scheme
            .applicant
            .iter()
            .enumerate()
            .filter(|(i, _)| !columns.contains(&Some(*i as FieldId)))
            .map(|(_, f)| f.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(RowError {
                file,
                line: 1,
                column: None,
                value: None,
                message: format!("the header has no column for {}", missing.join(", ")),
            });
        }
        Ok(Population {
            scheme,
            file,
            reader,
            columns,
            headers,
            record: csv::StringRecord::new(),
        })
    }

    /// Reads the next row into `applicant`. `Ok(None)` at the end of the file;
    /// `Ok(Some(line))` on success.
    pub fn next_into(&mut self, applicant: &mut Applicant) -> Result<Option<u64>, RowError> {
        let read = self.reader.read_record(&mut self.record);
        let line = self.record.position().map_or(0, |p| p.line());
        match read {
            Ok(false) => return Ok(None),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("the row has {len} fields but the header has {expected_len}")
                    }
                    _ => e.to_string(),
                };
                return Err(RowError {
                    file: self.file.clone(),
                    line,
                    column: None,
                    value: None,
                    message,
                });
            }
        }
        applicant.clear();
        for (i, cell) in self.record.iter().enumerate() {
            let Some(Some(field)) = self.columns.get(i) else {
                continue;
            };
            if cell.is_empty() {
                continue;
            }
            let Some(f) = self.scheme.applicant.get(*field as usize) else {
                continue;
            };
            match parse_cell(self.scheme, f.ty, cell) {
                Ok(v) => applicant.set(*field, Some(v)),
                Err(problem) => {
                    let message = match problem {
                        Problem::Invalid { expected, .. } => format!("expected {expected}"),
                        other => format!("{other:?}"),
                    };
                    return Err(RowError {
                        file: self.file.clone(),
                        line,
                        column: self.headers.get(i).cloned(),
                        value: Some(cell.to_string()),
                        message,
                    });
                }
            }
        }
        let mut missing = Vec::new();
        applicant.require_fields(self.scheme, &mut missing);
        if let Some(m) = missing.first() {
            return Err(RowError {
                file: self.file.clone(),
                line,
                column: Some(m.field.clone()),
                value: Some(String::new()),
                message: "a required value is empty".into(),
            });
        }
        Ok(Some(line))
    }
}
