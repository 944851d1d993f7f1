//! What-if overrides: `--set PATH=VALUE` changes one number, date or list of
//! a compiled scheme before it runs. Paths name things the way the policy
//! does:
//!
//! | path | changes |
//! | --- | --- |
//! | `standard.level1` | a table row's amount (`2500`, `2500.00`, `2500 元`) |
//! | `vocational.voc_issued.start`, `.end` | a bound of the range a category tests a field against |
//! | `vocational.window.start`, `.end` | the same, for the category's one date range |
//! | `contest.contest_year` | the value a category compares a field with (`==`, or a threshold: `<`, `<=`, `>`, `>=`) |
//! | `reduction_rate` | a named value written once (`let reduction_rate = 5%`; not a formula) |
//! | `rebate.pay` | the amount a category pays, when it pays one written amount |
//! | `require.age`, `require.age.start`, `require.issuer.in` | the same, in the requirements every category shares |
//! | `social_work.sw_level.in` | the set a category tests a field against (`senior,regular`) |
//! | `application.deadline`, `application.opens` | the application window |
//! | `award.limit` | awards per person per period |
//! | `timeline.review` | a step's time limit (`2 months`, `20 days`) |
//! | `payer.east_district.cap` | the most a payer adds for one applicant (`none`: no cap) |
//! | `payer.east_district.ratio` | how much a payer adds for every amount of the award (`1:2`) |
//!
//! An override changes the scheme, so the report shows the changed bundle's
//! hash. It edits values the checker already typed, and is refused if the
//! value is not of the same type.

use bursar_runtime::ir::{
    CompareOp, Condition, Duration, DurationUnit, Expr, Ration, RowAmount, Scheme, Type, Value,
};
use bursar_runtime::{parse_cell, Money};

/// Why an override cannot be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OverrideError {
    /// `PATH=VALUE` was not written that way.
    Syntax { text: String },
    /// A part of the path names nothing; `known` lists what could stand there.
    UnknownPath {
        path: String,
        wrong: String,
        known: Vec<String>,
    },
    /// The path names something, but not one thing the override can change.
    NotChangeable { path: String, why: String },
    /// The value is not of the type the scheme has there.
    BadValue {
        path: String,
        value: String,
        expected: String,
    },
}

impl std::fmt::Display for OverrideError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OverrideError::Syntax { text } => write!(
                f,
                "`{text}`: write `--set path=value`, e.g. `--set standard.level1=2500`"
            ),
            OverrideError::UnknownPath { path, wrong, known } => {
                write!(
                    f,
                    "`{path}`: `{wrong}` is not known here (known: {})",
                    known.join(", ")
                )
            }
            OverrideError::NotChangeable { path, why } => write!(f, "`{path}`: {why}"),
            OverrideError::BadValue {
                path,
                value,
                expected,
            } => write!(f, "`{path}`: `{value}` is not {expected}"),
        }
    }
}

impl std::error::Error for OverrideError {}

/// Applies `PATH=VALUE`.
pub fn apply_text(scheme: &mut Scheme, text: &str) -> Result<(), OverrideError> {
    let Some((path, value)) = text.split_once('=') else {
        return Err(OverrideError::Syntax {
            text: text.to_string(),
        });
    };
    apply(scheme, path.trim(), value.trim())
}

/// Applies one override.
pub fn apply(scheme: &mut Scheme, path: &str, value: &str) -> Result<(), OverrideError> {
    let parts: Vec<&str> = path.split('.').collect();
    let unknown = |wrong: &str, known: Vec<String>| OverrideError::UnknownPath {
        path: path.to_string(),
        wrong: wrong.to_string(),
        known,
    };
    let bad = |expected: &str| OverrideError::BadValue {
        path: path.to_string(),
        value: value.to_string(),
        expected: expected.to_string(),
    };
    let first = parts.first().copied().unwrap_or("");
    let currency = scheme.header.currency.clone();
    match (first, parts.as_slice()) {
        ("application", [_, what]) => {
            let date =
                parse_cell(scheme, Type::Date, value).map_err(|_| bad("a date like 2023-10-31"))?;
            let Some(app) = scheme.application.as_mut() else {
                return Err(OverrideError::NotChangeable {
                    path: path.to_string(),
                    why: "the scheme has no application block".into(),
                });
            };
            match *what {
                "deadline" => app.deadline = Some(Expr::Lit(date)),
                "opens" => app.opens = Some(Expr::Lit(date)),
                other => return Err(unknown(other, vec!["deadline".into(), "opens".into()])),
            }
            Ok(())
        }
        ("award", [_, "limit"]) => {
            let n: u32 = value
                .parse()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| bad("a whole number of at least 1"))?;
            scheme.award.limit = n;
            Ok(())
        }
        ("award", [_, other]) => Err(unknown(other, vec!["limit".into()])),
        // `quota.a.places=300`, `quota.a.seed=7`: how many places, and
        // another draw of the same lottery.
        ("quota", [_, name, what]) => {
            let names: Vec<String> = scheme.quotas.iter().map(|q| q.name.clone()).collect();
            let Some(q) = scheme.quotas.iter_mut().find(|q| q.name == *name) else {
                return Err(unknown(name, names));
            };
            match *what {
                "places" => match q.ration {
                    Ration::Places(_) => {
                        let n = value.parse().map_err(|_| bad("a whole number of places"))?;
                        q.ration = Ration::Places(n);
                    }
                    Ration::Budget(_) | Ration::ProRata(_) => {
                        return Err(OverrideError::NotChangeable {
                            path: path.to_string(),
                            why: format!("quota `{name}` rations money: set `quota.{name}.budget`"),
                        })
                    }
                },
                "budget" => {
                    let m =
                        money(value, &currency).ok_or_else(|| bad("an amount like 1000000.00"))?;
                    q.ration = match q.ration {
                        Ration::Budget(_) => Ration::Budget(m),
                        Ration::ProRata(_) => Ration::ProRata(m),
                        Ration::Places(_) => {
                            return Err(OverrideError::NotChangeable {
                                path: path.to_string(),
                                why: format!(
                                    "quota `{name}` rations places: set `quota.{name}.places`"
                                ),
                            })
                        }
                    };
                }
                "seed" => {
                    let seed: u64 = value.parse().map_err(|_| bad("a whole number from 0"))?;
                    let mut lots = q.order.iter_mut().filter_map(|r| match r {
                        bursar_runtime::ir::Rank::Lot { seed } => Some(seed),
                        bursar_runtime::ir::Rank::By { .. } => None,
                    });
                    match lots.next() {
                        Some(s) => *s = seed,
                        None => {
                            return Err(OverrideError::NotChangeable {
                                path: path.to_string(),
                                why: format!("quota `{name}` draws no lot"),
                            })
                        }
                    }
                }
                other => {
                    return Err(unknown(
                        other,
                        vec!["places".into(), "budget".into(), "seed".into()],
                    ))
                }
            }
            Ok(())
        }
        // `round.third.amount=400`, `round.first.paid_end=2024-06-15`: a
        // round's amount, qualifying day or payment window.
        ("round", [_, name, what]) if !scheme.rounds.is_empty() => {
            let names: Vec<String> = scheme.rounds.iter().map(|r| r.name.clone()).collect();
            let Some(r) = scheme.rounds.iter_mut().find(|r| r.name == *name) else {
                return Err(unknown(name, names));
            };
            let date = || match parse_cell_date(value) {
                Some(d) => Ok(d),
                None => Err(bad("a date like 2024-05-31")),
            };
            match *what {
                "amount" => {
                    r.amount = money(value, &currency).ok_or_else(|| {
                        bad("an amount as a policy writes one, at least 0, like 300 or 300 元")
                    })?
                }
                "date" => r.date = date()?,
                "paid_start" => r.paid.start = date()?,
                "paid_end" => r.paid.end = date()?,
                other => {
                    return Err(unknown(
                        other,
                        vec![
                            "amount".into(),
                            "date".into(),
                            "paid_start".into(),
                            "paid_end".into(),
                        ],
                    ))
                }
            }
            Ok(())
        }
        ("round", [_, name]) if !scheme.rounds.is_empty() => Err(unknown(
            name,
            scheme
                .rounds
                .iter()
                .map(|r| format!("{}.amount", r.name))
                .collect(),
        )),
        // `payer.east_district.cap=300`, `payer.east_district.ratio=1:2`: a
        // payer's budget, tried before it is agreed.
        ("payer", [_, name, what]) => {
            let names: Vec<String> = scheme.payers.iter().map(|p| p.name.clone()).collect();
            let Some(p) = scheme.payers.iter_mut().find(|p| p.name == *name) else {
                return Err(unknown(name, names));
            };
            match *what {
                "cap" if value == "none" => p.cap = None,
                "cap" => {
                    let m = money(value, &currency)
                        .filter(|m| *m >= Money::ZERO)
                        .ok_or_else(|| bad("an amount from 0 like 300.00, or `none`"))?;
                    p.cap = Some(m);
                }
                "ratio" => {
                    let side = |t: &str| {
                        t.trim()
                            .parse::<u32>()
                            .ok()
                            .filter(|n| (1..=bursar_runtime::ir::MAX_RATIO).contains(n))
                    };
                    let (per, pays) = value
                        .split_once(':')
                        .and_then(|(a, b)| Some((side(a)?, side(b)?)))
                        .ok_or_else(|| bad("a ratio like 1:1, each side from 1 to 1000"))?;
                    p.per = per;
                    p.pays = pays;
                }
                other => return Err(unknown(other, vec!["cap".into(), "ratio".into()])),
            }
            Ok(())
        }
        ("payer", [_, name]) => Err(unknown(
            name,
            scheme
                .payers
                .iter()
                .map(|p| format!("{}.cap", p.name))
                .collect(),
        )),
        ("quota", [_, name]) => Err(unknown(
            name,
            scheme
                .quotas
                .iter()
                .map(|q| format!("{}.places", q.name))
                .collect(),
        )),
        (name, [_]) if scheme.lets.iter().any(|l| l.name == name) => {
            let Some(l) = scheme.lets.iter_mut().find(|l| l.name == name) else {
                return Err(unknown(name, Vec::new()));
            };
            // A value written once can be changed; a formula cannot be
            // replaced by a number without saying what it was for.
            if !matches!(l.expr, Expr::Lit(_)) {
                return Err(OverrideError::NotChangeable {
                    path: path.to_string(),
                    why: format!("`{name}` is a formula; change the values it is made of"),
                });
            }
            let ty = l.ty;
            let v = match ty {
                Type::Money => money(value, &currency).map(Value::Money),
                Type::Decimal => value
                    .parse::<bursar_runtime::decimal::Decimal>()
                    .ok()
                    .map(Value::Decimal),
                Type::Bool
                | Type::Int
                | Type::Date
                | Type::DateTime
                | Type::Text
                | Type::Duration
                | Type::Enum(..)
                | Type::Unrounded
                | Type::List(..) => None,
            };
            let v = match v {
                Some(v) => v,
                None => {
                    let blank = scheme.clone();
                    parse_cell(&blank, ty, value)
                        .map_err(|_| bad(&format!("a value of type `{}`", ty.name(&blank.enums))))?
                }
            };
            if let Some(l) = scheme.lets.iter_mut().find(|l| l.name == name) {
                l.expr = Expr::Lit(v);
            }
            Ok(())
        }
        (name, [_, "pay"]) if scheme.categories.iter().any(|c| c.name == name) => {
            let Some(cat) = scheme.categories.iter_mut().find(|c| c.name == name) else {
                return Err(unknown(name, Vec::new()));
            };
            if !matches!(cat.pay, Expr::Lit(Value::Money(_))) {
                return Err(OverrideError::NotChangeable {
                    path: path.to_string(),
                    why: format!("`{name}` does not pay one written amount; change the table row or named value it pays"),
                });
            }
            cat.pay = Expr::Lit(Value::Money(money(value, &currency).ok_or_else(|| {
                bad("an amount as a policy writes one, at least 0, like 2500, 2500.50 or 2500 元")
            })?));
            Ok(())
        }
        ("timeline", [_, step]) => {
            let known: Vec<String> = scheme.timeline.iter().map(|s| s.name.clone()).collect();
            let s = scheme
                .timeline
                .iter_mut()
                .find(|s| s.name == *step)
                .ok_or_else(|| unknown(step, known))?;
            s.within =
                duration(value).ok_or_else(|| bad("a duration like `1 month` or `20 days`"))?;
            Ok(())
        }
        (name, [_, rest @ ..]) if scheme.tables.iter().any(|t| t.name == name) => {
            let table = scheme
                .tables
                .iter_mut()
                .find(|t| t.name == name)
                .ok_or_else(|| unknown(name, Vec::new()))?;
            let [row] = rest else {
                return Err(OverrideError::NotChangeable {
                    path: path.to_string(),
                    why: "name a row: `table.row`".into(),
                });
            };
            let known: Vec<String> = table.rows.iter().map(|r| r.name.clone()).collect();
            let r = table
                .rows
                .iter_mut()
                .find(|r| r.name == *row)
                .ok_or_else(|| unknown(row, known))?;
            r.amount = match table.value {
                // A table of rates or counts: a number of its type.
                Some(Type::Decimal) => RowAmount::Value(Value::Decimal(
                    value
                        .parse::<bursar_runtime::decimal::Decimal>()
                        .map_err(|_| bad("a rate like 5% or 0.05"))?,
                )),
                Some(_) => RowAmount::Value(Value::Int(
                    value.trim().parse::<i64>().map_err(|_| bad("a whole number"))?,
                )),
                // The DSL has no negative amounts: an award is paid, not charged.
                None => RowAmount::Money(money(value, &currency).ok_or_else(|| {
                    bad("an amount as a policy writes one, at least 0, like 2500, 2500.50 or 2500 元")
                })?),
            };
            Ok(())
        }
        // A category's conditions, or (`require.FIELD…`) the requirements.
        (name, [_, field, rest @ ..])
            if name == "require" || scheme.categories.iter().any(|c| c.name == name) =>
        {
            let what = rest.first().copied().unwrap_or("");
            // First find the site and parse the value, reading the scheme;
            // then write.
            let (ci, site, new) = {
                let scheme: &Scheme = scheme;
                let field_names: Vec<String> =
                    scheme.applicant.iter().map(|f| f.name.clone()).collect();
                let ci = if name == "require" {
                    None
                } else {
                    Some(
                        scheme
                            .categories
                            .iter()
                            .position(|c| c.name == name)
                            .ok_or_else(|| unknown(name, Vec::new()))?,
                    )
                };
                let conditions =
                    conditions_of(scheme, ci).ok_or_else(|| unknown(name, Vec::new()))?;
                let target: Option<u32> = if *field == "window" {
                    None
                } else {
                    let id = field_names.iter().position(|f| f == field).ok_or_else(|| {
                        let mut known = vec!["window".to_string()];
                        known.extend(field_names.iter().cloned());
                        unknown(field, known)
                    })?;
                    Some(id as u32)
                };
                let ty = |id: u32| scheme.applicant.get(id as usize).map(|f| f.ty);
                let mut sites = Vec::new();
                for (i, c) in conditions.iter().enumerate() {
                    collect_sites(&c.expr, target, &ty, &mut Vec::new(), i, &mut sites);
                }
                let wanted: Vec<&Site> = sites
                    .iter()
                    .filter(|s| {
                        matches!(
                            (what, s.kind),
                            ("start" | "end", SiteKind::Range)
                                | ("in", SiteKind::Set)
                                | ("", SiteKind::Equals | SiteKind::Threshold)
                        )
                    })
                    .collect();
                let site = match wanted.as_slice() {
                    [one] => (*one).clone(),
                    [] if matches!(what, "start" | "end" | "in" | "") => {
                        return Err(OverrideError::NotChangeable {
                            path: path.to_string(),
                            why: format!("no condition of `{name}` tests `{field}` that way ({})", describe_sites(&sites)),
                        })
                    }
                    [] => return Err(unknown(what, vec!["start".into(), "end".into(), "in".into()])),
                    _ => {
                        return Err(OverrideError::NotChangeable {
                            path: path.to_string(),
                            why: format!("`{name}` tests `{field}` that way more than once; change the policy instead"),
                        })
                    }
                };
                let expected = match site.ty {
                    Type::Date => "a date like 2023-06-30",
                    Type::DateTime => "a date and time like 2025-03-01T09:30",
                    Type::Int => "a whole number",
                    Type::Money => "an amount like 2500.00",
                    Type::Enum(_) => "values of the field's enum, separated by commas",
                    Type::Bool
                    | Type::Text
                    | Type::Duration
                    | Type::Decimal
                    | Type::Unrounded
                    | Type::List(..) => "a value of the field's type",
                };
                let new: Vec<Value> = if what == "in" {
                    value
                        .split(',')
                        .map(|v| parse_cell(scheme, site.ty, v.trim()).ok())
                        .collect::<Option<Vec<_>>>()
                } else {
                    parse_cell(scheme, site.ty, value).ok().map(|v| vec![v])
                }
                .filter(|v| !v.is_empty())
                .ok_or_else(|| bad(expected))?;
                (ci, site, new)
            };
            let condition = conditions_of_mut(scheme, ci)
                .and_then(|c| c.get_mut(site.condition))
                .ok_or_else(|| unknown(field, Vec::new()))?;
            let node = node_at(&mut condition.expr, &site.route)
                .ok_or_else(|| unknown(field, Vec::new()))?;
            let first = new.first().cloned().ok_or_else(|| bad("a value"))?;
            match (what, node) {
                // A range the change would empty is refused, as the checker
                // refuses one written that way: it is a slip, not a reform.
                (
                    "start" | "end",
                    Expr::InRange {
                        lo, hi, inclusive, ..
                    },
                ) => {
                    let start = what == "start";
                    let (bound, other) = if start { (lo, &*hi) } else { (hi, &*lo) };
                    if let Some(Expr::Lit(other)) = other.as_deref() {
                        let (a, b) = if start {
                            (&first, other)
                        } else {
                            (other, &first)
                        };
                        if empty_range(a, b, *inclusive) {
                            let on = if *inclusive { "on or " } else { "" };
                            let (side, end) = if start {
                                ("before", "end")
                            } else {
                                ("after", "start")
                            };
                            let other = other.clone();
                            let blank = bursar_runtime::Applicant::empty(scheme);
                            let words = bursar_runtime::Words::new(scheme, &blank);
                            return Err(bad(&format!(
                                "{on}{side} the range's {end}, {}",
                                words.value(&other)
                            )));
                        }
                    }
                    *bound = Some(Box::new(Expr::Lit(first)));
                }
                ("in", Expr::InSet { set, .. }) => *set = new,
                ("", Expr::Compare { lhs, rhs, .. }) => {
                    if matches!(**rhs, Expr::Lit(_)) {
                        **rhs = Expr::Lit(first);
                    } else {
                        **lhs = Expr::Lit(first);
                    }
                }
                _ => return Err(unknown(what, Vec::new())),
            }
            // The condition's text is what explanations and reports quote:
            // render it again from the changed IR.
            let blank = bursar_runtime::Applicant::empty(scheme);
            let text = conditions_of(scheme, ci)
                .and_then(|c| c.get(site.condition))
                .map(|c| bursar_runtime::Words::new(scheme, &blank).expr(&c.expr));
            if let (Some(text), Some(c)) = (
                text,
                conditions_of_mut(scheme, ci).and_then(|c| c.get_mut(site.condition)),
            ) {
                c.text = text;
            }
            Ok(())
        }
        _ => {
            let mut known: Vec<String> = scheme.tables.iter().map(|t| t.name.clone()).collect();
            known.extend(scheme.categories.iter().map(|c| c.name.clone()));
            known.extend([
                "application".to_string(),
                "award".to_string(),
                "timeline".to_string(),
            ]);
            if !scheme.payers.is_empty() {
                known.push("payer".to_string());
            }
            Err(unknown(first, known))
        }
    }
}

/// The conditions of category `ci`, or the requirements for `None`.
fn conditions_of(scheme: &Scheme, ci: Option<usize>) -> Option<&Vec<Condition>> {
    match ci {
        Some(ci) => scheme.categories.get(ci).map(|c| &c.conditions),
        None => Some(&scheme.requirements),
    }
}

fn conditions_of_mut(scheme: &mut Scheme, ci: Option<usize>) -> Option<&mut Vec<Condition>> {
    match ci {
        Some(ci) => scheme.categories.get_mut(ci).map(|c| &mut c.conditions),
        None => Some(&mut scheme.requirements),
    }
}

/// Where in a condition a changeable value sits.
#[derive(Clone, Debug)]
struct Site {
    condition: usize,
    /// Child indices from the condition's root (`And`: 0 left, 1 right).
    /// Operand indices through nested `and`s down to the test.
    route: Vec<usize>,
    kind: SiteKind,
    ty: Type,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SiteKind {
    Range,
    Set,
    Equals,
    /// `<`, `<=`, `>`, `>=` a written value.
    Threshold,
}

/// Finds tests of `target` (or, for `None`, of any date field by range)
/// inside the `and` chain of a condition.
fn collect_sites(
    e: &Expr,
    target: Option<u32>,
    ty: &dyn Fn(u32) -> Option<Type>,
    route: &mut Vec<usize>,
    condition: usize,
    out: &mut Vec<Site>,
) {
    if let Expr::And(items) = e {
        for (i, item) in items.iter().enumerate() {
            route.push(i);
            collect_sites(item, target, ty, route, condition, out);
            route.pop();
        }
        return;
    }
    // The field a test is about, and how it tests it. `window` (no target)
    // looks only for date ranges.
    let (field, kind) = match (e, target) {
        (Expr::InRange { expr, .. }, _) => (&**expr, SiteKind::Range),
        (Expr::InSet { expr, .. }, Some(_)) => (&**expr, SiteKind::Set),
        (Expr::Compare { op, lhs, rhs }, Some(_)) => {
            // `==` names a value; `<`, `<=`, `>`, `>=` a threshold.
            let kind = match op {
                CompareOp::Eq => SiteKind::Equals,
                CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge => {
                    SiteKind::Threshold
                }
                CompareOp::Ne => return,
            };
            match (&**lhs, &**rhs) {
                (f @ Expr::Field(_), Expr::Lit(_)) | (Expr::Lit(_), f @ Expr::Field(_)) => {
                    (f, kind)
                }
                _ => return,
            }
        }
        _ => return,
    };
    let Expr::Field(f) = field else { return };
    let matches = match target {
        Some(t) => *f == t,
        None => ty(*f) == Some(Type::Date),
    };
    if let (true, Some(t)) = (matches, ty(*f)) {
        out.push(Site {
            condition,
            route: route.clone(),
            kind,
            ty: t,
        });
    }
}

fn describe_sites(sites: &[Site]) -> String {
    if sites.is_empty() {
        return "it is not tested against a written value".into();
    }
    let ways: Vec<&str> = sites
        .iter()
        .map(|s| match s.kind {
            SiteKind::Range => "a range: use `.start` or `.end`",
            SiteKind::Set => "a set: use `.in`",
            SiteKind::Equals => "`==`: use the path without a suffix",
            SiteKind::Threshold => "a threshold (`<`, `>=`, …): use the path without a suffix",
        })
        .collect();
    format!("it is tested by {}", ways.join("; "))
}

fn node_at<'e>(e: &'e mut Expr, route: &[usize]) -> Option<&'e mut Expr> {
    match route.split_first() {
        None => Some(e),
        Some((step, rest)) => match e {
            Expr::And(items) => node_at(items.get_mut(*step)?, rest),
            Expr::Lit(..)
            | Expr::Field(..)
            | Expr::Row(..)
            | Expr::Lookup { .. }
            | Expr::Not(..)
            | Expr::Neg(..)
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
            | Expr::Any(..)
            | Expr::All { .. }
            | Expr::Aggregate { .. }
            | Expr::Round { .. }
            | Expr::Default { .. }
            | Expr::ItemDefault { .. }
            | Expr::Call { .. }
            | Expr::If { .. }
            | Expr::Match { .. } => None,
        },
    }
}

/// Whether `lo..hi` (or `lo..=hi`) holds nothing.
fn empty_range(lo: &Value, hi: &Value, inclusive: bool) -> bool {
    if inclusive {
        lo > hi
    } else {
        lo >= hi
    }
}

/// A date as a policy writes one: `2024-05-31`.
fn parse_cell_date(value: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()
}

/// An amount as a policy writes one: digits, `_` between them, at most two
/// decimals, then the scheme's currency (`元` for CNY) or nothing, or `¥`
/// before a CNY amount: `2500`, `2_500.50`, `2500 元`, `¥2500`. Anything else
/// (`2,50`, `1,2` from a TOML list, `2500 USD` for a CNY scheme, `-5`) is
/// refused rather than read as some other number.
pub fn money(value: &str, currency: &str) -> Option<Money> {
    let v = value.trim();
    let cny = currency == "CNY";
    let number = match v.strip_prefix('¥') {
        Some(rest) if cny => rest,
        Some(_) => return None,
        None => {
            let unit_at = v.find(|c: char| !(c.is_ascii_digit() || c == '_' || c == '.'));
            match unit_at {
                None => v,
                Some(i) => {
                    let (number, unit) = v.split_at(i);
                    let unit = unit.trim_start();
                    if unit == currency || (cny && unit == "元") {
                        number
                    } else {
                        return None;
                    }
                }
            }
        }
    };
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let digits_with_underscores = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_digit())
            && s.ends_with(|c: char| c.is_ascii_digit())
            && !s.contains("__")
            && s.chars().all(|c| c.is_ascii_digit() || c == '_')
    };
    let point = number.contains('.');
    if !digits_with_underscores(int)
        || (point && (frac.is_empty() || !frac.chars().all(|c| c.is_ascii_digit())))
    {
        return None;
    }
    number.replace('_', "").parse().ok()
}

fn duration(value: &str) -> Option<Duration> {
    let mut it = value.split_whitespace();
    let count: i64 = it.next()?.parse().ok().filter(|n| *n > 0)?;
    let unit = match it.next()? {
        "day" | "days" => DurationUnit::Days,
        "working_day" | "working_days" => DurationUnit::WorkingDays,
        "week" | "weeks" => DurationUnit::Weeks,
        "month" | "months" => DurationUnit::Months,
        "year" | "years" => DurationUnit::Years,
        _ => return None,
    };
    Some(Duration { count, unit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_a_policy_writes_them_and_nothing_else() {
        for (text, fen) in [
            ("2500", 250_000),
            ("2500.5", 250_050),
            ("2_500.50", 250_050),
            ("2500 元", 250_000),
            ("2500元", 250_000),
            ("¥2500", 250_000),
            ("2500 CNY", 250_000),
            ("0", 0),
        ] {
            assert_eq!(money(text, "CNY"), Some(Money(fen)), "{text}");
        }
        for text in [
            "2,50",
            "1,2",
            "-5",
            "2500.",
            ".5",
            "2500.123",
            "2500 USD",
            "_25",
            "25_",
            "2__5",
            "2500 元 元",
            "1e3",
            "",
            "¥-1",
            "92233720368547758.08",
        ] {
            assert_eq!(money(text, "CNY"), None, "{text}");
        }
        assert_eq!(money("2500 USD", "USD"), Some(Money(250_000)));
        assert_eq!(money("¥2500", "USD"), None);
        assert_eq!(money("2500 元", "USD"), None);
    }
}
