//! Sorting more rows than memory holds: an external merge sort.
//!
//! Rows are kept in memory up to a bound, then sorted and spilled to a
//! temporary file (a "run", one JSON line a row) in a temporary folder of
//! their own; at the end the runs are merged, at most [`FAN_IN`] files at a
//! time, so memory holds one bounded batch and one row per open run, and
//! no more files are open than that, whatever the number of rows. The
//! order is total (a row's key, then the order it was pushed in), so the
//! output does not depend on where the runs were cut.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Runs merged at once: the files open at a time.
pub const FAN_IN: usize = 64;

/// Rows sorted by `key`, ties in the order they were pushed.
pub struct Sorter<T, K> {
    key: fn(&T) -> K,
    /// Rows in memory, with their push number.
    batch: Vec<(u64, T)>,
    /// Rows held in memory before a run is spilled.
    limit: usize,
    pushed: u64,
    /// The temporary folder, once a run is spilled; removed when dropped.
    dir: Option<tempfile::TempDir>,
    runs: Vec<PathBuf>,
    /// Run files made so far: the next one's name.
    made: u64,
}

impl<T: Serialize + DeserializeOwned, K: Ord> Sorter<T, K> {
    /// A sorter holding at most `limit` rows in memory (at least 1).
    pub fn new(key: fn(&T) -> K, limit: usize) -> Sorter<T, K> {
        Sorter {
            key,
            batch: Vec::new(),
            limit: limit.max(1),
            pushed: 0,
            dir: None,
            runs: Vec::new(),
            made: 0,
        }
    }

    pub fn push(&mut self, row: T) -> std::io::Result<()> {
        self.batch.push((self.pushed, row));
        self.pushed += 1;
        if self.batch.len() >= self.limit {
            self.spill()?;
        }
        Ok(())
    }

    /// Sorts the rows in memory into a run of their own.
    fn spill(&mut self) -> std::io::Result<()> {
        let key = self.key;
        self.batch.sort_by_key(|a| (key(&a.1), a.0));
        let batch = std::mem::take(&mut self.batch);
        let path = self.new_run()?;
        let mut out = BufWriter::new(std::fs::File::create(&path)?);
        for row in &batch {
            write_row(&mut out, row)?;
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
    pub fn finish(mut self, each: &mut dyn FnMut(T) -> std::io::Result<()>) -> std::io::Result<()> {
        if self.runs.is_empty() {
            let key = self.key;
            self.batch.sort_by_key(|a| (key(&a.1), a.0));
            for (_, row) in self.batch {
                each(row)?;
            }
            return Ok(());
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
            merge(self.key, &group, &mut |row| write_row(&mut out, &row))?;
            out.flush()?;
            for g in &group {
                std::fs::remove_file(g)?;
            }
            self.runs.push(path);
        }
        merge(self.key, &self.runs, &mut |(_, row)| each(row))
    }
}

/// One row of a run: its push number, then the row.
fn write_row<T: Serialize>(out: &mut impl Write, row: &(u64, T)) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, row)?;
    out.write_all(b"\n")
}

/// The next row of a run, if any.
fn read_row<T: DeserializeOwned>(
    run: &mut BufReader<std::fs::File>,
    line: &mut String,
) -> std::io::Result<Option<(u64, T)>> {
    line.clear();
    if run.read_line(line)? == 0 {
        return Ok(None);
    }
    Ok(Some(serde_json::from_str(line)?))
}

/// Merges sorted runs into `each`, in order.
fn merge<T: DeserializeOwned, K: Ord>(
    key: fn(&T) -> K,
    runs: &[PathBuf],
    each: &mut dyn FnMut((u64, T)) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut readers = Vec::with_capacity(runs.len());
    for path in runs {
        readers.push(BufReader::new(std::fs::File::open(path)?));
    }
    let mut line = String::new();
    // Per run, its next row; the heap holds (key, push number, run).
    let mut heads: Vec<Option<(u64, T)>> = Vec::with_capacity(runs.len());
    let mut heap = BinaryHeap::new();
    for (i, r) in readers.iter_mut().enumerate() {
        let head = read_row(r, &mut line)?;
        if let Some((n, row)) = &head {
            heap.push(Reverse((key(row), *n, i)));
        }
        heads.push(head);
    }
    while let Some(Reverse((_, _, i))) = heap.pop() {
        let (Some(slot), Some(reader)) = (heads.get_mut(i), readers.get_mut(i)) else {
            continue;
        };
        let next = read_row(reader, &mut line)?;
        if let Some((n, row)) = &next {
            heap.push(Reverse((key(row), *n, i)));
        }
        if let Some(row) = std::mem::replace(slot, next) {
            each(row)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Whatever the bound, the rows come out as a stable in-memory sort
    /// gives them, through many runs and more than one merge pass.
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
        expected.sort_by_key(|r| Reverse(r.0.abs()));
        for limit in [1, 3, 7, 100, 5000] {
            let mut sorter = Sorter::new(|r: &(i64, String)| Reverse(r.0.abs()), limit);
            for r in &rows {
                sorter.push(r.clone()).unwrap();
            }
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
