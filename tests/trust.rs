//! Inputs that once gave a confident, wrong figure: each now gives the right
//! one or an error that says where (issue "trust", docs/reliability.md).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, fails, stderr, stdout, temp};

const POLICY: &str = "policies/beijing/2023-career-boost.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// A small policy paying `pay` to those meeting `when`, read from `fields`.
fn policy(name: &str, fields: &str, tables: &str, categories: &str, award: &str) -> String {
    let path = temp(name);
    std::fs::write(
        &path,
        format!(
            "scheme {} {{ currency CNY }}\napplicant {{ {fields} }}\n{tables}\n{categories}\naward {{ {award} }}\n",
            name.trim_end_matches(".bursar").replace('-', "_")
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

fn file(name: &str, text: &str) -> String {
    let path = temp(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

const ONE_AWARD: &str = "limit 1 per period  choose highest_amount then first_declared";

#[test]
fn compare_reads_the_fields_only_the_reform_reads() {
    let fields = "district text  age int?";
    let table = "table amounts { base \"基本\" = 100 元 }";
    let young = "when age is present and age < 35 \"未满35岁\"";
    let base = policy(
        "base-young.bursar",
        fields,
        table,
        &format!("category young \"青年\" {{\n  {young}\n  pay amounts.base\n}}"),
        ONE_AWARD,
    );
    let reform = policy(
        "reform-haidian.bursar",
        fields,
        table,
        &format!("category young \"青年\" {{\n  {young}\n  when district == \"haidian\" \"海淀区\"\n  pay amounts.base\n}}"),
        ONE_AWARD,
    );
    let people = file(
        "districts.csv",
        "district,age\nhaidian,20\nhaidian,30\nchaoyang,25\n",
    );
    for threads in ["1", "2"] {
        let alone = bursar(&[
            "simulate",
            &reform,
            "--population",
            &people,
            "--format",
            "json",
            "--threads",
            threads,
        ]);
        assert_eq!(json(&alone)["total"], "200.00", "{}", stderr(&alone));
        let o = bursar(&[
            "compare",
            &base,
            &reform,
            "--population",
            &people,
            "--format",
            "json",
            "--threads",
            threads,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let c = json(&o);
        assert_eq!(c["base"]["total"], "300.00");
        assert_eq!(c["reform"]["total"], "200.00");
        assert_eq!(c["delta"]["total"], "-100.00");
        assert_eq!(c["winners_and_losers"]["losers"]["persons"], 1);
    }
    // The same through `diff`: the one change costs what it changes.
    let o = bursar(&[
        "diff",
        &base,
        &reform,
        "--population",
        &people,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let d = json(&o);
    let budget = &d["budget"];
    assert_eq!(budget["attribution"]["delta"], "-100.00", "{d:#}");
    assert_eq!(budget["attribution"]["sum_of_shares"], "-100.00", "{d:#}");
}

#[test]
fn money_that_does_not_fit_is_an_error_naming_the_figure() {
    // One amount fits; the category's total of five does not.
    let o = fails(
        &[
            "simulate",
            POLICY,
            "--population",
            SAMPLE,
            "--set",
            "standard.level1=92233720368547758.07",
        ],
        1,
        "comes to more than 92,233,720,368,547,758.07",
    );
    assert!(
        stdout(&o).is_empty(),
        "no report with a wrong figure: {}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains("category `vocational`"),
        "{}",
        stderr(&o)
    );
    // Two rows that each fit: the total does not, and nothing disappears.
    let big = policy(
        "big.bursar",
        "age int?",
        "table amounts { big \"巨额\" = 50_000_000_000_000_000 元 }",
        "category all \"全部\" {\n  when age is present \"有年龄\"\n  pay amounts.big\n}",
        ONE_AWARD,
    );
    let people = file("two.csv", "age\n20\n30\n");
    for format in ["text", "json", "csv"] {
        fails(
            &[
                "simulate",
                &big,
                "--population",
                &people,
                "--format",
                format,
            ],
            1,
            "the total of category `all` comes to more than",
        );
        fails(
            &[
                "compare",
                &big,
                &big,
                "--population",
                &people,
                "--format",
                format,
            ],
            1,
            "comes to more than",
        );
    }
    let one = file("one.csv", "age\n20\n");
    let o = bursar(&["simulate", &big, "--population", &one, "--format", "json"]);
    assert_eq!(json(&o)["total"], "50000000000000000.00", "{}", stderr(&o));
}

#[test]
fn an_amount_that_overflows_for_one_person_is_an_error_listed_with_its_row() {
    let doubled = policy(
        "doubled.bursar",
        "id text  age int?",
        "table amounts { big \"巨额\" = 50_000_000_000_000_000 元 }",
        "category all \"全部\" {\n  when age is present and age >= 1 \"有年龄\"\n  pay amounts.big * age\n}",
        ONE_AWARD,
    );
    let people = file("ages.csv", "id,age\nA,1\nB,2\n");
    let o = fails(&["simulate", &doubled, "--population", &people], 1, "");
    let text = stdout(&o);
    assert!(text.contains("rules could not be evaluated"), "{text}");
    assert!(
        text.contains("ages.csv:3: the rules of `doubled` could not be evaluated"),
        "{text}"
    );
    assert!(text.contains("arithmetic overflow"), "{text}");
    // `eval` lists the error it says is below.
    let applicant = file("two.json", r#"{"id": "B", "age": 2}"#);
    let o = fails(&["eval", &doubled, "--applicant", &applicant], 1, "");
    let text = stdout(&o);
    assert!(text.contains("see the errors below"), "{text}");
    assert!(
        text.contains("errors\n  ! `all`: the amount could not be computed: arithmetic overflow"),
        "{text}"
    );
    let o = fails(
        &[
            "eval",
            &doubled,
            "--applicant",
            &applicant,
            "--format",
            "json",
        ],
        1,
        "",
    );
    let j = json(&o);
    assert_eq!(j["outcome"], "error");
    assert_eq!(j["errors"].as_array().unwrap().len(), 1, "{j:#}");
}

#[test]
fn a_category_paying_nothing_is_nothing_due_and_uses_no_award() {
    // `first_declared` would choose the category paying nothing first.
    let p = policy(
        "nothing-due.bursar",
        "id text  age int?  member bool",
        "table amounts { none \"无\" = 0 元  base \"基本\" = 100 元 }",
        "category zero \"零\" {\n  when age is present \"有年龄\"\n  pay amounts.none\n}\n\
         category member \"会员\" {\n  when member \"会员\"\n  pay amounts.base\n}",
        "limit 1 per period  choose first_declared",
    );
    let people = file(
        "members.csv",
        "id,age,member\nA,20,true\nB,20,false\nC,,false\n",
    );
    let o = bursar(&["simulate", &p, "--population", &people, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["paid"], 1, "{r:#}");
    assert_eq!(r["total"], "100.00");
    assert_eq!(r["nothing_due"], 1);
    assert_eq!(r["not_eligible"]["persons"], 1);
    assert_eq!(r["by_category"]["zero"]["paid"], 0);
    let o = bursar(&["simulate", &p, "--population", &people]);
    assert!(
        stdout(&o)
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["eligible,", "nothing", "due", "1"]),
        "{}",
        stdout(&o)
    );
    let b = file("b.json", r#"{"id": "B", "age": 20, "member": false}"#);
    let o = bursar(&["eval", &p, "--applicant", &b, "--format", "json"]);
    assert_eq!(json(&o)["outcome"], "nothing_due", "{}", stdout(&o));
    assert_eq!(json(&o)["paid"], "0.00");
}

#[test]
fn a_repeated_identifier_is_a_bad_row_not_a_second_payment() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let rows: String = sample.lines().skip(1).map(|l| format!("{l}\n")).collect();
    let twice = file("sample-twice.csv", &format!("{sample}{rows}"));
    fails(
        &["simulate", POLICY, "--population", &twice],
        1,
        "sample-twice.csv:26: column `person_id`: value `E01`: an earlier row has the same identifier",
    );
    for threads in ["1", "2"] {
        let o = bursar(&[
            "simulate",
            POLICY,
            "--population",
            &twice,
            "--on-bad-row",
            "skip",
            "--format",
            "json",
            "--threads",
            threads,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let r = json(&o);
        assert_eq!(r["rows"], 48);
        assert_eq!(r["skipped_rows"], 24);
        assert_eq!(r["paid"], 12);
        assert_eq!(r["total"], "16800.00");
        assert_eq!(r["skipped"].as_array().unwrap().len(), 20);
    }
    fails(
        &["eval", POLICY, "--csv", &twice, "--id", "E05"],
        1,
        "rows 5 and 29 both have the identifier `E05`",
    );
    let o = bursar(&["eval", POLICY, "--csv", &twice, "--row", "29"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Out of order, a repeat is only known once every row has been read
/// (identifiers are fingerprinted, not kept): the run still stops at the
/// first bad row in the file, whether that is the repeat or not.
#[test]
fn the_first_bad_row_is_reported_whether_a_repeat_or_not() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let mut lines: Vec<String> = sample.lines().map(str::to_string).collect();
    // Out of order from the start: E02 before E01.
    lines.swap(1, 2);
    let rows: Vec<String> = lines.iter().skip(1).cloned().collect();
    let twice = |bad_line: usize| {
        let mut all = lines.clone();
        all.extend(rows.iter().cloned());
        // Line numbers count from 1, the header's.
        let row = &all[bad_line - 1];
        let card = row.find(',').unwrap();
        let end = card + 1 + row[card + 1..].find(',').unwrap();
        all[bad_line - 1] = format!("{},maybe{}", &row[..card], &row[end..]);
        assert!(all[bad_line - 1].contains("maybe"), "{}", all[bad_line - 1]);
        file(&format!("twice-{bad_line}.csv"), &(all.join("\n") + "\n"))
    };
    // The repeat (line 26, E02's second copy) comes first.
    for threads in ["1", "2"] {
        fails(
            &["simulate", POLICY, "--population", &twice(40), "--threads", threads],
            1,
            "twice-40.csv:26: column `person_id`: value `E02`: an earlier row has the same identifier",
        );
        // The bad cell comes first.
        fails(
            &[
                "simulate",
                POLICY,
                "--population",
                &twice(10),
                "--threads",
                threads,
            ],
            1,
            "twice-10.csv:10: column `member_card`",
        );
    }
}

/// A line too long stops the run even when bad rows are skipped, since the
/// file cannot be read on past it; a repeat out of order before it is still
/// the first bad row, from a file as from a pipe.
#[test]
fn a_repeat_before_a_line_too_long_is_the_first_bad_row() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let mut lines: Vec<String> = sample.lines().map(str::to_string).collect();
    // Out of order from the start, E02 before E01, then E02 again on line
    // 4, and a line too long on line 20.
    lines.swap(1, 2);
    lines.insert(3, lines[1].clone());
    lines[19] = format!("{},{}", lines[19], "x".repeat(300));
    let text = lines.join("\n") + "\n";
    let path = file("repeat-then-long.csv", &text);
    for threads in ["1", "2"] {
        fails(
            &[
                "simulate",
                POLICY,
                "--population",
                &path,
                "--max-record-bytes",
                "200",
                "--threads",
                threads,
            ],
            1,
            "repeat-then-long.csv:4: column `person_id`: value `E02`: an earlier row has the same identifier",
        );
    }
}

/// A row that repeats the one before it but for its identifier is not
/// parsed again; its text is still checked. Invalid UTF-8 in its identifier,
/// or in a column the scheme does not read, stops the run as it does in a
/// row of its own (it was accepted when it followed a row like it).
#[test]
fn invalid_text_is_refused_in_a_row_that_repeats_the_one_before() {
    let header = "person_id,member_card,voc_level,voc_issuer,voc_issued,voc_boosted_before,sw_level,sw_approved,contest_year,contest_rank,applied_on,note\n";
    let row = |id: &[u8], note: &[u8]| [id, b",true,,,,false,,,,,,", note, b"\n"].concat();
    let cases: [(&str, Vec<u8>); 2] = [
        (
            "repeat-bad-id.csv",
            [row(b"P1", b""), row(b"P\xff2", b"")].concat(),
        ),
        (
            "repeat-bad-note.csv",
            [row(b"P1", b"a"), row(b"P2", b"\xffb")].concat(),
        ),
    ];
    for (name, rows) in cases {
        let path = temp(name);
        std::fs::write(&path, [header.as_bytes(), &rows].concat()).unwrap();
        let path = path.to_str().unwrap();
        for threads in ["1", "2"] {
            fails(
                &[
                    "simulate",
                    POLICY,
                    "--population",
                    path,
                    "--threads",
                    threads,
                ],
                1,
                &format!("{name}:3: column `"),
            );
        }
    }
}

/// The same across the files of a population of several: the first bad
/// row in the order the parts are read, repeat or not.
#[test]
fn across_parts_the_first_bad_row_is_reported_whether_a_repeat_or_not() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let lines: Vec<&str> = sample.lines().collect();
    let (header, rows) = (lines[0], &lines[1..]);
    // Part 1: E02 before E01 (out of order), then the rest to E12; part 2:
    // E13 to E24, then E05 again on its line 14.
    let part = |rows: &[&str]| format!("{header}\n{}\n", rows.join("\n"));
    let mut first: Vec<&str> = rows[..12].to_vec();
    first.swap(0, 1);
    let mut second: Vec<&str> = rows[12..].to_vec();
    second.push(rows[4]);
    let bad = |row: &str| {
        let card = row.find(',').unwrap();
        let end = card + 1 + row[card + 1..].find(',').unwrap();
        format!("{},maybe{}", &row[..card], &row[end..])
    };
    for case in ["repeat-first", "bad-first", "repeat-in-first"] {
        let dir = temp(case);
        std::fs::create_dir_all(&dir).unwrap();
        let mut one: Vec<String> = first.iter().map(|r| r.to_string()).collect();
        let mut two: Vec<String> = second.iter().map(|r| r.to_string()).collect();
        match case {
            // Line 10 of part 1: before the repeat in part 2.
            "bad-first" => one[8] = bad(&one[8]),
            // E02 again on line 14 of part 1, and a bad cell on line 3 of
            // part 2: a lower line, in a later file.
            "repeat-in-first" => {
                one.push(rows[1].to_string());
                two[1] = bad(&two[1]);
            }
            _ => {}
        }
        let one: Vec<&str> = one.iter().map(String::as_str).collect();
        let two: Vec<&str> = two.iter().map(String::as_str).collect();
        std::fs::write(dir.join("part-1.csv"), part(&one)).unwrap();
        std::fs::write(dir.join("part-2.csv"), part(&two)).unwrap();
        let pattern = format!("{}/part-*.csv", dir.display());
        let expected = match case {
            "bad-first" => "part-1.csv:10: column `member_card`",
            "repeat-in-first" => "part-1.csv:14: column `person_id`: value `E02`: an earlier row has the same identifier",
            _ => "part-2.csv:14: column `person_id`: value `E05`: an earlier row has the same identifier",
        };
        for threads in ["1", "2"] {
            fails(
                &[
                    "simulate",
                    POLICY,
                    "--population",
                    &pattern,
                    "--threads",
                    threads,
                ],
                1,
                expected,
            );
        }
    }
}

#[test]
fn set_amounts_are_read_strictly() {
    for value in ["2,50", "2500 USD", "-5", "2500.", "1e3"] {
        fails(
            &[
                "simulate",
                POLICY,
                "--population",
                SAMPLE,
                "--set",
                &format!("standard.level1={value}"),
            ],
            2,
            "is not an amount as a policy writes one",
        );
    }
    let scenario = file(
        "list-amount.toml",
        &format!(
            "policy = \"{}/{POLICY}\"\n[set]\n\"standard.level1\" = [1, 2]\n",
            env!("CARGO_MANIFEST_DIR")
        ),
    );
    fails(
        &["simulate", &scenario, "--population", SAMPLE],
        2,
        "`1,2` is not an amount",
    );
    let o = bursar(&[
        "simulate",
        POLICY,
        "--population",
        SAMPLE,
        "--set",
        "standard.level1=2_500 元",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn eval_json_writes_money_one_way_and_errors_as_json() {
    let o = bursar(&[
        "eval", POLICY, "--csv", SAMPLE, "--id", "E01", "--format", "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j = json(&o);
    assert_eq!(j["paid"], "2000.00");
    assert_eq!(j["categories"]["vocational"]["amount"], "2000.00", "{j:#}");
    assert_eq!(j["awards"][0]["amount"], "2000.00");
    let bad = file(
        "bad-applicant.json",
        r#"{"person_id": "X", "voc_level": "one", "colour": "red"}"#,
    );
    let o = bursar(&["eval", POLICY, "--applicant", &bad, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let j = json(&o);
    let errors = j["errors"].as_array().unwrap();
    assert!(errors.len() >= 3, "{j:#}");
    let pointers: Vec<&str> = errors
        .iter()
        .filter_map(|e| e["pointer"].as_str())
        .collect();
    assert!(pointers.contains(&"/voc_level"), "{j:#}");
    assert!(pointers.contains(&"/colour"), "{j:#}");
    assert!(pointers.contains(&"/member_card"), "{j:#}");
}

#[test]
fn reasons_follow_the_documented_rule_on_the_sample() {
    let o = bursar(&[
        "simulate",
        POLICY,
        "--population",
        SAMPLE,
        "--format",
        "json",
    ]);
    let r = json(&o);
    let reasons: Vec<(String, String, u64)> = r["not_eligible"]["by_reason"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["category"].as_str().unwrap_or("(all)").to_string(),
                x["condition"].as_str().unwrap().to_string(),
                x["persons"].as_u64().unwrap(),
            )
        })
        .collect();
    // E08 (level 4), E15 (assistant social worker), E19 (the 2021 contest):
    // the first condition of every category fails.
    assert!(
        reasons.contains(&(
            "(all)".into(),
            "in no target group (the first condition of every category fails)".into(),
            3
        )),
        "{reasons:#?}"
    );
    // Nobody is blamed on a category's first condition any more.
    for first in [
        "国家一级、二级或三级",
        "高级社会工作师或社会工作师",
        "参加2022年北京市职工职业技能大赛",
    ] {
        assert!(
            !reasons.iter().any(|(_, c, _)| c == first),
            "{first}: {reasons:#?}"
        );
    }
    // E05 met one of vocational's four conditions (level 3), and nothing
    // of the others: its issuer is the reason.
    assert!(
        reasons.contains(&(
            "vocational".into(),
            "北京市职业技能鉴定管理中心颁发或经其备案的评价机构认定".into(),
            1
        )),
        "{reasons:#?}"
    );
    let total: u64 = reasons.iter().map(|r| r.2).sum();
    assert_eq!(total, r["not_eligible"]["persons"].as_u64().unwrap());
}

/// `bursar diff OLD NEW --population P --witness --format json`.
fn diff_json(old: &str, new: &str, population: &str) -> serde_json::Value {
    let o = bursar(&[
        "diff",
        old,
        new,
        "--population",
        population,
        "--witness",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    json(&o)
}

const CERT_OLD: &str = "table standard { level1 \"一级\" = 600 元  level2 \"二级\" = 500 元 }";
const CERT_WHEN: &str = "when level is present and level in 1..=2 \"一级或二级\"";

fn cert_policy(name: &str, tables: &str, pay: &str) -> String {
    policy(
        name,
        "level int?",
        tables,
        &format!("category cert \"证书\" {{\n  {CERT_WHEN}\n  pay match level {{ 1 => {pay}.level1  2 => {pay}.level2 }}\n}}"),
        ONE_AWARD,
    )
}

#[test]
fn a_change_that_alters_no_decision_gets_no_share_and_no_witness() {
    let old = cert_policy("cert-old.bursar", CERT_OLD, "standard");
    // A category pointed at a new table whose rows equal the old ones.
    let new = cert_policy(
        "cert-new-table.bursar",
        &format!(
            "{CERT_OLD}\ntable standard2 {{ level1 \"一级\" = 600 元  level2 \"二级\" = 500 元 }}"
        ),
        "standard2",
    );
    let people = file("levels.csv", "level\n1\n2\n\n");
    let d = diff_json(&old, &new, &people);
    for share in d["budget"]["attribution"]["shares"].as_array().unwrap() {
        assert_eq!(share["share"], "0.00", "{d:#}");
    }
    for w in d["witnesses"].as_array().unwrap() {
        assert_ne!(w["result"], "found", "{d:#}");
    }
    // A row equal to an existing one, added to the same table and paid.
    let new = policy(
        "cert-equal-row.bursar",
        "level int?",
        "table standard { level1 \"一级\" = 600 元  level2 \"二级\" = 500 元  also2 \"二级（新）\" = 500 元 }",
        &format!("category cert \"证书\" {{\n  {CERT_WHEN}\n  pay match level {{ 1 => standard.level1  2 => standard.also2 }}\n}}"),
        ONE_AWARD,
    );
    let d = diff_json(&old, &new, &people);
    for share in d["budget"]["attribution"]["shares"].as_array().unwrap() {
        assert_eq!(share["share"], "0.00", "{d:#}");
    }
}

#[test]
fn a_witness_is_shown_against_the_scheme_it_differs_from() {
    let old = cert_policy("cancel-old.bursar", CERT_OLD, "standard");
    // +100 on the row, -100 in the pay: each alone changes level 1's
    // payment, both together do not.
    let new = policy(
        "cancel-new.bursar",
        "level int?",
        "table standard { level1 \"一级\" = 700 元  level2 \"二级\" = 500 元 }",
        &format!("category cert \"证书\" {{\n  {CERT_WHEN}\n  pay match level {{ 1 => standard.level1 - 100 元  2 => standard.level2 }}\n}}"),
        ONE_AWARD,
    );
    let people = file("levels-cancel.csv", "level\n1\n2\n");
    let d = diff_json(&old, &new, &people);
    let found: Vec<&serde_json::Value> = d["witnesses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["result"] == "found")
        .collect();
    assert_eq!(found.len(), 2, "{d:#}");
    for w in found {
        assert_eq!(w["differs_between_old_and_new"], false, "{w:#}");
        assert_ne!(w["old_decision"], w["new_decision"], "{w:#}");
    }
    let o = bursar(&["diff", &old, &new, "--witness"]);
    let text = stdout(&o);
    assert!(text.contains("under old with this change alone:"), "{text}");
    // The shares still add up to the (zero) change.
    assert_eq!(d["budget"]["attribution"]["sum_of_shares"], "0.00");
}

#[test]
fn a_period_the_evaluator_never_reads_is_wording() {
    let with_period = |name: &str, end: &str| {
        let path = temp(name);
        std::fs::write(
            &path,
            format!(
                "scheme p {{ currency CNY  period 2023-01-01 ..= {end} }}\napplicant {{ level int? }}\n{CERT_OLD}\n\
                 category cert \"证书\" {{\n  {CERT_WHEN}\n  pay match level {{ 1 => standard.level1  2 => standard.level2 }}\n}}\naward {{ {ONE_AWARD} }}\n"
            ),
        )
        .unwrap();
        path.to_str().unwrap().to_string()
    };
    let (old, new) = (
        with_period("period-old.bursar", "2023-12-31"),
        with_period("period-new.bursar", "2024-06-30"),
    );
    let people = file("levels-period.csv", "level\n1\n");
    let d = diff_json(&old, &new, &people);
    let change = &d["changes"][0];
    assert_eq!(change["id"], "header.period", "{d:#}");
    assert_eq!(change["behavioural"], false, "{d:#}");
    assert_eq!(d["witnesses"][0]["result"], "neutral", "{d:#}");
}
