//! A Parquet file as records: a population or list file ending in
//! `.parquet`. Its top-level columns' names are the header, and each value
//! becomes the text the data contract reads (`crate::arrow_text`), so that
//! one parser (with the register's spellings, `crate::spelling`) reads CSV,
//! sheets and Parquet alike, and a Parquet file gives the report its rows
//! give as CSV.
//!
//! A column of another type (a list, a struct, a timestamp in a time zone)
//! is refused when the run would read it. Only the columns the run reads are
//! decoded ([`Parquet::read_only`]); the others are empty cells.
//!
//! A run on several threads reads the row groups each on its own, on every
//! thread ([`RowGroups`], and `crate::run`'s ranges). A run that reads the
//! file in order (with list files read in step, with quotas) decodes row
//! groups on threads of their own with four threads or more (half the
//! run's threads), each taking every n-th group and handing its rows on as
//! text through a bounded channel, and read back in file order: memory
//! holds a few batches per thread, whatever the file's size. With fewer,
//! the reading thread decodes as it goes.
//!
//! A row's position is its row group (from 0, as Parquet tools number them)
//! and its row in it (from 1); its line is its row number in the file plus
//! one, the line it would be on in the same rows written as CSV.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;

use crate::arrow_text::{readable, rows, Rows};
use crate::records::{ReadError, Record, RowGroupAt, RowPosition};

/// Rows decoded at a time: a batch of text is a few hundred kilobytes.
const BATCH_ROWS: usize = 4096;

/// Batches a decoding thread may have waiting for the reader.
const AHEAD: usize = 2;

/// Whether a file is read as Parquet: its name ends in `.parquet`.
pub fn is_parquet(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".parquet")
}

/// What a decoding thread hands on: a batch of its group's rows, `None`
/// at the end of the group, or why decoding stopped.
type Message = Result<Option<Rows>, String>;

/// A Parquet file, read row by row.
pub struct Parquet {
    /// The file, its footer and the columns decoded.
    file: RowGroups,
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
    /// The row group of the next row.
    group: usize,
    /// Where the next record starts ([`Parquet::locate`], worked out once
    /// a row: the run asks before each read).
    next_at: RowPosition,
    /// A reader of one row group ([`RowGroups::open`]): only its rows.
    only: Option<usize>,
}

/// A Parquet file as its row groups, each of which can be read on its
/// own: `crate::run` decides a file's row groups on every thread, as it
/// does ranges of a CSV file's lines. A row's position is the one reading
/// the whole file gives it, since the footer says where every group starts.
#[derive(Clone)]
pub struct RowGroups {
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    header: Vec<String>,
    /// Per column: whether it is decoded (the others are empty cells).
    read: Vec<bool>,
    /// Per row group: the file's row at which it starts, then the file's
    /// rows; and the bytes of the groups before it.
    group_starts: Vec<u64>,
    group_bytes: Vec<u64>,
    /// The longest row accepted, in bytes (as text).
    limit: usize,
}

impl RowGroups {
    /// The file's row groups.
    pub fn len(&self) -> usize {
        self.group_starts.len().saturating_sub(1)
    }

    /// Whether the file has no row group.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The compressed bytes before group `g` and up to its end (the
    /// progress reading it makes).
    pub fn bytes(&self, g: usize) -> (u64, u64) {
        let at = |g: usize| self.group_bytes.get(g).copied().unwrap_or(0);
        (at(g), at(g.saturating_add(1)))
    }

    /// A reader of group `g`'s rows alone, its header already read: its
    /// first row is where it is in the file.
    pub fn open(&self, g: usize) -> Parquet {
        let records = self.group_starts.get(g).copied().unwrap_or(0);
        let mut parquet = Parquet {
            file: self.clone(),
            threads: 1,
            decoder: None,
            header_read: true,
            rows: Rows::default(),
            next: 0,
            records,
            group: g,
            next_at: RowPosition::default(),
            only: Some(g),
        };
        parquet.advance();
        parquet
    }
}

/// Where decoded rows come from.
enum Decoder {
    /// One thread: the reading thread decodes the row groups in turn.
    /// A group at a time, so that a batch never spans two groups and a
    /// group that cannot be decoded is found at the row a row group's
    /// reader (on several threads) finds it.
    Inline {
        groups: Groups,
        /// The groups still to read, in turn.
        next: std::ops::Range<usize>,
        /// The group being read.
        batches: Option<ParquetRecordBatchReader>,
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
            file: RowGroups {
                path: path.to_path_buf(),
                read: vec![true; header.len()],
                metadata,
                header,
                group_starts,
                group_bytes,
                limit,
            },
            threads: threads.max(1),
            decoder: None,
            header_read: false,
            rows: Rows::default(),
            next: 0,
            records: 0,
            group: 0,
            next_at: RowPosition {
                line: 1,
                ..RowPosition::default()
            },
            only: None,
        })
    }

    /// The file's row groups, to be read each on its own, with the columns
    /// this reader decodes.
    pub fn row_groups(&self) -> RowGroups {
        self.file.clone()
    }

    /// Decodes only the columns marked in `columns` (by their place in the
    /// header); the others are read as empty cells. Refuses a column to be
    /// read whose type holds no value of the data contract.
    pub fn read_only(&mut self, columns: &[bool]) -> Result<(), String> {
        for ((field, read), wanted) in self
            .file
            .metadata
            .schema()
            .fields()
            .iter()
            .zip(&mut self.file.read)
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
        let mut at = RowPosition {
            line: 1,
            ..RowPosition::default()
        };
        if self.header_read {
            let group = self.group_of(self.records);
            place(&mut at, self.records, group, &self.file.group_starts);
        }
        at
    }

    /// Moves on to the next record: its row group, and where it starts,
    /// written in place. Returned from [`Parquet::locate`], the position was
    /// copied at once with loads wider than the stores that had just
    /// written it (a row group's index and row, 4 bytes each), which
    /// waited for them: 40% of `Parquet::read`'s samples.
    fn advance(&mut self) {
        self.group = self.group_of(self.records);
        place(
            &mut self.next_at,
            self.records,
            self.group,
            &self.file.group_starts,
        );
    }

    /// The row group of the file's row `row` (from 0), at or after the
    /// current one: past those the rows before it fill, empty ones included.
    fn group_of(&self, row: u64) -> usize {
        let mut group = self.group;
        while self
            .file
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
        self.file.group_bytes.get(self.group).copied().unwrap_or(0)
    }

    /// Reads the header (the columns' names), then each row; `Ok(false)`
    /// at the end.
    pub fn read(&mut self, record: &mut Record) -> Result<bool, ReadError> {
        if !self.header_read {
            record.set_cells(&self.file.header, usize::MAX);
            record.set_at(self.next_at);
            self.header_read = true;
            self.next_at = self.locate();
            return Ok(true);
        }
        while self.next >= self.rows.len() {
            let decoder = match &mut self.decoder {
                Some(d) => d,
                None => self.decoder.insert(self.start().map_err(failed)?),
            };
            let Some(rows) = decoder.next().map_err(failed)? else {
                return Ok(false);
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
        if end.saturating_sub(start) > self.file.limit {
            return Err(ReadError::TooLong {
                line: at.line,
                limit: self.file.limit,
            });
        }
        record.set_row(self.rows.bytes.get(start..end).unwrap_or_default(), ends);
        record.set_at(at);
        self.next += 1;
        self.records += 1;
        self.advance();
        Ok(true)
    }

    /// Starts decoding: on this thread, or on threads of their own.
    fn start(&self) -> Result<Decoder, String> {
        let mask = ProjectionMask::roots(
            self.file.metadata.parquet_schema(),
            self.file
                .read
                .iter()
                .enumerate()
                .filter(|(_, r)| **r)
                .map(|(i, _)| i),
        );
        let plan = plan(&self.file.read);
        let groups = self.file.metadata.metadata().num_row_groups();
        // Half the run's threads decode: decoding is about a third of a
        // run's CPU, and the others decide. With two threads the reading
        // thread decoding as it goes was faster than a thread of its own
        // (10M rows: 1.64–1.71 s against 2.04–2.11 s, and 29 MB against
        // 39 MB; docs/performance.md).
        let threads = (self.threads / 2).min(groups.max(1));
        let source = Groups {
            path: self.file.path.clone(),
            metadata: self.file.metadata.clone(),
            mask,
        };
        // A row group's reader has one thread: it decodes inline.
        if threads <= 1 {
            let next = match self.only {
                Some(g) => g..g.saturating_add(1),
                None => 0..groups,
            };
            return Ok(Decoder::Inline {
                groups: source,
                next,
                batches: None,
                plan,
            });
        }
        let mut lanes = Vec::new();
        let mut workers = Vec::new();
        for k in 0..threads {
            let (send, lane) = sync_channel(AHEAD);
            let job = Job {
                source: source.clone(),
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
            Decoder::Inline {
                groups,
                next,
                batches,
                plan,
            } => loop {
                if let Some(reader) = batches {
                    match guarded(|| Ok(reader.next()))? {
                        Some(batch) => {
                            let batch = batch.map_err(|e| e.to_string())?;
                            return guarded(|| rows(&batch, plan)).map(Some);
                        }
                        None => *batches = None,
                    }
                }
                let Some(g) = next.next() else {
                    return Ok(None);
                };
                *batches = Some(groups.open(g)?);
            },
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
    source: Groups,
    plan: Vec<Option<usize>>,
    groups: Vec<usize>,
}

/// Where row groups are decoded from: the file, and its columns read.
#[derive(Clone)]
struct Groups {
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    mask: ProjectionMask,
}

impl Groups {
    /// A reader of group `g`'s batches.
    fn open(&self, g: usize) -> Result<ParquetRecordBatchReader, String> {
        let file =
            std::fs::File::open(&self.path).map_err(|e| format!("cannot read the file: {e}"))?;
        guarded(|| {
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                .with_projection(self.mask.clone())
                .with_row_groups(vec![g])
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| e.to_string())
        })
    }
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
        let mut batches = self.source.open(g)?;
        while let Some(batch) = guarded(|| Ok(batches.next()))? {
            // The row it stops at names the group.
            let batch = batch.map_err(|e| e.to_string())?;
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

/// Sets `at` to the start of the file's row `records` (from 0, after the
/// header), in row group `group`, whose first row is `starts[group]`.
fn place(at: &mut RowPosition, records: u64, group: usize, starts: &[u64]) {
    let start = starts.get(group).copied().unwrap_or(0);
    at.line = records.saturating_add(2);
    at.byte = 0;
    at.record = records.saturating_add(1);
    at.part = 0;
    at.group = Some(RowGroupAt {
        index: u32::try_from(group).unwrap_or(u32::MAX),
        row: u32::try_from(records.saturating_sub(start).saturating_add(1)).unwrap_or(u32::MAX),
    });
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use arrow_array::RecordBatch;
    use chrono::NaiveDate;

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
        while parquet.read(&mut record).unwrap() {
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
        while parquet.read(&mut record).unwrap() {
            let p = record.at();
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
