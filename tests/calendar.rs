//! Calendars end to end (issue #14, section 5): `working_days` counted by
//! public holidays and make-up working days, the built-in China calendar,
//! editions that inherit and extend it, and what happens outside its years.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, stderr, stdout, temp};

const EXAMPLE: &str = "policies/examples/working-day-deadline.bursar";

/// Each test writes into a folder of its own: they run at once.
fn write(test: &str, name: &str, text: &str) -> String {
    let dir = temp(test);
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn explain(policy: &str, applicant: &str) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let a = write("applicants", &format!("{n}.json"), applicant);
    let o = bursar(&["explain", policy, "--applicant", &a]);
    assert!(o.status.code() == Some(0), "{}{}", stdout(&o), stderr(&o));
    stdout(&o)
}

/// The example policy as a file of its own, with `edit` applied, beside a
/// copy of it named `parent.bursar` for children to extend.
fn policy(test: &str, name: &str, edit: impl Fn(String) -> String) -> String {
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    write(test, "parent.bursar", &text);
    write(test, name, &edit(text))
}

#[test]
fn five_working_days_after_2025_09_30_is_2025_10_14() {
    let text = explain(
        EXAMPLE,
        r#"{"person_id": "R1", "returned_on": "2025-09-30", "applied_on": "2025-10-14"}"#,
    );
    assert!(
        text.contains("applied on 2025-10-14, by the deadline 2025-10-14 (working days by calendar `china`: 2025-10-01 to 2025-10-08 off (国庆节、中秋节), 2025-10-11 worked (国庆节、中秋节调休上班))"),
        "{text}"
    );
}

#[test]
fn the_example_passes_its_cases() {
    let o = bursar(&["test", EXAMPLE]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("5 passed, 0 failed"), "{}", stdout(&o));
}

#[test]
fn without_a_calendar_working_days_are_monday_to_friday() {
    let p = policy("mf", "no-calendar.bursar", |t| {
        t.replace("  calendar china\n", "")
    });
    let text = explain(
        &p,
        r#"{"person_id": "R1", "returned_on": "2025-09-30", "applied_on": "2025-10-07"}"#,
    );
    assert!(
        text.contains("applied on 2025-10-07, by the deadline 2025-10-07\n"),
        "{text}"
    );
}

#[test]
fn a_declared_calendar_is_used_when_it_is_the_only_one() {
    let p = policy("own", "own-calendar.bursar", |t| {
        t.replace("  calendar china\n", "")
            + "calendar local {\n  years 2025\n  holiday 2025-10-01 ..= 2025-10-08 \"国庆节、中秋节\"\n}\n"
    });
    // Without the make-up Saturday 2025-10-11, the fifth working day after
    // 2025-09-30 is 2025-10-15.
    let text = explain(
        &p,
        r#"{"person_id": "R1", "returned_on": "2025-09-30", "applied_on": "2025-10-15"}"#,
    );
    assert!(
        text.contains("by the deadline 2025-10-15 (working days by calendar `local`"),
        "{text}"
    );
}

#[test]
fn a_child_inherits_its_parents_calendar() {
    policy("inherit", "unused.bursar", |t| t);
    let child = write(
        "inherit",
        "child-2026.bursar",
        "extends \"parent.bursar\"\nscheme return_grant_2026 { period 2026-01-01 ..= 2026-12-31 }\n",
    );
    let text = explain(
        &child,
        r#"{"person_id": "R1", "returned_on": "2026-09-29", "applied_on": "2026-10-12"}"#,
    );
    assert!(
        text.contains("by the deadline 2026-10-12 (working days by calendar `china`: 2026-10-01 to 2026-10-07 off (国庆节), 2026-10-10 worked (国庆节调休上班))"),
        "{text}"
    );
}

#[test]
fn a_year_the_calendar_does_not_cover_is_a_check_error_until_it_is_added() {
    policy("cover", "unused.bursar", |t| t);
    let child = write(
        "cover",
        "child-2027.bursar",
        "extends \"parent.bursar\"\nscheme return_grant_2027 { period 2027-01-01 ..= 2027-12-31 }\n",
    );
    let o = bursar(&["check", &child]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("bursar::calendar_coverage"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains(
            "the scheme counts `working_days` in 2027, which calendar `china` does not cover"
        ),
        "{}",
        stderr(&o)
    );

    let extended = write(
        "cover",
        "child-2027-extended.bursar",
        "extends \"parent.bursar\"\nscheme return_grant_2027 { period 2027-01-01 ..= 2027-12-31 }\n\
         extend calendar china {\n  years 2023 ..= 2027\n  holiday 2027-02-05 ..= 2027-02-11 \"春节\"\n  workday 2027-02-14 \"春节调休上班\"\n}\n",
    );
    let text = explain(
        &extended,
        r#"{"person_id": "R1", "returned_on": "2027-02-03", "applied_on": "2027-02-16"}"#,
    );
    // 02-04 (1), the holidays, 02-12 (2), the make-up Sunday 02-14 (3),
    // 02-15 (4), 02-16 (5).
    assert!(text.contains("by the deadline 2027-02-16"), "{text}");
}

#[test]
fn counting_past_the_calendar_years_is_an_error_never_a_guess() {
    policy("past", "unused.bursar", |t| t);
    let child = write(
        "past",
        "child-2026-late.bursar",
        "extends \"parent.bursar\"\nscheme return_grant_2026 { period 2026-01-01 ..= 2026-12-31 }\n",
    );
    let a = write(
        "past",
        "late.json",
        r#"{"person_id": "R9", "returned_on": "2026-12-28", "applied_on": "2026-12-30"}"#,
    );
    let o = bursar(&["explain", &child, "--applicant", &a]);
    let text = stdout(&o);
    assert!(
        text.contains(
            "working days counted from or to 2027-01-04, outside the years the calendar covers"
        ),
        "{text}{}",
        stderr(&o)
    );
    assert!(text.contains("could not be evaluated"), "{text}");
}

#[test]
fn the_bundle_carries_the_calendar_and_decides_the_same() {
    let bundle = temp("wdd.bundle.json");
    let o = bursar(&["compile", EXAMPLE, "-o", bundle.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json = std::fs::read_to_string(&bundle).unwrap();
    assert!(json.contains("\"calendar\""), "{json}");
    assert!(json.contains("\"first_year\": 2023"), "{json}");
    let text = explain(
        bundle.to_str().unwrap(),
        r#"{"person_id": "R1", "returned_on": "2025-09-30", "applied_on": "2025-10-14"}"#,
    );
    assert!(text.contains("by the deadline 2025-10-14"), "{text}");
}

#[test]
fn diff_reports_a_changed_calendar_as_a_change_of_its_own() {
    let old = policy("diff", "old.bursar", |t| t);
    let new = policy("diff", "new.bursar", |t| {
        t + "extend calendar china {\n  workday 2025-10-12 \"另行调休\"\n}\n"
    });
    let o = bursar(&["diff", &old, &new]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{text}{}", stderr(&o));
    assert!(
        text.contains("the calendar `working_days` count by (calendar)"),
        "{text}"
    );
    assert!(text.contains("+ workday 2025-10-12 \"另行调休\""), "{text}");
}

#[test]
fn the_document_lists_the_calendar_days() {
    let o = bursar(&["doc", EXAMPLE]);
    let text = stdout(&o);
    assert!(text.contains("## 工作日"), "{text}");
    assert!(
        text.contains("| 2025-10-01 – 2025-10-08 | 放假 | 国庆节、中秋节 |"),
        "{text}"
    );
    assert!(
        text.contains("| 2025-10-11 | 调休上班 | 国庆节、中秋节调休上班 |"),
        "{text}"
    );
}

#[test]
fn extend_calendar_adds_a_year_to_the_built_in_one_in_a_file_of_its_own() {
    let p = policy("root-extend", "2027.bursar", |t| {
        t.replace("2025-01-01 ..= 2025-12-31", "2027-01-01 ..= 2027-12-31")
            + "extend calendar china {\n  years 2023 ..= 2027\n  holiday 2027-10-01 ..= 2027-10-07 \"国庆节\"\n}\n"
    });
    let o = bursar(&["check", &p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = explain(
        &p,
        r#"{"person_id": "R1", "returned_on": "2027-09-30", "applied_on": "2027-10-13"}"#,
    );
    assert!(text.contains("by the deadline 2027-10-14"), "{text}");
}

#[test]
fn mistakes_in_calendars_are_named() {
    let cases = [
        (
            "extend calendar chian {\n  holiday 2025-10-09\n}\n",
            "there is no calendar `chian` to extend",
        ),
        (
            "calendar china {\n  years 2025\n  holiday 2025-10-01 ..= 2026-10-08\n}\n",
            "these days run from 2025-10-01 to 2026-10-08, more than a year",
        ),
        (
            "calendar a {\n  years 2025\n}\ncalendar a {\n  years 2025\n}\n",
            "calendar `a` is declared twice",
        ),
        (
            "calendar china {\n  years 2025\n  holiday 2024-10-01\n}\n",
            "2024-10-01 is outside the years calendar `china` covers",
        ),
        (
            "calendar china {\n  years 2025\n  holiday 2025-02-30\n}\n",
            "`2025-02-30` is not a date",
        ),
        (
            "calendar china {\n  years 2025\n  years 2026\n}\n",
            "calendar `china` says its years twice",
        ),
    ];
    for (i, (tail, message)) in cases.iter().enumerate() {
        let p = policy("mistakes", &format!("m{i}.bursar"), |t| t + tail);
        let o = bursar(&["check", &p]);
        assert_eq!(o.status.code(), Some(1), "{tail}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{tail}: {}", stderr(&o));
    }
}

#[test]
fn a_child_cannot_declare_its_parents_calendar_again() {
    let parent = policy("redeclare", "parent-own.bursar", |t| {
        t.replace("  calendar china\n", "")
            + "calendar local {\n  years 2025\n  holiday 2025-10-01 ..= 2025-10-08\n}\n"
    });
    let child = write(
        "redeclare",
        "child.bursar",
        "extends \"parent-own.bursar\"\ncalendar local {\n  years 2025\n}\n",
    );
    assert!(parent.ends_with("parent-own.bursar"));
    let o = bursar(&["check", &child]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("calendar `local` is already declared by the parent"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("extend calendar local"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn diff_finds_an_applicant_a_new_calendar_decides_differently() {
    let old = policy("witness", "mf.bursar", |t| {
        t.replace("  calendar china\n", "")
    });
    let o = bursar(&["diff", &old, EXAMPLE, "--witness"]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{text}{}", stderr(&o));
    // Late by Monday to Friday, on time once 春节 is not counted.
    assert!(text.contains("after the deadline 2025-02-03"), "{text}");
    assert!(
        text.contains("by the deadline 2025-02-10 (working days by calendar `china`"),
        "{text}"
    );
}
