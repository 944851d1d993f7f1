//! `simulate --persons` and `compare --persons` end to end (issue #15,
//! section 1): one row per population row, in population order, adding up
//! to the report.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, stderr, stdout, temp};

const POLICY: &str = "policies/beijing/2023-career-boost.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";
const BOM: &str = "\u{feff}";

/// Runs `bursar ARGS… --format json`, expecting exit 0; the report.
fn json(args: &[&str]) -> serde_json::Value {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    let o = bursar(&args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// A CSV file written by `--persons`: its header and rows, by column name.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &std::path::Path) -> Table {
        let text = std::fs::read_to_string(path).unwrap();
        let text = text
            .strip_prefix(BOM)
            .expect("a persons file starts with a byte-order mark");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        Table { header, rows }
    }

    fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column `{name}` in {:?}", self.header))
    }

    /// The row whose column `key` is `value`.
    fn row(&self, key: &str, value: &str) -> &[String] {
        let k = self.column(key);
        self.rows.iter().find(|r| r[k] == value).unwrap()
    }

    fn get<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        &row[self.column(name)]
    }
}

/// Fen from a decimal string like "2000.00" (or "-1000.00").
fn fen(s: &str) -> i64 {
    let (int, frac) = s.split_once('.').unwrap();
    let sign = if int.starts_with('-') { -1 } else { 1 };
    int.parse::<i64>().unwrap() * 100 + sign * frac.parse::<i64>().unwrap()
}

#[test]
fn the_sample_person_by_person_adds_up_to_the_report() {
    let out = temp("sample-persons.csv");
    let report = json(&[
        "simulate",
        POLICY,
        "--population",
        SAMPLE,
        "--persons",
        out.to_str().unwrap(),
    ]);
    let t = Table::read(&out);
    assert_eq!(
        t.header,
        [
            "row",
            "person_id",
            "outcome",
            "category",
            "amount",
            "payers",
            "clause",
            "decided_by",
            "paid_latest",
            "paid_expected"
        ]
    );
    assert_eq!(t.rows.len() as u64, report["rows"].as_u64().unwrap());
    // In population order, numbered as `eval --row N` counts.
    for (i, r) in t.rows.iter().enumerate() {
        assert_eq!(t.get(r, "row"), (i + 1).to_string());
        assert_eq!(t.get(r, "person_id"), format!("E{:02}", i + 1));
    }
    let paid: Vec<&Vec<String>> = t
        .rows
        .iter()
        .filter(|r| t.get(r, "outcome") == "paid")
        .collect();
    assert_eq!(paid.len() as u64, report["paid"].as_u64().unwrap());
    let total: i64 = t.rows.iter().map(|r| fen(t.get(r, "amount"))).sum();
    assert_eq!(total, fen(report["total"].as_str().unwrap()));
    // Per category, as the report counts them.
    for (name, c) in report["by_category"].as_object().unwrap() {
        let mine: Vec<_> = paid
            .iter()
            .filter(|r| t.get(r, "category") == name)
            .collect();
        assert_eq!(mine.len() as u64, c["paid"].as_u64().unwrap(), "{name}");
        let sum: i64 = mine.iter().map(|r| fen(t.get(r, "amount"))).sum();
        assert_eq!(sum, fen(c["total"].as_str().unwrap()), "{name}");
    }
    // Each outcome as often as the report counts it.
    let count = |o: &str| t.rows.iter().filter(|r| t.get(r, "outcome") == o).count() as u64;
    assert_eq!(count("not_eligible"), report["not_eligible"]["persons"]);
    assert_eq!(count("not_applied"), report["eligible_not_applied"]);
    assert_eq!(count("late"), report["eligible_late"]);
    // The cash flow by month, latest and expected case.
    for (column, key) in [
        ("paid_latest", "cash_flow"),
        ("paid_expected", "cash_flow_expected"),
    ] {
        let mut months = std::collections::BTreeMap::<String, i64>::new();
        for r in &paid {
            *months.entry(t.get(r, column).to_string()).or_default() += fen(t.get(r, "amount"));
        }
        let expected: std::collections::BTreeMap<String, i64> = report[key]
            .as_object()
            .unwrap()
            .iter()
            .map(|(m, v)| (m.clone(), fen(v.as_str().unwrap())))
            .filter(|(_, v)| *v != 0)
            .collect();
        assert_eq!(months, expected, "{column}");
    }

    // What decided, in the words `bursar eval` uses.
    let e01 = t.row("person_id", "E01");
    assert_eq!(t.get(e01, "outcome"), "paid");
    assert_eq!(t.get(e01, "category"), "vocational");
    assert_eq!(t.get(e01, "amount"), "2000.00");
    assert_eq!(t.get(e01, "clause"), "§三(一)");
    assert_eq!(
        t.get(e01, "decided_by"),
        "pays 2,000.00 元 from standard.level1 (国家一级（高级技师）)"
    );
    assert_eq!(t.get(e01, "paid_latest"), "2023-08");
    let e02 = t.row("person_id", "E02");
    assert_eq!(t.get(e02, "outcome"), "not_eligible");
    assert_eq!(t.get(e02, "amount"), "0.00");
    assert_eq!(t.get(e02, "clause"), "§五(二)");
    let eval = stdout(&bursar(&["eval", POLICY, "--csv", SAMPLE, "--row", "2"]));
    assert!(
        eval.contains(t.get(e02, "decided_by")),
        "`{}` in:\n{eval}",
        t.get(e02, "decided_by")
    );
    let e11 = t.row("person_id", "E11");
    assert_eq!(t.get(e11, "outcome"), "not_applied");
}

/// A synthetic population of `rows` rows, written once per test.
fn synth(name: &str, rows: u64) -> String {
    let path = temp(name);
    let o = bursar(&[
        "synth",
        "--rows",
        &rows.to_string(),
        "--seed",
        "15",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    path.to_str().unwrap().to_string()
}

#[test]
fn the_persons_file_is_the_same_on_any_thread_count() {
    let population = synth("persons-threads.csv", 20_000);
    let mut files = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = temp(&format!("persons-threads-{threads}.csv"));
        let report = json(&[
            "simulate",
            POLICY,
            "--population",
            &population,
            "--threads",
            threads,
            "--persons",
            out.to_str().unwrap(),
        ]);
        let t = Table::read(&out);
        assert_eq!(t.rows.len() as u64, report["rows"].as_u64().unwrap());
        let total: i64 = t.rows.iter().map(|r| fen(t.get(r, "amount"))).sum();
        assert_eq!(total, fen(report["total"].as_str().unwrap()));
        files.push(std::fs::read(&out).unwrap());
    }
    assert!(files.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn skipped_rows_are_in_the_persons_file_with_their_reason() {
    let population = temp("persons-bad.csv");
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let mut lines: Vec<String> = sample.lines().map(str::to_string).collect();
    lines[3] = lines[3].replace("registered_org", "elsewhere");
    lines.push(lines[1].clone()); // E01 again: a repeated identifier
    std::fs::write(&population, lines.join("\n") + "\n").unwrap();
    let out = temp("persons-bad-out.csv");
    let report = json(&[
        "simulate",
        POLICY,
        "--population",
        population.to_str().unwrap(),
        "--on-bad-row",
        "skip",
        "--persons",
        out.to_str().unwrap(),
    ]);
    let t = Table::read(&out);
    assert_eq!(t.rows.len() as u64, report["rows"].as_u64().unwrap());
    let skipped: Vec<_> = t
        .rows
        .iter()
        .filter(|r| t.get(r, "outcome") == "skipped")
        .collect();
    assert_eq!(
        skipped.len() as u64,
        report["skipped_rows"].as_u64().unwrap()
    );
    assert_eq!(skipped.len(), 2);
    assert_eq!(t.get(skipped[0], "row"), "3");
    assert_eq!(t.get(skipped[0], "person_id"), "E03");
    assert!(t.get(skipped[0], "decided_by").contains("elsewhere"));
    assert_eq!(t.get(skipped[1], "row"), "25");
    assert!(t
        .get(skipped[1], "decided_by")
        .contains("an earlier row has the same identifier"));
}

#[test]
fn a_run_that_stops_leaves_no_persons_file() {
    let population = temp("persons-stop.csv");
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    std::fs::write(&population, sample.replace("registered_org", "elsewhere")).unwrap();
    let out = temp("persons-stop-out.csv");
    let o = bursar(&[
        "simulate",
        POLICY,
        "--population",
        population.to_str().unwrap(),
        "--persons",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn a_scheme_without_an_identifier_is_listed_by_row() {
    let policy = temp("no-id.bursar");
    std::fs::write(
        &policy,
        "scheme no_id { currency CNY }\n\
         applicant { age int }\n\
         table amounts { base \"基本\" = 100 元 }\n\
         category young \"青年\" {\n  when age < 35 \"未满35岁\"\n  pay amounts.base\n}\n\
         award { limit 1 per period  choose highest_amount then first_declared }\n",
    )
    .unwrap();
    let population = temp("no-id.csv");
    std::fs::write(&population, "age\n20\n40\n30\n").unwrap();
    let out = temp("no-id-persons.csv");
    json(&[
        "simulate",
        policy.to_str().unwrap(),
        "--population",
        population.to_str().unwrap(),
        "--persons",
        out.to_str().unwrap(),
    ]);
    let t = Table::read(&out);
    assert_eq!(t.header[..3], ["row", "outcome", "category"]);
    let outcomes: Vec<&str> = t.rows.iter().map(|r| t.get(r, "outcome")).collect();
    assert_eq!(outcomes, ["paid", "not_eligible", "paid"]);
    // The reason the report counts: the first condition of every category
    // fails.
    assert_eq!(
        t.get(&t.rows[1], "decided_by"),
        "in no target group (the first condition of every category fails)"
    );
}

/// Three pools of places, 300 claims each: some are given no place.
fn pools_population(name: &str) -> std::path::PathBuf {
    let population = temp(name);
    let mut rows = vec!["person_id,pool,model_worker,applied_at".to_string()];
    for i in 0..900 {
        let pool = ["a", "b", "c"][i % 3];
        rows.push(format!(
            "P{i},{pool},{},2025-03-{:02} 09:{:02}:00",
            i % 7 == 0,
            1 + i % 28,
            i % 60
        ));
    }
    std::fs::write(&population, rows.join("\n") + "\n").unwrap();
    population
}

#[test]
fn quota_claims_are_written_once_allocated() {
    let population = pools_population("persons-pools.csv");
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let out = temp(&format!("persons-pools-{threads}.csv"));
        let report = json(&[
            "simulate",
            "policies/examples/quota-pools.bursar",
            "--population",
            population.to_str().unwrap(),
            "--threads",
            threads,
            "--persons",
            out.to_str().unwrap(),
        ]);
        let t = Table::read(&out);
        assert_eq!(t.rows.len() as u64, report["rows"].as_u64().unwrap());
        let count = |o: &str| t.rows.iter().filter(|r| t.get(r, "outcome") == o).count() as u64;
        assert_eq!(count("paid"), report["paid"].as_u64().unwrap());
        assert_eq!(
            count("no_place"),
            report["eligible_no_place"].as_u64().unwrap()
        );
        assert_eq!(count("subject_to_quota"), 0);
        let total: i64 = t.rows.iter().map(|r| fen(t.get(r, "amount"))).sum();
        assert_eq!(total, fen(report["total"].as_str().unwrap()));
        files.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(files[0], files[1]);
}

#[test]
fn an_xlsx_persons_file_reads_back_as_the_csv_one() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let csv = temp("persons-as.csv");
    let xlsx = temp("persons-as.xlsx");
    for out in [&csv, &xlsx] {
        json(&[
            "simulate",
            POLICY,
            "--population",
            SAMPLE,
            "--persons",
            out.to_str().unwrap(),
        ]);
    }
    let t = Table::read(&csv);
    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    assert_eq!(book.sheet_names(), ["persons"]);
    let range = book.worksheet_range("persons").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), t.rows.len() + 1);
    let header: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
    assert_eq!(header, t.header);
    for (x, c) in rows[1..].iter().zip(&t.rows) {
        for (i, (x, c)) in x.iter().zip(c).enumerate() {
            match (x, t.header[i].as_str()) {
                // Numbers as numbers, money in yuan.
                (Data::Float(f), "amount") => assert_eq!((f * 100.0).round() as i64, fen(c)),
                (Data::Float(f), "row") => assert_eq!(f.to_string(), *c),
                (Data::String(s), _) => assert_eq!(s, c),
                (Data::Empty, _) => assert_eq!(c, ""),
                (other, column) => panic!("`{column}`: {other:?} for `{c}`"),
            }
        }
    }
}

#[test]
fn an_xlsx_persons_file_is_the_same_bytes_every_run() {
    // A workbook records when it was made; the same run must still give
    // the same file.
    let mut files = Vec::new();
    for name in ["persons-once.xlsx", "persons-twice.xlsx"] {
        let out = temp(name);
        json(&[
            "simulate",
            POLICY,
            "--population",
            SAMPLE,
            "--persons",
            out.to_str().unwrap(),
        ]);
        files.push(std::fs::read(&out).unwrap());
        // A second apart at least, so a clock in the file would differ.
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    assert!(files[0] == files[1], "two runs wrote different workbooks");
}

/// `bursar compare BASE REFORM --population P --persons OUT ARGS…`: the
/// report and the persons file.
fn compare(
    reform: &str,
    population: &str,
    out: &std::path::Path,
    extra: &[&str],
) -> (serde_json::Value, Table) {
    let mut args = vec![
        "compare",
        POLICY,
        reform,
        "--population",
        population,
        "--persons",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let report = json(&args);
    (report, Table::read(out))
}

/// Checks a compared persons file against its report: every row once,
/// winners and losers first, largest change first, ties and the unchanged
/// in population order, adding up to the report's deltas.
fn check_compared(report: &serde_json::Value, t: &Table) {
    assert_eq!(
        t.rows.len() as u64,
        report["base"]["rows"].as_u64().unwrap()
    );
    let change = |r: &[String]| {
        let c = t.get(r, "change");
        if c.is_empty() {
            0
        } else {
            fen(c)
        }
    };
    let keys: Vec<(bool, i64, u64)> = t
        .rows
        .iter()
        .map(|r| {
            let row = t.get(r, "row").parse::<u64>().unwrap();
            (change(r) == 0, -change(r).abs(), row)
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        keys, sorted,
        "winners and losers first, largest change first"
    );
    let mut rows: Vec<u64> = keys.iter().map(|k| k.2).collect();
    rows.sort();
    rows.dedup();
    assert_eq!(rows.len(), t.rows.len(), "every row once");
    for r in &t.rows {
        let b = fen(t.get(r, "base_amount"));
        let f = fen(t.get(r, "reform_amount"));
        assert_eq!(change(r), f - b);
    }
    let total: i64 = t.rows.iter().map(|r| change(r)).sum();
    assert_eq!(total, fen(report["delta"]["total"].as_str().unwrap()));
    let wl = &report["winners_and_losers"];
    let gainers = t.rows.iter().filter(|r| change(r) > 0).count() as u64;
    let losers = t.rows.iter().filter(|r| change(r) < 0).count() as u64;
    assert_eq!(gainers, wl["gainers"]["persons"].as_u64().unwrap());
    assert_eq!(losers, wl["losers"]["persons"].as_u64().unwrap());
}

#[test]
fn compare_lists_winners_and_losers_first_largest_change_first() {
    let out = temp("compare-persons.csv");
    let (report, t) = compare(
        "policies/beijing/2024-career-boost-draft.bursar",
        SAMPLE,
        &out,
        &[],
    );
    assert_eq!(
        t.header,
        [
            "row",
            "person_id",
            "base_outcome",
            "reform_outcome",
            "base_category",
            "reform_category",
            "base_amount",
            "reform_amount",
            "change",
            "base_decided_by",
            "reform_decided_by"
        ]
    );
    check_compared(&report, &t);
    // The first row is a loser of the largest loss, with why under both.
    let first = &t.rows[0];
    assert!(fen(t.get(first, "change")) < 0);
    assert!(!t.get(first, "base_decided_by").is_empty());
    assert!(!t.get(first, "reform_decided_by").is_empty());
}

#[test]
fn compared_persons_are_the_same_on_any_thread_count_and_past_memory() {
    // More rows than one sorted run holds in memory: spilled and merged.
    let population = synth("compare-threads.csv", 40_000);
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let out = temp(&format!("compare-threads-{threads}.csv"));
        let (report, t) = compare(
            "policies/beijing/scenarios/raise-level1.toml",
            &population,
            &out,
            &[
                "--threads",
                threads,
                "--set",
                "vocational.voc_issued.end=2022-06-30",
            ],
        );
        check_compared(&report, &t);
        files.push(std::fs::read(&out).unwrap());
    }
    assert!(files[0] == files[1]);
}

#[test]
fn compared_quota_claims_are_settled_before_they_are_sorted() {
    let population = pools_population("compare-pools.csv");
    let out = temp("compare-pools-out.csv");
    let args = [
        "compare",
        "policies/examples/quota-pools.bursar",
        "policies/examples/quota-pools.bursar",
        "--population",
        population.to_str().unwrap(),
        "--set",
        "quota.a.places=250",
        "--set",
        "quota.b.places=20",
        "--persons",
        out.to_str().unwrap(),
    ];
    let report = json(&args);
    let t = Table::read(&out);
    check_compared(&report, &t);
    let outcomes = |side: &str| {
        let c = t.column(side);
        let mut o: Vec<&str> = t.rows.iter().map(|r| r[c].as_str()).collect();
        o.sort();
        o.dedup();
        o
    };
    assert_eq!(outcomes("base_outcome"), ["no_place", "paid"]);
    assert_eq!(outcomes("reform_outcome"), ["no_place", "paid"]);
}

#[test]
fn an_output_never_overwrites_an_input_or_another_output() {
    // `--persons` over the population used to empty it before reading it,
    // then remove it when the run stopped: the register was gone.
    let dir = temp("outputs");
    std::fs::create_dir_all(&dir).unwrap();
    let population = dir.join("pop.csv");
    std::fs::copy(SAMPLE, &population).unwrap();
    let pop = population.to_str().unwrap();
    let spelt_otherwise = format!("{}/./pop.csv", dir.display());
    let map = dir.join("map.toml");
    std::fs::write(&map, "").unwrap();
    let refused = |args: &[&str], message: &str| {
        let o = bursar(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
    };
    let simulate = ["simulate", POLICY, "--population", pop];
    refused(
        &[&simulate[..], &["--persons", &spelt_otherwise]].concat(),
        "`--persons",
    );
    refused(
        &[&simulate[..], &["--persons", POLICY]].concat(),
        "would overwrite an input",
    );
    refused(
        &[
            &simulate[..],
            &[
                "--map-file",
                map.to_str().unwrap(),
                "--persons",
                map.to_str().unwrap(),
            ],
        ]
        .concat(),
        "would overwrite an input",
    );
    let out = dir.join("out.csv");
    let out = out.to_str().unwrap();
    refused(
        &[&simulate[..], &["--persons", out, "-o", out]].concat(),
        "name the same file",
    );
    refused(
        &[
            "compare",
            POLICY,
            POLICY,
            "--population",
            pop,
            "--persons",
            pop,
        ],
        "would overwrite an input",
    );
    // Nothing was written over the register.
    assert_eq!(
        std::fs::read(&population).unwrap(),
        std::fs::read(SAMPLE).unwrap()
    );
}
