//! Helpers shared by the compiler's tests.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // each test file uses a part

use std::path::Path;

use bursar_compiler::Loader;

/// Reads the policies a policy extends from the file system, relative to
/// the file that names them (as the CLI does).
pub struct Folder;

impl Loader for Folder {
    fn load(&self, from: &str, path: &str) -> Result<(String, String), String> {
        let full = Path::new(from).parent().unwrap().join(path);
        let text =
            std::fs::read_to_string(&full).map_err(|e| format!("{}: {e}", full.display()))?;
        Ok((full.display().to_string(), text))
    }
}

/// A case's snapshot: the source, then every rendered diagnostic, so a
/// reviewer reads one file.
pub fn snapshot_text(source: &str, diagnostics: &[bursar_compiler::Diagnostic]) -> String {
    let mut out = String::from("----- SOURCE\n");
    out.push_str(source);
    out.push_str("----- DIAGNOSTICS\n");
    for d in diagnostics {
        out.push_str(&d.render(false));
    }
    out
}

/// Asserts that a case's diagnostics include the code it expects.
pub fn assert_has_code(path: &Path, compiled: &bursar_compiler::Compiled, expected: &str) {
    let codes: Vec<&str> = compiled
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert!(
        codes.contains(&expected),
        "{}: expected {expected}, got {codes:?}",
        path.display()
    );
}

/// The diagnostic code a case file expects, from its `// expect: …` line.
pub fn expected_code(path: &Path, text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("// expect: "))
        .unwrap_or_else(|| panic!("{} has no `// expect:` line", path.display()))
        .trim()
        .to_string()
}
