//! Standard output. Every command writes its output through [`print`], the
//! one place that decides what a failed write means.

use std::io::Write;

use crate::Exit;

/// Writes `text` to standard output and flushes it.
pub(crate) fn print(text: &str) -> Result<(), Exit> {
    write(text.as_bytes())
}

/// Writes `bytes` to standard output and flushes them.
pub(crate) fn write(bytes: &[u8]) -> Result<(), Exit> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .or_else(failed)
}

/// What a failed write to standard output means. A closed pipe (`bursar …
/// | head -1`: the reader has what it wanted) is not an error: the command
/// ends quietly, with the exit code its work gives. Any other failure (a
/// full disk, say) is reported once and gives [`Exit::Io`].
pub(crate) fn failed(e: std::io::Error) -> Result<(), Exit> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Ok(());
    }
    eprintln!("error: cannot write output: {e}");
    Err(Exit::Io)
}
