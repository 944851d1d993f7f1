//! Inheritance cases: each `tests/cases/inherit/*.bursar` file except the
//! parent is compiled with a loader reading that folder. Its first line says
//! `// expect: ok` or `// expect: bursar::<code>`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{assert_has_code, expected_code, snapshot_text, Folder};

use std::path::Path;

use bursar_compiler::{compile_with, Loader, SourceFile};

fn compile(path: &Path) -> (String, bursar_compiler::Compiled) {
    let text = std::fs::read_to_string(path).unwrap();
    let name = format!(
        "tests/cases/inherit/{}",
        path.file_name().unwrap().to_string_lossy()
    );
    // The loader resolves against the real folder; names stay portable.
    struct Portable;
    impl Loader for Portable {
        fn load(&self, from: &str, path: &str) -> Result<(String, String), String> {
            let (name, text) = Folder.load(&format!("../{from}"), path)?;
            Ok((name.trim_start_matches("../").to_string(), text))
        }
    }
    (
        text.clone(),
        compile_with(&SourceFile::new(name, text), &Portable),
    )
}

#[test]
fn inheritance_cases() {
    insta::glob!("../../tests/cases/inherit", "*.bursar", |path| {
        if path.file_name().unwrap() == "parent.bursar" {
            return;
        }
        let (text, compiled) = compile(path);
        let expected = expected_code(path, &text);
        if expected == "ok" {
            let codes: Vec<&str> = compiled
                .diagnostics
                .iter()
                .map(|d| d.code.as_str())
                .collect();
            assert!(!compiled.has_errors(), "{}: {codes:?}", path.display());
            assert!(compiled.scheme.is_some());
            return;
        }
        assert_has_code(path, &compiled, &expected);
        insta::assert_snapshot!(snapshot_text(&text, &compiled.diagnostics));
    });
}

#[test]
fn a_chain_is_one_self_contained_scheme() {
    let (_, compiled) = compile(Path::new("../tests/cases/inherit/ok-chain.bursar"));
    let scheme = compiled.scheme.unwrap();
    assert_eq!(scheme.id, "test_scheme_next");
    let standard = &scheme.tables[0];
    let amount = |name: &str| {
        standard
            .rows
            .iter()
            .find(|r| r.name == name)
            .unwrap()
            .amount
            .clone()
    };
    assert_eq!(
        amount("level1"),
        bursar_runtime::ir::RowAmount::Money("2000".parse().unwrap())
    );
    assert_eq!(
        amount("level2"),
        bursar_runtime::ir::RowAmount::Money("1500".parse().unwrap())
    );
    assert_eq!(scheme.categories.len(), 2);
}

#[test]
fn the_2024_draft_compiles_from_the_2023_scheme() {
    let path = "../policies/beijing/2024-career-boost-draft.bursar";
    let text = std::fs::read_to_string(path).unwrap();
    let compiled = compile_with(&SourceFile::new(path, text), &Folder);
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        compiled
            .diagnostics
            .iter()
            .map(|d| d.render(false))
            .collect::<Vec<_>>()
    );
    insta::assert_json_snapshot!("ir_2024_draft", compiled.scheme.unwrap());
}
