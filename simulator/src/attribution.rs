//! Budget attribution: how much of the change in cost each policy change
//! accounts for, when changes interact (a higher level-1 amount costs more
//! when the window is wider).
//!
//! Method: Shapley values over the changes. A change's share is its marginal
//! cost averaged over every order in which the changes could be made. It does
//! not depend on the order the changes are listed in, and the shares add up
//! to the whole change exactly. With n changes, exact values need the cost
//! of all 2^n combinations; up to [`EXACT_LIMIT`] changes they are computed
//! exactly, beyond that from a seeded sample of orders (each sampled order
//! still adds up to the whole, so the sampled shares do too).

use std::collections::BTreeSet;

use bursar_runtime::Money;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Up to this many changes, attribution is exact (2^10 = 1024 variants).
pub const EXACT_LIMIT: usize = 10;
/// Orders sampled beyond the exact limit.
pub const SAMPLED_ORDERS: usize = 200;

/// The combinations of changes whose cost is needed, as bit masks (bit i:
/// change i applied), in a fixed order.
pub fn combinations(n: usize, seed: u64) -> Vec<u64> {
    if n <= EXACT_LIMIT {
        return (0..(1u64 << n)).collect();
    }
    let mut set = BTreeSet::new();
    for order in orders(n, seed) {
        let mut mask = 0u64;
        set.insert(mask);
        for i in order {
            mask |= 1 << i;
            set.insert(mask);
        }
    }
    set.into_iter().collect()
}

fn orders(n: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..SAMPLED_ORDERS)
        .map(|_| {
            let mut order: Vec<usize> = (0..n).collect();
            order.shuffle(&mut rng);
            order
        })
        .collect()
}

/// How the shares were computed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Method {
    pub name: &'static str,
    pub changes: usize,
    /// Scheme variants evaluated over the population.
    pub variants: usize,
}

/// What each change accounts for: the report of attribution, rendered by
/// `crate::render` as part of a diff's budget.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Attribution {
    pub method: Method,
    /// The whole change in cost, reform minus base.
    pub delta: Money,
    /// The shares added up: `delta` exactly, when the parts are right.
    pub sum_of_shares: Money,
    /// One share per change that can alter decisions, in the diff's order.
    pub shares: Vec<Share>,
}

/// One change's share of the change in cost.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Share {
    /// The change's id (`standard.level1`).
    pub change: String,
    pub share: Money,
}

impl Attribution {
    /// The shares of `delta`, one per change, added up in 128 bits: a sum
    /// that does not fit is an error naming it.
    pub fn new(
        method: Method,
        delta: Money,
        shares: Vec<Share>,
    ) -> Result<Attribution, crate::sum::Overflow> {
        let mut sum = crate::sum::Sum::ZERO;
        for s in &shares {
            sum.add(s.share);
        }
        Ok(Attribution {
            method,
            delta,
            sum_of_shares: sum.figure(|| "the sum of the shares".to_string())?,
            shares,
        })
    }
}

/// Each change's share of `cost(all) - cost(none)`, in minor units, rounded
/// so that the shares add up exactly. `cost` gives the total for a mask from
/// [`combinations`].
pub fn shapley(
    n: usize,
    seed: u64,
    cost: &dyn Fn(u64) -> Option<Money>,
) -> Option<(Vec<Money>, Method)> {
    let full = if n >= 64 {
        return None;
    } else {
        (1u64 << n) - 1
    };
    let v = |mask: u64| cost(mask).map(|m| i128::from(m.minor()));
    // Shares as exact fractions over a common denominator.
    let (numerators, denominator, method) = if n <= EXACT_LIMIT {
        let factorial = |k: usize| (1..=k as i128).product::<i128>();
        let mut nums = vec![0i128; n];
        for mask in 0..(1u64 << n) {
            let size = mask.count_ones() as usize;
            for (i, num) in nums.iter_mut().enumerate() {
                if mask & (1 << i) != 0 {
                    continue;
                }
                let weight = factorial(size) * factorial(n - size - 1);
                *num += weight * (v(mask | (1 << i))? - v(mask)?);
            }
        }
        (
            nums,
            factorial(n),
            Method {
                name: "exact Shapley values",
                changes: n,
                variants: 1 << n,
            },
        )
    } else {
        let mut nums = vec![0i128; n];
        let orders = orders(n, seed);
        for order in &orders {
            let mut mask = 0u64;
            for i in order {
                let next = mask | (1 << i);
                if let Some(num) = nums.get_mut(*i) {
                    *num += v(next)? - v(mask)?;
                }
                mask = next;
            }
        }
        (
            nums,
            orders.len() as i128,
            Method {
                name: "Shapley values from sampled orders",
                changes: n,
                variants: combinations(n, seed).len(),
            },
        )
    };
    let total = v(full)? - v(0)?;
    Some((round_to_total(&numerators, denominator, total)?, method))
}

/// Rounds fractions `num / den` to whole minor units that add up to `total`
/// (largest remainder).
fn round_to_total(nums: &[i128], den: i128, total: i128) -> Option<Vec<Money>> {
    if den <= 0 {
        return None;
    }
    let mut parts: Vec<i128> = nums.iter().map(|n| n.div_euclid(den)).collect();
    let mut rest: Vec<(i128, usize)> = nums
        .iter()
        .enumerate()
        .map(|(i, n)| (n.rem_euclid(den), i))
        .collect();
    // Largest remainder first; ties to the earlier change.
    rest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut missing = total - parts.iter().sum::<i128>();
    for (_, i) in rest.iter().cycle().take(nums.len() * 2) {
        if missing == 0 {
            break;
        }
        if let Some(p) = parts.get_mut(*i) {
            if missing > 0 {
                *p += 1;
                missing -= 1;
            } else {
                *p -= 1;
                missing += 1;
            }
        }
    }
    if missing != 0 {
        return None;
    }
    parts
        .into_iter()
        .map(|p| i64::try_from(p).ok().map(Money))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interacting_changes_share_the_interaction_and_add_up() {
        // Change 0 alone: +100; change 1 alone: +50; both: +300 (they interact).
        let cost = |mask: u64| {
            Some(Money(match mask {
                0 => 1000,
                1 => 1100,
                2 => 1050,
                _ => 1300,
            }))
        };
        let (parts, method) = shapley(2, 0, &cost).unwrap();
        // Each gets its own effect plus half the interaction of 150.
        assert_eq!(parts, vec![Money(175), Money(125)]);
        assert_eq!(method.variants, 4);
    }

    #[test]
    fn shares_do_not_depend_on_the_order_of_changes() {
        let cost_ab = |mask: u64| Some(Money([0, 7, 3, 20][mask as usize]));
        let cost_ba = |mask: u64| Some(Money([0, 3, 7, 20][mask as usize]));
        let (ab, _) = shapley(2, 0, &cost_ab).unwrap();
        let (ba, _) = shapley(2, 0, &cost_ba).unwrap();
        assert_eq!(ab, vec![ba[1], ba[0]]);
    }

    #[test]
    fn thirds_are_rounded_to_add_up_exactly() {
        // Three symmetric changes that only cost together: 100 / 3 each.
        let cost = |mask: u64| Some(Money(if mask == 7 { 100 } else { 0 }));
        let (parts, _) = shapley(3, 0, &cost).unwrap();
        assert_eq!(parts.iter().map(|m| m.minor()).sum::<i64>(), 100);
        assert!(parts.iter().all(|m| m.minor() == 33 || m.minor() == 34));
    }

    #[test]
    fn sampling_beyond_the_limit_still_adds_up() {
        let n = EXACT_LIMIT + 2;
        let cost = |mask: u64| {
            Some(Money(
                i64::from(mask.count_ones()) * 10 + if mask & 3 == 3 { 7 } else { 0 },
            ))
        };
        let (parts, method) = shapley(n, 1, &cost).unwrap();
        assert_eq!(
            parts.iter().map(|m| m.minor()).sum::<i64>(),
            n as i64 * 10 + 7
        );
        assert!(method.variants < 1 << n);
        assert!(combinations(n, 1).contains(&((1 << n) - 1)));
    }
}
