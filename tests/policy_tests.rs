//! `bursar test` end to end: the `*.tests.toml` format (docs/testing.md),
//! its refusals, amounts, several awards, `covers` and `--coverage`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use std::path::{Path, PathBuf};

use common::{bursar, stderr, stdout, temp};

/// A scheme that can pay two awards at once, one of them not a whole yuan,
/// and declares a clause that nothing cites.
const TWO_AWARDS: &str = r#"scheme two_awards {
  title    "two awards"
  currency CNY
}

clause §1 "members only."
clause §2 "training pays 500."
clause §3 "the exam pays 949.99."
clause §4 "cited by nothing."

applicant "applicant" {
  member   bool "member"
  trained  bool "trained"
  examined bool "examined"
}

table standard "amounts" {
  training "training" = 500 元
  exam     "exam"     = 949.99 元
}

require member §1 "a member"

category training "training" §2 {
  when trained
  pay standard.training
}

category exam "exam" {
  when examined
  pay standard.exam §3
}

award {
  limit 2 per period
  choose highest_amount then first_declared
}
"#;

/// An applicant of [`TWO_AWARDS`] for both awards.
const BOTH: &str = "{ member = true, trained = true, examined = true }";

/// Writes `two-awards.bursar` and `NAME.tests.toml` (`cases` after its
/// `policy` line) into a folder of their own; returns the tests file.
fn suite(name: &str, cases: &str) -> PathBuf {
    let dir = temp(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("two-awards.bursar"), TWO_AWARDS).unwrap();
    let file = dir.join(format!("{name}.tests.toml"));
    std::fs::write(&file, format!("policy = \"two-awards.bursar\"\n{cases}")).unwrap();
    file
}

/// Runs `bursar test` on one file (and more arguments).
fn run(file: &Path, more: &[&str]) -> std::process::Output {
    let mut args = vec!["test", file.to_str().unwrap()];
    args.extend_from_slice(more);
    bursar(&args)
}

#[test]
fn unknown_keys_outcomes_and_category_names_are_refused_with_did_you_mean() {
    let file = suite(
        "typos",
        &format!(
            r#"
[[case]]
name = "a key misspelt"
applicant = {BOTH}
outcome = "paid"
amout = "500.00"

[[case]]
name = "an outcome misspelt"
applicant = {BOTH}
outcome = "payed"

[[case]]
name = "categories misspelt"
applicant = {BOTH}
outcome = "paid"
awards = [{{ categroy = "exam" }}, {{ category = "trainig" }}]
categories = {{ exm = "eligible", training = "eligable" }}

[[case]]
name = "an award misspelt"
applicant = {BOTH}
outcome = "paid"
award = "exan"
"#
        ),
    );
    let o = run(&file, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let path = file.display().to_string();
    // Each problem names the file and line, the case, and the likely fix;
    // every one is reported, not only the first.
    for (line, case, message, help) in [
        (
            7,
            "a key misspelt",
            "unknown key `amout`",
            "did you mean `amount`?",
        ),
        (
            12,
            "an outcome misspelt",
            "unknown outcome `payed`",
            "did you mean `paid`?",
        ),
        (
            18,
            "categories misspelt",
            "unknown key `categroy`",
            "did you mean `category`?",
        ),
        (
            18,
            "categories misspelt",
            "unknown category `trainig`",
            "did you mean `training`?",
        ),
        (
            19,
            "categories misspelt",
            "unknown category `exm`",
            "did you mean `exam`?",
        ),
        (
            19,
            "categories misspelt",
            "unknown verdict `eligable`",
            "did you mean `eligible`?",
        ),
        (
            25,
            "an award misspelt",
            "unknown category `exan`",
            "did you mean `exam`?",
        ),
    ] {
        let expected = format!("error: {path}:{line}: case `{case}`: {message}\n  help: {help}\n");
        assert!(err.contains(&expected), "expected\n{expected}in\n{err}");
    }
    // A refused file runs none of its cases.
    assert!(!stdout(&o).contains("  ok "), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("bursar: 0 passed, 0 failed, 1 test file refused"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_misspelt_case_table_is_refused_not_run_as_no_cases() {
    let file = suite(
        "cases",
        &format!("\n[[cases]]\nname = \"x\"\napplicant = {BOTH}\noutcome = \"paid\"\n"),
    );
    let o = run(&file, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("unknown key `cases`\n  help: did you mean `case`?"),
        "{}",
        stderr(&o)
    );

    // A misspelt `policy` is said to be missing, and misspelt.
    let file = temp("polcy.tests.toml");
    std::fs::write(&file, "polcy = \"two-awards.bursar\"\n").unwrap();
    let o = run(&file, &[]);
    assert_eq!(o.status.code(), Some(1));
    let path = file.display();
    assert!(
        stderr(&o).contains(&format!("error: {path}: `policy` is missing"))
            && stderr(&o).contains(&format!(
                "error: {path}:1: unknown key `polcy`\n  help: did you mean `policy`?"
            )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn amounts_may_be_numbers_or_strings() {
    let file = suite(
        "amounts",
        r#"
[[case]]
name = "an integer"
applicant = { member = true, trained = true, examined = false }
outcome = "paid"
amount = 500

[[case]]
name = "a string without decimals"
applicant = { member = true, trained = true, examined = false }
outcome = "paid"
amount = "500"

[[case]]
name = "a float"
applicant = { member = true, trained = false, examined = true }
outcome = "paid"
amount = 949.99

[[case]]
name = "a float with a trailing zero and an underscore"
applicant = { member = true, trained = false, examined = true }
outcome = "paid"
amount = 9_49.990
"#,
    );
    let o = run(&file, &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("bursar: 4 passed, 0 failed"),
        "{}",
        stdout(&o)
    );

    // A float is read from its digits as written: 949.98 is not taken for
    // the float nearest 949.99, nor 2000.0000000000001 (exactly 2000.0 as
    // a binary float) for 2000.
    let file = suite(
        "wrong-amount",
        r#"
[[case]]
name = "a cent out"
applicant = { member = true, trained = false, examined = true }
outcome = "paid"
amount = 949.98
"#,
    );
    let o = run(&file, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("amount: expected 949.98, got 949.99"),
        "{}",
        stdout(&o)
    );

    for (amount, message) in [
        ("0.001", "amount `0.001` is not a whole number of fen"),
        (
            "2000.0000000000001",
            "amount `2000.0000000000001` is not a whole number of fen",
        ),
        ("\"12.345\"", "amount `12.345` is not a whole number of fen"),
        ("1e3", "amount `1e3` is not written as a decimal number"),
        (
            "\"2,000\"",
            "amount `2,000` is not written as a decimal number",
        ),
        ("-5", "amount `-5` is below zero"),
        ("true", "`amount` must be an amount"),
        (
            "92233720368547758.08",
            "amount `92233720368547758.08` is too large",
        ),
    ] {
        let file = suite(
            "bad-amount",
            &format!(
                "\n[[case]]\nname = \"odd\"\napplicant = {BOTH}\noutcome = \"paid\"\namount = {amount}\n"
            ),
        );
        let o = run(&file, &[]);
        assert_eq!(o.status.code(), Some(1), "{amount}: {}", stdout(&o));
        let expected = format!(":7: case `odd`: {message}");
        assert!(
            stderr(&o).contains(&expected),
            "{amount}: expected {expected} in {}",
            stderr(&o)
        );
    }
}

#[test]
fn several_awards_and_a_total() {
    let file = suite(
        "awards",
        &format!(
            r#"
[[case]]
name = "both, listed in any order"
applicant = {BOTH}
outcome = "paid"
awards = [{{ category = "training", amount = 500 }}, {{ category = "exam", amount = "949.99" }}]
total = 1449.99

[[case]]
name = "an award without its amount"
applicant = {BOTH}
outcome = "paid"
awards = [{{ category = "exam" }}, {{ category = "training" }}]

[[case]]
name = "no awards"
applicant = {{ member = false, trained = true, examined = true }}
outcome = "not_eligible"
awards = []
total = 0

[[case]]
name = "one award forgotten"
applicant = {BOTH}
outcome = "paid"
awards = [{{ category = "exam", amount = "949.99" }}]
total = "949.99"

[[case]]
name = "the single form where there are two"
applicant = {BOTH}
outcome = "paid"
award = "exam"
amount = "949.99"
"#
        ),
    );
    let o = run(&file, &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    for line in [
        "ok    both, listed in any order",
        "ok    an award without its amount",
        "ok    no awards",
        "FAIL  one award forgotten",
        "award training: not expected, got 500.00",
        "total: expected 949.99, got 1449.99",
        "FAIL  the single form where there are two",
        "awards: expected one award, got 2: exam 949.99, training 500.00",
        "bursar: 3 passed, 2 failed",
    ] {
        assert!(out.contains(line), "expected `{line}` in\n{out}");
    }
}

#[test]
fn contradictory_expectations_are_refused() {
    for (keys, message) in [
        (
            "outcome = \"paid\"\naward = \"exam\"\nawards = [{ category = \"exam\" }]",
            "`award` and `amount` are the one-award form of `awards`: write one or the other",
        ),
        (
            "outcome = \"paid\"\nawards = [{ category = \"exam\", amount = 949.99 }, { category = \"training\", amount = 500 }]\ntotal = 1500",
            "`total` 1500.00 is not the sum of the awards, 1449.99",
        ),
        (
            "outcome = \"paid\"\namount = 500\ntotal = 600",
            "`total` 600.00 is not the sum of the awards, 500.00",
        ),
        (
            "outcome = \"paid\"\nawards = [{ category = \"exam\" }, { category = \"exam\" }]",
            "category `exam` is awarded twice",
        ),
        (
            "outcome = \"not_eligible\"\naward = \"exam\"",
            "a `not_eligible` case has no award",
        ),
        (
            "outcome = \"paid\"\nawards = []",
            "a `paid` case has at least one award",
        ),
        (
            "outcome = \"paid\"\namount = 0",
            "an award is never 0.00",
        ),
        (
            "outcome = \"paid\"\naward = \"exam\"\ncategories = { exam = \"not_eligible\" }",
            "category `exam` is awarded, so it cannot be `not_eligible`",
        ),
    ] {
        let file = suite(
            "contradiction",
            &format!("\n[[case]]\nname = \"never passes\"\napplicant = {BOTH}\n{keys}\n"),
        );
        let o = run(&file, &[]);
        assert_eq!(o.status.code(), Some(1), "{keys}: {}", stdout(&o));
        assert!(
            stderr(&o).contains(&format!("case `never passes`: {message}")),
            "{keys}: expected `{message}` in {}",
            stderr(&o)
        );
    }
}

#[test]
fn covers_cites_clauses_the_policy_declares() {
    let file = suite(
        "covers",
        &format!(
            r#"
[[case]]
name = "full-width brackets"
covers = "§1 §二（一）"
applicant = {BOTH}
outcome = "paid"

[[case]]
name = "no section sign"
covers = ["§2", "3"]
applicant = {BOTH}
outcome = "paid"
"#
        ),
    );
    let o = run(&file, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "case `full-width brackets`: clause `§二（一）` is not declared in `two-awards.bursar`"
        ),
        "{err}"
    );
    assert!(
        err.contains("case `no section sign`: clause `3` is not declared in `two-awards.bursar`\n  help: did you mean `§3`?"),
        "{err}"
    );

    // The shipped policy: a full-width bracket, the usual slip.
    let policy = std::fs::canonicalize("policies/beijing/2023-career-boost.bursar").unwrap();
    let file = temp("full-width.tests.toml");
    std::fs::write(
        &file,
        format!(
            "policy = \"{}\"\n[[case]]\nname = \"x\"\ncovers = \"§二（一）\"\napplicant = {{ person_id = \"T\", member_card = false, voc_boosted_before = false }}\noutcome = \"not_eligible\"\n",
            policy.display()
        ),
    )
    .unwrap();
    let o = run(&file, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("clause `§二（一）` is not declared in")
            && stderr(&o).contains("help: did you mean `§二(一)`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn coverage_lists_the_clauses_no_case_covers() {
    let file = suite(
        "coverage",
        r#"
[[case]]
name = "the exam only"
applicant = { member = true, trained = false, examined = true }
outcome = "paid"
amount = 949.99
"#,
    );
    let o = run(&file, &["--coverage"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    // §1 (the requirement it passed) and §3 (the exam's pay) decided the
    // case; nothing touched §2 (training) or §4.
    let policy = file.with_file_name("two-awards.bursar");
    let expected = format!(
        "coverage of {}: 2 of 4 clauses covered\n  not covered: §2  training pays 500.\n  not covered: §4  cited by nothing.\n",
        policy.display()
    );
    assert!(out.contains(&expected), "expected\n{expected}in\n{out}");

    // `covers` counts too; a failing case covers nothing; without
    // `--coverage` nothing is listed.
    let file = suite(
        "coverage-covers",
        r#"
[[case]]
name = "training, citing the never-cited clause"
covers = "§4"
applicant = { member = true, trained = true, examined = false }
outcome = "paid"

[[case]]
name = "a failing case"
covers = "§3"
applicant = { member = true, trained = false, examined = true }
outcome = "not_eligible"
"#,
    );
    let o = run(&file, &["--coverage"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(": 3 of 4 clauses covered\n  not covered: §3  the exam pays 949.99.\n"),
        "{out}"
    );
    let o = run(&file, &[]);
    assert!(!stdout(&o).contains("clauses covered"), "{}", stdout(&o));

    // A not-eligible case covers the conditions that failed.
    let file = suite(
        "coverage-failed",
        r#"
[[case]]
name = "not a member"
applicant = { member = false, trained = true, examined = true }
outcome = "not_eligible"
"#,
    );
    let o = run(&file, &["--coverage"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains(": 1 of 4 clauses covered\n  not covered: §2"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn coverage_of_the_shipped_policies() {
    let o = bursar(&["test", "--coverage", "policies/beijing"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("bursar: 44 passed, 0 failed"), "{out}");
    assert!(
        out.contains("coverage of policies/beijing/2023-career-boost.bursar: "),
        "{out}"
    );
    assert!(
        out.contains("coverage of policies/beijing/2024-career-boost-draft.bursar: "),
        "{out}"
    );
}

#[test]
fn the_example_in_docs_testing_passes() {
    let doc = std::fs::read_to_string("docs/testing.md").unwrap();
    let example = doc
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    let policy = std::fs::canonicalize("policies/beijing/2023-career-boost.bursar").unwrap();
    let file = temp("docs-example.tests.toml");
    std::fs::write(
        &file,
        example.replace(
            "policy = \"2023-career-boost.bursar\"",
            &format!("policy = \"{}\"", policy.display()),
        ),
    )
    .unwrap();
    let o = run(&file, &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("bursar: 4 passed, 0 failed"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_case_can_pin_what_the_explanation_says() {
    let dir = temp("explains");
    std::fs::create_dir_all(&dir).unwrap();
    let policy = std::fs::canonicalize("policies/examples/best-certificate.bursar").unwrap();
    let file = dir.join("pin.tests.toml");
    let write = |says: &str| {
        std::fs::write(
            &file,
            format!(
                "policy = {:?}\n\n[[case]]\nname = \"two certificates\"\n\
                 applicant = {{ person_id = \"W\", member = true, certificates = [{{ level = 3, issuer = \"city_center\", issued = \"2024-03-01\" }}, {{ level = 1, issuer = \"registered_org\", issued = \"2024-06-01\" }}] }}\n\
                 outcome = \"paid\"\nexplains = [\"{says}\"]\n",
                policy.display().to_string()
            ),
        )
        .unwrap();
    };
    write("decided by certificates[2]: level 1");
    let o = bursar(&["test", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    write("decided by certificates[1]: level 1");
    let o = bursar(&["test", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("expected it to say"), "{}", stdout(&o));
}
