//! Payers end to end (issue #14, section 4): the `district-top-up` worked
//! example, the 2023 scheme with a district union topping up 1:1 up to
//! 500 元, through `test`, `eval`, `doc` and `compile`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, stderr, stdout, temp};

const TOP_UP: &str = "policies/examples/district-top-up.bursar";
const BASE: &str = "policies/beijing/2023-career-boost.bursar";

fn json(args: &[&str]) -> serde_json::Value {
    let o = bursar(args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

#[test]
fn the_example_passes_its_cases() {
    let o = bursar(&["test", TOP_UP]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("3 passed, 0 failed"), "{}", stdout(&o));
}

#[test]
fn eval_json_names_each_payers_share_only_for_a_scheme_with_payers() {
    let applicant = temp("east-member.json");
    std::fs::write(
        &applicant,
        r#"{"person_id": "E1", "district": "east", "member_card": true,
            "voc_level": 3, "voc_issuer": "beijing_center", "voc_issued": "2022-01-01",
            "voc_boosted_before": false, "applied_on": "2023-04-10"}"#,
    )
    .unwrap();
    let a = applicant.to_str().unwrap();
    let v = json(&["eval", TOP_UP, "--applicant", a, "--format", "json"]);
    assert_eq!(v["outcome"], "paid");
    // The city's 800, and the district's 1:1 match capped at 500.
    assert_eq!(v["paid"], "1300.00", "{v}");
    assert_eq!(v["payers"]["scheme"], "800.00", "{v}");
    assert_eq!(v["payers"]["east_district"], "500.00", "{v}");

    let base = temp("member.json");
    std::fs::write(
        &base,
        r#"{"person_id": "E1", "member_card": true,
            "voc_level": 3, "voc_issuer": "beijing_center", "voc_issued": "2022-01-01",
            "voc_boosted_before": false, "applied_on": "2023-04-10"}"#,
    )
    .unwrap();
    let b = base.to_str().unwrap();
    let v = json(&["eval", BASE, "--applicant", b, "--format", "json"]);
    assert_eq!(v["paid"], "800.00");
    assert!(v.get("payers").is_none(), "{v}");
}

#[test]
fn the_document_says_who_tops_up_and_by_how_much() {
    let o = bursar(&["doc", TOP_UP]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = stdout(&o);
    assert!(doc.contains("## 配套资助"), "{doc}");
    assert!(
        doc.contains("### 东城区总工会 (`east_district`) §东城"),
        "{doc}"
    );
    assert!(
        doc.contains("资助金额每 1 元配套 1 元，每人最高 500.00 元"),
        "{doc}"
    );
}

#[test]
fn a_compiled_bundle_carries_the_payers_and_decides_the_same() {
    let bundle = temp("district-top-up.bundle.json");
    let o = bursar(&["compile", TOP_UP, "-o", bundle.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    assert_eq!(b["format"], "bursar-bundle/4");
    let payer = &b["scheme"]["payers"][0];
    assert_eq!(payer["name"], "east_district");
    assert_eq!(payer["cap"], "500.00");
    let applicant = temp("east-member-bundle.json");
    std::fs::write(
        &applicant,
        r#"{"person_id": "E1", "district": "east", "member_card": true,
            "contest_year": 2022, "contest_rank": 3,
            "voc_boosted_before": false, "applied_on": "2023-04-10"}"#,
    )
    .unwrap();
    let a = applicant.to_str().unwrap();
    let from_bundle = json(&[
        "eval",
        bundle.to_str().unwrap(),
        "--applicant",
        a,
        "--format",
        "json",
    ]);
    let from_policy = json(&["eval", TOP_UP, "--applicant", a, "--format", "json"]);
    assert_eq!(from_bundle["paid"], "1500.00", "{from_bundle}");
    assert_eq!(from_bundle["payers"], from_policy["payers"]);
}
