//! Rows of text cells written as a Parquet file, each column typed by the
//! applicant field it fills (`synth --format parquet`): integers as
//! `int64`, booleans as `boolean`, dates as `date32`, everything else as
//! UTF-8 strings (dictionary-encoded by the writer where values repeat); an
//! empty cell is a null. Read back (`crate::parquet`), each value is the
//! cell it was written from, so a population gives the same report as CSV
//! and as Parquet.
//!
//! Rows are written in row groups of [`ROW_GROUP`] rows, snappy-compressed,
//! and only the current group is held in memory, whatever the number of
//! rows.

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Date32Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use bursar_runtime::ir::Type;
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

/// Rows per row group, as Spark and pyarrow write them roughly.
pub const ROW_GROUP: usize = 128 * 1024;

/// Rows handed to the writer at a time.
const BATCH: usize = 8192;

/// How a column is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Bool,
    Date,
}

impl Kind {
    /// The column of a field of type `ty`.
    pub fn of(ty: Type) -> Kind {
        match ty {
            Type::Bool => Kind::Bool,
            Type::Int => Kind::Int,
            Type::Date => Kind::Date,
            // Money and decimals are exact text: a float would round them.
            Type::Money
            | Type::DateTime
            | Type::Text
            | Type::Duration
            | Type::Enum(_)
            | Type::Decimal
            | Type::Unrounded
            | Type::List(_) => Kind::Text,
        }
    }

    fn data_type(self) -> DataType {
        match self {
            Kind::Text => DataType::Utf8,
            Kind::Int => DataType::Int64,
            Kind::Bool => DataType::Boolean,
            Kind::Date => DataType::Date32,
        }
    }
}

/// A column's values until they are written.
enum Column {
    Text(StringBuilder),
    Int(Int64Builder),
    Bool(BooleanBuilder),
    Date(Date32Builder),
}

/// A Parquet file being written, row by row.
pub struct ParquetRows<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: Arc<Schema>,
    names: Vec<String>,
    columns: Vec<Column>,
    rows: usize,
}

/// 1970-01-01, day 0 of `date32`.
fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

impl<W: Write + Send> ParquetRows<W> {
    /// Starts a file of the columns `columns`, by name and kind, in row
    /// groups of [`ROW_GROUP`] rows.
    pub fn new(out: W, columns: &[(&str, Kind)]) -> std::io::Result<Self> {
        Self::in_groups_of(out, columns, ROW_GROUP)
    }

    /// [`ParquetRows::new`], in row groups of `rows` rows.
    pub fn in_groups_of(out: W, columns: &[(&str, Kind)], rows: usize) -> std::io::Result<Self> {
        let schema = Arc::new(Schema::new(
            columns
                .iter()
                .map(|(name, kind)| Field::new(*name, kind.data_type(), true))
                .collect::<Vec<_>>(),
        ));
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(rows.max(1)))
            .build();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(properties))
            .map_err(std::io::Error::other)?;
        Ok(ParquetRows {
            writer,
            schema,
            names: columns.iter().map(|(n, _)| n.to_string()).collect(),
            columns: columns.iter().map(|(_, k)| Self::column(*k)).collect(),
            rows: 0,
        })
    }

    fn column(kind: Kind) -> Column {
        match kind {
            Kind::Text => Column::Text(StringBuilder::with_capacity(BATCH, BATCH * 8)),
            Kind::Int => Column::Int(Int64Builder::with_capacity(BATCH)),
            Kind::Bool => Column::Bool(BooleanBuilder::with_capacity(BATCH)),
            Kind::Date => Column::Date(Date32Builder::with_capacity(BATCH)),
        }
    }

    /// Adds a row: one cell per column, as the data contract writes it;
    /// an empty cell is a null. A cell its column's type cannot hold is an
    /// error naming it.
    pub fn push(&mut self, cells: &[&str]) -> std::io::Result<()> {
        if cells.len() != self.columns.len() {
            return Err(std::io::Error::other(format!(
                "a row of {} cells for {} columns",
                cells.len(),
                self.columns.len()
            )));
        }
        for ((column, cell), name) in self.columns.iter_mut().zip(cells).zip(&self.names) {
            let bad = |what: &str| {
                std::io::Error::other(format!("column `{name}`: `{cell}` is not {what}"))
            };
            match column {
                Column::Text(b) if cell.is_empty() => b.append_null(),
                Column::Text(b) => b.append_value(cell),
                Column::Int(b) if cell.is_empty() => b.append_null(),
                Column::Int(b) => b.append_value(cell.parse().map_err(|_| bad("an integer"))?),
                Column::Bool(b) => match *cell {
                    "" => b.append_null(),
                    "true" => b.append_value(true),
                    "false" => b.append_value(false),
                    _ => return Err(bad("`true` or `false`")),
                },
                Column::Date(b) if cell.is_empty() => b.append_null(),
                Column::Date(b) => {
                    let d =
                        NaiveDate::parse_from_str(cell, "%Y-%m-%d").map_err(|_| bad("a date"))?;
                    let days =
                        i32::try_from((d - epoch()).num_days()).map_err(|_| bad("a date"))?;
                    b.append_value(days);
                }
            }
        }
        self.rows += 1;
        if self.rows == BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Hands the rows so far to the writer.
    fn flush(&mut self) -> std::io::Result<()> {
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|c| -> ArrayRef {
                match c {
                    Column::Text(b) => Arc::new(b.finish()),
                    Column::Int(b) => Arc::new(b.finish()),
                    Column::Bool(b) => Arc::new(b.finish()),
                    Column::Date(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        let batch =
            RecordBatch::try_new(self.schema.clone(), arrays).map_err(std::io::Error::other)?;
        self.rows = 0;
        self.writer.write(&batch).map_err(std::io::Error::other)
    }

    /// Writes the rows left and the file's footer.
    pub fn finish(mut self) -> std::io::Result<W> {
        if self.rows > 0 {
            self.flush()?;
        }
        self.writer.into_inner().map_err(std::io::Error::other)
    }
}
