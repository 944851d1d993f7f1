//! Witnesses: for each change between two schemes, a concrete applicant
//! whose decision it changes, built from the conditions alone.
//!
//! For a change, the search compares OLD with OLD-plus-that-change (a
//! [`crate::diff::hybrid`]), so the difference is the change's own.
//! Candidates are built from each field's boundary values: every literal the
//! conditions compare the field with, and its neighbours (one less, one
//! more; the day before, the day after), every enum value, true and false,
//! and absence; when the calendars differ, days around the holidays only
//! one of them has. Fields the change's categories do not read stay absent (or
//! false). The first applicant decided differently is the witness, preferring
//! one that OLD and NEW also decide differently. Every witness is checked by
//! evaluating it with the runtime, the same evaluator that ships.
//!
//! A change to wording only (labels, clause texts, header) is neutral by
//! construction: the evaluator never reads it. A behavioural change with no
//! witness among the candidates is reported as such, with the number
//! searched: evidence, not proof.

use std::collections::BTreeMap;

use bursar_runtime::ir::{Expr, FieldId, Pattern, Scheme, Type, Value};
use bursar_runtime::{evaluate, explain, Applicant, Decision, Words};
use chrono::Days;
use serde::Serialize;

use crate::diff::{hybrid, Change};

/// At most this many candidates are evaluated per change.
pub const SEARCH_LIMIT: usize = 200_000;

/// The witness for one change.
#[derive(Clone, Debug, Serialize)]
pub struct Witness {
    pub change: String,
    #[serde(flatten)]
    pub finding: Finding,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum Finding {
    /// An applicant decided differently.
    Found {
        /// The applicant's values by field name (absent fields left out).
        applicant: BTreeMap<String, String>,
        /// Decided differently by OLD and NEW as a whole, not only by this
        /// change alone (another change can cancel this one out).
        differs_between_old_and_new: bool,
        old_decision: String,
        /// Under NEW when that differs from OLD; otherwise under OLD with
        /// this change alone, which does. Never the same as `old_decision`.
        new_decision: String,
        #[serde(skip)]
        values: Applicant,
    },
    /// No applicant can be affected, and why that is known.
    Neutral { why: String },
    /// None of the candidates was affected.
    NotFound { searched: usize },
}

/// Finds a witness for every change.
pub fn witnesses(old: &Scheme, new: &Scheme, changes: &[Change]) -> Vec<Witness> {
    changes
        .iter()
        .enumerate()
        .map(|(i, c)| Witness {
            change: c.id.clone(),
            finding: if c.behavioural {
                let with_change = hybrid(old, new, changes, &[i]);
                let categories: Vec<String> = match c.category() {
                    Some(name) => vec![name.to_string()],
                    None => {
                        let mut all: Vec<String> = old.categories.iter().map(|c| c.name.clone()).collect();
                        all.extend(with_change.categories.iter().map(|c| c.name.clone()).filter(|n| !old.categories.iter().any(|c| &c.name == n)));
                        all
                    }
                };
                search(old, new, &with_change, &categories)
            } else {
                Finding::Neutral {
                    why: "the change is to wording the evaluator never reads (a label, a clause's text or the header)".into(),
                }
            },
        })
        .collect()
}

/// What a decision amounts to: the outcome, the awards by category name
/// (indices differ between schemes) and each payer's top-up by its name.
/// Compared for every candidate, so it builds no text.
type BottomLine<'s> = (
    bursar_runtime::Outcome,
    Vec<(&'s str, bursar_runtime::Money)>,
    Vec<(&'s str, bursar_runtime::Money)>,
);

fn bottom_line<'s>(s: &'s Scheme, d: &Decision) -> BottomLine<'s> {
    let awards = d
        .awards
        .iter()
        .map(|a| {
            (
                s.categories
                    .get(a.category as usize)
                    .map_or("?", |c| c.name.as_str()),
                a.payout.amount,
            )
        })
        .collect();
    let top_ups = s
        .payers
        .iter()
        .zip(&d.payers)
        .filter(|(_, share)| share.amount > bursar_runtime::Money::ZERO)
        .map(|(p, share)| (p.name.as_str(), share.amount))
        .collect();
    (d.outcome, awards, top_ups)
}

/// A decision as one line, for showing a witness.
fn summary(s: &Scheme, d: &Decision) -> String {
    let blank = Applicant::empty(s);
    let w = Words::new(s, &blank);
    let awards: Vec<String> = d
        .awards
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                s.categories
                    .get(a.category as usize)
                    .map_or("?", |c| c.name.as_str()),
                w.money(a.payout.amount)
            )
        })
        .collect();
    let top_ups: String = s
        .payers
        .iter()
        .zip(&d.payers)
        .filter(|(_, share)| share.amount > bursar_runtime::Money::ZERO)
        .map(|(p, share)| format!(", {} {}", p.name, w.money(share.amount)))
        .collect();
    format!(
        "{:?}: {}{top_ups}",
        d.outcome,
        if awards.is_empty() {
            "no award".to_string()
        } else {
            awards.join(", ")
        }
    )
    .to_lowercase()
}

/// Tries the categories one at a time: an applicant qualifying for one
/// category at a time gives the clearest witness, and keeps each search small.
fn search(old: &Scheme, new: &Scheme, with_change: &Scheme, categories: &[String]) -> Finding {
    let mut searched = 0usize;
    let mut fallback: Option<Applicant> = None;
    for category in categories {
        let fields = relevant_fields(old, with_change, category);
        let values: Vec<(FieldId, Vec<Option<Value>>)> = fields
            .iter()
            .map(|f| (*f, candidates(old, with_change, *f)))
            .collect();
        let mut index = vec![0usize; values.len()];
        loop {
            if searched >= SEARCH_LIMIT {
                break;
            }
            let mut a = Applicant::empty(old);
            for (slot, (field, options)) in values.iter().enumerate() {
                let v = index
                    .get(slot)
                    .and_then(|i| options.get(*i))
                    .cloned()
                    .flatten();
                a.set(*field, v);
            }
            neutral_required(old, &mut a);
            searched += 1;
            let (da, db) = (evaluate(old, &a), evaluate(with_change, &a));
            if bottom_line(old, &da) != bottom_line(with_change, &db) {
                let dn = evaluate(new, &a);
                if bottom_line(old, &da) != bottom_line(new, &dn) {
                    return found(old, new, a, true);
                }
                if fallback.is_none() {
                    fallback = Some(a);
                }
            }
            // Next combination (odometer; the first field turns fastest).
            let mut carry = true;
            for (slot, (_, options)) in values.iter().enumerate() {
                if !carry {
                    break;
                }
                if let Some(i) = index.get_mut(slot) {
                    *i += 1;
                    if *i >= options.len() {
                        *i = 0;
                    } else {
                        carry = false;
                    }
                }
            }
            if carry {
                break;
            }
        }
    }
    match fallback {
        Some(a) => found(old, with_change, a, false),
        None => Finding::NotFound { searched },
    }
}

/// A witness, decided again under OLD and `other` (NEW, or OLD with the
/// change alone when `both` is false) to confirm that the two differ: a
/// witness whose two decisions agree is no witness.
fn found(old: &Scheme, other: &Scheme, a: Applicant, both: bool) -> Finding {
    let (d_old, d_other) = (evaluate(old, &a), evaluate(other, &a));
    if bottom_line(old, &d_old) == bottom_line(other, &d_other) {
        return Finding::NotFound { searched: 0 };
    }
    let blank = Applicant::empty(old);
    let w = Words::new(old, &blank);
    let applicant = old
        .applicant
        .iter()
        .enumerate()
        .filter_map(|(i, f)| a.get(i as FieldId).map(|v| (f.name.clone(), w.value(v))))
        .collect();
    Finding::Found {
        applicant,
        differs_between_old_and_new: both,
        old_decision: summary(old, &d_old),
        new_decision: summary(other, &d_other),
        values: a,
    }
}

/// Fields the requirements, one category (in either scheme) and the
/// application read.
fn relevant_fields(a: &Scheme, b: &Scheme, category: &str) -> Vec<FieldId> {
    let mut out: Vec<FieldId> = Vec::new();
    for s in [a, b] {
        let mut push = |f: FieldId| {
            if !out.contains(&f) {
                out.push(f);
            }
        };
        for c in &s.requirements {
            s.visit_fields(&c.expr, &mut push);
        }
        for cat in s.categories.iter().filter(|c| c.name == category) {
            for c in &cat.conditions {
                s.visit_fields(&c.expr, &mut push);
            }
            s.visit_fields(&cat.pay, &mut push);
        }
        if let Some(app) = &s.application {
            if let Some(r) = app.received {
                push(r);
            }
        }
        // Whom a payer tops up: a change of payer shows on its members.
        for p in &s.payers {
            for c in &p.conditions {
                s.visit_fields(&c.expr, &mut push);
            }
        }
    }
    out
}

/// Required fields not searched get a neutral value, so the applicant is valid.
fn neutral_required(s: &Scheme, a: &mut Applicant) {
    for (i, f) in s.applicant.iter().enumerate() {
        if f.optional || a.get(i as FieldId).is_some() {
            continue;
        }
        let v = match f.ty {
            Type::Bool => Value::Bool(false),
            Type::Int => Value::Int(0),
            Type::Money => Value::Money(bursar_runtime::Money::ZERO),
            Type::Date => Value::Date(chrono::NaiveDate::default()),
            Type::DateTime => Value::DateTime(chrono::NaiveDateTime::default()),
            Type::Text => Value::Text("W".into()),
            Type::Decimal => Value::Decimal(bursar_runtime::decimal::Decimal::ZERO),
            Type::List(_) => Value::List(Vec::new().into()),
            Type::Duration | Type::Unrounded => continue,
            Type::Enum(e) => Value::Enum { ty: e, variant: 0 },
        };
        a.set(i as FieldId, Some(v));
    }
}

/// Boundary values for a field, from both schemes.
fn candidates(a: &Scheme, b: &Scheme, field: FieldId) -> Vec<Option<Value>> {
    let Some(f) = a.applicant.get(field as usize) else {
        return vec![None];
    };
    let mut literals: Vec<Value> = Vec::new();
    for s in [a, b] {
        let mut collect = |e: &Expr| literals_for(e, field, &mut literals);
        for c in &s.requirements {
            collect(&c.expr);
        }
        for cat in &s.categories {
            for c in &cat.conditions {
                collect(&c.expr);
            }
            collect(&cat.pay);
        }
        for p in &s.payers {
            for c in &p.conditions {
                collect(&c.expr);
            }
        }
        if let Some(app) = &s.application {
            if app.received == Some(field) {
                for e in app.deadline.iter().chain(app.opens.iter()) {
                    if let Expr::Lit(v) = e {
                        literals.push(v.clone());
                    }
                }
            }
        }
    }
    if let Type::List(r) = f.ty {
        return list_candidates(a, b, r);
    }
    // Absence first: the first witness found then sets as few fields as it
    // can; except the application date, so that witnesses apply and are paid.
    let received = a.application.as_ref().and_then(|app| app.received) == Some(field);
    let mut out: Vec<Option<Value>> = if f.optional && !received {
        vec![None]
    } else {
        Vec::new()
    };
    let mut push = |v: Value| {
        if !out.contains(&Some(v.clone())) {
            out.push(Some(v));
        }
    };
    match f.ty {
        Type::Bool => {
            push(Value::Bool(true));
            push(Value::Bool(false));
        }
        Type::Enum(e) => {
            let n = a.enums.get(e as usize).map_or(0, |d| d.variants.len());
            for v in 0..n {
                push(Value::Enum {
                    ty: e,
                    variant: v as u32,
                });
            }
        }
        Type::Int
        | Type::Money
        | Type::Date
        | Type::DateTime
        | Type::Text
        | Type::Duration
        | Type::Decimal
        | Type::Unrounded
        | Type::List(..) => {
            for l in &literals {
                push(l.clone());
                for n in neighbours(l) {
                    push(n);
                }
            }
            if f.ty == Type::Date {
                for d in calendar_days(a, b) {
                    push(Value::Date(d));
                }
            }
            if literals.is_empty() {
                match f.ty {
                    Type::Int => push(Value::Int(1)),
                    Type::Text => push(Value::Text("W".into())),
                    Type::Bool
                    | Type::Money
                    | Type::Date
                    | Type::DateTime
                    | Type::Duration
                    | Type::Enum(..)
                    | Type::Decimal
                    | Type::Unrounded
                    | Type::List(..) => {}
                }
            }
        }
    }
    if f.optional && received {
        out.push(None);
    }
    out
}

/// Days to try in a date field when the two schemes count working days by
/// different calendars: around each run of days only one of them has, in
/// the first scheme's period: the day before it starts (counting from
/// there crosses it), and the week after it ends (where a deadline counted
/// across it falls).
fn calendar_days(a: &Scheme, b: &Scheme) -> Vec<chrono::NaiveDate> {
    if a.calendar == b.calendar {
        return Vec::new();
    }
    let spans = |s: &Scheme| -> Vec<bursar_runtime::ir::DaySpan> {
        s.calendar
            .as_ref()
            .map(|c| {
                c.holidays
                    .iter()
                    .chain(c.workdays.iter())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    let (sa, sb) = (spans(a), spans(b));
    let period = a.header.period.or(b.header.period);
    let mut out = Vec::new();
    for span in sa
        .iter()
        .filter(|x| !sb.contains(x))
        .chain(sb.iter().filter(|x| !sa.contains(x)))
    {
        if period.is_some_and(|p| span.to < p.start || span.from > p.end) {
            continue;
        }
        if let Some(d) = span.from.checked_sub_days(Days::new(1)) {
            out.push(d);
        }
        for k in 1..=7 {
            if let Some(d) = span.to.checked_add_days(Days::new(k)) {
                out.push(d);
            }
        }
    }
    out
}

/// Lists to try: none, and one item built from the first (or the last) of
/// the values the schemes compare each item field with. Not a search of
/// every combination: a witness that needs two different items is not found.
fn list_candidates(a: &Scheme, b: &Scheme, r: bursar_runtime::ir::RecordId) -> Vec<Option<Value>> {
    let Some(record) = a.records.get(r as usize) else {
        return vec![Some(Value::List(Vec::new().into()))];
    };
    let mut per_field: Vec<Vec<Value>> = vec![Vec::new(); record.fields.len()];
    let mut exprs: Vec<&Expr> = Vec::new();
    for s in [a, b] {
        exprs.extend(s.requirements.iter().map(|c| &c.expr));
        for cat in &s.categories {
            exprs.extend(cat.conditions.iter().map(|c| &c.expr));
            exprs.push(&cat.pay);
        }
        exprs.extend(s.lets.iter().map(|l| &l.expr));
    }
    for e in exprs {
        e.walk(&mut |x| {
            if let Some((Expr::Item(i), values)) = x.tested_values() {
                if let Some(slot) = per_field.get_mut(*i as usize) {
                    slot.extend(values);
                }
            }
        });
    }
    let neutral = |f: &bursar_runtime::ir::Field| match f.ty {
        Type::Bool => Value::Bool(true),
        Type::Int => Value::Int(1),
        Type::Money => Value::Money(bursar_runtime::Money::ZERO),
        Type::Date => Value::Date(chrono::NaiveDate::default()),
        Type::DateTime => Value::DateTime(chrono::NaiveDateTime::default()),
        Type::Enum(e) => Value::Enum { ty: e, variant: 0 },
        Type::Decimal => Value::Decimal(bursar_runtime::decimal::Decimal::ZERO),
        Type::Text | Type::Duration | Type::Unrounded | Type::List(_) => Value::Text("W".into()),
    };
    let item = |last: bool| -> Vec<Option<Value>> {
        record
            .fields
            .iter()
            .zip(&per_field)
            .map(|(f, vals)| {
                let v = if last { vals.last() } else { vals.first() };
                Some(v.cloned().unwrap_or_else(|| neutral(f)))
            })
            .collect()
    };
    let mut lists = vec![
        Some(Value::List(Vec::new().into())),
        Some(Value::List(vec![item(false)].into())),
        Some(Value::List(vec![item(true)].into())),
    ];
    // An item whose optional fields are all absent.
    if record.fields.iter().any(|f| f.optional) {
        let absent: Vec<Option<Value>> = item(false)
            .into_iter()
            .zip(&record.fields)
            .map(|(v, f)| if f.optional { None } else { v })
            .collect();
        lists.push(Some(Value::List(vec![absent].into())));
    }
    lists
}

fn neighbours(v: &Value) -> Vec<Value> {
    match v {
        Value::Int(n) => [n.checked_sub(1), n.checked_add(1)]
            .into_iter()
            .flatten()
            .map(Value::Int)
            .collect(),
        Value::Money(m) => [
            m.checked_sub(bursar_runtime::Money(1)),
            m.checked_add(bursar_runtime::Money(1)),
        ]
        .into_iter()
        .flatten()
        .map(Value::Money)
        .collect(),
        Value::Date(d) => [
            d.checked_sub_days(Days::new(1)),
            d.checked_add_days(Days::new(1)),
        ]
        .into_iter()
        .flatten()
        .map(Value::Date)
        .collect(),
        Value::DateTime(t) => [
            t.checked_sub_signed(chrono::TimeDelta::seconds(1)),
            t.checked_add_signed(chrono::TimeDelta::seconds(1)),
        ]
        .into_iter()
        .flatten()
        .map(Value::DateTime)
        .collect(),
        Value::Bool(..)
        | Value::Text(..)
        | Value::Enum { .. }
        | Value::Duration(..)
        | Value::Decimal(..)
        | Value::List(..) => Vec::new(),
    }
}

/// Literals an expression compares `field` with (in comparisons, sets, ranges
/// and match patterns).
fn literals_for(e: &Expr, field: FieldId, out: &mut Vec<Value>) {
    let is_field = |x: &Expr| {
        matches!(x, Expr::Field(f) if *f == field)
            || matches!(x, Expr::Call { args, .. } if args.iter().any(|a| matches!(a, Expr::Field(f) if *f == field)))
    };
    match e {
        Expr::Compare { lhs, rhs, .. } => {
            for (x, y) in [(lhs, rhs), (rhs, lhs)] {
                if is_field(x) {
                    if let Expr::Lit(v) = &**y {
                        // `year(d) == 2021` names a year: try its first and last day.
                        if let (Expr::Call { .. }, Value::Int(year)) = (&**x, v) {
                            for (m, d) in [(1, 1), (12, 31)] {
                                if let Some(day) = i32::try_from(*year)
                                    .ok()
                                    .and_then(|y| chrono::NaiveDate::from_ymd_opt(y, m, d))
                                {
                                    out.push(Value::Date(day));
                                }
                            }
                        } else {
                            out.push(v.clone());
                        }
                    }
                }
            }
            literals_for(lhs, field, out);
            literals_for(rhs, field, out);
        }
        Expr::InSet { expr, set } if is_field(expr) => out.extend(set.iter().cloned()),
        Expr::InRange { expr, lo, hi, .. } if is_field(expr) => {
            for b in lo.iter().chain(hi.iter()) {
                if let Expr::Lit(v) = &**b {
                    out.push(v.clone());
                }
            }
        }
        Expr::Match { scrutinee, arms } => {
            if is_field(scrutinee) {
                for arm in arms {
                    for p in &arm.patterns {
                        match p {
                            Pattern::Value(v) => out.push(v.clone()),
                            Pattern::Range { lo, hi, .. } => {
                                out.extend(lo.iter().chain(hi.iter()).cloned())
                            }
                            Pattern::Wildcard => {}
                        }
                    }
                }
            }
            arms.iter().for_each(|a| literals_for(&a.body, field, out));
        }
        Expr::And(items) | Expr::Or(items) => {
            items.iter().for_each(|e| literals_for(e, field, out));
        }
        Expr::Not(a) => literals_for(a, field, out),
        Expr::If {
            cond,
            then,
            otherwise,
        } => {
            literals_for(cond, field, out);
            literals_for(then, field, out);
            literals_for(otherwise, field, out);
        }
        Expr::Lit(..)
        | Expr::Field(..)
        | Expr::Row(..)
        | Expr::Lookup { .. }
        | Expr::Neg(..)
        | Expr::Arith { .. }
        | Expr::InSet { .. }
        | Expr::InRange { .. }
        | Expr::IsPresent(..)
        | Expr::Let(..)
        | Expr::RoundPart(_)
        | Expr::Item(..)
        | Expr::ItemPresent(..)
        | Expr::Any(..)
        | Expr::All { .. }
        | Expr::Aggregate { .. }
        | Expr::Round { .. }
        | Expr::Default { .. }
        | Expr::ItemDefault { .. }
        | Expr::Call { .. } => {}
    }
}

/// The witnesses as text, each with its explanations under OLD and NEW.
pub fn to_text(old: &Scheme, new: &Scheme, changes: &[Change], witnesses: &[Witness]) -> String {
    let mut out = String::from("\nwitnesses\n");
    for (i, (c, w)) in changes.iter().zip(witnesses).enumerate() {
        out.push_str(&format!("\n  {} ({})\n", c.subject, c.id));
        match &w.finding {
            Finding::Neutral { why } => out.push_str(&format!("    no applicant is affected: {why}\n")),
            Finding::NotFound { searched } => out.push_str(&format!(
                "    no affected applicant among {searched} candidates built from the conditions' boundary values (evidence, not proof)\n"
            )),
            Finding::Found {
                applicant,
                differs_between_old_and_new,
                values,
                ..
            } => {
                let fields: Vec<String> = applicant.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                out.push_str(&format!("    applicant: {}\n", fields.join(", ")));
                // Shown against the scheme it was found to differ from.
                let alone;
                let other = if *differs_between_old_and_new {
                    ("new", new)
                } else {
                    out.push_str("    (decided differently with this change alone; with all the changes another one cancels it out)\n");
                    alone = hybrid(old, new, changes, &[i]);
                    ("old with this change alone", &alone)
                };
                for (label, s) in [("old", old), other] {
                    let d = evaluate(s, values);
                    out.push_str(&format!("    under {label}:\n"));
                    for line in explain(s, values, &d).to_text().lines() {
                        out.push_str(&format!("      {line}\n"));
                    }
                }
            }
        }
    }
    out
}
