//! `--format xlsx -o FILE`: a workbook a finance office opens, read back
//! with an independent reader (calamine, and the zip archive itself): one
//! sheet per table in the scheme's language, numbers as numbers equal to
//! the JSON report's, the cash flow month by month with its zeros and a
//! chart, and the same bytes from the same run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use std::io::Read;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use common::{bursar, fails, simulate_synth, stderr, temp};
use serde_json::Value;

const OLD: &str = "policies/beijing/2023-career-boost.bursar";
const NEW: &str = "policies/beijing/2024-career-boost-draft.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";

type Book = Xlsx<std::io::Cursor<Vec<u8>>>;

/// Runs `bursar` writing a workbook to `-o`: the workbook opened, and its
/// bytes.
fn workbook(name: &str, args: &[&str]) -> (Book, Vec<u8>) {
    let path = temp(name);
    let o = bursar(&[args, &["--format", "xlsx", "-o", path.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    assert!(o.stdout.is_empty());
    let bytes = std::fs::read(&path).unwrap();
    (open(&bytes), bytes)
}

fn open(bytes: &[u8]) -> Book {
    open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap()
}

/// The same run's JSON report.
fn json(args: &[&str]) -> Value {
    let o = bursar(&[args, &["--format", "json"]].concat());
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// A JSON money figure (`"16800.00"`) as the number a spreadsheet holds.
fn money(v: &Value) -> Data {
    Data::Float(v.as_str().unwrap().parse().unwrap())
}

fn n(v: &Value) -> Data {
    Data::Float(v.as_i64().unwrap() as f64)
}

/// A sheet's rows.
fn rows(book: &mut Book, sheet: &str) -> Vec<Vec<Data>> {
    let range = book
        .worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("no sheet `{sheet}`: {e}"));
    range.rows().map(<[Data]>::to_vec).collect()
}

/// A sheet's table: its rows up to the first empty one (a note follows).
fn table(rows: &[Vec<Data>]) -> &[Vec<Data>] {
    let end = rows
        .iter()
        .position(|r| r.iter().all(|c| *c == Data::Empty))
        .unwrap_or(rows.len());
    &rows[..end]
}

/// The row whose first cell is `name`.
fn row<'a>(rows: &'a [Vec<Data>], name: &str) -> &'a [Data] {
    rows.iter()
        .find(|r| r.first() == Some(&Data::String(name.into())))
        .unwrap_or_else(|| panic!("no row `{name}` in {rows:?}"))
}

/// A file inside the workbook's zip archive.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut file = zip
        .by_name(name)
        .unwrap_or_else(|e| panic!("no `{name}` in the workbook: {e}"));
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    text
}

/// The months of a cash-flow sheet are every month from the first to the
/// last, none skipped.
fn contiguous(months: &[&str]) {
    for pair in months.windows(2) {
        let month = |m: &str| {
            let (y, m) = m.split_once('-').unwrap();
            y.parse::<u32>().unwrap() * 12 + m.parse::<u32>().unwrap()
        };
        assert_eq!(month(pair[1]), month(pair[0]) + 1, "{months:?}");
    }
}

fn string(d: &Data) -> &str {
    match d {
        Data::String(s) => s,
        other => panic!("not text: {other:?}"),
    }
}

#[test]
fn simulate_writes_the_json_reports_figures_as_numbers() {
    let args = ["simulate", OLD, "--population", SAMPLE];
    let (mut book, bytes) = workbook("simulate.xlsx", &args);
    let j = json(&args);
    // A Chinese scheme: its sheets and headings are Chinese, as on the page.
    assert_eq!(
        book.sheet_names(),
        ["概要", "按类别", "按金额", "不符合条件", "按月资金流出"]
    );

    let summary = rows(&mut book, "概要");
    assert_eq!(
        summary[0][1..],
        [Data::String("人数".into()), Data::String("金额".into())]
    );
    assert_eq!(
        row(&summary, "获资助")[1..3],
        [n(&j["paid"]), money(&j["total"])]
    );
    assert_eq!(row(&summary, "读取行数")[1], n(&j["rows"]));
    assert_eq!(
        row(&summary, "不符合条件")[1],
        n(&j["not_eligible"]["persons"])
    );
    assert_eq!(
        row(&summary, "方案")[1],
        Data::String(j["scheme"].as_str().unwrap().into())
    );

    let categories = rows(&mut book, "按类别");
    for (name, c) in j["by_category"].as_object().unwrap() {
        let r = row(&categories, name);
        assert_eq!(r[1], Data::String(c["label"].as_str().unwrap().into()));
        assert_eq!(
            r[2..6],
            [
                n(&c["qualifying"]),
                n(&c["eligible"]),
                n(&c["paid"]),
                money(&c["total"])
            ]
        );
    }
    assert_eq!(
        row(&categories, "vocational")[1],
        Data::String("国家职业资格证书".into())
    );
    // Under the table, what its counts count, as the text report says it.
    let note: Vec<&str> = categories
        .iter()
        .filter_map(|r| match r.first() {
            Some(Data::String(s)) if s.contains('：') => Some(s.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(note.len(), 3, "{categories:?}");
    assert!(note[0].starts_with("满足条件："), "{note:?}");
    assert!(note[2].starts_with("获资助："), "{note:?}");

    let amounts = rows(&mut book, "按金额");
    let by_amount = j["paid_by_amount"].as_array().unwrap();
    assert_eq!(amounts.len(), by_amount.len() + 1);
    for (r, a) in amounts[1..].iter().zip(by_amount) {
        assert_eq!(
            r[..],
            [money(&a["amount"]), n(&a["persons"]), money(&a["total"])]
        );
    }

    let reasons = rows(&mut book, "不符合条件");
    assert!(reasons.iter().any(|r| r
        .iter()
        .any(|c| matches!(c, Data::String(s) if s.contains("持有工会会员互助服务卡")))));

    // Every month from the first to the last, each case's figure equal to
    // the JSON's, a month it does not name zero (April in both).
    let sheet = rows(&mut book, "按月资金流出");
    let flow = table(&sheet);
    assert_eq!(
        flow[0][..3],
        [
            Data::String("月份".into()),
            Data::String("最晚情形".into()),
            Data::String("预期情形".into())
        ]
    );
    let months: Vec<&str> = flow[1..].iter().map(|r| string(&r[0])).collect();
    contiguous(&months);
    assert_eq!(
        (months[0], months[months.len() - 1]),
        ("2023-03", "2024-02")
    );
    for (col, case) in [(1, "cash_flow"), (2, "cash_flow_expected")] {
        let named = j[case].as_object().unwrap();
        for r in &flow[1..] {
            let expected = named.get(string(&r[0])).map_or(Data::Float(0.0), money);
            assert_eq!(r[col], expected, "{case} in {:?}", r[0]);
        }
        assert!(
            named.keys().all(|k| months.contains(&k.as_str())),
            "{case}: {named:?}"
        );
    }
    assert_eq!(
        flow[2][..3],
        [
            Data::String("2023-04".into()),
            Data::Float(0.0),
            Data::Float(0.0)
        ]
    );

    // Under the table, what the two cases are.
    let note = &sheet[flow.len() + 1][0];
    assert!(
        string(note).starts_with("最晚情形：每一步用足时限"),
        "{note:?}"
    );
    // A chart of the cash flow, drawn from the sheet's own cells.
    let chart = part(&bytes, "xl/charts/chart1.xml");
    assert!(chart.contains("按月资金流出!$B$2:$B$13"), "{chart}");
    assert!(chart.contains("按月资金流出!$C$2:$C$13"), "{chart}");
    // Money is formatted as money, in yuan.
    assert!(
        part(&bytes, "xl/styles.xml").contains("formatCode=\"#,##0.00&quot; 元&quot;\""),
        "no money format"
    );
}

#[test]
fn an_english_scheme_has_english_sheets() {
    let policy = temp("english.bursar");
    std::fs::write(
        &policy,
        "scheme english { currency CNY }\n\
         applicant { age int }\n\
         table amounts { base \"base\" = 100 元 }\n\
         category young \"young people\" {\n  when age < 35 \"under 35\"\n  pay amounts.base\n}\n\
         award { limit 1 per period  choose highest_amount then first_declared }\n",
    )
    .unwrap();
    let population = temp("english.csv");
    std::fs::write(&population, "age\n20\n40\n").unwrap();
    let (mut book, _) = workbook(
        "english.xlsx",
        &[
            "simulate",
            policy.to_str().unwrap(),
            "--population",
            population.to_str().unwrap(),
        ],
    );
    assert_eq!(
        book.sheet_names(),
        ["summary", "categories", "amounts", "reasons", "cash flow"]
    );
    let categories = rows(&mut book, "categories");
    assert_eq!(
        row(&categories, "young")[1..],
        [
            Data::String("young people".into()),
            Data::Float(1.0),
            Data::Float(1.0),
            Data::Float(1.0),
            Data::Float(100.0)
        ]
    );
    assert!(categories
        .iter()
        .any(|r| r.first() == Some(&Data::String("paid: eligible, and paid in this run".into()))));
}

#[test]
fn compare_writes_both_sides_and_the_change() {
    let args = ["compare", OLD, NEW, "--population", SAMPLE];
    let (mut book, bytes) = workbook("compare.xlsx", &args);
    let j = json(&args);
    assert_eq!(
        book.sheet_names(),
        ["概要", "按类别", "受益者与受损者", "按月资金流出"]
    );
    let summary = rows(&mut book, "概要");
    assert_eq!(
        row(&summary, "金额")[1..4],
        [
            money(&j["base"]["total"]),
            money(&j["reform"]["total"]),
            money(&j["delta"]["total"])
        ]
    );
    assert_eq!(row(&summary, "获资助人数")[3], n(&j["delta"]["paid"]));
    let categories = rows(&mut book, "按类别");
    for (name, d) in j["delta"]["by_category"].as_object().unwrap() {
        let r = row(&categories, name);
        assert_eq!(
            (&r[4], &r[7]),
            (&n(&d["paid"]), &money(&d["total"])),
            "{name}"
        );
    }
    let sheet = rows(&mut book, "按月资金流出");
    let flow = table(&sheet);
    assert_eq!(flow[0].len(), 7);
    assert_eq!(string(&flow[0][5]), "变化最晚情形");
    let months: Vec<&str> = flow[1..].iter().map(|r| string(&r[0])).collect();
    contiguous(&months);
    for r in &flow[1..] {
        let (Data::Float(b), Data::Float(re), Data::Float(d)) = (&r[1], &r[3], &r[5]) else {
            panic!("not numbers: {r:?}");
        };
        assert_eq!(re - b, *d, "{r:?}");
    }
    assert!(part(&bytes, "xl/charts/chart1.xml").contains("按月资金流出!$E$2"));
}

#[test]
fn diff_with_a_population_adds_what_changed_and_the_attribution() {
    let args = ["diff", OLD, NEW, "--population", SAMPLE];
    let (mut book, _) = workbook("diff.xlsx", &args);
    let j = json(&args);
    assert_eq!(
        book.sheet_names(),
        [
            "变更",
            "概要",
            "按类别",
            "受益者与受损者",
            "按月资金流出",
            "变化归因"
        ]
    );
    let attribution = rows(&mut book, "变化归因");
    let a = &j["budget"]["attribution"];
    for s in a["shares"].as_array().unwrap() {
        assert_eq!(
            row(&attribution, s["change"].as_str().unwrap())[1],
            money(&s["share"])
        );
    }
    assert_eq!(row(&attribution, "合计")[1], money(&a["sum_of_shares"]));
    let changes = rows(&mut book, "变更");
    assert!(changes.len() > 2, "{changes:?}");

    // Without a population a diff has no figures for a workbook.
    fails(
        &[
            "diff",
            OLD,
            NEW,
            "--format",
            "xlsx",
            "-o",
            temp("none.xlsx").to_str().unwrap(),
        ],
        2,
        "there are none without `--population FILE`",
    );
}

#[test]
fn solve_puts_its_answer_first() {
    let args = [
        "solve",
        OLD,
        "--population",
        SAMPLE,
        "--budget",
        "20000",
        "--vary",
        "standard.level1,standard.level2",
    ];
    let (mut book, _) = workbook("solve.xlsx", &args);
    let j = json(&args);
    assert_eq!(book.sheet_names()[0], "求解");
    assert_eq!(book.sheet_names().len(), 6);
    let solve = rows(&mut book, "求解");
    assert_eq!(
        row(&solve, "standard.level1")[1],
        money(&j["values"]["standard.level1"])
    );
    assert_eq!(row(&solve, "合计")[1], money(&j["total"]));
    assert_eq!(row(&solve, "预算")[1], money(&j["budget"]));
    let summary = rows(&mut book, "概要");
    assert_eq!(row(&summary, "获资助")[2], money(&j["report"]["total"]));
}

#[test]
fn piped_the_workbook_is_what_o_writes() {
    let args = ["simulate", OLD, "--population", SAMPLE];
    let (_, written) = workbook("piped.xlsx", &args);
    let o = bursar(&[&args[..], &["--format", "xlsx"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout == written, "standard output differs from `-o`");
}

/// To a terminal a workbook is refused: it is binary. `script` gives the
/// command a terminal for its standard output.
#[cfg(target_os = "linux")]
#[test]
fn a_workbook_is_not_printed_to_a_terminal() {
    let bin = assert_cmd::cargo::cargo_bin("bursar");
    let command = format!(
        "{} simulate {OLD} --population {SAMPLE} --format xlsx",
        bin.display()
    );
    let o = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("`script` (util-linux) runs the command on a terminal");
    let shown = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{shown}");
    assert!(
        shown
            .contains("`--format xlsx` writes a workbook, not text for a terminal: give `-o FILE`"),
        "{shown}"
    );
    assert!(!shown.contains("PK"), "a workbook went to the terminal");
}

#[test]
fn a_workbook_is_the_same_byte_for_byte_every_time() {
    let args = ["simulate", OLD, "--population", SAMPLE];
    let (_, first) = workbook("again-1.xlsx", &args);
    let (_, second) = workbook("again-2.xlsx", &args);
    assert!(first == second, "two runs gave different workbooks");
    // What would differ run to run: the time it was made, written as a
    // fixed date instead of now.
    let core = part(&first, "docProps/core.xml");
    assert!(
        core.contains(
            "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2000-01-01T00:00:00Z</dcterms:created>"
        ),
        "{core}"
    );
    // Nor the times of the files in the archive.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&first)).unwrap();
    for i in 0..zip.len() {
        let file = zip.by_index(i).unwrap();
        let when = file.last_modified().unwrap();
        assert_eq!(
            (when.year(), when.month(), when.day(), when.hour()),
            (1980, 1, 1, 0),
            "{}",
            file.name()
        );
    }
}

#[test]
fn quotas_rounds_and_payers_have_their_sheets() {
    // Each example scheme over a small synthetic population: its own
    // sheet, in its language, with the JSON report's figures.
    for (policy, sheet, key, list) in [
        (
            "policies/examples/quota-pools.bursar",
            "quotas",
            "by_pool",
            None,
        ),
        (
            "policies/examples/district-top-up.bursar",
            "按支付方",
            "by_payer",
            None,
        ),
        (
            "policies/examples/three-payments.bursar",
            "rounds",
            "by_round",
            Some("spells"),
        ),
    ] {
        let name = std::path::Path::new(policy)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let run = simulate_synth(policy, list, 300);
        let args: Vec<&str> = run.iter().map(String::as_str).collect();
        let (mut book, _) = workbook(&format!("{name}.xlsx"), &args);
        let j = json(&args);
        let table = rows(&mut book, sheet);
        let figures = j[key].as_object().unwrap();
        assert_eq!(table.len(), figures.len() + 1, "{policy}: {table:?}");
        let money_at = table[0]
            .iter()
            .position(|h| *h == Data::String("money".into()) || *h == Data::String("金额".into()))
            .unwrap();
        for (name, f) in figures {
            let r = row(&table, name);
            assert_eq!(r[money_at], money(&f["total"]), "{policy}: {name}");
        }
        // Each from its clause of the notice (the scheme's own share has none).
        assert!(
            table[1..]
                .iter()
                .any(|r| matches!(r[2], Data::String(ref c) if c.starts_with('§'))),
            "{policy}: {table:?}"
        );
    }
}

#[test]
fn skipped_rows_have_a_sheet() {
    let population = temp("bad-row.csv");
    let mut data = std::fs::read_to_string(SAMPLE).unwrap();
    data.push_str("Z99,true,2,<beijing_center>,2022-03-01,false,,,,,2023-05-01\n");
    std::fs::write(&population, data).unwrap();
    let args = [
        "simulate",
        OLD,
        "--population",
        population.to_str().unwrap(),
        "--on-bad-row",
        "skip",
    ];
    let (mut book, _) = workbook("skipped.xlsx", &args);
    assert_eq!(book.sheet_names().last().unwrap(), "跳过的行");
    let skipped = rows(&mut book, "跳过的行");
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(
        string(&skipped[1][0]).contains("<beijing_center>"),
        "{skipped:?}"
    );
    let summary = rows(&mut book, "概要");
    assert_eq!(row(&summary, "跳过的行（数据有误）")[1], Data::Float(1.0));
}

#[test]
fn money_a_spreadsheet_number_cannot_hold_exactly_is_exact_text() {
    // Past 2^53 fen a double rounds: such a figure is written as text,
    // to the fen, never rounded.
    let args = [
        "simulate",
        OLD,
        "--population",
        SAMPLE,
        "--set",
        "standard.level1=100000000000000",
    ];
    let (mut book, _) = workbook("huge.xlsx", &args);
    let j = json(&args);
    let summary = rows(&mut book, "概要");
    assert_eq!(
        row(&summary, "获资助")[2],
        Data::String(j["total"].as_str().unwrap().into())
    );
    assert_eq!(j["total"], "500000000006800.00");
}

#[test]
fn draws_add_a_sheet_of_ranges() {
    let args = [
        "simulate",
        OLD,
        "--population",
        SAMPLE,
        "--take-up",
        "vocational=0.8",
        "--draws",
        "5",
    ];
    let (mut book, _) = workbook("draws.xlsx", &args);
    let j = json(&args);
    assert_eq!(book.sheet_names().last().unwrap(), "抽样范围");
    let sheet = rows(&mut book, "抽样范围");
    let ranges = table(&sheet);
    let range = |r: &Value| {
        ["mean", "p5", "p50", "p95"]
            .iter()
            .map(|k| money(&r[k]))
            .collect::<Vec<_>>()
    };
    let total = row(ranges, "合计");
    assert_eq!(total[1..5], range(&j["total_range"])[..]);
    assert_eq!(total[5], money(&j["total_exact"]));
    let vocational = row(ranges, "  vocational");
    assert_eq!(
        vocational[1..5],
        range(&j["by_category"]["vocational"]["range"])[..]
    );
    for (m, r) in j["cash_flow_range"].as_object().unwrap() {
        assert_eq!(
            row(ranges, &format!("最晚情形{m}"))[1..5],
            range(r)[..],
            "{m}"
        );
    }
    assert!(string(&sheet[ranges.len() + 1][0]).starts_with("5 次抽样（种子 0..=4"));
}

#[test]
fn the_summary_carries_the_reports_warnings() {
    // The 2024 draft over the 2023 sample: applications outside its period.
    let args = ["simulate", NEW, "--population", SAMPLE];
    let (mut book, _) = workbook("warned.xlsx", &args);
    let j = json(&args);
    let warning = j["warnings"][0].as_str().unwrap();
    let summary = rows(&mut book, "概要");
    assert_eq!(row(&summary, "警告")[1], Data::String(warning.into()));
}
