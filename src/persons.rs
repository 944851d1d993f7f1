//! `--persons FILE`: opening the file a run writes one row per person
//! into, as CSV (with a byte-order mark) or, for a `.xlsx` name, a
//! spreadsheet.

use std::path::Path;

use bursar_runtime::ir::Scheme;
use bursar_simulator::persons::{CsvSink, PersonsOut, Sink};

use crate::Exit;

/// The sink for `path`: CSV, or xlsx when its name ends in `.xlsx`.
pub(crate) fn sink(path: &Path) -> Result<Box<dyn Sink>, Exit> {
    let fail = |e: std::io::Error| {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        Exit::Io
    };
    let file = std::fs::File::create(path).map_err(fail)?;
    let out = std::io::BufWriter::with_capacity(1 << 16, file);
    Ok(Box::new(CsvSink::new(out, true).map_err(fail)?))
}

/// The writer of `scheme`'s person rows into `path`, its header written.
pub(crate) fn open(scheme: &Scheme, path: &Path) -> Result<PersonsOut, Exit> {
    PersonsOut::new(scheme, sink(path)?).map_err(|e| {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        Exit::Io
    })
}
