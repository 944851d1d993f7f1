//! End-to-end tests of what the `bursar` command does with hostile inputs
//! and outputs: a full disk, a closed pipe, oversized or odd files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{stderr, temp};

const POLICY: &str = "policies/beijing/2023-career-boost.bursar";
const DRAFT: &str = "policies/beijing/2024-career-boost-draft.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";
const RAISE: &str = "policies/beijing/scenarios/raise-level1.toml";

/// Every command that writes to standard output, with arguments that make
/// it write something.
fn writers() -> Vec<Vec<&'static str>> {
    vec![
        vec!["eval", POLICY, "--csv", SAMPLE, "--row", "1"],
        vec!["explain", POLICY, "--csv", SAMPLE, "--row", "1"],
        vec!["ir", POLICY],
        vec!["doc", POLICY],
        vec!["check", "--format", "json", POLICY],
        vec!["simulate", POLICY, "--population", SAMPLE],
        // Not the draft: on the 2023 sample it warns on stderr (its period
        // is 2024's), and these tests hold stderr to the write error alone.
        vec!["compare", POLICY, RAISE, "--population", SAMPLE],
        vec!["diff", POLICY, DRAFT],
        vec!["test", "policies/beijing/2023-career-boost.tests.toml"],
        vec!["synth", "--rows", "50"],
    ]
}

/// Waits for a child for at most a minute, so that a regression that hangs
/// fails instead.
fn finish(mut child: Child, what: &str) -> Output {
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("{what}: still running after a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn bursar_cmd(args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("bursar"));
    cmd.args(args).stdin(Stdio::null()).stderr(Stdio::piped());
    cmd
}

#[test]
fn a_full_disk_is_an_output_error_with_exit_3() {
    for args in writers() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let child = bursar_cmd(&args).stdout(full).spawn().unwrap();
        let o = finish(child, &args.join(" "));
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).starts_with("error: cannot write output: "),
            "{args:?}: {}",
            stderr(&o)
        );
        assert_eq!(stderr(&o).lines().count(), 1, "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_commands_own_exit_code() {
    for args in writers() {
        let expected = common::bursar(&args).status.code();
        let mut child = bursar_cmd(&args).stdout(Stdio::piped()).spawn().unwrap();
        // The reader goes away before anything is written.
        drop(child.stdout.take());
        let o = finish(child, &args.join(" "));
        assert_eq!(o.status.code(), expected, "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

#[test]
fn a_closed_stderr_ends_quietly_with_the_commands_own_exit_code() {
    // `bursar check … 2>&1 | head -1`: diagnostics go to stderr.
    for (args, code) in [
        (
            vec!["check", "tests/cases/check/typo-in-field-name.bursar"],
            1,
        ),
        (
            vec!["simulate", "nonexistent.bursar", "--population", "x.csv"],
            3,
        ),
    ] {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("bursar"))
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stderr.take());
        let o = finish(child, &args.join(" "));
        assert_eq!(o.status.code(), Some(code), "{args:?}");
    }
}

#[test]
fn thread_counts_above_the_maximum_are_usage_errors() {
    for command in [
        vec!["simulate", POLICY, "--population", SAMPLE],
        vec!["compare", POLICY, POLICY, "--population", SAMPLE],
    ] {
        let args = [command.as_slice(), &["--threads", "1000000"]].concat();
        let child = bursar_cmd(&args).stdout(Stdio::null()).spawn().unwrap();
        let o = finish(child, "--threads 1000000");
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("at most 256 threads"), "{}", stderr(&o));
        let args = [command.as_slice(), &["--threads", "256"]].concat();
        assert_eq!(common::bursar(&args).status.code(), Some(0));
    }
}

#[test]
fn a_seed_without_a_scenario_is_a_usage_error() {
    let o = common::fails(
        &["simulate", POLICY, "--population", SAMPLE, "--seed", "7"],
        2,
        "`--seed`",
    );
    assert_eq!(common::stdout(&o), "");
    // With a scenario it is taken.
    let args = [
        "simulate",
        POLICY,
        "--population",
        SAMPLE,
        "--scenario",
        "take-up",
        "--seed",
        "7",
    ];
    assert_eq!(common::bursar(&args).status.code(), Some(0));
}

#[test]
fn compile_refuses_to_write_over_its_own_source() {
    let dir = temp("own-source");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let policy = dir.join("p.bursar");
    let text = std::fs::read_to_string(POLICY).unwrap();
    std::fs::write(&policy, &text).unwrap();
    let spelt = dir.join("sub/../p.bursar");
    for output in [&policy, &spelt] {
        common::fails(
            &[
                "compile",
                policy.to_str().unwrap(),
                "-o",
                output.to_str().unwrap(),
            ],
            2,
            "its own source",
        );
        assert_eq!(std::fs::read_to_string(&policy).unwrap(), text);
    }
    common::fails(
        &[
            "compile",
            policy.to_str().unwrap(),
            "-o",
            dir.join("b.json").to_str().unwrap(),
            "--input-schema",
            policy.to_str().unwrap(),
        ],
        2,
        "its own source",
    );
    assert_eq!(std::fs::read_to_string(&policy).unwrap(), text);
    // `doc -o` writes a file too.
    common::fails(
        &[
            "doc",
            policy.to_str().unwrap(),
            "-o",
            spelt.to_str().unwrap(),
        ],
        2,
        "its own source",
    );
    assert_eq!(std::fs::read_to_string(&policy).unwrap(), text);
}

#[test]
fn cells_echoed_in_errors_are_cut_and_escaped() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let mut lines: Vec<String> = sample.lines().map(str::to_string).collect();
    // A bad cell that is long and carries a terminal escape sequence.
    let evil = format!("\u{1b}[2J\u{7}{}", "x".repeat(500));
    let header: Vec<&str> = lines[0].split(',').collect();
    let column = header.iter().position(|h| *h == "voc_issuer").unwrap();
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    cells[column] = evil;
    lines[1] = cells.join(",");
    let path = temp("evil.csv");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let o = common::fails(
        &["simulate", POLICY, "--population", path.to_str().unwrap()],
        1,
        "value `\\u{1b}[2J\\u{7}xxx",
    );
    let err = stderr(&o);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err}");
    assert!(err.contains("x…`"), "{err}");
    assert!(!err.contains(&"x".repeat(100)), "{err}");
    // And a key of an applicant given as JSON (its values are echoed as
    // JSON, escaped already).
    let applicant = temp("evil.json");
    std::fs::write(
        &applicant,
        r#"{"person_id": "E01", "\u001b]0;pwned\u0007": 1}"#,
    )
    .unwrap();
    let o = common::fails(
        &["eval", POLICY, "--applicant", applicant.to_str().unwrap()],
        1,
        "\\u{1b}]0;pwned\\u{7}",
    );
    assert!(!stderr(&o).contains('\u{1b}'), "{}", stderr(&o));
}

/// The sample with one line changed.
fn sample_with(line: usize, edit: impl Fn(&str) -> String, name: &str) -> std::path::PathBuf {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let lines: Vec<String> = sample
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line {
                edit(l)
            } else {
                l.to_string()
            }
        })
        .collect();
    let path = temp(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn report(args: &[&str]) -> (Output, serde_json::Value) {
    let child = bursar_cmd(args).stdout(Stdio::piped()).spawn().unwrap();
    let o = finish(child, &args.join(" "));
    let json = serde_json::from_slice(&o.stdout).unwrap_or_default();
    (o, json)
}

#[test]
fn a_stray_quote_skips_its_line_and_no_more() {
    let path = sample_with(4, |l| format!("\"{l}"), "stray-quote.csv");
    let (o, json) = report(&[
        "simulate",
        POLICY,
        "--population",
        path.to_str().unwrap(),
        "--on-bad-row",
        "skip",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json["rows"], 24, "{json}");
    assert_eq!(json["skipped_rows"], 1, "{json}");
    let skipped = json["skipped"].to_string();
    assert!(skipped.contains("stray-quote.csv:4:"), "{skipped}");
    // Without skip, the run stops at the line where the quote opened.
    common::fails(
        &["simulate", POLICY, "--population", path.to_str().unwrap()],
        1,
        "stray-quote.csv:4: a quoted field",
    );
}

#[test]
fn a_record_longer_than_the_limit_is_refused_naming_its_line() {
    let path = sample_with(3, |l| format!("{l}{}", ",".repeat(2 << 20)), "commas.csv");
    let args = ["simulate", POLICY, "--population", path.to_str().unwrap()];
    let (o, _) = report(&[&args[..], &["--on-bad-row", "skip"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("commas.csv:3: the row is longer than 1048576 bytes"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--max-record-bytes"), "{}", stderr(&o));
    // With a higher limit it is read, and is a row of too many fields.
    let (o, _) = report(&[&args[..], &["--max-record-bytes", "4194304"]].concat());
    assert!(
        stderr(&o).contains("commas.csv:3: the row has"),
        "{}",
        stderr(&o)
    );
    // An endless file of zeros is refused too, in bounded memory.
    for command in [
        vec!["simulate", POLICY, "--population", "/dev/zero"],
        vec!["eval", POLICY, "--csv", "/dev/zero", "--row", "1"],
    ] {
        let (o, _) = report(&command);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("/dev/zero:1: the row is longer"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn a_bad_row_read_from_a_pipe_is_reported_on_its_line() {
    let bad = sample_with(10, |l| l.replacen(",false,", ",maybe,", 1), "bad-10.csv");
    // From standard input.
    let o = simulate_from_stdin(std::fs::read(&bad).unwrap(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("/dev/stdin:10: column `member_card`"),
        "{}",
        stderr(&o)
    );
    // From a named pipe, which cannot be read twice.
    let fifo = temp("population.fifo");
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let data = std::fs::read(&bad).unwrap();
    let to = fifo.clone();
    // Detached: if bursar never opens the pipe, the test still ends.
    std::thread::spawn(move || {
        if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&to) {
            let _ = std::io::Write::write_all(&mut f, &data);
        }
    });
    let child = bursar_cmd(&["simulate", POLICY, "--population", fifo.to_str().unwrap()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let o = finish(child, "simulate from a FIFO");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("population.fifo:10: column `member_card`"),
        "{}",
        stderr(&o)
    );
}

/// Runs `simulate` on `data` given on standard input: a pipe, which
/// cannot be read again.
fn simulate_from_stdin(data: Vec<u8>, extra: &[&str]) -> Output {
    let mut args = vec!["simulate", POLICY, "--population", "/dev/stdin"];
    args.extend_from_slice(extra);
    let mut child = bursar_cmd(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = std::io::Write::write_all(&mut input, &data);
    });
    let o = finish(child, "simulate from /dev/stdin");
    writer.join().unwrap();
    o
}

/// Read from a pipe, identifiers out of order are checked as a file's are
/// (their copy, on disk, read again at the end): a repeat stops the run on
/// its line, unless a bad row comes before it, and its figures are those of
/// the same rows read from a file.
#[test]
fn a_repeat_read_from_a_pipe_out_of_order_is_found_on_its_line() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let mut lines: Vec<String> = sample.lines().map(str::to_string).collect();
    // Out of order from the start: E02 before E01.
    lines.swap(1, 2);
    let rows: Vec<String> = lines.iter().skip(1).cloned().collect();
    let mut twice = lines.clone();
    twice.extend(rows.iter().cloned());
    let text = |all: &[String]| (all.join("\n") + "\n").into_bytes();
    let o = simulate_from_stdin(text(&twice), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("/dev/stdin:26: column `person_id`: value `E02`: an earlier row has the same identifier"),
        "{}",
        stderr(&o)
    );
    // A bad cell before the repeat is the first bad row.
    let mut bad = twice.clone();
    bad[9] = bad[9].replacen(",false,", ",maybe,", 1);
    let o = simulate_from_stdin(text(&bad), &[]);
    assert!(
        stderr(&o).contains("/dev/stdin:10: column `member_card`"),
        "{}",
        stderr(&o)
    );
    // Without a repeat, the figures of the same rows from a file.
    let file = temp("out-of-order.csv");
    std::fs::write(&file, text(&lines)).unwrap();
    let o = simulate_from_stdin(text(&lines), &["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (_, from_file) = report(&[
        "simulate",
        POLICY,
        "--population",
        file.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let piped: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(piped["total"], from_file["total"]);
    assert_eq!(piped["paid"], from_file["paid"]);
    assert_eq!(piped["rows"], 24);
}

/// Skipping bad rows from a pipe, a sample in order and then its rows
/// again (the rest of the pipe copied to a temporary file at the first out
/// of order, and read on from there): each repeat is skipped as it is
/// read, as from the file, and so is a bad row after a blank line, on the
/// same line; a line too long after the break stops the run on its line.
#[test]
fn repeats_skipped_from_a_pipe_are_those_skipped_from_the_file() {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let lines: Vec<String> = sample.lines().map(str::to_string).collect();
    let mut twice = lines.clone();
    twice.extend(lines.iter().skip(1).step_by(3).cloned());
    twice.push(String::new());
    twice.push("Z9,maybe,1,beijing_center,2021-01-01,false,,,,,2023-04-10".to_string());
    twice.push("Z8,true,1,beijing_center,2021-01-01,false,,,,,2023-04-10".to_string());
    let text = (twice.join("\n") + "\n").into_bytes();
    let file = temp("in-order-then-again.csv");
    std::fs::write(&file, &text).unwrap();
    let skip = ["--on-bad-row", "skip", "--format", "json"];
    let o = simulate_from_stdin(text, &skip);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let piped: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let (_, from_file) = report(
        &[
            &["simulate", POLICY, "--population", file.to_str().unwrap()],
            &skip[..],
        ]
        .concat(),
    );
    assert_eq!(piped["skipped_rows"], 9, "{piped}");
    assert!(piped["skipped"].to_string().contains("maybe"), "{piped}");
    for key in ["rows", "skipped_rows", "skipped", "total", "paid"] {
        let piped = piped[key].to_string().replace("/dev/stdin", "FILE");
        let from_file = from_file[key]
            .to_string()
            .replace(file.to_str().unwrap(), "FILE");
        assert_eq!(piped, from_file, "{key}");
    }
    // A line too long, after the first out of order.
    let mut long = twice.clone();
    long.insert(long.len() - 1, format!("Z7,{}", "x".repeat(300)));
    let text = (long.join("\n") + "\n").into_bytes();
    std::fs::write(&file, &text).unwrap();
    let limit = [&skip[..], &["--max-record-bytes", "200"]].concat();
    let piped = simulate_from_stdin(text, &limit);
    let args = [
        &["simulate", POLICY, "--population", file.to_str().unwrap()],
        &limit[..],
    ]
    .concat();
    let from_file = bursar_cmd(&args).output().unwrap();
    assert_eq!(piped.status.code(), Some(1), "{}", stderr(&piped));
    assert_eq!(from_file.status.code(), piped.status.code());
    let line = long.len() - 1;
    let said = stderr(&piped);
    assert!(
        said.contains(&format!(
            "/dev/stdin:{line}: the row is longer than 200 bytes"
        )),
        "{said}"
    );
    // The file, read ahead for its identifiers at the first out of order,
    // meets the line there.
    let said = stderr(&from_file);
    assert!(
        said.contains(&format!("line {line} is now longer than 200 bytes")),
        "{said}"
    );
}

/// Runs `bursar check` on a policy, with a time limit.
fn check(policy: &std::path::Path) -> Output {
    let child = bursar_cmd(&["check", policy.to_str().unwrap()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    finish(child, &format!("check {}", policy.display()))
}

#[test]
fn extends_reads_only_regular_files() {
    let dir = temp("extends-special");
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("parent.fifo");
    let _ = std::fs::remove_file(&fifo);
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for parent in [fifo.to_str().unwrap(), "/dev/zero"] {
        let child = dir.join("child.bursar");
        std::fs::write(&child, format!("extends \"{parent}\"\n")).unwrap();
        let o = check(&child);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    }
}

#[test]
fn an_extends_cycle_however_spelt_is_a_cycle() {
    let dir = temp("extends-cycle");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    // Through `..`, and through a link to the folder itself.
    std::fs::write(dir.join("a.bursar"), "extends \"sub/../a.bursar\"\n").unwrap();
    std::os::unix::fs::symlink(".", dir.join("here")).unwrap();
    std::fs::write(dir.join("b.bursar"), "extends \"here/b.bursar\"\n").unwrap();
    for name in ["a.bursar", "b.bursar"] {
        let o = check(&dir.join(name));
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("policies extend each other in a circle"),
            "{err}"
        );
        assert!(!err.contains("too long"), "{err}");
        assert!(err.len() < 4000, "{err}");
    }
}

#[test]
fn files_read_whole_are_bounded() {
    // A policy, and an applicant.
    let o = check(std::path::Path::new("/dev/zero"));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("larger than"), "{}", stderr(&o));
    let child = bursar_cmd(&["eval", POLICY, "--applicant", "/dev/zero"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let o = finish(child, "eval --applicant /dev/zero");
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("larger than"), "{}", stderr(&o));
}

#[test]
fn an_applicant_with_a_key_given_twice_is_refused() {
    let applicant = temp("twice.json");
    std::fs::write(
        &applicant,
        r#"{"person_id": "E01", "member_card": false, "member_card": true, "voc_boosted_before": false}"#,
    )
    .unwrap();
    let o = common::fails(
        &["eval", POLICY, "--applicant", applicant.to_str().unwrap()],
        1,
        "duplicate key `member_card`",
    );
    assert_eq!(common::stdout(&o), "");
}

#[test]
fn the_language_server_refuses_an_oversized_message() {
    for header in [
        "Content-Length: 99999999999\r\n\r\n".to_string(),
        // A header line that never ends.
        "X".repeat(100_000),
    ] {
        let mut child = bursar_cmd(&["lsp"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        // Kept open, as an editor would: the server must not wait for
        // the 100 GB it was promised.
        let _ = std::io::Write::write_all(&mut input, header.as_bytes());
        let o = finish(child, "lsp");
        drop(input);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("larger than"), "{}", stderr(&o));
    }
}

#[test]
fn the_language_server_speaks_over_stdio() {
    let frame = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
    let input = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
        r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#,
        r#"{"jsonrpc":"2.0","method":"exit"}"#,
    ]
    .map(frame)
    .concat();
    let mut child = bursar_cmd(&["lsp"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut stdin, input.as_bytes()).unwrap();
    let o = finish(child, "lsp");
    drop(stdin);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("\"hoverProvider\":true"), "{out}");
    assert!(out.contains("\"id\":2"), "{out}");
}
