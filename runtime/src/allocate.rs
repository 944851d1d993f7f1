//! Allocation: the places of each quota, given to the claims on it.
//!
//! Deciding one applicant ([`crate::evaluate`]) can only say "eligible,
//! subject to quota P": whether there is a place depends on everyone else.
//! [`allocate`] takes every claim of a batch (a population, a day's
//! applications) and orders each quota's claims by the quota's `by` line;
//! the first `places` get one. The simulator and embedding applications
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
use crate::ir::Scheme;
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
    /// Where the claim stands in the quota's order, key by key; `true`
    /// marks an absent value, which comes after every present one.
    key: RankKey,
}

/// What allocation gave one claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub claim: Claim,
    /// 1-based position in its quota's order.
    pub rank: u64,
    pub allocated: bool,
}

/// Why a batch cannot be allocated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllocateError {
    /// Two claims on one quota by the same applicant: one person, one
    /// ticket.
    DuplicateClaim { quota: String, id: String },
    /// A claim names a quota the scheme does not have.
    NoSuchQuota { quota: u32 },
}

impl std::fmt::Display for AllocateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AllocateError::DuplicateClaim { quota, id } => {
                write!(f, "`{id}` claims a place of quota `{quota}` twice")
            }
            AllocateError::NoSuchQuota { quota } => write!(f, "quota #{quota} does not exist"),
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
    // The identifier breaks ties: claims are distinct per quota, so the
    // order is total and the result does not depend on the input's order.
    claims.sort_unstable_by(|a, b| (a.quota, &a.key, &a.id).cmp(&(b.quota, &b.key, &b.id)));
    let mut out = Vec::with_capacity(claims.len());
    let mut current = None;
    let mut rank = 0u64;
    for claim in claims {
        if current != Some(claim.quota) {
            current = Some(claim.quota);
            rank = 0;
        }
        rank += 1;
        let places = scheme
            .quotas
            .get(claim.quota as usize)
            .ok_or(AllocateError::NoSuchQuota { quota: claim.quota })?
            .places;
        out.push(Placement {
            allocated: rank <= places,
            rank,
            claim,
        });
    }
    Ok(out)
}

/// Turns a decision subject to a quota into what allocation gave it.
pub fn settle(decision: &mut Decision, placement: &Placement) {
    if decision.outcome == Outcome::SubjectToQuota {
        decision.quota_rank = Some(placement.rank);
        decision.outcome = if placement.allocated {
            Outcome::Paid
        } else {
            decision.schedule.clear();
            Outcome::NoPlace
        };
    }
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
