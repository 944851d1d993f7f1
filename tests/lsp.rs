//! The language server, driven in-process over an in-memory connection with
//! real LSP messages.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

const POLICY: &str = include_str!("../policies/beijing/2023-career-boost.bursar");

struct Client {
    conn: Connection,
    next: i32,
    server: Option<std::thread::JoinHandle<()>>,
}

impl Client {
    fn start() -> Client {
        let (server, conn) = Connection::memory();
        let handle = std::thread::spawn(move || {
            bursar::lsp::serve(&server);
        });
        let mut client = Client {
            conn,
            next: 1,
            server: Some(handle),
        };
        let init = client.request("initialize", json!({ "capabilities": {} }));
        assert_eq!(init["capabilities"]["hoverProvider"], true);
        client.notify("initialized", json!({}));
        client
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = RequestId::from(self.next);
        self.next += 1;
        self.conn
            .sender
            .send(Message::Request(Request::new(
                id.clone(),
                method.to_string(),
                params,
            )))
            .unwrap();
        loop {
            match self.conn.receiver.recv().unwrap() {
                Message::Response(r) if r.id == id => return r.result.unwrap_or(Value::Null),
                _ => {}
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.conn
            .sender
            .send(Message::Notification(Notification::new(
                method.to_string(),
                params,
            )))
            .unwrap();
    }

    /// Opens a document and returns the diagnostics published for it.
    fn open(&mut self, uri: &str, text: &str) -> Vec<Value> {
        self.notify("textDocument/didOpen", json!({ "textDocument": { "uri": uri, "languageId": "bursar", "version": 1, "text": text } }));
        self.diagnostics()
    }

    fn diagnostics(&mut self) -> Vec<Value> {
        loop {
            if let Message::Notification(n) = self.conn.receiver.recv().unwrap() {
                if n.method == "textDocument/publishDiagnostics" {
                    return n.params["diagnostics"].as_array().unwrap().clone();
                }
            }
        }
    }

    /// The hover text at `position` in the document at `uri`.
    fn hover(&mut self, uri: &str, position: Value) -> String {
        let reply = self.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": position }),
        );
        reply["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Where go-to-definition leads from `position`.
    fn definition(&mut self, uri: &str, position: Value) -> Value {
        self.request(
            "textDocument/definition",
            json!({ "textDocument": { "uri": uri }, "position": position }),
        )
    }

    fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.server.take().unwrap().join().unwrap();
    }
}

/// The LSP position (UTF-16 columns) of the `nth` occurrence of `needle`, plus `delta` characters.
fn at(text: &str, needle: &str, nth: usize, delta: usize) -> Value {
    let offset = text.match_indices(needle).nth(nth).unwrap().0;
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .encode_utf16()
        .count()
        + delta;
    json!({ "line": line, "character": col })
}

/// The `file://` URI of a repository file.
fn file_uri(path: &str) -> String {
    format!("file://{}", std::fs::canonicalize(path).unwrap().display())
}

fn uri() -> String {
    file_uri("policies/beijing/2023-career-boost.bursar")
}

#[test]
fn diagnostics_as_you_type() {
    let mut c = Client::start();
    assert!(
        c.open(&uri(), POLICY).is_empty(),
        "the 2023 policy is clean"
    );
    let broken = POLICY.replace("contest_rank in 1..=10", "contest_rnk in 1..=10");
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri(), "version": 2 }, "contentChanges": [{ "text": broken }] }));
    let diags = c.diagnostics();
    let d = diags
        .iter()
        .find(|d| d["code"] == "bursar::unknown_name")
        .unwrap();
    assert!(d["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `contest_rank`?"));
    // The range is in UTF-16 columns, past the Chinese text earlier on the line.
    assert_eq!(d["range"]["start"], at(&broken, "contest_rnk", 0, 0));
    c.shutdown();
}

#[test]
fn every_syntax_error_shows_and_hover_keeps_working() {
    let mut c = Client::start();
    // Three mistakes in three declarations: a full-width comma, a stray
    // `)` and a single quote.
    let broken = POLICY
        .replacen("beijing_center ", "beijing_center， ", 1)
        .replace("contest_rank in 1..=10", "contest_rank in 1..=10 )")
        .replace("limit 1 per period", "limit 'one' per period");
    let diags = c.open(&uri(), &broken);
    let starts: Vec<&Value> = diags.iter().map(|d| &d["range"]["start"]).collect();
    assert_eq!(
        starts,
        [
            &at(&broken, "beijing_center，", 0, "beijing_center".len()),
            &at(&broken, " )", 0, 1),
            &at(&broken, "'one'", 0, 0),
        ],
        "{diags:#?}"
    );
    // The declarations without a mistake are still read.
    let field = c.hover(&uri(), at(&broken, "voc_level in 1..=3", 0, 2));
    assert!(field.contains("国家职业资格等级"), "{field}");
    c.shutdown();
}

#[test]
fn hover_and_definition() {
    let mut c = Client::start();
    let uri = uri();
    c.open(&uri, POLICY);

    let field = c.hover(&uri, at(POLICY, "voc_level in 1..=3", 0, 2));
    assert!(
        field.contains("`voc_level`: `int?`") && field.contains("国家职业资格等级"),
        "{field}"
    );
    let row = c.hover(
        &uri,
        at(POLICY, "standard.level1", 0, "standard.".len() + 1),
    );
    assert!(
        row.contains("row `standard.level1`") && row.contains("2000 元"),
        "{row}"
    );
    let clause = c.hover(&uri, at(POLICY, "§三(三)", 1, 1));
    assert!(clause.contains("决赛第二至十名"), "{clause}");
    let category = c.hover(&uri, at(POLICY, "category contest", 0, "category ".len()));
    assert!(category.contains("北京市职工职业技能大赛"), "{category}");

    let def = c.definition(&uri, at(POLICY, "social_work_standard[sw_level]", 0, 3));
    assert_eq!(
        def["range"]["start"],
        at(POLICY, "social_work_standard \"", 0, 0)
    );
    let def = c.definition(&uri, at(POLICY, "standard.level2", 0, "standard.".len()));
    assert_eq!(def["range"]["start"], at(POLICY, "level2 \"", 0, 0));
    let def = c.definition(&uri, at(POLICY, "sw_approved in", 0, 1));
    assert_eq!(def["range"]["start"], at(POLICY, "sw_approved ", 0, 0));
    c.shutdown();
}

#[test]
fn formatting() {
    let mut c = Client::start();
    let messy: String = POLICY
        .lines()
        .map(|l| format!("    {}\n", l.trim_start()))
        .collect();
    c.open(&uri(), &messy);
    let edits = c.request("textDocument/formatting", json!({ "textDocument": { "uri": uri() }, "options": { "tabSize": 2, "insertSpaces": true } }));
    assert_eq!(edits[0]["newText"], POLICY);
    c.shutdown();
}

#[test]
fn hover_and_definition_follow_extends() {
    const DRAFT: &str = include_str!("../policies/beijing/2024-career-boost-draft.bursar");
    let draft = file_uri("policies/beijing/2024-career-boost-draft.bursar");
    let mut c = Client::start();
    assert!(c.open(&draft, DRAFT).is_empty(), "the draft is clean");
    // `standard.level3` is declared only in the 2023 parent.
    let pos = at(DRAFT, "standard.level3", 0, "standard.".len() + 1);
    let hover = c.hover(&draft, pos.clone());
    assert!(hover.contains("800 元"), "{hover}");
    let def = c.definition(&draft, pos);
    assert!(
        def["uri"]
            .as_str()
            .unwrap()
            .ends_with("2023-career-boost.bursar"),
        "{def}"
    );
    assert_eq!(def["range"]["start"], at(POLICY, "level3 \"", 0, 0));
    // `standard.level1` is overridden in the draft itself: its own amount.
    let hover = c.hover(
        &draft,
        at(DRAFT, "standard.level1", 0, "standard.".len() + 1),
    );
    assert!(hover.contains("2500 元"), "{hover}");
    c.shutdown();
}

#[test]
fn hover_and_definition_know_records_and_named_values() {
    let text = std::fs::read_to_string("policies/examples/best-certificate.bursar").unwrap();
    let mut c = Client::start();
    let uri = "file:///tmp/best-certificate.bursar";
    c.open(uri, &text);
    let record = c.hover(
        uri,
        at(&text, "list of Certificate", 0, "list of ".len() + 1),
    );
    assert!(
        record.contains("record `Certificate`") && record.contains("`issued`: `date`"),
        "{record}"
    );
    let named = c.hover(uri, at(&text, "any qualifying", 0, "any ".len() + 1));
    assert!(
        named.contains("named value `qualifying`") && named.contains("where level in 1..=3"),
        "{named}"
    );
    let def = c.definition(uri, at(&text, "any qualifying", 0, "any ".len() + 1));
    assert_eq!(def["range"]["start"], at(&text, "qualifying \"", 0, 0));
    c.shutdown();
}

#[test]
fn hover_knows_calendars_declared_and_built_in() {
    let mut c = Client::start();
    let path = "policies/examples/working-day-deadline.bursar";
    let uri = file_uri(path);
    let text = std::fs::read_to_string(path).unwrap();
    c.open(&uri, &text);
    let built_in = c.hover(&uri, at(&text, "calendar china", 0, "calendar ".len() + 1));
    assert!(
        built_in.contains("built-in calendar `china`") && built_in.contains("2023 to 2026"),
        "{built_in}"
    );

    let own = format!(
        "{}\ncalendar local \"本地\" {{\n  years 2025\n  holiday 2025-10-01 ..= 2025-10-08\n}}\n",
        text.replace("  calendar china\n", "  calendar local\n")
    );
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": own }] }));
    c.diagnostics();
    let hover = c.hover(&uri, at(&own, "calendar local", 0, "calendar ".len() + 1));
    assert!(
        hover
            .contains("calendar `local` — 本地: 2025; 1 holiday line, 0 make-up working day lines"),
        "{hover}"
    );
    let def = c.definition(&uri, at(&own, "calendar local", 0, "calendar ".len() + 1));
    assert_eq!(def["range"]["start"], at(&own, "local \"本地\"", 0, 0));
    c.shutdown();
}
