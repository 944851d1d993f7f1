//! Payers end to end (issue #14, section 4): the `district-top-up` worked
//! example, the 2023 scheme with a district union topping up 1:1 up to
//! 500 元, through `eval`, `simulate`, `compare` and `--set`.

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

/// A population generated for the example (the 2023 samples have no
/// `district` column); one file per caller, as tests run at once.
fn population(name: &str) -> String {
    let path = temp(name);
    let o = bursar(&[
        "synth",
        "--scheme",
        TOP_UP,
        "--rows",
        "4000",
        "--seed",
        "14",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    path.to_str().unwrap().to_string()
}

fn json(args: &[&str]) -> serde_json::Value {
    let o = bursar(args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn money(v: &serde_json::Value) -> i64 {
    let s = v.as_str().unwrap_or_else(|| panic!("not money: {v}"));
    let (whole, fen) = s.split_once('.').unwrap();
    whole.parse::<i64>().unwrap() * 100 + fen.parse::<i64>().unwrap()
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
fn by_payer_totals_add_up_to_the_total() {
    let population = population("top-up-people.csv");
    let r = json(&[
        "simulate",
        TOP_UP,
        "--population",
        &population,
        "--format",
        "json",
    ]);
    let by = &r["by_payer"];
    let city = money(&by["scheme"]["total"]);
    let district = money(&by["east_district"]["total"]);
    assert!(district > 0, "{by}");
    assert_eq!(city + district, money(&r["total"]), "{r}");
    // Everyone paid is paid by the city; some of them by the district too.
    assert_eq!(by["scheme"]["paid"], r["paid"]);
    let topped = by["east_district"]["paid"].as_u64().unwrap();
    assert!(topped > 0 && topped < r["paid"].as_u64().unwrap(), "{by}");
    // 1:1 up to 500 on awards of at least 800: 500 each.
    assert_eq!(district, topped as i64 * 50_000);
    // Each payer's own cash flow adds up to its total.
    let flow: i64 = r["by_payer"]["east_district"]["cash_flow"]
        .as_object()
        .unwrap()
        .values()
        .map(money)
        .sum();
    assert_eq!(flow, district, "{r}");

    // The same in text and CSV.
    let o = bursar(&["simulate", TOP_UP, "--population", &population]);
    assert!(stdout(&o).contains("by payer"), "{}", stdout(&o));
    assert!(stdout(&o).contains("east_district"), "{}", stdout(&o));
    let o = bursar(&[
        "simulate",
        TOP_UP,
        "--population",
        &population,
        "--format",
        "csv",
    ]);
    let csv = stdout(&o);
    assert!(
        csv.lines()
            .any(|l| l.starts_with("by_payer,east_district,")),
        "{csv}"
    );
}

#[test]
fn reports_without_payers_have_no_by_payer() {
    let r = json(&[
        "simulate",
        BASE,
        "--population",
        "policies/beijing/data/population-sample.csv",
        "--format",
        "json",
    ]);
    assert!(r.get("by_payer").is_none());
}

#[test]
fn a_cap_changed_with_set_moves_only_the_districts_total() {
    let population = population("top-up-people-set.csv");
    let c = json(&[
        "compare",
        TOP_UP,
        TOP_UP,
        "--set",
        "payer.east_district.cap=300",
        "--population",
        &population,
        "--format",
        "json",
    ]);
    let base = &c["base"]["by_payer"];
    let reform = &c["reform"]["by_payer"];
    assert_eq!(base["scheme"]["total"], reform["scheme"]["total"]);
    let topped = base["east_district"]["paid"].as_u64().unwrap() as i64;
    assert_eq!(money(&base["east_district"]["total"]), topped * 50_000);
    assert_eq!(money(&reform["east_district"]["total"]), topped * 30_000);
    let delta = &c["delta"]["by_payer"];
    assert_eq!(
        money(&delta["east_district"]["total"]),
        -topped * 20_000,
        "{c}"
    );
    assert_eq!(delta["east_district"]["paid"], 0, "{c}");
    assert_eq!(delta["scheme"]["total"], "0.00", "{c}");
}

#[test]
fn diff_gives_each_payers_totals_and_attributes_a_new_cap_to_the_payer() {
    let population = population("top-up-people-diff.csv");
    // Next year's draft: the district raises its cap to 800 元.
    let draft = temp("district-top-up-draft.bursar");
    let example = std::fs::canonicalize(TOP_UP).unwrap();
    std::fs::write(
        &draft,
        format!(
            r#"extends "{}"

payer east_district "东城区总工会" §东城 {{
  when district == "east" "东城区会员"
  pay matching 1:1 up to 800 元
}}
"#,
            example.display()
        ),
    )
    .unwrap();
    let r = json(&[
        "diff",
        TOP_UP,
        draft.to_str().unwrap(),
        "--population",
        &population,
        "--format",
        "json",
    ]);
    let changes = r["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{r}");
    assert_eq!(changes[0]["kind"], "payer", "{r}");
    let budget = &r["budget"];
    let base = &budget["comparison"]["base"]["by_payer"];
    let reform = &budget["comparison"]["reform"]["by_payer"];
    assert_eq!(base["scheme"]["total"], reform["scheme"]["total"]);
    let delta = money(&budget["comparison"]["delta"]["by_payer"]["east_district"]["total"]);
    assert!(delta > 0, "{r}");
    assert_eq!(
        money(&reform["east_district"]["total"]) - money(&base["east_district"]["total"]),
        delta
    );
    // The whole change is the payer's.
    assert_eq!(money(&budget["attribution"]["shares"][0]["share"]), delta);
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
fn by_payer_is_the_same_for_any_thread_count() {
    let population = population("top-up-people-threads.csv");
    let run = |threads: &str| {
        let o = bursar(&[
            "simulate",
            TOP_UP,
            "--population",
            &population,
            "--threads",
            threads,
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let one = run("1");
    assert!(one.contains("\"by_payer\""));
    assert_eq!(one, run("3"));
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

#[test]
fn diff_finds_an_applicant_a_new_cap_pays_differently() {
    let draft = temp("district-top-up-witness.bursar");
    let example = std::fs::canonicalize(TOP_UP).unwrap();
    std::fs::write(
        &draft,
        format!(
            r#"extends "{}"

payer east_district "东城区总工会" §东城 {{
  when district == "east" "东城区会员"
  pay matching 1:1 up to 800 元
}}
"#,
            example.display()
        ),
    )
    .unwrap();
    let o = bursar(&["diff", TOP_UP, draft.to_str().unwrap(), "--witness"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(!text.contains("no affected applicant"), "{text}");
    assert!(
        text.contains("payer `east_district` 东城区总工会 adds 800.00 元"),
        "{text}"
    );
}

#[test]
fn compare_text_and_csv_give_each_payers_change() {
    let population = population("top-up-people-compare.csv");
    let args = |format: &'static str| {
        let o = bursar(&[
            "compare",
            TOP_UP,
            TOP_UP,
            "--set",
            "payer.east_district.cap=none",
            "--population",
            &population,
            "--format",
            format,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let text = args("text");
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("paid by east_district")),
        "{text}"
    );
    let csv = args("csv");
    let total = csv
        .lines()
        .find(|l| l.starts_with("by_payer,east_district,total,"))
        .unwrap_or_else(|| panic!("{csv}"));
    // Without the cap the district matches every award in full.
    let f: Vec<&str> = total.split(',').collect();
    assert!(money(&serde_json::json!(f[5])) > 0, "{total}");
    assert!(csv.contains("by_payer,scheme,total,"), "{csv}");
}
