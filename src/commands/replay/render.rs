//! A replay's findings and totals as text, JSON or CSV: one renderer per
//! format, each written as the findings come (so nothing is held back but
//! the totals).

use crate::commands::replay::{Finding, Pair, ReplayFormat, Totals};
use crate::decision_log::Verdict;

/// Turns a replay into text, piece by piece.
pub(crate) trait Renderer {
    fn start(&mut self, totals: &Totals) -> String;
    fn finding(&mut self, finding: &Finding) -> String;
    fn finish(&mut self, totals: &Totals) -> String;
}

pub(crate) fn renderer(format: ReplayFormat) -> Box<dyn Renderer> {
    match format {
        ReplayFormat::Text => Box::new(Text),
        ReplayFormat::Json => Box::new(Json { first: true }),
        ReplayFormat::Csv => Box::new(Csv),
    }
}

/// An amount in fen as a plain decimal, `-1234.56`.
fn plain(fen: i128) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// An amount in fen grouped for people, `1,234.56`.
fn grouped(fen: i128) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!(
        "{sign}{}.{:02}",
        bursar_runtime::money::group_thousands(&(abs / 100).to_string()),
        abs % 100
    )
}

fn outcome(v: &Verdict) -> String {
    serde_json::to_value(v.outcome)
        .ok()
        .and_then(|o| o.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A verdict on one line: `paid 2,000.00 (skill_boost 2,000.00) §三(一)`.
fn verdict_line(v: &Verdict) -> String {
    let awards: Vec<String> = v
        .awards
        .iter()
        .map(|a| format!("{} {}", a.category, a.amount.grouped()))
        .collect();
    let clauses: Vec<String> = v.clauses.iter().map(|c| format!("§{c}")).collect();
    let mut s = format!("{} {}", outcome(v), v.paid.grouped());
    if !awards.is_empty() {
        s.push_str(&format!(" ({})", awards.join(", ")));
    }
    if !clauses.is_empty() {
        s.push_str(&format!("  {}", clauses.join(" ")));
    }
    s.push_str(&format!("  — {}", v.summary));
    s
}

fn indented(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

struct Text;

impl Renderer for Text {
    fn start(&mut self, t: &Totals) -> String {
        format!(
            "replay of `{}` with the bundle {}\n\n",
            t.scheme, t.bundle_hash
        )
    }

    fn finding(&mut self, f: &Finding) -> String {
        match f {
            Finding::Changed {
                place,
                request_id,
                item,
                before,
                after,
                before_explanation,
                after_explanation,
            } => {
                let item = item.map(|i| format!(" item {i}")).unwrap_or_default();
                let mut s = format!(
                    "changed  {}:{}  request {request_id}{item}\n  before  {}\n  after   {}\n",
                    place.file,
                    place.line,
                    verdict_line(before),
                    verdict_line(after)
                );
                if let Some(e) = before_explanation {
                    s.push_str("  before, explained:\n");
                    s.push_str(&indented(&e.to_text(), "    "));
                }
                s.push_str("  after, explained:\n");
                s.push_str(&indented(&after_explanation.to_text(), "    "));
                s.push('\n');
                s
            }
            Finding::IntegrityError {
                place,
                request_id,
                bundle_hash,
                logged,
                decided,
                message,
                ..
            } => {
                let mut s = format!(
                    "integrity error  {}:{}  request {request_id}  bundle {bundle_hash}: {message}\n  logged   {}\n",
                    place.file,
                    place.line,
                    verdict_line(logged)
                );
                if let Some(d) = decided {
                    s.push_str(&format!("  decided  {}\n", verdict_line(d)));
                }
                s.push('\n');
                s
            }
            Finding::Unreadable { place, message } => {
                format!("unreadable  {}:{}: {message}\n\n", place.file, place.line)
            }
            Finding::Undecidable {
                place,
                request_id,
                message,
            } => format!(
                "undecidable  {}:{}  request {request_id}: {message}\n\n",
                place.file, place.line
            ),
        }
    }

    fn finish(&mut self, t: &Totals) -> String {
        let mut s = format!(
            "replayed {}, changed {}, verified against their bundle {}, integrity errors {}, unreadable {}, undecidable {}\n",
            t.replayed, t.changed, t.verified, t.integrity_errors, t.unreadable, t.undecidable
        );
        for (scheme, n) in &t.other_schemes {
            s.push_str(&format!(
                "not replayed: {n} records of scheme `{scheme}` (`--scheme {scheme}` replays them)\n"
            ));
        }
        let table =
            |s: &mut String, title: &str, rows: &std::collections::BTreeMap<String, Pair>| {
                if rows.is_empty() {
                    return;
                }
                let width = rows
                    .keys()
                    .map(|k| k.chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(title.len());
                s.push_str(&format!(
                    "\n{title:width$}  {:>8}  {:>8}  {:>16}  {:>16}  {:>16}\n",
                    "before", "after", "paid before", "paid after", "change"
                ));
                for (name, p) in rows {
                    s.push_str(&format!(
                        "{name:width$}  {:>8}  {:>8}  {:>16}  {:>16}  {:>16}\n",
                        p.count_before,
                        p.count_after,
                        grouped(p.paid_before),
                        grouped(p.paid_after),
                        grouped(p.paid_after - p.paid_before)
                    ));
                }
            };
        table(&mut s, "outcome", &t.by_outcome);
        table(&mut s, "category", &t.by_category);
        s
    }
}

struct Json {
    first: bool,
}

fn pairs_json(rows: &std::collections::BTreeMap<String, Pair>) -> serde_json::Value {
    rows.iter()
        .map(|(k, p)| {
            (
                k.clone(),
                serde_json::json!({
                    "count_before": p.count_before,
                    "count_after": p.count_after,
                    "paid_before": plain(p.paid_before),
                    "paid_after": plain(p.paid_after),
                }),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

impl Renderer for Json {
    fn start(&mut self, _: &Totals) -> String {
        "{\"findings\": [\n".into()
    }

    fn finding(&mut self, f: &Finding) -> String {
        let sep = if self.first { "" } else { ",\n" };
        self.first = false;
        format!("{sep}{}", serde_json::to_string(f).unwrap_or_default())
    }

    fn finish(&mut self, t: &Totals) -> String {
        let totals = serde_json::json!({
            "scheme": t.scheme,
            "bundle_hash": t.bundle_hash,
            "replayed": t.replayed,
            "changed": t.changed,
            "verified": t.verified,
            "integrity_errors": t.integrity_errors,
            "unreadable": t.unreadable,
            "undecidable": t.undecidable,
            "other_schemes": t.other_schemes,
            "by_outcome": pairs_json(&t.by_outcome),
            "by_category": pairs_json(&t.by_category),
        });
        format!(
            "\n],\n\"totals\": {}}}\n",
            serde_json::to_string_pretty(&totals).unwrap_or_default()
        )
    }
}

struct Csv;

/// The columns: a finding per row, then the totals per outcome and per
/// category (`kind` = `outcome` or `category`, `name` saying which).
const CSV_HEADER: [&str; 13] = [
    "kind",
    "file",
    "line",
    "request_id",
    "item",
    "name",
    "count_before",
    "count_after",
    "outcome_before",
    "outcome_after",
    "paid_before",
    "paid_after",
    "message",
];

fn csv_row(cells: [String; 13]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(&cells);
    w.into_inner()
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}

impl Renderer for Csv {
    fn start(&mut self, _: &Totals) -> String {
        csv_row(CSV_HEADER.map(str::to_string))
    }

    fn finding(&mut self, f: &Finding) -> String {
        let e = String::new;
        match f {
            Finding::Changed {
                place,
                request_id,
                item,
                before,
                after,
                ..
            } => csv_row([
                "changed".into(),
                place.file.clone(),
                place.line.to_string(),
                request_id.clone(),
                item.map(|i| i.to_string()).unwrap_or_default(),
                e(),
                e(),
                e(),
                outcome(before),
                outcome(after),
                before.paid.to_string(),
                after.paid.to_string(),
                after.summary.clone(),
            ]),
            Finding::IntegrityError {
                place,
                request_id,
                item,
                logged,
                decided,
                message,
                ..
            } => csv_row([
                "integrity_error".into(),
                place.file.clone(),
                place.line.to_string(),
                request_id.clone(),
                item.map(|i| i.to_string()).unwrap_or_default(),
                e(),
                e(),
                e(),
                outcome(logged),
                decided.as_ref().map(outcome).unwrap_or_default(),
                logged.paid.to_string(),
                decided
                    .as_ref()
                    .map(|d| d.paid.to_string())
                    .unwrap_or_default(),
                message.clone(),
            ]),
            Finding::Unreadable { place, message } => csv_row([
                "unreadable".into(),
                place.file.clone(),
                place.line.to_string(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                message.clone(),
            ]),
            Finding::Undecidable {
                place,
                request_id,
                message,
            } => csv_row([
                "undecidable".into(),
                place.file.clone(),
                place.line.to_string(),
                request_id.clone(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                message.clone(),
            ]),
        }
    }

    fn finish(&mut self, t: &Totals) -> String {
        let mut s = String::new();
        for (kind, rows) in [("outcome", &t.by_outcome), ("category", &t.by_category)] {
            for (name, p) in rows {
                s.push_str(&csv_row([
                    kind.into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    name.clone(),
                    p.count_before.to_string(),
                    p.count_after.to_string(),
                    String::new(),
                    String::new(),
                    plain(p.paid_before),
                    plain(p.paid_after),
                    String::new(),
                ]));
            }
        }
        s
    }
}
