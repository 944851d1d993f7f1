//! Policy test cases, one file each: add a case by adding a file.
//!
//! - `tests/cases/check/*.bursar`: one mistake per file. The second line says
//!   `// expect: bursar::<code>`; the test asserts that code is reported and
//!   snapshots the source with the rendered diagnostics.
//! - `tests/cases/ok/*.bursar` and `policies/**/*.bursar`: must check with
//!   no error.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use bursar_compiler::{compile, SourceFile};
use common::{assert_has_code, expected_code, snapshot_text};

fn compile_path(path: &std::path::Path) -> (String, bursar_compiler::Compiled) {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let compiled = compile(&SourceFile::new(name, text.clone()));
    (text, compiled)
}

#[test]
fn check_cases() {
    insta::glob!("../../tests/cases/check", "*.bursar", |path| {
        let (text, compiled) = compile_path(path);
        assert_has_code(path, &compiled, &expected_code(path, &text));
        insta::assert_snapshot!(snapshot_text(&text, &compiled.diagnostics));
    });
}

#[test]
fn valid_policies_have_no_errors() {
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir("../tests/cases/ok")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.push("../policies/beijing/2023-career-boost.bursar".into());
    for path in paths {
        let (_, compiled) = compile_path(&path);
        let rendered: Vec<String> = compiled
            .diagnostics
            .iter()
            .map(|d| d.render(false))
            .collect();
        assert!(
            compiled.diagnostics.is_empty(),
            "{}:\n{}",
            path.display(),
            rendered.join("\n")
        );
        assert!(compiled.scheme.is_some());
    }
}

/// A file with a syntax error in four declarations: every one is reported,
/// each at its own line, and names and types are not checked until the
/// text reads (a half-read file would only add false alarms).
#[test]
fn every_syntax_error_is_reported() {
    let text = "scheme s {
  title \"测试\"
  currency CNY
}
enum Issuer { center， other }
applicant {
  level int?
  issuer Issuer?
}
table standard { level1 = 2000 元  level2 == 1000 元 }
require level is present
category a {
  when level in 1..=2 )
  pay standard.level1
}
category b {
  when issuer == center
  pay 'x'
}
award { limit 1 per period }
";
    let compiled = compile(&SourceFile::new("four-mistakes.bursar", text));
    let lines: Vec<usize> = compiled
        .diagnostics
        .iter()
        .map(|d| d.source.line_col(d.offset()).0)
        .collect();
    assert_eq!(lines, [5, 10, 13, 18]);
    insta::assert_snapshot!(snapshot_text(text, &compiled.diagnostics));
}
