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
