//! Rounds end to end (issue #14, section 3): the `three-payments` worked
//! example over a generated population, through the simulator's `by_round`
//! report and its cash flow per round.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{bursar, stderr, stdout, temp};

const SCHEME: &str = "policies/examples/three-payments.bursar";

/// The rounds' qualifying days, in the scheme's order.
const ROUNDS: [(&str, &str); 3] = [
    ("first", "2024-04-25"),
    ("second", "2024-09-17"),
    ("third", "2025-01-31"),
];

/// A population from `bursar synth --scheme`, and its spells file.
fn population(tag: &str) -> (String, String) {
    let pop = temp(&format!("three-payments-{tag}.csv"));
    let spells = temp(&format!("three-payments-{tag}-spells.csv"));
    let list = format!("spells={}", spells.to_str().unwrap());
    let o = bursar(&[
        "synth",
        "--scheme",
        SCHEME,
        "--rows",
        "3000",
        "--list",
        &list,
        "-o",
        pop.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    (
        pop.to_str().unwrap().to_string(),
        spells.to_str().unwrap().to_string(),
    )
}

/// Per round, the persons a spell covers on its day, read straight from the
/// spells file: the oracle the report is held to.
fn covered(spells: &str) -> Vec<BTreeSet<String>> {
    let text = std::fs::read_to_string(spells).unwrap();
    let mut out = vec![BTreeSet::new(); ROUNDS.len()];
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        for (i, (_, day)) in ROUNDS.iter().enumerate() {
            // ISO dates compare as text; a spell with no end is running.
            if f[1] <= *day && (f[2].is_empty() || f[2] >= *day) {
                out[i].insert(f[0].to_string());
            }
        }
    }
    out
}

fn simulate(pop: &str, spells: &str, format: &str, threads: &str) -> String {
    let list = format!("spells={spells}");
    let o = bursar(&[
        "simulate",
        SCHEME,
        "--population",
        pop,
        "--list",
        &list,
        "--format",
        format,
        "--threads",
        threads,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn by_round_counts_whom_a_spell_covers_on_each_round_day() {
    let (pop, spells) = population("by-round");
    let covered = covered(&spells);
    let json: serde_json::Value =
        serde_json::from_str(&simulate(&pop, &spells, "json", "1")).unwrap();
    let by_round = &json["by_round"];
    let mut total = 0i64;
    for (i, (name, day)) in ROUNDS.iter().enumerate() {
        let r = &by_round[name];
        let paid = covered[i].len() as u64;
        assert!(paid > 0, "round {name}: the population covers nobody");
        assert_eq!(r["paid"], paid, "round {name}");
        assert_eq!(r["total"], format!("{}.00", paid * 300), "round {name}");
        assert_eq!(r["date"], *day, "round {name}");
        total += paid as i64 * 300;
    }
    assert_eq!(json["total"], format!("{total}.00"));
    // A person is paid once however many rounds pay them; the category
    // counts persons, as it does in a scheme without rounds.
    let persons: BTreeSet<&String> = covered.iter().flatten().collect();
    assert_eq!(json["paid"], persons.len() as u64);
    assert_eq!(json["by_category"]["insured"]["paid"], persons.len() as u64);
    assert_eq!(
        json["by_category"]["insured"]["total"],
        format!("{total}.00")
    );
}

#[test]
fn cash_flow_puts_each_round_in_its_payment_window() {
    let (pop, spells) = population("cash");
    let covered = covered(&spells);
    let json: serde_json::Value =
        serde_json::from_str(&simulate(&pop, &spells, "json", "1")).unwrap();
    let money = |i: usize| serde_json::Value::from(format!("{}.00", covered[i].len() * 300));
    // Latest case: each round in its window's last month.
    let latest: BTreeMap<String, serde_json::Value> =
        serde_json::from_value(json["cash_flow"].clone()).unwrap();
    let want: BTreeMap<String, serde_json::Value> = [
        ("2024-05".to_string(), money(0)),
        ("2024-10".to_string(), money(1)),
        ("2025-03".to_string(), money(2)),
    ]
    .into();
    assert_eq!(latest, want);
    // Expected case: the window's middle day (2025-02-15 ..= 2025-03-10:
    // 2025-02-26, in February).
    let expected: BTreeMap<String, serde_json::Value> =
        serde_json::from_value(json["cash_flow_expected"].clone()).unwrap();
    let want: BTreeMap<String, serde_json::Value> = [
        ("2024-05".to_string(), money(0)),
        ("2024-10".to_string(), money(1)),
        ("2025-02".to_string(), money(2)),
    ]
    .into();
    assert_eq!(expected, want);
    let paid = &json["by_round"]["third"];
    assert_eq!(paid["paid_start"], "2025-02-15");
    assert_eq!(paid["paid_end"], "2025-03-10");
}

#[test]
fn text_and_csv_reports_have_a_section_per_round_the_same_on_any_thread_count() {
    let (pop, spells) = population("text");
    let covered = covered(&spells);
    let text = simulate(&pop, &spells, "text", "1");
    assert!(text.contains("by round"), "{text}");
    let first = text
        .lines()
        .find(|l| l.trim_start().starts_with("first"))
        .unwrap_or_else(|| panic!("{text}"));
    let persons = covered[0].len();
    let grouped = |n: usize| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    assert!(first.contains(&grouped(persons)), "{first}");
    assert!(first.contains("2024-05-10 ..= 2024-05-31"), "{first}");
    assert_eq!(text, simulate(&pop, &spells, "text", "4"));
    let csv = simulate(&pop, &spells, "csv", "3");
    for (i, (name, _)) in ROUNDS.iter().enumerate() {
        let paid = covered[i].len();
        assert!(
            csv.contains(&format!("by_round,{name},paid,{paid}\n")),
            "{csv}"
        );
        assert!(
            csv.contains(&format!("by_round,{name},total,{}.00\n", paid * 300)),
            "{csv}"
        );
    }
    assert_eq!(csv, simulate(&pop, &spells, "csv", "1"));
}

#[test]
fn a_scheme_without_rounds_has_no_by_round_section() {
    let o = bursar(&[
        "simulate",
        "policies/beijing/2023-career-boost.bursar",
        "--population",
        "policies/beijing/data/population-sample.csv",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(json.get("by_round").is_none());
}

#[test]
fn diff_says_when_a_round_changes() {
    let text = std::fs::read_to_string(SCHEME).unwrap();
    let raised = text.replace(
        "third  \"第三次\" { on 2025-01-31  pay 300 元",
        "third  \"第三次\" { on 2025-01-31  pay 400 元",
    );
    assert_ne!(raised, text);
    let path = temp("three-payments-raised.bursar");
    std::fs::write(&path, raised).unwrap();
    let o = bursar(&["diff", SCHEME, path.to_str().unwrap()]);
    let out = stdout(&o);
    assert!(!out.contains("no changes"), "{out}");
    assert!(out.contains("round `third`"), "{out}");
    assert!(out.contains("pay 400.00 元"), "{out}");
}

#[test]
fn doc_lists_the_rounds_beside_their_clause() {
    let o = bursar(&["doc", SCHEME]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("## Rounds"), "{out}");
    assert!(
        out.contains("| third 第三次 | 2025-01-31 | 300.00 元 | 2025-02-15 ..= 2025-03-10 | §2 |"),
        "{out}"
    );
}

#[test]
fn set_changes_a_round_for_a_what_if() {
    let (pop, spells) = population("set");
    let covered = covered(&spells);
    let list = format!("spells={spells}");
    let run = |sets: &[&str]| {
        let mut args = vec![
            "simulate",
            SCHEME,
            "--population",
            &pop,
            "--list",
            &list,
            "--format",
            "json",
        ];
        for s in sets {
            args.push("--set");
            args.push(s);
        }
        bursar(&args)
    };
    let o = run(&["round.third.amount=400", "round.first.paid_end=2024-06-15"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let third = covered[2].len();
    assert_eq!(
        json["by_round"]["third"]["total"],
        format!("{}.00", third * 400)
    );
    assert_eq!(json["by_round"]["third"]["amount"], "400.00");
    assert_eq!(
        json["cash_flow"]["2024-06"],
        format!("{}.00", covered[0].len() * 300)
    );
    // A window that ends before it starts is refused, not run.
    let o = run(&["round.first.paid_end=2024-05-01"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("ends before it starts"),
        "{}",
        stderr(&o)
    );
    let o = run(&["round.fourth.amount=400"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("fourth"), "{}", stderr(&o));
}

#[test]
fn eval_json_says_what_each_round_paid_and_why_not() {
    let applicant = r#"{"person_id": "P2", "spells": [{"from": "2024-01-01", "to": "2024-06-30"}, {"from": "2025-01-01", "to": "9999-12-31"}]}"#;
    let path = temp("three-payments-p2.json");
    std::fs::write(&path, applicant).unwrap();
    let o = bursar(&[
        "eval",
        SCHEME,
        "--applicant",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let rounds = &json["rounds"];
    assert_eq!(rounds["first"]["total"], "300.00");
    assert_eq!(rounds["first"]["date"], "2024-04-25");
    assert_eq!(rounds["first"]["paid_end"], "2024-05-31");
    assert_eq!(rounds["first"]["awards"][0], "insured");
    assert_eq!(rounds["second"]["total"], "0.00");
    let why = rounds["second"]["reason"].as_str().unwrap();
    assert!(why.contains("no item of spells meets it"), "{why}");
    assert_eq!(rounds["third"]["total"], "300.00");
    assert_eq!(json["paid"], "600.00");
}

/// `to` is optional in a spell: left out or `null` in JSON, the spell is
/// still running; `from` stays required, and its absence names its pointer.
#[test]
fn an_item_field_declared_optional_may_be_left_out() {
    let path = temp("open-spells.json");
    for spells in [
        r#"[{"from": "2020-01-01"}]"#,
        r#"[{"from": "2020-01-01", "to": null}]"#,
    ] {
        std::fs::write(
            &path,
            format!(r#"{{"person_id": "P", "spells": {spells}}}"#),
        )
        .unwrap();
        let o = bursar(&[
            "eval",
            SCHEME,
            "--applicant",
            path.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(json["outcome"], "paid", "{json}");
        assert_eq!(json["paid"], "900.00", "{json}");
    }
    std::fs::write(
        &path,
        r#"{"person_id": "P", "spells": [{"to": "2024-12-31"}]}"#,
    )
    .unwrap();
    let o = bursar(&[
        "eval",
        SCHEME,
        "--applicant",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["errors"][0]["pointer"], "/spells/0/from", "{json}");
}
