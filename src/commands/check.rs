//! `bursar check`: every problem in policy files, for people or as JSON.

use std::path::PathBuf;

use bursar_compiler::{compile_with, SourceFile};

use crate::commands::Format;
use crate::load::{read, FsLoader};
use crate::output;
use crate::Exit;

pub(crate) fn check(files: &[PathBuf], format: Format) -> Exit {
    let mut failed = false;
    let mut json = Vec::new();
    for path in files {
        let text = match read(path) {
            Ok(t) => t,
            Err(e) => return e,
        };
        let source = SourceFile::new(path.display().to_string(), text);
        let compiled = compile_with(&source, &FsLoader);
        failed |= compiled.has_errors();
        match format {
            Format::Json => json.extend(compiled.diagnostics.iter().map(output::json)),
            Format::Text => {
                let colour = output::stderr_is_terminal();
                for d in &compiled.diagnostics {
                    eprint!("{}", d.render(colour));
                }
                let errors = compiled.diagnostics.iter().filter(|d| d.is_error()).count();
                let warnings = compiled.diagnostics.len() - errors;
                if errors == 0 {
                    eprintln!("{}: ok ({})", path.display(), plural(warnings, "warning"));
                } else {
                    eprintln!(
                        "{}: {}, {}",
                        path.display(),
                        plural(errors, "error"),
                        plural(warnings, "warning")
                    );
                }
            }
        }
    }
    if format == Format::Json {
        match serde_json::to_string_pretty(&json) {
            Ok(s) => {
                if let Err(e) = crate::stdout::print(&(s + "\n")) {
                    return e;
                }
            }
            Err(_) => return Exit::Internal,
        }
    }
    if failed {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
