//! Shared loading: files read whole and bounded, policies compiled,
//! bundles read, and (in the submodules) what-ifs applied and populations
//! run. A leaf: it imports no command, so every command can use it.

pub(crate) mod keys;
pub(crate) mod lines;
pub(crate) mod population;
pub(crate) mod scheme;

use std::path::Path;

use bursar_compiler::{compile_with, Compiled, Loader, SourceFile};
use bursar_runtime::Bundle;

use crate::output;
use crate::Exit;

/// The largest file read whole (a policy, a bundle, a scenario, a map):
/// far more than any of them needs (docs/reliability.md).
pub(crate) const MAX_FILE_BYTES: u64 = 16 << 20;
/// The largest bundle read (docs/reliability.md). A bundle is about 22
/// bytes for each byte of its policy's expressions, so a long policy's
/// bundle can be far larger than the policy; `compile` refuses to write one
/// larger than this, so that whatever it writes is loaded.
pub(crate) const MAX_BUNDLE_BYTES: u64 = 128 << 20;

/// Reads a source to its end, refusing more than `limit` bytes: through
/// `take`, so that `/dev/zero` costs `limit` bytes, not all memory.
pub(crate) fn read_bounded(source: impl std::io::Read, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut source.take(limit.saturating_add(1)), &mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "larger than {limit} bytes, the most read"
        )));
    }
    Ok(bytes)
}

/// Reads a file whole, up to `limit` bytes.
pub(crate) fn read_file(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    read_bounded(std::fs::File::open(path)?, limit)
}

/// Reads a text file whole, up to [`MAX_FILE_BYTES`]; text that is not
/// UTF-8 is refused at its first bad byte (`crate::text`).
fn read_text(path: &Path) -> Result<String, String> {
    let name = path.display().to_string();
    let bytes = read_file(path, MAX_FILE_BYTES).map_err(|e| format!("{name}: {e}"))?;
    crate::text::decode(bytes).map_err(|e| match e.help(&name) {
        Some(help) => format!("{name}: {e}; {help}"),
        None => format!("{name}: {e}"),
    })
}

pub(crate) fn read(path: &Path) -> Result<String, Exit> {
    let bytes = read_file(path, MAX_FILE_BYTES).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        Exit::Io
    })?;
    crate::text::decode(bytes).map_err(|e| {
        let name = path.display().to_string();
        eprintln!("error: cannot read `{name}`: {e}");
        if let Some(help) = e.help(&name) {
            eprintln!("  help: {help}");
        }
        Exit::Io
    })
}

/// Reads a policy that another extends: a regular file only, since a FIFO
/// or a device could block or never end.
pub(crate) fn read_parent(full: &Path) -> Result<String, String> {
    let regular = std::fs::metadata(full).map_err(|e| format!("{}: {e}", full.display()))?;
    if !regular.is_file() {
        return Err(format!("{}: not a regular file", full.display()));
    }
    read_text(full)
}

/// The canonical path of a policy, for finding `extends` cycles however
/// their paths are spelt; the name itself if it has none.
pub(crate) fn canonical_key(name: &str) -> String {
    std::fs::canonicalize(name).map_or_else(|_| name.to_string(), |p| p.display().to_string())
}

/// Reads the policies a policy extends from the file system, relative to
/// the folder of the file that names them.
pub(crate) struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, from: &str, path: &str) -> Result<(String, String), String> {
        let full = Path::new(from).parent().unwrap_or(Path::new("")).join(path);
        let text = read_parent(&full)?;
        Ok((full.display().to_string(), text))
    }

    fn key(&self, name: &str) -> String {
        canonical_key(name)
    }
}

/// Reads and compiles a policy, printing its diagnostics to stderr.
pub(crate) fn compile_file(path: &Path) -> Result<Compiled, Exit> {
    let text = read(path)?;
    let source = SourceFile::new(path.display().to_string(), text);
    let compiled = compile_with(&source, &FsLoader);
    let colour = output::stderr_is_terminal();
    for d in &compiled.diagnostics {
        eprint!("{}", d.render(colour));
    }
    Ok(compiled)
}
pub(crate) fn write(path: &Path, text: &str) -> Result<(), Exit> {
    std::fs::write(path, text).map_err(|e| {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        Exit::Io
    })
}

/// Whether writing `output` would overwrite `source`, however either is
/// spelt (`a/../p.bursar`, a symbolic link). `output` need not exist.
pub(crate) fn same_file(source: &Path, output: &Path) -> bool {
    match (std::fs::canonicalize(source), resolved(output)) {
        (Ok(source), Some(output)) => output == source,
        _ => false,
    }
}

/// Whether two files a run would write are the same file, however spelt,
/// though neither exists yet.
pub(crate) fn same_output(a: &Path, b: &Path) -> bool {
    match (resolved(a), resolved(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The file a path names, links and `.` and `..` resolved: for a file not
/// written yet, its folder resolved and its name.
fn resolved(path: &Path) -> Option<std::path::PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(folder).ok()?.join(path.file_name()?))
}

/// Loads a bundle, or compiles a `.bursar` policy into one.
pub(crate) fn load_scheme(path: &Path) -> Result<Bundle, Exit> {
    if path.extension().is_some_and(|e| e == "bursar") {
        let compiled = compile_file(path)?;
        return compiled
            .scheme
            .map(bursar_compiler::bundle)
            .ok_or(Exit::Failed);
    }
    let bytes = read_file(path, MAX_BUNDLE_BYTES).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        Exit::Io
    })?;
    Bundle::from_slice(&bytes).map_err(|e| {
        eprintln!("error: `{}`: {e}", path.display());
        Exit::Failed
    })
}
