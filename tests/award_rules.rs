//! Award rules people actually write (issue #13, section 5), end to end:
//! limits per group of categories and the applicant's own choice. The
//! planned features of the next issue have their own cases in
//! `tests/cases/check/planned-*.bursar`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, stderr, stdout, temp};

fn write(name: &str, text: &str) -> String {
    let p = temp(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// Education, and three skill categories, each a flat amount when its flag is
/// set; `fields` adds applicant fields, `award` is the award block's body.
fn scheme(fields: &str, award: &str) -> String {
    format!(
        "scheme s {{ currency CNY  period 2024-01-01 ..= 2024-12-31 }}\n\
         clause §五 \"每人每年可获教育资助一次，技能资助一次。\"\n\
         enum Choice {{ vocational  contest }}\n\
         applicant {{ edu bool  voc bool  sw bool  con bool {fields} }}\n\
         category education {{ when edu  pay 3000 元 }}\n\
         category vocational {{ when voc  pay 2000 元 }}\n\
         category social_work {{ when sw  pay 1000 元 }}\n\
         category contest {{ when con  pay 1500 元 }}\n\
         award {{\n{award}\n}}\n"
    )
}

/// The categories awarded, in order, and the total paid.
fn awards(name: &str, source: &str, applicant: &str) -> (Vec<String>, String) {
    let path = write(&format!("{name}.bursar"), source);
    let json = write(&format!("{name}.json"), applicant);
    let o = bursar(&["eval", &path, "--applicant", &json, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let names = v["awards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["category"].as_str().unwrap().to_string())
        .collect();
    (names, v["paid"].as_str().unwrap().to_string())
}

fn explain(name: &str, source: &str, applicant: &str) -> String {
    let path = write(&format!("{name}.bursar"), source);
    let json = write(&format!("{name}.json"), applicant);
    let o = bursar(&["explain", &path, "--applicant", &json]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    stdout(&o)
}

fn check(name: &str, source: &str) -> (Option<i32>, String) {
    let path = write(name, source);
    let o = bursar(&["check", &path]);
    (o.status.code(), stderr(&o))
}

const SKILL_ONCE: &str = "  limit 2 per period\n  \
     limit 1 per group skill {vocational, social_work, contest} §五\n  \
     choose highest_amount then first_declared";

#[test]
fn education_once_and_skill_once_across_three_categories() {
    let s = scheme("", SKILL_ONCE);
    let all = r#"{"edu": true, "voc": true, "sw": true, "con": true}"#;
    assert_eq!(
        awards("group-all", &s, all),
        (
            vec!["education".into(), "vocational".into()],
            "5000.00".into()
        )
    );
    // Without education, the second place stays empty: the skill group is full.
    let skills = r#"{"edu": false, "voc": true, "sw": true, "con": true}"#;
    assert_eq!(
        awards("group-skills", &s, skills),
        (vec!["vocational".into()], "2000.00".into())
    );
    let two = r#"{"edu": true, "voc": false, "sw": true, "con": true}"#;
    assert_eq!(
        awards("group-two", &s, two),
        (vec!["education".into(), "contest".into()], "4500.00".into())
    );
}

#[test]
fn the_overall_limit_still_applies_to_categories_outside_any_group() {
    let s = scheme(
        "",
        "  limit 1 per period\n  limit 1 per group skill {vocational, contest}\n  \
         choose lowest_amount then first_declared",
    );
    let all = r#"{"edu": true, "voc": true, "sw": true, "con": true}"#;
    assert_eq!(
        awards("overall", &s, all),
        (vec!["social_work".into()], "1000.00".into())
    );
}

#[test]
fn a_group_names_categories_that_exist_and_each_once() {
    let (code, err) = check(
        "group-typo.bursar",
        &scheme(
            "",
            "  limit 2 per period\n  limit 1 per group skill {vocational, socal_work}\n  \
             choose highest_amount then first_declared",
        ),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("unknown category `socal_work`"), "{err}");
    assert!(err.contains("did you mean `social_work`?"), "{err}");
    let (code, err) = check(
        "group-twice.bursar",
        &scheme(
            "",
            "  limit 2 per period\n  limit 1 per group skill {vocational, contest}\n  \
             limit 1 per group contests {contest}\n  \
             choose highest_amount then first_declared",
        ),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("category `contest` is already in group `skill`"),
        "{err}"
    );
}

const CHOSEN: &str = "  limit 1 per period\n  \
     choose chosen_category then highest_amount then first_declared §五";

#[test]
fn the_applicants_choice_comes_first_when_they_qualify_for_it() {
    let s = scheme("chosen_category text?", CHOSEN);
    let chose = r#"{"edu": false, "voc": true, "sw": false, "con": true,
                    "chosen_category": "contest"}"#;
    assert_eq!(
        awards("chose", &s, chose),
        (vec!["contest".into()], "1500.00".into())
    );
    let text = explain("chose-explain", &s, chose);
    assert!(
        text.contains("contest 1,500.00 元 (chosen by the applicant)"),
        "{text}"
    );
}

#[test]
fn without_a_usable_choice_the_rest_of_the_order_decides() {
    let s = scheme("chosen_category text?", CHOSEN);
    for (name, choice) in [
        ("absent", ""),
        ("not-eligible", r#", "chosen_category": "social_work""#),
        ("no-such-category", r#", "chosen_category": "lottery""#),
    ] {
        let applicant =
            format!(r#"{{"edu": false, "voc": true, "sw": false, "con": true{choice}}}"#);
        assert_eq!(
            awards(&format!("fallback-{name}"), &s, &applicant),
            (vec!["vocational".into()], "2000.00".into()),
            "{name}"
        );
        let text = explain(&format!("fallback-{name}-explain"), &s, &applicant);
        assert!(
            !text.contains("(chosen by the applicant)"),
            "{name}: {text}"
        );
    }
}

#[test]
fn a_choice_that_changes_nothing_is_not_said_to_have_decided() {
    let s = scheme("chosen_category text?", CHOSEN);
    let chose = r#"{"edu": false, "voc": true, "sw": false, "con": true,
                    "chosen_category": "vocational"}"#;
    let text = explain("chose-best", &s, chose);
    assert!(!text.contains("(chosen by the applicant)"), "{text}");
}

#[test]
fn the_choice_may_be_an_enum_of_category_names() {
    let s = scheme(
        "choice Choice?",
        "  limit 1 per period\n  choose choice then highest_amount then first_declared",
    );
    let chose = r#"{"edu": false, "voc": true, "sw": false, "con": true, "choice": "contest"}"#;
    assert_eq!(
        awards("enum-choice", &s, chose),
        (vec!["contest".into()], "1500.00".into())
    );
}

#[test]
fn the_choice_field_is_checked() {
    let (code, err) = check(
        "choice-int.bursar",
        &scheme(
            "chosen_category int?",
            "  limit 1 per period\n  choose chosen_category then first_declared",
        ),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("`chosen_category` is an int, not text or an enum"),
        "{err}"
    );
    let (code, err) = check(
        "choice-typo.bursar",
        &scheme(
            "chosen_category text?",
            "  limit 1 per period\n  choose chosen_categroy then first_declared",
        ),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("did you mean `chosen_category`?"), "{err}");
}

#[test]
fn a_simulation_reads_the_choice_even_when_only_the_award_rule_does() {
    let s = scheme(
        "chosen_category text?",
        "  limit 2 per period\n  limit 1 per group skill {vocational, social_work, contest}\n  \
         choose chosen_category then highest_amount then first_declared",
    );
    let path = write("simulate-choice.bursar", &s);
    // a: education and the chosen contest (4,500); b: no choice, vocational (2,000).
    let population = write(
        "simulate-choice.csv",
        "edu,voc,sw,con,chosen_category\n\
         true,true,true,true,contest\n\
         false,true,false,true,\n",
    );
    let o = bursar(&[
        "simulate",
        &path,
        "--population",
        &population,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["total"], "6500.00", "{text}");
}

#[test]
fn diff_reports_a_new_group_limit() {
    let old = write(
        "diff-old.bursar",
        &scheme(
            "",
            "  limit 2 per period\n  choose highest_amount then first_declared",
        ),
    );
    let new = write("diff-new.bursar", &scheme("", SKILL_ONCE));
    let o = bursar(&["diff", &old, &new, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let award = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "award")
        .unwrap_or_else(|| panic!("no award change: {text}"));
    assert!(
        award["new"]
            .as_str()
            .unwrap()
            .contains("at most 1 from group skill (vocational, social_work, contest)"),
        "{award}"
    );
}

#[test]
fn a_planned_word_out_of_place_is_not_taken_for_a_misspelt_pay() {
    let source = format!("{}remove payer district\n", scheme("", SKILL_ONCE));
    let (code, err) = check("payer-out-of-place.bursar", &source);
    assert_eq!(code, Some(1), "{err}");
    assert!(!err.contains("did you mean `pay`?"), "{err}");
    assert!(
        err.contains("`payer` is planned with issue #14's work"),
        "{err}"
    );
}

#[test]
fn a_group_limits_clause_is_covered_by_a_case_awarding_in_the_group() {
    let policy = write("coverage-group.bursar", &scheme("", SKILL_ONCE));
    let cases = write(
        "coverage-group.tests.toml",
        &format!(
            "policy = \"{policy}\"\n[[case]]\nname = \"vocational\"\n\
             applicant = {{ edu = false, voc = true, sw = false, con = false }}\n\
             outcome = \"paid\"\naward = \"vocational\"\namount = \"2000.00\"\n"
        ),
    );
    let o = bursar(&["test", &cases, "--coverage"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("1 of 1 clauses covered"), "{out}");
}

#[test]
fn the_document_states_the_group_limit() {
    let path = write("doc-group.bursar", &scheme("", SKILL_ONCE));
    let o = bursar(&["doc", &path]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        text.contains("skill类（vocational、social_work、contest）合计最多 1 项。 §五")
            || text.contains(
                "At most 1 award(s) from the group skill (vocational, social_work, contest). §五"
            ),
        "{text}"
    );
}
