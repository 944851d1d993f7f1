//! Claims on quotas in a run that only counts: sorted into the quotas'
//! order as they come, on disk beyond a bound, then given their places
//! one by one and counted.
//!
//! A run that writes every person's row or both sides of a comparison
//! needs each claim's placement by its tag, beside its row, and holds the
//! claims in memory for [`bursar_runtime::allocate`]. A run that only
//! counts (and writes the placements, in their own order, for `bursar
//! allocate`) needs no claim again once it is counted, so it keeps each
//! claim with what counting it will need ([`Settling`]) in a [`Sorter`]
//! by [`in_rank_order`], and hands them in that order to the runtime's
//! [`Rationing`], the function `allocate` gives places by: the same
//! places, in memory bounded by the sorter's batch.
//!
//! One thing `allocate` checks is left to the run: two claims on a quota
//! by one identifier. The run's identifier check has already stopped or
//! skipped every row whose identifier an earlier row had, and a claim's
//! identifier is its row's, so no two claims here share one. A claim
//! repeated as a whole, which the sort puts side by side, is still refused.

use bursar_runtime::ir::Scheme;
use bursar_runtime::{in_rank_order, AllocateError, Claim, Money, Placement, Rationing};
use chrono::NaiveDate;

use crate::placements::PlacementsOut;
use crate::sorted::{Sorter, Spill};
use crate::tally::{Settling, Tally, Timing};

/// Claims held in memory before a sorted run is spilled to disk: about
/// 250 bytes each with their settling, so some 16 MB.
const BATCH_CLAIMS: usize = if cfg!(test) { 3 } else { 65_536 };

/// One scheme's claims, in the quotas' order once finished.
#[derive(Debug)]
pub(super) struct Queue {
    sorter: Sorter<Queued>,
    /// Per quota: what its claims ask for, added up (a share pro rata is
    /// worked out from it).
    demands: Vec<i128>,
}

/// A claim and what counting it will need.
#[derive(Debug)]
struct Queued {
    claim: Claim,
    settling: Settling,
}

impl Queue {
    pub(super) fn new(scheme: &Scheme) -> Queue {
        Queue {
            sorter: Sorter::new(
                |a: &Queued, b: &Queued| in_rank_order(&a.claim, &b.claim),
                BATCH_CLAIMS,
            ),
            demands: vec![0; scheme.quotas.len()],
        }
    }

    pub(super) fn push(&mut self, claim: Claim, settling: Settling) -> std::io::Result<()> {
        if let Some(d) = self.demands.get_mut(claim.quota as usize) {
            *d += i128::from(claim.amount.minor());
        }
        self.sorter.push(Queued { claim, settling })
    }

    /// Gives each quota's places to its claims, in order, and counts each
    /// claim into `tally` (and writes it to `out`) as it is given; what
    /// stopped it, as a message.
    pub(super) fn allocate(
        self,
        scheme: &Scheme,
        tally: &mut Tally,
        out: Option<&PlacementsOut>,
    ) -> Result<(), String> {
        let Queue { sorter, demands } = self;
        let mut before: Option<Claim> = None;
        let mut rationing: Option<Rationing> = None;
        let mut stop: Option<String> = None;
        let sorted = sorter.finish(&mut |Queued { claim, settling }| {
            let quota = claim.quota;
            let same_quota = before.as_ref().is_some_and(|b| b.quota == quota);
            if same_quota && before.as_ref().is_some_and(|b| b.id == claim.id) {
                stop = Some(
                    AllocateError::DuplicateClaim {
                        quota: scheme
                            .quotas
                            .get(quota as usize)
                            .map(|q| q.name.clone())
                            .unwrap_or_default(),
                        id: claim.id,
                    }
                    .to_string(),
                );
                return Err(std::io::Error::other("stopped"));
            }
            let r = match (&mut rationing, same_quota) {
                (Some(r), true) => r,
                _ => {
                    let demand = demands.get(quota as usize).copied().unwrap_or(0);
                    let r = Rationing::new(scheme, quota, demand).map_err(|e| {
                        stop = Some(e.to_string());
                        std::io::Error::other("stopped")
                    })?;
                    rationing.insert(r)
                }
            };
            let given = r.give(claim.amount).map_err(|e| {
                stop = Some(e.to_string());
                std::io::Error::other("stopped")
            })?;
            // Quotas are refused in a weighted run: one person a claim.
            if !tally.add_settled(&settling, given.paid, 1) {
                stop = Some(format!(
                    "`{}`: a share of its awards cannot be worked out",
                    claim.id
                ));
                return Err(std::io::Error::other("stopped"));
            }
            if let Some(out) = out {
                let placement = Placement {
                    claim,
                    rank: given.rank,
                    allocated: given.paid.is_some(),
                    // No place: nothing paid.
                    amount: given.paid.unwrap_or(Money::ZERO),
                };
                out.add(&placement);
                before = Some(placement.claim);
            } else {
                before = Some(claim);
            }
            Ok(())
        });
        match (stop, sorted) {
            (Some(message), _) => Err(message),
            (None, Err(e)) => Err(format!("cannot sort the claims on quotas on disk: {e}")),
            (None, Ok(())) => Ok(()),
        }
    }
}

/// A claim as the runtime writes it, then its settling: the quota (0 for
/// none, else 1 + its index), the total, the awards, the timing if any,
/// and the two days (0 for none, else 1 + days from the common era).
impl Spill for Queued {
    fn write(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
        self.claim.encode(out);
        let s = &self.settling;
        put_u64(out, s.quota.map_or(0, |q| u64::from(q) + 1));
        put_money(out, s.total);
        put_u64(out, s.awards.len() as u64);
        for &(category, amount) in &s.awards {
            put_u64(out, u64::from(category));
            put_money(out, amount);
        }
        match &s.timing {
            None => out.push(0),
            Some(t) => {
                out.push(1);
                put_u64(out, t.rounds.len() as u64);
                for &(round, amount) in &t.rounds {
                    put_u64(out, u64::from(round));
                    put_money(out, amount);
                }
                put_u64(out, t.dated.len() as u64);
                for &(amount, day) in &t.dated {
                    put_money(out, amount);
                    put_day(out, Some(day));
                }
                put_u64(out, t.pending.len() as u64);
                for &amount in &t.pending {
                    put_money(out, amount);
                }
            }
        }
        put_day(out, s.latest);
        put_day(out, s.expected);
        Ok(())
    }

    fn held(&self) -> usize {
        let s = &self.settling;
        let timing = s.timing.as_ref().map_or(0, |t| {
            std::mem::size_of::<Timing>() + 16 * (t.rounds.len() + t.dated.len() + t.pending.len())
        });
        std::mem::size_of::<Queued>() + self.claim.id.len() + 16 * s.awards.len() + timing
    }

    fn read(mut bytes: &[u8]) -> Option<Queued> {
        let b = &mut bytes;
        let claim = Claim::decode(b)?;
        let quota = match take_u64(b)? {
            0 => None,
            q => Some(u32::try_from(q - 1).ok()?),
        };
        let total = take_money(b)?;
        let awards = take_list(b, |b| Some((take_u32(b)?, take_money(b)?)))?;
        let timing = match take_byte(b)? {
            0 => None,
            1 => Some(Box::new(Timing {
                rounds: take_list(b, |b| Some((take_u32(b)?, take_money(b)?)))?,
                dated: take_list(b, |b| Some((take_money(b)?, take_day(b)??)))?,
                pending: take_list(b, take_money)?,
            })),
            _ => return None,
        };
        let latest = take_day(b)?;
        let expected = take_day(b)?;
        bytes.is_empty().then_some(Queued {
            claim,
            settling: Settling {
                quota,
                total,
                awards,
                timing,
                latest,
                expected,
            },
        })
    }
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_money(out: &mut Vec<u8>, m: Money) {
    out.extend_from_slice(&m.minor().to_le_bytes());
}

fn put_day(out: &mut Vec<u8>, day: Option<NaiveDate>) {
    use chrono::Datelike;
    let n = day.map_or(0, |d| i64::from(d.num_days_from_ce()) + 1);
    out.extend_from_slice(&n.to_le_bytes());
}

fn take<const N: usize>(bytes: &mut &[u8]) -> Option<[u8; N]> {
    let (head, rest) = bytes.split_first_chunk::<N>()?;
    *bytes = rest;
    Some(*head)
}

fn take_byte(bytes: &mut &[u8]) -> Option<u8> {
    take::<1>(bytes).map(|[b]| b)
}

fn take_u64(bytes: &mut &[u8]) -> Option<u64> {
    take(bytes).map(u64::from_le_bytes)
}

fn take_u32(bytes: &mut &[u8]) -> Option<u32> {
    u32::try_from(take_u64(bytes)?).ok()
}

fn take_money(bytes: &mut &[u8]) -> Option<Money> {
    take(bytes).map(|b| Money(i64::from_le_bytes(b)))
}

/// A day: `Some(None)` for none, `None` if the bytes do not hold one.
fn take_day(bytes: &mut &[u8]) -> Option<Option<NaiveDate>> {
    match i64::from_le_bytes(take(bytes)?) {
        0 => Some(None),
        n => NaiveDate::from_num_days_from_ce_opt(i32::try_from(n.checked_sub(1)?).ok()?).map(Some),
    }
}

/// A count, then that many items; `None` if fewer are there.
fn take_list<T>(bytes: &mut &[u8], item: impl Fn(&mut &[u8]) -> Option<T>) -> Option<Box<[T]>> {
    let n = take_u64(bytes)?;
    // Each item takes 8 bytes at least: a count beyond what is left is
    // damage, not a reason to reserve memory for it.
    if n > (bytes.len() / 8) as u64 {
        return None;
    }
    (0..n).map(|_| item(bytes)).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A claim as `Claim::encode` lays it out: quota, amount, tag, four
    /// key values and their four flags, the identifier's length and text.
    fn claim(id: &str) -> Claim {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&2u32.to_le_bytes());
        bytes.extend_from_slice(&150_000i64.to_le_bytes());
        bytes.extend_from_slice(&9u64.to_le_bytes());
        for v in [5i64, 0, -3, 0] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes.extend_from_slice(&[0, 1, 0, 1]);
        bytes.extend_from_slice(&(id.len() as u64).to_le_bytes());
        bytes.extend_from_slice(id.as_bytes());
        Claim::decode(&mut bytes.as_slice()).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// What counting a claim needs comes back as it went, with or without
    /// its timing, and bytes cut short or left over are not a claim.
    #[test]
    fn a_queued_claim_reads_back_as_written() {
        let settlings = [
            Settling {
                quota: Some(2),
                total: Money(150_000),
                awards: Box::new([(0, Money(100_000)), (3, Money(50_000))]),
                timing: None,
                latest: Some(day(2025, 12, 31)),
                expected: None,
            },
            Settling {
                quota: None,
                total: Money(-1),
                awards: Box::new([]),
                timing: Some(Box::new(Timing {
                    rounds: Box::new([(1, Money(7))]),
                    dated: Box::new([(Money(3), day(1, 1, 1)), (Money(4), day(2262, 4, 11))]),
                    pending: Box::new([Money(i64::MAX), Money(i64::MIN)]),
                })),
                latest: None,
                expected: Some(day(2025, 6, 30)),
            },
        ];
        for settling in settlings {
            let queued = Queued {
                claim: claim("工会会员 00017"),
                settling,
            };
            let mut bytes = Vec::new();
            queued.write(&mut bytes).unwrap();
            let back = Queued::read(&bytes).unwrap();
            assert_eq!(
                (&back.claim, &back.settling),
                (&queued.claim, &queued.settling)
            );
            for len in 0..bytes.len() {
                assert!(Queued::read(&bytes[..len]).is_none(), "{len} bytes");
            }
            bytes.push(0);
            assert!(Queued::read(&bytes).is_none());
        }
    }
}
