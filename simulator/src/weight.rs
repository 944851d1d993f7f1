//! Weights of a survey sample's rows (`--weight COLUMN`): how many persons
//! each row stands for, read from one column of the population, and the
//! bounds that keep every weighted count and sum exact.
//!
//! A weight is a whole number of persons, from 0 to [`MAX_WEIGHT`]. Whole,
//! so that a weighted run is exactly the run of the population with each
//! row repeated as many times as its weight: every count is a whole number
//! of persons and every amount a whole number of fen, with nothing to
//! round. A survey's decimal weights are rounded to whole persons before
//! the run (docs/simulate.md, "Weighted populations").
//!
//! Why nothing can overflow: a count adds at most [`MAX_WEIGHT`] (`< 2^20`)
//! per row, and a weighted run reads at most [`MAX_WEIGHTED_ROWS`]
//! (`2^40`) rows, so every count stays below `2^60` and every money sum
//! (at most `2^64` fen a row, times the weight) below `2^124`, inside the
//! 128 bits of [`crate::sum::Sum`]. A finished figure that does not fit a
//! `Money` is still an error naming it, as in any run.

/// The persons one row stands for.
pub type Weight = u64;

/// The largest weight: a row standing for a million persons.
pub const MAX_WEIGHT: Weight = 1_000_000;

/// The most rows a weighted run reads (see the module's documentation).
pub const MAX_WEIGHTED_ROWS: u64 = 1 << 40;

/// Reads a weight cell: a whole number of persons, `100` (or `100.0`, as
/// spreadsheets and statistics packages write whole numbers), from 0 to
/// [`MAX_WEIGHT`]. The error says what is wrong with it.
pub fn parse(cell: &str) -> Result<Weight, String> {
    let text = cell.trim();
    if text.is_empty() {
        return Err(
            "the weight is empty: every row of a weighted population says how many persons it stands for"
                .to_string(),
        );
    }
    if let Some(rest) = text.strip_prefix('-') {
        if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err("a weight cannot be negative: it is a number of persons".to_string());
        }
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return Err("expected a weight: a whole number of persons, like `100`".to_string());
    }
    if fraction.bytes().any(|b| b != b'0') {
        return Err(
            "a weight is a whole number of persons: round the sample's weights before the run"
                .to_string(),
        );
    }
    match whole.parse::<u64>() {
        Ok(w) if w <= MAX_WEIGHT => Ok(w),
        _ => Err(format!(
            "a weight is at most {} persons",
            bursar_runtime::money::group_thousands(&MAX_WEIGHT.to_string())
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn weights_are_whole_numbers_of_persons() {
        assert_eq!(parse("100"), Ok(100));
        assert_eq!(parse(" 100.00 "), Ok(100));
        assert_eq!(parse("0"), Ok(0));
        assert_eq!(parse("1000000"), Ok(MAX_WEIGHT));
        assert!(parse("1000001").unwrap_err().contains("at most 1,000,000"));
        assert!(parse("99999999999999999999999")
            .unwrap_err()
            .contains("at most"));
        assert!(parse("-1").unwrap_err().contains("negative"));
        assert!(parse("12.5").unwrap_err().contains("whole number"));
        assert!(parse("").unwrap_err().contains("empty"));
        for bad in ["abc", "1e3", ".5", "1,000", "+3", "--1"] {
            assert!(
                parse(bad).unwrap_err().starts_with("expected a weight"),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_bounds_keep_sums_inside_128_bits() {
        // A count: at most MAX_WEIGHT per row.
        assert!(u128::from(MAX_WEIGHT) * u128::from(MAX_WEIGHTED_ROWS) < 1 << 60);
        // A sum: at most 2^64 fen a row (a change between two amounts).
        let most = (1u128 << 64) * u128::from(MAX_WEIGHT) * u128::from(MAX_WEIGHTED_ROWS);
        assert!(most < 1 << 124);
    }
}
