//! Helpers shared by the end-to-end tests: run the real binary, read its output.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // each test file uses a part

use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;

/// Runs `bursar` with these arguments.
pub fn bursar(args: &[&str]) -> Output {
    Command::cargo_bin("bursar")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// A path in this test process's own scratch folder.
pub fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bursar-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Runs `bursar`, expecting exit `code` and `message` somewhere in stderr.
pub fn fails(args: &[&str], code: i32, message: &str) -> Output {
    let o = bursar(args);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
    assert!(
        stderr(&o).contains(message),
        "{args:?}: expected `{message}` in:\n{}",
        stderr(&o)
    );
    o
}

/// `bursar simulate POLICY` over `rows` synthetic rows of `policy` (`bursar
/// synth --scheme`, seed 3), with its list file if it has the list `list`:
/// the arguments of that run. The files are named after the policy.
pub fn simulate_synth(policy: &str, list: Option<&str>, rows: u32) -> Vec<String> {
    let name = std::path::Path::new(policy)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let people = temp(&format!("{name}.csv")).to_str().unwrap().to_string();
    let lists: Vec<String> = list
        .map(|l| format!("{l}={}", temp(&format!("{name}-{l}.csv")).display()))
        .into_iter()
        .collect();
    let rows = rows.to_string();
    let mut args = vec![
        "synth", "--scheme", policy, "--rows", &rows, "--seed", "3", "-o", &people,
    ];
    for l in &lists {
        args.extend(["--list", l.as_str()]);
    }
    let o = bursar(&args);
    assert_eq!(o.status.code(), Some(0), "{policy}: {}", stderr(&o));
    let mut run = vec![
        "simulate".to_string(),
        policy.to_string(),
        "--population".to_string(),
        people,
    ];
    for l in lists {
        run.extend(["--list".to_string(), l]);
    }
    run
}
