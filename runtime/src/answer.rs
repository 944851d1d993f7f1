//! A decision as JSON for the programs that show it: the one shape that
//! `bursar eval --format json` prints and the bindings return, kept here so
//! that every consumer of a bundle gets the same keys from the same code.

use crate::ir::Scheme;
use crate::{Decision, Explanation};

/// A decision in names, not indices: categories, table rows, rounds,
/// payers and quotas by the names the policy gives them. `bursar eval
/// --format json` prints it, one per line for `--applicants`.
pub fn decision_json(scheme: &Scheme, d: &Decision, e: &Explanation) -> serde_json::Value {
    let words = |r: crate::ir::RowRef| {
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
                .find(|l| l.status != crate::Status::Pass)
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
                let reason = (line.status != crate::Status::Pass).then(|| line.text.clone());
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
        payers.insert(crate::ir::SCHEME_PAYER.into(), serde_json::json!(d.awarded));
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
