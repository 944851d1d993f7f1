//! The yardstick for `bursar simulate`: a single-purpose program that reads a
//! 2023 population file with the same CSV reader, applies the 2023 rules
//! written by hand, and adds up the same figures (paid, money per category
//! and per amount, not applied, late, latest-case cash flow by month).
//!
//! It validates every cell as `bursar simulate` does, because a fair baseline
//! must also refuse bad data. Run by `bench/simulate`:
//! `cargo bench --bench baseline_2023 -- FILE` prints the figures as JSON.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // a benchmark program

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};

fn date(s: &str) -> Option<NaiveDate> {
    if s.is_empty() {
        None
    } else {
        Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|_| panic!("bad date {s}")))
    }
}

fn int(s: &str) -> Option<i64> {
    if s.is_empty() {
        None
    } else {
        Some(s.parse().unwrap_or_else(|_| panic!("bad int {s}")))
    }
}

fn boolean(s: &str) -> bool {
    match s {
        "true" => true,
        "false" => false,
        _ => panic!("bad bool {s}"),
    }
}

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .expect("usage: baseline_2023 FILE");
    let file = std::fs::File::open(&path).expect("open");
    let mut reader = csv::Reader::from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let mut record = csv::StringRecord::new();
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let (voc_from, voc_to) = (d(2021, 1, 1), d(2022, 12, 31));
    let (sw_from, sw_to) = (d(2022, 1, 1), d(2022, 12, 31));
    let deadline = d(2023, 10, 31);
    let mut rows = 0u64;
    let mut paid = 0u64;
    let mut total = 0i64;
    let mut cat_paid = [0u64; 3];
    let mut cat_total = [0i64; 3];
    let mut by_amount: BTreeMap<i64, u64> = BTreeMap::new();
    let mut not_applied = 0u64;
    let mut late = 0u64;
    let mut cash: BTreeMap<(i32, u32), i64> = BTreeMap::new();
    while reader.read_record(&mut record).expect("csv") {
        rows += 1;
        let card = boolean(&record[1]);
        let voc_level = int(&record[2]);
        let voc_issuer = match &record[3] {
            "" => None,
            s @ ("beijing_center" | "registered_org" | "other") => Some(s.to_string()),
            s => panic!("bad issuer {s}"),
        };
        let voc_issued = date(&record[4]);
        let boosted = boolean(&record[5]);
        let sw_level = match &record[6] {
            "" => None,
            s @ ("senior" | "regular" | "assistant") => Some(s.to_string()),
            s => panic!("bad sw level {s}"),
        };
        let sw_approved = date(&record[7]);
        let contest_year = int(&record[8]);
        let contest_rank = int(&record[9]);
        let applied = date(&record[10]);
        if !card {
            continue;
        }
        // Amounts in fen; categories in declaration order.
        let mut options = [0i64; 3];
        if let (Some(level @ 1..=3), Some(issuer), Some(issued)) =
            (voc_level, &voc_issuer, voc_issued)
        {
            if issuer != "other"
                && issued >= voc_from
                && issued <= voc_to
                && !(issued.year() == 2021 && boosted)
            {
                options[0] = [200_000, 100_000, 80_000][(level - 1) as usize];
            }
        }
        if let (Some(level), Some(approved)) = (&sw_level, sw_approved) {
            if level != "assistant" && approved >= sw_from && approved <= sw_to {
                options[1] = if level == "senior" { 200_000 } else { 100_000 };
            }
        }
        if let (Some(2022), Some(rank @ 1..=10)) = (contest_year, contest_rank) {
            options[2] = if rank == 1 { 200_000 } else { 100_000 };
        }
        // Highest amount, ties to the first declared.
        let mut best: Option<usize> = None;
        for (i, amount) in options.iter().enumerate() {
            if *amount > 0 && best.is_none_or(|b| *amount > options[b]) {
                best = Some(i);
            }
        }
        let Some(best) = best else { continue };
        let amount = options[best];
        match applied {
            None => not_applied += 1,
            Some(a) if a > deadline => late += 1,
            Some(a) => {
                paid += 1;
                total += amount;
                cat_paid[best] += 1;
                cat_total[best] += amount;
                *by_amount.entry(amount).or_insert(0) += 1;
                let latest = a
                    .checked_add_months(Months::new(1))
                    .unwrap()
                    .checked_add_months(Months::new(3))
                    .unwrap();
                *cash.entry((latest.year(), latest.month())).or_insert(0) += amount;
            }
        }
    }
    let money = |fen: i64| format!("{}.{:02}", fen / 100, fen % 100);
    let names = ["vocational", "social_work", "contest"];
    let by_category: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                n.to_string(),
                serde_json::json!({"paid": cat_paid[i], "total": money(cat_total[i])}),
            )
        })
        .collect();
    let out = serde_json::json!({
        "rows": rows,
        "paid": paid,
        "total": money(total),
        "by_category": by_category,
        "paid_by_amount": by_amount.iter().map(|(a, n)| serde_json::json!({"amount": money(*a), "persons": n})).collect::<Vec<_>>(),
        "eligible_not_applied": not_applied,
        "eligible_late": late,
        "cash_flow": cash.iter().map(|((y, m), v)| (format!("{y:04}-{m:02}"), serde_json::json!(money(*v)))).collect::<serde_json::Map<_, _>>(),
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
