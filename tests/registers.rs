//! Real registers end to end: Chinese yes/no and enum labels, other date
//! spellings, `--map-file` value maps, encodings and spreadsheets.

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

/// The figures of a JSON report that do not name the file they came from.
fn figures(report: &serde_json::Value) -> serde_json::Value {
    let mut r = report.clone();
    r.as_object_mut().unwrap().remove("population");
    r
}

/// `simulate POLICY --population FILE --format json EXTRA…`, which must succeed.
fn simulate_json(population: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "simulate",
        POLICY,
        "--population",
        population,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let o = bursar(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// The sample as a register office writes it: yes/no in Chinese or as
/// Y/N, enum values by their labels in the policy, dates with slashes,
/// in Chinese or as eight digits. Every spelling is kept for some rows and
/// changed for others, so both are read in one file.
fn register(sample: &str) -> String {
    let mut out = String::new();
    for (i, line) in sample.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let cells: Vec<String> = line
            .split(',')
            .enumerate()
            .map(|(c, cell)| respell(i, c, cell))
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn respell(row: usize, column: usize, cell: &str) -> String {
    let yes_no = [("是", "否"), ("Y", "N"), ("有", "无"), ("true", "false")];
    let (yes, no) = yes_no[row % yes_no.len()];
    match (cell, column) {
        ("true", _) => yes.to_string(),
        ("false", _) => no.to_string(),
        ("senior", _) => "高级社会工作师".to_string(),
        ("regular", _) if row.is_multiple_of(2) => "社会工作师".to_string(),
        ("assistant", _) => "助理社会工作师".to_string(),
        ("beijing_center", _) if row % 2 == 1 => "北京市职业技能鉴定管理中心".to_string(),
        ("registered_org", _) => "经北京市职业技能鉴定管理中心备案的评价机构".to_string(),
        (date, 4 | 7 | 10) if date.len() == 10 => {
            let (y, m, d) = (&date[0..4], &date[5..7], &date[8..10]);
            let (m1, d1) = (m.trim_start_matches('0'), d.trim_start_matches('0'));
            match row % 4 {
                0 => format!("{y}/{m1}/{d1}"),
                1 => format!("{y}年{m1}月{d1}日"),
                2 => format!("{y}{m}{d}"),
                _ => date.to_string(),
            }
        }
        (other, _) => other.to_string(),
    }
}

#[test]
fn labels_chinese_booleans_and_dates_read_as_the_sample_with_no_flag() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let text = register(&sample);
    assert!(text.contains("高级社会工作师") && text.contains("2023年4月10日"));
    assert!(text.contains(",是,") && text.contains(",N,") && text.contains("20230501"));
    let path = temp("register.csv");
    std::fs::write(&path, &text).unwrap();
    let expected = simulate_json(SAMPLE, &[]);
    let got = simulate_json(path.to_str().unwrap(), &[]);
    assert_eq!(figures(&got), figures(&expected));
    assert_eq!(got["total"], "16800.00");
}

#[test]
fn a_date_no_built_in_spelling_reads_is_still_a_bad_row() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let path = temp("day-first.csv");
    std::fs::write(&path, sample.replacen("2023-04-10", "10/4/2023", 1)).unwrap();
    fails(
        &["simulate", POLICY, "--population", path.to_str().unwrap()],
        1,
        ":2: column `applied_on`: value `10/4/2023`: expected a date",
    );
}

/// A map file with the sample's columns renamed and its own spellings.
const MAP: &str = r#"
[columns]
member_card = "持卡"

[booleans]
true = ["在册"]
false = ["不在册"]

[dates]
formats = ["%d/%m/%Y", "%m/%d/%Y"]

[values.sw_level]
senior = ["高级社工"]
"#;

#[test]
fn a_map_file_adds_spellings_per_column_and_for_every_column() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let text = sample
        .replacen("member_card", "持卡", 1)
        .replace(",true,", ",在册,")
        .replace(",false,", ",不在册,")
        .replace("senior", "高级社工")
        // Day first, which only one of the two formats reads.
        .replacen("2023-10-31", "31/10/2023", 1);
    let path = temp("mapped.csv");
    std::fs::write(&path, text).unwrap();
    let map = temp("map.toml");
    std::fs::write(&map, MAP).unwrap();
    let got = simulate_json(
        path.to_str().unwrap(),
        &["--map-file", map.to_str().unwrap()],
    );
    assert_eq!(figures(&got), figures(&simulate_json(SAMPLE, &[])));
}

#[test]
fn a_value_that_could_mean_two_things_is_an_error_at_its_row_and_column() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let map = temp("ambiguous.toml");
    std::fs::write(&map, "[dates]\nformats = [\"%d/%m/%Y\", \"%m/%d/%Y\"]\n").unwrap();
    // 4 October or 10 April: the two formats disagree.
    let path = temp("ambiguous-date.csv");
    std::fs::write(&path, sample.replacen("2023-05-01", "4/10/2023", 1)).unwrap();
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            path.to_str().unwrap(),
            "--map-file",
            map.to_str().unwrap(),
        ],
        1,
        ":5: column `applied_on`: value `4/10/2023`: could mean 2023-10-04 (`%d/%m/%Y`) or 2023-04-10 (`%m/%d/%Y`)",
    );
    // A spelling the map file gives one variant and the policy another.
    let both = temp("ambiguous-label.toml");
    std::fs::write(&both, "[values.sw_level]\nregular = [\"高级社会工作师\"]\n").unwrap();
    let path = temp("ambiguous-label.csv");
    std::fs::write(&path, sample.replacen("senior", "高级社会工作师", 1)).unwrap();
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            path.to_str().unwrap(),
            "--map-file",
            both.to_str().unwrap(),
        ],
        1,
        ":13: column `sw_level`: value `高级社会工作师`: could mean `senior` (its label in the policy) or `regular` (the map file)",
    );
}

#[test]
fn a_map_file_with_an_unknown_key_is_refused_with_the_known_ones() {
    let map = temp("unknown.toml");
    for (text, message) in [
        (
            "[booleens]\ntrue = [\"在册\"]\n",
            "unknown key `booleens` (known: `columns`, `file`, `booleans`, `dates`, `values`, or `FIELD = \"COLUMN\"`)",
        ),
        (
            "[booleans]\nyes = [\"在册\"]\n",
            "`[booleans]`: unknown key `yes` (known: `true`, `false`)",
        ),
        (
            "[values.sw_levl]\nsenior = [\"高级\"]\n",
            "`[values.sw_levl]`: `sw_levl` is not a field of the applicant",
        ),
        (
            "[values.sw_level]\nsenor = [\"高级\"]\n",
            "`[values.sw_level]`: `senor` is not a value of `sw_level` (values: `senior`, `regular`, `assistant`)",
        ),
    ] {
        std::fs::write(&map, text).unwrap();
        fails(
            &[
                "simulate",
                POLICY,
                "--population",
                SAMPLE,
                "--map-file",
                map.to_str().unwrap(),
            ],
            1,
            message,
        );
    }
}

#[test]
fn eval_and_compare_read_a_register_too() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let path = temp("register-eval.csv");
    std::fs::write(&path, register(&sample)).unwrap();
    let o = bursar(&[
        "eval",
        POLICY,
        "--csv",
        path.to_str().unwrap(),
        "--row",
        "12",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = bursar(&[
        "compare",
        POLICY,
        POLICY,
        "--population",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn list_files_read_the_same_spellings() {
    let policy = "policies/examples/household-rebate.bursar";
    let households = "policies/examples/data/households.csv";
    let members = std::fs::read_to_string("policies/examples/data/members.csv").unwrap();
    let spelled = temp("members-spelled.csv");
    std::fs::write(
        &spelled,
        members.replace(",false", ",否").replace(",true", ",是"),
    )
    .unwrap();
    let run = |members: &str| {
        let o = bursar(&[
            "simulate",
            policy,
            "--population",
            households,
            "--list",
            &format!("members={members}"),
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        figures(&serde_json::from_str(&stdout(&o)).unwrap())
    };
    assert_eq!(
        run(spelled.to_str().unwrap()),
        run("policies/examples/data/members.csv")
    );
}

/// The sample with Chinese labels, saved as Windows in China saves it.
fn gbk_register() -> Vec<u8> {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let text = register(&sample).replace('\n', "\r\n");
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    bytes.into_owned()
}

#[test]
fn a_gbk_file_is_read_with_its_encoding() {
    let path = temp("register-gbk.csv");
    std::fs::write(&path, gbk_register()).unwrap();
    let expected = figures(&simulate_json(SAMPLE, &[]));
    for encoding in ["gbk", "GBK", "gb18030"] {
        let got = simulate_json(path.to_str().unwrap(), &["--encoding", encoding]);
        assert_eq!(figures(&got), expected, "{encoding}");
    }
    // The encoding may come from the map file too.
    let map = temp("gbk.toml");
    std::fs::write(&map, "[file]\nencoding = \"gbk\"\n").unwrap();
    let got = simulate_json(
        path.to_str().unwrap(),
        &["--map-file", map.to_str().unwrap()],
    );
    assert_eq!(figures(&got), expected);
}

#[test]
fn a_gbk_file_read_as_utf8_stops_at_its_line_and_suggests_the_encoding() {
    let path = temp("register-gbk-unsaid.csv");
    std::fs::write(&path, gbk_register()).unwrap();
    // Line 2's first Chinese text is its issuer's label.
    let o = fails(
        &["simulate", POLICY, "--population", path.to_str().unwrap()],
        1,
        "register-gbk-unsaid.csv:2: column `voc_issuer`: the value is not valid UTF-8",
    );
    assert!(stderr(&o).contains("`--encoding gbk`"), "{}", stderr(&o));
    // Even with `skip`: every row with Chinese text would be dropped.
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            path.to_str().unwrap(),
            "--on-bad-row",
            "skip",
        ],
        1,
        "`--encoding gbk`",
    );
}

/// The GBK register with `inserted` at the start of its line 6.
fn gbk_register_with_line_6_starting(inserted: &[u8]) -> Vec<u8> {
    let mut bytes = gbk_register();
    let mut line = 1;
    let at = bytes
        .iter()
        .position(|&b| {
            line += usize::from(b == b'\n');
            line == 6
        })
        .unwrap();
    bytes.splice(at + 1..at + 1, inserted.iter().copied());
    bytes
}

/// `simulate` of the GBK register `bytes`, written to `name`, fails with
/// `message`.
fn gbk_fails(name: &str, bytes: Vec<u8>, message: &str) {
    let path = temp(name);
    std::fs::write(&path, bytes).unwrap();
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            path.to_str().unwrap(),
            "--encoding",
            "gbk",
        ],
        1,
        message,
    );
}

#[test]
fn bytes_that_are_not_gbk_stop_the_run_at_their_line() {
    // A lead byte followed by a comma is no GBK character: on line 6.
    gbk_fails(
        "broken-gbk.csv",
        gbk_register_with_line_6_starting(&[0x81, b',']),
        "broken-gbk.csv:6: the file is not valid GBK here",
    );
}

#[test]
fn bytes_that_are_not_gbk_after_blank_lines_name_their_own_line() {
    // Two blank lines (6 and 7), then the bad bytes on line 8: the error
    // names line 8, where reading stopped, not the blank line it started
    // from.
    gbk_fails(
        "broken-gbk-after-blanks.csv",
        gbk_register_with_line_6_starting(&[b'\n', b'\n', 0x81, b',']),
        "broken-gbk-after-blanks.csv:8: the file is not valid GBK here",
    );
}

/// So does a list file's, read in step with the population or whole.
#[test]
fn a_list_file_not_gbk_after_blank_lines_names_its_own_line() {
    let path = temp("broken-gbk-members.csv");
    // Blank lines 3 and 4, then a lead byte followed by a comma on line 5.
    std::fs::write(
        &path,
        b"household_id,age,disabled\nH2,10,false\n\n\n\x81,10,false\nH3,17,false\n",
    )
    .unwrap();
    let list = format!("members={}", path.to_str().unwrap());
    for whole in [None, Some("--lists-in-memory")] {
        let mut args = vec![
            "simulate",
            "policies/examples/household-rebate.bursar",
            "--population",
            "policies/examples/data/households.csv",
            "--list",
            &list,
            "--encoding",
            "gbk",
        ];
        args.extend(whole);
        fails(
            &args,
            1,
            "broken-gbk-members.csv:5: the file is not valid GBK here",
        );
    }
}

#[test]
fn an_unknown_encoding_is_refused_with_the_known_ones() {
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            SAMPLE,
            "--encoding",
            "latin9",
        ],
        2,
        "utf-8, gbk, gb18030",
    );
    // A UTF-8 file with a byte-order mark, said to be UTF-8.
    let path = temp("bom.csv");
    let text = format!("\u{feff}{}", std::fs::read_to_string(SAMPLE).unwrap());
    std::fs::write(&path, text).unwrap();
    let got = simulate_json(path.to_str().unwrap(), &["--encoding", "utf-8"]);
    assert_eq!(figures(&got), figures(&simulate_json(SAMPLE, &[])));
}

#[test]
fn eval_reads_a_gbk_row_with_its_encoding() {
    let path = temp("register-gbk-eval.csv");
    std::fs::write(&path, gbk_register()).unwrap();
    let path = path.to_str().unwrap();
    let o = bursar(&["eval", POLICY, "--csv", path, "--row", "12"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("`--encoding gbk`"), "{}", stderr(&o));
    let o = bursar(&[
        "eval",
        POLICY,
        "--csv",
        path,
        "--row",
        "12",
        "--encoding",
        "gbk",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// ---------------------------------------------------------------- workbooks

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

/// Writes a CSV's cells into a worksheet as a planner's spreadsheet holds
/// them: numbers as numbers, `true`/`false` as boolean cells, ISO dates as
/// date cells, the rest as text; rows start at sheet row `first` (0-based).
fn fill(sheet: &mut Worksheet, csv: &str, first: u32) {
    let date = Format::new().set_num_format("yyyy/m/d");
    for (r, line) in csv.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            let (row, col) = (first + r as u32, c as u16);
            if cell.is_empty() {
                continue;
            }
            if r == 0 {
                sheet.write_string(row, col, cell).unwrap();
            } else if let Ok(n) = cell.parse::<f64>() {
                sheet.write_number(row, col, n).unwrap();
            } else if cell == "true" || cell == "false" {
                sheet.write_boolean(row, col, cell == "true").unwrap();
            } else if cell.len() == 10 && cell.as_bytes()[4] == b'-' {
                let d = ExcelDateTime::from_ymd(
                    cell[0..4].parse().unwrap(),
                    cell[5..7].parse().unwrap(),
                    cell[8..10].parse().unwrap(),
                )
                .unwrap();
                sheet
                    .write_datetime_with_format(row, col, &d, &date)
                    .unwrap();
            } else {
                sheet.write_string(row, col, cell).unwrap();
            }
        }
    }
}

/// A workbook whose first sheet is a note and whose second, `名册`, holds
/// `csv` from its third row on (two title rows above the header, as
/// registers have).
fn workbook(name: &str, csv: &str) -> std::path::PathBuf {
    let path = temp(name);
    let mut book = Workbook::new();
    let note = book.add_worksheet().set_name("说明").unwrap();
    note.write_string(0, 0, "2023年职工技能提升助推名册")
        .unwrap();
    let sheet = book.add_worksheet().set_name("名册").unwrap();
    sheet.write_string(0, 0, "北京市总工会").unwrap();
    fill(sheet, csv, 2);
    book.save(&path).unwrap();
    path
}

#[test]
fn a_workbook_sheet_is_read_with_its_date_number_and_boolean_cells() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    // Some cells written as a register spells them, the rest typed.
    let text = sample.replacen("senior", "高级社会工作师", 1);
    let path = workbook("register.xlsx", &text);
    let got = simulate_json(path.to_str().unwrap(), &["--sheet", "名册"]);
    assert_eq!(figures(&got), figures(&simulate_json(SAMPLE, &[])));
    // The sheet may come from the map file too.
    let map = temp("sheet.toml");
    std::fs::write(&map, "[file]\nsheet = \"名册\"\n").unwrap();
    let got = simulate_json(
        path.to_str().unwrap(),
        &["--map-file", map.to_str().unwrap()],
    );
    assert_eq!(figures(&got), figures(&simulate_json(SAMPLE, &[])));
}

#[test]
fn a_workbook_is_read_from_its_first_sheet_and_a_missing_sheet_is_named() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let path = temp("first-sheet.xlsx");
    let mut book = Workbook::new();
    fill(book.add_worksheet(), &sample, 0);
    book.save(&path).unwrap();
    let got = simulate_json(path.to_str().unwrap(), &[]);
    assert_eq!(figures(&got), figures(&simulate_json(SAMPLE, &[])));
    let path = workbook("named.xlsx", &sample);
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            path.to_str().unwrap(),
            "--sheet",
            "名单",
        ],
        1,
        "the workbook has no sheet `名单` (sheets: `说明`, `名册`)",
    );
}

#[test]
fn a_bad_cell_of_a_sheet_is_named_by_its_sheet_row() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    // E05's issuer (data row 5) is on sheet row 3 + 5 = 8.
    let text = sample.replacen("E05,true,3,other", "E05,true,3,elsewhere", 1);
    let path = workbook("bad-cell.xlsx", &text);
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            path.to_str().unwrap(),
            "--sheet",
            "名册",
        ],
        1,
        "bad-cell.xlsx:8: column `voc_issuer`: value `elsewhere`",
    );
    let r = simulate_json(
        path.to_str().unwrap(),
        &["--sheet", "名册", "--on-bad-row", "skip"],
    );
    assert_eq!(r["skipped_rows"], 1);
    assert!(r["skipped"][0]
        .as_str()
        .unwrap()
        .contains("bad-cell.xlsx:8:"));
}

#[test]
fn a_money_cell_is_exact_and_a_fraction_of_a_fen_is_refused() {
    let policy = "policies/examples/household-rebate.bursar";
    let households = std::fs::read_to_string("policies/examples/data/households.csv").unwrap();
    let members = std::fs::read_to_string("policies/examples/data/members.csv").unwrap();
    let csv_report = {
        let o = bursar(&[
            "simulate",
            policy,
            "--population",
            "policies/examples/data/households.csv",
            "--list",
            "members=policies/examples/data/members.csv",
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        figures(&serde_json::from_str(&stdout(&o)).unwrap())
    };
    let run = |households: &std::path::Path, members: &std::path::Path| {
        bursar(&[
            "simulate",
            policy,
            "--population",
            households.to_str().unwrap(),
            "--list",
            &format!("members={}", members.to_str().unwrap()),
            "--format",
            "json",
        ])
    };
    let book = |name: &str, csv: &str| {
        let path = temp(name);
        let mut book = Workbook::new();
        fill(book.add_worksheet(), csv, 0);
        book.save(&path).unwrap();
        path
    };
    // 80000.10 is a number cell of 80000.1: 8,000,010 fen exactly.
    assert!(households.contains("80000.10"));
    let h = book("households.xlsx", &households);
    let m = book("members.xlsx", &members);
    let o = run(&h, &m);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(figures(&got), csv_report);
    // A thousandth of a yuan is not a whole number of fen: refused, not rounded.
    let h = book(
        "households-fraction.xlsx",
        &households.replacen("80000.10", "80000.105", 1),
    );
    let o = run(&h, &m);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("households-fraction.xlsx:6: column `income`: value `80000.105`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_repeated_identifier_in_a_sheet_out_of_order_is_found() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let mut lines: Vec<&str> = sample.lines().collect();
    // Out of order from the second row, so earlier identifiers are read
    // again from the sheet; E05 again as the last row.
    lines.swap(1, 24);
    let e05 = lines[5].to_string();
    let mut text = lines.join("\n");
    text.push('\n');
    text.push_str(&e05);
    let path = workbook("repeated.xlsx", &text);
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            path.to_str().unwrap(),
            "--sheet",
            "名册",
        ],
        1,
        "repeated.xlsx:28: column `person_id`: value `E05`: an earlier row has the same identifier",
    );
}
