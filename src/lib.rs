//! The `bursar` command line: parses arguments, reads files, calls the
//! compiler, runtime and simulator, and prints. All IO lives here and in the
//! simulator's readers.

mod cli;
mod diff;
pub mod lsp;
mod output;
mod policy_test;
mod simulate;
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
