//! Which of many identifier fingerprints occur more than once, and where
//! the first repeat is, in bounded memory and without random access to a
//! large table.
//!
//! A hash set of every fingerprint costs 9 to 18 bytes a row and a cache
//! miss per row once it outgrows the cache (about 1 s per 3 million rows
//! on the project's machine, docs/performance.md). Here a fingerprint and
//! its row's number are appended to one of 256 vectors (`BUCKETS`) by
//! eight of the fingerprint's bits, which touches a few hundred cache lines
//! in all; past [`HELD`] of them the buckets are written to a temporary
//! file (deleted when dropped, even if the process dies) and emptied. At
//! the end each bucket, a 256th of the rows, is read back and looked at on
//! its own, in memory small enough for the cache.

use std::collections::HashSet;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};

/// Buckets, chosen by bits 48 to 55 of a fingerprint: bits a hash set of
/// fingerprints does not place by (it uses the lowest bits for the slot
/// and the top seven as a tag), so a bucket's set is as well spread as a
/// set of all of them.
const BUCKETS: usize = 256;

/// Rows held in memory before the buckets are written out: 2 MB (a
/// bucket may have twice its share of capacity: 4 MB at most). 8 MB took
/// the same time on 10M shuffled rows and 10 MB more at the peak; the
/// stores into the buckets miss the cache either way.
pub const HELD: usize = 1 << 17;

/// One row: its identifier's fingerprint and its number.
type Entry = (u64, u64);

/// Bytes of an entry written out.
const ENTRY: usize = 16;

/// A multiset of fingerprints, each with the row it came from.
#[derive(Debug)]
pub struct Fingerprints {
    buckets: Vec<Vec<Entry>>,
    held: usize,
    /// Once the buckets have been written out.
    spill: Option<Spill>,
    /// Rows held before writing out (tests make it small).
    limit: usize,
}

/// The temporary file and, per bucket, where its written parts are.
#[derive(Debug)]
struct Spill {
    file: BufWriter<File>,
    written: u64,
    /// Per bucket: (offset, entries) of each part.
    parts: Vec<Vec<(u64, usize)>>,
}

/// The earliest row whose fingerprint an earlier row had
/// ([`Fingerprints::first_repeat`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Repeat {
    pub fingerprint: u64,
    /// The first row with the fingerprint.
    pub first: u64,
    /// The second: the row that repeats it.
    pub row: u64,
}

impl Default for Fingerprints {
    fn default() -> Self {
        Fingerprints::holding(HELD)
    }
}

impl Fingerprints {
    /// Writing out past `limit` rows held.
    pub fn holding(limit: usize) -> Fingerprints {
        Fingerprints {
            buckets: vec![Vec::new(); BUCKETS],
            held: 0,
            spill: None,
            limit: limit.max(1),
        }
    }

    /// Adds row `row`'s fingerprint.
    pub fn push(&mut self, fingerprint: u64, row: u64) -> std::io::Result<()> {
        if let Some(b) = self.buckets.get_mut(bucket(fingerprint)) {
            b.push((fingerprint, row));
        }
        self.held += 1;
        if self.held >= self.limit {
            self.write_out()?;
        }
        Ok(())
    }

    /// Writes every bucket to the temporary file and empties it (keeping
    /// its capacity, which the next rows fill again).
    fn write_out(&mut self) -> std::io::Result<()> {
        let spill = match &mut self.spill {
            Some(s) => s,
            None => self.spill.insert(Spill {
                file: BufWriter::with_capacity(1 << 16, tempfile::tempfile()?),
                written: 0,
                parts: vec![Vec::new(); BUCKETS],
            }),
        };
        for (bucket, parts) in self.buckets.iter_mut().zip(&mut spill.parts) {
            if bucket.is_empty() {
                continue;
            }
            for (f, row) in bucket.iter() {
                spill.file.write_all(&f.to_le_bytes())?;
                spill.file.write_all(&row.to_le_bytes())?;
            }
            parts.push((spill.written, bucket.len()));
            spill.written += (ENTRY * bucket.len()) as u64;
            bucket.clear();
        }
        self.held = 0;
        Ok(())
    }

    /// Calls `f` with each bucket's rows in turn, those written out first.
    /// Reading moves the temporary file's position: nothing is pushed
    /// after (the rows are all read by then).
    fn each_bucket(&mut self, mut f: impl FnMut(&mut Vec<Entry>)) -> std::io::Result<()> {
        let (mut file, parts) = match self.spill.as_mut() {
            Some(s) => {
                s.file.flush()?;
                (Some(s.file.get_mut()), s.parts.as_slice())
            }
            None => (None, &[][..]),
        };
        let mut rows: Vec<Entry> = Vec::new();
        let mut read = Vec::new();
        for (b, held) in self.buckets.iter().enumerate() {
            rows.clear();
            for &(offset, n) in parts.get(b).map_or(&[][..], Vec::as_slice) {
                let Some(file) = file.as_mut() else {
                    break;
                };
                file.seek(SeekFrom::Start(offset))?;
                read.resize(ENTRY * n, 0);
                file.read_exact(&mut read)?;
                rows.extend(read.chunks_exact(ENTRY).map(|e| {
                    let (mut f, mut r) = ([0; 8], [0; 8]);
                    f.copy_from_slice(e.get(..8).unwrap_or(&[0; 8]));
                    r.copy_from_slice(e.get(8..).unwrap_or(&[0; 8]));
                    (u64::from_le_bytes(f), u64::from_le_bytes(r))
                }));
            }
            rows.extend_from_slice(held);
            f(&mut rows);
        }
        Ok(())
    }

    /// The fingerprints pushed more than once.
    pub fn repeated(&mut self) -> std::io::Result<HashSet<u64, FingerprintHasher>> {
        let mut repeated = HashSet::default();
        let mut seen: HashSet<u64, FingerprintHasher> = HashSet::default();
        self.each_bucket(|rows| {
            seen.clear();
            for &(f, _) in rows.iter() {
                if !seen.insert(f) {
                    repeated.insert(f);
                }
            }
        })?;
        Ok(repeated)
    }

    /// The earliest row whose fingerprint an earlier row had, but for the
    /// fingerprints in `except`: whatever the number of repeats, memory
    /// holds one bucket.
    pub fn first_repeat(
        &mut self,
        except: &HashSet<u64, FingerprintHasher>,
    ) -> std::io::Result<Option<Repeat>> {
        let mut earliest: Option<Repeat> = None;
        let mut seen: HashSet<u64, FingerprintHasher> = HashSet::default();
        self.each_bucket(|rows| {
            // Most buckets of most files have no repeat: a set that fits
            // the cache says so, cheaper than sorting them.
            seen.clear();
            if !rows
                .iter()
                .any(|&(f, _)| !seen.insert(f) && !except.contains(&f))
            {
                return;
            }
            rows.sort_unstable();
            for pair in rows.windows(2) {
                let [(f, first), (g, row)] = pair else {
                    continue;
                };
                // Sorted by fingerprint, then row: the earliest repeat of
                // a fingerprint is the second row of its run.
                if f == g && !except.contains(f) && earliest.is_none_or(|e| *row < e.row) {
                    earliest = Some(Repeat {
                        fingerprint: *f,
                        first: *first,
                        row: *row,
                    });
                }
            }
        })?;
        Ok(earliest)
    }
}

fn bucket(fingerprint: u64) -> usize {
    ((fingerprint >> 48) & 0xff) as usize
}

/// A set of fingerprints hashes them as they are.
pub type FingerprintHasher = BuildHasherDefault<AsIs>;

/// The hasher of a set of fingerprints: a fingerprint is already a
/// well-mixed hash, so it is used as is.
#[derive(Debug, Default)]
pub struct AsIs(u64);

impl Hasher for AsIs {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (a set of `u64`); fold anything else in.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spread(n: u64) -> u64 {
        xxhash_rust::xxh3::xxh3_64(&n.to_le_bytes())
    }

    /// Rows 1 to 5000 with fingerprints of 0..5000, then rows repeating
    /// some of them.
    fn rows(limit: usize, repeats: &[u64]) -> Fingerprints {
        let mut f = Fingerprints::holding(limit);
        for n in 0..5000 {
            f.push(spread(n), n + 1).unwrap();
        }
        for (i, n) in repeats.iter().enumerate() {
            f.push(spread(*n), 5001 + i as u64).unwrap();
        }
        f
    }

    #[test]
    fn repeats_are_found_in_memory_and_written_out() {
        for limit in [HELD, 1, 7, 1000] {
            // Repeats of late, early and the same fingerprint again.
            let mut f = rows(limit, &[4999, 0, 17, 17, 2500]);
            assert_eq!(f.spill.is_some(), limit < 5000, "{limit}");
            let mut got: Vec<u64> = f.repeated().unwrap().into_iter().collect();
            got.sort_unstable();
            let mut want: Vec<u64> = [0, 4999, 17, 2500].map(spread).to_vec();
            want.sort_unstable();
            assert_eq!(got, want, "{limit}");
            // The first repeat is the row after the 5000, of the last.
            let first = f.first_repeat(&HashSet::default()).unwrap();
            let want = Repeat {
                fingerprint: spread(4999),
                first: 5000,
                row: 5001,
            };
            assert_eq!(first, Some(want), "{limit}");
            // Without it, the next: row 5002, a repeat of row 1.
            let except: HashSet<u64, FingerprintHasher> = [spread(4999)].into_iter().collect();
            let next = f.first_repeat(&except).unwrap().unwrap();
            assert_eq!((next.first, next.row), (1, 5002), "{limit}");
        }
    }

    #[test]
    fn no_repeats_no_fingerprints() {
        let mut f = rows(3, &[]);
        assert!(f.repeated().unwrap().is_empty());
        assert_eq!(f.first_repeat(&HashSet::default()).unwrap(), None);
        assert!(Fingerprints::default().repeated().unwrap().is_empty());
    }
}
