//! What a report cites of its scheme: the title and the notice's clauses,
//! which clause each category, payout table row and processing step comes
//! from, and the scheme's language. The reports built for people (HTML)
//! put each figure beside the clause it comes from; the figures themselves
//! come from the tally, never from here.

use std::collections::BTreeMap;

use bursar_runtime::ir::{RowAmount, Scheme};
use bursar_runtime::Money;

/// The scheme's words a report cites, taken once when the report is made.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Citations {
    /// The scheme's title (`2023年在职职工职业发展助推计划实施方案`).
    pub title: Option<String>,
    pub issuer: Option<String>,
    /// The notice's number (`京工办发〔2023〕9号`).
    pub document: Option<String>,
    /// `zh` for a scheme written in Chinese, `en` otherwise, as an HTML
    /// language tag (the rule `bursar doc` uses).
    pub language: &'static str,
    /// Each clause of the notice by its id (`二(一)`), with its text.
    pub clauses: BTreeMap<String, String>,
    /// Each category's clause and the clause of what it pays, by name.
    pub categories: BTreeMap<String, CategoryClauses>,
    /// Every row of a payout table of money, with the amount it pays (a
    /// row "the same as" another pays that row's amount), in the scheme's
    /// order.
    pub amounts: Vec<AmountRow>,
    /// The processing steps whose limits place a payment in its month.
    pub timeline: Vec<StepCitation>,
    /// The clause setting the application deadline.
    pub deadline: Option<String>,
}

/// Where a category comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CategoryClauses {
    pub clause: Option<String>,
    pub pay_clause: Option<String>,
}

/// A payout table row and the amount it pays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmountRow {
    pub amount: Money,
    /// `standard.level1`.
    pub row: String,
    pub label: Option<String>,
    /// The row's clause, or its table's.
    pub clause: Option<String>,
}

/// A processing step of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepCitation {
    pub name: String,
    pub label: Option<String>,
    pub clause: Option<String>,
}

impl Citations {
    /// What `scheme` lets a report cite.
    pub fn new(scheme: &Scheme) -> Citations {
        let amounts = scheme
            .tables
            .iter()
            .filter(|t| t.value.is_none())
            .flat_map(|t| {
                t.rows.iter().filter_map(move |r| {
                    row_amount(scheme, &r.amount).map(|amount| AmountRow {
                        amount,
                        row: format!("{}.{}", t.name, r.name),
                        label: r.label.clone(),
                        clause: r.clause.clone().or_else(|| t.clause.clone()),
                    })
                })
            })
            .collect();
        Citations {
            title: scheme.header.title.clone(),
            issuer: scheme.header.issuer.clone(),
            document: scheme.header.document.clone(),
            language: if scheme.is_chinese() { "zh" } else { "en" },
            clauses: scheme
                .clauses
                .iter()
                .map(|c| (c.id.clone(), c.text.clone()))
                .collect(),
            categories: scheme
                .categories
                .iter()
                .map(|c| {
                    (
                        c.name.clone(),
                        CategoryClauses {
                            clause: c.clause.clone(),
                            pay_clause: c.pay_clause.clone(),
                        },
                    )
                })
                .collect(),
            amounts,
            timeline: scheme
                .timeline
                .iter()
                .map(|s| StepCitation {
                    name: s.name.clone(),
                    label: s.label.clone(),
                    clause: s.clause.clone(),
                })
                .collect(),
            deadline: scheme
                .application
                .as_ref()
                .and_then(|a| a.deadline_clause.clone().or_else(|| a.clause.clone())),
        }
    }

    /// The payout table rows that pay exactly `amount`.
    pub fn rows_paying(&self, amount: Money) -> impl Iterator<Item = &AmountRow> {
        self.amounts.iter().filter(move |r| r.amount == amount)
    }
}

/// A money row's amount, following "the same as" links (at most one per
/// row of the scheme, so a cycle in a hand-made bundle ends).
fn row_amount(scheme: &Scheme, amount: &RowAmount) -> Option<Money> {
    let mut current = amount;
    let rows: usize = scheme.tables.iter().map(|t| t.rows.len()).sum();
    for _ in 0..=rows {
        match current {
            RowAmount::Money(m) => return Some(*m),
            RowAmount::Value(_) => return None,
            RowAmount::SameAs(r) => {
                current = &scheme
                    .tables
                    .get(r.table as usize)?
                    .rows
                    .get(r.row as usize)?
                    .amount;
            }
        }
    }
    None
}
