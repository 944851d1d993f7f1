//! `bursar ir`: the checked scheme's IR as JSON.

use std::path::Path;

use crate::load::compile_file;
use crate::Exit;

pub(crate) fn ir(path: &Path) -> Exit {
    let compiled = match compile_file(path) {
        Ok(c) => c,
        Err(e) => return e,
    };
    match compiled.scheme {
        Some(scheme) => match serde_json::to_string_pretty(&scheme) {
            Ok(s) => match crate::stdout::print(&(s + "\n")) {
                Ok(()) => Exit::Ok,
                Err(e) => e,
            },
            Err(_) => Exit::Internal,
        },
        None => Exit::Failed,
    }
}
