//! Printing diagnostics for people (graphical, via miette) and for tools (JSON).

use std::io::IsTerminal;

use bursar_compiler::Diagnostic;
use serde::Serialize;

/// Renders one diagnostic the way a person reads it.
pub fn render(d: &Diagnostic, colour: bool) -> String {
    d.render(colour)
}

pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// A diagnostic as JSON for editors and CI.
#[derive(Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub labels: Vec<JsonLabel>,
    pub help: Option<String>,
}

#[derive(Serialize)]
pub struct JsonLabel {
    pub message: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Byte offsets into the file.
    pub start: usize,
    pub end: usize,
    pub primary: bool,
}

pub fn json(d: &Diagnostic) -> JsonDiagnostic {
    let (line, column) = d.source.line_col(d.offset());
    JsonDiagnostic {
        code: d.code.as_str(),
        severity: d.severity.as_str(),
        message: d.message.clone(),
        file: d.source.name().to_string(),
        line,
        column,
        labels: d
            .labels
            .iter()
            .map(|l| {
                let (line, column) = d.source.line_col(l.span.start);
                let (end_line, end_column) = d.source.line_col(l.span.end);
                JsonLabel {
                    message: l.text.clone(),
                    line,
                    column,
                    end_line,
                    end_column,
                    start: l.span.start,
                    end: l.span.end,
                    primary: l.primary,
                }
            })
            .collect(),
        help: d.help.clone(),
    }
}
