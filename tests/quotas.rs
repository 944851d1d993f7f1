//! Quotas end to end (issue #14, section 1): the `quota-pools` worked
//! example over a population of 1,000 eligible applicants per pool, through
//! `bursar allocate` and the simulator's `by_pool` report.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use std::collections::{BTreeSet, HashMap};

use common::{bursar, stderr, stdout, temp};

const POOLS: &str = "policies/examples/quota-pools.bursar";

/// 1,000 applicants per pool, everyone in time; about one in ten a model
/// worker; receipt times spread over March to the second, so first come
/// is decided by the time of day too. The rows are in no useful order.
fn population() -> String {
    // One file per test: tests run at the same time.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = temp(&format!("quota-pools-{n}.csv"));
    let mut rows = vec!["person_id,pool,model_worker,applied_at".to_string()];
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    for pool in ["a", "b", "c"] {
        for i in 0..1000 {
            let model = next(10) == 0;
            let (day, second) = (1 + next(31), next(10 * 3600));
            rows.push(format!(
                "{}{i:04},{pool},{model},2025-03-{day:02} {:02}:{:02}:{:02}",
                pool.to_uppercase(),
                8 + second / 3600,
                second / 60 % 60,
                second % 60
            ));
        }
    }
    // Interleave the pools so that no pool's rows come together.
    rows[1..].sort_by_key(|r| r.bytes().rev().collect::<Vec<u8>>());
    std::fs::write(&path, rows.join("\n") + "\n").unwrap();
    path.to_str().unwrap().to_string()
}

struct Placement {
    id: String,
    pool: String,
    allocated: bool,
    rank: u64,
}

fn allocate(population: &str, extra: &[&str]) -> (String, Vec<Placement>) {
    let mut args = vec!["allocate", POOLS, "--population", population];
    args.extend_from_slice(extra);
    let o = bursar(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("person_id,pool,outcome,rank"));
    let placements = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Placement {
                id: f[0].into(),
                pool: f[1].into(),
                allocated: match f[2] {
                    "allocated" => true,
                    "no_place" => false,
                    other => panic!("outcome `{other}`"),
                },
                rank: f[3].parse().unwrap(),
            }
        })
        .collect();
    (text, placements)
}

fn rows(population: &str) -> HashMap<String, (bool, String)> {
    std::fs::read_to_string(population)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), (f[2] == "true", f[3].to_string()))
        })
        .collect()
}

#[test]
fn each_pool_gives_its_places_and_no_more() {
    let population = population();
    let (_, placements) = allocate(&population, &[]);
    assert_eq!(placements.len(), 3000);
    for (pool, places) in [("a", 200u64), ("b", 100), ("c", 50)] {
        let mine: Vec<&Placement> = placements.iter().filter(|p| p.pool == pool).collect();
        let won = mine.iter().filter(|p| p.allocated).count();
        assert_eq!(
            (mine.len() as u64, won as u64),
            (1000, places),
            "pool {pool}"
        );
        // Ranks run 1..=1000 and the places go to the first.
        let ranks: BTreeSet<u64> = mine.iter().map(|p| p.rank).collect();
        assert_eq!(ranks, (1..=1000).collect());
        assert!(mine.iter().all(|p| p.allocated == (p.rank <= places)));
    }

    let o = bursar(&[
        "simulate",
        POOLS,
        "--population",
        &population,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["paid"], 350);
    assert_eq!(report["total"], "350000.00");
    assert_eq!(report["eligible_no_place"], 2650);
    assert_eq!(report["not_eligible"]["persons"], 0);
    assert_eq!(report["eligible_not_applied"], 0);
    for (pool, paid, left_out) in [("a", 200, 800), ("b", 100, 900), ("c", 50, 950)] {
        let p = &report["by_pool"][pool];
        assert_eq!(p["paid"], paid, "{pool}");
        assert_eq!(p["allocated"], paid, "{pool}");
        assert_eq!(p["left_out"], left_out, "{pool}");
        assert_eq!(p["eligible"], 1000, "{pool}");
        assert_eq!(p["total"], format!("{paid}000.00"), "{pool}");
    }
    // The lottery's odds and expected cost; first come has no odds.
    assert_eq!(report["by_pool"]["a"]["odds"], 0.2);
    assert_eq!(report["by_pool"]["a"]["expected_total"], "200000.00");
    assert_eq!(report["by_pool"]["a"]["oversubscription"], 5.0);
    assert!(report["by_pool"]["b"]["odds"].is_null());
}

#[test]
fn first_come_is_decided_by_the_time_of_receipt() {
    let population = population();
    let people = rows(&population);
    let (_, placements) = allocate(&population, &[]);
    let won: BTreeSet<&str> = placements
        .iter()
        .filter(|p| p.pool == "b" && p.allocated)
        .map(|p| p.id.as_str())
        .collect();
    let mut b: Vec<(&String, &String)> = people
        .iter()
        .filter(|(id, _)| id.starts_with('B'))
        .map(|(id, (_, at))| (at, id))
        .collect();
    b.sort();
    let earliest: BTreeSet<&str> = b[..100].iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(won, earliest);
}

#[test]
fn model_workers_come_first_in_pool_c() {
    let population = population();
    let people = rows(&population);
    let (_, placements) = allocate(&population, &[]);
    let c: Vec<&Placement> = placements.iter().filter(|p| p.pool == "c").collect();
    let ordinary_won = c.iter().filter(|p| p.allocated && !people[&p.id].0).count();
    let model_left_out = c.iter().filter(|p| !p.allocated && people[&p.id].0).count();
    // Some model worker is left out (there are more than 50), so no
    // ordinary worker may have a place.
    assert!(model_left_out > 0);
    assert_eq!(ordinary_won, 0);
    // Among model workers, the earliest win.
    let mut models: Vec<&Placement> = c.iter().copied().filter(|p| people[&p.id].0).collect();
    models.sort_by_key(|p| p.rank);
    let times: Vec<&String> = models.iter().map(|p| &people[&p.id].1).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn the_draw_depends_on_the_seed_only() {
    let population = population();
    let (one, _) = allocate(&population, &["--threads", "1"]);
    let (two, placements) = allocate(&population, &["--threads", "2"]);
    assert_eq!(
        one, two,
        "the same seed gives the same allocation on any thread count"
    );

    // The same rows in another order: the same winners.
    let text = std::fs::read_to_string(&population).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    let reversed = std::path::PathBuf::from(format!("{population}.reversed.csv"));
    std::fs::write(&reversed, lines.join("\n") + "\n").unwrap();
    let (again, _) = allocate(reversed.to_str().unwrap(), &[]);
    assert_eq!(one, again);

    let (_, other) = allocate(&population, &["--set", "quota.a.seed=7"]);
    let winners = |ps: &[Placement]| -> BTreeSet<String> {
        ps.iter()
            .filter(|p| p.pool == "a" && p.allocated)
            .map(|p| p.id.clone())
            .collect()
    };
    let (w2025, w7) = (winners(&placements), winners(&other));
    assert_eq!((w2025.len(), w7.len()), (200, 200));
    assert_ne!(w2025, w7, "another seed draws other winners");
    // First come and priority do not draw: unchanged.
    let rest = |ps: &[Placement]| -> Vec<(String, bool)> {
        ps.iter()
            .filter(|p| p.pool != "a")
            .map(|p| (p.id.clone(), p.allocated))
            .collect()
    };
    assert_eq!(rest(&placements), rest(&other));
}

#[test]
fn a_lottery_number_is_the_documented_hash() {
    // printf 'bursar-lot/1\n2025\na\nA0001' | sha256sum: ff77089ef3be2285…
    assert_eq!(
        bursar_runtime::allocate::draw(2025, "a", "A0001"),
        0xff77_089e_f3be_2285
    );
}

#[test]
fn a_time_with_an_offset_is_refused_not_dropped() {
    let applicant = temp("quota-offset.json");
    std::fs::write(
        &applicant,
        r#"{"person_id": "B1", "pool": "b", "model_worker": false, "applied_at": "2025-03-01T09:30+08:00"}"#,
    )
    .unwrap();
    let o = bursar(&["eval", POOLS, "--applicant", applicant.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("a date and time like `2025-03-01T09:30`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn winners_and_losers_are_counted_after_allocation() {
    // 100 more places in pool A: 100 more persons paid, nobody loses.
    let population = population();
    let o = bursar(&[
        "compare",
        POOLS,
        POOLS,
        "--set",
        "quota.a.places=300",
        "--population",
        &population,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let c: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let w = &c["winners_and_losers"];
    assert_eq!(w["gainers"]["persons"], 100);
    assert_eq!(w["gainers"]["amount"], "100000.00");
    assert_eq!(w["losers"]["persons"], 0);
    assert_eq!(w["unchanged_paid"], 350);
    assert_eq!(c["reform"]["by_pool"]["a"]["allocated"], 300);

    // A new seed: as many win as lose, and the total does not move.
    let o = bursar(&[
        "compare",
        POOLS,
        POOLS,
        "--set",
        "quota.a.seed=7",
        "--population",
        &population,
        "--format",
        "json",
    ]);
    let c: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let w = &c["winners_and_losers"];
    assert_eq!(w["gainers"]["persons"], w["losers"]["persons"]);
    assert!(w["gainers"]["persons"].as_u64().unwrap() > 0);
    assert_eq!(c["reform"]["total"], c["base"]["total"]);
}

/// A fund of money rather than places: `budget` paid in order of receipt
/// while it lasts, or shared `pro rata`.
fn fund(ration: &str) -> String {
    let policy = temp(&format!("fund-{}.bursar", ration.len()));
    std::fs::write(
        &policy,
        format!(
            r#"scheme fund {{
  title    "A fund"
  currency CNY
  period   2025-01-01 ..= 2025-12-31
}}
applicant {{
  person_id  text
  cost       money
  applied_at datetime?
}}
category grant {{
  pay max(cost, 0 元)
}}
award {{
  limit 1 per period
  choose highest_amount then first_declared
}}
application {{
  identifier person_id
  received   applied_at
  deadline   2025-03-31
}}
quota fund "the fund" {{
  {ration}
}}
"#
        ),
    )
    .unwrap();
    policy.to_str().unwrap().to_string()
}

fn claims(name: &str) -> String {
    let population = temp(&format!("{name}.csv"));
    std::fs::write(
        &population,
        "person_id,cost,applied_at\n\
         P4,2000.00,2025-03-04 09:00\n\
         P1,3000.00,2025-03-01 09:00\n\
         P3,5000.00,2025-03-03 09:00\n\
         P2,4000.00,2025-03-02 09:00\n",
    )
    .unwrap();
    population.to_str().unwrap().to_string()
}

#[test]
fn a_budget_pays_in_order_until_the_money_runs_out() {
    let (policy, population) = (
        fund("budget 10000 元  by earliest applied_at"),
        claims("in-order"),
    );
    let o = bursar(&["allocate", &policy, "--population", &population]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // 3,000 and 4,000 fit; 5,000 does not fit in the 3,000 left, and the
    // fund is spent: the 2,000 after it is not paid either.
    assert_eq!(
        stdout(&o),
        "person_id,pool,outcome,rank\n\
         P1,fund,allocated,1\nP2,fund,allocated,2\nP3,fund,no_place,3\nP4,fund,no_place,4\n"
    );
    let o = bursar(&[
        "simulate",
        &policy,
        "--population",
        &population,
        "--format",
        "json",
    ]);
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["total"], "7000.00");
    assert_eq!(r["by_pool"]["fund"]["budget"], "10000.00");
    assert_eq!(r["by_pool"]["fund"]["claimed"], "14000.00");
    assert_eq!(r["eligible_no_place"], 2);
}

#[test]
fn a_budget_shared_pro_rata_pays_each_claim_its_share() {
    let (policy, population) = (fund("budget 7000 元 pro rata"), claims("pro-rata"));
    let o = bursar(&[
        "simulate",
        &policy,
        "--population",
        &population,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // 14,000 claimed, 7,000 to share: each is paid half.
    assert_eq!(r["total"], "7000.00");
    assert_eq!(r["paid"], 4);
    let amounts: Vec<&str> = r["paid_by_amount"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["1000.00", "1500.00", "2000.00", "2500.00"]);

    // A third of the claims: each share rounded down (999.99, 1333.33,
    // 1666.66, 666.66), so they never add up to more than the budget.
    let policy = fund("budget 4666.66 元 pro rata");
    let o = bursar(&[
        "simulate",
        &policy,
        "--population",
        &population,
        "--format",
        "json",
    ]);
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["total"], "4666.64");
}

#[test]
fn awards_out_refuses_a_scheme_with_quotas_rather_than_miss_its_winners() {
    let population = population();
    let out = temp("quota-awards.csv");
    let o = bursar(&[
        "simulate",
        POOLS,
        "--population",
        &population,
        "--awards-out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("does not handle quotas yet"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}
