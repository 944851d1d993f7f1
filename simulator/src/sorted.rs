//! Sorting more rows than memory holds: an external merge sort.
//!
//! Rows are kept in memory up to a bound, then sorted and spilled to a
//! temporary file (a "run": each row its length, its push number and its
//! bytes, as [`Spill`] writes them) in a temporary folder of their own; at
//! the end the runs are merged, at most [`FAN_IN`] files at a time, so
//! memory holds one bounded batch and one row per open run, and no more
//! files are open than that, whatever the number of rows. The order is
//! total (the rows' order, then the order they were pushed in), so the
//! output does not depend on where the runs were cut.

use std::cmp::Ordering;
use std::collections::binary_heap::PeekMut;
use std::collections::BinaryHeap;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

/// Runs merged at once: the files open at a time.
pub const FAN_IN: usize = 64;

/// Bytes of rows held in memory before a run is spilled, whatever their
/// number: a row may hold long text (an identifier, a cell quoted in an
/// error).
const HELD_BYTES: usize = if cfg!(test) { 4096 } else { 16 << 20 };

/// How a row is written to a run and read back: the sorter frames the
/// bytes, a row writes only its own.
pub trait Spill: Sized {
    fn write(&self, out: &mut Vec<u8>) -> std::io::Result<()>;
    /// The row [`Spill::write`] wrote as these bytes, all of them; `None`
    /// if they are not one (the run's file was damaged).
    fn read(bytes: &[u8]) -> Option<Self>;
    /// About the bytes the row holds in memory, its own and those it
    /// points to.
    fn held(&self) -> usize;
}

/// Rows sorted by `order`, ties in the order they were pushed.
#[derive(Debug)]
pub struct Sorter<T> {
    order: fn(&T, &T) -> Ordering,
    /// Rows in memory, with their push number.
    batch: Vec<(u64, T)>,
    /// Rows held in memory before a run is spilled.
    limit: usize,
    /// What the rows in memory hold ([`Spill::held`]).
    held: usize,
    pushed: u64,
    /// The temporary folder, once a run is spilled; removed when dropped.
    dir: Option<tempfile::TempDir>,
    runs: Vec<PathBuf>,
    /// Run files made so far: the next one's name.
    made: u64,
}

impl<T: Spill> Sorter<T> {
    /// A sorter holding at most `limit` rows in memory (at least 1).
    pub fn new(order: fn(&T, &T) -> Ordering, limit: usize) -> Sorter<T> {
        Sorter {
            order,
            batch: Vec::new(),
            limit: limit.max(1),
            held: 0,
            pushed: 0,
            dir: None,
            runs: Vec::new(),
            made: 0,
        }
    }

    pub fn push(&mut self, row: T) -> std::io::Result<()> {
        self.held += row.held();
        self.batch.push((self.pushed, row));
        self.pushed += 1;
        if self.batch.len() >= self.limit || self.held >= HELD_BYTES {
            self.spill()?;
        }
        Ok(())
    }

    /// Sorts the rows in memory into a run of their own.
    fn spill(&mut self) -> std::io::Result<()> {
        let order = self.order;
        self.batch
            .sort_unstable_by(|a, b| order(&a.1, &b.1).then(a.0.cmp(&b.0)));
        self.held = 0;
        let path = self.new_run()?;
        let mut out = BufWriter::new(std::fs::File::create(&path)?);
        let mut bytes = Vec::new();
        // Drained, not taken: the next batch fills the same memory rather
        // than growing a new vector (and copying it) from nothing.
        for row in self.batch.drain(..) {
            write_row(&mut out, &row, &mut bytes)?;
        }
        out.flush()?;
        self.runs.push(path);
        Ok(())
    }

    fn new_run(&mut self) -> std::io::Result<PathBuf> {
        let dir = match &self.dir {
            Some(d) => d,
            None => self
                .dir
                .insert(tempfile::Builder::new().prefix("bursar-sort").tempdir()?),
        };
        let path = dir.path().join(format!("run-{}", self.made));
        self.made += 1;
        Ok(path)
    }

    /// Every row, in order, to `each`.
    pub fn finish(self, each: &mut dyn FnMut(T) -> std::io::Result<()>) -> std::io::Result<()> {
        for row in self.sorted()? {
            each(row?)?;
        }
        Ok(())
    }

    /// Every row, in order, as they are read back.
    pub fn sorted(mut self) -> std::io::Result<Sorted<T>> {
        let order = self.order;
        if self.runs.is_empty() {
            self.batch
                .sort_unstable_by(|a, b| order(&a.1, &b.1).then(a.0.cmp(&b.0)));
            return Ok(Sorted {
                batch: std::mem::take(&mut self.batch).into_iter(),
                merge: None,
                _dir: None,
            });
        }
        if !self.batch.is_empty() {
            self.spill()?;
        }
        // Merge the first runs into one until few enough are left to open
        // together.
        while self.runs.len() > FAN_IN {
            let group: Vec<PathBuf> = self.runs.drain(..FAN_IN).collect();
            let path = self.new_run()?;
            let mut out = BufWriter::new(std::fs::File::create(&path)?);
            let mut bytes = Vec::new();
            let mut merge = Merge::open(order, &group)?;
            while let Some(row) = merge.next_row()? {
                write_row(&mut out, &row, &mut bytes)?;
            }
            out.flush()?;
            for g in &group {
                std::fs::remove_file(g)?;
            }
            self.runs.push(path);
        }
        Ok(Sorted {
            batch: Vec::new().into_iter(),
            merge: Some(Merge::open(order, &self.runs)?),
            _dir: self.dir.take(),
        })
    }
}

/// A sorter's rows in order ([`Sorter::sorted`]); after an error, no more.
pub struct Sorted<T> {
    /// The rows, when none were spilled.
    batch: std::vec::IntoIter<(u64, T)>,
    /// The runs on disk, when some were.
    merge: Option<Merge<T>>,
    /// The runs' folder, removed once the rows are read.
    _dir: Option<tempfile::TempDir>,
}

impl<T: Spill> Iterator for Sorted<T> {
    type Item = std::io::Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some((_, row)) = self.batch.next() {
            return Some(Ok(row));
        }
        match self.merge.as_mut()?.next_row() {
            Ok(row) => row.map(|(_, row)| Ok(row)),
            Err(e) => {
                self.merge = None;
                Some(Err(e))
            }
        }
    }
}

/// One row of a run: the length of its bytes (4 bytes), its push number
/// (8), then its bytes; all little-endian.
fn write_row<T: Spill>(
    out: &mut impl Write,
    (n, row): &(u64, T),
    bytes: &mut Vec<u8>,
) -> std::io::Result<()> {
    bytes.clear();
    row.write(bytes)?;
    let len = u32::try_from(bytes.len())
        .map_err(|_| std::io::Error::other("a row too large to sort on disk"))?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(&n.to_le_bytes())?;
    out.write_all(bytes)
}

/// The next row of a run, if any.
fn read_row<T: Spill>(
    run: &mut BufReader<std::fs::File>,
    bytes: &mut Vec<u8>,
) -> std::io::Result<Option<(u64, T)>> {
    // The end of a run comes between rows, never inside one.
    if run.fill_buf()?.is_empty() {
        return Ok(None);
    }
    let mut len = [0; 4];
    run.read_exact(&mut len)?;
    let mut n = [0; 8];
    run.read_exact(&mut n)?;
    bytes.resize(u32::from_le_bytes(len) as usize, 0);
    run.read_exact(bytes)?;
    let row = T::read(bytes).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "a temporary file of the sort was changed while it was read",
        )
    })?;
    Ok(Some((u64::from_le_bytes(n), row)))
}

/// A run's next row in the merge: ordered by the row, then its push
/// number, smallest first (the heap is a max-heap).
struct Head<T> {
    order: fn(&T, &T) -> Ordering,
    n: u64,
    row: T,
    run: usize,
}

impl<T> Ord for Head<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.order)(&other.row, &self.row).then(other.n.cmp(&self.n))
    }
}

impl<T> PartialOrd for Head<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> PartialEq for Head<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T> Eq for Head<T> {}

/// Sorted runs read together, smallest row first.
struct Merge<T> {
    order: fn(&T, &T) -> Ordering,
    readers: Vec<BufReader<std::fs::File>>,
    /// Each run's next row.
    heap: BinaryHeap<Head<T>>,
    bytes: Vec<u8>,
}

impl<T: Spill> Merge<T> {
    fn open(order: fn(&T, &T) -> Ordering, runs: &[PathBuf]) -> std::io::Result<Merge<T>> {
        let mut readers = Vec::with_capacity(runs.len());
        for path in runs {
            readers.push(BufReader::new(std::fs::File::open(path)?));
        }
        let mut bytes = Vec::new();
        let mut heap = BinaryHeap::with_capacity(runs.len());
        for (run, r) in readers.iter_mut().enumerate() {
            if let Some((n, row)) = read_row(r, &mut bytes)? {
                heap.push(Head { order, n, row, run });
            }
        }
        Ok(Merge {
            order,
            readers,
            heap,
            bytes,
        })
    }

    /// The next row of all the runs, with its push number.
    fn next_row(&mut self) -> std::io::Result<Option<(u64, T)>> {
        let Some(mut top) = self.heap.peek_mut() else {
            return Ok(None);
        };
        let run = top.run;
        let next = match self.readers.get_mut(run) {
            Some(reader) => read_row(reader, &mut self.bytes)?,
            None => None,
        };
        let head = match next {
            // The run's next row takes its place at the top and sinks to
            // where it belongs: one pass down the heap, where a pop and a
            // push take two and move every row they pass.
            Some((n, row)) => {
                let order = self.order;
                std::mem::replace(&mut *top, Head { order, n, row, run })
            }
            None => PeekMut::pop(top),
        };
        Ok(Some((head.n, head.row)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    impl Spill for (i64, String) {
        fn write(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
            out.extend_from_slice(&self.0.to_le_bytes());
            out.extend_from_slice(self.1.as_bytes());
            Ok(())
        }

        fn read(bytes: &[u8]) -> Option<Self> {
            let (n, text) = bytes.split_first_chunk::<8>()?;
            Some((
                i64::from_le_bytes(*n),
                String::from_utf8(text.to_vec()).ok()?,
            ))
        }

        fn held(&self) -> usize {
            std::mem::size_of::<Self>() + self.1.len()
        }
    }

    /// Whatever the bound, in rows or in bytes, the rows come out as a
    /// stable in-memory sort gives them, through many runs and more than
    /// one merge pass.
    #[test]
    fn sorts_as_in_memory_whatever_the_bound() {
        let rows: Vec<(i64, String)> = (0..2000u64)
            .map(|i| {
                (
                    ((i * 7919) % 37) as i64 - 18,
                    format!("row {i}, \"quoted\""),
                )
            })
            .collect();
        let mut expected = rows.clone();
        expected.sort_by_key(|r| std::cmp::Reverse(r.0.abs()));
        for limit in [1, 3, 7, 100, 5000] {
            let mut sorter = Sorter::new(|a: &(i64, String), b| b.0.abs().cmp(&a.0.abs()), limit);
            for r in &rows {
                sorter.push(r.clone()).unwrap();
            }
            // 2,000 rows are more bytes than are held: spilled whatever
            // their number.
            assert!(!sorter.runs.is_empty(), "limit {limit}");
            let mut out = Vec::new();
            sorter
                .finish(&mut |r| {
                    out.push(r);
                    Ok(())
                })
                .unwrap();
            assert_eq!(out, expected, "limit {limit}");
        }
    }
}
