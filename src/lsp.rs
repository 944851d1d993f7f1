//! `bursar lsp`: a language server for policy files over stdio.
//!
//! Diagnostics as you type (the compiler's, with their codes and help),
//! hover (a field's type and label, a table row's amount, a clause's text, a
//! category's label), go to definition (fields, tables, rows, categories,
//! enums and their values, clauses), and formatting (`bursar fmt`).
//! Hover and definition work from the syntax tree, so they keep working
//! while the file has type errors, and, in the declarations that read, while
//! it has syntax errors (every one of which is shown).

use std::collections::HashMap;
use std::path::PathBuf;

use bursar_compiler::{compile_with, Loader, SourceFile};
use bursar_grammar::ast::{Item, PolicyFile, RowKey, Span};
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{Formatting, GotoDefinition, HoverRequest, Request as _};
use lsp_types::{
    DiagnosticSeverity, GotoDefinitionResponse, Hover, HoverContents, HoverProviderCapability,
    Location, MarkupContent, MarkupKind, NumberOrString, OneOf, Position, PublishDiagnosticsParams,
    Range, ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind, TextEdit, Url,
};

use crate::Exit;

/// The largest message read from the client: a document as large as the
/// largest policy read from disk, escaped as JSON, with room to spare.
const MAX_MESSAGE_BYTES: u64 = 64 << 20;
/// The longest header line of a message.
const MAX_HEADER_BYTES: u64 = 4096;

/// Runs the server on stdin/stdout until the client shuts it down.
///
/// lsp-server's own stdio transport allocates whatever `Content-Length` a
/// message announces, so messages are framed here, refusing one larger
/// than [`MAX_MESSAGE_BYTES`], and handed over through an in-memory
/// connection.
pub(crate) fn run() -> Exit {
    let (server, client) = Connection::memory();
    let Connection { sender, receiver } = client;
    let (refused, refusal) = std::sync::mpsc::channel();
    // Detached: at the end it may still be waiting for input.
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        loop {
            match read_message(&mut stdin) {
                Ok(Some(msg)) => {
                    let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                    if sender.send(msg).is_err() || exit {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    // Said before the connection closes, so the server
                    // loop, which ends when it does, finds it.
                    let _ = refused.send(e);
                    break;
                }
            }
        }
        drop(sender);
    });
    let writer = std::thread::spawn(move || {
        let mut stdout = std::io::stdout().lock();
        for msg in receiver {
            if msg.write(&mut stdout).is_err() {
                break;
            }
        }
    });
    let code = serve(&server);
    drop(server);
    let _ = writer.join();
    if let Ok(e) = refusal.try_recv() {
        eprintln!("error: lsp: {e}");
        return Exit::Failed;
    }
    code
}

/// Reads one message: headers, then a body of at most
/// [`MAX_MESSAGE_BYTES`]; `Ok(None)` at the end of the input.
fn read_message(input: &mut impl std::io::BufRead) -> Result<Option<Message>, String> {
    use std::io::{BufRead, Read};
    let mut size = None;
    loop {
        let mut line = Vec::new();
        let mut limited = input.by_ref().take(MAX_HEADER_BYTES + 1);
        limited
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("cannot read a message: {e}"))?;
        if line.is_empty() {
            return Ok(None);
        }
        if line.len() as u64 > MAX_HEADER_BYTES {
            return Err(format!(
                "a header line is larger than {MAX_HEADER_BYTES} bytes"
            ));
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("Content-Length") {
                let n: u64 = value
                    .trim()
                    .parse()
                    .map_err(|_| format!("bad `Content-Length` `{}`", value.trim()))?;
                if n > MAX_MESSAGE_BYTES {
                    return Err(format!(
                        "a message of {n} bytes is larger than {MAX_MESSAGE_BYTES} bytes, the most read"
                    ));
                }
                size = Some(n);
            }
        }
    }
    let size = size.ok_or("a message without `Content-Length`")?;
    let mut body = Vec::new();
    input
        .take(size)
        .read_to_end(&mut body)
        .map_err(|e| format!("cannot read a message: {e}"))?;
    if (body.len() as u64) < size {
        return Err("the input ended inside a message".to_string());
    }
    // Framed again for lsp-server's parser, now that the size is known.
    let mut framed = format!("Content-Length: {size}\r\n\r\n").into_bytes();
    framed.extend_from_slice(&body);
    Message::read(&mut &framed[..]).map_err(|e| format!("bad message: {e}"))
}

/// The server loop, on any connection (the tests use an in-memory one).
pub fn serve(connection: &Connection) -> Exit {
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    };
    let Ok(caps) = serde_json::to_value(capabilities) else {
        return Exit::Internal;
    };
    if connection.initialize(caps).is_err() {
        return Exit::Failed;
    }
    let mut state = State::default();
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                if connection.handle_shutdown(&req).unwrap_or(true) {
                    return Exit::Ok;
                }
                let response = state.request(req);
                if connection.sender.send(Message::Response(response)).is_err() {
                    return Exit::Failed;
                }
            }
            Message::Notification(n) => {
                for out in state.notification(n) {
                    if connection.sender.send(Message::Notification(out)).is_err() {
                        return Exit::Failed;
                    }
                }
            }
            Message::Response(_) => {}
        }
    }
    Exit::Ok
}

#[derive(Default)]
struct State {
    documents: HashMap<Url, String>,
}

/// Reads the files a policy extends: open documents first, then the disk.
struct Documents<'a>(&'a HashMap<Url, String>);

impl Loader for Documents<'_> {
    fn load(&self, from: &str, path: &str) -> Result<(String, String), String> {
        let full = PathBuf::from(from)
            .parent()
            .unwrap_or(std::path::Path::new(""))
            .join(path);
        if let Some(text) = Url::from_file_path(&full).ok().and_then(|u| self.0.get(&u)) {
            return Ok((full.display().to_string(), text.clone()));
        }
        crate::load::read_parent(&full).map(|t| (full.display().to_string(), t))
    }

    fn key(&self, name: &str) -> String {
        crate::load::canonical_key(name)
    }
}

fn name_of(uri: &Url) -> String {
    uri.to_file_path()
        .map_or_else(|_| uri.to_string(), |p| p.display().to_string())
}

impl State {
    fn notification(&mut self, n: Notification) -> Vec<Notification> {
        let uri = match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                match serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params) {
                    Ok(p) => {
                        self.documents
                            .insert(p.text_document.uri.clone(), p.text_document.text);
                        p.text_document.uri
                    }
                    Err(_) => return Vec::new(),
                }
            }
            DidChangeTextDocument::METHOD => {
                match serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params) {
                    Ok(p) => {
                        if let Some(change) = p.content_changes.into_iter().last() {
                            self.documents
                                .insert(p.text_document.uri.clone(), change.text);
                        }
                        p.text_document.uri
                    }
                    Err(_) => return Vec::new(),
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                {
                    self.documents.remove(&p.text_document.uri);
                }
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        vec![self.diagnostics(&uri)]
    }

    fn diagnostics(&self, uri: &Url) -> Notification {
        let text = self.documents.get(uri).cloned().unwrap_or_default();
        let name = name_of(uri);
        let compiled = compile_with(
            &SourceFile::new(name.clone(), text.clone()),
            &Documents(&self.documents),
        );
        let diagnostics = compiled
            .diagnostics
            .iter()
            .filter(|d| d.source.name() == name)
            .map(|d| {
                let span = d
                    .labels
                    .iter()
                    .find(|l| l.primary)
                    .map_or(Span::new(0, 0), |l| l.span);
                let mut message = d.message.clone();
                if let Some(help) = &d.help {
                    message.push_str(&format!("\nhelp: {help}"));
                }
                lsp_types::Diagnostic {
                    range: range(&text, span),
                    severity: Some(if d.is_error() {
                        DiagnosticSeverity::ERROR
                    } else {
                        DiagnosticSeverity::WARNING
                    }),
                    code: Some(NumberOrString::String(d.code.as_str().to_string())),
                    source: Some("bursar".into()),
                    message,
                    ..lsp_types::Diagnostic::default()
                }
            })
            .collect();
        let params = PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics,
            version: None,
        };
        Notification::new(PublishDiagnostics::METHOD.to_string(), params)
    }

    fn request(&self, req: Request) -> Response {
        let id = req.id.clone();
        let result = match req.method.as_str() {
            HoverRequest::METHOD => serde_json::from_value::<lsp_types::HoverParams>(req.params)
                .ok()
                .map(|p| {
                    let pos = p.text_document_position_params;
                    serde_json::to_value(self.hover(&pos.text_document.uri, pos.position))
                        .unwrap_or_default()
                }),
            GotoDefinition::METHOD => {
                serde_json::from_value::<lsp_types::GotoDefinitionParams>(req.params)
                    .ok()
                    .map(|p| {
                        let pos = p.text_document_position_params;
                        serde_json::to_value(self.definition(&pos.text_document.uri, pos.position))
                            .unwrap_or_default()
                    })
            }
            Formatting::METHOD => {
                serde_json::from_value::<lsp_types::DocumentFormattingParams>(req.params)
                    .ok()
                    .map(|p| {
                        serde_json::to_value(self.format(&p.text_document.uri)).unwrap_or_default()
                    })
            }
            _ => None,
        };
        match result {
            Some(value) => Response::new_ok(id, value),
            None => Response::new_err(
                id,
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("unsupported request `{}`", req.method),
            ),
        }
    }

    fn symbols(&self, uri: &Url) -> Option<(&str, PolicyFile)> {
        let text = self.documents.get(uri)?;
        Some((text.as_str(), bursar_grammar::parse_recovering(text).file))
    }

    fn hover(&self, uri: &Url, pos: Position) -> Option<Hover> {
        let (text, _) = self.symbols(uri)?;
        let offset = offset(text, pos)?;
        let (word, word_span) = word_at(text, offset)?;
        let qualifier = qualifier(text, word_span);
        let markdown = self
            .in_chain(uri, |file, text| {
                let slice = |s: Span| text.get(s.start..s.end).unwrap_or("").to_string();
                describe(file, &word, qualifier.as_deref(), &slice)
            })
            .map(|m| m.2)
            // A calendar no file declares may be a built-in one (`calendar china`).
            .or_else(|| {
                let (_, text) = bursar_compiler::BUILT_IN_CALENDARS
                    .iter()
                    .find(|(n, _)| qualifier.is_none() && *n == word)?;
                bursar_grammar::parse(text)
                    .ok()?
                    .items
                    .iter()
                    .find_map(|i| {
                        if let Item::Calendar(c) = i {
                            Some(format!("built-in {}", calendar_hover(c)))
                        } else {
                            None
                        }
                    })
            })?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: markdown,
            }),
            range: Some(range(text, word_span)),
        })
    }

    fn definition(&self, uri: &Url, pos: Position) -> Option<GotoDefinitionResponse> {
        let (text, _) = self.symbols(uri)?;
        let offset = offset(text, pos)?;
        let (word, span) = word_at(text, offset)?;
        let qualifier = qualifier(text, span);
        let (target_uri, target_text, target) = self.in_chain(uri, |file, _| {
            declaration(file, &word, qualifier.as_deref())
        })?;
        Some(GotoDefinitionResponse::Scalar(Location {
            uri: target_uri,
            range: range(&target_text, target),
        }))
    }

    /// Asks `find` of this document, then of each policy it extends in turn
    /// (open documents first, then the disk): names a draft uses are often
    /// declared in last year's scheme.
    fn in_chain<T>(
        &self,
        uri: &Url,
        find: impl Fn(&PolicyFile, &str) -> Option<T>,
    ) -> Option<(Url, String, T)> {
        let mut current = uri.clone();
        let mut text = self.documents.get(uri)?.clone();
        for _ in 0..16 {
            let file = bursar_grammar::parse_recovering(&text).file;
            if let Some(found) = find(&file, &text) {
                return Some((current, text, found));
            }
            let parent = file.items.iter().find_map(|i| match i {
                Item::Extends(t) => Some(t.value.clone()),
                Item::Override(..)
                | Item::Extend(..)
                | Item::RemoveCategory(..)
                | Item::RemoveRow { .. }
                | Item::RemoveCondition(..)
                | Item::RemoveDeadline(..)
                | Item::Scheme(..)
                | Item::Enum(..)
                | Item::Record(..)
                | Item::Applicant(..)
                | Item::Let(..)
                | Item::Clause(..)
                | Item::Table(..)
                | Item::Require(..)
                | Item::Category(..)
                | Item::Award(..)
                | Item::Application(..)
                | Item::Timeline(..)
                | Item::Quota(..)
                | Item::Rounds(..)
                | Item::Payer(..)
                | Item::Calendar(..)
                | Item::Planned(..) => None,
            })?;
            let (name, parent_text) = Documents(&self.documents)
                .load(&name_of(&current), &parent)
                .ok()?;
            current = Url::from_file_path(&name).ok()?;
            text = parent_text;
        }
        None
    }

    fn format(&self, uri: &Url) -> Option<Vec<TextEdit>> {
        let text = self.documents.get(uri)?;
        let formatted = bursar_compiler::fmt::format(text)?;
        if &formatted == text {
            return Some(Vec::new());
        }
        Some(vec![TextEdit {
            range: range(text, Span::new(0, text.len())),
            new_text: formatted,
        }])
    }
}

/// The name under the cursor: an identifier, or a clause reference `§…`.
fn word_at(text: &str, offset: usize) -> Option<(String, Span)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let is_clause = |c: char| !c.is_whitespace() && !matches!(c, '{' | '}' | '"' | ',');
    let before = text.get(..offset)?;
    let after = text.get(offset..)?;
    // A clause reference: from `§` to white space.
    if let Some(at) = before.rfind('§') {
        let tail = text.get(at..)?;
        let len: usize = tail
            .chars()
            .take_while(|c| is_clause(*c))
            .map(char::len_utf8)
            .sum();
        if at + len >= offset && len > '§'.len_utf8() {
            return Some((
                tail.get('§'.len_utf8()..len)?.to_string(),
                Span::new(at, at + len),
            ));
        }
    }
    let start = offset
        - before
            .chars()
            .rev()
            .take_while(|c| is_word(*c))
            .map(char::len_utf8)
            .sum::<usize>();
    let end = offset
        + after
            .chars()
            .take_while(|c| is_word(*c))
            .map(char::len_utf8)
            .sum::<usize>();
    (start < end).then(|| {
        (
            text.get(start..end).unwrap_or("").to_string(),
            Span::new(start, end),
        )
    })
}

/// For `table.row` under the cursor on `row`: the table's name.
fn qualifier(text: &str, word: Span) -> Option<String> {
    let before = text.get(..word.start)?;
    let before = before.strip_suffix('.')?;
    let len: usize = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .map(char::len_utf8)
        .sum();
    before
        .get(before.len() - len..)
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

/// Hover text for a name.
/// ``calendar `china` — 中国法定节假日: 2023 to 2026; 28 holiday lines, 26
/// make-up working day lines``
fn calendar_hover(c: &bursar_grammar::ast::CalendarDecl) -> String {
    let years = c
        .years
        .last()
        .map(|y| {
            if y.first == y.last {
                format!(": {}", y.first)
            } else {
                format!(": {} to {}", y.first, y.last)
            }
        })
        .unwrap_or_default();
    let count = |k: bursar_grammar::ast::DayKind| c.days.iter().filter(|d| d.kind == k).count();
    let label = c
        .label
        .as_ref()
        .map(|t| format!(" — {}", t.value))
        .unwrap_or_default();
    let lines = |n: usize, what: &str| {
        if n == 1 {
            format!("1 {what} line")
        } else {
            format!("{n} {what} lines")
        }
    };
    format!(
        "calendar `{}`{label}{years}; {}, {}",
        c.name.name,
        lines(count(bursar_grammar::ast::DayKind::Holiday), "holiday"),
        lines(
            count(bursar_grammar::ast::DayKind::Workday),
            "make-up working day"
        )
    )
}

fn describe(
    file: &PolicyFile,
    word: &str,
    qualifier: Option<&str>,
    slice: &dyn Fn(Span) -> String,
) -> Option<String> {
    let label = |l: &Option<bursar_grammar::ast::Text>| {
        l.as_ref()
            .map(|t| format!(" — {}", t.value))
            .unwrap_or_default()
    };
    // An `override` block declares what it overrides, for this file.
    for item in file.items.iter().map(|i| match i {
        Item::Override(inner) => &**inner,
        other => other,
    }) {
        match item {
            Item::Clause(c) if c.clause.id == word => {
                return Some(format!("**§{}**\n\n> {}", c.clause.id, c.text.value))
            }
            Item::Applicant(a) if qualifier.is_none() => {
                if let Some(f) = a.fields.iter().find(|f| f.name.name == word) {
                    return Some(format!(
                        "applicant field `{}`: `{}`{}",
                        f.name.name,
                        slice(f.ty.span),
                        label(&f.label)
                    ));
                }
            }
            Item::Table(t) => {
                if qualifier == Some(t.name.name.as_str()) {
                    if let Some(r) = t.rows.iter().find(|r| r.key.text() == word) {
                        return Some(format!(
                            "row `{}.{}`{}\n\n= `{}`",
                            t.name.name,
                            word,
                            label(&r.label),
                            slice(r.value.span)
                        ));
                    }
                }
                if qualifier.is_none() && t.name.name == word {
                    let rows: Vec<String> = t
                        .rows
                        .iter()
                        .map(|r| {
                            format!(
                                "- `{}`{} = `{}`",
                                r.key.text(),
                                label(&r.label),
                                slice(r.value.span)
                            )
                        })
                        .collect();
                    return Some(format!(
                        "table `{}`{}\n\n{}",
                        t.name.name,
                        label(&t.label),
                        rows.join("\n")
                    ));
                }
            }
            Item::Category(c) if qualifier.is_none() && c.name.name == word => {
                let clause = c
                    .clause
                    .as_ref()
                    .map(|c| format!(" §{}", c.id))
                    .unwrap_or_default();
                return Some(format!(
                    "category `{}`{}{clause}",
                    c.name.name,
                    label(&c.label)
                ));
            }
            Item::Enum(e) => {
                if qualifier.is_none() && e.name.name == word {
                    let values: Vec<String> = e
                        .variants
                        .iter()
                        .map(|v| format!("`{}`{}", v.name.name, label(&v.label)))
                        .collect();
                    return Some(format!(
                        "enum `{}`{}: {}",
                        e.name.name,
                        label(&e.label),
                        values.join(", ")
                    ));
                }
                if qualifier.is_none_or(|q| q == e.name.name) {
                    if let Some(v) = e.variants.iter().find(|v| v.name.name == word) {
                        return Some(format!(
                            "value `{}` of enum `{}`{}",
                            v.name.name,
                            e.name.name,
                            label(&v.label)
                        ));
                    }
                }
            }
            Item::Record(r) if qualifier.is_none() => {
                if r.name.name == word {
                    let fields: Vec<String> = r
                        .fields
                        .iter()
                        .map(|f| {
                            format!(
                                "- `{}`: `{}`{}",
                                f.name.name,
                                slice(f.ty.span),
                                label(&f.label)
                            )
                        })
                        .collect();
                    return Some(format!(
                        "record `{}`{}\n\n{}",
                        r.name.name,
                        label(&r.label),
                        fields.join("\n")
                    ));
                }
                if let Some(f) = r.fields.iter().find(|f| f.name.name == word) {
                    return Some(format!(
                        "field `{}` of record `{}`: `{}`{}",
                        f.name.name,
                        r.name.name,
                        slice(f.ty.span),
                        label(&f.label)
                    ));
                }
            }
            Item::Calendar(c) if qualifier.is_none() && c.name.name == word => {
                return Some(calendar_hover(c));
            }
            Item::Let(l) if qualifier.is_none() && l.name.name == word => {
                let filter = l
                    .filter
                    .as_ref()
                    .map(|f| format!(" where {}", slice(f.span)))
                    .unwrap_or_default();
                return Some(format!(
                    "named value `{}`{}\n\n= `{}{filter}`",
                    l.name.name,
                    label(&l.label),
                    slice(l.value.span)
                ));
            }
            Item::Extends(..)
            | Item::Override(..)
            | Item::Extend(..)
            | Item::RemoveCategory(..)
            | Item::RemoveRow { .. }
            | Item::RemoveCondition(..)
            | Item::RemoveDeadline(..)
            | Item::Scheme(..)
            | Item::Record(..)
            | Item::Applicant(..)
            | Item::Let(..)
            | Item::Clause(..)
            | Item::Require(..)
            | Item::Category(..)
            | Item::Award(..)
            | Item::Application(..)
            | Item::Timeline(..)
            | Item::Quota(..)
            | Item::Rounds(..)
            | Item::Payer(..)
            | Item::Calendar(..)
            | Item::Planned(..) => {}
        }
    }
    None
}

/// Where a name is declared.
fn declaration(file: &PolicyFile, word: &str, qualifier: Option<&str>) -> Option<Span> {
    // An `override` block declares what it overrides, for this file.
    for item in file.items.iter().map(|i| match i {
        Item::Override(inner) => &**inner,
        other => other,
    }) {
        match item {
            Item::Clause(c) if c.clause.id == word => return Some(c.clause.span),
            Item::Applicant(a) if qualifier.is_none() => {
                if let Some(f) = a.fields.iter().find(|f| f.name.name == word) {
                    return Some(f.name.span);
                }
            }
            Item::Table(t) => {
                if qualifier == Some(t.name.name.as_str()) {
                    if let Some(r) = t.rows.iter().find(|r| r.key.text() == word) {
                        return Some(match &r.key {
                            RowKey::Name(n) => n.span,
                            RowKey::Int { span, .. } => *span,
                        });
                    }
                }
                if qualifier.is_none() && t.name.name == word {
                    return Some(t.name.span);
                }
            }
            Item::Category(c) if qualifier.is_none() && c.name.name == word => {
                return Some(c.name.span)
            }
            Item::Enum(e) => {
                if e.name.name == word {
                    return Some(e.name.span);
                }
                if let Some(v) = e.variants.iter().find(|v| v.name.name == word) {
                    return Some(v.name.span);
                }
            }
            Item::Record(r) if qualifier.is_none() => {
                if r.name.name == word {
                    return Some(r.name.span);
                }
                if let Some(f) = r.fields.iter().find(|f| f.name.name == word) {
                    return Some(f.name.span);
                }
            }
            Item::Let(l) if qualifier.is_none() && l.name.name == word => return Some(l.name.span),
            Item::Calendar(c) if qualifier.is_none() && c.name.name == word => {
                return Some(c.name.span)
            }
            Item::Extends(..)
            | Item::Override(..)
            | Item::Extend(..)
            | Item::RemoveCategory(..)
            | Item::RemoveRow { .. }
            | Item::RemoveCondition(..)
            | Item::RemoveDeadline(..)
            | Item::Scheme(..)
            | Item::Record(..)
            | Item::Applicant(..)
            | Item::Let(..)
            | Item::Clause(..)
            | Item::Require(..)
            | Item::Category(..)
            | Item::Award(..)
            | Item::Application(..)
            | Item::Timeline(..)
            | Item::Quota(..)
            | Item::Rounds(..)
            | Item::Payer(..)
            | Item::Calendar(..)
            | Item::Planned(..) => {}
        }
    }
    None
}

/// The byte offsets where lines start, as the protocol counts lines: `\n`,
/// `\r\n` and a lone `\r` end a line. (The other line breaks the policy
/// language knows, such as U+2028, are not line ends to an LSP client, so
/// counting them here would put every position after them on the wrong line.)
fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    std::iter::once(0).chain(bytes.iter().enumerate().filter_map(|(i, b)| match b {
        b'\n' => Some(i + 1),
        b'\r' if bytes.get(i + 1) != Some(&b'\n') => Some(i + 1),
        _ => None,
    }))
}

/// A line's text from its start, without its line end.
fn line_at(text: &str, start: usize) -> &str {
    let rest = text.get(start..).unwrap_or("");
    rest.split(['\n', '\r']).next().unwrap_or("")
}

/// A byte offset from an LSP position (UTF-16 columns).
fn offset(text: &str, pos: Position) -> Option<usize> {
    let line_start = line_starts(text).nth(pos.line as usize)?;
    let line = line_at(text, line_start);
    let mut units = 0u32;
    for (i, c) in line.char_indices() {
        if units >= pos.character {
            return Some(line_start + i);
        }
        units += c.len_utf16() as u32;
    }
    Some(line_start + line.len())
}

/// An LSP position (UTF-16 columns) from a byte offset.
fn position(text: &str, offset: usize) -> Position {
    let offset = offset.min(text.len());
    let (line, line_start) = line_starts(text)
        .take_while(|s| *s <= offset)
        .enumerate()
        .last()
        .unwrap_or((0, 0));
    let character = text
        .get(line_start..offset)
        .unwrap_or("")
        .encode_utf16()
        .count() as u32;
    Position {
        line: line as u32,
        character,
    }
}

fn range(text: &str, span: Span) -> Range {
    Range {
        start: position(text, span.start),
        end: position(text, span.end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "a\n参加 x\n";
        let p = position(text, "a\n参加 ".len());
        assert_eq!(
            p,
            Position {
                line: 1,
                character: 3
            }
        );
        assert_eq!(offset(text, p), Some("a\n参加 ".len()));
        let emoji = "😀x";
        assert_eq!(position(emoji, "😀".len()).character, 2);
    }

    #[test]
    fn positions_end_lines_as_the_protocol_does() {
        // LSP line ends are `\n`, `\r\n` and `\r`; a lone CR file is not one line.
        for br in ["\n", "\r\n", "\r"] {
            let text = format!("a{br}b{br}{br}cd");
            let at = text.find('d').unwrap_or(0);
            let p = position(&text, at);
            assert_eq!(
                p,
                Position {
                    line: 3,
                    character: 1
                },
                "{br:?}"
            );
            assert_eq!(offset(&text, p), Some(at), "{br:?}");
        }
    }
}
