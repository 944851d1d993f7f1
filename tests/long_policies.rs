//! Long expressions end to end: what `check` accepts, `compile` writes, and
//! `simulate`, `eval` and `explain` run, on their ordinary worker threads
//! (issue #12, item 12).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, stderr, stdout, temp};

/// A policy whose one category pays `pay` when `when` holds.
fn policy(when: &str, pay: &str) -> String {
    format!(
        "scheme long {{ currency CNY }}\n\
         applicant {{ id text  card bool  level int  applied_on date? }}\n\
         category all \"all\" {{\n  when {when}\n  pay {pay}\n}}\n\
         award {{ limit 1 per period  choose highest_amount then first_declared }}\n\
         application {{ identifier id  received applied_on  deadline 2023-10-31 }}\n"
    )
}

const POPULATION: &str = "id,card,level,applied_on\n\
    p1,true,1,2023-05-01\n\
    p2,true,2,2023-06-01\n\
    p3,false,2,2023-06-01\n\
    p4,true,3,2023-12-01\n";

fn run_all(name: &str, source: &str, total: &str) {
    let path = temp(&format!("{name}.bursar"));
    std::fs::write(&path, source).unwrap();
    let population = temp(&format!("{name}.csv"));
    std::fs::write(&population, POPULATION).unwrap();
    let bundle = temp(&format!("{name}.bundle.json"));
    let (path, population, bundle) = (
        path.to_str().unwrap(),
        population.to_str().unwrap(),
        bundle.to_str().unwrap(),
    );

    let o = bursar(&["compile", path, "-o", bundle]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let size = std::fs::metadata(bundle).unwrap().len() as usize;
    assert!(
        size < 40 * source.len(),
        "bundle {size} bytes for {} bytes of policy",
        source.len()
    );
    for scheme in [path, bundle] {
        let o = bursar(&[
            "simulate",
            scheme,
            "--population",
            population,
            "--format",
            "json",
            "--threads",
            "2",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(report["total"], total, "{report}");
    }
    for command in ["eval", "explain"] {
        let o = bursar(&[command, bundle, "--csv", population, "--id", "p2"]);
        assert_eq!(o.status.code(), Some(0), "{command}: {}", stderr(&o));
    }
}

#[test]
fn a_pay_of_20000_terms_compiles_loads_and_simulates() {
    let pay = format!("level * 1 元{}", " + 1 元".repeat(19_999));
    // p1 gets 1 + 19,999; p2 2 + 19,999; p3 has no card; p4 applied late.
    // (A level below zero could make the sum negative: the checker asks
    // for the bound.)
    run_all("sum", &policy("card and level >= 0", &pay), "40001.00");
}

#[test]
fn a_condition_of_100000_conjuncts_compiles_loads_and_simulates() {
    let when = vec!["card and level <= 2"; 50_000].join(" and ");
    run_all("and", &policy(&when, "100 元"), "200.00");
}
