//! From policy text to a checked scheme in IR form, with diagnostics.
//!
//! Pipeline: `bursar_grammar::parse` (text → AST) → [`check`] (names, types,
//! absence, exhaustiveness, reachability; AST → IR). Every user-facing problem
//! is a [`Diagnostic`]. The compiler does no IO: it takes a [`SourceFile`] and
//! returns values.

mod check;
mod diagnostic;
mod emit;
mod facts;
mod names;
mod syntax;

pub use diagnostic::{Code, Diagnostic, Label, Severity, SourceFile};
pub use emit::{bundle, input_schema, VERSION};
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

/// Parses and checks a policy.
pub fn compile(source: &SourceFile) -> Compiled {
    let reporter = diagnostic::Reporter::new(source.clone());
    let file = match bursar_grammar::parse(source.text()) {
        Ok(file) => file,
        Err(errors) => {
            let mut reporter = reporter;
            for e in &errors {
                syntax::report(&mut reporter, e);
            }
            return Compiled {
                scheme: None,
                diagnostics: reporter.diagnostics,
            };
        }
    };
    let checked = check::check(&file, reporter);
    let mut diagnostics = checked.reporter.diagnostics;
    diagnostics.sort_by_key(|d| (d.offset(), std::cmp::Reverse(d.severity)));
    Compiled {
        scheme: checked.scheme,
        diagnostics,
    }
}
