//! `bursar test`: policy test cases kept next to the policy, in TOML, like
//! OpenFisca's YAML tests or `opa test`. The format, every key and outcome,
//! and what `--coverage` counts are in docs/testing.md.
//!
//! ```toml
//! policy = "2023-career-boost.bursar"     # relative to this file
//!
//! [[case]]
//! name = "level 1, first day of the window"
//! covers = "§二(一) §三(一)"
//! applicant = { person_id = "T1", member_card = true, voc_level = 1, … }
//! outcome = "paid"
//! award = "vocational"
//! amount = 2000
//! categories = { social_work = "not_eligible" }
//! ```
//!
//! A file is read whole and checked against its policy before any case
//! runs: a misspelt key, outcome, category or clause, an amount that is not
//! exact, or expectations that contradict each other refuse the file, with
//! every problem listed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use bursar_compiler::did_you_mean;
use bursar_runtime::{
    evaluate, explain, Applicant, Bundle, Decision, Explanation, Money, Outcome, Status,
};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use crate::load::load_scheme;
use crate::Exit;

/// The keys of a test file.
const FILE_KEYS: [&str; 2] = ["policy", "case"];
/// The keys of a case.
const CASE_KEYS: [&str; 10] = [
    "name",
    "covers",
    "applicant",
    "outcome",
    "award",
    "amount",
    "awards",
    "total",
    "categories",
    "explains",
];
/// The keys of one entry of `awards`.
const AWARD_KEYS: [&str; 2] = ["category", "amount"];
/// The verdicts `categories` may expect.
const VERDICTS: [&str; 2] = ["eligible", "not_eligible"];
/// How an amount is written, for help texts.
const AMOUNT_HELP: &str = "write an amount like `2000`, `949.99` or `\"2000.00\"`";

/// Whether an outcome of this kind has awards: `Some(true)` always,
/// `Some(false)` never, `None` either (an error can come after the choice).
fn has_awards(o: Outcome) -> Option<bool> {
    match o {
        Outcome::Paid
        | Outcome::NotApplied
        | Outcome::Late
        | Outcome::Early
        | Outcome::SubjectToQuota
        | Outcome::NoPlace => Some(true),
        Outcome::NotEligible | Outcome::NothingDue => Some(false),
        Outcome::Error => None,
    }
}

/// A TOML value with every value in it spanned: messages give the line of
/// what they are about, and a float amount is read from its digits as
/// written, never from the binary float TOML makes of it.
#[derive(Debug)]
enum Node {
    /// Keys in the order written.
    Table(Vec<(String, Spanned<Node>)>),
    Array(Vec<Spanned<Node>>),
    String(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    /// A TOML date or time, as written (`2023-05-01`).
    Datetime(String),
}

impl Node {
    /// How the value is written, for messages.
    fn kind(&self) -> &'static str {
        match self {
            Node::Table(_) => "a table",
            Node::Array(_) => "a list",
            Node::String(_) => "a string",
            Node::Integer(_) => "an integer",
            Node::Float(_) => "a float",
            Node::Bool(_) => "a boolean",
            Node::Datetime(_) => "a date",
        }
    }

    /// The value as JSON, for `Applicant::from_json`; a TOML date becomes
    /// its text, as a date is written in applicant JSON.
    fn to_json(&self) -> Result<serde_json::Value, String> {
        Ok(match self {
            Node::Table(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), v.get_ref().to_json()?)))
                    .collect::<Result<_, String>>()?,
            ),
            Node::Array(items) => serde_json::Value::Array(
                items
                    .iter()
                    .map(|v| v.get_ref().to_json())
                    .collect::<Result<_, String>>()?,
            ),
            Node::String(s) | Node::Datetime(s) => serde_json::Value::String(s.clone()),
            Node::Integer(i) => serde_json::Value::from(*i),
            Node::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .ok_or_else(|| format!("`{f}` is not a number"))?,
            Node::Bool(b) => serde_json::Value::Bool(*b),
        })
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

/// The key under which the toml crate hands over a date, as a one-entry
/// table (`toml_datetime`'s private field name).
const DATETIME_KEY: &str = "$__toml_private_datetime";

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Integer(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        i64::try_from(v)
            .map(Node::Integer)
            .map_err(|_| E::custom(format!("`{v}` is too large")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == DATETIME_KEY && entries.is_empty() {
                let text: String = map.next_value()?;
                return Ok(Node::Datetime(text));
            }
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Table(entries))
    }
}

/// A case, read and checked against its policy.
struct Case {
    name: String,
    /// What the case is about: clause ids, without `§`.
    covers: Vec<String>,
    applicant: serde_json::Value,
    outcome: Outcome,
    awards: Expected,
    total: Option<Money>,
    /// Category index and whether it is expected eligible.
    categories: Vec<(usize, bool)>,
    /// Text the explanation must contain (`certificates[2]`).
    explains: Vec<String>,
}

/// What a case expects of the awards.
enum Expected {
    /// Nothing: the awards are not checked.
    Unsaid,
    /// `award` and `amount`: exactly one award, of this category and amount.
    One {
        category: Option<usize>,
        amount: Option<Money>,
    },
    /// `awards`: exactly these categories, in any order, with these amounts.
    List(Vec<(usize, Option<Money>)>),
}

/// A problem with a test file: the file refused, nothing run.
struct Problem {
    line: Option<usize>,
    /// Which case, as the message names it.
    case: Option<String>,
    message: String,
    help: Option<String>,
}

/// Reads a test file's cases against its scheme, gathering every problem.
struct Reader<'a> {
    text: &'a str,
    bundle: &'a Bundle,
    /// The `policy` value, as written, for messages.
    policy: &'a str,
    /// The case being read, as messages name it.
    case: Option<String>,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn problem(&mut self, at: Range<usize>, message: String, help: Option<String>) {
        self.problems.push(Problem {
            line: line_at(self.text, at),
            case: self.case.clone(),
            message,
            help,
        });
    }

    /// The entries of a table whose keys must be among `known`; reports the
    /// others.
    fn keys<'n>(
        &mut self,
        entries: &'n [(String, Spanned<Node>)],
        known: &[&str],
    ) -> BTreeMap<&'n str, &'n Spanned<Node>> {
        for (at, message, help) in unknown_keys(entries, known) {
            self.problem(at, message, help);
        }
        entries
            .iter()
            .filter(|(key, _)| known.contains(&key.as_str()))
            .map(|(key, value)| (key.as_str(), value))
            .collect()
    }

    fn string<'n>(&mut self, key: &str, node: &'n Spanned<Node>) -> Option<&'n str> {
        match node.get_ref() {
            Node::String(s) => Some(s),
            other => {
                self.problem(
                    node.span(),
                    format!("`{key}` must be a string, not {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    /// A category of the scheme, by name.
    fn category(&mut self, name: &str, at: Range<usize>) -> Option<usize> {
        let names = || {
            self.bundle
                .scheme
                .categories
                .iter()
                .map(|c| c.name.as_str())
        };
        if let Some(i) = names().position(|n| n == name) {
            return Some(i);
        }
        let help = did_you_mean(name, names()).or_else(|| {
            Some(format!(
                "the categories of `{}` are {}",
                self.policy,
                names()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        });
        self.problem(at, format!("unknown category `{name}`"), help);
        None
    }

    /// An expected amount, exactly as written: a string or an integer, or a
    /// float's own digits; never rounded.
    fn amount(&mut self, key: &str, node: &Spanned<Node>) -> Option<Money> {
        let written = match node.get_ref() {
            Node::String(s) => s.clone(),
            Node::Integer(i) => i.to_string(),
            Node::Float(f) => match self.text.get(node.span()) {
                // TOML lets digits be grouped with `_`.
                Some(raw) if raw.replace('_', "").parse::<f64>() == Ok(*f) => raw.to_string(),
                _ => {
                    self.problem(
                        node.span(),
                        format!("cannot read the digits of `{key}` = {f}"),
                        Some("write the amount as a string, like `\"949.99\"`".into()),
                    );
                    return None;
                }
            },
            other => {
                self.problem(
                    node.span(),
                    format!("`{key}` must be an amount, not {}", other.kind()),
                    Some(AMOUNT_HELP.into()),
                );
                return None;
            }
        };
        match exact_amount(&written) {
            Ok(m) => Some(m),
            Err((message, help)) => {
                self.problem(node.span(), message, help);
                None
            }
        }
    }

    /// Clause references, `§` and all, each checked against the clauses the
    /// policy declares.
    fn covers(&mut self, node: &Spanned<Node>) -> Vec<String> {
        let mut written = Vec::new();
        match node.get_ref() {
            Node::String(s) => written.extend(s.split_whitespace()),
            Node::Array(items) => {
                for item in items {
                    match item.get_ref() {
                        Node::String(s) => written.extend(s.split_whitespace()),
                        other => self.problem(
                            item.span(),
                            format!("`covers` lists clause references, not {}", other.kind()),
                            Some("write `covers = \"§二(一) §三(一)\"`".into()),
                        ),
                    }
                }
            }
            other => self.problem(
                node.span(),
                format!("`covers` must be clause references, not {}", other.kind()),
                Some("write `covers = \"§二(一) §三(一)\"`".into()),
            ),
        }
        let clauses = &self.bundle.scheme.clauses;
        let mut out = Vec::new();
        for reference in written {
            let declared = reference
                .strip_prefix('§')
                .filter(|id| clauses.iter().any(|c| c.id == *id));
            if let Some(id) = declared {
                out.push(id.to_string());
                continue;
            }
            let cited: Vec<String> = clauses.iter().map(|c| format!("§{}", c.id)).collect();
            let with_sign = format!("§{reference}");
            let help = if cited.contains(&with_sign) {
                Some(format!("did you mean `{with_sign}`?"))
            } else {
                did_you_mean(reference, cited.iter().map(String::as_str))
            };
            self.problem(
                node.span(),
                format!("clause `{reference}` is not declared in `{}`", self.policy),
                help,
            );
        }
        out
    }

    /// Reads case number `n` (from 1); `None` if it has problems.
    fn case(&mut self, n: usize, node: &Spanned<Node>) -> Option<Case> {
        self.case = Some(format!("case {n}"));
        let Node::Table(entries) = node.get_ref() else {
            self.problem(
                node.span(),
                format!("a case must be a table, not {}", node.get_ref().kind()),
                Some("write each case under `[[case]]`".into()),
            );
            return None;
        };
        let before = self.problems.len();
        // The name first, so that every later message names the case.
        let name = match entries.iter().find(|(k, _)| k == "name") {
            Some((_, v)) => self.string("name", v).map(str::to_string),
            None => None,
        };
        if let Some(name) = &name {
            self.case = Some(format!("case `{name}`"));
        }
        let keys = self.keys(entries, &CASE_KEYS);
        let line_of = |key: &str| keys.get(key).map_or(node.span(), |v| v.span());
        for required in ["name", "applicant", "outcome"] {
            if !keys.contains_key(required) {
                self.problem(node.span(), format!("`{required}` is missing"), None);
            }
        }
        let covers = keys
            .get("covers")
            .map(|v| self.covers(v))
            .unwrap_or_default();
        let applicant = match keys.get("applicant") {
            Some(v) => match v.get_ref() {
                Node::Table(_) => match v.get_ref().to_json() {
                    Ok(json) => Some(json),
                    Err(e) => {
                        self.problem(v.span(), format!("the applicant: {e}"), None);
                        None
                    }
                },
                other => {
                    self.problem(
                        v.span(),
                        format!("`applicant` must be a table, not {}", other.kind()),
                        Some("write `applicant = { field = value, … }`".into()),
                    );
                    None
                }
            },
            None => None,
        };
        let outcome = keys
            .get("outcome")
            .and_then(|v| Some((v, self.string("outcome", v)?)))
            .and_then(|(v, written)| {
                let found = Outcome::ALL.into_iter().find(|o| o.name() == written);
                if found.is_none() {
                    let names = Outcome::ALL.map(Outcome::name);
                    let help = did_you_mean(written, names).or_else(|| {
                        Some(format!(
                            "the outcomes are {}",
                            names.map(|n| format!("`{n}`")).join(", ")
                        ))
                    });
                    self.problem(v.span(), format!("unknown outcome `{written}`"), help);
                }
                found
            });
        let award = keys.get("award").and_then(|v| {
            let written = self.string("award", v)?;
            self.category(written, v.span())
        });
        let amount = keys.get("amount").and_then(|v| self.amount("amount", v));
        let total = keys.get("total").and_then(|v| self.amount("total", v));
        let list = keys.get("awards").map(|v| self.awards(v));
        let mut explains = Vec::new();
        if let Some(v) = keys.get("explains") {
            match v.get_ref() {
                Node::String(t) => explains.push(t.clone()),
                Node::Array(items) => {
                    for item in items {
                        match item.get_ref() {
                            Node::String(t) => explains.push(t.clone()),
                            other => self.problem(
                                item.span(),
                                format!("`explains` holds text, not {}", other.kind()),
                                Some("write `explains = [\"certificates[2]\"]`".into()),
                            ),
                        }
                    }
                }
                other => self.problem(
                    v.span(),
                    format!("`explains` holds text, not {}", other.kind()),
                    Some("write `explains = \"decided by certificates[2]\"`".into()),
                ),
            }
        }
        let mut categories = Vec::new();
        if let Some(v) = keys.get("categories") {
            if let Node::Table(entries) = v.get_ref() {
                for (name, verdict) in entries {
                    let i = self.category(name, verdict.span());
                    let verdict = match verdict.get_ref() {
                        Node::String(s) if VERDICTS.contains(&s.as_str()) => Some(s == "eligible"),
                        Node::String(s) => {
                            let help = did_you_mean(s, VERDICTS)
                                .or_else(|| Some("write `eligible` or `not_eligible`".into()));
                            self.problem(verdict.span(), format!("unknown verdict `{s}`"), help);
                            None
                        }
                        other => {
                            self.problem(
                                verdict.span(),
                                format!("a verdict must be a string, not {}", other.kind()),
                                Some("write `eligible` or `not_eligible`".into()),
                            );
                            None
                        }
                    };
                    if let (Some(i), Some(eligible)) = (i, verdict) {
                        categories.push((i, eligible));
                    }
                }
            } else {
                self.problem(
                    v.span(),
                    format!("`categories` must be a table, not {}", v.get_ref().kind()),
                    Some("write `categories = { name = \"eligible\", … }`".into()),
                );
            }
        }
        if self.problems.len() > before {
            return None;
        }
        let (Some(name), Some(applicant), Some(outcome)) = (name, applicant, outcome) else {
            return None;
        };
        let awards = match (
            keys.contains_key("award") || keys.contains_key("amount"),
            list,
        ) {
            (true, Some(_)) => {
                self.problem(
                    line_of("awards"),
                    "`award` and `amount` are the one-award form of `awards`: write one or the other"
                        .into(),
                    None,
                );
                return None;
            }
            (true, None) => Expected::One {
                category: award,
                amount,
            },
            (false, Some(Some(list))) => Expected::List(list),
            (false, Some(None)) => return None,
            (false, None) => Expected::Unsaid,
        };
        let case = Case {
            name,
            covers,
            applicant,
            outcome,
            awards,
            total,
            categories,
            explains,
        };
        self.contradictions(&case, &line_of);
        (self.problems.len() == before).then_some(case)
    }

    /// The entries of `awards`: category and, optionally, amount.
    fn awards(&mut self, node: &Spanned<Node>) -> Option<Vec<(usize, Option<Money>)>> {
        let Node::Array(items) = node.get_ref() else {
            self.problem(
                node.span(),
                format!("`awards` must be a list, not {}", node.get_ref().kind()),
                Some("write `awards = [{ category = \"a\", amount = 500 }, …]`".into()),
            );
            return None;
        };
        let before = self.problems.len();
        let mut out = Vec::new();
        for item in items {
            let Node::Table(entries) = item.get_ref() else {
                self.problem(
                    item.span(),
                    format!("an award must be a table, not {}", item.get_ref().kind()),
                    Some("write `{ category = \"a\", amount = 500 }`".into()),
                );
                continue;
            };
            let keys = self.keys(entries, &AWARD_KEYS);
            let amount = keys.get("amount").and_then(|v| self.amount("amount", v));
            match keys.get("category") {
                Some(v) => {
                    if let Some(i) = self
                        .string("category", v)
                        .and_then(|name| self.category(name, v.span()))
                    {
                        out.push((i, amount));
                    }
                }
                None => self.problem(item.span(), "an award needs `category`".into(), None),
            }
        }
        (self.problems.len() == before).then_some(out)
    }

    /// Expectations no decision can meet: such a case would only ever fail.
    fn contradictions(&mut self, case: &Case, line_of: &dyn Fn(&str) -> Range<usize>) {
        let scheme = &self.bundle.scheme;
        let name = |i: usize| scheme.categories.get(i).map_or("?", |c| c.name.as_str());
        let expected: Vec<(Option<usize>, Option<Money>)> = match &case.awards {
            Expected::Unsaid => Vec::new(),
            Expected::One { category, amount } => vec![(*category, *amount)],
            Expected::List(list) => list.iter().map(|(c, m)| (Some(*c), *m)).collect(),
        };
        let awards_key = match case.awards {
            Expected::List(_) => "awards",
            Expected::One { .. } | Expected::Unsaid => "amount",
        };
        let mut problems = Vec::new();
        if expected.iter().any(|(_, m)| *m == Some(Money::ZERO)) {
            problems.push((
                awards_key,
                "an award is never 0.00".to_string(),
                Some(
                    "a category that pays nothing gives `outcome = \"nothing_due\"` and no award"
                        .to_string(),
                ),
            ));
        }
        let outcome = case.outcome.name();
        let said = !matches!(case.awards, Expected::Unsaid);
        match has_awards(case.outcome) {
            Some(false) if !expected.is_empty() || case.total.is_some_and(|t| t != Money::ZERO) => {
                problems.push((
                    "outcome",
                    format!("a `{outcome}` case has no award"),
                    Some("leave out `award`, `amount` and `awards`, or write `total = 0`".into()),
                ));
            }
            Some(true) if (said && expected.is_empty()) || case.total == Some(Money::ZERO) => {
                problems.push((
                    "outcome",
                    format!("a `{outcome}` case has at least one award"),
                    None,
                ));
            }
            Some(_) | None => {}
        }
        let mut seen = BTreeSet::new();
        for (c, _) in &expected {
            if let Some(c) = c {
                if !seen.insert(*c) {
                    problems.push((
                        "awards",
                        format!("category `{}` is awarded twice", name(*c)),
                        None,
                    ));
                }
                if case.categories.contains(&(*c, false)) {
                    problems.push((
                        "categories",
                        format!(
                            "category `{}` is awarded, so it cannot be `not_eligible`",
                            name(*c)
                        ),
                        None,
                    ));
                }
            }
        }
        // With payers, the total is the awards and every top-up.
        if let (Some(total), true) = (case.total, scheme.payers.is_empty()) {
            let amounts: Option<Vec<Money>> = expected.iter().map(|(_, m)| *m).collect();
            if let Some(amounts) = amounts.filter(|a| !a.is_empty()) {
                let sum = amounts
                    .iter()
                    .try_fold(Money::ZERO, |sum, m| sum.checked_add(*m));
                match sum {
                    Some(sum) if sum == total => {}
                    Some(sum) => problems.push((
                        "total",
                        format!("`total` {total} is not the sum of the awards, {sum}"),
                        None,
                    )),
                    None => problems.push((
                        "total",
                        "the awards add up to more than an amount can hold".into(),
                        None,
                    )),
                }
            }
        }
        for (key, message, help) in problems {
            self.problem(line_of(key), message, help);
        }
    }
}

/// Reads an amount written in decimal, to the fen: at most two decimals
/// (more only if they are zeros), no exponent, no grouping commas, not
/// below zero. Not rounded: `0.001` is refused.
fn exact_amount(written: &str) -> Result<Money, (String, Option<String>)> {
    let digits = written.trim().replace('_', "");
    // `949.990` is 949.99 exactly; `949.991` is not.
    let digits = match digits.split_once('.') {
        Some((int, frac))
            if frac.len() > 2 && frac.get(2..).is_some_and(|z| z.bytes().all(|b| b == b'0')) =>
        {
            format!("{int}.{}", frac.get(..2).unwrap_or(frac))
        }
        _ => digits,
    };
    let money: Money = digits.parse().map_err(|e| match e {
        bursar_runtime::money::MoneyError::NotANumber => (
            format!("amount `{written}` is not written as a decimal number"),
            Some(AMOUNT_HELP.to_string()),
        ),
        bursar_runtime::money::MoneyError::TooManyDecimals => (
            format!("amount `{written}` is not a whole number of fen"),
            Some("an amount has at most two decimals, and is not rounded".to_string()),
        ),
        bursar_runtime::money::MoneyError::TooLarge => {
            (format!("amount `{written}` is too large"), None)
        }
    })?;
    if money < Money::ZERO {
        return Err((format!("amount `{written}` is below zero"), None));
    }
    Ok(money)
}

/// Finds test files: a `.tests.toml` file, a policy's sibling `NAME.tests.toml`,
/// or every `*.tests.toml` under a folder.
fn discover(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found);
            found.sort();
            out.extend(found);
        } else if p.to_string_lossy().ends_with(".bursar") {
            out.push(p.with_extension("tests.toml"));
        } else {
            out.push(p.clone());
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.to_string_lossy().ends_with(".tests.toml") {
            out.push(p);
        }
    }
}

/// The keys of a table that are not among `known`: where, the message and
/// the help.
fn unknown_keys(
    entries: &[(String, Spanned<Node>)],
    known: &[&str],
) -> Vec<(Range<usize>, String, Option<String>)> {
    entries
        .iter()
        .filter(|(key, _)| !known.contains(&key.as_str()))
        .map(|(key, value)| {
            let help = did_you_mean(key, known.iter().copied()).unwrap_or_else(|| {
                let keys: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
                format!("the keys here are {}", keys.join(", "))
            });
            (value.span(), format!("unknown key `{key}`"), Some(help))
        })
        .collect()
}

/// The line (from 1) where a span starts.
fn line_at(text: &str, span: Range<usize>) -> Option<usize> {
    text.get(..span.start)
        .map(|before| before.matches('\n').count() + 1)
}

/// Prints a refused file's problems to stderr, in the order of the file.
fn report(file: &Path, problems: &[Problem]) {
    let mut problems: Vec<&Problem> = problems.iter().collect();
    problems.sort_by_key(|p| p.line);
    for p in problems {
        let line = p.line.map(|l| format!(":{l}")).unwrap_or_default();
        let case = p
            .case
            .as_ref()
            .map(|c| format!(" {c}:"))
            .unwrap_or_default();
        eprintln!("error: {}{line}:{case} {}", file.display(), p.message);
        if let Some(help) = &p.help {
            eprintln!("  help: {help}");
        }
    }
}

/// A file's cases, or why the file is refused (its problems already
/// printed); `Err(Some(exit))` stops the run (an unreadable policy).
fn load(file: &Path) -> Result<(PathBuf, Bundle, Vec<Case>), Option<Exit>> {
    let text = crate::load::read(file).map_err(Some)?;
    let top: Node = toml::from_str(&text).map_err(|e| {
        eprintln!("error: `{}`: {e}", file.display());
        None
    })?;
    let refuse = |problems: &[Problem]| {
        report(file, problems);
        None
    };
    let Node::Table(entries) = top else {
        return Err(refuse(&[Problem {
            line: None,
            case: None,
            message: "a test file is a table".into(),
            help: None,
        }]));
    };
    let policy_written = match entries.iter().find(|(k, _)| k == "policy") {
        Some((_, v)) => match v.get_ref() {
            Node::String(s) => Ok(s.clone()),
            other => Err(Problem {
                line: line_at(&text, v.span()),
                case: None,
                message: format!("`policy` must be a string, not {}", other.kind()),
                help: Some("write `policy = \"NAME.bursar\"`".into()),
            }),
        },
        None => Err(Problem {
            line: None,
            case: None,
            message: "`policy` is missing".into(),
            help: Some("name the policy the cases are for: `policy = \"NAME.bursar\"`".into()),
        }),
    };
    let policy_written = match policy_written {
        Ok(p) => p,
        Err(problem) => {
            // Without the policy the cases cannot be checked; the file's
            // own keys can.
            let mut problems = vec![problem];
            for (at, message, help) in unknown_keys(&entries, &FILE_KEYS) {
                problems.push(Problem {
                    line: line_at(&text, at),
                    case: None,
                    message,
                    help,
                });
            }
            return Err(refuse(&problems));
        }
    };
    let policy = file
        .parent()
        .unwrap_or(Path::new("."))
        .join(&policy_written);
    let bundle = load_scheme(&policy).map_err(Some)?;
    let mut reader = Reader {
        text: &text,
        bundle: &bundle,
        policy: &policy_written,
        case: None,
        problems: Vec::new(),
    };
    let keys = reader.keys(&entries, &FILE_KEYS);
    let mut cases = Vec::new();
    match keys.get("case").map(|v| v.get_ref()) {
        Some(Node::Array(items)) => {
            for (n, item) in items.iter().enumerate() {
                if let Some(case) = reader.case(n + 1, item) {
                    cases.push(case);
                }
            }
        }
        Some(other) => {
            let kind = other.kind();
            let at = keys.get("case").map_or(0..0, |v| v.span());
            reader.problem(
                at,
                format!("`case` must be a list of tables, not {kind}"),
                Some("write each case under `[[case]]`".into()),
            );
        }
        None => {}
    }
    if !reader.problems.is_empty() {
        return Err(refuse(&reader.problems));
    }
    Ok((policy, bundle, cases))
}

/// Runs the test files found in `paths`; with `coverage`, lists each
/// policy's clauses that no passing case covers.
pub(crate) fn run(paths: &[PathBuf], coverage: bool) -> Exit {
    let files = discover(paths);
    if files.is_empty() {
        eprintln!("error: no test files found (they are named `*.tests.toml`)");
        return Exit::Usage;
    }
    let (mut passed, mut failed, mut refused) = (0usize, 0usize, 0usize);
    // Per policy, in the order first met: where it is and what is covered.
    let mut covered: Vec<(
        PathBuf,
        PathBuf,
        Vec<bursar_runtime::ir::Clause>,
        BTreeSet<String>,
    )> = Vec::new();
    // Written file by file, so that a long run shows its progress.
    let mut out = String::new();
    for file in &files {
        let (policy, bundle, cases) = match load(file) {
            Ok(loaded) => loaded,
            Err(Some(exit)) => return exit,
            Err(None) => {
                refused += 1;
                continue;
            }
        };
        let key = crate::load::canonical_key(&policy.display().to_string());
        let slot = match covered.iter().position(|(k, ..)| *k == Path::new(&key)) {
            Some(i) => i,
            None => {
                covered.push((
                    PathBuf::from(&key),
                    policy.clone(),
                    bundle.scheme.clauses.clone(),
                    BTreeSet::new(),
                ));
                covered.len() - 1
            }
        };
        out.push_str(&format!(
            "running {} cases from {} against {}\n",
            cases.len(),
            file.display(),
            policy.display()
        ));
        for case in &cases {
            match check_case(&bundle, case) {
                Ok(clauses) => {
                    passed += 1;
                    out.push_str(&format!("  ok    {}\n", case.name));
                    if let Some((.., set)) = covered.get_mut(slot) {
                        set.extend(clauses);
                        set.extend(case.covers.iter().cloned());
                    }
                }
                Err(report) => {
                    failed += 1;
                    let covers = if case.covers.is_empty() {
                        String::new()
                    } else {
                        let cited: Vec<String> =
                            case.covers.iter().map(|c| format!("§{c}")).collect();
                        format!("  ({})", cited.join(" "))
                    };
                    out.push_str(&format!("  FAIL  {}{covers}\n", case.name));
                    for line in report.lines() {
                        out.push_str(&format!("        {line}\n"));
                    }
                }
            }
        }
        if let Err(e) = crate::stdout::print(&std::mem::take(&mut out)) {
            return e;
        }
    }
    if coverage {
        for (_, policy, clauses, set) in &covered {
            let missing: Vec<_> = clauses.iter().filter(|c| !set.contains(&c.id)).collect();
            out.push_str(&format!(
                "\ncoverage of {}: {} of {} clauses covered\n",
                policy.display(),
                clauses.len() - missing.len(),
                clauses.len()
            ));
            for c in missing {
                out.push_str(&format!("  not covered: §{}  {}\n", c.id, excerpt(&c.text)));
            }
        }
    }
    let refused_text = match refused {
        0 => String::new(),
        1 => ", 1 test file refused".to_string(),
        n => format!(", {n} test files refused"),
    };
    out.push_str(&format!(
        "\nbursar: {passed} passed, {failed} failed{refused_text}\n"
    ));
    if let Err(e) = crate::stdout::print(&out) {
        return e;
    }
    if failed > 0 || refused > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

/// A clause's text, cut to a line.
fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

/// Runs one case: the clauses that decided it if it passes, else what
/// differed and the explanation.
fn check_case(bundle: &Bundle, case: &Case) -> Result<BTreeSet<String>, String> {
    let scheme = &bundle.scheme;
    let applicant = Applicant::from_json(scheme, &case.applicant).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("the case's applicant: {e}"))
            .collect();
        lines.join("\n")
    })?;
    let decision = evaluate(scheme, &applicant);
    let name = |i: usize| scheme.categories.get(i).map_or("?", |c| c.name.as_str());
    let mut problems = Vec::new();
    let actual_outcome = decision.outcome.name();
    if decision.outcome != case.outcome {
        problems.push(format!(
            "outcome: expected {}, got {actual_outcome}",
            case.outcome.name()
        ));
    }
    let actual: Vec<(usize, Money)> = decision
        .awards
        .iter()
        .map(|a| (a.category as usize, a.payout.amount))
        .collect();
    match &case.awards {
        Expected::Unsaid => {}
        Expected::One { category, amount } => {
            if actual.len() > 1 {
                let list: Vec<String> = actual
                    .iter()
                    .map(|(c, m)| format!("{} {m}", name(*c)))
                    .collect();
                problems.push(format!(
                    "awards: expected one award, got {}: {}",
                    actual.len(),
                    list.join(", ")
                ));
            } else {
                let award = actual.first();
                if let Some(expected) = category {
                    if award.map(|(c, _)| *c) != Some(*expected) {
                        problems.push(format!(
                            "award: expected {}, got {}",
                            name(*expected),
                            award.map_or("none", |(c, _)| name(*c))
                        ));
                    }
                }
                if let Some(expected) = amount {
                    if award.map(|(_, m)| *m) != Some(*expected) {
                        problems.push(format!(
                            "amount: expected {expected}, got {}",
                            award.map_or("none".to_string(), |(_, m)| m.to_string())
                        ));
                    }
                }
            }
        }
        Expected::List(expected) => {
            for (c, m) in expected {
                match (actual.iter().find(|(a, _)| a == c), m) {
                    (None, Some(m)) => {
                        problems.push(format!("award {}: expected {m}, got none", name(*c)))
                    }
                    (None, None) => {
                        problems.push(format!("award {}: expected an award, got none", name(*c)))
                    }
                    (Some((_, got)), Some(m)) if got != m => {
                        problems.push(format!("award {}: expected {m}, got {got}", name(*c)))
                    }
                    (Some(_), _) => {}
                }
            }
            for (c, got) in &actual {
                if !expected.iter().any(|(e, _)| e == c) {
                    problems.push(format!("award {}: not expected, got {got}", name(*c)));
                }
            }
        }
    }
    if let Some(total) = case.total {
        if decision.total != total {
            problems.push(format!("total: expected {total}, got {}", decision.total));
        }
    }
    for (i, eligible) in &case.categories {
        let actual = decision.categories.get(*i).is_some_and(|c| c.eligible());
        if actual != *eligible {
            let word = |e: bool| if e { "eligible" } else { "not_eligible" };
            problems.push(format!(
                "category {}: expected {}, got {}",
                name(*i),
                word(*eligible),
                word(actual)
            ));
        }
    }
    let explanation = explain(scheme, &applicant, &decision);
    let trace = explanation.to_text();
    for wanted in &case.explains {
        if !trace.contains(wanted.as_str()) {
            problems.push(format!("explanation: expected it to say `{wanted}`"));
        }
    }
    if problems.is_empty() {
        return Ok(decided(bundle, &decision, &explanation));
    }
    Err(format!(
        "{}\nexplanation:\n{}",
        problems.join("\n"),
        trace
            .lines()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    ))
}

/// The clauses a passing case covers besides its `covers`: those the
/// explanation cites for what decided the outcome (docs/testing.md).
/// - With awards (`paid`, `not_applied`, `late`, `early`) or `nothing_due`:
///   the requirements, which all held; every eligible category (its clause,
///   its conditions, its pay and the table rows the amount came from); and,
///   for an award, the award rule (and the limits of the groups of the
///   eligible categories), the application and the timeline.
/// - `not_eligible`: the requirements that failed, or else the condition of
///   each category that failed.
/// - `error`: the rules that could not be evaluated.
fn decided(bundle: &Bundle, decision: &Decision, explanation: &Explanation) -> BTreeSet<String> {
    let scheme = &bundle.scheme;
    let mut out = BTreeSet::new();
    let mut cite = |clause: &Option<String>| {
        if let Some(c) = clause {
            out.insert(c.clone());
        }
    };
    match decision.outcome {
        Outcome::Paid
        | Outcome::NotApplied
        | Outcome::Late
        | Outcome::Early
        | Outcome::NothingDue
        | Outcome::SubjectToQuota
        | Outcome::NoPlace => {
            for l in &explanation.requirements {
                cite(&l.clause);
            }
            for (c, d) in explanation.categories.iter().zip(&decision.categories) {
                if !c.eligible {
                    continue;
                }
                cite(&c.clause);
                for l in c.conditions.iter().chain(&c.pay) {
                    cite(&l.clause);
                }
                // The row the amount came from, and the rows it is "the
                // same as", as the explanation names them.
                let mut at = d.payout.and_then(|p| p.row);
                for _ in 0..8 {
                    let Some(r) = at else { break };
                    let Some(table) = scheme.tables.get(r.table as usize) else {
                        break;
                    };
                    let Some(row) = table.rows.get(r.row as usize) else {
                        break;
                    };
                    cite(&row.clause.clone().or_else(|| table.clause.clone()));
                    at = match row.amount {
                        bursar_runtime::ir::RowAmount::SameAs(next) => Some(next),
                        bursar_runtime::ir::RowAmount::Money(_)
                        | bursar_runtime::ir::RowAmount::Value(_) => None,
                    };
                }
            }
            for l in explanation
                .award
                .iter()
                .chain(&explanation.application)
                .chain(&explanation.quota)
                .chain(&explanation.schedule)
            {
                cite(&l.clause);
            }
            // A group limit is part of the award rule for a person eligible
            // for one of its categories.
            if !decision.awards.is_empty() {
                for g in &scheme.award.groups {
                    let eligible = g.categories.iter().any(|&c| {
                        decision
                            .categories
                            .get(c as usize)
                            .is_some_and(|d| d.eligible())
                    });
                    if eligible {
                        cite(&g.clause);
                    }
                }
            }
        }
        Outcome::NotEligible => {
            let failed = |l: &&bursar_runtime::Line| l.status == Status::Fail;
            let requirements: Vec<_> = explanation.requirements.iter().filter(failed).collect();
            if requirements.is_empty() {
                for c in &explanation.categories {
                    for l in c.conditions.iter().filter(failed) {
                        cite(&l.clause);
                    }
                }
            } else {
                for l in requirements {
                    cite(&l.clause);
                }
            }
        }
        Outcome::Error => {
            for l in &explanation.errors {
                cite(&l.clause);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_or_refused() {
        assert_eq!(exact_amount("949.99"), Ok(Money(94999)));
        assert_eq!(exact_amount("9_49.990"), Ok(Money(94999)));
        assert_eq!(exact_amount("2000"), Ok(Money(200000)));
        assert!(exact_amount("0.001").is_err());
        assert!(exact_amount("1e3").is_err());
        assert!(exact_amount("-1").is_err());
    }
}
