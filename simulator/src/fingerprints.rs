//! Which of many identifier fingerprints occur more than once, in bounded
//! memory and without random access to a large table.
//!
//! A hash set of every fingerprint costs 9 to 18 bytes a row and a cache
//! miss per row once it outgrows the cache (about 1 s per 3 million rows
//! on the project's machine, docs/performance.md). Here a fingerprint is
//! appended to one of 256 vectors (`BUCKETS`) by eight of its bits, which
//! touches a few hundred cache lines in all; past [`HELD`] fingerprints the
//! buckets are written to a temporary file (deleted when dropped, even if
//! the process dies) and emptied. At the end each bucket, a 256th of the
//! fingerprints, is read back and checked on its own in a set small enough
//! for the cache.

use std::collections::HashSet;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};

/// Buckets, chosen by bits 48 to 55 of a fingerprint: bits a hash set of
/// fingerprints does not place by (it uses the lowest bits for the slot
/// and the top seven as a tag), so a bucket's set is as well spread as a
/// set of all of them.
const BUCKETS: usize = 256;

/// Fingerprints held in memory before the buckets are written out:
/// 8 MB (a bucket may have twice its share of capacity: 16 MB at most).
pub const HELD: usize = 1 << 20;

/// A multiset of fingerprints.
#[derive(Debug)]
pub struct Fingerprints {
    buckets: Vec<Vec<u64>>,
    held: usize,
    /// Once the buckets have been written out.
    spill: Option<Spill>,
    /// Fingerprints held before writing out (tests make it small).
    limit: usize,
}

/// The temporary file and, per bucket, where its written parts are.
#[derive(Debug)]
struct Spill {
    file: BufWriter<File>,
    written: u64,
    /// Per bucket: (offset, fingerprints) of each part.
    parts: Vec<Vec<(u64, usize)>>,
}

impl Default for Fingerprints {
    fn default() -> Self {
        Fingerprints::holding(HELD)
    }
}

impl Fingerprints {
    /// Writing out past `limit` fingerprints held.
    pub fn holding(limit: usize) -> Fingerprints {
        Fingerprints {
            buckets: vec![Vec::new(); BUCKETS],
            held: 0,
            spill: None,
            limit: limit.max(1),
        }
    }

    pub fn push(&mut self, fingerprint: u64) -> std::io::Result<()> {
        if let Some(b) = self.buckets.get_mut(bucket(fingerprint)) {
            b.push(fingerprint);
        }
        self.held += 1;
        if self.held >= self.limit {
            self.write_out()?;
        }
        Ok(())
    }

    /// Writes every bucket to the temporary file and empties it (keeping
    /// its capacity, which the next fingerprints fill again).
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
            for f in bucket.iter() {
                spill.file.write_all(&f.to_le_bytes())?;
            }
            parts.push((spill.written, bucket.len()));
            spill.written += 8 * bucket.len() as u64;
            bucket.clear();
        }
        self.held = 0;
        Ok(())
    }

    /// The fingerprints pushed more than once.
    pub fn repeated(self) -> std::io::Result<HashSet<u64, FingerprintHasher>> {
        let Fingerprints { buckets, spill, .. } = self;
        let (mut file, parts) = match spill {
            Some(Spill { file, parts, .. }) => {
                (Some(file.into_inner().map_err(|e| e.into_error())?), parts)
            }
            None => (None, Vec::new()),
        };
        let mut repeated = HashSet::default();
        let mut seen: HashSet<u64, FingerprintHasher> = HashSet::default();
        let mut read = Vec::new();
        for (b, held) in buckets.iter().enumerate() {
            seen.clear();
            let parts = parts.get(b).map_or(&[][..], Vec::as_slice);
            for &(offset, n) in parts {
                let Some(file) = file.as_mut() else {
                    break;
                };
                file.seek(SeekFrom::Start(offset))?;
                read.resize(8 * n, 0);
                file.read_exact(&mut read)?;
                for f in read.chunks_exact(8) {
                    let mut bytes = [0; 8];
                    bytes.copy_from_slice(f);
                    let f = u64::from_le_bytes(bytes);
                    if !seen.insert(f) {
                        repeated.insert(f);
                    }
                }
            }
            for &f in held {
                if !seen.insert(f) {
                    repeated.insert(f);
                }
            }
        }
        Ok(repeated)
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

    #[test]
    fn repeats_are_found_in_memory_and_written_out() {
        for limit in [HELD, 1, 7, 1000] {
            let mut f = Fingerprints::holding(limit);
            for n in 0..5000 {
                f.push(spread(n)).unwrap();
            }
            // Repeats of early, late and the same fingerprint again.
            for n in [0, 4999, 17, 17, 2500] {
                f.push(spread(n)).unwrap();
            }
            let written = f.spill.is_some();
            assert_eq!(written, limit < 5000, "{limit}");
            let mut got: Vec<u64> = f.repeated().unwrap().into_iter().collect();
            got.sort_unstable();
            let mut want: Vec<u64> = [0, 4999, 17, 2500].map(spread).to_vec();
            want.sort_unstable();
            assert_eq!(got, want, "{limit}");
        }
    }

    #[test]
    fn no_repeats_no_fingerprints() {
        let mut f = Fingerprints::holding(3);
        for n in 0..100 {
            f.push(spread(n)).unwrap();
        }
        assert!(f.repeated().unwrap().is_empty());
        assert!(Fingerprints::default().repeated().unwrap().is_empty());
    }
}
