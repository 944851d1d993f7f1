//! The yardstick for `bursar simulate`: a single-purpose program that reads a
//! 2023 population file with the same CSV reader, applies the 2023 rules
//! written by hand, and adds up the same figures as the report: applicants;
//! per category those who qualify, are awarded and are paid, and the money;
//! paid per amount; not applied; late; the not eligible by the condition that
//! stopped them (the nearest miss, as docs/simulate.md defines it); and the
//! latest-case and expected-case cash flow by month.
//!
//! It validates every cell as `bursar simulate` does, because a fair baseline
//! must also refuse bad data. Run by `bench/simulate`:
//! `cargo bench --bench baseline_2023 -- FILE` prints the figures as JSON.
//! With `--parse-only` it reads and validates every cell and decides
//! nothing, printing only the rows read: the CSV parse floor that reading
//! another format is measured against (docs/performance.md, "Parquet").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // a benchmark program

use std::collections::BTreeMap;

use chrono::{Datelike, Days, Months, NaiveDate};

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
    let mut applicants = 0u64;
    let mut paid = 0u64;
    let mut total = 0i64;
    let mut cat_qualifying = [0u64; 3];
    let mut cat_eligible = [0u64; 3];
    let mut cat_paid = [0u64; 3];
    let mut cat_total = [0i64; 3];
    let mut by_amount: BTreeMap<i64, u64> = BTreeMap::new();
    let mut not_applied = 0u64;
    let mut late = 0u64;
    // Reasons: the requirement, then each category's conditions in order,
    // then "in no target group".
    let mut reasons = [0u64; 10];
    let mut cash: BTreeMap<(i32, u32), i64> = BTreeMap::new();
    let mut cash_expected: BTreeMap<(i32, u32), i64> = BTreeMap::new();
    let parse_only = std::env::args().any(|a| a == "--parse-only");
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
        if parse_only {
            std::hint::black_box((
                card,
                voc_level,
                voc_issuer,
                voc_issued,
                boosted,
                sw_level,
                sw_approved,
                contest_year,
                contest_rank,
                applied,
            ));
            continue;
        }
        if applied.is_some() {
            applicants += 1;
        }
        if !card {
            reasons[0] += 1;
            continue;
        }
        // Per category: the amount in fen (0: does not qualify), or the
        // first failing condition and whether it looked at data the person has.
        let mut options = [0i64; 3];
        let mut misses: [Option<(usize, bool)>; 3] = [None; 3];
        misses[0] = match (voc_level, &voc_issuer, voc_issued) {
            (None, _, _) => Some((0, false)),
            (Some(l), _, _) if !(1..=3).contains(&l) => Some((0, true)),
            (_, None, _) => Some((1, false)),
            (_, Some(i), _) if i == "other" => Some((1, true)),
            (_, _, None) => Some((2, false)),
            (_, _, Some(d)) if d < voc_from || d > voc_to => Some((2, true)),
            (_, _, Some(d)) if d.year() == 2021 && boosted => Some((3, true)),
            (Some(level), _, _) => {
                options[0] = [200_000, 100_000, 80_000][(level - 1) as usize];
                None
            }
        };
        misses[1] = match (&sw_level, sw_approved) {
            (None, _) => Some((0, false)),
            (Some(l), _) if l == "assistant" => Some((0, true)),
            (_, None) => Some((1, false)),
            (_, Some(d)) if d < sw_from || d > sw_to => Some((1, true)),
            (Some(l), _) => {
                options[1] = if l == "senior" { 200_000 } else { 100_000 };
                None
            }
        };
        misses[2] = match (contest_year, contest_rank) {
            (None, _) => Some((0, false)),
            (Some(y), _) if y != 2022 => Some((0, true)),
            (_, None) => Some((1, false)),
            (_, Some(r)) if !(1..=10).contains(&r) => Some((1, true)),
            (_, Some(r)) => {
                options[2] = if r == 1 { 200_000 } else { 100_000 };
                None
            }
        };
        for (q, amount) in cat_qualifying.iter_mut().zip(options) {
            *q += u64::from(amount > 0);
        }
        // Highest amount, ties to the first declared.
        let mut best: Option<usize> = None;
        for (i, amount) in options.iter().enumerate() {
            if *amount > 0 && best.is_none_or(|b| *amount > options[b]) {
                best = Some(i);
            }
        }
        let Some(best) = best else {
            // The nearest miss (docs/simulate.md): the category furthest
            // through its share of conditions, the first declared among
            // equals; if every category fails its first condition, "in no
            // target group".
            let first_condition = [1, 5, 7];
            let conditions = [4u64, 2, 2];
            let mut nearest: (u64, u64, usize) = (0, 1, 9);
            for (c, miss) in misses.iter().enumerate() {
                if let Some((failed, _)) = *miss {
                    let (passed, of) = (failed as u64, conditions[c]);
                    if passed * nearest.1 > nearest.0 * of {
                        nearest = (passed, of, first_condition[c] + failed);
                    }
                }
            }
            reasons[nearest.2] += 1;
            continue;
        };
        cat_eligible[best] += 1;
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
                // Review within a month of receipt, payment within three
                // months of review: the latest case takes each limit in full,
                // the expected case half of it (in days, rounded down).
                let reviewed = a.checked_add_months(Months::new(1)).unwrap();
                let latest = reviewed.checked_add_months(Months::new(3)).unwrap();
                *cash.entry((latest.year(), latest.month())).or_insert(0) += amount;
                let half = |from: NaiveDate, to: NaiveDate| {
                    from + Days::new(((to - from).num_days() / 2) as u64)
                };
                let reviewed = half(a, reviewed);
                let expected = half(
                    reviewed,
                    reviewed.checked_add_months(Months::new(3)).unwrap(),
                );
                *cash_expected
                    .entry((expected.year(), expected.month()))
                    .or_insert(0) += amount;
            }
        }
    }
    if parse_only {
        println!("{{\"rows\": {rows}}}");
        return;
    }
    let money = |fen: i64| format!("{}.{:02}", fen / 100, fen % 100);
    let names = ["vocational", "social_work", "contest"];
    let by_category: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                n.to_string(),
                serde_json::json!({
                    "qualifying": cat_qualifying[i],
                    "eligible": cat_eligible[i],
                    "paid": cat_paid[i],
                    "total": money(cat_total[i]),
                }),
            )
        })
        .collect();
    // The conditions' labels as the report prints them.
    let conditions: [(Option<&str>, &str); 10] = [
        (None, "持有工会会员互助服务卡"),
        (Some("vocational"), "国家一级、二级或三级"),
        (
            Some("vocational"),
            "北京市职业技能鉴定管理中心颁发或经其备案的评价机构认定",
        ),
        (
            Some("vocational"),
            "首次发证日期在2021年1月1日至2022年12月31日（含）",
        ),
        (
            Some("vocational"),
            "excluded: 2021年度取证且已获得助推的职工不得再次申报",
        ),
        (Some("social_work"), "高级社会工作师或社会工作师"),
        (
            Some("social_work"),
            "证书批准日期在2022年1月1日至2022年12月31日（含）",
        ),
        (Some("contest"), "参加2022年北京市职工职业技能大赛"),
        (Some("contest"), "个人决赛前十名"),
        (
            None,
            "in no target group (the first condition of every category fails)",
        ),
    ];
    let by_reason: Vec<serde_json::Value> = conditions
        .iter()
        .zip(reasons)
        .filter(|(_, n)| *n > 0)
        .map(|((category, condition), n)| {
            serde_json::json!({"category": category, "condition": condition, "persons": n})
        })
        .collect();
    let months = |m: &BTreeMap<(i32, u32), i64>| {
        m.iter()
            .map(|((y, m), v)| (format!("{y:04}-{m:02}"), serde_json::json!(money(*v))))
            .collect::<serde_json::Map<_, _>>()
    };
    let out = serde_json::json!({
        "rows": rows,
        "applicants": applicants,
        "paid": paid,
        "total": money(total),
        "by_category": by_category,
        "paid_by_amount": by_amount.iter().map(|(a, n)| serde_json::json!({"amount": money(*a), "persons": n})).collect::<Vec<_>>(),
        "eligible_not_applied": not_applied,
        "eligible_late": late,
        "not_eligible": {"persons": reasons.iter().sum::<u64>(), "by_reason": by_reason},
        "cash_flow": months(&cash),
        "cash_flow_expected": months(&cash_expected),
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
