//! Semantic diff: what changed between two checked schemes, as the policy
//! says it (amounts, windows, conditions, categories, the award rule, the
//! timeline), not as the text says it.
//!
//! Each [`Change`] can also be applied on its own to the old scheme
//! ([`hybrid`]), which is what budget attribution and witnesses are built on:
//! a scheme with some of the changes is a real scheme the runtime can run.

use bursar_runtime::ir::{
    self, Category, Condition, Expr, ItemSet, LetId, RowAmount, RowRef, Scheme, TableId,
};
use bursar_runtime::{Applicant, Words};
use serde::Serialize;

/// One change between OLD and NEW.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Stable within one diff: `standard.level1`, `category.vocational.conditions`.
    pub id: String,
    pub kind: ChangeKind,
    /// What the change is about, in the policy's words.
    pub subject: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// For condition changes: the lines only in OLD and only in NEW.
    pub removed: Vec<String>,
    pub added: Vec<String>,
    pub old_clause: Option<String>,
    pub new_clause: Option<String>,
    /// Whether the change can alter any decision. Labels, clause texts and
    /// header information cannot: the evaluator never reads them.
    pub behavioural: bool,
    /// Rows whose amount follows this row's ("same as").
    pub also_changes: Vec<String>,
    #[serde(skip)]
    target: Target,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Header,
    Clause,
    Amount,
    RowAdded,
    RowRemoved,
    CategoryAdded,
    CategoryRemoved,
    /// One condition of a category changed in place, added or removed.
    Condition,
    /// A named value (`let`) changed, added or removed.
    Value,
    Pay,
    CategoryLabel,
    Requirements,
    Award,
    Application,
    Timeline,
    /// A quota added, removed, or changed (its places, who competes, or
    /// the order places go in).
    Quota,
    /// A payer added, removed, or changed (whose awards it tops up, its
    /// ratio or its cap).
    Payer,
    /// The calendar `working_days` count by: its years, holidays or
    /// make-up working days.
    Calendar,
    /// A round added, removed, or changed (its qualifying day, amount or
    /// payment window).
    Round,
    /// A new applicant field, record field or enum value: what the new
    /// edition reads that the old did not. Not itself a change of
    /// decisions: the rules that read it are listed as their own changes.
    InputAdded,
}

impl Change {
    /// The category this change is confined to, if it is confined to one.
    pub fn category(&self) -> Option<&str> {
        match &self.target {
            Target::CategoryAdded(c)
            | Target::CategoryRemoved(c)
            | Target::Condition(c, _)
            | Target::Pay(c) => Some(c),
            _ => None,
        }
    }
}

/// Where a change applies, by name (indices differ between schemes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Target {
    #[default]
    None,
    Row(String, String),
    CategoryAdded(String),
    CategoryRemoved(String),
    /// A category's condition, by its step in [`align`] of the old and new
    /// conditions.
    Condition(String, usize),
    Pay(String),
    /// A named value, by name.
    Let(String),
    Requirements,
    Award,
    Application,
    Step(String),
    /// A quota, by name.
    Quota(String),
    /// A payer, by name.
    Payer(String),
    Calendar,
    /// A round, by name.
    Round(String),
}

/// Why two schemes cannot be diffed change by change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incomparable(pub String);

/// The changes from `old` to `new`, in a stable order.
pub fn diff(old: &Scheme, new: &Scheme) -> Result<Vec<Change>, Incomparable> {
    if !grows(old, new) {
        return Err(Incomparable(
            "the new scheme does not read the old one's applicant record, records and enums (it may add to them, not change or remove them); a change-by-change diff needs that".into(),
        ));
    }
    let blank = Applicant::empty(old);
    let wo = Words::new(old, &blank);
    let wn = Words::new(new, &blank);
    let mut out = Vec::new();
    let base = |id: String, kind: ChangeKind, subject: String| Change {
        id,
        kind,
        subject,
        old: None,
        new: None,
        removed: Vec::new(),
        added: Vec::new(),
        old_clause: None,
        new_clause: None,
        behavioural: false,
        also_changes: Vec::new(),
        target: Target::None,
    };

    // Header: information only.
    let (ho, hn) = (&old.header, &new.header);
    let fields: [(&str, Option<String>, Option<String>); 6] = [
        ("id", Some(old.id.clone()), Some(new.id.clone())),
        ("title", ho.title.clone(), hn.title.clone()),
        ("issuer", ho.issuer.clone(), hn.issuer.clone()),
        ("document", ho.document.clone(), hn.document.clone()),
        (
            "published",
            ho.published.map(|d| d.to_string()),
            hn.published.map(|d| d.to_string()),
        ),
        (
            "period",
            ho.period.map(|p| format!("{} ..= {}", p.start, p.end)),
            hn.period.map(|p| format!("{} ..= {}", p.start, p.end)),
        ),
    ];
    for (name, a, b) in fields {
        if a != b {
            let mut c = base(
                format!("header.{name}"),
                ChangeKind::Header,
                format!("header `{name}`"),
            );
            c.old = a;
            c.new = b;
            out.push(c);
        }
    }

    // What the new edition adds to the input.
    for f in new.applicant.iter().skip(old.applicant.len()) {
        let mut c = base(
            format!("applicant.{}", f.name),
            ChangeKind::InputAdded,
            format!("applicant field `{}` added", f.name),
        );
        c.new = Some(format!("{} {}", f.name, f.ty.name(&new.enums)));
        out.push(c);
    }
    for (i, r) in new.records.iter().enumerate() {
        let before = old.records.get(i).map_or(0, |o| o.fields.len());
        for f in r.fields.iter().skip(before) {
            let mut c = base(
                format!("record.{}.{}", r.name, f.name),
                ChangeKind::InputAdded,
                format!("field `{}` added to record `{}`", f.name, r.name),
            );
            c.new = Some(format!("{} {}", f.name, f.ty.name(&new.enums)));
            out.push(c);
        }
    }
    for (i, e) in new.enums.iter().enumerate() {
        let before = old.enums.get(i).map_or(0, |o| o.variants.len());
        for v in e.variants.iter().skip(before) {
            let c = base(
                format!("enum.{}.{}", e.name, v.name),
                ChangeKind::InputAdded,
                format!("value `{}` added to enum `{}`", v.name, e.name),
            );
            out.push(c);
        }
    }

    // Amounts, row by row (a "same as" row that still refers to the same row
    // is not itself a change; it is listed under `also_changes`).
    for t in &new.tables {
        let old_table = old.tables.iter().find(|x| x.name == t.name);
        for (ri, row) in t.rows.iter().enumerate() {
            let id = format!("{}.{}", t.name, row.name);
            let new_def = amount_text(&wn, new, &row.amount);
            let old_row = old_table.and_then(|ot| ot.rows.iter().find(|r| r.name == row.name));
            match old_row {
                None => {
                    let mut c = base(id.clone(), ChangeKind::RowAdded, format!("row `{id}`"));
                    c.new = Some(new_def);
                    c.new_clause = row.clause.clone().or(t.clause.clone());
                    c.behavioural = true;
                    c.target = Target::Row(t.name.clone(), row.name.clone());
                    out.push(c);
                }
                Some(orow) => {
                    let old_def = amount_text(&wo, old, &orow.amount);
                    // A row defined "the same as" another changes only if its
                    // definition does; a change of the row it follows is listed
                    // there (`also_changes`).
                    if definition(&wo, &orow.amount) != definition(&wn, &row.amount) {
                        let mut c = base(
                            id.clone(),
                            ChangeKind::Amount,
                            format!(
                                "`{id}`{}",
                                row.label
                                    .as_ref()
                                    .map(|l| format!(" {l}"))
                                    .unwrap_or_default()
                            ),
                        );
                        c.old = Some(old_def);
                        c.new = Some(new_def);
                        c.old_clause = orow
                            .clause
                            .clone()
                            .or(old_table.and_then(|ot| ot.clause.clone()));
                        c.new_clause = row.clause.clone().or(t.clause.clone());
                        c.behavioural = true;
                        c.also_changes = dependents(new, t.name.as_str(), ri as u32);
                        c.target = Target::Row(t.name.clone(), row.name.clone());
                        out.push(c);
                    }
                }
            }
        }
    }
    for t in &old.tables {
        for row in &t.rows {
            let gone = new
                .tables
                .iter()
                .find(|x| x.name == t.name)
                .is_none_or(|nt| !nt.rows.iter().any(|r| r.name == row.name));
            if gone {
                let id = format!("{}.{}", t.name, row.name);
                let mut c = base(id.clone(), ChangeKind::RowRemoved, format!("row `{id}`"));
                c.old = Some(amount_text(&wo, old, &row.amount));
                c.behavioural = true;
                c.target = Target::Row(t.name.clone(), row.name.clone());
                out.push(c);
            }
        }
    }

    // Named values: a rate or an amount written once, which conditions and
    // pays read by name (so their text does not change with it).
    for l in &new.lets {
        let before = old.lets.iter().find(|x| x.name == l.name);
        let (a, b) = (before.map(|x| wo.expr(&x.expr)), wn.expr(&l.expr));
        if a.as_deref() != Some(b.as_str()) {
            let mut c = base(
                format!("let.{}", l.name),
                ChangeKind::Value,
                format!("the value `{}`", l.name),
            );
            c.old = a;
            c.new = Some(b);
            c.old_clause = before.and_then(|x| x.clause.clone());
            c.new_clause = l.clause.clone();
            // A value nothing reads changes no decision; the checker warns
            // of it. Whether anything reads it is left to the witness.
            c.behavioural = true;
            c.target = Target::Let(l.name.clone());
            out.push(c);
        }
    }

    // Requirements.
    let (ro, rn) = (
        condition_lines(&wo, &old.requirements),
        condition_lines(&wn, &new.requirements),
    );
    if ro != rn {
        let mut c = base(
            "requirements".into(),
            ChangeKind::Requirements,
            "requirements shared by every category".into(),
        );
        c.removed = ro.iter().filter(|l| !rn.contains(l)).cloned().collect();
        c.added = rn.iter().filter(|l| !ro.contains(l)).cloned().collect();
        c.behavioural = true;
        c.target = Target::Requirements;
        out.push(c);
    }

    // Categories.
    for cat in &new.categories {
        match old.categories.iter().find(|c| c.name == cat.name) {
            None => {
                let mut c = base(
                    format!("category.{}", cat.name),
                    ChangeKind::CategoryAdded,
                    category_subject(cat),
                );
                c.added = condition_lines(&wn, &cat.conditions);
                c.new = Some(format!("pays {}", wn.expr(&cat.pay)));
                c.new_clause = cat.clause.clone();
                c.behavioural = true;
                c.target = Target::CategoryAdded(cat.name.clone());
                out.push(c);
            }
            Some(oc) => {
                let (lo, ln) = (
                    condition_lines(&wo, &oc.conditions),
                    condition_lines(&wn, &cat.conditions),
                );
                // Each condition changed, added or removed is a change of
                // its own: its own witness, its own share of the cost.
                for (step, op) in align(&lo, &ln).into_iter().enumerate() {
                    let clause = |cs: &[Condition], i: usize| {
                        cs.get(i)
                            .and_then(|c| c.clause.clone())
                            .or_else(|| cat.clause.clone())
                    };
                    let (id, what, old_line, new_line, old_clause, new_clause) = match op {
                        Op::Keep(..) => continue,
                        Op::Change(o, n) => (
                            format!("category.{}.condition.{}", cat.name, n + 1),
                            format!("condition {} of", n + 1),
                            lo.get(o).cloned(),
                            ln.get(n).cloned(),
                            clause(&oc.conditions, o),
                            clause(&cat.conditions, n),
                        ),
                        Op::Add(n) => (
                            format!("category.{}.condition.{}", cat.name, n + 1),
                            format!("condition {} (added) of", n + 1),
                            None,
                            ln.get(n).cloned(),
                            None,
                            clause(&cat.conditions, n),
                        ),
                        Op::Remove(o) => (
                            format!("category.{}.condition.removed.{}", cat.name, o + 1),
                            format!("condition {} (removed) of", o + 1),
                            lo.get(o).cloned(),
                            None,
                            clause(&oc.conditions, o),
                            None,
                        ),
                    };
                    let mut c = base(
                        id,
                        ChangeKind::Condition,
                        format!("{what} {}", category_subject(cat)),
                    );
                    c.removed = old_line.into_iter().collect();
                    c.added = new_line.into_iter().collect();
                    c.old_clause = old_clause;
                    c.new_clause = new_clause;
                    c.behavioural = true;
                    c.target = Target::Condition(cat.name.clone(), step);
                    out.push(c);
                }
                let (po, pn) = (wo.expr(&oc.pay), wn.expr(&cat.pay));
                if po != pn {
                    let mut c = base(
                        format!("category.{}.pay", cat.name),
                        ChangeKind::Pay,
                        format!("what {} pays", category_subject(cat)),
                    );
                    c.old = Some(po);
                    c.new = Some(pn);
                    c.old_clause = oc.pay_clause.clone();
                    c.new_clause = cat.pay_clause.clone();
                    c.behavioural = true;
                    c.target = Target::Pay(cat.name.clone());
                    out.push(c);
                }
                if oc.label != cat.label || oc.clause != cat.clause {
                    let mut c = base(
                        format!("category.{}.label", cat.name),
                        ChangeKind::CategoryLabel,
                        format!("the label of `{}`", cat.name),
                    );
                    c.old = Some(format!(
                        "{} §{}",
                        oc.label.clone().unwrap_or_default(),
                        oc.clause.clone().unwrap_or_default()
                    ));
                    c.new = Some(format!(
                        "{} §{}",
                        cat.label.clone().unwrap_or_default(),
                        cat.clause.clone().unwrap_or_default()
                    ));
                    out.push(c);
                }
            }
        }
    }
    for oc in &old.categories {
        if !new.categories.iter().any(|c| c.name == oc.name) {
            let mut c = base(
                format!("category.{}", oc.name),
                ChangeKind::CategoryRemoved,
                category_subject(oc),
            );
            c.removed = condition_lines(&wo, &oc.conditions);
            c.old = Some(format!("pays {}", wo.expr(&oc.pay)));
            c.old_clause = oc.clause.clone();
            c.behavioural = true;
            c.target = Target::CategoryRemoved(oc.name.clone());
            out.push(c);
        }
    }

    // The award rule.
    // Groups by their categories' names: a category added elsewhere moves
    // indices without changing a group.
    let groups = |s: &Scheme| -> String {
        s.award
            .groups
            .iter()
            .map(|g| {
                let names: Vec<&str> = g
                    .categories
                    .iter()
                    .filter_map(|&c| s.categories.get(c as usize).map(|c| c.name.as_str()))
                    .collect();
                format!(
                    ", at most {} from group {} ({})",
                    g.limit,
                    g.name,
                    names.join(", ")
                )
            })
            .collect()
    };
    if old.award.limit != new.award.limit
        || old.award.order != new.award.order
        || groups(old) != groups(new)
    {
        let describe = |s: &Scheme| {
            let a = &s.award;
            format!(
                "at most {} per period{}, chosen by {:?}",
                a.limit,
                groups(s),
                a.order
            )
        };
        let mut c = base("award".into(), ChangeKind::Award, "the award rule".into());
        c.old = Some(describe(old));
        c.new = Some(describe(new));
        c.old_clause = old.award.clause.clone();
        c.new_clause = new.award.clause.clone();
        c.behavioural = true;
        c.target = Target::Award;
        out.push(c);
    }

    // The application window.
    let window = |w: &Words, s: &Scheme| {
        s.application.as_ref().map(|a| {
            format!(
                "received in `{}`, opens {}, deadline {}",
                a.received
                    .and_then(|r| s.applicant.get(r as usize))
                    .map_or("—", |f| f.name.as_str()),
                a.opens.as_ref().map_or("—".to_string(), |e| w.expr(e)),
                a.deadline.as_ref().map_or("—".to_string(), |e| w.expr(e)),
            )
        })
    };
    let (ao, an) = (window(&wo, old), window(&wn, new));
    if ao != an {
        let mut c = base(
            "application".into(),
            ChangeKind::Application,
            "the application window".into(),
        );
        c.old = ao;
        c.new = an;
        c.old_clause = old
            .application
            .as_ref()
            .and_then(|a| a.deadline_clause.clone().or(a.clause.clone()));
        c.new_clause = new
            .application
            .as_ref()
            .and_then(|a| a.deadline_clause.clone().or(a.clause.clone()));
        c.behavioural = true;
        c.target = Target::Application;
        out.push(c);
    }

    // The timeline, step by step.
    let step_text = |s: &bursar_runtime::ir::Step, scheme: &Scheme| {
        let after = match s.after {
            bursar_runtime::ir::Anchor::Received => "received".to_string(),
            bursar_runtime::ir::Anchor::Step(i) => scheme
                .timeline
                .get(i as usize)
                .map_or("?".into(), |x| x.name.clone()),
        };
        format!(
            "within {} {:?} after {after}",
            s.within.count, s.within.unit
        )
        .to_lowercase()
    };
    let steps = |scheme: &Scheme| -> Vec<Named> {
        scheme
            .timeline
            .iter()
            .map(|x| Named {
                name: x.name.clone(),
                text: step_text(x, scheme),
                clause: x.clause.clone(),
            })
            .collect()
    };
    let as_step = Kinds {
        kind: ChangeKind::Timeline,
        path: "timeline",
        noun: "timeline step",
        target: Target::Step,
    };
    out.extend(named_changes(steps(old), steps(new), &as_step));

    // Quotas, by name: what a planner reads of one.
    let quota_text = |q: &bursar_runtime::ir::Quota, scheme: &Scheme| {
        let p = bursar_runtime::print::Printer::new(scheme);
        let who = when(&p, &q.conditions);
        format!("{who}{}  {}", p.ration(q.ration), p.quota_order(&q.order))
    };
    let quotas = |scheme: &Scheme| -> Vec<Named> {
        scheme
            .quotas
            .iter()
            .map(|q| Named {
                name: q.name.clone(),
                text: quota_text(q, scheme),
                clause: q.clause.clone(),
            })
            .collect()
    };
    let as_quota = Kinds {
        kind: ChangeKind::Quota,
        path: "quota",
        noun: "quota",
        target: Target::Quota,
    };
    out.extend(named_changes(quotas(old), quotas(new), &as_quota));

    // Payers, by name: whom each tops up, and by how much.
    let payer_text = |q: &bursar_runtime::ir::Payer, scheme: &Scheme| {
        let p = bursar_runtime::print::Printer::new(scheme);
        let who = when(&p, &q.conditions);
        format!("{who}pay {}", p.payer_terms(q))
    };
    let payers = |scheme: &Scheme| -> Vec<Named> {
        scheme
            .payers
            .iter()
            .map(|q| Named {
                name: q.name.clone(),
                text: payer_text(q, scheme),
                clause: q.clause.clone(),
            })
            .collect()
    };
    let as_payer = Kinds {
        kind: ChangeKind::Payer,
        path: "payer",
        noun: "payer",
        target: Target::Payer,
    };
    out.extend(named_changes(payers(old), payers(new), &as_payer));

    // Rounds, by name: when each qualifies, what it pays and when.
    let round_text = |r: &bursar_runtime::ir::Round, w: &Words| {
        format!(
            "on {}  pay {}  paid {} ..= {}",
            r.date,
            w.money(r.amount),
            r.paid.start,
            r.paid.end
        )
    };
    let rounds = |scheme: &Scheme, w: &Words| -> Vec<Named> {
        scheme
            .rounds
            .iter()
            .map(|r| Named {
                name: r.name.clone(),
                text: round_text(r, w),
                clause: r.clause.clone(),
            })
            .collect()
    };
    let as_round = Kinds {
        kind: ChangeKind::Round,
        path: "round",
        noun: "round",
        target: Target::Round,
    };
    out.extend(named_changes(rounds(old, &wo), rounds(new, &wn), &as_round));

    // The calendar: which one, its years, and day by day.
    if old.calendar != new.calendar {
        let (a, b) = (calendar_lines(old), calendar_lines(new));
        let mut c = base(
            "calendar".into(),
            ChangeKind::Calendar,
            "the calendar `working_days` count by".into(),
        );
        let summary = |s: &Scheme| match &s.calendar {
            Some(c) => calendar_summary(c),
            None => "Monday to Friday, no calendar".to_string(),
        };
        c.old = Some(summary(old));
        c.new = Some(summary(new));
        // Day by day when one calendar became another; a calendar added or
        // dropped whole is said by its name.
        if old.calendar.is_some() && new.calendar.is_some() {
            c.removed = a.iter().filter(|l| !b.contains(l)).cloned().collect();
            c.added = b.iter().filter(|l| !a.contains(l)).cloned().collect();
        }
        // Only a scheme that counts working days reads the calendar.
        c.behavioural = crate::check::calendar::uses_working_days(old)
            || crate::check::calendar::uses_working_days(new);
        c.target = Target::Calendar;
        out.push(c);
    }

    // Clause texts: information only.
    for nc in &new.clauses {
        let oc = old.clauses.iter().find(|c| c.id == nc.id);
        if oc.map(|c| &c.text) != Some(&nc.text) {
            let mut c = base(
                format!("clause.{}", nc.id),
                ChangeKind::Clause,
                format!("the text of §{}", nc.id),
            );
            c.old = oc.map(|c| c.text.clone());
            c.new = Some(nc.text.clone());
            out.push(c);
        }
    }
    for oc in &old.clauses {
        if !new.clauses.iter().any(|c| c.id == oc.id) {
            let mut c = base(
                format!("clause.{}", oc.id),
                ChangeKind::Clause,
                format!("the text of §{}", oc.id),
            );
            c.old = Some(oc.text.clone());
            out.push(c);
        }
    }
    Ok(out)
}

/// `china (2023 to 2026)`
fn calendar_summary(c: &ir::Calendar) -> String {
    if c.first_year == c.last_year {
        format!("`{}` ({})", c.name, c.first_year)
    } else {
        format!("`{}` ({} to {})", c.name, c.first_year, c.last_year)
    }
}

/// A calendar's days, one line per run: `holiday 2025-10-01 ..= 2025-10-08 "国庆节"`.
fn calendar_lines(s: &Scheme) -> Vec<String> {
    let Some(c) = &s.calendar else {
        return Vec::new();
    };
    let line = |kind: &str, d: &ir::DaySpan| {
        let days = if d.from == d.to {
            d.from.to_string()
        } else {
            format!("{} ..= {}", d.from, d.to)
        };
        match &d.label {
            Some(l) => format!("{kind} {days} \"{l}\""),
            None => format!("{kind} {days}"),
        }
    };
    let mut lines: Vec<(chrono::NaiveDate, String)> = c
        .holidays
        .iter()
        .map(|d| (d.from, line("holiday", d)))
        .chain(c.workdays.iter().map(|d| (d.from, line("workday", d))))
        .collect();
    lines.sort();
    lines.into_iter().map(|(_, l)| l).collect()
}

/// A declaration diffed by its name: a timeline step, quota, payer or
/// round, as its text reads.
struct Named {
    name: String,
    text: String,
    clause: Option<String>,
}

/// What a change to one kind of named declaration is called.
struct Kinds {
    kind: ChangeKind,
    /// `quota`: the change's id is `quota.NAME`.
    path: &'static str,
    /// `quota`: its subject is ``quota `NAME` ``.
    noun: &'static str,
    target: fn(String) -> Target,
}

/// One behavioural change per name whose text differs between the
/// editions (added, removed or changed), in the old order, then the new
/// names.
fn named_changes(old: Vec<Named>, new: Vec<Named>, k: &Kinds) -> Vec<Change> {
    let mut names: Vec<&String> = old.iter().map(|x| &x.name).collect();
    for x in &new {
        if !names.contains(&&x.name) {
            names.push(&x.name);
        }
    }
    let mut out = Vec::new();
    for name in names {
        let a = old.iter().find(|x| &x.name == name);
        let b = new.iter().find(|x| &x.name == name);
        let (ta, tb) = (a.map(|x| x.text.clone()), b.map(|x| x.text.clone()));
        if ta == tb {
            continue;
        }
        out.push(Change {
            id: format!("{}.{name}", k.path),
            kind: k.kind,
            subject: format!("{} `{name}`", k.noun),
            old: ta,
            new: tb,
            removed: Vec::new(),
            added: Vec::new(),
            old_clause: a.and_then(|x| x.clause.clone()),
            new_clause: b.and_then(|x| x.clause.clone()),
            behavioural: true,
            also_changes: Vec::new(),
            target: (k.target)(name.clone()),
        });
    }
    out
}

fn category_subject(c: &Category) -> String {
    format!(
        "`{}`{}",
        c.name,
        c.label
            .as_ref()
            .map(|l| format!(" {l}"))
            .unwrap_or_default()
    )
}

/// One step of turning the old conditions into the new.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// The same in both (old index, new index).
    Keep(usize, usize),
    /// Changed in place: in a stretch between kept conditions, the k-th
    /// old condition and the k-th new one.
    Change(usize, usize),
    Add(usize),
    Remove(usize),
}

/// The old conditions (as text) turned into the new: a longest common
/// subsequence kept, and the stretches between its conditions paired up as
/// changes, the rest added or removed. Deterministic, so `diff` and
/// `hybrid` agree on the steps. Beyond 512 conditions a side (where the
/// table would grow large) the lists are paired by position.
fn align(old: &[String], new: &[String]) -> Vec<Op> {
    let (n, m) = (old.len(), new.len());
    let mut keep: Vec<(usize, usize)> = Vec::new();
    if n <= 512 && m <= 512 {
        // lcs[i][j]: the longest common subsequence of old[i..] and new[j..].
        let mut lcs = vec![vec![0u16; m + 1]; n + 1];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                let v = if old.get(i) == new.get(j) {
                    lcs.get(i + 1)
                        .and_then(|r| r.get(j + 1))
                        .map_or(0, |x| x + 1)
                } else {
                    let a = lcs.get(i + 1).and_then(|r| r.get(j)).copied().unwrap_or(0);
                    let b = lcs.get(i).and_then(|r| r.get(j + 1)).copied().unwrap_or(0);
                    a.max(b)
                };
                if let Some(cell) = lcs.get_mut(i).and_then(|r| r.get_mut(j)) {
                    *cell = v;
                }
            }
        }
        let (mut i, mut j) = (0, 0);
        let at = |i: usize, j: usize| lcs.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
        while i < n && j < m {
            if old.get(i) == new.get(j) {
                keep.push((i, j));
                i += 1;
                j += 1;
            } else if at(i + 1, j) >= at(i, j + 1) {
                i += 1;
            } else {
                j += 1;
            }
        }
    }
    let mut ops = Vec::new();
    let (mut i, mut j) = (0, 0);
    for (ki, kj) in keep.into_iter().chain([(n, m)]) {
        let (gap_old, gap_new) = (ki - i, kj - j);
        for k in 0..gap_old.max(gap_new) {
            ops.push(match (k < gap_old, k < gap_new) {
                (true, true) => Op::Change(i + k, j + k),
                (true, false) => Op::Remove(i + k),
                (false, true) => Op::Add(j + k),
                (false, false) => continue,
            });
        }
        if ki < n && kj < m {
            ops.push(Op::Keep(ki, kj));
        }
        (i, j) = (ki + 1, kj + 1);
    }
    ops
}

fn condition_lines(w: &Words, conditions: &[Condition]) -> Vec<String> {
    conditions
        .iter()
        .map(|c| match c.kind {
            bursar_runtime::ir::ConditionKind::When => format!("when {}", w.expr(&c.expr)),
            bursar_runtime::ir::ConditionKind::Unless => format!("unless {}", w.expr(&c.expr)),
        })
        .collect()
}

fn amount_text(w: &Words, s: &Scheme, a: &RowAmount) -> String {
    match a {
        RowAmount::Money(m) => w.money(*m),
        RowAmount::Value(v) => w.value(v),
        RowAmount::SameAs(r) => format!(
            "same as {} ({})",
            w.row_name(*r),
            s.resolve_row(*r).map_or("?".into(), |m| w.money(m))
        ),
    }
}

fn definition(w: &Words, a: &RowAmount) -> String {
    match a {
        RowAmount::Money(m) => w.money(*m),
        RowAmount::Value(v) => w.value(v),
        RowAmount::SameAs(r) => format!("same as {}", w.row_name(*r)),
    }
}

/// Rows whose amount is "the same as" this one, directly or through others.
fn dependents(s: &Scheme, table: &str, row: u32) -> Vec<String> {
    let Some(t) = s.tables.iter().position(|x| x.name == table) else {
        return Vec::new();
    };
    let target = RowRef {
        table: t as TableId,
        row,
    };
    let mut out = Vec::new();
    for (ti, tab) in s.tables.iter().enumerate() {
        for (ri, r) in tab.rows.iter().enumerate() {
            let mut at = RowRef {
                table: ti as TableId,
                row: ri as u32,
            };
            for _ in 0..64 {
                let Some(RowAmount::SameAs(next)) = s
                    .tables
                    .get(at.table as usize)
                    .and_then(|x| x.rows.get(at.row as usize))
                    .map(|x| &x.amount)
                else {
                    break;
                };
                if *next == target {
                    out.push(format!("{}.{}", tab.name, r.name));
                    break;
                }
                at = *next;
            }
        }
    }
    out
}

/// OLD with the given changes (indices into `changes`) taken from NEW: a
/// scheme the runtime can run. Applying every behavioural change gives a
/// scheme that decides exactly as NEW does.
pub fn hybrid(old: &Scheme, new: &Scheme, changes: &[Change], apply: &[usize]) -> Scheme {
    let mut h = old.clone();
    // The new edition's input is the old one's with additions (`grows`):
    // every hybrid reads it, so any rule of either edition can be adopted.
    h.applicant = new.applicant.clone();
    h.records = new.records.clone();
    h.enums = new.enums.clone();
    // Tables: NEW's tables missing from OLD are appended whole. Nothing of
    // OLD reads them, so they change no decision until an applied change
    // refers to them; a change that does (a category paid from a new
    // table) then finds the rows it needs, and adding those rows on their
    // own is worth exactly nothing, as a change that alters no decision
    // must be (the dummy axiom of the attribution).
    for t in &new.tables {
        if !h.tables.iter().any(|x| x.name == t.name) {
            h.tables.push(t.clone());
        }
    }
    let selected: Vec<&Change> = apply.iter().filter_map(|i| changes.get(*i)).collect();
    // Rows first: categories may refer to rows a change adds.
    // Copied rows that are "the same as" another row of NEW.
    let mut copied: Vec<(String, String, RowRef)> = Vec::new();
    for c in &selected {
        if let Target::Row(t, r) = &c.target {
            let new_row = new
                .tables
                .iter()
                .find(|x| &x.name == t)
                .and_then(|x| x.rows.iter().find(|x| &x.name == r));
            if let Some(ht) = h.tables.iter_mut().find(|x| &x.name == t) {
                match new_row {
                    Some(nr) => {
                        match ht.rows.iter_mut().find(|x| &x.name == r) {
                            Some(hr) => *hr = nr.clone(),
                            None => ht.rows.push(nr.clone()),
                        }
                        if let RowAmount::SameAs(rr) = nr.amount {
                            copied.push((t.clone(), r.clone(), rr));
                        }
                    }
                    // Removed, without moving the rows after it: OLD's
                    // references by index must keep their rows. A keyed
                    // row is no longer found by lookups; a named one is
                    // unread once the changes that read it are applied.
                    None => {
                        if let Some(hr) = ht.rows.iter_mut().find(|x| &x.name == r) {
                            hr.key = None;
                        }
                    }
                }
            }
        }
    }
    // A copied row's "same as" points into NEW's tables: translate it by
    // name, bringing the row it names along if the hybrid lacks it.
    for (t, r, rr) in copied {
        let target = adopt_row(new, &mut h, rr, 0);
        let row = h
            .tables
            .iter_mut()
            .find(|x| x.name == t)
            .and_then(|x| x.rows.iter_mut().find(|x| x.name == r));
        if let (Some(row), Some(m)) = (row, target) {
            row.amount = RowAmount::SameAs(m);
        }
    }
    let remap = |e: &Expr, hs: &mut Scheme| remap_expr(e, new, hs);
    // A category's conditions: OLD's, with the selected steps taken from
    // NEW (all the steps of one category at once, in order).
    let mut condition_steps: Vec<(&str, Vec<usize>)> = Vec::new();
    for c in &selected {
        if let Target::Condition(name, step) = &c.target {
            match condition_steps.iter_mut().find(|(n, _)| n == name) {
                Some((_, steps)) => steps.push(*step),
                None => condition_steps.push((name.as_str(), vec![*step])),
            }
        }
    }
    let blank = Applicant::empty(old);
    let (wo, wn) = (Words::new(old, &blank), Words::new(new, &blank));
    for (name, steps) in condition_steps {
        let (Some(oc), Some(nc), Some(hc)) = (
            old.categories.iter().find(|x| x.name == name),
            new.categories.iter().find(|x| x.name == name),
            h.categories.iter().position(|x| x.name == name),
        ) else {
            continue;
        };
        let ops = align(
            &condition_lines(&wo, &oc.conditions),
            &condition_lines(&wn, &nc.conditions),
        );
        let mut conditions: Vec<Condition> = Vec::new();
        for (step, op) in ops.into_iter().enumerate() {
            let applied = steps.contains(&step);
            let from_new = |n: usize, h: &mut Scheme| {
                nc.conditions.get(n).map(|cond| Condition {
                    expr: remap_expr(&cond.expr, new, h),
                    ..cond.clone()
                })
            };
            let taken = match (op, applied) {
                (Op::Keep(o, _), _) | (Op::Change(o, _), false) | (Op::Remove(o), false) => {
                    oc.conditions.get(o).cloned()
                }
                (Op::Change(_, n), true) | (Op::Add(n), true) => from_new(n, &mut h),
                (Op::Add(_), false) | (Op::Remove(_), true) => None,
            };
            conditions.extend(taken);
        }
        if let Some(hc) = h.categories.get_mut(hc) {
            hc.conditions = conditions;
        }
    }
    for c in &selected {
        match &c.target {
            Target::Condition(..) => {}
            Target::Let(name) => {
                if let Some(nl) = new.lets.iter().find(|x| &x.name == name) {
                    let expr = remap(&nl.expr, &mut h);
                    match h.lets.iter_mut().find(|x| &x.name == name) {
                        Some(hl) => {
                            hl.expr = expr;
                            hl.ty = nl.ty;
                        }
                        None => h.lets.push(bursar_runtime::ir::Let { expr, ..nl.clone() }),
                    }
                }
            }
            Target::Pay(name) => {
                if let (Some(nc), Some(hc)) = (
                    new.categories.iter().find(|x| &x.name == name),
                    h.categories.iter().position(|x| &x.name == name),
                ) {
                    let pay = remap(&nc.pay, &mut h);
                    if let Some(hc) = h.categories.get_mut(hc) {
                        hc.pay = pay;
                        hc.pay_clause = nc.pay_clause.clone();
                    }
                }
            }
            Target::CategoryAdded(name) => {
                if let Some((at, nc)) = new
                    .categories
                    .iter()
                    .enumerate()
                    .find(|(_, x)| &x.name == name)
                {
                    let mut cat = nc.clone();
                    cat.pay = remap(&nc.pay, &mut h);
                    for cond in &mut cat.conditions {
                        cond.expr = remap(&cond.expr, &mut h);
                    }
                    let at = at.min(h.categories.len());
                    h.categories.insert(at, cat);
                }
            }
            Target::CategoryRemoved(name) => h.categories.retain(|x| &x.name != name),
            Target::Requirements => {
                h.requirements = new
                    .requirements
                    .iter()
                    .map(|c| Condition {
                        expr: remap(&c.expr, &mut h),
                        ..c.clone()
                    })
                    .collect();
            }
            Target::Award => h.award = new.award.clone(),
            Target::Application => {
                if let Some(mut a) = new.application.clone() {
                    a.deadline = a.deadline.map(|e| remap(&e, &mut h));
                    a.opens = a.opens.map(|e| remap(&e, &mut h));
                    h.application = Some(a);
                } else {
                    h.application = None;
                }
            }
            Target::Step(name) => {
                let step = new.timeline.iter().find(|s| &s.name == name).cloned();
                match (step, h.timeline.iter().position(|s| &s.name == name)) {
                    (Some(s), Some(i)) => {
                        if let Some(slot) = h.timeline.get_mut(i) {
                            *slot = s;
                        }
                    }
                    (Some(s), None) => h.timeline.push(s),
                    (None, Some(i)) => {
                        h.timeline.remove(i);
                    }
                    (None, None) => {}
                }
            }
            Target::Quota(name) => {
                let quota = new.quotas.iter().find(|q| &q.name == name).cloned();
                let quota = quota.map(|mut q| {
                    for c in &mut q.conditions {
                        c.expr = remap(&c.expr, &mut h);
                    }
                    for r in &mut q.order {
                        match r {
                            bursar_runtime::ir::Rank::By { expr, .. } => {
                                *expr = remap(expr, &mut h);
                            }
                            bursar_runtime::ir::Rank::Lot { .. } => {}
                        }
                    }
                    q
                });
                match (quota, h.quotas.iter().position(|q| &q.name == name)) {
                    (Some(q), Some(i)) => {
                        if let Some(slot) = h.quotas.get_mut(i) {
                            *slot = q;
                        }
                    }
                    (Some(q), None) => h.quotas.push(q),
                    (None, Some(i)) => {
                        h.quotas.remove(i);
                    }
                    (None, None) => {}
                }
            }
            Target::Payer(name) => {
                let payer = new.payers.iter().find(|q| &q.name == name).cloned();
                let payer = payer.map(|mut q| {
                    for c in &mut q.conditions {
                        c.expr = remap(&c.expr, &mut h);
                    }
                    q
                });
                match (payer, h.payers.iter().position(|q| &q.name == name)) {
                    (Some(q), Some(i)) => {
                        if let Some(slot) = h.payers.get_mut(i) {
                            *slot = q;
                        }
                    }
                    (Some(q), None) => h.payers.push(q),
                    (None, Some(i)) => {
                        h.payers.remove(i);
                    }
                    (None, None) => {}
                }
            }
            Target::Calendar => h.calendar = new.calendar.clone(),
            Target::Round(name) => {
                let round = new.rounds.iter().find(|r| &r.name == name).cloned();
                match (round, h.rounds.iter().position(|r| &r.name == name)) {
                    (Some(r), Some(i)) => {
                        if let Some(slot) = h.rounds.get_mut(i) {
                            *slot = r;
                        }
                    }
                    (Some(r), None) => h.rounds.push(r),
                    (None, Some(i)) => {
                        h.rounds.remove(i);
                    }
                    (None, None) => {}
                }
            }
            Target::Row(..) | Target::None => {}
        }
    }
    // Group limits name categories by index in the edition the award came
    // from; categories added or removed above moved the hybrid's.
    let from = if selected.iter().any(|c| matches!(c.target, Target::Award)) {
        new
    } else {
        old
    };
    // The history list names a field of the same edition; the hybrid's
    // fields are found by name.
    h.award.history = h
        .award
        .history
        .and_then(|f| from.applicant.get(f as usize))
        .and_then(|f| h.applicant.iter().position(|x| x.name == f.name))
        .and_then(|i| u32::try_from(i).ok());
    let categories: Vec<String> = h.categories.iter().map(|c| c.name.clone()).collect();
    for g in &mut h.award.groups {
        g.categories = g
            .categories
            .iter()
            .filter_map(|&c| from.categories.get(c as usize))
            .filter_map(|c| categories.iter().position(|n| *n == c.name))
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
    }
    h
}

/// A row of NEW, found by name in the hybrid.
fn remap_row(new: &Scheme, h: &Scheme, r: RowRef) -> Option<RowRef> {
    let t = new.tables.get(r.table as usize)?;
    let row = t.rows.get(r.row as usize)?;
    let ht = h.tables.iter().position(|x| x.name == t.name)?;
    let hr = h
        .tables
        .get(ht)?
        .rows
        .iter()
        .position(|x| x.name == row.name)?;
    Some(RowRef {
        table: ht as TableId,
        row: hr as u32,
    })
}

/// A row of NEW in the hybrid: found by name, or else copied from NEW
/// (with the rows its amount is "the same as"), so that an applied change
/// reads the row it names and never whatever row has its index.
fn adopt_row(new: &Scheme, h: &mut Scheme, r: RowRef, depth: usize) -> Option<RowRef> {
    if let Some(m) = remap_row(new, h, r) {
        return Some(m);
    }
    let t = new.tables.get(r.table as usize)?;
    let mut row = t.rows.get(r.row as usize)?.clone();
    if let RowAmount::SameAs(next) = row.amount {
        // Chains are short and acyclic in a checked scheme; the bound is
        // for a hand-made one.
        if depth > new.tables.len() * 64 {
            return None;
        }
        row.amount = RowAmount::SameAs(adopt_row(new, h, next, depth + 1)?);
    }
    let ht = h.tables.iter().position(|x| x.name == t.name)?;
    let rows = &mut h.tables.get_mut(ht)?.rows;
    rows.push(row);
    Some(RowRef {
        table: ht as TableId,
        row: (rows.len() - 1) as u32,
    })
}

/// Whether NEW's input is OLD's with additions only: the same fields,
/// records and enums in the same places, perhaps followed by more (what an
/// edition that `extends` its predecessor can do).
fn grows(old: &Scheme, new: &Scheme) -> bool {
    fn prefix<T: PartialEq>(a: &[T], b: &[T]) -> bool {
        a.len() <= b.len() && a.iter().zip(b).all(|(x, y)| x == y)
    }
    prefix(&old.applicant, &new.applicant)
        && old.records.len() <= new.records.len()
        && old
            .records
            .iter()
            .zip(&new.records)
            .all(|(a, b)| a.name == b.name && prefix(&a.fields, &b.fields))
        && old.enums.len() <= new.enums.len()
        && old
            .enums
            .iter()
            .zip(&new.enums)
            .all(|(a, b)| a.name == b.name && prefix(&a.variants, &b.variants))
}

/// NEW's expression with table and row indices translated to the hybrid's.
fn remap_expr(e: &Expr, new: &Scheme, h: &mut Scheme) -> Expr {
    let mut e = e.clone();
    remap_in(&mut e, new, h);
    e
}

fn remap_in(e: &mut Expr, new: &Scheme, h: &mut Scheme) {
    match e {
        Expr::Row(r) => {
            if let Some(m) = adopt_row(new, h, *r, 0) {
                *r = m;
            }
        }
        Expr::Lookup { table, key } => {
            if let Some(t) = new
                .tables
                .get(*table as usize)
                .and_then(|t| h.tables.iter().position(|x| x.name == t.name))
            {
                *table = t as TableId;
            }
            remap_in(key, new, h);
        }
        Expr::Lit(_)
        | Expr::Field(_)
        | Expr::IsPresent(_)
        | Expr::Item(_)
        | Expr::ItemPresent(_)
        | Expr::RoundPart(_) => {}
        Expr::Let(l) => {
            if let Some(m) = adopt_let(new, h, *l) {
                *l = m;
            }
        }
        Expr::Any(set) => remap_set(set, new, h),
        Expr::All { items, cond } => {
            remap_set(items, new, h);
            remap_in(cond, new, h);
        }
        Expr::Aggregate { items, of, .. } => {
            remap_set(items, new, h);
            if let Some(of) = of {
                remap_in(of, new, h);
            }
        }
        Expr::Round { value, .. } => remap_in(value, new, h),
        Expr::Not(a) | Expr::Neg(a) => remap_in(a, new, h),
        Expr::And(items) | Expr::Or(items) => items.iter_mut().for_each(|e| remap_in(e, new, h)),
        Expr::Compare { lhs, rhs, .. } => {
            remap_in(lhs, new, h);
            remap_in(rhs, new, h);
        }
        Expr::Arith { first, rest } => {
            remap_in(first, new, h);
            rest.iter_mut().for_each(|(_, e)| remap_in(e, new, h));
        }
        Expr::InSet { expr, .. } => remap_in(expr, new, h),
        Expr::InRange { expr, lo, hi, .. } => {
            remap_in(expr, new, h);
            lo.iter_mut()
                .chain(hi.iter_mut())
                .for_each(|b| remap_in(b, new, h));
        }
        Expr::Default { default, .. } | Expr::ItemDefault { default, .. } => {
            remap_in(default, new, h)
        }
        Expr::Call { args, .. } => args.iter_mut().for_each(|a| remap_in(a, new, h)),
        Expr::If {
            cond,
            then,
            otherwise,
        } => {
            remap_in(cond, new, h);
            remap_in(then, new, h);
            remap_in(otherwise, new, h);
        }
        Expr::Match { scrutinee, arms } => {
            remap_in(scrutinee, new, h);
            arms.iter_mut().for_each(|a| remap_in(&mut a.body, new, h));
        }
    }
}

fn remap_set(set: &mut ItemSet, new: &Scheme, h: &mut Scheme) {
    if let Some(f) = &mut set.filter {
        remap_in(f, new, h);
    }
}

/// The hybrid's index of NEW's named value `l`: the hybrid's own value of
/// that name if it is the same, else NEW's, added (its own references
/// translated first, so a value only ever reads values before it).
fn adopt_let(new: &Scheme, h: &mut Scheme, l: LetId) -> Option<LetId> {
    let def = new.lets.get(l as usize)?;
    let mut expr = def.expr.clone();
    remap_in(&mut expr, new, h);
    if let Some(i) = h
        .lets
        .iter()
        .position(|x| x.name == def.name && x.expr == expr && x.ty == def.ty)
    {
        return Some(i as LetId);
    }
    h.lets.push(ir::Let {
        expr,
        ..def.clone()
    });
    Some((h.lets.len() - 1) as LetId)
}

/// The changes as text for a reviewer: behavioural changes first, each with
/// its clauses in both versions.
pub fn to_text(old: &Scheme, new: &Scheme, changes: &[Change]) -> String {
    let mut out = format!("{} → {}\n", old.id, new.id);
    let clause = |c: &Option<String>| c.as_ref().map_or("—".to_string(), |c| format!("§{c}"));
    let sections: [(&str, bool); 2] = [
        ("changes that can alter decisions", true),
        ("changes to wording only", false),
    ];
    for (title, behavioural) in sections {
        let list: Vec<&Change> = changes
            .iter()
            .filter(|c| c.behavioural == behavioural)
            .collect();
        if list.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{title}\n"));
        for c in list {
            let clauses = if c.old_clause.is_some() || c.new_clause.is_some() {
                format!("  [{} → {}]", clause(&c.old_clause), clause(&c.new_clause))
            } else {
                String::new()
            };
            out.push_str(&format!("  {} ({}){clauses}\n", c.subject, c.id));
            match (&c.old, &c.new) {
                (Some(a), Some(b)) => out.push_str(&format!("      {a}\n    → {b}\n")),
                (Some(a), None) => out.push_str(&format!("      was: {a}\n")),
                (None, Some(b)) => out.push_str(&format!("      now: {b}\n")),
                (None, None) => {}
            }
            for l in &c.removed {
                out.push_str(&format!("    - {l}\n"));
            }
            for l in &c.added {
                out.push_str(&format!("    + {l}\n"));
            }
            if !c.also_changes.is_empty() {
                out.push_str(&format!(
                    "      (and so {}, which pay the same)\n",
                    c.also_changes.join(", ")
                ));
            }
        }
    }
    if changes.is_empty() {
        out.push_str("\nno changes\n");
    }
    out
}

/// `when A and B  `: whom a quota or a payer covers, as policy text
/// before what it does; nothing when it covers everyone.
fn when(
    p: &bursar_runtime::print::Printer<'_>,
    conditions: &[bursar_runtime::ir::Condition],
) -> String {
    if conditions.is_empty() {
        return String::new();
    }
    let who: Vec<String> = conditions.iter().map(|c| p.expr(&c.expr)).collect();
    format!("when {}  ", who.join(" and "))
}
