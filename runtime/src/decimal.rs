//! Exact fractions: rates (`5%`), quotients and amounts that are not yet a
//! whole fen (`income * 5%`), until the policy rounds them.
//!
//! A [`Decimal`] is a reduced fraction of two `i64`s. Arithmetic is done in
//! 128 bits and refused (`None`) when the reduced result does not fit, so a
//! figure is exact or it is an error, never approximately right. Amounts of
//! money held as a `Decimal` count fen.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `num / den`, reduced, with `den > 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    num: i64,
    den: i64,
}

/// How to round to a whole unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundMode {
    /// Halves away from zero (四舍五入).
    HalfUp,
    /// Halves to the even neighbour (banker's rounding).
    HalfEven,
    /// Towards zero.
    Down,
    /// Away from zero.
    Up,
}

impl RoundMode {
    pub const ALL: [RoundMode; 4] = [
        RoundMode::HalfUp,
        RoundMode::HalfEven,
        RoundMode::Down,
        RoundMode::Up,
    ];
    /// How the mode is written in a policy.
    pub fn name(self) -> &'static str {
        match self {
            RoundMode::HalfUp => "half_up",
            RoundMode::HalfEven => "half_even",
            RoundMode::Down => "down",
            RoundMode::Up => "up",
        }
    }
}

impl Decimal {
    pub const ZERO: Decimal = Decimal { num: 0, den: 1 };

    /// `num / den` reduced; `None` if `den` is zero or the result does not fit.
    pub fn new(num: i128, den: i128) -> Option<Decimal> {
        if den == 0 {
            return None;
        }
        let g = gcd(num.unsigned_abs(), den.unsigned_abs()).max(1);
        let g = i128::try_from(g).ok()?;
        let (mut n, mut d) = (num / g, den / g);
        if d < 0 {
            n = n.checked_neg()?;
            d = d.checked_neg()?;
        }
        Some(Decimal {
            num: i64::try_from(n).ok()?,
            den: i64::try_from(d).ok()?,
        })
    }

    pub fn from_int(n: i64) -> Decimal {
        Decimal { num: n, den: 1 }
    }

    pub fn numerator(self) -> i64 {
        self.num
    }

    pub fn denominator(self) -> i64 {
        self.den
    }

    pub fn is_integer(self) -> bool {
        self.den == 1
    }

    pub fn checked_add(self, o: Decimal) -> Option<Decimal> {
        let (a, b, c, d) = self.wide(o);
        Decimal::new(
            a.checked_mul(d)?.checked_add(c.checked_mul(b)?)?,
            b.checked_mul(d)?,
        )
    }

    pub fn checked_sub(self, o: Decimal) -> Option<Decimal> {
        self.checked_add(o.checked_neg()?)
    }

    pub fn checked_mul(self, o: Decimal) -> Option<Decimal> {
        let (a, b, c, d) = self.wide(o);
        Decimal::new(a.checked_mul(c)?, b.checked_mul(d)?)
    }

    /// `None` on division by zero too.
    pub fn checked_div(self, o: Decimal) -> Option<Decimal> {
        let (a, b, c, d) = self.wide(o);
        Decimal::new(a.checked_mul(d)?, b.checked_mul(c)?)
    }

    pub fn checked_neg(self) -> Option<Decimal> {
        Some(Decimal {
            num: self.num.checked_neg()?,
            den: self.den,
        })
    }

    fn wide(self, o: Decimal) -> (i128, i128, i128, i128) {
        (
            i128::from(self.num),
            i128::from(self.den),
            i128::from(o.num),
            i128::from(o.den),
        )
    }

    /// The whole number of `unit`s nearest by `mode`, times `unit`: rounding
    /// 250.5 fen to the fen half up gives 251.
    pub fn round_to(self, unit: i64, mode: RoundMode) -> Option<i64> {
        // self / unit = num / (den * unit) = q + r / m
        let m = i128::from(self.den).checked_mul(i128::from(unit))?;
        if m <= 0 {
            return None;
        }
        let n = i128::from(self.num);
        let q = n.div_euclid(m);
        let r = n.rem_euclid(m); // 0 <= r < m
        let away = |q: i128| if n < 0 { q } else { q + 1 };
        let toward = |q: i128| if n < 0 { q + 1 } else { q };
        let rounded = if r == 0 {
            q
        } else {
            // Floor is q, ceiling q + 1; compare the remainder with a half.
            let twice = r.checked_mul(2)?;
            match mode {
                RoundMode::Down => toward(q),
                RoundMode::Up => away(q),
                RoundMode::HalfUp | RoundMode::HalfEven => match twice.cmp(&m) {
                    Ordering::Less => q,
                    Ordering::Greater => q + 1,
                    Ordering::Equal if mode == RoundMode::HalfUp => away(q),
                    Ordering::Equal => {
                        if q.rem_euclid(2) == 0 {
                            q
                        } else {
                            q + 1
                        }
                    }
                },
            }
        };
        i64::try_from(rounded.checked_mul(i128::from(unit))?).ok()
    }

    /// The decimal digits, if the fraction ends (its denominator divides a
    /// power of ten): `0.05`, `-12.5`.
    fn decimal_text(self) -> Option<String> {
        let den = i128::from(self.den);
        let mut power: i128 = 1;
        let mut digits = 0usize;
        while power % den != 0 {
            power = power.checked_mul(10)?;
            digits += 1;
        }
        let scaled = i128::from(self.num).checked_mul(power / den)?;
        let abs = scaled.unsigned_abs().to_string();
        let text = if digits == 0 {
            abs
        } else {
            let padded = format!("{abs:0>width$}", width = digits + 1);
            let (int, frac) = padded.split_at(padded.len() - digits);
            format!("{int}.{frac}")
        };
        Some(if scaled < 0 { format!("-{text}") } else { text })
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Ord for Decimal {
    fn cmp(&self, o: &Decimal) -> Ordering {
        // Both denominators are positive and every part fits i64, so the
        // cross products fit i128.
        (i128::from(self.num) * i128::from(o.den)).cmp(&(i128::from(o.num) * i128::from(self.den)))
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, o: &Decimal) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Decimal digits where the fraction ends (`0.05`), else `num/den` (`1/3`).
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.decimal_text() {
            Some(t) => f.write_str(&t),
            None => write!(f, "{}/{}", self.num, self.den),
        }
    }
}

/// Why a text is not a decimal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecimalError;

impl fmt::Display for DecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a decimal number (`0.05`, `-12.5`, `1/3`)")
    }
}

/// `0.05`, `-12.5`, `7`, `1/3`, and `5%`.
impl FromStr for Decimal {
    type Err = DecimalError;
    fn from_str(s: &str) -> Result<Decimal, DecimalError> {
        let s = s.trim();
        if let Some(p) = s.strip_suffix('%') {
            let d: Decimal = p.parse()?;
            return d.checked_div(Decimal::from_int(100)).ok_or(DecimalError);
        }
        if let Some((n, d)) = s.split_once('/') {
            let n: i64 = n.trim().parse().map_err(|_| DecimalError)?;
            let d: i64 = d.trim().parse().map_err(|_| DecimalError)?;
            return Decimal::new(i128::from(n), i128::from(d)).ok_or(DecimalError);
        }
        let (negative, body) = match s.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, s),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || (body.contains('.') && frac.is_empty())
            || frac.len() > 18
        {
            return Err(DecimalError);
        }
        let digits = format!("{int}{frac}");
        let n: i128 = digits.parse().map_err(|_| DecimalError)?;
        let den = 10i128.checked_pow(frac.len() as u32).ok_or(DecimalError)?;
        let n = if negative { -n } else { n };
        Decimal::new(n, den).ok_or(DecimalError)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn text_round_trips() {
        for s in ["0.05", "-12.5", "7", "1/3", "0", "2.125", "-1/7"] {
            assert_eq!(d(s).to_string(), s);
        }
        assert_eq!(d("5%"), d("0.05"));
        assert_eq!(d("0.10"), d("0.1"));
        for bad in ["", ".5", "5.", "1/0", "abc", "1.2.3", "--1"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad}");
        }
    }

    #[test]
    fn rounds_every_way() {
        // 250.005 yuan is 25000.5 fen.
        let x = d("25000.5");
        assert_eq!(x.round_to(1, RoundMode::HalfUp), Some(25001));
        assert_eq!(x.round_to(1, RoundMode::HalfEven), Some(25000));
        assert_eq!(x.round_to(1, RoundMode::Down), Some(25000));
        assert_eq!(x.round_to(1, RoundMode::Up), Some(25001));
        let y = d("-25000.5");
        assert_eq!(y.round_to(1, RoundMode::HalfUp), Some(-25001));
        assert_eq!(y.round_to(1, RoundMode::Down), Some(-25000));
        assert_eq!(y.round_to(1, RoundMode::Up), Some(-25001));
        assert_eq!(d("25150").round_to(100, RoundMode::HalfUp), Some(25200));
        assert_eq!(d("25149").round_to(100, RoundMode::HalfUp), Some(25100));
        assert_eq!(d("25150").round_to(100, RoundMode::HalfEven), Some(25200));
        assert_eq!(d("25050").round_to(100, RoundMode::HalfEven), Some(25000));
        assert_eq!(d("1/3").round_to(1, RoundMode::Up), Some(1));
        assert_eq!(d("7").round_to(1, RoundMode::Up), Some(7));
    }

    #[test]
    fn arithmetic_is_exact_or_refused() {
        assert_eq!(d("0.1").checked_add(d("0.2")), Some(d("0.3")));
        assert_eq!(
            d("1").checked_div(d("3")).unwrap().checked_mul(d("3")),
            Some(d("1"))
        );
        assert_eq!(d("1").checked_div(Decimal::ZERO), None);
        let big = Decimal::from_int(i64::MAX);
        assert_eq!(big.checked_add(big), None);
        assert!(d("1/3") < d("0.34") && d("-1/3") > d("-0.34"));
    }
}
