//! Synthetic populations for the 2023 career-boost scheme, for tests and
//! benchmarks. Deterministic: the same rows and seed give the same bytes.
//! The distributions are documented in docs/simulate.md; they are plausible
//! shapes for Beijing union members, not estimates.
//!
//! The generator knows the data contract (docs/simulate.md), not the
//! rules: it never decides who is eligible.

use std::io::Write;

use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::parquet_write::{Kind, ParquetRows};

/// The contract's header.
pub const HEADER: &str = "person_id,member_card,voc_level,voc_issuer,voc_issued,voc_boosted_before,sw_level,sw_approved,contest_year,contest_rank,applied_on";

fn day(from: NaiveDate, to: NaiveDate, rng: &mut ChaCha8Rng) -> NaiveDate {
    let span = (to - from).num_days().max(0) as u64;
    from.checked_add_days(Days::new(rng.random_range(0..=span)))
        .unwrap_or(from)
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, weighted: &'a [(T, f64)]) -> Option<&'a T> {
    let total: f64 = weighted.iter().map(|(_, w)| w).sum();
    let mut x = rng.random::<f64>() * total;
    for (v, w) in weighted {
        if x < *w {
            return Some(v);
        }
        x -= w;
    }
    weighted.last().map(|(v, _)| v)
}

/// How each column of [`HEADER`] is stored in Parquet: the type of the
/// 2023 scheme's field.
pub const KINDS: [Kind; 11] = [
    Kind::Text,
    Kind::Bool,
    Kind::Int,
    Kind::Text,
    Kind::Date,
    Kind::Bool,
    Kind::Text,
    Kind::Date,
    Kind::Int,
    Kind::Int,
    Kind::Date,
];

/// Writes `rows` synthetic members as CSV.
pub fn write_population(out: &mut impl Write, rows: u64, seed: u64) -> std::io::Result<()> {
    writeln!(out, "{HEADER}")?;
    members(rows, seed, |line| writeln!(out, "{line}"))
}

/// Writes the same members as Parquet, typed as the scheme's fields
/// (`crate::parquet_write`).
pub fn write_population_parquet<W: Write + Send>(
    out: W,
    rows: u64,
    seed: u64,
) -> std::io::Result<W> {
    let columns: Vec<(&str, Kind)> = HEADER.split(',').zip(KINDS).collect();
    let mut file = ParquetRows::new(out, &columns)?;
    // The generator's cells never hold a comma: they are cut where the CSV
    // line joins them.
    members(rows, seed, |line| {
        let cells: Vec<&str> = line.split(',').collect();
        file.push(&cells)
    })?;
    file.finish()
}

/// Calls `each` with each of `rows` members as a CSV line.
fn members(
    rows: u64,
    seed: u64,
    mut each: impl FnMut(&str) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut line = String::with_capacity(128);
    for i in 0..rows {
        line.clear();
        let member_card = rng.random::<f64>() < 0.92;
        let has_voc = rng.random::<f64>() < 0.30;
        let has_sw = rng.random::<f64>() < 0.04;
        let has_contest = rng.random::<f64>() < 0.015;
        let mut voc = (String::new(), String::new(), String::new(), false);
        if has_voc {
            let level = pick(
                &mut rng,
                &[(1, 0.05), (2, 0.15), (3, 0.35), (4, 0.30), (5, 0.15)],
            )
            .copied()
            .unwrap_or(3);
            let issuer = pick(
                &mut rng,
                &[
                    ("beijing_center", 0.5),
                    ("registered_org", 0.4),
                    ("other", 0.1),
                ],
            )
            .copied()
            .unwrap_or("other");
            let issued = day(date(2019, 1, 1), date(2023, 6, 30), &mut rng);
            let boosted_share = if issued.format("%Y").to_string() == "2021" {
                0.40
            } else {
                0.05
            };
            let boosted = rng.random::<f64>() < boosted_share;
            voc = (
                level.to_string(),
                issuer.to_string(),
                issued.to_string(),
                boosted,
            );
        }
        let mut sw = (String::new(), String::new());
        if has_sw {
            let level = pick(
                &mut rng,
                &[("senior", 0.15), ("regular", 0.55), ("assistant", 0.30)],
            )
            .copied()
            .unwrap_or("regular");
            sw = (
                level.to_string(),
                day(date(2020, 1, 1), date(2023, 3, 31), &mut rng).to_string(),
            );
        }
        let mut contest = (String::new(), String::new());
        if has_contest {
            let year = if rng.random::<f64>() < 0.6 {
                2022
            } else {
                2021
            };
            contest = (year.to_string(), rng.random_range(1..=60).to_string());
        }
        let apply_share = if has_voc || has_sw || has_contest {
            0.75
        } else {
            0.03
        };
        let applied = if rng.random::<f64>() < apply_share {
            day(date(2023, 1, 15), date(2023, 11, 30), &mut rng).to_string()
        } else {
            String::new()
        };
        use std::fmt::Write as _;
        let _ = write!(
            line,
            "P{i:08},{member_card},{},{},{},{},{},{},{},{},{applied}",
            voc.0, voc.1, voc.2, voc.3, sw.0, sw.1, contest.0, contest.1
        );
        each(&line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let make = |seed| {
            let mut v = Vec::new();
            write_population(&mut v, 200, seed).unwrap();
            v
        };
        assert_eq!(make(7), make(7));
        assert_ne!(make(7), make(8));
        let text = String::from_utf8(make(7)).unwrap();
        assert_eq!(text.lines().count(), 201);
        assert!(text.lines().all(|l| l.split(',').count() == 11));
    }
}
