//! Files to schemes: a bundle read and checked whole, or a policy compiled
//! with the policies it extends. Files are read bounded, as the CLI reads
//! them (its `src/load/`), so a device or a huge file cannot take all memory.

use std::io::Read;
use std::path::Path;

use bursar_compiler::{compile_with, Loader, SourceFile};
use bursar_runtime::Bundle;
use pyo3::prelude::*;

use crate::errors::bundle_error;

/// The largest policy read (as the CLI's `MAX_FILE_BYTES`).
const MAX_POLICY_BYTES: u64 = 16 << 20;
/// The largest bundle read (as the CLI's `MAX_BUNDLE_BYTES`).
const MAX_BUNDLE_BYTES: u64 = 128 << 20;

/// Reads a regular file whole, up to `limit` bytes.
fn read(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other(format!(
            "`{}` is not a regular file",
            path.display()
        )));
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "`{}` is larger than {limit} bytes, the most read",
            path.display()
        )));
    }
    Ok(bytes)
}

fn text(path: &Path, limit: u64) -> std::io::Result<String> {
    String::from_utf8(read(path, limit)?)
        .map_err(|e| std::io::Error::other(format!("`{}` is not UTF-8 text: {e}", path.display())))
}

/// A bundle file, checked whole.
pub(crate) fn bundle_file(path: &Path) -> PyResult<Bundle> {
    let bytes = read(path, MAX_BUNDLE_BYTES)?;
    Bundle::from_slice(&bytes).map_err(|e| {
        Python::attach(|py| bundle_error(py, vec![format!("`{}`: {e}", path.display())]))
    })
}

/// A policy compiled into a bundle; its errors, each rendered as
/// `bursar check` prints it, in one `BundleError`.
pub(crate) fn policy_file(path: &Path) -> PyResult<Bundle> {
    let source = SourceFile::new(path.display().to_string(), text(path, MAX_POLICY_BYTES)?);
    let compiled = compile_with(&source, &FsLoader);
    match compiled.scheme {
        Some(scheme) => Ok(bursar_compiler::bundle(scheme)),
        None => {
            let problems = compiled
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.render(false))
                .collect();
            Err(Python::attach(|py| bundle_error(py, problems)))
        }
    }
}

/// A bundle, or a `.bursar` policy compiled, by the file's extension.
pub(crate) fn scheme_file(path: &Path) -> PyResult<Bundle> {
    if path.extension().is_some_and(|e| e == "bursar") {
        policy_file(path)
    } else {
        bundle_file(path)
    }
}

/// The policies a policy extends, relative to the folder of the file that
/// names them (as the CLI's `FsLoader`).
struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, from: &str, path: &str) -> Result<(String, String), String> {
        let full = Path::new(from).parent().unwrap_or(Path::new("")).join(path);
        let text = text(&full, MAX_POLICY_BYTES).map_err(|e| format!("{}: {e}", full.display()))?;
        Ok((full.display().to_string(), text))
    }

    fn key(&self, name: &str) -> String {
        std::fs::canonicalize(name).map_or_else(|_| name.to_string(), |p| p.display().to_string())
    }
}
