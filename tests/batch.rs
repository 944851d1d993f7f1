//! `eval --applicants FILE.jsonl` (issue #16, section 5): a stream of
//! applicants decided line by line, each answer exactly what `eval
//! --format json` gives for the same applicant.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use std::io::Read;
use std::process::Stdio;

use common::{bursar, fails, stderr, stdout, temp};

const POLICY: &str = "policies/beijing/2023-career-boost.bursar";

const PAID: &str = r#"{"person_id": "W1", "member_card": true, "contest_year": 2022, "contest_rank": 1, "voc_boosted_before": false, "applied_on": "2023-06-01"}"#;
const NOT_A_MEMBER: &str =
    r#"{"person_id": "W2", "member_card": false, "voc_boosted_before": false}"#;
const WRONG: &str = r#"{"person_id": "W3", "member_card": "yes", "voc_levle": 1}"#;

/// What `eval` says of one applicant, as JSON.
fn one(command: &str, applicant: &str) -> serde_json::Value {
    let path = temp(&format!("one-{}.json", applicant.len()));
    std::fs::write(&path, applicant).unwrap();
    let o = bursar(&[
        command,
        POLICY,
        "--applicant",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn lines(o: &std::process::Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn every_line_is_decided_as_eval_decides_it_and_bad_lines_say_why() {
    let path = temp("applicants.jsonl");
    std::fs::write(
        &path,
        format!("{PAID}\n{WRONG}\n\n{{not json\r\n{NOT_A_MEMBER}"),
    )
    .unwrap();
    let o = bursar(&["eval", POLICY, "--applicants", path.to_str().unwrap()]);
    // Two lines could not be decided: the exit code says so.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = lines(&o);
    // The blank line has no answer; every other line has one, in order.
    assert_eq!(out.len(), 4, "{}", stdout(&o));
    assert_eq!(out[0], one("eval", PAID));
    assert_eq!(out[0]["outcome"], "paid");
    assert_eq!(out[1]["line"], 2);
    let pointers: Vec<&str> = out[1]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert!(pointers.contains(&"/member_card"), "{pointers:?}");
    // A wrong value is not also reported missing.
    assert_eq!(
        pointers.iter().filter(|p| **p == "/member_card").count(),
        1,
        "{pointers:?}"
    );
    assert!(pointers.contains(&"/voc_levle"), "{pointers:?}");
    assert_eq!(out[2]["line"], 4);
    assert!(out[2]["errors"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("not JSON"));
    assert_eq!(out[3], one("eval", NOT_A_MEMBER));
}

#[test]
fn explain_streams_explanations_and_reads_standard_input() {
    let child = assert_cmd::Command::cargo_bin("bursar")
        .unwrap()
        .args(["explain", POLICY, "--applicants", "-"])
        .write_stdin(format!("{PAID}\n{NOT_A_MEMBER}\n"))
        .output()
        .unwrap();
    assert_eq!(child.status.code(), Some(0), "{}", stderr(&child));
    let out = lines(&child);
    assert_eq!(
        out,
        vec![one("explain", PAID), one("explain", NOT_A_MEMBER)]
    );
}

#[test]
fn a_line_too_long_is_an_error_line_and_the_stream_goes_on() {
    let path = temp("long.jsonl");
    let long = format!("{{\"person_id\": \"{}\"}}", "x".repeat(2 << 20));
    std::fs::write(&path, format!("{long}\n{PAID}\n")).unwrap();
    let o = bursar(&["eval", POLICY, "--applicants", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = lines(&o);
    assert_eq!(out.len(), 2);
    assert!(out[0]["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("longer than"));
    assert_eq!(out[1]["outcome"], "paid");
}

#[test]
fn text_output_and_a_second_input_are_refused() {
    let path = temp("refused.jsonl");
    std::fs::write(&path, format!("{PAID}\n")).unwrap();
    let p = path.to_str().unwrap();
    fails(
        &["eval", POLICY, "--applicants", p, "--format", "text"],
        2,
        "one JSON decision per line",
    );
    fails(
        &["eval", POLICY, "--applicants", p, "--applicant", p],
        2,
        "cannot be used with",
    );
    // `--format json` is what it writes anyway.
    let o = bursar(&["eval", POLICY, "--applicants", p, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_reader_that_stops_early_ends_the_stream_quietly() {
    // 20,000 applicants; the reader takes one line and closes the pipe.
    let path = temp("many.jsonl");
    std::fs::write(&path, format!("{PAID}\n").repeat(20_000)).unwrap();
    let exe = assert_cmd::cargo::cargo_bin("bursar");
    let mut child = std::process::Command::new(exe)
        .args(["eval", POLICY, "--applicants", path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}
