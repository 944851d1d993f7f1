//! Parquet populations and populations of several files, end to end: the
//! same rows give the same report as CSV, whatever the threads, the column
//! map or the parts they come in; bad data is a located error, a damaged
//! file an error and never a panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use std::path::{Path, PathBuf};

use bursar_simulator::parquet_write::{Kind, ParquetRows};
use bursar_simulator::synth::KINDS;
use common::{bursar, fails, stderr, stdout, temp};

const POLICY: &str = "policies/beijing/2023-career-boost.bursar";

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `bursar synth` into `name` in this test's folder.
fn synth(name: &str, rows: u64, extra: &[&str]) -> PathBuf {
    let out = temp(name);
    let rows = rows.to_string();
    let mut args = vec!["synth", "--rows", &rows, "--seed", "11", "-o", path(&out)];
    args.extend_from_slice(extra);
    let o = bursar(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    out
}

/// Writes `lines` (a CSV header, then rows without quotes) as Parquet,
/// `kinds` typing the columns, in row groups of `group` rows.
fn write_parquet(out: &Path, lines: &[&str], kinds: &[Kind], group: usize) {
    let names: Vec<&str> = lines[0].split(',').collect();
    let columns: Vec<(&str, Kind)> = names.iter().copied().zip(kinds.iter().copied()).collect();
    let file = std::fs::File::create(out).unwrap();
    let mut rows = ParquetRows::in_groups_of(file, &columns, group).unwrap();
    for line in &lines[1..] {
        let cells: Vec<&str> = line.split(',').collect();
        rows.push(&cells).unwrap();
    }
    rows.finish().unwrap();
}

/// The report of `simulate --format json`, without the file's name.
fn report(scheme: &str, population: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "simulate",
        scheme,
        "--population",
        population,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let o = bursar(&args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    let mut v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let file = v["population"]["file"].take();
    assert!(file.is_string(), "{v}");
    v
}

#[test]
fn parquet_gives_the_csv_report_on_any_number_of_threads() {
    let csv = synth("same.csv", 30_000, &[]);
    let parquet = synth("same.parquet", 30_000, &["--format", "parquet"]);
    let expected = report(POLICY, path(&csv), &["--threads", "1"]);
    assert!(expected["paid"].as_u64().unwrap() > 100, "{expected}");
    // Four threads and more decode row groups on threads of their own.
    for threads in ["1", "2", "4", "6"] {
        assert_eq!(
            report(POLICY, path(&parquet), &["--threads", threads]),
            expected,
            "{threads} threads"
        );
    }
    // The file is smaller than the CSV, and is Parquet.
    let bytes = std::fs::read(&parquet).unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
    assert!(bytes.len() < std::fs::metadata(&csv).unwrap().len() as usize / 2);
}

/// `simulate` of the 2023 scheme over `population` on `threads` threads,
/// `extra` after: it must end without a panic, however it ends.
fn without_panic(population: &Path, threads: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "simulate",
        POLICY,
        "--population",
        path(population),
        "--threads",
        threads,
    ];
    args.extend_from_slice(extra);
    let o = bursar(&args);
    let e = stderr(&o);
    assert!(!e.contains("panicked"), "{e}");
    o
}

/// `bytes` with `flips` bytes changed, at places drawn from `seed` among
/// the `span` bytes after the file's leading magic number.
fn damaged(bytes: &[u8], seed: u64, flips: usize, span: usize) -> Vec<u8> {
    let mut damaged = bytes.to_vec();
    let mut x = seed;
    for _ in 0..flips {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let at = 4 + (x >> 33) as usize % span;
        damaged[at] ^= 0x5a;
    }
    damaged
}

/// 10,000 rows of `synth` as `NAME.csv`, and as `NAME.parquet` in their
/// order in row groups of 700 (the last short).
fn in_groups_of_700(name: &str) -> (PathBuf, PathBuf) {
    let csv = synth(&format!("{name}.csv"), 10_000, &[]);
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let parquet = temp(&format!("{name}.parquet"));
    write_parquet(&parquet, &lines, &KINDS, 700);
    (csv, parquet)
}

#[test]
fn many_row_groups_read_in_parallel_come_back_in_file_order() {
    // With --persons, every row's decision is listed in file order.
    let (csv, parquet) = in_groups_of_700("groups");
    let persons = |population: &Path, threads: &str, name: &str| {
        let out = temp(name);
        let o = without_panic(population, threads, &["--persons", path(&out)]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        std::fs::read_to_string(out).unwrap()
    };
    let expected = persons(&csv, "1", "persons-csv.csv");
    assert_eq!(expected.lines().count(), 10_001);
    assert_eq!(persons(&parquet, "1", "persons-1.csv"), expected);
    assert_eq!(persons(&parquet, "6", "persons-6.csv"), expected);
}

#[test]
fn a_damaged_row_group_stops_the_run_alike_on_any_number_of_threads() {
    // Groups decided each on its own with two threads and in order with
    // one: damage in the data of one gives the same answer.
    let (_, parquet) = in_groups_of_700("damaged-groups");
    let bytes = std::fs::read(&parquet).unwrap();
    let mut errors = 0;
    for seed in 1u64..9 {
        // In the data, not the footer: the first two thirds.
        let file = temp(&format!("damaged-groups-{seed}.parquet"));
        std::fs::write(&file, damaged(&bytes, seed, 3, bytes.len() * 2 / 3)).unwrap();
        let run = |threads: &str| {
            let o = without_panic(&file, threads, &["--format", "json"]);
            (o.status.code(), stdout(&o), stderr(&o))
        };
        let one = run("1");
        errors += usize::from(one.0 != Some(0));
        assert_eq!(run("2"), one, "seed {seed}");
        assert_eq!(run("3"), one, "seed {seed}");
    }
    // Most damage is found (a page that does not decompress or decode).
    assert!(errors >= 4, "{errors} of 8 damaged files refused");
}

#[test]
fn a_column_map_reads_parquet_as_it_reads_csv() {
    let csv = synth("mapped-source.csv", 5_000, &[]);
    let text = std::fs::read_to_string(&csv).unwrap();
    let renamed = text
        .replacen("applied_on", "申报日期", 1)
        .replacen("voc_level", "Voc Level", 1);
    let lines: Vec<&str> = renamed.lines().collect();
    let mapped_csv = temp("mapped.csv");
    std::fs::write(&mapped_csv, &renamed).unwrap();
    let parquet = temp("mapped.parquet");
    write_parquet(&parquet, &lines, &KINDS, 1000);
    let map = [
        "--map",
        "applied_on=申报日期",
        "--map",
        "voc_level=Voc Level",
    ];
    let expected = report(POLICY, path(&csv), &[]);
    assert_eq!(report(POLICY, path(&mapped_csv), &map), expected);
    assert_eq!(report(POLICY, path(&parquet), &map), expected);
}

#[test]
fn a_scheme_with_list_files_reads_its_population_from_parquet() {
    let scheme = "policies/examples/household-rebate.bursar";
    let run = |format: &str, ext: &str| {
        let population = temp(&format!("households.{ext}"));
        let members = temp(&format!("members-{ext}.csv"));
        let list = format!("members={}", path(&members));
        let o = bursar(&[
            "synth",
            "--scheme",
            scheme,
            "--rows",
            "3000",
            "--seed",
            "4",
            "--format",
            format,
            "-o",
            path(&population),
            "--list",
            &list,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        report(scheme, path(&population), &["--list", &list])
    };
    let expected = run("csv", "csv");
    assert!(expected["rows"].as_u64().unwrap() == 3000, "{expected}");
    assert_eq!(run("parquet", "parquet"), expected);
    // The list file as Parquet too, read in step with the population.
    let members = std::fs::read_to_string(temp("members-parquet.csv")).unwrap();
    let lines: Vec<&str> = members.lines().collect();
    assert_eq!(lines[0], "household_id,age,disabled");
    let list = temp("members.parquet");
    write_parquet(&list, &lines, &[Kind::Text, Kind::Int, Kind::Bool], 500);
    let list = format!("members={}", path(&list));
    let population = temp("households.parquet");
    assert_eq!(
        report(scheme, path(&population), &["--list", &list]),
        expected
    );
}

/// The first rows of a 2023 population, the first of them `row`.
fn population_starting(row: &str) -> Vec<String> {
    vec![
        synth_header(),
        "P1,true,,,,false,,,,,".to_string(),
        row.to_string(),
        "P3,true,,,,false,senior,2022-06-01,,,2023-09-01".to_string(),
    ]
}

fn synth_header() -> String {
    "person_id,member_card,voc_level,voc_issuer,voc_issued,voc_boosted_before,sw_level,sw_approved,contest_year,contest_rank,applied_on".to_string()
}

#[test]
fn a_column_of_the_wrong_type_is_a_located_row_error() {
    // `voc_level` stored as dates: each such cell is refused as an integer,
    // the row located by its row group and row, as CSV locates its line.
    let lines = population_starting("P2,true,2023-01-02,beijing_center,2022-03-01,false,,,,,");
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut kinds = KINDS;
    kinds[2] = Kind::Date;
    let parquet = temp("wrong-type.parquet");
    write_parquet(&parquet, &lines, &kinds, 1);
    let args = ["simulate", POLICY, "--population", path(&parquet)];
    let o = fails(
        &args,
        1,
        "wrong-type.parquet: row 2 (row group 1, its row 1): column `voc_level`: value `2023-01-02`: expected",
    );
    // The same row as CSV: the same error, on the line the row is on.
    let csv = temp("wrong-type.csv");
    std::fs::write(&csv, lines.join("\n")).unwrap();
    let from_csv = fails(
        &["simulate", POLICY, "--population", path(&csv)],
        1,
        "wrong-type.csv:3: column `voc_level`: value `2023-01-02`: expected",
    );
    let message = |o: &std::process::Output| {
        let e = stderr(o);
        e.lines()
            .next()
            .unwrap()
            .split(": column")
            .nth(1)
            .unwrap()
            .to_string()
    };
    assert_eq!(message(&o), message(&from_csv));
    // Skipped, it is counted as CSV counts it.
    let skipped = report(POLICY, path(&parquet), &["--on-bad-row", "skip"]);
    assert_eq!(skipped["skipped_rows"], 1, "{skipped}");
    assert_eq!(
        skipped["skipped"][0]
            .as_str()
            .unwrap()
            .split(": column")
            .next()
            .unwrap(),
        format!("{}: row 2 (row group 1, its row 1)", path(&parquet))
    );
}

#[test]
fn a_missing_column_is_named() {
    let lines = population_starting("P2,true,,,,false,,,,,");
    let cut: Vec<String> = lines
        .iter()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect();
    let cut: Vec<&str> = cut.iter().map(String::as_str).collect();
    let parquet = temp("missing.parquet");
    write_parquet(&parquet, &cut, &KINDS[..10], 100);
    fails(
        &["simulate", POLICY, "--population", path(&parquet)],
        1,
        "the header has no column `applied_on`",
    );
}

#[test]
fn a_damaged_file_is_an_error_not_a_panic() {
    let parquet = synth("whole.parquet", 20_000, &["--format", "parquet"]);
    let bytes = std::fs::read(&parquet).unwrap();
    let cut = temp("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    fails(
        &["simulate", POLICY, "--population", path(&cut)],
        1,
        "cannot read the file as Parquet",
    );
    let not = temp("not.parquet");
    std::fs::write(&not, "person_id,member_card\n").unwrap();
    fails(
        &["simulate", POLICY, "--population", path(&not)],
        1,
        "cannot read the file as Parquet",
    );
    // Bytes of the data changed here and there: whatever the decoder makes
    // of them, the run ends with an answer, never a panic.
    for (seed, threads) in [(1u64, "1"), (2, "4"), (3, "1"), (4, "4")] {
        let file = temp(&format!("damaged-{seed}.parquet"));
        std::fs::write(&file, damaged(&bytes, seed, 5, bytes.len() - 8)).unwrap();
        let o = without_panic(&file, threads, &[]);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    }
}

/// The 2023 population `name` in `parts` CSV parts and as Parquet parts,
/// in folders of their own; returns the whole CSV and the two folders.
fn in_parts(name: &str, rows: u64, parts: usize) -> (PathBuf, PathBuf, PathBuf) {
    let whole = synth(&format!("{name}.csv"), rows, &[]);
    let text = std::fs::read_to_string(&whole).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (header, body) = lines.split_first().unwrap();
    let csv_dir = temp(&format!("{name}-csv"));
    let parquet_dir = temp(&format!("{name}-parquet"));
    for dir in [&csv_dir, &parquet_dir] {
        std::fs::create_dir_all(dir).unwrap();
    }
    for (i, chunk) in body.chunks(body.len().div_ceil(parts)).enumerate() {
        let mut part = vec![*header];
        part.extend_from_slice(chunk);
        let csv = csv_dir.join(format!("part-{i:05}.csv"));
        std::fs::write(&csv, part.join("\n") + "\n").unwrap();
        write_parquet(
            &parquet_dir.join(format!("part-{i:05}.parquet")),
            &part,
            &KINDS,
            1500,
        );
    }
    (whole, csv_dir, parquet_dir)
}

#[test]
fn parts_read_by_a_pattern_give_the_report_of_the_whole() {
    let (whole, csv_dir, parquet_dir) = in_parts("split", 12_000, 4);
    let expected = report(POLICY, path(&whole), &[]);
    for threads in ["1", "2"] {
        let extra = ["--threads", threads];
        let csv = format!("{}/part-*.csv", path(&csv_dir));
        assert_eq!(report(POLICY, &csv, &extra), expected, "{csv}");
        let parquet = format!("{}/part-*.parquet", path(&parquet_dir));
        assert_eq!(report(POLICY, &parquet, &extra), expected, "{parquet}");
    }
}

#[test]
fn a_pattern_names_what_is_wrong_with_its_parts() {
    let (_, csv_dir, parquet_dir) = in_parts("wrong", 300, 3);
    let dir = path(&csv_dir);
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            &format!("{dir}/nothing-*.csv"),
        ],
        3,
        &format!("`--population {dir}/nothing-*.csv`: the pattern matches no file"),
    );
    // A part is an input: no output may overwrite it.
    let first = csv_dir.join("part-00000.csv");
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            &format!("{dir}/part-*.csv"),
            "--format",
            "csv",
            "-o",
            path(&first),
        ],
        2,
        &format!("would overwrite an input, `{}`", path(&first)),
    );
    // An empty part stops the run, naming it.
    let empty = csv_dir.join("part-00002.csv");
    let whole_part = std::fs::read(&empty).unwrap();
    std::fs::write(&empty, "").unwrap();
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            &format!("{dir}/part-*.csv"),
        ],
        1,
        &format!("{}:1: the file is empty", path(&empty)),
    );
    std::fs::write(&empty, whole_part).unwrap();
    // A person in two parts is a row error of the second, located there.
    let second = csv_dir.join("part-00001.csv");
    let text = std::fs::read_to_string(&second).unwrap();
    let repeated = text.replacen("P00000100,", "P00000003,", 1);
    assert_ne!(repeated, text);
    std::fs::write(&second, repeated).unwrap();
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            &format!("{dir}/part-*.csv"),
        ],
        1,
        &format!(
            "{}:2: column `person_id`: value `P00000003`: an earlier row has the same identifier",
            path(&second)
        ),
    );
    // A part whose header differs from the first's stops the run.
    let third = parquet_dir.join("part-00002.parquet");
    let text = std::fs::read_to_string(temp("wrong.csv")).unwrap();
    let lines: Vec<&str> = text.lines().take(3).collect();
    let mut kinds = KINDS.to_vec();
    kinds.pop();
    let cut: Vec<String> = lines
        .iter()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect();
    let cut: Vec<&str> = cut.iter().map(String::as_str).collect();
    write_parquet(&third, &cut, &kinds, 10);
    fails(
        &[
            "simulate",
            POLICY,
            "--population",
            &format!("{}/part-*.parquet", path(&parquet_dir)),
        ],
        1,
        &format!(
            "{}:1: the header differs from the first part's",
            path(&third)
        ),
    );
}
