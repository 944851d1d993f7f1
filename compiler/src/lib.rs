//! From policy text to a checked scheme in IR form, with diagnostics.
//!
//! Pipeline: `bursar_grammar::parse` (text → AST) → `check` (names, types,
//! absence, exhaustiveness, reachability; AST → IR). Every user-facing problem
//! is a [`Diagnostic`]. The compiler does no IO: it takes a [`SourceFile`] and
//! returns values.

mod check;
mod diagnostic;
pub mod diff;
pub mod doc;
mod emit;
mod facts;
pub mod fmt;
mod inherit;
mod names;
mod problem;
pub mod recheck;
mod syntax;
mod unicode;
pub mod witness;

pub use bursar_runtime::input_schema;
pub use check::calendar::BUILT_IN as BUILT_IN_CALENDARS;
pub use diagnostic::{Code, Diagnostic, Label, Severity, SourceFile, SourceMap};
pub use emit::{bundle, VERSION};
pub use inherit::{Loader, NoLoader};
pub use names::{closest, did_you_mean};

use bursar_runtime::ir::Scheme;

/// The result of compiling one policy.
pub struct Compiled {
    /// The checked scheme; `None` when there is an error.
    pub scheme: Option<Scheme>,
    /// Errors and warnings, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and checks a policy that stands alone (`extends` is an error).
pub fn compile(source: &SourceFile) -> Compiled {
    compile_with(source, &NoLoader)
}

/// Parses and checks a policy, loading the policies it extends through
/// `loader`; the result is one self-contained scheme.
pub fn compile_with(source: &SourceFile, loader: &dyn Loader) -> Compiled {
    let mut reporter = diagnostic::Reporter::new(SourceMap::default());
    let mut chain = vec![loader.key(source.name())];
    let Some(file) = inherit::load(source, loader, &mut reporter, &mut chain) else {
        return Compiled {
            scheme: None,
            diagnostics: reporter.diagnostics,
        };
    };
    unicode::confusables(&file, &mut reporter);
    let checked = check::check(&file, reporter);
    let mut diagnostics = checked.reporter.diagnostics;
    diagnostics.sort_by_key(|d| (d.global, std::cmp::Reverse(d.severity)));
    Compiled {
        scheme: checked.scheme,
        diagnostics,
    }
}
