//! Award history (issue #14, section 2), end to end: a scheme names the
//! applicant's list of past awards, limits read it, explanations and
//! reports cite the clause of the limit that excluded, and `simulate
//! --awards-out` writes a run's awards as next year's history.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, stderr, stdout, temp};

const ONCE_EVER: &str = "policies/examples/once-ever.bursar";

fn write(name: &str, text: &str) -> String {
    let p = temp(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// The example's award rule and applicant with `award` as the award block's
/// body and `record` as the history record's fields.
fn scheme(record: &str, award: &str) -> String {
    format!(
        "scheme s {{ currency CNY  period 2025-01-01 ..= 2025-12-31 }}\n\
         clause §2 \"once per occupation and level\"\n\
         record Award {{ {record} }}\n\
         applicant {{ person_id text  occupation text  level int  history list of Award  other list of Award }}\n\
         category certificate {{ when level in 1..=3  pay 1000 元 }}\n\
         award {{\n{award}\n}}\n"
    )
}

const RECORD: &str = "scheme text  year int  occupation text  level int  amount money";

fn check(name: &str, source: &str) -> (Option<i32>, String) {
    let path = write(&format!("{name}.bursar"), source);
    let o = bursar(&["check", &path]);
    (o.status.code(), format!("{}{}", stdout(&o), stderr(&o)))
}

#[test]
fn the_acceptance_cases_pass() {
    let o = bursar(&["test", ONCE_EVER]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("6 passed, 0 failed"), "{}", stdout(&o));
}

#[test]
fn an_exclusion_by_history_names_the_item_and_cites_the_clause() {
    let json = write(
        "w1.json",
        r#"{"person_id": "W1", "occupation": "welder", "level": 3,
            "history": [{"scheme": "once_ever_2019", "year": 2019, "occupation": "cook", "level": 1, "amount": "1000.00"},
                        {"scheme": "once_ever_2020", "year": 2020, "occupation": "welder", "level": 3, "amount": "1000.00"}]}"#,
    );
    let o = bursar(&["explain", ONCE_EVER, "--applicant", &json]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("not eligible"), "{out}");
    assert!(
        out.contains("limit 1 per (occupation, level) ever"),
        "{out}"
    );
    assert!(out.contains("§2"), "{out}");
    assert!(
        out.contains("decided by history[2]: scheme \"once_ever_2020\", year 2020, occupation \"welder\", level 3"),
        "{out}"
    );
}

#[test]
fn the_keys_must_be_fields_of_both_with_one_type() {
    let (code, out) = check(
        "typo",
        &scheme(RECORD, "history history\nlimit 1 per period\nlimit 1 per (occupation, levle) ever\nchoose highest_amount then first_declared"),
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("bursar::unknown_name"), "{out}");
    assert!(out.contains("did you mean `level`?"), "{out}");

    let record = "scheme text  year int  occupation text  level text  amount money";
    let (code, out) = check(
        "type",
        &scheme(record, "history history\nlimit 1 per period\nlimit 1 per (occupation, level) ever\nchoose highest_amount then first_declared"),
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("bursar::type_mismatch"), "{out}");
    assert!(out.contains("`level`"), "{out}");
}

#[test]
fn a_limit_in_years_needs_a_year_in_the_history() {
    let record = "scheme text  occupation text  level int  amount money";
    let (code, out) = check(
        "no-year",
        &scheme(record, "history history\nlimit 1 per period\nlimit 1 per 3 years\nchoose highest_amount then first_declared"),
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("bursar::missing"), "{out}");
    assert!(out.contains("year int"), "{out}");
}

#[test]
fn a_limit_over_history_needs_the_history_named() {
    let (code, out) = check(
        "no-history",
        &scheme(
            RECORD,
            "limit 1 per period\nlimit 1 per 3 years\nchoose highest_amount then first_declared",
        ),
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("bursar::missing"), "{out}");
    assert!(out.contains("history"), "{out}");

    let (code, out) = check(
        "history-not-a-list",
        &scheme(RECORD, "history occupation\nlimit 1 per period\nlimit 1 per 3 years\nchoose highest_amount then first_declared"),
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("bursar::type_mismatch"), "{out}");

    let (code, out) = check(
        "history-typo",
        &scheme(RECORD, "history histroy\nlimit 1 per period\nlimit 1 per 3 years\nchoose highest_amount then first_declared"),
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("did you mean `history`?"), "{out}");
}

#[test]
fn an_applicant_field_is_named_inside_where_beside_an_items_field() {
    // "Not if already aided by another payer this year": a plain exclusion
    // over the history, comparing an item's field with the applicant's.
    let source = format!(
        "{}clause §4 \"not if aided by another scheme this year for the same occupation\"\n\
         require not any history where year == 2025 and scheme != \"s\" and occupation == applicant.occupation §4\n",
        scheme(RECORD, "history history\nlimit 1 per period\nchoose highest_amount then first_declared"),
    );
    let path = write("aided.bursar", &source);
    let decide = |occupation: &str| {
        let json = write(
            "aided.json",
            &format!(
                r#"{{"person_id": "A", "occupation": "{occupation}", "level": 2, "other": [],
                    "history": [{{"scheme": "national", "year": 2025, "occupation": "welder", "level": 1, "amount": "500.00"}}]}}"#
            ),
        );
        let o = bursar(&["eval", &path, "--applicant", &json, "--format", "json"]);
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        v["outcome"].as_str().unwrap().to_string()
    };
    assert_eq!(decide("welder"), "not_eligible");
    assert_eq!(decide("cook"), "paid");
}

/// The population and history of the acceptance cases, as files.
fn population() -> (String, String) {
    let people = write(
        "people.csv",
        "person_id,occupation,level\nW1,welder,3\nW2,welder,2\nW3,welder,2\nW4,welder,2\nW5,cook,1\n",
    );
    let history = write(
        "history.csv",
        "person_id,scheme,year,occupation,level,amount\n\
         W1,once_ever_2020,2020,welder,3,1000.00\n\
         W2,once_ever_2020,2020,welder,3,1000.00\n\
         W3,once_ever_2023,2023,cook,2,1000.00\n\
         W4,once_ever_2022,2022,cook,2,1000.00\n",
    );
    (people, history)
}

#[test]
fn the_report_counts_history_exclusions_with_their_clause() {
    let (people, history) = population();
    let list = format!("history={history}");
    let o = bursar(&[
        "simulate",
        ONCE_EVER,
        "--population",
        &people,
        "--list",
        &list,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("§2 "), "{out}");
    assert!(out.contains("§3 "), "{out}");
    assert!(out.contains("per (occupation, level) ever"), "{out}");
    assert!(out.contains("per 3 years"), "{out}");
}

#[test]
fn awards_out_projects_next_year_from_this_years_awards() {
    let (people, history) = population();
    let list = format!("history={history}");
    let year1 = temp("awards-2025.csv");
    let o = bursar(&[
        "simulate",
        ONCE_EVER,
        "--population",
        &people,
        "--list",
        &list,
        "--awards-out",
        year1.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written = std::fs::read_to_string(&year1).unwrap();
    // Per person, in the population's order: the input history carried
    // forward, then this year's award.
    assert_eq!(
        written,
        "person_id,scheme,year,occupation,level,amount\n\
         W1,once_ever_2020,2020,welder,3,1000.00\n\
         W2,once_ever_2020,2020,welder,3,1000.00\n\
         W2,once_ever_2025,2025,welder,2,1000.00\n\
         W3,once_ever_2023,2023,cook,2,1000.00\n\
         W4,once_ever_2022,2022,cook,2,1000.00\n\
         W4,once_ever_2025,2025,welder,2,1000.00\n\
         W5,once_ever_2025,2025,cook,1,1000.00\n"
    );
    // Next year: the same people apply for a new level; this year's
    // awardees are within three years of their award.
    let next = write(
        "once-ever-2026.bursar",
        &format!(
            "extends \"{}\"\nscheme once_ever_2026 {{ period 2026-01-01 ..= 2026-12-31 }}\n",
            std::fs::canonicalize(ONCE_EVER).unwrap().display()
        ),
    );
    let people2 = write(
        "people-2026.csv",
        "person_id,occupation,level\nW1,welder,1\nW2,welder,1\nW3,welder,1\nW4,welder,1\nW5,cook,2\n",
    );
    let list = format!("history={}", year1.display());
    let o = bursar(&[
        "simulate",
        &next,
        "--population",
        &people2,
        "--list",
        &list,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // W1 (last award 2020) and W3 (2023) are paid; W2, W4 and W5, paid in
    // 2025, are not.
    assert_eq!(v["paid"], 2, "{v}");
}

#[test]
fn awards_out_is_the_same_for_any_thread_count_and_streams_next_year() {
    let people = temp("synth-people.csv");
    let history = temp("synth-history.csv");
    let list = format!("history={}", history.display());
    let o = bursar(&[
        "synth",
        "--scheme",
        ONCE_EVER,
        "--rows",
        "3000",
        "--seed",
        "3",
        "-o",
        people.to_str().unwrap(),
        "--list",
        &list,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let run = |policy: &str, history: &str, out: &str, threads: &str| {
        let list = format!("history={history}");
        let out = temp(out);
        let o = bursar(&[
            "simulate",
            policy,
            "--population",
            people.to_str().unwrap(),
            "--list",
            &list,
            "--awards-out",
            out.to_str().unwrap(),
            "--threads",
            threads,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        std::fs::read_to_string(out).unwrap()
    };
    let history = history.to_str().unwrap();
    let one = run(ONCE_EVER, history, "synth-2025-1.csv", "1");
    let two = run(ONCE_EVER, history, "synth-2025-2.csv", "2");
    assert_eq!(one, two);
    // Synthetic identifiers (`P1`, `P2`, … `P10`) are not in sorted order:
    // the file follows the population's, so next year reads it in step.
    let year1 = temp("synth-2025-2.csv");
    let twenty_six = "policies/examples/once-ever-2026.bursar";
    let next = run(twenty_six, year1.to_str().unwrap(), "synth-2026.csv", "2");
    let paid = |text: &str, scheme: &str| -> std::collections::BTreeSet<String> {
        text.lines()
            .filter(|l| l.split(',').nth(1) == Some(scheme))
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect()
    };
    let (in_2025, in_2026) = (paid(&next, "once_ever_2025"), paid(&next, "once_ever_2026"));
    assert!(!in_2025.is_empty() && !in_2026.is_empty());
    assert!(in_2025.is_disjoint(&in_2026));
    assert_eq!(in_2025, paid(&one, "once_ever_2025"));
}

#[test]
fn awards_out_needs_a_history_to_write() {
    let out = temp("no-history.csv");
    let o = bursar(&[
        "simulate",
        "policies/beijing/2023-career-boost.bursar",
        "--population",
        "policies/beijing/data/population-sample.csv",
        "--awards-out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("names no award history"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn a_limit_in_years_reads_the_year_of_a_date_when_there_is_no_year() {
    let record = "scheme text  awarded date  occupation text  level int  amount money";
    let source = scheme(
        record,
        "history history\nlimit 1 per period\nlimit 1 per 3 years §2\nchoose highest_amount then first_declared",
    );
    let path = write("dated.bursar", &source);
    let decide = |awarded: &str| {
        let json = write(
            "dated.json",
            &format!(
                r#"{{"person_id": "D", "occupation": "cook", "level": 2, "other": [],
                    "history": [{{"scheme": "s", "awarded": "{awarded}", "occupation": "welder", "level": 1, "amount": "500.00"}}]}}"#
            ),
        );
        let o = bursar(&["eval", &path, "--applicant", &json, "--format", "json"]);
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        v["outcome"].as_str().unwrap().to_string()
    };
    assert_eq!(decide("2023-01-01"), "not_eligible");
    assert_eq!(decide("2022-12-31"), "paid");
}
