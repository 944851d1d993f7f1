//! The `bursar` command line: parses arguments, reads files, calls the
//! compiler, runtime and simulator, and prints. All IO lives here and in the
//! simulator's readers.

// Messages on stderr that cannot be written are dropped: the standard
// `eprintln!` panics when stderr is a closed pipe (`bursar check … 2>&1 |
// head -1`), which turned a closed pipe into exit 70. These shadow the
// standard macros in every module below; stdout has its own rules
// (`stdout.rs`).
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
macro_rules! eprint {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

mod cli;
mod commands;
mod decision;
mod decision_log;
mod load;
pub mod lsp;
mod output;
mod persons;
mod serve;
mod sign;
mod stdout;
mod text;

pub use cli::run;

/// Exit codes, one meaning each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything went well.
    Ok = 0,
    /// The inputs have errors (a policy, a bundle, an applicant, a data row).
    Failed = 1,
    /// The command line was wrong.
    Usage = 2,
    /// A file could not be read or written.
    Io = 3,
    /// A bug in bursar.
    Internal = 70,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}
