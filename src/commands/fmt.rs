//! `bursar fmt`: canonical formatting, in place or `--check`.

use std::path::PathBuf;

use crate::load::{read, write};
use crate::Exit;

pub(crate) fn fmt(files: &[PathBuf], check: bool) -> Exit {
    let mut changed = Vec::new();
    for path in files {
        let text = match read(path) {
            Ok(t) => t,
            Err(e) => return e,
        };
        let Some(formatted) = bursar_compiler::fmt::format(&text) else {
            eprintln!(
                "error: `{}` does not parse; run `bursar check` on it first",
                path.display()
            );
            return Exit::Failed;
        };
        if formatted == text {
            continue;
        }
        changed.push(path.display().to_string());
        if !check {
            if let Err(e) = write(path, &formatted) {
                return e;
            }
        }
    }
    if check {
        let list: String = changed
            .iter()
            .map(|c| format!("would reformat {c}\n"))
            .collect();
        if let Err(e) = crate::stdout::print(&list) {
            return e;
        }
        if changed.is_empty() {
            Exit::Ok
        } else {
            Exit::Failed
        }
    } else {
        for c in &changed {
            eprintln!("formatted {c}");
        }
        Exit::Ok
    }
}
