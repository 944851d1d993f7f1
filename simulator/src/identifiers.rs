//! Whether a row's identifier was used by an earlier row.
//!
//! A population lists each person once; a repeated identifier (a file
//! appended to itself, two extracts run together) would pay a person twice.
//! The reader checks every row's identifier in file order, so "the later
//! copy" is the same for any thread count.
//!
//! Memory: identifiers are kept as 64-bit fingerprints, not as text, in a
//! hash set: 8 bytes each plus the set's slack, about 9 to 18 bytes a row
//! (measured in docs/performance.md). Two different identifiers share a
//! fingerprint with probability about n²/2⁶⁵ (3 × 10⁻⁶ for 10 million rows),
//! which would report a repeat that is not one; never the other way round.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// The identifiers seen so far, as fingerprints.
#[derive(Debug, Default)]
pub struct Identifiers {
    seen: HashSet<u64, BuildHasherDefault<Fingerprint>>,
}

impl Identifiers {
    /// Records `id`; `false` if an earlier row had it.
    pub fn first_time(&mut self, id: &[u8]) -> bool {
        self.seen.insert(fingerprint(id))
    }
}

/// A well-mixed 64-bit hash of an identifier's bytes. `DefaultHasher::new`
/// has fixed keys, so a run's result does not depend on chance (the
/// fingerprints are never stored, so a new Rust version may change them).
fn fingerprint(id: &[u8]) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    h.write(id);
    h.finish()
}

/// The set's hasher: a fingerprint is already a hash, so it is used as is.
#[derive(Default)]
struct Fingerprint(u64);

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

    #[test]
    fn a_repeat_is_found_and_different_ids_are_not() {
        let mut ids = Identifiers::default();
        assert!(ids.first_time(b"E01"));
        assert!(ids.first_time(b"E02"));
        assert!(ids.first_time(b"E1"));
        assert!(!ids.first_time(b"E01"));
        assert!(ids.first_time("会员01".as_bytes()));
        assert!(!ids.first_time("会员01".as_bytes()));
        assert_eq!(fingerprint(b"E01"), fingerprint(b"E01"));
        assert_ne!(fingerprint(b"E01"), fingerprint(b"E10"));
    }
}
