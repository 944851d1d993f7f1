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

use common::stderr;

const POLICY: &str = "policies/beijing/2023-career-boost.bursar";
const DRAFT: &str = "policies/beijing/2024-career-boost-draft.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";

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
        vec!["compare", POLICY, DRAFT, "--population", SAMPLE],
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
