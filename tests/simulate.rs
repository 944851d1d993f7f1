//! `bursar simulate` end to end: figures, formats, data problems, threads.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, fails, stderr, stdout, temp};

use std::path::PathBuf;

const POLICY: &str = "policies/beijing/2023-career-boost.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";

/// `bursar simulate POLICY --population FILE --format json EXTRA…`.
fn simulate(population: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "simulate",
        POLICY,
        "--population",
        population,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    bursar(&args)
}

fn simulate_json(population: &str, extra: &[&str]) -> serde_json::Value {
    let o = simulate(population, extra);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// Whole yuan from a decimal string like "16800.00".
/// Asserts that each of `lines` is a whole line of `text`.
fn has_lines(text: &str, lines: &[&str]) {
    for line in lines {
        assert!(text.lines().any(|l| l == *line), "`{line}` in:\n{text}");
    }
}

fn yuan(v: &serde_json::Value) -> i64 {
    let s = v.as_str().unwrap();
    let (int, frac) = s.split_once('.').unwrap();
    assert_eq!(frac, "00", "{s} has fen");
    int.parse().unwrap()
}

#[test]
fn the_sample_gives_the_hand_checked_totals() {
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("policies/beijing/data/population-sample.expected.json").unwrap(),
    )
    .unwrap();
    let r = simulate_json(SAMPLE, &[]);
    assert_eq!(r["rows"], expected["rows"]);
    assert_eq!(r["paid"], expected["paid"]);
    assert_eq!(yuan(&r["total"]), expected["total_yuan"].as_i64().unwrap());
    for (name, e) in expected["by_category"].as_object().unwrap() {
        assert_eq!(r["by_category"][name]["paid"], e["count"], "{name}");
        assert_eq!(
            yuan(&r["by_category"][name]["total"]),
            e["amount"].as_i64().unwrap(),
            "{name}"
        );
    }
    for (name, n) in expected["eligible_by_category"].as_object().unwrap() {
        assert_eq!(&r["by_category"][name]["eligible"], n, "{name}");
    }
    assert_eq!(r["eligible_not_applied"], expected["eligible_not_applied"]);
    assert_eq!(r["eligible_late"], expected["eligible_late"]);
    let by_amount: Vec<(i64, u64)> = r["paid_by_amount"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (yuan(&a["amount"]), a["persons"].as_u64().unwrap()))
        .collect();
    let expected_by_amount: Vec<(i64, u64)> = {
        let mut v: Vec<(i64, u64)> = expected["paid_by_amount"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), v.as_u64().unwrap()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(by_amount, expected_by_amount);
    let cash: Vec<(String, i64)> = r["cash_flow"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), yuan(v)))
        .collect();
    let expected_cash: Vec<(String, i64)> = expected["latest_payment_by_month"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
        .collect();
    assert_eq!(cash, expected_cash);
    // The expected-case cash flow pays the same money, earlier.
    let expected_case: i64 = r["cash_flow_expected"]
        .as_object()
        .unwrap()
        .values()
        .map(yuan)
        .sum();
    assert_eq!(expected_case, 16800);
}

#[test]
fn reports_trace_their_inputs() {
    let r = simulate_json(SAMPLE, &[]);
    assert_eq!(r["scheme"], "beijing_career_boost_2023");
    assert!(r["bundle_hash"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(r["population"]["file"], SAMPLE);
    assert_eq!(r["population"]["rows"], 24);
}

#[test]
fn text_and_csv_reports() {
    let text = stdout(&bursar(&["simulate", POLICY, "--population", SAMPLE]));
    insta::assert_snapshot!("simulate_sample_text", text);
    let csv = stdout(&bursar(&[
        "simulate",
        POLICY,
        "--population",
        SAMPLE,
        "--format",
        "csv",
    ]));
    assert!(csv.starts_with("\u{feff}section,name,metric,value\n"));
    assert!(csv.contains("summary,,total,16800.00\n"));
    assert!(csv.contains("category,vocational,total,6800.00\n"));
    assert!(csv.contains("cash_flow,2024-02,latest,2000.00\n"));
}

/// A synthetic population written to a temporary file.
fn synth(name: &str, rows: u32, seed: u32) -> PathBuf {
    let population = temp(name);
    let o = bursar(&[
        "synth",
        "--rows",
        &rows.to_string(),
        "--seed",
        &seed.to_string(),
        "-o",
        population.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    population
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    // Over two ranges of a megabyte: several threads read it in ranges.
    let population = synth("synth-60k.csv", 60000, 11);
    let path = population.to_str().unwrap();
    assert!(std::fs::metadata(path).unwrap().len() > 2 << 20);
    let with_threads = |threads: &str| stdout(&simulate(path, &["--threads", threads]));
    let (one, two, five) = (with_threads("1"), with_threads("2"), with_threads("5"));
    assert_eq!(one, two);
    assert_eq!(one, five);
    let r: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(r["rows"], 60000);
    assert!(
        r["paid"].as_u64().unwrap() > 1000,
        "a synthetic population has payees: {}",
        r["paid"]
    );
    // Take-up drawn by each row's number, and a row per person: the
    // ranges are numbered from their place in the file before they are
    // read, so both are the same on any thread count.
    let numbered = |threads: &str| {
        let persons = temp(&format!("persons-60k-{threads}.csv"));
        let report = stdout(&simulate(
            path,
            &[
                "--threads",
                threads,
                "--take-up",
                "vocational=0.6",
                "--seed",
                "9",
                "--persons",
                persons.to_str().unwrap(),
            ],
        ));
        (report, std::fs::read_to_string(&persons).unwrap())
    };
    let one = numbered("1");
    assert!(one.1.lines().count() > 60000, "a row per person");
    assert_eq!(one, numbered("2"));
    assert_eq!(one, numbered("5"));
    // No worker at all is refused, not taken as one.
    fails(
        &["simulate", POLICY, "--population", path, "--threads", "0"],
        2,
        "at least 1 thread is needed",
    );
}

/// A bad row far into a file read in ranges is the one reading in order
/// stops at, on its line.
#[test]
fn a_bad_row_late_in_a_large_file_is_named_alike_on_any_thread_count() {
    let population = synth("synth-60k-bad.csv", 60000, 12);
    let text = std::fs::read_to_string(&population).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let broken = lines[54321].replacen("true", "maybe", 1);
    assert_ne!(broken, lines[54321]);
    lines[54321] = &broken;
    std::fs::write(&population, lines.join("\n") + "\n").unwrap();
    let path = population.to_str().unwrap();
    for threads in ["1", "2", "5"] {
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
            "synth-60k-bad.csv:54322: column `member_card`: value `maybe`",
        );
    }
}

#[test]
fn synth_is_deterministic() {
    let a = stdout(&bursar(&["synth", "--rows", "300", "--seed", "5"]));
    let b = stdout(&bursar(&["synth", "--rows", "300", "--seed", "5"]));
    assert_eq!(a, b);
    assert_ne!(
        a,
        stdout(&bursar(&["synth", "--rows", "300", "--seed", "6"]))
    );
}

fn broken_sample(find: &str, replace: &str) -> PathBuf {
    let path = temp(&format!("broken-{}.csv", find.len() * 31 + replace.len()));
    let text = std::fs::read_to_string(SAMPLE).unwrap();
    assert!(text.contains(find));
    std::fs::write(&path, text.replacen(find, replace, 1)).unwrap();
    path
}

#[test]
fn a_bad_row_stops_the_run_with_its_location() {
    for (find, replace, expect) in [
        ("E05,true,3,other,2022-05-05", "E05,true,3,other,2022-13-05", ":6: column `voc_issued`: value `2022-13-05`: expected a date like `2023-10-31`"),
        ("E05,true,3,other", "E05,true,3,elsewhere", ":6: column `voc_issuer`: value `elsewhere`: expected one of `beijing_center`, `registered_org`, `other`"),
        ("E05,true,3,other,2022-05-05,false,,,,,2023-05-01", "E05,true,3,other,2022-05-05,false,,,,2023-05-01", ":6: the row has 10 fields but the header has 11"),
        ("E05,true,", "E05,yes,", ":6: column `member_card`: value `yes`: expected `true` or `false`"),
        ("E05,true,", "E05,,", ":6: column `member_card`: value ``: a required value is empty"),
    ] {
        let path = broken_sample(find, replace);
        let o = bursar(&["simulate", POLICY, "--population", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{replace}");
        assert!(stderr(&o).contains(expect), "{replace}: {}", stderr(&o));
    }
}

#[test]
fn skipped_bad_rows_are_counted_not_judged() {
    let path = broken_sample("E05,true,3,other", "E05,true,3,elsewhere");
    let r = simulate_json(path.to_str().unwrap(), &["--on-bad-row", "skip"]);
    assert_eq!(r["rows"], 24);
    assert_eq!(r["skipped_rows"], 1);
    assert_eq!(r["not_eligible"]["persons"], 9);
    assert!(r["skipped"][0]
        .as_str()
        .unwrap()
        .contains("column `voc_issuer`"));
}

/// Bad rows far into a file (past the first chunk of records), found the same
/// way by the one-thread loop and the multi-thread pipeline.
#[test]
fn bad_rows_deep_in_a_file_are_the_same_for_any_thread_count() {
    let population = synth("synth-5k-broken.csv", 5000, 3);
    let text = std::fs::read_to_string(&population).unwrap();
    // Line n of the file is row n - 1; the second column is member_card.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for n in [3001, 4502] {
        let cells: Vec<&str> = lines[n - 1].split(',').collect();
        let mut broken: Vec<&str> = cells.clone();
        broken[1] = "yes";
        lines[n - 1] = broken.join(",");
    }
    // Invalid UTF-8 in a text cell nobody reads is still refused, by column.
    // (It stops the run even with `skip`: see docs/simulate.md.)
    let mut bytes = (lines.join("\n") + "\n").into_bytes();
    let at = bytes.windows(9).position(|w| w == b"P00004700").unwrap();
    bytes[at + 1] = 0xff;
    std::fs::write(&population, bytes).unwrap();
    let path = population.to_str().unwrap();
    let run = |threads: &str, on_bad_row: &str| {
        simulate(path, &["--threads", threads, "--on-bad-row", on_bad_row])
    };
    for threads in ["1", "2"] {
        let o = run(threads, "fail");
        assert_eq!(o.status.code(), Some(1), "{threads} threads");
        assert!(
            stderr(&o).contains(":3001: column `member_card`: value `yes`"),
            "{threads} threads: {}",
            stderr(&o)
        );
    }
    let (one, two) = (run("1", "skip"), run("2", "skip"));
    assert_eq!(one.status.code(), Some(1), "{}", stderr(&one));
    assert!(
        stderr(&one).contains(":4702: column `person_id`: the value is not valid UTF-8"),
        "{}",
        stderr(&one)
    );
    assert_eq!(stdout(&one), stdout(&two));
    assert_eq!(stderr(&one), stderr(&two));
}

/// Without an application step, eligibility is enough: the report has no
/// rows about applying, which would all read 0 beside persons paid.
#[test]
fn a_scheme_without_applications_reports_no_applying() {
    let policy = temp("no-application.bursar");
    std::fs::write(
        &policy,
        "scheme mini { currency CNY }\n\
         applicant { age int? }\n\
         table amounts { base \"基本\" = 100 元 }\n\
         category young \"青年\" {\n  when age is present and age < 35 \"未满35岁\"\n  pay amounts.base\n}\n\
         award { limit 1 per period  choose highest_amount then first_declared }\n",
    )
    .unwrap();
    let population = temp("ages.csv");
    std::fs::write(&population, "age\n20\n40\n\n").unwrap();
    let o = bursar(&[
        "simulate",
        policy.to_str().unwrap(),
        "--population",
        population.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let row = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.lines().any(|l| row(l) == "paid 1 100.00 元"), "{text}");
    assert!(!text.contains("appl"), "{text}");
}

#[test]
fn an_empty_file_is_called_empty() {
    let empty = temp("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let population = empty.to_str().unwrap();
    fails(
        &["simulate", POLICY, "--population", population],
        1,
        "empty.csv:1: the file is empty",
    );
}

/// Two fields read from one column would leave one field without its own:
/// always absent, and its category silently empty.
#[test]
fn a_column_mapped_to_two_fields_is_refused() {
    fails(
        &["simulate", POLICY, "--population", SAMPLE, "--map", "voc_level=contest_rank"],
        1,
        "column `contest_rank` would feed both `voc_level` and `contest_rank`; map each field to a column of its own",
    );
}

#[test]
fn a_missing_column_is_named_and_can_be_mapped() {
    let text = std::fs::read_to_string(SAMPLE).unwrap();
    let renamed = temp("renamed.csv");
    std::fs::write(&renamed, text.replacen("voc_level", "证书等级", 1)).unwrap();
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            renamed.to_str().unwrap(),
        ],
        1,
        ":1: the header has no column `voc_level`",
    );
    let r = simulate_json(renamed.to_str().unwrap(), &["--map", "voc_level=证书等级"]);
    assert_eq!(yuan(&r["total"]), 16800);
    let map_file = temp("map.toml");
    std::fs::write(&map_file, "voc_level = \"证书等级\"\n").unwrap();
    let r = simulate_json(
        renamed.to_str().unwrap(),
        &["--map-file", map_file.to_str().unwrap()],
    );
    assert_eq!(yuan(&r["total"]), 16800);

    // A header that differs only in case or separators is named with the map
    // that reads it, quoted for the shell; it is not mapped without asking.
    let spreadsheet = temp("spreadsheet.csv");
    let text = text
        .replacen("applied_on", "Applied On", 1)
        .replacen("voc_level", "VOC-Level", 1);
    std::fs::write(&spreadsheet, text).unwrap();
    let path = spreadsheet.to_str().unwrap();
    fails(
        &["simulate", POLICY, "--population", path],
        1,
        "the header has no column `voc_level`, `applied_on`; read them with `--map voc_level=VOC-Level` `--map 'applied_on=Applied On'`",
    );
    let maps = [
        "--map",
        "voc_level=VOC-Level",
        "--map",
        "applied_on=Applied On",
    ];
    assert_eq!(yuan(&simulate_json(path, &maps)["total"]), 16800);
}

#[test]
fn bom_crlf_and_quoted_fields_are_read() {
    let text = std::fs::read_to_string(SAMPLE).unwrap();
    let windows = temp("windows.csv");
    let mut converted = String::from("\u{feff}");
    for (i, line) in text.lines().enumerate() {
        if i == 1 {
            // Quote every field of one row.
            let quoted: Vec<String> = line.split(',').map(|f| format!("\"{f}\"")).collect();
            converted.push_str(&quoted.join(","));
        } else {
            converted.push_str(line);
        }
        converted.push_str("\r\n");
    }
    std::fs::write(&windows, converted).unwrap();
    let r = simulate_json(windows.to_str().unwrap(), &[]);
    assert_eq!(yuan(&r["total"]), 16800);
    assert_eq!(r["paid"], 12);
    // The same rows make the same random choices under take-up, whatever
    // the line ends.
    let drawn = |population: &str| {
        let r = simulate_json(population, &["--scenario", "take-up", "--seed", "11"]);
        [
            "paid",
            "total",
            "eligible_not_applied",
            "eligible_late",
            "cash_flow",
        ]
        .map(|k| r[k].clone())
    };
    assert_eq!(drawn(windows.to_str().unwrap()), drawn(SAMPLE));
}

/// A file saved on Windows (BOM, CRLF) with a blank line: bad rows are
/// reported on the line an editor shows, whichever loop found them. (The CSV
/// reader's own count is one short after CRLF and blank lines.)
#[test]
fn bad_rows_in_a_windows_file_are_reported_on_their_line() {
    let text = std::fs::read_to_string(SAMPLE)
        .unwrap()
        .replacen(
            "E05,true,3,other,2022-05-05",
            "E05,true,3,other,2022-13-05",
            1,
        )
        .replacen("E20,true,", "E20,yes,", 1);
    let mut windows = String::from("\u{feff}");
    for (i, line) in text.lines().enumerate() {
        windows.push_str(line);
        windows.push_str("\r\n");
        if i == 2 {
            windows.push_str("\r\n");
        }
    }
    let path = temp("windows-broken.csv");
    std::fs::write(&path, windows).unwrap();
    let path = path.to_str().unwrap();
    for threads in ["1", "2"] {
        let o = simulate(path, &["--threads", threads]);
        assert_eq!(o.status.code(), Some(1), "{threads} threads");
        assert!(
            stderr(&o).contains("windows-broken.csv:7: column `voc_issued`"),
            "{threads} threads: {}",
            stderr(&o)
        );
        let r = simulate_json(path, &["--threads", threads, "--on-bad-row", "skip"]);
        let skipped: Vec<&str> = r["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .collect();
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(
            skipped[0].contains(":7: column `voc_issued`"),
            "{skipped:?}"
        );
        assert!(
            skipped[1].contains(":22: column `member_card`"),
            "{skipped:?}"
        );
    }
    // Explaining a row reads the file the same way.
    fails(
        &["explain", POLICY, "--csv", path, "--row", "20"],
        1,
        "windows-broken.csv:7: column `voc_issued`",
    );
}

#[test]
fn set_overrides_change_the_scheme_and_are_reported() {
    let r = simulate_json(SAMPLE, &["--set", "standard.level1=2500"]);
    // Five persons are paid the level-1 amount, directly or "same as" it.
    assert_eq!(yuan(&r["total"]), 16800 + 5 * 500);
    assert_eq!(r["overrides"][0], "standard.level1=2500");
    let base = simulate_json(SAMPLE, &[]);
    assert_ne!(r["bundle_hash"], base["bundle_hash"]);

    let r = simulate_json(SAMPLE, &["--set", "vocational.window.end=2022-06-30"]);
    // E03 (first issued 2022-12-31, 1000) drops out; E07 (2022-06-30) stays.
    assert_eq!(yuan(&r["total"]), 15800);
    let r = simulate_json(SAMPLE, &["--set", "application.deadline=2023-11-30"]);
    // E10 (applied 2023-11-01, 800) is now on time.
    assert_eq!(yuan(&r["total"]), 17600);
    assert_eq!(r["eligible_late"], 0);
    // Assistants would qualify, but the lookup table has no row for them:
    // the change is refused before the run (issue #13), where it used to
    // give error rows.
    let o = bursar(&[
        "simulate",
        POLICY,
        "--population",
        SAMPLE,
        "--format",
        "json",
        "--set",
        "social_work.sw_level.in=senior,regular,assistant",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains("has no row for `assistant`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_overrides_are_refused_with_a_suggestion() {
    for (set, expect) in [
        ("standard.levl1=2500", "did you mean `level1`?"),
        ("standrd.level1=2500", "did you mean `standard`?"),
        (
            "vocational.voc_issued.end=2022-13-01",
            "`2022-13-01` is not a date like 2023-06-30",
        ),
        ("standard.level1=lots", "is not an amount"),
        (
            "standard.level1=-100",
            "`-100` is not an amount as a policy writes one, at least 0",
        ),
        (
            "vocational.window.end=2020-12-31",
            "`2020-12-31` is not on or after the range's start, 2021-01-01",
        ),
        (
            "contest.contest_rank.start=11",
            "`11` is not on or before the range's end, 10",
        ),
        (
            "vocational.member_card.start=1",
            "no condition of `vocational` tests `member_card` that way",
        ),
        ("award.limit=0", "is not a whole number of at least 1"),
        ("nonsense", "write `--set path=value`"),
    ] {
        let o = bursar(&["simulate", POLICY, "--population", SAMPLE, "--set", set]);
        assert_eq!(o.status.code(), Some(2), "{set}");
        assert!(stderr(&o).contains(expect), "{set}: {}", stderr(&o));
    }
}

#[test]
fn scenarios_by_name_and_by_file() {
    let by_name = simulate_json(SAMPLE, &["--scenario", "raise-level1"]);
    assert_eq!(yuan(&by_name["total"]), 19300);
    assert_eq!(by_name["scenario"], "raise-level1");
    let o = bursar(&[
        "simulate",
        "policies/beijing/scenarios/raise-level1.toml",
        "--population",
        SAMPLE,
        "--format",
        "json",
    ]);
    let by_file: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(by_file["total"], by_name["total"]);
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            SAMPLE,
            "--scenario",
            "raise-levl1",
        ],
        2,
        "did you mean `raise-level1`?",
    );
}

#[test]
fn a_take_up_for_no_category_is_refused() {
    let scenario = temp("misspelt.toml");
    std::fs::write(&scenario, "[assume.take_up]\nvocationl = 0.8\n").unwrap();
    let scenario = scenario.to_str().unwrap();
    let o = fails(
        &[
            "simulate",
            POLICY,
            "--population",
            SAMPLE,
            "--scenario",
            scenario,
        ],
        1,
        "`take_up.vocationl` names no category of `beijing_career_boost_2023`",
    );
    assert!(
        stderr(&o).contains("did you mean `vocational`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn take_up_assumptions_are_seeded() {
    let a = simulate_json(SAMPLE, &["--scenario", "take-up"]);
    let b = simulate_json(SAMPLE, &["--scenario", "take-up"]);
    assert_eq!(a, b, "same seed, same report");
    assert_eq!(a["assumptions"]["take_up"]["vocational"], 0.8);
    // Everyone eligible now either applies (on time or late) or not, by draw:
    // the counts add up to the 14 persons with an award.
    let eligible: u64 = ["paid", "eligible_not_applied", "eligible_late"]
        .iter()
        .map(|k| a[*k].as_u64().unwrap())
        .sum();
    assert_eq!(eligible, 14);
    let other_seed = simulate_json(SAMPLE, &["--scenario", "take-up", "--seed", "7"]);
    assert_eq!(other_seed["assumptions"]["seed"], 7);
    // The text and CSV reports say what was assumed, so they can be traced too.
    let run = |format: &str| {
        let args = [
            "simulate",
            POLICY,
            "--population",
            SAMPLE,
            "--scenario",
            "take-up",
        ];
        let o = bursar(&[&args[..], &["--seed", "7", "--format", format]].concat());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let text = run("text");
    assert!(
        text.contains("assumed     take-up contest 95%, social_work 95%, vocational 80%; 5% late; steps take 50% of their limits; seed 7"),
        "{text}"
    );
    has_lines(
        &run("csv"),
        &[
            "source,,scenario,take-up",
            "assumptions,vocational,take_up,0.8",
            "assumptions,,late_share,0.05",
            "assumptions,,seed,7",
        ],
    );
    let compare = |format: &str| {
        let args = ["compare", POLICY, POLICY, "--scenario", "take-up"];
        stdout(&bursar(
            &[&args[..], &["--population", SAMPLE, "--format", format]].concat(),
        ))
    };
    let text = compare("text");
    assert!(
        text.contains("\n            assumed take-up contest 95%"),
        "{text}"
    );
    has_lines(
        &compare("csv"),
        &[
            "assumptions,vocational,take_up,,0.8,",
            "assumptions,,seed,,2023,",
        ],
    );
}

/// One pass hands each row's values to both schemes, so they must read a
/// row alike. Reordering an enum's variants changes no decision on its own,
/// but a value is its variant's position: compared in one pass, it used to
/// turn senior social workers into regular ones and report gainers.
#[test]
fn compare_refuses_schemes_that_read_a_row_differently() {
    let text = std::fs::read_to_string(POLICY).unwrap();
    for (name, find, replace, expect) in [
        (
            "reordered",
            "  senior    \"高级社会工作师\"\n  regular   \"社会工作师\"",
            "  regular   \"社会工作师\"\n  senior    \"高级社会工作师\"",
            "`sw_level` takes one of `senior`, `regular`, `assistant` in the base and one of `regular`, `senior`, `assistant` in the reform",
        ),
        (
            "extra-field",
            "  applied_on         date?",
            "  district           text?            \"区\"\n  applied_on         date?",
            "field 11 is `applied_on` in the base and `district` in the reform",
        ),
        (
            "required",
            "voc_level          int?",
            "voc_level          int ",
            "`voc_level` may be absent in the base and is required in the reform",
        ),
    ] {
        assert!(text.contains(find), "{name}");
        let reform = temp(&format!("{name}.bursar"));
        std::fs::write(&reform, text.replacen(find, replace, 1)).unwrap();
        let reform = reform.to_str().unwrap();
        fails(
            &["compare", POLICY, reform, "--population", SAMPLE],
            1,
            expect,
        );
    }
}

/// The comparison as a spreadsheet: base, reform and change in columns.
/// (`--format csv` used to print the text report.)
#[test]
fn compare_as_csv() {
    // A reform with gainers (level 1 raised) and losers (window narrowed).
    let o = bursar(&[
        "compare",
        POLICY,
        POLICY,
        "--set",
        "standard.level1=2500",
        "--set",
        "vocational.window.end=2022-06-30",
        "--population",
        SAMPLE,
        "--format",
        "csv",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("compare_csv", stdout(&o));
}

#[test]
fn compare_gives_deltas_and_winners() {
    let o = bursar(&[
        "compare",
        POLICY,
        "policies/beijing/scenarios/raise-level1.toml",
        "--population",
        SAMPLE,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let c: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(yuan(&c["delta"]["total"]), 2500);
    assert_eq!(c["delta"]["paid"], 0);
    assert_eq!(
        yuan(&c["delta"]["by_category"]["social_work"]["total"]),
        1000
    );
    assert_eq!(c["winners_and_losers"]["gainers"]["persons"], 5);
    assert_eq!(c["winners_and_losers"]["losers"]["persons"], 0);
    // Per category, the second gainer adds to the first.
    let gains = &c["winners_and_losers"]["gains_by_category"];
    for (category, persons) in [("contest", 1), ("social_work", 2), ("vocational", 2)] {
        assert_eq!(gains[category]["persons"], persons, "{category}");
        assert_eq!(
            yuan(&gains[category]["amount"]),
            500 * persons,
            "{category}"
        );
    }

    // Narrowing the window: E03 loses 1000; nobody gains.
    let o = bursar(&[
        "compare",
        POLICY,
        POLICY,
        "--set",
        "vocational.window.end=2022-06-30",
        "--population",
        SAMPLE,
    ]);
    assert_eq!(o.status.code(), Some(0));
    insta::assert_snapshot!("compare_narrow_window_text", stdout(&o));
}
