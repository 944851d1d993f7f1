//! Sums of money over a population, exact whatever their size.
//!
//! A sum is kept in 128 bits: `u64::MAX` rows of `i64::MAX` fen each still
//! fit, so adding never overflows and sums merge in any order with the same
//! result. Only the finished figure must fit in a [`Money`]; one that does
//! not is an error naming the figure ([`Overflow`]), never a saturated or
//! dropped amount.

use bursar_runtime::Money;

/// An exact running sum of amounts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sum(i128);

impl Sum {
    pub const ZERO: Sum = Sum(0);

    /// `n` times `amount`.
    pub fn times(amount: Money, n: u64) -> Sum {
        // |i64| × u64 < 2^127: cannot overflow.
        Sum(i128::from(amount.minor()) * i128::from(n))
    }

    pub fn add(&mut self, amount: Money) {
        self.0 += i128::from(amount.minor());
    }

    /// Adds `amount` for each of `w` persons (a weighted row). Exact: a
    /// weight is at most `2^20` and a weighted run at most `2^43` rows
    /// (`crate::weight`), so a sum stays within `2^63 × 2^63 < 2^127`.
    pub fn add_times(&mut self, amount: Money, w: u64) {
        // A 64 × 64-bit product always fits 128 bits, so it cannot wrap
        // and needs no overflow check; the sum keeps its own.
        self.0 += i128::from(amount.minor()).wrapping_mul(i128::from(w));
    }

    /// `self × w`: a change in payment for each of `w` persons (bounded
    /// as [`Sum::add_times`]).
    pub fn scaled(self, w: u64) -> Sum {
        Sum(self.0 * i128::from(w))
    }

    pub fn merge(&mut self, other: Sum) {
        self.0 += other.0;
    }

    /// `self − other`, for the difference of two sums of one population.
    pub fn minus(self, other: Sum) -> Sum {
        Sum(self.0 - other.0)
    }

    /// `self × num / den`, rounded half to even to the fen: the expected
    /// value of a lottery's payments. `None` if `den` is 0 or it overflows.
    pub fn share(self, num: u64, den: u64) -> Option<Sum> {
        let (num, den) = (i128::from(num), i128::from(den));
        if den == 0 {
            return None;
        }
        let scaled = self.0.checked_mul(num)?;
        let (q, r) = (scaled.div_euclid(den), scaled.rem_euclid(den));
        let twice = r.checked_mul(2)?;
        let up = twice > den || (twice == den && q % 2 != 0);
        Some(Sum(if up { q + 1 } else { q }))
    }

    /// The sum as money, if it fits.
    pub fn money(self) -> Option<Money> {
        i64::try_from(self.0).ok().map(Money)
    }

    /// The sum as money, or an error naming `what` the figure is.
    pub fn figure(self, what: impl FnOnce() -> String) -> Result<Money, Overflow> {
        self.money().ok_or_else(|| Overflow { figure: what() })
    }
}

impl From<Money> for Sum {
    fn from(amount: Money) -> Sum {
        Sum(i128::from(amount.minor()))
    }
}

/// A figure of a report that does not fit in 64 bits of minor units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overflow {
    /// Which figure: `the total`, `the total of category `contest``,
    /// `the cash flow of 2023-11 (latest case)`.
    pub figure: String,
}

impl std::fmt::Display for Overflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} comes to more than {}, the largest amount Bursar can count; no figure is given rather than a wrong one",
            self.figure,
            Money(i64::MAX).grouped()
        )
    }
}

impl std::error::Error for Overflow {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_past_64_bits_are_exact_and_refused_as_money() {
        let mut s = Sum::ZERO;
        s.add(Money(i64::MAX));
        s.add(Money(1));
        assert_eq!(s.money(), None);
        s.add(Money(-1));
        assert_eq!(s.money(), Some(Money(i64::MAX)));
        assert_eq!(Sum::times(Money(i64::MAX), 2).money(), None);
        assert_eq!(Sum::times(Money(250), 4).money(), Some(Money(1000)));
        let err = Sum::times(Money(i64::MAX), 3)
            .figure(|| "the total".into())
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the total comes to more than 92,233,720,368,547,758.07"),
            "{err}"
        );
    }
}
