//! A Parquet file as records: a population or list file ending in
//! `.parquet`. Its top-level columns' names are the header, and each value
//! becomes the text the data contract reads, so that one parser (with the
//! register's spellings, `crate::spelling`) reads CSV, sheets and Parquet
//! alike, and a Parquet file gives the report its rows give as CSV:
//!
//! - strings (plain, large, view or dictionary-encoded) as they are; binary
//!   as its bytes, which must be UTF-8;
//! - integers in decimal, floats as their shortest exact decimal (`1234.5`),
//!   decimals with their scale (`1234.50`);
//! - booleans `true` or `false`; dates `2023-04-10`; timestamps without a
//!   time zone at midnight as their date, others with their time of day
//!   (`2023-04-10T09:30:00`, which a date column refuses);
//! - null: an empty cell.
//!
//! A column of another type (a list, a struct, a timestamp in a time zone)
//! is refused when the run would read it. Only the columns the run reads are
//! decoded ([`Parquet::read_only`]); the others are empty cells.
//!
//! With several threads, row groups are decoded on threads of their own,
//! each taking every n-th group and handing its rows on as text through a
//! bounded channel, and read back in file order: memory holds a few batches
//! per thread, whatever the file's size. With one thread, the reading thread
//! decodes as it goes.
//!
//! A row's position is its row group (from 0, as Parquet tools number them)
//! and its row in it (from 1); its line is its row number in the file plus
//! one, the line it would be on in the same rows written as CSV.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Decimal256Type, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrowPrimitiveType, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;

use crate::records::{ReadError, Record, RowGroupAt, RowPosition};

/// Rows decoded at a time: a batch of text is a few hundred kilobytes.
const BATCH_ROWS: usize = 4096;

/// Batches a decoding thread may have waiting for the reader.
const AHEAD: usize = 2;

/// Whether a file is read as Parquet: its name ends in `.parquet`.
pub fn is_parquet(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".parquet")
}

/// Rows decoded to text: row `r`'s cells run together are
/// `bytes[starts[r]..starts[r + 1]]`, and its cells end (from the row's
/// start) at `ends[r * width..(r + 1) * width]`.
#[derive(Default)]
struct Rows {
    bytes: Vec<u8>,
    starts: Vec<usize>,
    ends: Vec<usize>,
    width: usize,
}

impl Rows {
    fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }
}

/// What a decoding thread hands on: a batch of its group's rows, `None`
/// at the end of the group, or why decoding stopped.
type Message = Result<Option<Rows>, String>;

/// A Parquet file, read row by row.
pub struct Parquet {
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    header: Vec<String>,
    /// Per column: whether it is decoded (the others are empty cells).
    read: Vec<bool>,
    /// Decoding threads to start (1: decode on the reading thread).
    threads: usize,
    /// Started at the first row.
    decoder: Option<Decoder>,
    /// The header has been read.
    header_read: bool,
    /// The batch being read, and its next row.
    rows: Rows,
    next: usize,
    /// Data rows read so far.
    records: u64,
    /// Per row group: the file's row at which it starts, then the file's
    /// rows; and the bytes of the groups before it.
    group_starts: Vec<u64>,
    group_bytes: Vec<u64>,
    /// The row group of the next row.
    group: usize,
    /// The longest row accepted, in bytes (as text).
    limit: usize,
    /// Where the next record starts ([`Parquet::locate`], worked out once
    /// a row: the run asks before each read).
    next_at: RowPosition,
}

/// Where decoded rows come from.
enum Decoder {
    /// One thread: the reading thread decodes the row groups in turn.
    Inline {
        batches: ParquetRecordBatchReader,
        plan: Vec<Option<usize>>,
    },
    /// Several: thread `k` decodes groups `k`, `k + n`, … into lane `k`.
    Threads {
        lanes: Vec<Receiver<Message>>,
        /// The group whose rows are read next.
        group: usize,
        groups: usize,
        workers: Vec<JoinHandle<()>>,
    },
}

impl Drop for Decoder {
    fn drop(&mut self) {
        if let Decoder::Threads { lanes, workers, .. } = self {
            // Closing the lanes ends each thread at its next send.
            lanes.clear();
            for w in workers.drain(..) {
                let _ = w.join();
            }
        }
    }
}

impl Parquet {
    /// Opens `path`, reading its footer: its columns and row groups.
    /// `threads` decode row groups at once (1: on the reading thread).
    pub fn open(path: &Path, threads: usize, limit: usize) -> Result<Parquet, String> {
        let file = std::fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
        let metadata = guarded(|| {
            ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|e| e.to_string())
        })
        .map_err(|e| format!("cannot read the file as Parquet: {e}"))?;
        let header = metadata
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect::<Vec<_>>();
        let (mut group_starts, mut group_bytes) = (vec![0u64], vec![0u64]);
        for g in metadata.metadata().row_groups() {
            let rows = u64::try_from(g.num_rows()).unwrap_or(0);
            let bytes = u64::try_from(g.compressed_size()).unwrap_or(0);
            group_starts.push(
                group_starts
                    .last()
                    .copied()
                    .unwrap_or(0)
                    .saturating_add(rows),
            );
            group_bytes.push(
                group_bytes
                    .last()
                    .copied()
                    .unwrap_or(0)
                    .saturating_add(bytes),
            );
        }
        Ok(Parquet {
            path: path.to_path_buf(),
            read: vec![true; header.len()],
            metadata,
            header,
            threads: threads.max(1),
            decoder: None,
            header_read: false,
            rows: Rows::default(),
            next: 0,
            records: 0,
            group_starts,
            group_bytes,
            group: 0,
            limit,
            next_at: RowPosition {
                line: 1,
                ..RowPosition::default()
            },
        })
    }

    /// Decodes only the columns marked in `columns` (by their place in the
    /// header); the others are read as empty cells. Refuses a column to be
    /// read whose type holds no value of the data contract.
    pub fn read_only(&mut self, columns: &[bool]) -> Result<(), String> {
        for ((field, read), wanted) in self
            .metadata
            .schema()
            .fields()
            .iter()
            .zip(&mut self.read)
            .zip(columns.iter().chain(std::iter::repeat(&false)))
        {
            *read = *wanted;
            if *wanted && !readable(field.data_type()) {
                return Err(format!(
                    "column `{}` holds values of Parquet type `{}`, which no field reads: a column read by the scheme holds text, numbers, booleans, dates or timestamps without a time zone",
                    field.name(),
                    field.data_type()
                ));
            }
        }
        Ok(())
    }

    /// Where the next record starts.
    pub fn position(&self) -> RowPosition {
        self.next_at
    }

    /// Where the next record starts, worked out from the rows read.
    fn locate(&self) -> RowPosition {
        if !self.header_read {
            return RowPosition {
                line: 1,
                ..RowPosition::default()
            };
        }
        let group = self.group_of(self.records);
        let start = self.group_starts.get(group).copied().unwrap_or(0);
        RowPosition {
            line: self.records.saturating_add(2),
            byte: 0,
            record: self.records.saturating_add(1),
            part: 0,
            group: Some(RowGroupAt {
                index: u32::try_from(group).unwrap_or(u32::MAX),
                row: u32::try_from(self.records.saturating_sub(start).saturating_add(1))
                    .unwrap_or(u32::MAX),
            }),
        }
    }

    /// The row group of the file's row `row` (from 0), at or after the
    /// current one: past those the rows before it fill, empty ones included.
    fn group_of(&self, row: u64) -> usize {
        let mut group = self.group;
        while self
            .group_starts
            .get(group + 1)
            .is_some_and(|&end| row >= end)
        {
            group += 1;
        }
        group
    }

    /// The compressed bytes of the row groups read so far.
    pub fn bytes_read(&self) -> u64 {
        self.group_bytes.get(self.group).copied().unwrap_or(0)
    }

    /// Reads the header (the columns' names), then each row; `Ok(None)` at
    /// the end.
    pub fn read(&mut self, record: &mut Record) -> Result<Option<RowPosition>, ReadError> {
        if !self.header_read {
            let at = self.next_at;
            record.set_cells(&self.header, usize::MAX);
            self.header_read = true;
            self.next_at = self.locate();
            return Ok(Some(at));
        }
        while self.next >= self.rows.len() {
            let decoder = match &mut self.decoder {
                Some(d) => d,
                None => self.decoder.insert(self.start().map_err(failed)?),
            };
            let Some(rows) = decoder.next().map_err(failed)? else {
                return Ok(None);
            };
            self.rows = rows;
            self.next = 0;
        }
        let at = self.next_at;
        let r = self.next;
        let width = self.rows.width;
        let (Some(&start), Some(&end), Some(ends)) = (
            self.rows.starts.get(r),
            self.rows.starts.get(r + 1),
            self.rows.ends.get(r * width..(r + 1) * width),
        ) else {
            return Err(failed("a decoded batch is short of rows".to_string()));
        };
        if end.saturating_sub(start) > self.limit {
            return Err(ReadError::TooLong {
                line: at.line,
                limit: self.limit,
            });
        }
        record.set_row(self.rows.bytes.get(start..end).unwrap_or_default(), ends);
        self.next += 1;
        self.records += 1;
        self.group = self.group_of(self.records);
        self.next_at = self.locate();
        Ok(Some(at))
    }

    /// Starts decoding: on this thread, or on threads of their own.
    fn start(&self) -> Result<Decoder, String> {
        let mask = ProjectionMask::roots(
            self.metadata.parquet_schema(),
            self.read
                .iter()
                .enumerate()
                .filter(|(_, r)| **r)
                .map(|(i, _)| i),
        );
        let plan = plan(&self.read);
        let groups = self.metadata.metadata().num_row_groups();
        let threads = self.threads.min(groups.max(1));
        if threads <= 1 {
            let file = std::fs::File::open(&self.path)
                .map_err(|e| format!("cannot read the file: {e}"))?;
            let batches = guarded(|| {
                ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                    .with_projection(mask)
                    .with_batch_size(BATCH_ROWS)
                    .build()
                    .map_err(|e| e.to_string())
            })?;
            return Ok(Decoder::Inline { batches, plan });
        }
        let mut lanes = Vec::new();
        let mut workers = Vec::new();
        for k in 0..threads {
            let (send, lane) = sync_channel(AHEAD);
            let job = Job {
                path: self.path.clone(),
                metadata: self.metadata.clone(),
                mask: mask.clone(),
                plan: plan.clone(),
                groups: (k..groups).step_by(threads).collect(),
            };
            let worker = std::thread::Builder::new()
                .name(format!("parquet-{k}"))
                .spawn(move || job.run(&send))
                .map_err(|e| format!("cannot start a thread to decode row groups: {e}"))?;
            lanes.push(lane);
            workers.push(worker);
        }
        Ok(Decoder::Threads {
            lanes,
            group: 0,
            groups,
            workers,
        })
    }
}

impl Decoder {
    /// The next batch of rows in file order; `None` at the end.
    fn next(&mut self) -> Result<Option<Rows>, String> {
        match self {
            Decoder::Inline { batches, plan } => {
                let Some(batch) = guarded(|| Ok(batches.next()))? else {
                    return Ok(None);
                };
                let batch = batch.map_err(|e| e.to_string())?;
                guarded(|| rows(&batch, plan)).map(Some)
            }
            Decoder::Threads {
                lanes,
                group,
                groups,
                ..
            } => loop {
                if *group >= *groups {
                    return Ok(None);
                }
                let lane = lanes
                    .get(*group % lanes.len().max(1))
                    .ok_or_else(|| "no thread decodes the row groups".to_string())?;
                match lane.recv() {
                    Ok(Ok(Some(rows))) => return Ok(Some(rows)),
                    Ok(Ok(None)) => *group += 1,
                    Ok(Err(e)) => return Err(e),
                    Err(_) => {
                        return Err(format!(
                            "the thread decoding row group {group} stopped before its end"
                        ))
                    }
                }
            },
        }
    }
}

/// What a decoding thread does: its row groups, in order.
struct Job {
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    mask: ProjectionMask,
    plan: Vec<Option<usize>>,
    groups: Vec<usize>,
}

impl Job {
    fn run(self, send: &SyncSender<Message>) {
        for &g in &self.groups {
            if let Err(e) = self.group(g, send) {
                // The reader stops at the first error: nothing more to send.
                let _ = send.send(Err(e));
                return;
            }
            if send.send(Ok(None)).is_err() {
                return;
            }
        }
    }

    /// Decodes row group `g` and sends its rows; `Ok` also when the reader
    /// has gone (the run stopped).
    fn group(&self, g: usize, send: &SyncSender<Message>) -> Result<(), String> {
        let file =
            std::fs::File::open(&self.path).map_err(|e| format!("cannot read the file: {e}"))?;
        let mut batches = guarded(|| {
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                .with_projection(self.mask.clone())
                .with_row_groups(vec![g])
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| e.to_string())
        })?;
        while let Some(batch) = guarded(|| Ok(batches.next()))? {
            let batch = batch.map_err(|e| format!("row group {g}: {e}"))?;
            let rows = guarded(|| rows(&batch, &self.plan))?;
            if send.send(Ok(Some(rows))).is_err() {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// The reading error for a file that cannot be decoded.
fn failed(message: String) -> ReadError {
    ReadError::Io(std::io::Error::other(message))
}

/// Runs the decoder's `f`, turning a panic (a damaged file the decoder
/// did not foresee) into an error.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err("the file is damaged: its data cannot be decoded".to_string()))
}

/// Per header column: its column in a decoded batch, which holds the
/// columns read, in header order.
fn plan(read: &[bool]) -> Vec<Option<usize>> {
    let mut next = 0;
    read.iter()
        .map(|&r| {
            r.then(|| {
                next += 1;
                next - 1
            })
        })
        .collect()
}

/// Whether values of `ty` are written as cells.
fn readable(ty: &DataType) -> bool {
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
        | DataType::Decimal128(..)
        | DataType::Decimal256(..)
        | DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(_, None)
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView => true,
        DataType::Dictionary(_, values) => readable(values),
        _ => false,
    }
}

/// Writes one cell of a column (nothing for a null).
type Cells<'a> = Box<dyn Fn(usize, &mut Vec<u8>) + 'a>;

/// A batch's rows as text, every header column a cell (`plan` says which
/// batch column fills it, if any).
fn rows(batch: &RecordBatch, plan: &[Option<usize>]) -> Result<Rows, String> {
    let columns = batch.columns();
    let writers = plan
        .iter()
        .map(|p| match p {
            Some(j) => columns
                .get(*j)
                .ok_or_else(|| "a decoded batch lacks a column".to_string())
                .and_then(|c| cells(c.as_ref())),
            None => Ok(Box::new(|_: usize, _: &mut Vec<u8>| {}) as Cells<'_>),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let width = plan.len();
    let n = batch.num_rows();
    let mut rows = Rows {
        bytes: Vec::with_capacity(n * 16 * width.min(16)),
        starts: Vec::with_capacity(n + 1),
        ends: Vec::with_capacity(n * width),
        width,
    };
    rows.starts.push(0);
    for i in 0..n {
        let start = rows.bytes.len();
        for w in &writers {
            w(i, &mut rows.bytes);
            rows.ends.push(rows.bytes.len() - start);
        }
        rows.starts.push(rows.bytes.len());
    }
    Ok(rows)
}

/// The writer of a column's cells, by its type. Each is called once per
/// cell of every row read: the null test and the writing are the typed
/// array's own, inlined, with one dynamic call per cell.
fn cells(array: &dyn Array) -> Result<Cells<'_>, String> {
    fn texts<'a>(get: impl Fn(usize) -> &'a [u8] + 'a, array: &'a dyn Array) -> Cells<'a> {
        let nulls = array.nulls().cloned();
        Box::new(move |i, out: &mut Vec<u8>| {
            if nulls.as_ref().is_none_or(|n| n.is_valid(i)) {
                out.extend_from_slice(get(i));
            }
        })
    }
    fn shown<'a, T: ArrowPrimitiveType>(
        array: &'a dyn Array,
        show: impl Fn(T::Native, &mut Vec<u8>) + 'a,
    ) -> Cells<'a> {
        let values = array.as_primitive::<T>();
        Box::new(move |i, out: &mut Vec<u8>| {
            if values.is_valid(i) {
                show(values.value(i), out);
            }
        })
    }
    fn ints<'a, T: ArrowPrimitiveType>(array: &'a dyn Array) -> Cells<'a>
    where
        T::Native: Into<i128>,
    {
        shown::<T>(array, |n, out| push_int(out, n.into()))
    }
    let cells: Cells<'_> = match array.data_type() {
        DataType::Null => Box::new(|_, _| {}),
        DataType::Boolean => {
            let values = array.as_boolean();
            Box::new(move |i, out: &mut Vec<u8>| {
                if values.is_valid(i) {
                    out.extend_from_slice(if values.value(i) { b"true" } else { b"false" });
                }
            })
        }
        DataType::Int8 => ints::<Int8Type>(array),
        DataType::Int16 => ints::<Int16Type>(array),
        DataType::Int32 => ints::<Int32Type>(array),
        DataType::Int64 => ints::<Int64Type>(array),
        DataType::UInt8 => ints::<UInt8Type>(array),
        DataType::UInt16 => ints::<UInt16Type>(array),
        DataType::UInt32 => ints::<UInt32Type>(array),
        DataType::UInt64 => ints::<UInt64Type>(array),
        DataType::Float32 => shown::<Float32Type>(array, |v, out| {
            out.extend_from_slice(v.to_string().as_bytes())
        }),
        DataType::Float64 => shown::<Float64Type>(array, |v, out| {
            out.extend_from_slice(v.to_string().as_bytes())
        }),
        DataType::Decimal128(..) => {
            let values = array.as_primitive::<Decimal128Type>();
            Box::new(move |i, out: &mut Vec<u8>| {
                if values.is_valid(i) {
                    out.extend_from_slice(values.value_as_string(i).as_bytes());
                }
            })
        }
        DataType::Decimal256(..) => {
            let values = array.as_primitive::<Decimal256Type>();
            Box::new(move |i, out: &mut Vec<u8>| {
                if values.is_valid(i) {
                    out.extend_from_slice(values.value_as_string(i).as_bytes());
                }
            })
        }
        DataType::Date32 => shown::<Date32Type>(array, |days, out| push_day(out, days.into())),
        DataType::Date64 => shown::<Date64Type>(array, |ms, out| push_moment(out, ms, 1_000)),
        DataType::Timestamp(unit, None) => match unit {
            TimeUnit::Second => {
                shown::<TimestampSecondType>(array, |n, out| push_moment(out, n, 1))
            }
            TimeUnit::Millisecond => {
                shown::<TimestampMillisecondType>(array, |n, out| push_moment(out, n, 1_000))
            }
            TimeUnit::Microsecond => {
                shown::<TimestampMicrosecondType>(array, |n, out| push_moment(out, n, 1_000_000))
            }
            TimeUnit::Nanosecond => {
                shown::<TimestampNanosecondType>(array, |n, out| push_moment(out, n, 1_000_000_000))
            }
        },
        DataType::Utf8 => {
            let values = array.as_string::<i32>();
            texts(move |i| values.value(i).as_bytes(), array)
        }
        DataType::LargeUtf8 => {
            let values = array.as_string::<i64>();
            texts(move |i| values.value(i).as_bytes(), array)
        }
        DataType::Utf8View => {
            let values = array.as_string_view();
            texts(move |i| values.value(i).as_bytes(), array)
        }
        DataType::Binary => {
            let values = array.as_binary::<i32>();
            texts(move |i| values.value(i), array)
        }
        DataType::LargeBinary => {
            let values = array.as_binary::<i64>();
            texts(move |i| values.value(i), array)
        }
        DataType::BinaryView => {
            let values = array.as_binary_view();
            texts(move |i| values.value(i), array)
        }
        DataType::Dictionary(..) => {
            let dictionary = array
                .as_any_dictionary_opt()
                .ok_or_else(|| "a dictionary column is not one".to_string())?;
            // Every value null (a group of nulls only): nothing to look up,
            // and nothing to write.
            if dictionary.values().is_empty() {
                return Ok(Box::new(|_, _| {}));
            }
            let keys = dictionary.normalized_keys();
            let values = cells(dictionary.values().as_ref())?;
            let nulls = array.nulls().cloned();
            Box::new(move |i, out: &mut Vec<u8>| {
                if let (true, Some(&k)) =
                    (nulls.as_ref().is_none_or(|n| n.is_valid(i)), keys.get(i))
                {
                    values(k, out);
                }
            })
        }
        other => return Err(format!("values of Parquet type `{other}` are not read")),
    };
    Ok(cells)
}

/// Writes `n` in decimal.
fn push_int(out: &mut Vec<u8>, n: i128) {
    if n < 0 {
        out.push(b'-');
    }
    let mut digits = [0u8; 40];
    let mut at = digits.len();
    let magnitude = n.unsigned_abs();
    // Dividing 64 bits is one multiplication; 128 bits, a call.
    match u64::try_from(magnitude) {
        Ok(mut rest) => loop {
            at -= 1;
            if let Some(d) = digits.get_mut(at) {
                *d = b'0' + (rest % 10) as u8;
            }
            rest /= 10;
            if rest == 0 || at == 0 {
                break;
            }
        },
        Err(_) => {
            let mut rest = magnitude;
            loop {
                at -= 1;
                if let Some(d) = digits.get_mut(at) {
                    *d = b'0' + (rest % 10) as u8;
                }
                rest /= 10;
                if rest == 0 || at == 0 {
                    break;
                }
            }
        }
    }
    out.extend_from_slice(digits.get(at..).unwrap_or_default());
}

/// The year, month and day of the day `days` after 1970-01-01 (before it
/// if negative), in the proleptic Gregorian calendar: Howard Hinnant's
/// `civil_from_days`, a few integer operations where a calendar type's
/// constructor checks and converts.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Writes the day `days` after 1970-01-01 as the data contract does:
/// `2023-04-10`; a year past 9999 or before 0 as chrono writes it
/// (`+10000-01-01`), which no date column reads.
fn push_day(out: &mut Vec<u8>, days: i64) {
    let (y, m, d) = civil(days);
    match u32::try_from(y) {
        Ok(y) if y <= 9999 => out.extend_from_slice(&[
            b'0' + (y / 1000) as u8,
            b'0' + (y / 100 % 10) as u8,
            b'0' + (y / 10 % 10) as u8,
            b'0' + (y % 10) as u8,
            b'-',
            b'0' + (m / 10) as u8,
            b'0' + (m % 10) as u8,
            b'-',
            b'0' + (d / 10) as u8,
            b'0' + (d % 10) as u8,
        ]),
        _ => {
            let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
                .and_then(|epoch| epoch.checked_add_signed(chrono::TimeDelta::try_days(days)?));
            match date {
                Some(date) => out.extend_from_slice(date.to_string().as_bytes()),
                None => push_int(out, days.into()),
            }
        }
    }
}

/// Writes a moment `n` units (`per_second` a second) after 1970-01-01T00:00:
/// its date at midnight, else with its time of day (`2023-04-10T09:30:00`,
/// which a date column refuses).
fn push_moment(out: &mut Vec<u8>, n: i64, per_second: i64) {
    let per_day = per_second.saturating_mul(86_400);
    let (days, rest) = (n.div_euclid(per_day), n.rem_euclid(per_day));
    if rest == 0 {
        return push_day(out, days);
    }
    let seconds = rest / per_second;
    let nanos = (rest % per_second) * (1_000_000_000 / per_second);
    let time = chrono::NaiveTime::from_num_seconds_from_midnight_opt(
        u32::try_from(seconds).unwrap_or(0),
        u32::try_from(nanos).unwrap_or(0),
    )
    .unwrap_or(chrono::NaiveTime::MIN);
    push_day(out, days);
    out.extend_from_slice(time.format("T%H:%M:%S%.f").to_string().as_bytes());
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn integers_and_dates_are_written_as_the_contract_spells_them() {
        let mut out = Vec::new();
        for n in [
            0i128,
            7,
            -12,
            i64::MAX.into(),
            i64::MIN.into(),
            u64::MAX.into(),
            i128::MIN,
        ] {
            out.clear();
            push_int(&mut out, n);
            assert_eq!(String::from_utf8(out.clone()).unwrap(), n.to_string());
        }
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        // Every day from year 0 to 9999 as chrono writes it.
        for days in (-719_528..2_932_897)
            .step_by(7)
            .chain([-719_529, 2_932_897])
        {
            out.clear();
            push_day(&mut out, days);
            let chrono = epoch + chrono::TimeDelta::days(days);
            assert_eq!(
                String::from_utf8(out.clone()).unwrap(),
                chrono.to_string(),
                "{days}"
            );
        }
        out.clear();
        push_moment(
            &mut out,
            (19_457 * 86_400 + 9 * 3600 + 30 * 60) * 1_000 + 250,
            1_000,
        );
        assert_eq!(String::from_utf8(out).unwrap(), "2023-04-10T09:30:00.250");
    }

    /// A file of one row group per `rows` rows of these columns.
    fn file(columns: Vec<(&str, arrow_array::ArrayRef)>, rows: usize) -> tempfile::NamedTempFile {
        let out = tempfile::Builder::new()
            .suffix(".parquet")
            .tempfile()
            .unwrap();
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let properties = parquet::file::properties::WriterProperties::builder()
            .set_max_row_group_row_count(Some(rows))
            .build();
        let mut writer = parquet::arrow::ArrowWriter::try_new(
            out.reopen().unwrap(),
            batch.schema(),
            Some(properties),
        )
        .unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        out
    }

    fn cells(parquet: &mut Parquet) -> Vec<Vec<String>> {
        let mut record = Record::new();
        let mut rows = Vec::new();
        while parquet.read(&mut record).unwrap().is_some() {
            rows.push(
                record
                    .cells()
                    .unwrap()
                    .iter()
                    .map(|c| c.to_string())
                    .collect(),
            );
        }
        rows
    }

    #[test]
    fn each_type_is_read_as_the_contract_spells_it_and_only_the_columns_read() {
        use arrow_array::types::Int32Type;
        use arrow_array::*;
        use std::sync::Arc;
        let day = |y, m, d| {
            (NaiveDate::from_ymd_opt(y, m, d).unwrap()
                - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
            .num_days()
        };
        let nanos = |days: i64, seconds: i64| (days * 86_400 + seconds) * 1_000_000_000;
        let columns: Vec<(&str, ArrayRef)> = vec![
            (
                "text",
                Arc::new(StringArray::from(vec![Some("张三"), None, Some("c")])),
            ),
            (
                "issuer",
                Arc::new(
                    vec![Some("other"), Some("beijing_center"), None]
                        .into_iter()
                        .collect::<DictionaryArray<Int32Type>>(),
                ),
            ),
            (
                "level",
                Arc::new(Int32Array::from(vec![Some(-3), Some(0), None])),
            ),
            ("big", Arc::new(UInt64Array::from(vec![u64::MAX, 1, 2]))),
            (
                "flag",
                Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
            ),
            (
                "day",
                Arc::new(Date32Array::from(vec![
                    Some(day(2023, 4, 10) as i32),
                    Some(day(1969, 12, 31) as i32),
                    None,
                ])),
            ),
            (
                "when",
                Arc::new(TimestampNanosecondArray::from(vec![
                    nanos(day(2023, 4, 10), 0),
                    nanos(day(2023, 4, 10), 9 * 3600 + 30 * 60),
                    nanos(day(2023, 4, 11), 1),
                ])),
            ),
            (
                "share",
                Arc::new(Float64Array::from(vec![1234.5, 3.0, 0.1])),
            ),
            (
                "amount",
                Arc::new(
                    Decimal128Array::from(vec![123_450i128, -5, 0])
                        .with_precision_and_scale(10, 2)
                        .unwrap(),
                ),
            ),
        ];
        let f = file(columns, 2);
        for threads in [1, 2] {
            let mut parquet = Parquet::open(f.path(), threads, 1 << 20).unwrap();
            let mut read = vec![true; 9];
            read[3] = false;
            parquet.read_only(&read).unwrap();
            assert_eq!(
                cells(&mut parquet),
                [
                    vec![
                        "text", "issuer", "level", "big", "flag", "day", "when", "share", "amount"
                    ],
                    vec![
                        "张三",
                        "other",
                        "-3",
                        "",
                        "true",
                        "2023-04-10",
                        "2023-04-10",
                        "1234.5",
                        "1234.50"
                    ],
                    vec![
                        "",
                        "beijing_center",
                        "0",
                        "",
                        "false",
                        "1969-12-31",
                        "2023-04-10T09:30:00",
                        "3",
                        "-0.05"
                    ],
                    vec![
                        "c",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "2023-04-11T00:00:01",
                        "0.1",
                        "0.00"
                    ],
                ]
            );
        }
    }

    #[test]
    fn a_row_is_located_by_its_row_group() {
        let ids: Vec<String> = (0..7).map(|i| format!("P{i}")).collect();
        let f = file(
            vec![(
                "id",
                std::sync::Arc::new(arrow_array::StringArray::from(ids)) as _,
            )],
            3,
        );
        let mut parquet = Parquet::open(f.path(), 2, 1 << 20).unwrap();
        let mut record = Record::new();
        let mut at = Vec::new();
        while let Some(p) = parquet.read(&mut record).unwrap() {
            at.push((p.line, p.record, p.group.map(|g| (g.index, g.row))));
        }
        assert_eq!(
            at,
            [
                (1, 0, None),
                (2, 1, Some((0, 1))),
                (3, 2, Some((0, 2))),
                (4, 3, Some((0, 3))),
                (5, 4, Some((1, 1))),
                (6, 5, Some((1, 2))),
                (7, 6, Some((1, 3))),
                (8, 7, Some((2, 1))),
            ]
        );
    }

    #[test]
    fn a_column_of_a_type_no_field_holds_is_refused_only_if_read() {
        use arrow_array::types::Int32Type;
        let list = arrow_array::ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(
            vec![Some(1)],
        )]);
        let f = file(
            vec![
                (
                    "id",
                    std::sync::Arc::new(arrow_array::StringArray::from(vec!["a"])) as _,
                ),
                ("items", std::sync::Arc::new(list) as _),
            ],
            10,
        );
        let mut parquet = Parquet::open(f.path(), 1, 1 << 20).unwrap();
        let e = parquet.read_only(&[true, true]).unwrap_err();
        assert!(
            e.starts_with("column `items` holds values of Parquet type `List("),
            "{e}"
        );
        parquet.read_only(&[true, false]).unwrap();
        assert_eq!(cells(&mut parquet), [vec!["id", "items"], vec!["a", ""]]);
    }

    #[test]
    fn the_plan_puts_each_column_read_in_its_place() {
        assert_eq!(
            plan(&[true, false, true, true]),
            [Some(0), None, Some(1), Some(2)]
        );
    }
}
