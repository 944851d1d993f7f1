//! End-to-end tests of the `bursar` command: the real binary, real files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, fails, stderr, stdout, temp};

use std::path::Path;

const POLICY: &str = "policies/beijing/2023-career-boost.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";

#[test]
fn check_accepts_the_2023_scheme() {
    let o = bursar(&["check", POLICY]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("ok (0 warnings)"));
}

#[test]
fn check_reports_errors_with_exit_1_and_usage_with_exit_2() {
    fails(
        &["check", "tests/cases/check/typo-in-field-name.bursar"],
        1,
        "did you mean `level`?",
    );
    assert_eq!(bursar(&["check"]).status.code(), Some(2));
    assert_eq!(bursar(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn check_json_gives_code_position_and_labels() {
    let o = bursar(&[
        "check",
        "--format",
        "json",
        "tests/cases/check/full-width-parentheses.bursar",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let d = &json[0];
    assert_eq!(d["code"], "bursar::full_width_punctuation");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["line"], 30);
    // Column counts characters, so CJK text before the error does not skew it.
    assert_eq!(d["column"], 9);
    assert_eq!(d["labels"][0]["primary"], true);
    assert!(d["help"]
        .as_str()
        .unwrap()
        .contains("replace `（` with `(`"));
}

#[test]
fn check_json_is_an_empty_list_for_a_clean_policy() {
    let o = bursar(&["check", "--format", "json", POLICY]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o).trim(), "[]");
}

#[test]
fn compiling_twice_gives_identical_bytes() {
    let (a, b) = (temp("a.json"), temp("b.json"));
    for out in [&a, &b] {
        let o = bursar(&["compile", POLICY, "-o", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn the_shipped_example_bundle_is_current() {
    // runtime/tests/data holds the bundle the runtime's own tests and docs
    // use; it must be what the compiler makes of the policy today.
    let out = temp("current.json");
    let o = bursar(&["compile", POLICY, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let made = std::fs::read_to_string(&out).unwrap();
    let shipped =
        std::fs::read_to_string("runtime/tests/data/2023-career-boost.bundle.json").unwrap();
    assert!(
        made == shipped,
        "regenerate it: cargo run -- compile {POLICY} -o runtime/tests/data/2023-career-boost.bundle.json"
    );
    insta::assert_snapshot!("bundle_2023", made);
}

#[test]
fn input_schema_describes_the_applicant() {
    let (bundle, schema) = (temp("s.json"), temp("schema.json"));
    let o = bursar(&[
        "compile",
        POLICY,
        "-o",
        bundle.to_str().unwrap(),
        "--input-schema",
        schema.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema).unwrap()).unwrap();
    insta::assert_json_snapshot!("input_schema_2023", schema);
}

/// Every row of the shared sample evaluates to the outcome the notice
/// implies, as written down row by row in population-sample.outcomes.csv.
#[test]
fn every_sample_row_has_the_outcome_the_notice_implies() {
    let expected =
        std::fs::read_to_string("policies/beijing/data/population-sample.outcomes.csv").unwrap();
    let mut reader = csv::Reader::from_reader(expected.as_bytes());
    let mut rows = 0;
    for (i, record) in reader.records().enumerate() {
        let r = record.unwrap();
        let (id, outcome, category, amount) = (&r[0], &r[1], &r[2], &r[3]);
        let o = bursar(&[
            "eval",
            POLICY,
            "--csv",
            SAMPLE,
            "--row",
            &(i + 1).to_string(),
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{id}: {}", stderr(&o));
        let d: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(d["applicant"], id);
        assert_eq!(d["outcome"], outcome, "{id}: {}", d["summary"]);
        let award = &d["awards"][0];
        if category.is_empty() {
            assert!(award.is_null(), "{id} should have no award: {award}");
        } else {
            assert_eq!(award["category"], category, "{id}");
            assert_eq!(award["amount"], amount, "{id}");
        }
        rows += 1;
    }
    assert_eq!(rows, 24);
}

#[test]
fn explanations_of_every_sample_row() {
    let mut all = String::new();
    for row in 1..=24 {
        let o = bursar(&[
            "explain",
            POLICY,
            "--csv",
            SAMPLE,
            "--row",
            &row.to_string(),
        ]);
        assert_eq!(o.status.code(), Some(0));
        all.push_str(&stdout(&o));
        all.push('\n');
    }
    insta::assert_snapshot!("explain_sample_2023", all);
}

#[test]
fn eval_by_identifier_and_from_a_json_applicant() {
    let o = bursar(&["eval", POLICY, "--csv", SAMPLE, "--id", "E21"]);
    assert!(
        stdout(&o).starts_with("E21: paid 2,000.00 元 under `social_work`"),
        "{}",
        stdout(&o)
    );

    let applicant = temp("applicant.json");
    std::fs::write(
        &applicant,
        r#"{"person_id": "W1", "member_card": true, "contest_year": 2022, "contest_rank": 1,
            "voc_boosted_before": false, "applied_on": "2023-06-01"}"#,
    )
    .unwrap();
    let o = bursar(&[
        "eval",
        POLICY,
        "--applicant",
        applicant.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let d: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(d["paid"], "2000.00");
    assert_eq!(d["awards"][0]["row"], "standard.level1");
    assert_eq!(d["schedule"]["disburse"], "2023-10-01");
}

#[test]
fn a_bad_applicant_is_reported_not_judged() {
    let applicant = temp("bad.json");
    std::fs::write(
        &applicant,
        r#"{"person_id": "W2", "member_card": "yes", "voc_levle": 1, "voc_boosted_before": false}"#,
    )
    .unwrap();
    let o = fails(
        &["eval", POLICY, "--applicant", applicant.to_str().unwrap()],
        1,
        "field `member_card`: expected `true` or `false`, found `\"yes\"`",
    );
    let err = stderr(&o);
    assert!(err.contains("unknown field `voc_levle`"), "{err}");
}

#[test]
fn rows_are_picked_by_number_from_1_or_by_an_identifier_the_scheme_has() {
    fails(
        &["eval", POLICY, "--csv", SAMPLE, "--row", "0"],
        2,
        "`--row` counts from 1, the first row after the header",
    );
    let policy = temp("no-identifier.bursar");
    let text = std::fs::read_to_string(POLICY).unwrap();
    assert!(text.contains("  identifier person_id\n"));
    std::fs::write(&policy, text.replace("  identifier person_id\n", "")).unwrap();
    fails(
        &[
            "eval",
            policy.to_str().unwrap(),
            "--csv",
            SAMPLE,
            "--id",
            "E21",
        ],
        2,
        "`--id` needs an identifier field, and `beijing_career_boost_2023` names none",
    );
}

#[test]
fn a_tampered_bundle_is_refused() {
    let bundle = temp("tampered.json");
    let o = bursar(&["compile", POLICY, "-o", bundle.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let text = std::fs::read_to_string(&bundle)
        .unwrap()
        .replacen("\"2000.00\"", "\"2500.00\"", 1);
    std::fs::write(&bundle, text).unwrap();
    fails(
        &[
            "eval",
            bundle.to_str().unwrap(),
            "--csv",
            SAMPLE,
            "--row",
            "1",
        ],
        1,
        "does not match its hash",
    );
}

#[test]
fn a_bad_csv_row_names_file_line_column_and_value() {
    let csv = temp("bad.csv");
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    std::fs::write(
        &csv,
        sample.replace("E05,true,3,other,2022-05-05", "E05,true,3,othr,2022-05-05"),
    )
    .unwrap();
    fails(
        &["eval", POLICY, "--csv", csv.to_str().unwrap(), "--row", "7"],
        1,
        ":6: column `voc_issuer`: value `othr`: expected one of `beijing_center`",
    );
}

#[test]
fn missing_files_are_io_errors() {
    let o = bursar(&["check", "no/such/file.bursar"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(Path::new(POLICY).exists());
    fails(
        &[
            "synth",
            "--rows",
            "1",
            "--seed",
            "1",
            "-o",
            "no/such/dir/p.csv",
        ],
        3,
        "cannot write the population to `no/such/dir/p.csv`",
    );
}
