//! Allocation: the places of each quota, given to the claims on it.
//!
//! Deciding one applicant ([`crate::evaluate`]) can only say "eligible,
//! subject to quota P": whether there is a place depends on everyone else.
//! [`allocate`] takes every claim of a batch (a population, a day's
//! applications) and orders each quota's claims by the quota's `by` line;
//! the first `places` get one, or, for a quota of money, claims are paid in
//! that order while the money lasts, or each its share (pro rata). The simulator and embedding applications
//! call this one function, so a place is given the same way everywhere.
//!
//! A lottery (`by lot seed 2025`) draws each claim's number from the seed,
//! the quota's name and the applicant's identifier:
//! the first 8 bytes, big-endian, of SHA-256 of
//! `bursar-lot/1\n{seed}\n{quota}\n{identifier}`. So the draw does not
//! depend on the order claims arrive in or on the number of threads, and
//! anyone can recompute an applicant's number from the published seed.

use sha2::{Digest, Sha256};

use crate::eval::{rank_of, Decision, EvalError, Outcome, RankKey};
use crate::input::Applicant;
use crate::ir::{Ration, Scheme};
use crate::money::Money;

/// One application waiting on a quota's places.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// Index into [`Scheme::quotas`].
    pub quota: u32,
    /// The applicant's identifier (`application { identifier … }`).
    pub id: String,
    /// What the award comes to if a place is given.
    pub amount: Money,
    /// The caller's own reference (a row number, a request id): carried
    /// through, never read.
    pub tag: u64,
    /// Where the claim stands in the quota's order, key by key; an absent
    /// value comes after every present one.
    key: RankKey,
}

impl Claim {
    /// The claim as bytes, appended to `out`, for a caller that keeps
    /// claims outside memory until allocation; [`Claim::decode`] reads
    /// them back. The layout is this build's own, not a file format.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.quota.to_le_bytes());
        out.extend_from_slice(&self.amount.minor().to_le_bytes());
        out.extend_from_slice(&self.tag.to_le_bytes());
        out.extend_from_slice(&self.key.to_bytes());
        out.extend_from_slice(&(self.id.len() as u64).to_le_bytes());
        out.extend_from_slice(self.id.as_bytes());
    }

    /// A claim [`Claim::encode`] wrote at the start of `bytes`, which are
    /// advanced past it; `None` if they do not hold one.
    pub fn decode(bytes: &mut &[u8]) -> Option<Claim> {
        let quota = u32::from_le_bytes(take(bytes)?);
        let amount = Money(i64::from_le_bytes(take(bytes)?));
        let tag = u64::from_le_bytes(take(bytes)?);
        let key = RankKey::from_bytes(take(bytes)?)?;
        let len = usize::try_from(u64::from_le_bytes(take(bytes)?)).ok()?;
        let (id, rest) = bytes.split_at_checked(len)?;
        let id = std::str::from_utf8(id).ok()?.to_string();
        *bytes = rest;
        Some(Claim {
            quota,
            id,
            amount,
            tag,
            key,
        })
    }
}

/// The first `N` bytes of `bytes`, which are advanced past them.
fn take<const N: usize>(bytes: &mut &[u8]) -> Option<[u8; N]> {
    let (head, rest) = bytes.split_first_chunk::<N>()?;
    *bytes = rest;
    Some(*head)
}

/// What allocation gave one claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub claim: Claim,
    /// 1-based position in its quota's order.
    pub rank: u64,
    pub allocated: bool,
    /// What the claim is paid: its amount, or its share of a budget shared
    /// pro rata; zero without a place.
    pub amount: Money,
}

impl Placement {
    /// `claim`, and what it was given.
    pub fn new(claim: Claim, given: Given) -> Placement {
        Placement {
            claim,
            rank: given.rank,
            allocated: given.paid.is_some(),
            // No place: nothing paid.
            amount: given.paid.unwrap_or(Money::ZERO),
        }
    }

    /// What the claim was given, without the claim.
    pub fn given(&self) -> Given {
        Given {
            rank: self.rank,
            paid: self.allocated.then_some(self.amount),
        }
    }
}

/// Why a batch cannot be allocated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllocateError {
    /// Two claims on one quota by the same applicant: one person, one
    /// ticket.
    DuplicateClaim { quota: String, id: String },
    /// A claim names a quota the scheme does not have.
    NoSuchQuota { quota: u32 },
    /// A quota's claims add up beyond what money can hold.
    Overflow { quota: String },
}

impl std::fmt::Display for AllocateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AllocateError::DuplicateClaim { quota, id } => {
                write!(f, "`{id}` claims a place of quota `{quota}` twice")
            }
            AllocateError::NoSuchQuota { quota } => write!(f, "quota #{quota} does not exist"),
            AllocateError::Overflow { quota } => {
                write!(
                    f,
                    "the claims on quota `{quota}` add up beyond what money can hold"
                )
            }
        }
    }
}

impl std::error::Error for AllocateError {}

/// The claim a decision puts in, if it is subject to a quota: its place
/// in the quota's order is worked out now, from the applicant.
pub fn claim(
    scheme: &Scheme,
    applicant: &Applicant,
    decision: &Decision,
    tag: u64,
) -> Result<Option<Claim>, EvalError> {
    let (Outcome::SubjectToQuota, Some(quota)) = (decision.outcome, decision.quota) else {
        return Ok(None);
    };
    let q = scheme
        .quotas
        .get(quota as usize)
        .ok_or(EvalError::BadReference)?;
    let (id, key) = rank_of(scheme, applicant, q)?;
    Ok(Some(Claim {
        quota,
        id,
        amount: decision.total,
        tag,
        key,
    }))
}

/// Orders each quota's claims and gives its places to the first ones.
/// The result is in the scheme's quota order, then rank order; the same
/// claims in any order give the same result.
pub fn allocate(scheme: &Scheme, mut claims: Vec<Claim>) -> Result<Vec<Placement>, AllocateError> {
    // By identifier first: one person, one claim per quota.
    claims.sort_unstable_by(|a, b| (a.quota, &a.id).cmp(&(b.quota, &b.id)));
    for pair in claims.windows(2) {
        if let [a, b] = pair {
            if a.quota == b.quota && a.id == b.id {
                return Err(AllocateError::DuplicateClaim {
                    quota: name(scheme, a.quota)?,
                    id: a.id.clone(),
                });
            }
        }
    }
    // Then in the quotas' order ([`in_rank_order`]). Claims whose keys tie
    // go by their place in identifier order, which the sort above gave
    // them and which is the identifiers' order, since they differ within
    // a quota: so text is not compared again. The keys are copied out
    // beside that place and sorted there: the claims are large, and
    // reaching into them from a sort misses the cache at every step.
    let mut keyed: Vec<(u32, RankKey, usize)> = claims
        .iter()
        .enumerate()
        .map(|(i, c)| (c.quota, c.key, i))
        .collect();
    keyed.sort_unstable();
    let mut demands = Demands::new(scheme);
    for c in &claims {
        demands.add(c);
    }
    // Move each claim into its placement, in rank order.
    let mut slots: Vec<Option<Claim>> = claims.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    let mut rationing: Option<(u32, Rationing)> = None;
    for (_, _, i) in keyed {
        let Some(claim) = slots.get_mut(i).and_then(Option::take) else {
            continue;
        };
        let quota = claim.quota;
        let r = match &mut rationing {
            Some((q, r)) if *q == quota => r,
            _ => {
                &mut rationing
                    .insert((quota, Rationing::new(scheme, quota, &demands)?))
                    .1
            }
        };
        let given = r.give(claim.amount)?;
        out.push(Placement::new(claim, given));
    }
    Ok(out)
}

/// The order in which a batch's claims are given places: by quota, then
/// by the quota's `by` line, then by identifier. [`allocate`] gives
/// places in this order; a caller that sorts claims itself (on disk, say)
/// sorts them by it and hands them to a [`Rationing`] one quota at a time.
pub fn in_rank_order(a: &Claim, b: &Claim) -> std::cmp::Ordering {
    (a.quota, &a.key, &a.id).cmp(&(b.quota, &b.key, &b.id))
}

/// What each quota's claims ask for, added up: what a [`Rationing`]
/// shares a budget pro rata by.
#[derive(Clone, Debug)]
pub struct Demands(Vec<i128>);

impl Demands {
    /// Nothing asked for yet, of any of `scheme`'s quotas.
    pub fn new(scheme: &Scheme) -> Demands {
        Demands(vec![0; scheme.quotas.len()])
    }

    /// Adds what `claim` asks for to its quota's demand.
    pub fn add(&mut self, claim: &Claim) {
        if let Some(d) = self.0.get_mut(claim.quota as usize) {
            // Exact: 2^64 claims of 2^63 fen each fit in 128 bits.
            *d += i128::from(claim.amount.minor());
        }
    }
}

/// What one claim was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Given {
    /// 1-based position in its quota's order.
    pub rank: u64,
    /// What the claim is paid (its amount or its pro rata share), or
    /// `None`: no place.
    pub paid: Option<Money>,
}

/// One quota's places, given to its claims one by one in their order
/// ([`in_rank_order`]): the first `places` claims, or while the money
/// lasts, or each its share of a budget shared pro rata. [`allocate`]
/// uses it; so can a caller whose claims do not fit in memory at once.
#[derive(Clone, Debug)]
pub struct Rationing {
    ration: Ration,
    quota: String,
    /// What the quota's claims ask for, added up (pro rata divides by it).
    demand: i128,
    /// Claims given so far.
    rank: u64,
    /// Money left of a budget given in order.
    left: i128,
    /// Whether a budget given in order still pays: the first claim it
    /// cannot pay closes it.
    open: bool,
}

impl Rationing {
    /// The places of `quota`, whose claims ask for what `demands` says:
    /// only a pro rata share reads it, but it must have added every claim
    /// the rationing will see.
    pub fn new(scheme: &Scheme, quota: u32, demands: &Demands) -> Result<Rationing, AllocateError> {
        let demand = demands.0.get(quota as usize).copied().unwrap_or(0);
        let q = scheme
            .quotas
            .get(quota as usize)
            .ok_or(AllocateError::NoSuchQuota { quota })?;
        let left = match q.ration {
            Ration::Budget(b) => i128::from(b.minor()),
            Ration::Places(_) | Ration::ProRata(_) => 0,
        };
        Ok(Rationing {
            ration: q.ration,
            quota: q.name.clone(),
            demand,
            rank: 0,
            left,
            open: true,
        })
    }

    /// Gives the next claim in the quota's order, asking for `amount`.
    pub fn give(&mut self, amount: Money) -> Result<Given, AllocateError> {
        self.rank += 1;
        let a = i128::from(amount.minor());
        let paid = match self.ration {
            Ration::Places(places) => (self.rank <= places).then_some(amount),
            Ration::Budget(_) => {
                self.open = self.open && a <= self.left;
                if self.open {
                    self.left -= a;
                }
                self.open.then_some(amount)
            }
            Ration::ProRata(budget) => {
                let budget = i128::from(budget.minor());
                if self.demand <= budget {
                    Some(amount)
                } else {
                    // Rounded down: the shares never add up to more than
                    // the budget. |amount × budget| < 2^126.
                    let share = a
                        .checked_mul(budget)
                        .map(|s| s / self.demand)
                        .and_then(|s| i64::try_from(s).ok())
                        .ok_or_else(|| AllocateError::Overflow {
                            quota: self.quota.clone(),
                        })?;
                    Some(Money(share))
                }
            }
        };
        Ok(Given {
            rank: self.rank,
            paid,
        })
    }
}

/// Turns a decision subject to a quota into what allocation gave it.
pub fn settle(decision: &mut Decision, placement: &Placement) {
    if decision.outcome == Outcome::SubjectToQuota {
        decision.quota_rank = Some(placement.rank);
        if placement.allocated
            && placement.amount != decision.total
            && share_out(decision, placement.amount).is_none()
        {
            decision.error = Some(EvalError::Overflow);
            decision.outcome = Outcome::Error;
            return;
        }
        decision.outcome = if placement.allocated {
            Outcome::Paid
        } else {
            decision.schedule.clear();
            Outcome::NoPlace
        };
    }
}

/// Awards of `amounts` scaled down to add up to `paid` (a pro rata
/// share): each rounded down, the fen left over going to the first. `None`
/// if a share does not fit, which a share no larger than its award cannot.
pub fn shares(amounts: &[Money], paid: Money) -> Option<Vec<Money>> {
    let total: i128 = amounts.iter().map(|m| i128::from(m.minor())).sum();
    let paid_fen = i128::from(paid.minor());
    if total <= 0 {
        return Some(amounts.to_vec());
    }
    let mut out = amounts
        .iter()
        .map(|a| i64::try_from(i128::from(a.minor()) * paid_fen / total).ok())
        .collect::<Option<Vec<i64>>>()?;
    let given: i128 = out.iter().map(|s| i128::from(*s)).sum();
    let rest = i64::try_from(paid_fen - given).ok()?;
    if let Some(first) = out.first_mut() {
        *first = first.checked_add(rest)?;
    }
    Some(out.into_iter().map(Money).collect())
}

/// A decision's awards scaled down to `paid` (see [`shares`]).
fn share_out(decision: &mut Decision, paid: Money) -> Option<()> {
    let amounts: Vec<Money> = decision.awards.iter().map(|a| a.payout.amount).collect();
    for (a, s) in decision.awards.iter_mut().zip(shares(&amounts, paid)?) {
        a.payout.amount = s;
    }
    decision.total = paid;
    Some(())
}

fn name(scheme: &Scheme, quota: u32) -> Result<String, AllocateError> {
    scheme
        .quotas
        .get(quota as usize)
        .map(|q| q.name.clone())
        .ok_or(AllocateError::NoSuchQuota { quota })
}

/// A lottery number: see the module documentation.
pub fn draw(seed: u64, quota: &str, id: &str) -> u64 {
    let digest = Sha256::new()
        .chain_update(format!("bursar-lot/1\n{seed}\n{quota}\n{id}"))
        .finalize();
    let mut first = [0u8; 8];
    for (b, d) in first.iter_mut().zip(digest.iter()) {
        *b = *d;
    }
    u64::from_be_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(quota: u32, id: &str, amount: i64, key: [(bool, i64); 4]) -> Claim {
        Claim {
            quota,
            id: id.to_string(),
            amount: Money(amount),
            tag: u64::from(quota) * 7,
            key: RankKey::new(key),
        }
    }

    proptest::proptest! {
        /// A claim read back is the claim written, and the bytes after it
        /// are left to the next.
        #[test]
        fn a_claim_reads_back_as_written(
            quota in proptest::num::u32::ANY,
            id in "\\PC{0,12}",
            amount in proptest::num::i64::ANY,
            key in proptest::array::uniform4((proptest::bool::ANY, proptest::num::i64::ANY)),
        ) {
            let c = claim(quota, &id, amount, key);
            let mut bytes = Vec::new();
            c.encode(&mut bytes);
            bytes.extend_from_slice(b"next");
            let mut rest = bytes.as_slice();
            proptest::prop_assert_eq!(Claim::decode(&mut rest), Some(c));
            proptest::prop_assert_eq!(rest, b"next");
        }
    }

    #[test]
    fn a_claim_cut_short_or_damaged_is_not_read() {
        let c = claim(
            1,
            "甲001",
            5_000,
            [(false, 3), (true, 0), (false, -1), (false, 0)],
        );
        let mut bytes = Vec::new();
        c.encode(&mut bytes);
        for len in 0..bytes.len() {
            assert_eq!(Claim::decode(&mut bytes.get(..len).unwrap()), None, "{len}");
        }
        // The second key's flag: neither present nor absent.
        let flag = 4 + 8 + 8 + 8 * 4 + 1;
        bytes[flag] = 2;
        assert_eq!(Claim::decode(&mut bytes.as_slice()), None);
    }
}
