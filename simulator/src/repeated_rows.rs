//! The rows of a file whose identifier an earlier row had, in row order,
//! found by sorting every identifier with its row on disk.
//!
//! A run that skips bad rows must know each repeat as its row is read. For
//! a file out of order, [`crate::identifiers`] reads the file's
//! identifiers once more at the first out of order and keeps the text of
//! those whose fingerprint comes more than once; a file that repeats many
//! (one appended to itself) would keep most of them. Beyond a bound it
//! comes here instead: every identifier is sorted with its row number, in
//! the external sort's bounded memory, by its fingerprint and then its
//! text (comparing two numbers first costs a fraction of comparing
//! texts); in that order a row whose identifier is the one before's
//! repeats it (ties keep the file's order, so the first row of each
//! identifier comes first), and those rows are sorted back into file
//! order, to be met one by one as the run reads them. Identifiers are
//! compared by their text: no two are ever taken for one.

use crate::identifiers::{fingerprint, Reread};
use crate::population::RowError;
use crate::sorted::{Sorted, Sorter, Spill};

/// Identifiers held in memory before a sorted run is spilled (some 50
/// bytes each): a few megabytes.
const BATCH_IDS: usize = if cfg!(test) { 3 } else { 1 << 17 };

/// Row numbers held before a sorted run is spilled (16 bytes each).
const BATCH_ROWS: usize = if cfg!(test) { 2 } else { 1 << 18 };

/// The rows of a file that repeat an earlier row's identifier, met in file
/// order.
pub struct RepeatedRows {
    /// The next repeat at or after the last row asked about.
    next: Option<u64>,
    rest: Sorted<Row>,
}

impl std::fmt::Debug for RepeatedRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RepeatedRows")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

/// An identifier, its fingerprint and its row's number.
struct Keyed {
    print: u64,
    id: Box<[u8]>,
    record: u64,
}

impl Keyed {
    fn order(a: &Keyed, b: &Keyed) -> std::cmp::Ordering {
        a.print.cmp(&b.print).then_with(|| a.id.cmp(&b.id))
    }
}

/// A repeat's row number.
struct Row(u64);

impl RepeatedRows {
    /// Every repeat of `file`, read once more from the start.
    pub fn find(file: &dyn Reread) -> Result<RepeatedRows, RowError> {
        let failed = |e: std::io::Error| file.failed(sort_failed(&e));
        // Ties keep the order pushed, which is the file's.
        let mut by_id = Sorter::new(Keyed::order, BATCH_IDS);
        let mut error = None;
        file.identifiers(u64::MAX, &mut |at, id| {
            let keyed = Keyed {
                print: fingerprint(id),
                id: id.into(),
                record: at.record,
            };
            match by_id.push(keyed) {
                Ok(()) => true,
                Err(e) => {
                    error = Some(e);
                    false
                }
            }
        })?;
        if let Some(e) = error {
            return Err(failed(e));
        }
        let mut repeats = Sorter::new(|a: &Row, b: &Row| a.0.cmp(&b.0), BATCH_ROWS);
        let mut last: Option<Box<[u8]>> = None;
        for keyed in by_id.sorted().map_err(failed)? {
            let Keyed { id, record, .. } = keyed.map_err(failed)?;
            if last.as_deref() == Some(&*id) {
                repeats.push(Row(record)).map_err(failed)?;
            } else {
                last = Some(id);
            }
        }
        let mut rows = RepeatedRows {
            next: None,
            rest: repeats.sorted().map_err(failed)?,
        };
        rows.advance().map_err(failed)?;
        Ok(rows)
    }

    /// Takes the next repeat off the list.
    fn advance(&mut self) -> std::io::Result<()> {
        self.next = self.rest.next().transpose()?.map(|r| r.0);
        Ok(())
    }

    /// Whether row `record` is the first with its identifier; rows are
    /// asked about in file order.
    pub fn first_time(&mut self, record: u64) -> std::io::Result<bool> {
        // Repeats of rows not asked about (none, as the run asks about
        // every row with an identifier) are passed over.
        while self.next.is_some_and(|n| n < record) {
            self.advance()?;
        }
        if self.next == Some(record) {
            self.advance()?;
            return Ok(false);
        }
        Ok(true)
    }
}

/// A message for a temporary file that cannot be written or read.
pub fn sort_failed(e: &std::io::Error) -> String {
    format!("cannot sort the identifiers in temporary files to find those that repeat: {e}")
}

/// The fingerprint, the row number, then the identifier's bytes.
impl Spill for Keyed {
    fn write(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
        out.extend_from_slice(&self.print.to_le_bytes());
        out.extend_from_slice(&self.record.to_le_bytes());
        out.extend_from_slice(&self.id);
        Ok(())
    }

    fn read(bytes: &[u8]) -> Option<Keyed> {
        let (print, rest) = bytes.split_first_chunk::<8>()?;
        let (record, id) = rest.split_first_chunk::<8>()?;
        Some(Keyed {
            print: u64::from_le_bytes(*print),
            id: id.into(),
            record: u64::from_le_bytes(*record),
        })
    }

    fn held(&self) -> usize {
        std::mem::size_of::<Keyed>() + self.id.len()
    }
}

/// The row number.
impl Spill for Row {
    fn write(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
        out.extend_from_slice(&self.0.to_le_bytes());
        Ok(())
    }

    fn read(bytes: &[u8]) -> Option<Row> {
        let record: [u8; 8] = bytes.try_into().ok()?;
        Some(Row(u64::from_le_bytes(record)))
    }

    fn held(&self) -> usize {
        std::mem::size_of::<Row>()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::population::RowPosition;

    /// A file of these identifiers (`None`: a row without one), one a row.
    struct File(Vec<Option<String>>);

    impl Reread for File {
        fn identifiers(
            &self,
            before: u64,
            f: &mut dyn FnMut(RowPosition, &[u8]) -> bool,
        ) -> Result<(), RowError> {
            for (i, id) in self.0.iter().enumerate() {
                let at = RowPosition {
                    record: i as u64 + 1,
                    ..RowPosition::default()
                };
                if at.record >= before {
                    break;
                }
                if let Some(id) = id {
                    if !f(at, id.as_bytes()) {
                        break;
                    }
                }
            }
            Ok(())
        }
        fn failed(&self, message: String) -> RowError {
            panic!("{message}")
        }
        fn repeated(&self, _: &[u8], _: RowPosition) -> RowError {
            unreachable!()
        }
    }

    /// Every row after the first with its identifier is a repeat, as a
    /// set of identifiers seen says, through many sorted runs on disk and
    /// whatever rows are asked about (from the first, or from one out of
    /// order on).
    #[test]
    fn the_rows_listed_are_those_a_set_finds_repeated() {
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 33
        };
        let ids: Vec<Option<String>> = (0..400)
            .map(|_| match next() % 9 {
                0 => None,
                // Identifiers that share a fingerprint, too.
                1 => Some(format!("clash{}", next() % 3)),
                n => Some(format!("工{}", n * 7 + next() % 30)),
            })
            .chain((0..50).map(|i| Some(format!("a{i}"))))
            .collect();
        let file = File(ids.clone());
        let mut seen = std::collections::HashSet::new();
        let expected: Vec<bool> = ids
            .iter()
            .map(|id| id.as_ref().is_none_or(|id| seen.insert(id.clone())))
            .collect();
        assert!(expected.iter().filter(|&&e| !e).count() > 200);
        for from in [0, 1, 137] {
            let mut rows = RepeatedRows::find(&file).unwrap();
            for (i, (id, &first)) in ids.iter().zip(&expected).enumerate().skip(from) {
                if id.is_some() {
                    let record = i as u64 + 1;
                    assert_eq!(rows.first_time(record).unwrap(), first, "row {record}");
                }
            }
        }
    }

    /// An identifier comes back as it went, with any bytes; fewer than a
    /// row number's are not one.
    #[test]
    fn an_identifier_and_its_row_read_back_as_written() {
        for id in [&b""[..], "工会 1".as_bytes(), &[0, 0xff, 10]] {
            let keyed = Keyed {
                print: 3,
                id: id.into(),
                record: u64::MAX - 1,
            };
            let mut bytes = Vec::new();
            keyed.write(&mut bytes).unwrap();
            let back = Keyed::read(&bytes).unwrap();
            assert_eq!((back.print, &*back.id, back.record), (3, id, u64::MAX - 1));
            assert!(Keyed::read(&bytes[..15]).is_none());
        }
        let mut bytes = Vec::new();
        Row(9).write(&mut bytes).unwrap();
        assert_eq!(Row::read(&bytes).map(|r| r.0), Some(9));
        assert!(Row::read(&bytes[..7]).is_none());
    }
}
