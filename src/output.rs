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

/// `bursar eval --format json`: the decision in names, not indices.
pub fn decision_json(
    scheme: &bursar_runtime::ir::Scheme,
    d: &bursar_runtime::Decision,
    e: &bursar_runtime::Explanation,
) -> serde_json::Value {
    let words = |r: bursar_runtime::ir::RowRef| {
        scheme.tables.get(r.table as usize).and_then(|t| {
            t.rows
                .get(r.row as usize)
                .map(|row| format!("{}.{}", t.name, row.name))
        })
    };
    let awards: Vec<serde_json::Value> = d
        .awards
        .iter()
        .map(|a| {
            serde_json::json!({
                "category": scheme.categories.get(a.category as usize).map(|c| c.name.clone()),
                "amount": a.payout.amount,
                "row": a.payout.row.and_then(words),
            })
        })
        .collect();
    // Money as a plain decimal string, as everywhere in JSON: the amount
    // from the decision, not the explanation's words for people.
    let categories: serde_json::Map<String, serde_json::Value> = e
        .categories
        .iter()
        .zip(&d.categories)
        .map(|(c, cd)| {
            let reason = c
                .conditions
                .iter()
                .find(|l| l.status != bursar_runtime::Status::Pass)
                .filter(|_| !c.eligible)
                .map(|l| l.text.clone());
            let amount = cd.payout.map(|p| p.amount);
            (
                c.name.clone(),
                serde_json::json!({ "eligible": c.eligible, "amount": amount, "reason": reason }),
            )
        })
        .collect();
    let mut out = serde_json::json!({
        "scheme": scheme.id,
        "applicant": e.applicant,
        "outcome": d.outcome,
        "paid": d.paid(),
        "awards": awards,
        "categories": categories,
        "application": d.application,
        "schedule": scheme.timeline.iter().zip(&d.schedule).map(|(s, date)| (s.name.clone(), serde_json::json!(date))).collect::<serde_json::Map<_, _>>(),
        "summary": e.summary,
        "errors": e.errors.iter().map(|l| l.text.clone()).collect::<Vec<_>>(),
    });
    // Only for a scheme with rounds, so other schemes' output is unchanged:
    // what each round paid, when, and why not.
    if let (false, Some(map)) = (d.rounds.is_empty(), out.as_object_mut()) {
        let rounds: serde_json::Map<String, serde_json::Value> = d
            .rounds
            .iter()
            .zip(&e.rounds)
            .filter_map(|(rd, line)| {
                let r = scheme.rounds.get(rd.round as usize)?;
                let awards: Vec<Option<String>> = rd
                    .awards
                    .iter()
                    .map(|a| {
                        scheme
                            .categories
                            .get(a.category as usize)
                            .map(|c| c.name.clone())
                    })
                    .collect();
                let reason =
                    (line.status != bursar_runtime::Status::Pass).then(|| line.text.clone());
                Some((
                    r.name.clone(),
                    serde_json::json!({
                        "date": r.date,
                        "paid_start": r.paid.start,
                        "paid_end": r.paid.end,
                        "awards": awards,
                        "total": rd.total,
                        "reason": reason,
                    }),
                ))
            })
            .collect();
        map.insert("rounds".into(), serde_json::Value::Object(rounds));
    }
    // Only for a scheme with payers: each payer's share of the awards,
    // the scheme's own first.
    if let (false, Some(map)) = (scheme.payers.is_empty(), out.as_object_mut()) {
        let mut payers = serde_json::Map::new();
        payers.insert(
            bursar_runtime::ir::SCHEME_PAYER.into(),
            serde_json::json!(d.awarded),
        );
        for (p, share) in scheme.payers.iter().zip(&d.payers) {
            payers.insert(p.name.clone(), serde_json::json!(share.amount));
        }
        map.insert("payers".into(), serde_json::Value::Object(payers));
    }
    // Only for a scheme with quotas, so other schemes' output is unchanged.
    if let (Some(q), Some(map)) = (
        d.quota.and_then(|q| scheme.quotas.get(q as usize)),
        out.as_object_mut(),
    ) {
        map.insert("quota".into(), serde_json::json!(q.name));
        if let Some(rank) = d.quota_rank {
            map.insert("rank".into(), serde_json::json!(rank));
        }
    }
    out
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
