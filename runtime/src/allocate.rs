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
    // Then by the quota's keys; claims whose keys tie go by their place in
    // identifier order, so the order is total without comparing text
    // again, and does not depend on the input's order. The keys are copied
    // out beside that place and sorted there: the claims are large, and
    // reaching into them from a sort misses the cache at every step.
    let mut keyed: Vec<(u32, RankKey, usize)> = claims
        .iter()
        .enumerate()
        .map(|(i, c)| (c.quota, c.key, i))
        .collect();
    keyed.sort_unstable();
    let order: Vec<usize> = keyed.into_iter().map(|(_, _, i)| i).collect();
    // What each claim is paid, quota by quota, in the order found.
    let mut paid: Vec<Option<Money>> = Vec::with_capacity(claims.len());
    let mut start = 0;
    while let Some(&first) = order.get(start) {
        let quota = claims.get(first).map_or(0, |c| c.quota);
        let end = order
            .get(start..)
            .and_then(|rest| {
                rest.iter()
                    .position(|&i| claims.get(i).map_or(0, |c| c.quota) != quota)
            })
            .map_or(order.len(), |n| start + n);
        let ration = scheme
            .quotas
            .get(quota as usize)
            .ok_or(AllocateError::NoSuchQuota { quota })?
            .ration;
        let pool: Vec<&Claim> = order
            .get(start..end)
            .unwrap_or(&[])
            .iter()
            .filter_map(|&i| claims.get(i))
            .collect();
        let shares = ration_out(ration, &pool).ok_or_else(|| AllocateError::Overflow {
            quota: scheme
                .quotas
                .get(quota as usize)
                .map(|q| q.name.clone())
                .unwrap_or_default(),
        })?;
        paid.extend(shares);
        start = end;
    }
    // Move each claim into its placement, in rank order.
    let mut slots: Vec<Option<Claim>> = claims.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    let (mut quota, mut rank) = (None, 0u64);
    for (&i, amount) in order.iter().zip(paid) {
        let Some(claim) = slots.get_mut(i).and_then(Option::take) else {
            continue;
        };
        if quota != Some(claim.quota) {
            (quota, rank) = (Some(claim.quota), 0);
        }
        rank += 1;
        let (allocated, amount) = match amount {
            Some(m) => (true, m),
            // No place: nothing paid.
            None => (false, Money::ZERO),
        };
        out.push(Placement {
            claim,
            rank,
            allocated,
            amount,
        });
    }
    Ok(out)
}

/// What each claim of one quota, in its order, is paid (`None`: no
/// place); `None` overall if the sums overflow.
fn ration_out(ration: Ration, pool: &[&Claim]) -> Option<Vec<Option<Money>>> {
    Some(match ration {
        Ration::Places(places) => (0..pool.len() as u64)
            .zip(pool)
            .map(|(i, c)| (i < places).then_some(c.amount))
            .collect(),
        Ration::Budget(budget) => {
            let mut left = i128::from(budget.minor());
            let mut open = true;
            pool.iter()
                .map(|c| {
                    let a = i128::from(c.amount.minor());
                    open = open && a <= left;
                    if open {
                        left -= a;
                    }
                    open.then_some(c.amount)
                })
                .collect()
        }
        Ration::ProRata(budget) => {
            let demand: i128 = pool.iter().map(|c| i128::from(c.amount.minor())).sum();
            let budget = i128::from(budget.minor());
            if demand <= budget {
                pool.iter().map(|c| Some(c.amount)).collect()
            } else {
                let mut out = Vec::with_capacity(pool.len());
                for c in pool {
                    // Rounded down: the shares never add up to more than
                    // the budget. |amount × budget| < 2^126.
                    let share = i128::from(c.amount.minor()).checked_mul(budget)? / demand;
                    out.push(Some(Money(i64::try_from(share).ok()?)));
                }
                out
            }
        }
    })
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
