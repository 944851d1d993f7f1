//! Explanations: a [`Decision`] in the scheme's own terms, citing clauses and
//! the applicant's actual values. Structured ([`Explanation`], serialisable for
//! a UI) and as text ([`Explanation::to_text`]).

use serde::Serialize;

use crate::eval::{Application, Decision, EvalError, Outcome, Payout, Verdict};
use crate::input::Applicant;
use crate::ir::{Condition, ConditionKind, Expr, FieldId, Round, RowAmount, RowRef, Scheme, Value};
use crate::money::Money;
use crate::print::Printer;

/// Why a person gets what they get.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub scheme: String,
    /// The applicant's identifier value, if the scheme names one.
    pub applicant: Option<String>,
    pub outcome: Outcome,
    /// One sentence: the bottom line.
    pub summary: String,
    pub requirements: Vec<Line>,
    pub categories: Vec<CategoryExplanation>,
    pub award: Option<Line>,
    /// In a scheme with rounds, one line per round: what it paid, or why
    /// not (absent from the JSON otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<Line>,
    pub application: Option<Line>,
    /// The quota the payment waits on or was allocated under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<Line>,
    /// What each payer adds to the award, or why it adds nothing (empty
    /// without payers, or without an award).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub payers: Vec<Line>,
    pub schedule: Vec<Line>,
    /// Every rule that could not be evaluated, in the order of the scheme
    /// (empty unless the outcome is `error`): the lines above with status
    /// `error`, and errors that belong to no single line (the awards' sum,
    /// the application window, the payment timeline).
    pub errors: Vec<Line>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CategoryExplanation {
    pub name: String,
    pub label: Option<String>,
    pub clause: Option<String>,
    pub eligible: bool,
    pub amount: Option<String>,
    pub conditions: Vec<Line>,
    /// Which table row paid, or why paying failed.
    pub pay: Option<Line>,
    /// For an award paid in instalments: each stage, due or pending
    /// (absent from the JSON otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instalments: Vec<Line>,
}

/// One statement of the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    pub status: Status,
    pub clause: Option<String>,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    Skipped,
    Error,
    Info,
}

impl Status {
    fn mark(self) -> &'static str {
        match self {
            Status::Pass => "✓",
            Status::Fail => "✗",
            Status::Skipped => "·",
            Status::Error => "!",
            Status::Info => "→",
        }
    }
}

/// Explains a decision made by [`crate::evaluate`] for this applicant.
pub fn explain(scheme: &Scheme, applicant: &Applicant, decision: &Decision) -> Explanation {
    // In a scheme with rounds, the verdicts shown in full are one round's.
    let shown = (!decision.rounds.is_empty())
        .then(|| scheme.rounds.get(crate::eval::shown_round(decision)))
        .flatten();
    let w = Words::new(scheme, applicant).in_round(shown);
    let requirements: Vec<Line> = scheme
        .requirements
        .iter()
        .zip(decision.requirements.verdicts())
        .map(|(c, v)| w.condition(c, &v, None))
        .collect();
    let categories: Vec<CategoryExplanation> = scheme
        .categories
        .iter()
        .zip(&decision.categories)
        .map(|(cat, d)| {
            let pay = match (&d.payout, &d.pay_error) {
                (Some(p), _) => Some(Line {
                    status: Status::Info,
                    clause: cat.pay_clause.clone(),
                    text: format!(
                        "pays {}{}{}",
                        w.payout(p),
                        w.parts(&cat.pay),
                        w.decided_by(&cat.pay)
                    ),
                }),
                (None, Some(e)) => Some(Line {
                    status: Status::Error,
                    clause: cat.pay_clause.clone(),
                    text: format!("the amount could not be computed: {}", w.error(e)),
                }),
                _ => None,
            };
            let instalments = decision
                .stages
                .iter()
                .filter(|st| {
                    scheme.categories.get(st.category as usize).map(|c| &c.name) == Some(&cat.name)
                })
                .filter_map(|st| {
                    let def = cat.instalments.get(st.stage as usize)?;
                    let when = match def.after {
                        None => "now".to_string(),
                        Some(f) => format!("after {}", w.field_name(f)),
                    };
                    let (status, state) = match (st.due, def.after) {
                        (crate::eval::Due::Now, _) => (Status::Pass, "due".to_string()),
                        (crate::eval::Due::On { date }, Some(f)) => {
                            (Status::Pass, format!("due: {} = {date}", w.field_name(f)))
                        }
                        (crate::eval::Due::On { date }, None) => {
                            (Status::Pass, format!("due on {date}"))
                        }
                        (crate::eval::Due::Pending, Some(f)) => (
                            Status::Info,
                            format!("pending: {} is not recorded yet", w.field_name(f)),
                        ),
                        (crate::eval::Due::Pending, None) => (Status::Info, "pending".into()),
                    };
                    Some(Line {
                        status,
                        clause: def.clause.clone(),
                        text: format!("instalment {when}: {}, {state}", w.money(st.amount)),
                    })
                })
                .collect();
            CategoryExplanation {
                instalments,
                name: cat.name.clone(),
                label: cat.label.clone(),
                clause: cat.clause.clone(),
                eligible: d.eligible(),
                amount: d.payout.map(|p| w.money(p.amount)),
                conditions: cat
                    .conditions
                    .iter()
                    .zip(d.conditions.verdicts())
                    .map(|(c, v)| w.condition(c, &v, cat.clause.as_deref()))
                    .collect(),
                pay,
            }
        })
        .collect();
    let award = decision.awards.first().map(|_| {
        // The applicant's choice decided an award when, without it, the
        // rule would not have made that award.
        let without_choice = if scheme.award.fields().next().is_some() {
            Some(crate::eval::awards_without_choice(
                scheme,
                w.applicant,
                decision,
            ))
        } else {
            None
        };
        // In a scheme with rounds, the award line is the shown round's
        // (each round's awards have a line of their own).
        let awards = match decision.rounds.get(crate::eval::shown_round(decision)) {
            Some(r) => &r.awards,
            None => &decision.awards,
        };
        let chosen: Vec<String> = awards
            .iter()
            .map(|a| {
                let by_choice = without_choice
                    .as_ref()
                    .is_some_and(|w| !w.iter().any(|b| b.category == a.category));
                format!(
                    "{} {}{}",
                    w.category_name(a.category),
                    w.money(a.payout.amount),
                    if by_choice {
                        " (chosen by the applicant)"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        let candidates: Vec<String> = decision
            .categories
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                c.payout
                    .map(|p| format!("{} {}", w.category_name(i as u32), w.money(p.amount)))
            })
            .collect();
        let rule = scheme
            .award
            .order
            .iter()
            .map(|c| match c {
                crate::ir::Criterion::HighestAmount => "highest amount".to_string(),
                crate::ir::Criterion::LowestAmount => "lowest amount".to_string(),
                crate::ir::Criterion::FirstDeclared => "first declared".to_string(),
                crate::ir::Criterion::ChosenCategory { field } => {
                    format!("the applicant's choice in {}", w.field_name(*field))
                }
            })
            .collect::<Vec<_>>()
            .join(", then ");
        let groups: String = scheme
            .award
            .groups
            .iter()
            .map(|g| format!(", at most {} from group {}", g.limit, g.name))
            .collect();
        Line {
            status: Status::Info,
            clause: scheme.award.clause.clone(),
            text: format!(
                "award: {} (chosen by {rule}{groups} among: {})",
                chosen.join(", "),
                candidates.join(", ")
            ),
        }
    });
    let app_clause = scheme
        .application
        .as_ref()
        .and_then(|a| a.deadline_clause.clone().or_else(|| a.clause.clone()));
    // A deadline in working days says which holidays and make-up days it
    // counted, from the day it counts from.
    let deadline_note = |deadline: chrono::NaiveDate| -> String {
        let Some(e) = scheme
            .application
            .as_ref()
            .and_then(|a| a.deadline.as_ref())
        else {
            return String::new();
        };
        let from = match e {
            Expr::Arith { first, rest } if rest.iter().any(|(_, x)| counts_working_days(x)) => {
                match crate::eval::evaluate_value(scheme, applicant, first) {
                    Some(Value::Date(d)) => Some(d),
                    _ => None,
                }
            }
            _ => None,
        };
        match from {
            Some(from) => calendar_note(scheme, from, deadline),
            None => String::new(),
        }
    };
    let application = match decision.application {
        Application::NotRequired => None,
        Application::NotApplied => Some(Line {
            status: Status::Fail,
            clause: app_clause,
            text: "did not apply".into(),
        }),
        Application::OnTime { received, deadline } => Some(Line {
            status: Status::Pass,
            clause: app_clause,
            text: match deadline {
                Some(d) => format!(
                    "applied on {received}, by the deadline {d}{}",
                    deadline_note(d)
                ),
                None => format!("applied on {received}"),
            },
        }),
        Application::Late { received, deadline } => Some(Line {
            status: Status::Fail,
            clause: app_clause,
            text: format!(
                "applied on {received}, after the deadline {deadline}{}",
                deadline_note(deadline)
            ),
        }),
        Application::Early { received, opens } => Some(Line {
            status: Status::Fail,
            clause: app_clause,
            text: format!("applied on {received}, before applications opened on {opens}"),
        }),
    };
    let received = match decision.application {
        Application::OnTime { received, .. } | Application::Late { received, .. } => Some(received),
        Application::NotRequired | Application::NotApplied | Application::Early { .. } => None,
    };
    let schedule = scheme
        .timeline
        .iter()
        .zip(&decision.schedule)
        .map(|(step, date)| {
            let from = match step.after {
                crate::ir::Anchor::Received => received,
                crate::ir::Anchor::Step(i) => decision.schedule.get(i as usize).copied(),
            };
            let note = match from {
                Some(from) if step.within.unit == crate::ir::DurationUnit::WorkingDays => {
                    calendar_note(scheme, from, *date)
                }
                Some(_) | None => String::new(),
            };
            Line {
                status: Status::Info,
                clause: step.clause.clone(),
                text: format!(
                    "{} by {date}{}{note}",
                    step.name,
                    step.label
                        .as_ref()
                        .map(|l| format!(" ({l})"))
                        .unwrap_or_default()
                ),
            }
        })
        .collect();
    let awarded = if decision.rounds.is_empty() {
        decision
            .awards
            .iter()
            .map(|a| {
                format!(
                    "{} under `{}`",
                    w.money(a.payout.amount),
                    w.category_name(a.category)
                )
            })
            .chain(
                scheme
                    .payers
                    .iter()
                    .zip(&decision.payers)
                    .filter(|(_, share)| share.amount > Money::ZERO)
                    .map(|(p, share)| format!("{} from `{}`", w.money(share.amount), p.name)),
            )
            .collect::<Vec<_>>()
            .join(" and ")
    } else {
        decision
            .rounds
            .iter()
            .flat_map(|r| r.awards.iter().map(move |a| (r.round, a)))
            .map(|(r, a)| {
                format!(
                    "{} under `{}` in round `{}`",
                    w.money(a.payout.amount),
                    w.category_name(a.category),
                    scheme
                        .rounds
                        .get(r as usize)
                        .map_or("?", |r| r.name.as_str())
                )
            })
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let rounds = round_lines(scheme, decision, &Words::new(scheme, applicant));
    // Stages not due yet are promised, not paid: the summary says so.
    let pending: Vec<String> = decision
        .stages
        .iter()
        .filter(|st| st.due == crate::eval::Due::Pending)
        .map(|st| {
            let after = scheme
                .categories
                .get(st.category as usize)
                .and_then(|c| c.instalments.get(st.stage as usize))
                .and_then(|d| d.after)
                .map(|f| w.field_name(f))
                .unwrap_or_default();
            format!("{} after {after}", w.money(st.amount))
        })
        .collect();
    let pending = if pending.is_empty() {
        String::new()
    } else {
        format!("; pending: {}", pending.join(" and "))
    };
    let summary = match decision.outcome {
        Outcome::Paid => format!("paid {awarded}{pending}"),
        Outcome::NotEligible => "not eligible".to_string(),
        Outcome::NothingDue => {
            let met: Vec<String> = decision
                .categories
                .iter()
                .enumerate()
                .filter(|(_, c)| c.eligible())
                .map(|(i, _)| format!("`{}`", w.category_name(i as u32)))
                .collect();
            format!(
                "eligible under {}, which pays nothing: nothing due",
                met.join(" and ")
            )
        }
        Outcome::NotApplied => format!("eligible for {awarded}, but did not apply"),
        Outcome::Late => format!("eligible for {awarded}, but applied after the deadline"),
        Outcome::Early => format!("eligible for {awarded}, but applied before applications opened"),
        Outcome::Error => {
            "the rules could not be evaluated for this applicant (see the errors below)".to_string()
        }
        Outcome::SubjectToQuota => format!(
            "eligible for {awarded}, subject to quota `{}`: paid if given a place",
            quota_name(scheme, decision)
        ),
        Outcome::NoPlace => format!(
            "eligible for {awarded}, but no place in quota `{}`",
            quota_name(scheme, decision)
        ),
    };
    let quota = quota_line(scheme, decision);
    let payers = payer_lines(scheme, decision, &w);
    let identifier = scheme
        .application
        .as_ref()
        .and_then(|a| a.identifier)
        .and_then(|f| applicant.get(f))
        .map(|v| match v {
            Value::Text(t) => t.clone(),
            other => w.value(other),
        });
    let errors = errors(&requirements, &categories, decision, &w);
    Explanation {
        scheme: scheme.id.clone(),
        applicant: identifier,
        outcome: decision.outcome,
        summary,
        requirements,
        categories,
        award,
        rounds,
        application,
        quota,
        payers,
        schedule,
        errors,
    }
}

/// One line per round of a scheme with rounds: what it paid and when, or
/// the condition that stopped it, read on the round's day.
fn round_lines(scheme: &Scheme, decision: &Decision, words: &Words<'_>) -> Vec<Line> {
    let mut out = Vec::new();
    for d in &decision.rounds {
        let Some(round) = scheme.rounds.get(d.round as usize) else {
            continue;
        };
        let w = words.in_round(Some(round));
        let label = round
            .label
            .as_ref()
            .map(|l| format!(" {l}"))
            .unwrap_or_default();
        let head = format!("round `{}`{label} (on {})", round.name, round.date);
        let window = format!("{} ..= {}", round.paid.start, round.paid.end);
        let (status, text) = if !d.awards.is_empty() {
            let paid: Vec<String> = d
                .awards
                .iter()
                .map(|a| {
                    format!(
                        "{} under `{}`",
                        w.money(a.payout.amount),
                        w.category_name(a.category)
                    )
                })
                .collect();
            (
                Status::Pass,
                format!("{head}: {}, paid {window}", paid.join(" and ")),
            )
        } else if d.requirements.error().is_some()
            || d.categories.iter().any(|c| c.error().is_some())
        {
            (Status::Error, format!("{head}: could not be decided"))
        } else if let Some((i, c)) = d
            .requirements
            .first_failure()
            .and_then(|i| scheme.requirements.get(i).map(|c| (i, c)))
        {
            let line = w.condition(c, &d.requirements.verdict(i), None);
            (Status::Fail, format!("{head}: not paid: {}", line.text))
        } else {
            let why: Vec<String> = scheme
                .categories
                .iter()
                .zip(&d.categories)
                .filter_map(|(cat, c)| {
                    if c.eligible() {
                        return Some(format!("`{}` pays nothing", cat.name));
                    }
                    let i = c.first_failure()?;
                    let cond = cat.conditions.get(i)?;
                    let line = w.condition(cond, &c.conditions.verdict(i), cat.clause.as_deref());
                    let clause = line.clause.map(|c| format!("§{c} ")).unwrap_or_default();
                    Some(format!("`{}`: {clause}{}", cat.name, line.text))
                })
                .collect();
            (
                Status::Fail,
                format!("{head}: not paid: {}", why.join("; ")),
            )
        };
        out.push(Line {
            status,
            clause: round.clause.clone(),
            text,
        });
    }
    out
}

/// One line per payer when there is an award to top up: what it adds, or
/// the condition for which it adds nothing, citing the payer's clause.
fn payer_lines(scheme: &Scheme, decision: &Decision, w: &Words<'_>) -> Vec<Line> {
    if decision.awards.is_empty() {
        return Vec::new();
    }
    let printer = Printer::new(scheme);
    scheme
        .payers
        .iter()
        .zip(&decision.payers)
        .map(|(p, share)| {
            let label = p
                .label
                .as_ref()
                .map(|l| format!(" {l}"))
                .unwrap_or_default();
            let terms = printer.payer_terms(p);
            let clause = p.clause.clone().or(p.pay_clause.clone());
            let failed = share.conditions.first_non_pass().and_then(|i| {
                let c = p.conditions.get(i)?;
                Some(w.condition(c, &share.conditions.verdict(i), None))
            });
            match failed {
                Some(l) => Line {
                    status: l.status,
                    clause,
                    text: format!(
                        "payer `{}`{label} adds nothing ({terms}): {}",
                        p.name, l.text
                    ),
                },
                None => Line {
                    status: Status::Pass,
                    clause,
                    text: format!(
                        "payer `{}`{label} adds {} ({terms}, on {})",
                        p.name,
                        w.money(share.amount),
                        w.money(decision.awarded)
                    ),
                },
            }
        })
        .collect()
}

fn quota_name<'s>(scheme: &'s Scheme, decision: &Decision) -> &'s str {
    decision
        .quota
        .and_then(|q| scheme.quotas.get(q as usize))
        .map_or("?", |q| q.name.as_str())
}

/// The quota line: the pool, its places and order, and where the claim
/// stands once allocated.
fn quota_line(scheme: &Scheme, decision: &Decision) -> Option<Line> {
    let q = scheme.quotas.get(decision.quota? as usize)?;
    let label = q
        .label
        .as_ref()
        .map(|l| format!(" {l}"))
        .unwrap_or_default();
    let printer = crate::print::Printer::new(scheme);
    let order = printer.quota_order(&q.order);
    let ration = printer.ration(q.ration);
    let (status, standing) = match (decision.outcome, decision.quota_rank) {
        (Outcome::Paid, Some(rank)) => (Status::Pass, format!(": given a place, rank {rank}")),
        (Outcome::NoPlace, Some(rank)) => (Status::Fail, format!(": no place, rank {rank}")),
        (
            Outcome::Paid
            | Outcome::NoPlace
            | Outcome::SubjectToQuota
            | Outcome::NotEligible
            | Outcome::NotApplied
            | Outcome::Late
            | Outcome::Early
            | Outcome::NothingDue
            | Outcome::Error,
            _,
        ) => (Status::Info, ": waiting for allocation".to_string()),
    };
    Some(Line {
        status,
        clause: q.clause.clone().or(q.order_clause.clone()),
        text: format!("quota `{}`{label} ({ration}, {order}){standing}", q.name),
    })
}

/// Whether `e` is a literal number of working days.
fn counts_working_days(e: &Expr) -> bool {
    matches!(e, Expr::Lit(Value::Duration(d)) if d.unit == crate::ir::DurationUnitValue::WorkingDays)
}

/// Which calendar counted the working days from `from` to `to`, and its
/// holidays and make-up working days in between: ` (working days by
/// calendar `china`: 2025-10-01 to 2025-10-08 off (国庆节、中秋节), …)`.
/// Empty without a calendar (Monday to Friday, as the unit says).
fn calendar_note(scheme: &Scheme, from: chrono::NaiveDate, to: chrono::NaiveDate) -> String {
    let Some(cal) = &scheme.calendar else {
        return String::new();
    };
    let (a, b) = (from.min(to), from.max(to));
    let mut days: Vec<(chrono::NaiveDate, String)> = Vec::new();
    for (spans, what) in [(&cal.holidays, "off"), (&cal.workdays, "worked")] {
        for s in spans.iter().filter(|s| s.from <= b && s.to >= a) {
            let when = if s.from == s.to {
                s.from.to_string()
            } else {
                format!("{} to {}", s.from, s.to)
            };
            let label = s
                .label
                .as_ref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            days.push((s.from, format!("{when} {what}{label}")));
        }
    }
    days.sort();
    let days: Vec<String> = days.into_iter().map(|(_, t)| t).collect();
    if days.is_empty() {
        format!(" (working days by calendar `{}`)", cal.name)
    } else {
        format!(
            " (working days by calendar `{}`: {})",
            cal.name,
            days.join(", ")
        )
    }
}

/// The error lines of an explanation, gathered so that no reader has to
/// look for them: "see the errors below" always has something below.
fn errors(
    requirements: &[Line],
    categories: &[CategoryExplanation],
    decision: &Decision,
    w: &Words<'_>,
) -> Vec<Line> {
    let mut out: Vec<Line> = requirements
        .iter()
        .filter(|l| l.status == Status::Error)
        .cloned()
        .collect();
    for c in categories {
        for l in c.conditions.iter().chain(&c.pay) {
            if l.status == Status::Error {
                out.push(Line {
                    status: Status::Error,
                    clause: l.clause.clone(),
                    text: format!("`{}`: {}", c.name, l.text),
                });
            }
        }
    }
    if let Some(e) = &decision.error {
        // Not a condition's or a category's: the awards' sum, the
        // application window or the payment timeline.
        out.push(Line {
            status: Status::Error,
            clause: None,
            text: format!("the decision could not be completed: {}", w.error(e)),
        });
    }
    out
}

impl Explanation {
    /// The trace as a person reads it.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let who = self.applicant.as_deref().unwrap_or("applicant");
        out.push_str(&format!("{who}: {}\n", self.summary));
        let line = |out: &mut String, indent: &str, l: &Line| {
            let clause = l
                .clause
                .as_ref()
                .map(|c| format!("§{c} "))
                .unwrap_or_default();
            out.push_str(&format!("{indent}{} {clause}{}\n", l.status.mark(), l.text));
        };
        if !self.requirements.is_empty() {
            out.push_str("requirements\n");
            for l in &self.requirements {
                line(&mut out, "  ", l);
            }
        }
        for c in &self.categories {
            let mark = if c.eligible { "✓" } else { "✗" };
            let label = c
                .label
                .as_ref()
                .map(|l| format!(" {l}"))
                .unwrap_or_default();
            let clause = c
                .clause
                .as_ref()
                .map(|c| format!(" §{c}"))
                .unwrap_or_default();
            let verdict = match &c.amount {
                Some(a) => format!("eligible, {a}"),
                None => "not eligible".to_string(),
            };
            out.push_str(&format!("{mark} {}{label}{clause}: {verdict}\n", c.name));
            for l in &c.conditions {
                line(&mut out, "    ", l);
            }
            if let Some(p) = &c.pay {
                line(&mut out, "    ", p);
            }
            for l in &c.instalments {
                line(&mut out, "    ", l);
            }
        }
        if let Some(a) = &self.award {
            line(&mut out, "", a);
        }
        if !self.rounds.is_empty() {
            out.push_str("rounds\n");
            for l in &self.rounds {
                line(&mut out, "  ", l);
            }
        }
        if let Some(a) = &self.application {
            line(&mut out, "", a);
        }
        if let Some(q) = &self.quota {
            line(&mut out, "", q);
        }
        for p in &self.payers {
            line(&mut out, "", p);
        }
        for s in &self.schedule {
            line(&mut out, "", s);
        }
        if !self.errors.is_empty() {
            out.push_str("errors\n");
            for l in &self.errors {
                line(&mut out, "  ", l);
            }
        }
        out
    }
}

/// Renders IR and values in the scheme's own words.
#[derive(Clone, Copy)]
pub struct Words<'a> {
    pub scheme: &'a Scheme,
    pub applicant: &'a Applicant,
    /// The round whose verdicts are explained, which `round.date` and the
    /// like read (`None`: outside any).
    pub round: Option<&'a Round>,
}

impl<'a> Words<'a> {
    pub fn new(scheme: &'a Scheme, applicant: &'a Applicant) -> Self {
        Words {
            scheme,
            applicant,
            round: None,
        }
    }

    /// The same words, in `round`.
    pub fn in_round(self, round: Option<&'a Round>) -> Self {
        Words { round, ..self }
    }

    /// ` = base rebate and credits 1,700.00 元 - reduction for income
    /// 250.01 元`: the named values a formula is made of, with their values
    /// for this applicant; empty if it uses none.
    pub fn parts(&self, e: &Expr) -> String {
        let mut lets = Vec::new();
        e.visit_lets(&mut |l| {
            if !lets.contains(&l) {
                lets.push(l);
            }
        });
        let parts: Vec<String> = lets
            .into_iter()
            .filter_map(|l| {
                let def = self.scheme.lets.get(l as usize)?;
                let v =
                    crate::eval::value_in(self.scheme, self.applicant, self.round, &Expr::Let(l))?;
                let name = match &def.label {
                    Some(label) => format!("{} ({label})", def.name),
                    None => def.name.clone(),
                };
                Some(format!("{name} = {}", self.value(&v)))
            })
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!(": {} where {}", self.expr(e), parts.join(", "))
        }
    }

    /// ` (decided by certificates[2]: level 1, …)` for an expression that
    /// walks a list: the item that decided its first `any`, `all`, `min` or
    /// `max` (looking through named values); empty otherwise.
    pub fn decided_by(&self, e: &Expr) -> String {
        let mut walks: Vec<&Expr> = Vec::new();
        let mut lets = Vec::new();
        collect_walks(self.scheme, e, &mut walks, &mut lets, 0);
        walks
            .into_iter()
            .find_map(|w| crate::eval::deciding_item(self.scheme, self.applicant, self.round, w))
            .map(|(list, i)| format!(" (decided by {})", self.item(list, i)))
            .unwrap_or_default()
    }

    /// `certificates[2]: level 1, issuer registered_org, issued 2024-06-01`
    /// (items counted from 1, as people count them).
    pub fn item(&self, list: FieldId, index: usize) -> String {
        let name = self.field_name(list);
        let record = match self.scheme.applicant.get(list as usize).map(|f| f.ty) {
            Some(crate::ir::Type::List(r)) => self.scheme.records.get(r as usize),
            _ => None,
        };
        let values = match (self.applicant.get(list), record) {
            (Some(Value::List(items)), Some(record)) => items.get(index).map(|item| {
                item.iter()
                    .zip(&record.fields)
                    .map(|(v, f)| match v {
                        Some(v) => format!("{} {}", f.name, self.value(v)),
                        None => format!("{} (absent)", f.name),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
            _ => None,
        };
        match values {
            Some(v) => format!("{name}[{}]: {v}", index + 1),
            None => format!("{name}[{}]", index + 1),
        }
    }

    pub fn money(&self, m: Money) -> String {
        if self.scheme.header.currency == "CNY" {
            format!("{} 元", m.grouped())
        } else {
            format!("{} {}", m.grouped(), self.scheme.header.currency)
        }
    }

    fn category_name(&self, i: u32) -> String {
        self.scheme
            .categories
            .get(i as usize)
            .map_or_else(|| format!("#{i}"), |c| c.name.clone())
    }

    fn field_name(&self, f: FieldId) -> String {
        self.scheme
            .applicant
            .get(f as usize)
            .map_or_else(|| format!("#{f}"), |x| x.name.clone())
    }

    pub fn value(&self, v: &Value) -> String {
        match v {
            Value::Bool(b) => b.to_string(),
            Value::Int(n) => n.to_string(),
            Value::Money(m) => self.money(*m),
            Value::Date(d) => d.to_string(),
            Value::DateTime(t) => crate::datetime::datetime_text(*t),
            Value::Text(t) => format!("{t:?}"),
            Value::Enum { ty, variant } => self
                .scheme
                .enums
                .get(*ty as usize)
                .and_then(|e| e.variants.get(*variant as usize))
                .map_or_else(|| format!("#{variant}"), |v| v.name.clone()),
            Value::Duration(d) => {
                let unit = match d.unit {
                    crate::ir::DurationUnitValue::Days => "days",
                    crate::ir::DurationUnitValue::WorkingDays => "working_days",
                    crate::ir::DurationUnitValue::Weeks => "weeks",
                    crate::ir::DurationUnitValue::Months => "months",
                    crate::ir::DurationUnitValue::Years => "years",
                };
                format!("{} {unit}", d.count)
            }
            Value::Decimal(d) => d.to_string(),
            Value::List(items) => format!("{} items", items.len()),
        }
    }

    /// `voc_level = 1`, `voc_issuer = other (其他机构)`, `sw_level is absent`
    fn field_value(&self, f: FieldId) -> String {
        let name = self.field_name(f);
        match self.applicant.get(f) {
            None => format!("{name} is absent"),
            Some(v @ Value::Enum { ty, variant }) => {
                let label = self
                    .scheme
                    .enums
                    .get(*ty as usize)
                    .and_then(|e| e.variants.get(*variant as usize))
                    .and_then(|v| v.label.clone());
                match label {
                    Some(l) => format!("{name} = {} ({l})", self.value(v)),
                    None => format!("{name} = {}", self.value(v)),
                }
            }
            Some(v) => format!("{name} = {}", self.value(v)),
        }
    }

    /// An expression as the author would write it: policy text that
    /// parses back to the same IR (see [`crate::print`]).
    pub fn expr(&self, e: &Expr) -> String {
        Printer::new(self.scheme).expr(e)
    }

    pub fn row_name(&self, r: RowRef) -> String {
        self.scheme
            .tables
            .get(r.table as usize)
            .and_then(|t| {
                t.rows
                    .get(r.row as usize)
                    .map(|row| format!("{}.{}", t.name, row.name))
            })
            .unwrap_or_else(|| "?".into())
    }

    /// `2,000.00 元 from standard.level1 (国家一级（高级技师）)`, following "same as" rows.
    fn payout(&self, p: &Payout) -> String {
        let mut text = self.money(p.amount);
        let mut at = p.row;
        let mut hops = 0;
        while let Some(r) = at {
            let Some(row) = self
                .scheme
                .tables
                .get(r.table as usize)
                .and_then(|t| t.rows.get(r.row as usize))
            else {
                break;
            };
            let label = row
                .label
                .as_ref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            text.push_str(&format!(
                " {} {}{label}",
                if hops == 0 { "from" } else { "= same as" },
                self.row_name(r)
            ));
            at = match row.amount {
                RowAmount::SameAs(next) if hops < 8 => Some(next),
                RowAmount::Money(..) | RowAmount::SameAs(..) | RowAmount::Value(..) => None,
            };
            hops += 1;
        }
        text
    }

    fn error(&self, e: &EvalError) -> String {
        match e {
            EvalError::NegativeAmount { amount } => {
                format!(
                    "the amount comes to {}, less than nothing",
                    self.money(*amount)
                )
            }
            EvalError::Absent { field } => {
                format!("`{}` is absent", self.field_name(*field))
            }
            EvalError::NoRow { table } => {
                let t = self
                    .scheme
                    .tables
                    .get(*table as usize)
                    .map_or("?", |t| t.name.as_str());
                format!("table `{t}` has no row for this key")
            }
            other => other.to_string(),
        }
    }

    /// One condition's line: what it checked and, for a failure, why.
    fn condition(&self, c: &Condition, v: &Verdict, fallback_clause: Option<&str>) -> Line {
        let clause = c
            .clause
            .clone()
            .or_else(|| fallback_clause.map(str::to_string));
        let fields = self.fields_of(&c.expr);
        let name = c.label.clone().unwrap_or_else(|| c.text.clone());
        let (status, text) = match (v, c.kind) {
            (Verdict::Pass, ConditionKind::When) => (
                Status::Pass,
                format!("{name}: {fields}{}", self.decided_by(&c.expr)),
            ),
            (Verdict::Pass, ConditionKind::Unless) => {
                (Status::Pass, format!("not excluded ({name}): {fields}"))
            }
            (Verdict::Fail, ConditionKind::When) => {
                let why = self.why_not(&c.expr);
                match &c.label {
                    Some(l) => (Status::Fail, format!("{l}: {why}")),
                    None => (Status::Fail, why),
                }
            }
            (Verdict::Fail, ConditionKind::Unless) => (
                Status::Fail,
                format!("excluded ({name}): {fields}{}", self.decided_by(&c.expr)),
            ),
            (Verdict::Skipped, _) => (Status::Skipped, format!("{name}: not checked")),
            (Verdict::Error(e), _) => (Status::Error, format!("{name}: {}", self.error(e))),
        };
        Line {
            status,
            clause,
            text,
        }
    }

    /// The values of the fields an expression reads: `voc_level = 1, voc_issued = 2021-01-01`.
    fn fields_of(&self, e: &Expr) -> String {
        let mut ids = Vec::new();
        collect_fields(e, &mut ids);
        ids.dedup();
        let mut seen = Vec::new();
        let parts: Vec<String> = ids
            .into_iter()
            .filter(|f| {
                let new = !seen.contains(f);
                seen.push(*f);
                new
            })
            .map(|f| self.field_value(f))
            .collect();
        parts.join(", ")
    }

    /// Why a condition that should hold does not, naming the failing part.
    fn why_not(&self, e: &Expr) -> String {
        let failing = |x: &Expr| -> bool {
            let d = crate::eval::condition_in(self.scheme, self.applicant, self.round, x);
            d != Some(true)
        };
        match e {
            Expr::And(items) => match items.iter().find(|x| failing(x)) {
                Some(x) => self.why_not(x),
                None => format!("{} does not hold: {}", self.expr(e), self.fields_of(e)),
            },
            // Every alternative failed: say why each did.
            Expr::Or(items) => {
                let parts: Vec<String> = items.iter().map(|x| self.why_not(x)).collect();
                format!("none of the alternatives holds: {}", parts.join("; "))
            }
            Expr::Let(l) => match self.scheme.lets.get(*l as usize) {
                Some(def) => format!("{} does not hold: {}", def.name, self.why_not(&def.expr)),
                None => format!("{} does not hold", self.expr(e)),
            },
            Expr::Any(set) => {
                let count = match self.applicant.get(set.list) {
                    Some(Value::List(items)) => items.len(),
                    _ => 0,
                };
                let list = self.field_name(set.list);
                let Some(filter) = &set.filter else {
                    return format!("{list} has no items");
                };
                if count == 0 {
                    return format!("{list} has no items");
                }
                // Each item, with the first part of the condition it fails.
                let parts: &[Expr] = match &**filter {
                    Expr::And(items) => items,
                    other => std::slice::from_ref(other),
                };
                let record = match self.scheme.applicant.get(set.list as usize).map(|f| f.ty) {
                    Some(crate::ir::Type::List(r)) => Some(r),
                    _ => None,
                };
                let inner = Printer::new(self.scheme).within(record);
                let mut lines: Vec<String> = (0..count.min(5))
                    .map(|i| {
                        let failed = parts.iter().find(|p| {
                            crate::eval::evaluate_on_item(
                                self.scheme,
                                self.applicant,
                                self.round,
                                set.list,
                                i,
                                p,
                            ) != Some(true)
                        });
                        match failed {
                            Some(p) => {
                                format!("{} fails {}", self.item(set.list, i), inner.expr(p))
                            }
                            None => self.item(set.list, i),
                        }
                    })
                    .collect();
                if count > 5 {
                    lines.push(format!("and {} more", count - 5));
                }
                format!("no item of {list} meets it: {}", lines.join("; "))
            }
            Expr::All { .. } => {
                match crate::eval::deciding_item(self.scheme, self.applicant, self.round, e) {
                    Some((list, i)) => {
                        format!("{} does not hold for {}", self.expr(e), self.item(list, i))
                    }
                    None => format!("{} does not hold", self.expr(e)),
                }
            }
            Expr::IsPresent(f) => format!("{} is absent", self.field_name(*f)),
            Expr::Field(f) => format!("{} is false", self.field_name(*f)),
            Expr::RoundPart(_) => format!("{} does not hold", self.expr(e)),
            Expr::Not(inner) => match &**inner {
                Expr::IsPresent(f) => format!(
                    "{} is present ({})",
                    self.field_name(*f),
                    self.field_value(*f)
                ),
                Expr::Field(f) => format!("{} is true", self.field_name(*f)),
                Expr::Lit(..)
                | Expr::Row(..)
                | Expr::Lookup { .. }
                | Expr::Not(..)
                | Expr::Neg(..)
                | Expr::And(..)
                | Expr::Or(..)
                | Expr::Compare { .. }
                | Expr::Arith { .. }
                | Expr::InSet { .. }
                | Expr::InRange { .. }
                | Expr::Let(..)
                | Expr::RoundPart(..)
                | Expr::Item(..)
                | Expr::ItemPresent(..)
                | Expr::Any(..)
                | Expr::All { .. }
                | Expr::Aggregate { .. }
                | Expr::Round { .. }
                | Expr::Default { .. }
                | Expr::ItemDefault { .. }
                | Expr::Call { .. }
                | Expr::If { .. }
                | Expr::Match { .. } => {
                    format!("{} does not hold: {}", self.expr(e), self.fields_of(e))
                }
            },
            Expr::InRange {
                expr,
                lo,
                hi,
                inclusive,
            } => {
                let range =
                    Printer::new(self.scheme).range(lo.as_deref(), hi.as_deref(), *inclusive);
                let subject = match &**expr {
                    Expr::Field(f) => self.field_value(*f),
                    other => self.expr(other),
                };
                let value = crate::eval::value_in(self.scheme, self.applicant, self.round, expr);
                let low = lo.as_ref().and_then(|l| {
                    crate::eval::value_in(self.scheme, self.applicant, self.round, l)
                });
                let is_date = matches!(value, Some(Value::Date(_)));
                match (value, low) {
                    (Some(v), Some(l)) if v < l => {
                        format!(
                            "{subject} is {} {range}",
                            if is_date {
                                "before the window"
                            } else {
                                "below the range"
                            }
                        )
                    }
                    (Some(_), _) => format!(
                        "{subject} is {} {range}",
                        if is_date {
                            "after the window"
                        } else {
                            "above the range"
                        }
                    ),
                    _ => format!("{subject} is not in {range}"),
                }
            }
            Expr::InSet { expr, set } => {
                let subject = match &**expr {
                    Expr::Field(f) => self.field_value(*f),
                    other => self.expr(other),
                };
                format!(
                    "{subject} is not one of {}",
                    Printer::new(self.scheme).set(set)
                )
            }
            Expr::Compare { .. } => {
                let need = self.expr(e);
                let got = self.fields_of(e);
                format!("{got}, but the rule needs {need}")
            }
            Expr::Lit(..)
            | Expr::Row(..)
            | Expr::Lookup { .. }
            | Expr::Neg(..)
            | Expr::Arith { .. }
            | Expr::Item(..)
            | Expr::ItemPresent(..)
            | Expr::Aggregate { .. }
            | Expr::Round { .. }
            | Expr::Default { .. }
            | Expr::ItemDefault { .. }
            | Expr::Call { .. }
            | Expr::If { .. }
            | Expr::Match { .. } => {
                format!("{} does not hold: {}", self.expr(e), self.fields_of(e))
            }
        }
    }
}

/// The expressions in `e` that walk a list and have a deciding item, in
/// order, through the named values `e` uses.
fn collect_walks<'s>(
    scheme: &'s Scheme,
    e: &'s Expr,
    out: &mut Vec<&'s Expr>,
    lets: &mut Vec<crate::ir::LetId>,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    let mut nested = Vec::new();
    e.walk(&mut |x| match x {
        Expr::Any(_)
        | Expr::All { .. }
        | Expr::Aggregate {
            func: crate::ir::Aggregate::Min | crate::ir::Aggregate::Max,
            ..
        } => out.push(x),
        Expr::Let(l) if !lets.contains(l) => {
            lets.push(*l);
            nested.push(*l);
        }
        Expr::Lit(..)
        | Expr::Field(..)
        | Expr::Row(..)
        | Expr::Lookup { .. }
        | Expr::Not(..)
        | Expr::Neg(..)
        | Expr::And(..)
        | Expr::Or(..)
        | Expr::Compare { .. }
        | Expr::Arith { .. }
        | Expr::InSet { .. }
        | Expr::InRange { .. }
        | Expr::IsPresent(..)
        | Expr::Let(..)
        | Expr::RoundPart(..)
        | Expr::Item(..)
        | Expr::ItemPresent(..)
        | Expr::Aggregate { .. }
        | Expr::Round { .. }
        | Expr::Default { .. }
        | Expr::ItemDefault { .. }
        | Expr::Call { .. }
        | Expr::If { .. }
        | Expr::Match { .. } => {}
    });
    for l in nested {
        if let Some(def) = scheme.lets.get(l as usize) {
            collect_walks(scheme, &def.expr, out, lets, depth + 1);
        }
    }
}

fn collect_fields(e: &Expr, out: &mut Vec<FieldId>) {
    e.visit_fields(&mut |f| out.push(f));
}
