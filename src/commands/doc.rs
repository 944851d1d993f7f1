//! `bursar doc`: a scheme as a readable document, Markdown or a standalone page.

use std::path::Path;

use clap::ValueEnum;

use crate::load::{load_scheme, same_file, write};
use crate::Exit;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum DocFormat {
    Markdown,
    Html,
}

pub(crate) fn doc(path: &Path, format: DocFormat, output: Option<&Path>) -> Exit {
    if let Some(out) = output.filter(|out| same_file(path, out)) {
        eprintln!(
            "error: `-o {}` would overwrite its own source, `{}`",
            out.display(),
            path.display()
        );
        return Exit::Usage;
    }
    let bundle = match load_scheme(path) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let markdown = bursar_compiler::doc::markdown(&bundle.scheme);
    let text = match format {
        DocFormat::Markdown => markdown,
        DocFormat::Html => {
            let mut body = String::new();
            let parser =
                pulldown_cmark::Parser::new_ext(&markdown, pulldown_cmark::Options::ENABLE_TABLES);
            pulldown_cmark::html::push_html(&mut body, parser);
            let title = bundle
                .scheme
                .header
                .title
                .clone()
                .unwrap_or_else(|| bundle.scheme.id.clone());
            let title = title.replace('&', "&amp;").replace('<', "&lt;");
            let lang = bursar_compiler::doc::language(&bundle.scheme);
            format!(
                "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
            )
        }
    };
    match output {
        Some(p) => match write(p, &text) {
            Ok(()) => Exit::Ok,
            Err(e) => e,
        },
        None => match crate::stdout::print(&text) {
            Ok(()) => Exit::Ok,
            Err(e) => e,
        },
    }
}

/// The standalone page's style: readable on screen and on paper.
const STYLE: &str = "body { font-family: system-ui, 'Noto Sans CJK SC', 'PingFang SC', sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; color: #222; }
h1 { font-size: 1.6rem; } h2 { border-bottom: 1px solid #ccc; margin-top: 2rem; } h3 { margin-top: 1.5rem; }
blockquote { margin: 0.5rem 0 1rem; padding: 0.3rem 1rem; border-left: 4px solid #b22; background: #faf6f6; color: #444; }
code { background: #f3f3f3; padding: 0 0.2rem; border-radius: 3px; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; } td, th { border: 1px solid #ccc; padding: 0.3rem 0.6rem; } th { background: #f3f3f3; }
@media print { body { margin: 0; } blockquote { background: none; } }
";
