//! Whether a row's identifier was used by an earlier row.
//!
//! A population lists each person once; a repeated identifier (a file
//! appended to itself, two extracts run together) would pay a person twice.
//! The reader checks every row's identifier in file order, so "the later
//! copy" is the same for any thread count.
//!
//! Registers are usually sorted by member number, and while identifiers
//! come in increasing order (as bytes), each one is new: nothing is kept but
//! the last, and a file of any size is checked in constant memory. At the
//! first identifier out of order, the identifiers of the rows before it are
//! read again from the file (a source that cannot be read again, such as a
//! pipe, keeps them from the start) and from then on every identifier is
//! kept as a 64-bit fingerprint in a hash set: about 9 to 18 bytes a row
//! (docs/performance.md). Two different identifiers share a fingerprint with
//! probability about n²/2⁶⁵ (3 × 10⁻⁶ for 10 million rows), which would
//! report a repeat that is not one; a real repeat is never missed.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// The identifiers seen so far.
#[derive(Debug)]
pub enum Identifiers {
    /// Every identifier so far was greater than the one before; the last.
    Ascending(Vec<u8>),
    /// Fingerprints of every identifier so far.
    Kept(HashSet<u64, BuildHasherDefault<Fingerprint>>),
}

impl Identifiers {
    /// For a source that can be read again from the start ([`Identifiers::first_time`]
    /// then needs no memory while identifiers ascend), or not.
    pub fn new(rereadable: bool) -> Identifiers {
        if rereadable {
            Identifiers::Ascending(Vec::new())
        } else {
            Identifiers::Kept(HashSet::default())
        }
    }

    /// Records `id`; `false` if an earlier row had it. `earlier` gives the
    /// identifiers of every earlier row, read again, when the order breaks.
    pub fn first_time<E>(
        &mut self,
        id: &[u8],
        earlier: impl FnOnce(&mut dyn FnMut(&[u8])) -> Result<(), E>,
    ) -> Result<bool, E> {
        match self {
            Identifiers::Ascending(last) if id > last.as_slice() => {
                last.clear();
                last.extend_from_slice(id);
                Ok(true)
            }
            Identifiers::Ascending(_) => {
                let mut seen = HashSet::default();
                earlier(&mut |e| {
                    seen.insert(fingerprint(e));
                })?;
                let new = seen.insert(fingerprint(id));
                *self = Identifiers::Kept(seen);
                Ok(new)
            }
            Identifiers::Kept(seen) => Ok(seen.insert(fingerprint(id))),
        }
    }
}

/// A well-mixed 64-bit hash of an identifier's bytes: XXH3, fast on short
/// keys (a few nanoseconds for a member number) and fixed, so a run's
/// result never depends on chance.
fn fingerprint(id: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id)
}

/// The set's hasher: a fingerprint is already a hash, so it is used as is.
#[derive(Debug, Default)]
pub struct Fingerprint(u64);

impl Hasher for Fingerprint {
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

    /// Checks `ids` in order, reading earlier ones from `ids` itself.
    fn repeats(rereadable: bool, ids: &[&str]) -> Vec<bool> {
        let mut seen = Identifiers::new(rereadable);
        (0..ids.len())
            .map(|i| {
                let earlier = |f: &mut dyn FnMut(&[u8])| {
                    ids[..i].iter().for_each(|e| f(e.as_bytes()));
                    Ok::<(), ()>(())
                };
                !seen.first_time(ids[i].as_bytes(), earlier).unwrap()
            })
            .collect()
    }

    #[test]
    fn a_repeat_is_found_and_different_ids_are_not() {
        for rereadable in [true, false] {
            // In order, then out of order, then repeats of both kinds.
            let ids = [
                "E01", "E02", "E10", "E03", "E02", "会员01", "E10", "会员01", "E1",
            ];
            let expected = [false, false, false, false, true, false, true, true, false];
            assert_eq!(repeats(rereadable, &ids), expected, "{rereadable}");
            // A repeat right after its first copy breaks the order too.
            assert_eq!(repeats(rereadable, &["A", "B", "B"]), [false, false, true]);
        }
    }

    #[test]
    fn ascending_identifiers_keep_nothing_but_the_last() {
        let mut seen = Identifiers::new(true);
        for n in 0..1000 {
            let id = format!("P{n:08}");
            let never = |_: &mut dyn FnMut(&[u8])| Err(());
            assert_eq!(seen.first_time(id.as_bytes(), never), Ok(true));
        }
        assert!(matches!(seen, Identifiers::Ascending(ref last) if last == b"P00000999"));
    }
}
