//! Printing diagnostics for people (graphical, via miette) and for tools (JSON).

use std::io::IsTerminal;

use bursar_compiler::Diagnostic;
use serde::Serialize;

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

/// `bursar eval`: the bottom line and one line per category.
pub fn decision_text(e: &bursar_runtime::Explanation) -> String {
    let mut out = format!(
        "{}: {}\n",
        e.applicant.as_deref().unwrap_or("applicant"),
        e.summary
    );
    let width = e
        .categories
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    for c in &e.categories {
        let pay_failed = c
            .pay
            .as_ref()
            .is_some_and(|l| l.status == bursar_runtime::Status::Error);
        let verdict = match &c.amount {
            Some(a) => format!("eligible  {a}"),
            None if pay_failed => "conditions met, but the amount could not be computed".into(),
            None => {
                let reason = c
                    .conditions
                    .iter()
                    .find(|l| l.status != bursar_runtime::Status::Pass)
                    .map(|l| {
                        let clause = l
                            .clause
                            .as_ref()
                            .map(|c| format!("§{c} "))
                            .unwrap_or_default();
                        format!(" ({clause}{})", l.text)
                    })
                    .unwrap_or_default();
                format!("not eligible{reason}")
            }
        };
        out.push_str(&format!("  {:width$}  {verdict}\n", c.name));
    }
    if !e.errors.is_empty() {
        out.push_str("errors\n");
        for l in &e.errors {
            out.push_str(&format!("  ! {}\n", l.text));
        }
    }
    out
}
