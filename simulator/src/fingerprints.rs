//! Which of many identifier fingerprints occur more than once, and which
//! may repeat first, in bounded memory and without random access to a
//! large table.
//!
//! A hash set of every fingerprint costs 9 to 18 bytes a row and a cache
//! miss per row once it outgrows the cache (about 1 s per 3 million rows
//! on the project's machine, docs/performance.md). Here a row's
//! fingerprint is appended to one vector, in the rows' order; past
//! [`HELD`] of them they are sorted by eight of their bits into 256
//! buckets (`BUCKETS`), each keeping the rows' order, and written to a
//! temporary file (deleted when dropped, even if the process dies). At the
//! end each bucket, a 256th of the rows, is read back and looked at on its
//! own, in memory small enough for the cache, as many buckets at once as
//! the run has threads; a bucket too large for that (past 67M rows) is
//! shared among the threads, its parts looked at apart.
//!
//! Nothing but the fingerprint is kept: which row it came from is not,
//! since a file with no repeat (the usual case) never needs it. The
//! fingerprints that may repeat first are few (one a bucket), and reading
//! the file again finds their rows ([`crate::identifiers`]).

use std::collections::HashSet;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::ops::Range;

use rayon::prelude::*;

/// Buckets, chosen by bits 48 to 55 of a fingerprint: bits a hash set of
/// fingerprints does not place by (it uses the lowest bits for the slot
/// and the top seven as a tag), so a bucket's set is as well spread as a
/// set of all of them.
const BUCKETS: usize = 256;

/// Fingerprints held in memory before they are sorted into buckets and
/// written out: 1 MB, and twice as much again to sort them and
/// write them as bytes.
///
/// A row only appends its fingerprint: appending each to its bucket as
/// it came took 8% of a run on 10M shuffled rows, mostly waiting on those
/// scattered stores between the rows' other work.
pub const HELD: usize = 1 << 17;

/// Bytes of a fingerprint written out.
const ENTRY: usize = 8;

/// A multiset of fingerprints, in the order they were added.
#[derive(Debug)]
pub struct Fingerprints {
    /// Those not yet written out, in the order added.
    held: Vec<u64>,
    /// Once some have been written out.
    spill: Option<Spill>,
    /// Fingerprints held before writing out (tests make it small).
    limit: usize,
}

/// The temporary file, and what was written to it.
#[derive(Debug)]
struct Spill {
    file: BufWriter<File>,
    written: u64,
    /// Each time fingerprints were written out: where, and where each
    /// bucket's start in it (`BUCKETS + 1` entries, the last the end).
    batches: Vec<(u64, Box<[usize]>)>,
    /// The batch being written, sorted into buckets, and as bytes.
    sorted: Vec<u64>,
    bytes: Vec<u8>,
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
            held: Vec::new(),
            spill: None,
            limit: limit.max(1),
        }
    }

    /// Adds the next row's fingerprint.
    pub fn push(&mut self, fingerprint: u64) -> std::io::Result<()> {
        self.held.push(fingerprint);
        if self.held.len() >= self.limit {
            self.write_out()?;
        }
        Ok(())
    }

    /// Writes the fingerprints held to the temporary file, sorted into
    /// buckets, and empties them (keeping their capacity, which the next
    /// rows fill again).
    #[cold]
    #[inline(never)]
    fn write_out(&mut self) -> std::io::Result<()> {
        let spill = match &mut self.spill {
            Some(s) => s,
            None => self.spill.insert(Spill {
                file: BufWriter::with_capacity(1 << 16, tempfile::tempfile()?),
                written: 0,
                batches: Vec::new(),
                sorted: Vec::new(),
                bytes: Vec::new(),
            }),
        };
        let starts = sort_into(&self.held, &mut spill.sorted, BUCKETS, bucket);
        spill.bytes.clear();
        spill
            .bytes
            .extend(spill.sorted.iter().flat_map(|f| f.to_le_bytes()));
        spill.file.write_all(&spill.bytes)?;
        spill.batches.push((spill.written, starts));
        spill.written += spill.bytes.len() as u64;
        self.held.clear();
        Ok(())
    }

    /// Calls `f` with a table to look at fingerprints with ([`Seen`]),
    /// each bucket's fingerprints sorted into parts ([`Parted`], which says
    /// which of them it is to look at) and in the order they were added;
    /// what it gives, in bucket order. Buckets are taken a group at a time
    /// (within [`GROUP_BYTES`]), and each of the run's threads reads a
    /// share of the group's buckets (one stretch of each batch written out,
    /// read at its offset, so that the threads' reads do not wait on one
    /// another) and looks at all of each one's parts with its own table:
    /// this pass comes after every row is read, when nothing else is left
    /// to do. Where a group holds fewer buckets than there are threads
    /// (past 67M rows, a bucket alone fills it), every thread reads a share
    /// of one bucket's batches, sorts a stretch of it into parts and looks
    /// at a share of its parts; what they give for the bucket is `join`ed.
    /// More may be pushed after.
    fn per_bucket<T: Send>(
        &mut self,
        f: impl Fn(&mut Seen, &Parted, &[u64]) -> T + Sync,
        join: impl Fn(T, T) -> T,
    ) -> std::io::Result<Vec<T>> {
        let (file, batches, written) = match self.spill.as_mut() {
            Some(s) => {
                s.file.flush()?;
                (Some(s.file.get_ref()), s.batches.as_slice(), s.written)
            }
            None => (None, &[][..], 0),
        };
        // Those still held, sorted into buckets as a batch written out is.
        let mut held = Vec::new();
        let held_starts = sort_into(&self.held, &mut held, BUCKETS, bucket);
        // Fingerprints a bucket holds, about.
        let a_bucket = (written as usize / ENTRY + self.held.len()) / BUCKETS;
        let group = (GROUP_BYTES / 2 / (ENTRY * a_bucket.max(1))).clamp(1, BUCKETS);
        let stored = Stored {
            file,
            batches,
            held: &held,
            held_starts: &held_starts,
        };
        let threads = rayon::current_num_threads().max(1);
        let looked = if group >= threads {
            by_buckets(&stored, group, threads, &f)?
        } else {
            by_parts(&stored, threads.min(SHARING), &f, &join)?
        };
        // More may be written out after (a pipe's rows checked before its
        // end): at the end of what was written. (A read at an offset leaves
        // the position where it was on Unix, not everywhere.)
        if let Some(s) = self.spill.as_mut() {
            s.file.get_mut().seek(SeekFrom::Start(s.written))?;
        }
        Ok(looked)
    }

    /// The fingerprints pushed more than once, if they are at most
    /// `at_most`.
    pub fn repeated(
        &mut self,
        at_most: usize,
    ) -> std::io::Result<Option<HashSet<u64, FingerprintHasher>>> {
        let mut repeated: HashSet<u64, FingerprintHasher> = HashSet::default();
        let found = self.per_bucket(
            |seen, parted, _| {
                let mut repeats = HashSet::default();
                seen.repeats(parted, at_most, &mut repeats);
                repeats
            },
            |mut a, b| {
                a.extend(b);
                a
            },
        )?;
        for bucket in found {
            repeated.extend(bucket);
            if repeated.len() > at_most {
                return Ok(None);
            }
        }
        Ok(Some(repeated))
    }

    /// Of each bucket, the fingerprint whose second push came first, but
    /// for the fingerprints in `except`. The earliest repeat of the whole
    /// file is a repeat of one of them: it is the earliest of its own
    /// bucket, since a bucket keeps the order of the rows. Whatever the
    /// number of repeats, memory holds a bucket a thread (within 8 MB),
    /// and at most 256 fingerprints are returned.
    pub fn first_repeats(
        &mut self,
        except: &HashSet<u64, FingerprintHasher>,
    ) -> std::io::Result<Vec<u64>> {
        let first = self.per_bucket(
            |seen, parted, prints| {
                let mut repeats: HashSet<u64, FingerprintHasher> = HashSet::default();
                seen.repeats(parted, usize::MAX, &mut repeats);
                repeats.retain(|f| !except.contains(f));
                if repeats.is_empty() {
                    // Usually: then the bucket is not read again.
                    return None;
                }
                // Else the bucket in order, for the first of them met a
                // second time, and where.
                let mut once: HashSet<u64, FingerprintHasher> = HashSet::default();
                prints
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| repeats.contains(*f))
                    .find(|&(_, &f)| !once.insert(f))
                    .map(|(at, &f)| (at, f))
            },
            // Of the bucket's parts looked at apart, the repeat met first.
            |a, b| match (a, b) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, None) | (None, a) => a,
            },
        )?;
        Ok(first.into_iter().flatten().map(|(_, f)| f).collect())
    }
}

/// The pass at the end a group of buckets at a time, each of `threads`
/// (at most one a bucket) reading a share of the group's buckets and
/// looking at all of each one's parts ([`Fingerprints::per_bucket`]).
fn by_buckets<T: Send>(
    stored: &Stored,
    group: usize,
    threads: usize,
    f: &(impl Fn(&mut Seen, &Parted, &[u64]) -> T + Sync),
) -> std::io::Result<Vec<T>> {
    let threads = threads.clamp(1, group);
    let mut lookers: Vec<Looker> = (0..threads).map(|_| Looker::default()).collect();
    let mut looked = Vec::with_capacity(BUCKETS);
    for first in (0..BUCKETS).step_by(group) {
        let end = (first + group).min(BUCKETS);
        let share = (end - first).div_ceil(threads);
        // Collected from an indexed iterator, so in bucket order.
        let shares = lookers
            .par_iter_mut()
            .enumerate()
            .map(|(i, looker)| {
                let from = (first + i * share).min(end);
                looker.look(stored, from..(from + share).min(end), f)
            })
            .collect::<std::io::Result<Vec<Vec<T>>>>()?;
        looked.extend(shares.into_iter().flatten());
    }
    Ok(looked)
}

/// The pass at the end a bucket at a time, for buckets too large to give
/// each thread its own: the `threads` read a share of the bucket's batches
/// each, sort a stretch of it into parts each, then look at a share of its
/// parts each (in every stretch), with their own tables; what they give
/// for the bucket is `join`ed, in their order.
fn by_parts<T: Send>(
    stored: &Stored,
    threads: usize,
    f: &(impl Fn(&mut Seen, &Parted, &[u64]) -> T + Sync),
    join: &impl Fn(T, T) -> T,
) -> std::io::Result<Vec<T>> {
    let threads = threads.max(1);
    let mut seens: Vec<Seen> = (0..threads).map(|_| Seen::default()).collect();
    let mut shares: Vec<Sorted> = (0..threads).map(|_| Sorted::default()).collect();
    let parts = PARTS.div_ceil(threads);
    let mut prints = Vec::new();
    let mut looked = Vec::with_capacity(BUCKETS);
    for b in 0..BUCKETS {
        stored.bucket(b, &mut prints)?;
        let all = prints.as_slice();
        // A stretch of the bucket each, in order, sorted on its own.
        let stretch = all.len().div_ceil(threads);
        shares.par_iter_mut().enumerate().for_each(|(i, share)| {
            let from = (i * stretch).min(all.len());
            share.sort(
                all.get(from..(from + stretch).min(all.len()))
                    .unwrap_or_default(),
            );
        });
        let shares = shares.as_slice();
        // Collected from an indexed iterator, so in the threads' order.
        let each = seens
            .par_iter_mut()
            .enumerate()
            .map(|(i, seen)| {
                let from = (i * parts).min(PARTS);
                let parted = Parted {
                    shares,
                    parts: from..(from + parts).min(PARTS),
                };
                f(seen, &parted, all)
            })
            .collect::<Vec<T>>();
        if let Some(t) = each.into_iter().reduce(join) {
            looked.push(t);
        }
    }
    Ok(looked)
}

/// Threads that share one bucket, at most: each holds a part's table (1 MB
/// at 300M rows) beside the bucket read and its share of it sorted into
/// parts, so that the pass's memory does not grow with the machine's
/// cores.
const SHARING: usize = 8;

/// Where each bucket's fingerprints are: its part of each batch written
/// out, then of those still held.
struct Stored<'a> {
    file: Option<&'a File>,
    /// Where each batch was written, and where each bucket starts in it.
    batches: &'a [(u64, Box<[usize]>)],
    /// Those held, sorted into buckets, and where each bucket starts.
    held: &'a [u64],
    held_starts: &'a [usize],
}

impl Stored<'_> {
    /// The fingerprints of the buckets from `first` on, one vector each
    /// in `out`, in the order they were added; `read` holds a batch's
    /// part as bytes. A run of buckets is one stretch of each batch (a
    /// batch is sorted by bucket), read at once: a bucket of 10M rows is
    /// 4 KB of each batch, and reading each apart cost a seek and a read
    /// every 4 KB.
    fn buckets(
        &self,
        first: usize,
        out: &mut [Vec<u64>],
        read: &mut Vec<u8>,
    ) -> std::io::Result<()> {
        out.iter_mut().for_each(Vec::clear);
        let last = first + out.len();
        for (offset, starts) in self.batches {
            let (Some(bounds), Some(file)) = (starts.get(first..=last), self.file) else {
                continue;
            };
            let (Some(&start), Some(&end)) = (bounds.first(), bounds.last()) else {
                continue;
            };
            read.resize(ENTRY * (end - start), 0);
            read_at(file, offset + (ENTRY * start) as u64, read)?;
            for (prints, bucket) in out.iter_mut().zip(bounds.windows(2)) {
                let &[from, to] = bucket else { continue };
                let bytes = read.get(ENTRY * (from - start)..ENTRY * (to - start));
                prints.extend(entries(bytes.unwrap_or_default()));
            }
        }
        let held = self.held_starts.get(first..=last).unwrap_or_default();
        for (prints, bucket) in out.iter_mut().zip(held.windows(2)) {
            let &[from, to] = bucket else { continue };
            prints.extend_from_slice(self.held.get(from..to).unwrap_or_default());
        }
        Ok(())
    }

    /// The fingerprints of bucket `b`, in the order they were added, in
    /// `out`: each batch's stretch is read at its offset, on whichever
    /// thread is free, straight into its place.
    fn bucket(&self, b: usize, out: &mut Vec<u64>) -> std::io::Result<()> {
        // Each batch's stretch of the bucket: where it is in the file, and
        // how many fingerprints it holds.
        let stretches: Vec<(u64, usize)> = self
            .batches
            .iter()
            .filter_map(
                |(offset, starts)| match (starts.get(b), starts.get(b + 1)) {
                    (Some(&from), Some(&to)) => Some((offset + (ENTRY * from) as u64, to - from)),
                    _ => None,
                },
            )
            .collect();
        let held = match (self.held_starts.get(b), self.held_starts.get(b + 1)) {
            (Some(&from), Some(&to)) => self.held.get(from..to).unwrap_or_default(),
            _ => &[],
        };
        let read: usize = stretches.iter().map(|&(_, n)| n).sum();
        // Every slot is written below: what `out` held is not cleared.
        out.resize(read + held.len(), 0);
        let len = out.len();
        let (mut rest, last) = out.split_at_mut(read.min(len));
        for (slot, f) in last.iter_mut().zip(held) {
            *slot = *f;
        }
        let mut places = Vec::with_capacity(stretches.len());
        for &(_, n) in &stretches {
            let Some((place, more)) = std::mem::take(&mut rest).split_at_mut_checked(n) else {
                break;
            };
            places.push(place);
            rest = more;
        }
        let Some(file) = self.file else {
            return Ok(());
        };
        places
            .into_par_iter()
            .zip(stretches)
            .with_min_len(8)
            .try_for_each_init(Vec::new, |bytes, (place, (offset, n))| {
                bytes.resize(ENTRY * n, 0);
                read_at(file, offset, bytes)?;
                for (slot, f) in place.iter_mut().zip(entries(bytes)) {
                    *slot = f;
                }
                Ok(())
            })
    }
}

/// The fingerprints written out as `bytes`.
fn entries(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    bytes.chunks_exact(ENTRY).map(|e| {
        let mut f = [0; ENTRY];
        f.copy_from_slice(e);
        u64::from_le_bytes(f)
    })
}

/// Fills `buf` from `file` at `offset`, without its position: threads read
/// the temporary file at once.
#[cfg(unix)]
fn read_at(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Fills `buf` from `file` at `offset`: a seek and a read, one thread at a
/// time, where a read at an offset is not the same call everywhere.
#[cfg(not(unix))]
fn read_at(mut file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    use std::io::Read;
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

/// What a thread of the pass at the end holds: its table, its share of a
/// group of buckets, the bucket it looks at sorted into parts, and the
/// bytes last read.
#[derive(Debug, Default)]
struct Looker {
    seen: Seen,
    buckets: Vec<Vec<u64>>,
    sorted: Sorted,
    read: Vec<u8>,
}

impl Looker {
    /// `f` of each bucket of `range`, in order.
    fn look<T>(
        &mut self,
        stored: &Stored,
        range: Range<usize>,
        f: &impl Fn(&mut Seen, &Parted, &[u64]) -> T,
    ) -> std::io::Result<Vec<T>> {
        let n = range.len();
        if self.buckets.len() < n {
            self.buckets.resize_with(n, Vec::new);
        }
        let these = self.buckets.get_mut(..n).unwrap_or_default();
        stored.buckets(range.start, these, &mut self.read)?;
        Ok(these
            .iter()
            .map(|prints| {
                self.sorted.sort(prints);
                let parted = Parted {
                    shares: std::slice::from_ref(&self.sorted),
                    parts: 0..PARTS,
                };
                f(&mut self.seen, &parted, prints)
            })
            .collect())
    }
}

/// Bytes of fingerprints the pass at the end holds at once, about 8 MB:
/// the group of buckets read together takes at most half
/// ([`Fingerprints::per_bucket`]), and each thread's copy of the bucket it
/// looks at, sorted into parts, the rest. At least one bucket is read,
/// whatever its size. A bucket is a 256th of the rows: 39k fingerprints
/// (0.3 MB) for 10M rows, so thirteen are read at once and looked at a
/// share a thread; 390k (3.1 MB) for 100M rows, one at a time, so that a
/// run's peak stays where it was (docs/performance.md), and shared among
/// the threads (on one, the pass took a tenth of a two-thread run on 100M
/// shuffled rows). Tests make it small, so that groups of a few buckets
/// are read, and buckets shared.
const GROUP_BYTES: usize = if cfg!(test) { 1 << 10 } else { 8 << 20 };

/// Parts of a bucket looked at apart, chosen by bits 40 to 45 of a
/// fingerprint (the bucket is chosen by bits 48 to 55, a slot of a part's
/// table by the lowest).
const PARTS: usize = 64;

fn part(fingerprint: u64) -> usize {
    ((fingerprint >> 40) & 0x3f) as usize
}

/// Which fingerprints of a bucket repeat: the bucket is sorted into
/// [`PARTS`] parts (a counting sort, [`Sorted`]), and each part's
/// fingerprints are put in a table of four times as many slots as the
/// part has, or more (a power of two), each in the first free slot from
/// the one its low bits name. At the end of 10M shuffled rows a hash set
/// of the whole bucket took 3.4% of the run's samples, a table of the
/// whole bucket 1.9% (2.9% with half as many slots again instead of
/// twice). A part's table is 32 KB at 10M rows, in the nearest cache, and
/// 1 MB at 300M rather than 16 to 32; at most a quarter full, so the
/// first slot looked at is nearly always the one taken, where at half
/// full that branch, which the data decides, was often mispredicted.
/// (Sixteen parts took about a quarter more of the table's time than 64,
/// and tables twice a part's size about a fifth more than four times,
/// docs/performance.md.) Each fingerprint is inserted once, and never
/// removed.
#[derive(Debug, Default)]
struct Seen {
    /// 0 for a free slot; the fingerprint 0 is [`Seen::zero`].
    slots: Vec<u64>,
    zero: bool,
}

/// A stretch of a bucket sorted into its [`PARTS`] parts, each keeping the
/// fingerprints' order.
#[derive(Debug, Default)]
struct Sorted {
    prints: Vec<u64>,
    /// Where each part starts in `prints`, and where the last ends.
    starts: Box<[usize]>,
}

impl Sorted {
    fn sort(&mut self, prints: &[u64]) {
        self.starts = sort_into(prints, &mut self.prints, PARTS, part);
    }

    /// Part `p`'s fingerprints.
    fn part(&self, p: usize) -> &[u64] {
        match (self.starts.get(p), self.starts.get(p + 1)) {
            (Some(&from), Some(&to)) => self.prints.get(from..to).unwrap_or_default(),
            _ => &[],
        }
    }
}

/// A bucket sorted into parts, in shares (stretches of it in order, each
/// sorted on its own), and the parts to look at.
struct Parted<'a> {
    shares: &'a [Sorted],
    parts: Range<usize>,
}

#[cfg(test)]
impl Parted<'_> {
    /// How many fingerprints the parts to look at hold.
    fn len(&self) -> usize {
        self.parts
            .clone()
            .flat_map(|p| self.shares.iter().map(move |s| s.part(p).len()))
            .sum()
    }
}

impl Seen {
    /// Adds to `out` each fingerprint of `parted`'s parts that its bucket
    /// holds more than once, until `out` holds more than `at_most`.
    fn repeats(
        &mut self,
        parted: &Parted,
        at_most: usize,
        out: &mut HashSet<u64, FingerprintHasher>,
    ) {
        // Once `out` is past `at_most`, the parts left are not looked at.
        'parts: for p in parted.parts.clone() {
            self.clear(parted.shares.iter().map(|s| s.part(p).len()).sum());
            // The part of each share in turn: in the order added.
            for share in parted.shares {
                for &f in share.part(p) {
                    if out.len() > at_most {
                        break 'parts;
                    }
                    if !self.insert(f) {
                        out.insert(f);
                    }
                }
            }
        }
    }

    /// Empties the set, with room for `n` fingerprints.
    fn clear(&mut self, n: usize) {
        let size = n.saturating_mul(4).next_power_of_two().max(16);
        self.slots.clear();
        self.slots.resize(size, 0);
        self.zero = false;
    }

    /// Adds `f`; `false` if it was there.
    #[inline]
    fn insert(&mut self, f: u64) -> bool {
        if f == 0 {
            return !std::mem::replace(&mut self.zero, true);
        }
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = f as usize & mask;
        // There are more slots than fingerprints (`clear`), so a free one
        // is found; `None` is out of the table, never met.
        while let Some(slot) = self.slots.get_mut(i) {
            if *slot == f {
                return false;
            }
            if *slot == 0 {
                *slot = f;
                return true;
            }
            i = (i + 1) & mask;
        }
        true
    }
}

fn bucket(fingerprint: u64) -> usize {
    ((fingerprint >> 48) & 0xff) as usize
}

/// `prints` sorted into `groups` groups by `group`, each keeping their
/// order, in `sorted` (a counting sort); where each group starts, and
/// where the last ends. A fingerprint `group` puts at `groups` or past is
/// left out. Buckets are sorted so before they are written out, and a
/// bucket's parts before they are looked at.
fn sort_into(
    prints: &[u64],
    sorted: &mut Vec<u64>,
    groups: usize,
    group: impl Fn(u64) -> usize,
) -> Box<[usize]> {
    let mut counts = vec![0; groups];
    for p in prints {
        if let Some(n) = counts.get_mut(group(*p)) {
            *n += 1;
        }
    }
    // Counts to starts: each group starts where those before it end.
    let mut starts = Vec::with_capacity(groups + 1);
    let mut sum = 0;
    for n in &counts {
        starts.push(sum);
        sum += n;
    }
    starts.push(sum);
    // Every slot is written below, so what `sorted` held is not cleared
    // first: zeroing it cost a pass over memory a batch and a bucket.
    sorted.resize(sum, 0);
    let mut next = counts;
    for (at, start) in next.iter_mut().zip(&starts) {
        *at = *start;
    }
    for p in prints {
        if let Some(at) = next.get_mut(group(*p)) {
            if let Some(slot) = sorted.get_mut(*at) {
                *slot = *p;
            }
            *at += 1;
        }
    }
    starts.into_boxed_slice()
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
        for n in (0..5000).chain(repeats.iter().copied()) {
            f.push(spread(n)).unwrap();
        }
        f
    }

    fn sorted(prints: impl IntoIterator<Item = u64>) -> Vec<u64> {
        let mut v: Vec<u64> = prints.into_iter().collect();
        v.sort_unstable();
        v
    }

    /// A bucket's fingerprints: 0 among them, repeats, and many alike in
    /// their low bits (a table's slot) and in bits 38 to 45 (a part).
    fn bucket_prints() -> impl proptest::strategy::Strategy<Value = Vec<u64>> {
        proptest::collection::vec(
            proptest::prop_oneof![
                0u64..4,
                proptest::strategy::Strategy::prop_map(0u64..256, |n| n << 38),
                proptest::num::u64::ANY,
            ],
            0..300,
        )
    }

    proptest::proptest! {
        /// The table of a bucket says what a hash set says, for any
        /// fingerprints: 0, repeats, and many alike in their low bits.
        #[test]
        fn a_bucket_table_is_a_set(
            prints in bucket_prints(),
        ) {
            let mut seen = Seen::default();
            seen.clear(prints.len());
            let mut set = std::collections::HashSet::new();
            for f in prints {
                proptest::prop_assert_eq!(seen.insert(f), set.insert(f));
            }
        }
    }

    proptest::proptest! {
        /// A bucket's repeats, found part by part, are the fingerprints
        /// it holds more than once.
        #[test]
        fn a_bucket_repeats_what_it_holds_twice(
            prints in bucket_prints(),
        ) {
            let mut counts = std::collections::HashMap::new();
            for f in &prints {
                *counts.entry(*f).or_insert(0) += 1;
            }
            let want: std::collections::HashSet<u64> =
                counts.into_iter().filter(|(_, n)| *n > 1).map(|(f, _)| f).collect();
            // Sorted whole, or in stretches (threads sharing a bucket), and
            // looked at all parts at once or a share of them at a time.
            let mut seen = Seen::default();
            for stretches in [1, 2, 3] {
                let stretch = prints.len().div_ceil(stretches).max(1);
                let shares: Vec<Sorted> = prints
                    .chunks(stretch)
                    .map(|c| {
                        let mut s = Sorted::default();
                        s.sort(c);
                        s
                    })
                    .collect();
                for looks in [1, 2, 3, 64] {
                    let parts = PARTS.div_ceil(looks);
                    let mut found = HashSet::default();
                    for from in (0..PARTS).step_by(parts) {
                        let parted = Parted { shares: &shares, parts: from..(from + parts).min(PARTS) };
                        seen.repeats(&parted, usize::MAX, &mut found);
                    }
                    proptest::prop_assert_eq!(found.into_iter().collect::<std::collections::HashSet<u64>>(), want.clone());
                }
            }
        }
    }

    /// `test` in a pool of each of `threads` threads: one, a group of
    /// buckets shared among two, and more threads than a group has
    /// buckets (five or eight, so that they share a bucket's parts).
    fn on_threads(threads: &[usize], test: impl Fn(usize) + Sync) {
        for &n in threads {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap();
            pool.install(|| test(n));
        }
    }

    #[test]
    fn repeats_are_found_in_memory_and_written_out() {
        on_threads(&[1, 2, 5], |_| repeats_found());
    }

    fn repeats_found() {
        for limit in [HELD, 1, 7, 1000] {
            // Repeats of late, early and the same fingerprint again.
            let mut f = rows(limit, &[4999, 0, 17, 17, 2500]);
            assert_eq!(f.spill.is_some(), limit < 5000, "{limit}");
            let want = sorted([0, 4999, 17, 2500].map(spread));
            assert_eq!(sorted(f.repeated(4).unwrap().unwrap()), want, "{limit}");
            // More than asked for: none.
            assert!(f.repeated(3).unwrap().is_none(), "{limit}");
            // Each of them repeats first in its bucket, unless two share
            // one: the first repeat (of 4999, then 0, 17, 2500) is among
            // them, one a bucket.
            let first = f.first_repeats(&HashSet::default()).unwrap();
            assert!(first.contains(&spread(4999)), "{limit}");
            let buckets = sorted(first.iter().map(|&p| bucket(p) as u64));
            let mut distinct = buckets.clone();
            distinct.dedup();
            assert_eq!(buckets, distinct, "{limit}");
            assert!(first.iter().all(|p| want.contains(p)), "{limit}");
            // Without it, the next: of 0.
            let except: HashSet<u64, FingerprintHasher> = [spread(4999)].into_iter().collect();
            let next = f.first_repeats(&except).unwrap();
            assert!(!next.contains(&spread(4999)), "{limit}");
            assert!(next.contains(&spread(0)), "{limit}");
        }
    }

    #[test]
    fn in_a_bucket_the_first_repeat_is_the_earliest_second_push() {
        // Three fingerprints of one bucket: the second push of `b` comes
        // before the second of `a` and of `c` (in any order but this one,
        // another may come first).
        let [a, b, c] = [1u64, 2, 3].map(|n| (7 << 48) | n);
        for limit in [HELD, 1, 3] {
            let mut f = Fingerprints::holding(limit);
            for p in [a, b, c, b, a, c] {
                f.push(p).unwrap();
            }
            assert_eq!(f.first_repeats(&HashSet::default()).unwrap(), vec![b]);
            let except = [b].into_iter().collect();
            assert_eq!(f.first_repeats(&except).unwrap(), vec![a]);
        }
    }

    /// Threads sharing a bucket's parts: the first repeat of the bucket
    /// is the one whose second push came first, whichever thread found it.
    #[test]
    fn threads_sharing_a_bucket_find_its_first_repeat() {
        // `a` in the bucket's last part, `b` in its second, `c` in its
        // first; among 3000 others, so that a bucket fills a group.
        let in_bucket = |part: u64, n: u64| (7 << 48) | (part << 40) | n;
        let (a, b, c) = (in_bucket(60, 1), in_bucket(1, 2), in_bucket(0, 3));
        on_threads(&[1, 2, 8], |threads| {
            for limit in [HELD, 7, 1000] {
                let mut f = Fingerprints::holding(limit);
                for p in [a, b, c, a, b, c] {
                    f.push(p).unwrap();
                }
                for n in 0..3000 {
                    f.push(spread(n)).unwrap();
                }
                let first = f.first_repeats(&HashSet::default()).unwrap();
                assert_eq!(first, vec![a], "{threads} threads, {limit}");
                let except = [a].into_iter().collect();
                assert_eq!(
                    f.first_repeats(&except).unwrap(),
                    vec![b],
                    "{threads} threads, {limit}"
                );
                let except = [a, b].into_iter().collect();
                assert_eq!(
                    f.first_repeats(&except).unwrap(),
                    vec![c],
                    "{threads} threads, {limit}"
                );
                let want = sorted([a, b, c]);
                assert_eq!(
                    sorted(f.repeated(3).unwrap().unwrap()),
                    want,
                    "{threads} threads, {limit}"
                );
            }
        });
    }

    /// A pipe's fingerprints are looked at before its end, and more are
    /// pushed after: those written out before are still there.
    #[test]
    fn fingerprints_pushed_after_a_look_are_kept_with_the_rest() {
        on_threads(&[1, 2, 5], |_| pushed_after_a_look());
    }

    fn pushed_after_a_look() {
        for limit in [HELD, 7, 1000] {
            let mut f = rows(limit, &[]);
            assert!(f.first_repeats(&HashSet::default()).unwrap().is_empty());
            for n in (5000..9000).chain([4999, 0]) {
                f.push(spread(n)).unwrap();
            }
            let want = sorted([4999, 0].map(spread));
            assert_eq!(sorted(f.repeated(2).unwrap().unwrap()), want, "{limit}");
            // Every fingerprint is read back once.
            let counts = f
                .per_bucket(|_, parted, _| parted.len(), |a, b| a + b)
                .unwrap();
            assert_eq!(counts.iter().sum::<usize>(), 9002, "{limit}");
        }
    }

    #[test]
    fn no_repeats_no_fingerprints() {
        let mut f = rows(3, &[]);
        assert!(f.repeated(0).unwrap().unwrap().is_empty());
        assert!(f.first_repeats(&HashSet::default()).unwrap().is_empty());
        assert!(Fingerprints::default()
            .repeated(0)
            .unwrap()
            .unwrap()
            .is_empty());
    }
}
