//! Reports as aligned text for a terminal: tables whose widths count CJK
//! characters as two columns.

use bursar_runtime::Money;

use super::{category_counts, Document, Error, Renderer, Said};
use crate::attribution::Attribution;
use crate::draws::{Range, Ranges};
use crate::report::{
    money_text, Amount, Comparison, DiffReport, Report, Solution, Warning, WeightInfo,
};

/// The text renderer.
pub struct Text;

impl Renderer for Text {
    fn render(&self, doc: Document<'_>) -> Result<Vec<u8>, Error> {
        let text = match doc {
            Document::Report(r) => match &r.ranges {
                None => report(r),
                Some(set) => report(r) + &ranges(set, |m| money_text(&r.currency, m)),
            },
            Document::Comparison(c) => comparison(c),
            Document::Diff(d) => diff(d),
            Document::Solution(s) => solution(s),
        };
        Ok(text.into_bytes())
    }
}

/// The report as aligned text for a terminal.
fn report(r: &Report) -> String {
    let money = |m: Money| money_text(&r.currency, m);
    let mut out = String::new();
    out.push_str(&format!("scheme      {}\n", r.scheme));
    out.push_str(&format!("bundle      {}\n", r.bundle_hash));
    if let Some(s) = &r.scenario {
        out.push_str(&format!("scenario    {s}\n"));
    }
    for o in &r.overrides {
        out.push_str(&format!("override    {o}\n"));
    }
    if let Some(a) = &r.assumptions {
        out.push_str(&format!("assumed     {}\n", a.describe()));
    }
    out.push_str(&format!(
        "population  {} ({} rows)\n",
        r.population.file, r.rows
    ));
    out.push_str(&weighted(r.weight.as_ref(), &r.warnings));
    out.push('\n');

    let mut summary = Table::new(&["", "persons", "money"]);
    summary.row(vec!["rows read".into(), count(r.rows), String::new()]);
    if let Some(w) = &r.weight {
        summary.row(vec![
            "persons they stand for".into(),
            count(w.persons),
            String::new(),
        ]);
    }
    if r.skipped_rows > 0 {
        summary.row(vec![
            "rows skipped (bad data)".into(),
            count(r.skipped_rows),
            String::new(),
        ]);
    }
    if r.applications {
        summary.row(vec!["applied".into(), count(r.applicants), String::new()]);
    }
    summary.row(vec!["paid".into(), count(r.paid), money(r.total)]);
    if r.applications {
        summary.row(vec![
            "eligible, did not apply".into(),
            count(r.eligible_not_applied),
            String::new(),
        ]);
        summary.row(vec![
            "eligible, applied late".into(),
            count(r.eligible_late),
            String::new(),
        ]);
    }
    if r.eligible_early > 0 {
        summary.row(vec![
            "eligible, applied too early".into(),
            count(r.eligible_early),
            String::new(),
        ]);
    }
    if let Some(n) = r.eligible_no_place {
        summary.row(vec!["eligible, no place".into(), count(n), String::new()]);
    }
    if r.nothing_due > 0 {
        summary.row(vec![
            "eligible, nothing due".into(),
            count(r.nothing_due),
            String::new(),
        ]);
    }
    summary.row(vec![
        "not eligible".into(),
        count(r.not_eligible.persons),
        String::new(),
    ]);
    if r.errors > 0 {
        summary.row(vec![
            "rules could not be evaluated".into(),
            count(r.errors),
            String::new(),
        ]);
    }
    out.push_str(&summary.render());

    out.push_str("\nby category\n");
    let mut cats = Table::new(&["category", "qualifying", "eligible", "paid", "money"]);
    for name in &r.category_order {
        if let Some(c) = r.by_category.get(name) {
            cats.row(vec![
                named(name, c.label.as_deref()),
                count(c.qualifying),
                count(c.eligible),
                count(c.paid),
                money(c.total),
            ]);
        }
    }
    out.push_str(&cats.render());
    out.push_str(&note(&category_counts(r)));

    if !r.pool_order.is_empty() {
        out.push_str("\nby quota (places and money given after everyone is decided)\n");
        let mut t = Table::new(&[
            "quota",
            "places or money",
            "eligible",
            "allocated",
            "left out",
            "claims/place",
            "odds",
            "money",
            "expected",
        ])
        .text_column(6);
        for name in &r.pool_order {
            if let Some(p) = r.by_pool.get(name) {
                t.row(vec![
                    named(name, p.label.as_deref()),
                    match (p.places, p.budget) {
                        (Some(n), _) => count(n),
                        (None, Some(m)) => money(m),
                        (None, None) => "-".into(),
                    },
                    count(p.eligible),
                    count(p.allocated),
                    count(p.left_out),
                    p.oversubscription
                        .map_or_else(|| "-".into(), |r| format!("{r:.2}")),
                    p.odds
                        .map_or_else(|| "-".into(), |o| format!("{:.1}%", o * 100.0)),
                    money(p.total),
                    p.expected_total.map_or_else(|| "-".into(), money),
                ]);
            }
        }
        out.push_str(&t.render());
        for name in &r.pool_order {
            if let Some(p) = r.by_pool.get(name) {
                let clause = p
                    .clause
                    .as_ref()
                    .map(|c| format!("§{c} "))
                    .unwrap_or_default();
                out.push_str(&format!("  {clause}{name}: {}\n", p.order));
            }
        }
    }

    if let Some(p) = &r.instalments_pending {
        out.push_str(&format!(
            "\ninstalments not due yet (promised, not in the total): {} persons, {}\n",
            count(p.persons),
            money(p.total)
        ));
    }

    if !r.round_order.is_empty() {
        out.push_str("\nby round (each paid in its own window)\n");
        let mut t = Table::new(&["round", "qualifies", "paid in", "eligible", "paid", "money"])
            .text_column(1)
            .text_column(2);
        for name in &r.round_order {
            if let Some(r) = r.by_round.get(name) {
                t.row(vec![
                    named(name, r.label.as_deref()),
                    r.date.to_string(),
                    format!("{} ..= {}", r.paid_start, r.paid_end),
                    count(r.eligible),
                    count(r.paid),
                    money(r.total),
                ]);
            }
        }
        out.push_str(&t.render());
    }

    if !r.payer_order.is_empty() {
        out.push_str("\nby payer (each payer's own budget)\n");
        let mut t = Table::new(&["payer", "paid", "money"]);
        for name in &r.payer_order {
            if let Some(p) = r.by_payer.get(name) {
                t.row(vec![
                    named(name, p.label.as_deref()),
                    count(p.paid),
                    money(p.total),
                ]);
            }
        }
        out.push_str(&t.render());
        for name in &r.payer_order {
            if let Some((p, terms)) = r
                .by_payer
                .get(name)
                .and_then(|p| p.terms.as_ref().map(|t| (p, t)))
            {
                let clause = p
                    .clause
                    .as_ref()
                    .map(|c| format!("§{c} "))
                    .unwrap_or_default();
                out.push_str(&format!("  {clause}{name}: {terms}\n"));
            }
        }
    }

    if !r.paid_by_amount.is_empty() {
        out.push_str("\npaid by amount\n");
        let mut t = Table::new(&["amount", "persons", "money"]);
        for a in &r.paid_by_amount {
            t.row(vec![money(a.amount), count(a.persons), money(a.total)]);
        }
        out.push_str(&t.render());
    }

    if !r.not_eligible.by_reason.is_empty() {
        out.push_str("\nnot eligible, by the condition that stopped them\n");
        let mut t = Table::new(&["persons", "category", "condition"])
            .text_column(1)
            .text_column(2);
        for r in &r.not_eligible.by_reason {
            let clause = r
                .clause
                .as_ref()
                .map(|c| format!("§{c} "))
                .unwrap_or_default();
            t.row(vec![
                count(r.persons),
                r.category.clone().unwrap_or_else(|| "(all)".into()),
                format!("{clause}{}", r.condition),
            ]);
        }
        out.push_str(&t.render());
    }

    if !r.cash_flow.is_empty() {
        let fraction = r
            .assumptions
            .as_ref()
            .map_or(crate::assume::EXPECTED_FRACTION, |a| a.timeline_fraction);
        if r.round_order.is_empty() {
            out.push_str(&format!(
                "\ncash flow by month: latest case (every step takes its full limit) and expected case (each step takes {:.0}% of its limit)\n",
                fraction * 100.0
            ));
        } else {
            out.push_str("\ncash flow by month: each round in its payment window, latest case its last day, expected case its middle day\n");
        }
        let mut t = Table::new(&["month", "latest case", "expected case"]);
        let months: std::collections::BTreeSet<&String> = r
            .cash_flow
            .keys()
            .chain(r.cash_flow_expected.keys())
            .collect();
        for m in months {
            let latest = r.cash_flow.get(m).copied().unwrap_or(Money::ZERO);
            let expected = r.cash_flow_expected.get(m).copied().unwrap_or(Money::ZERO);
            t.row(vec![m.clone(), money(latest), money(expected)]);
        }
        out.push_str(&t.render());
    }
    if !r.error_rows.is_empty() {
        out.push_str("\nrows the rules could not be evaluated for (first 20)\n");
        for s in &r.error_rows {
            out.push_str(&format!("  {s}\n"));
        }
    }
    if !r.skipped.is_empty() {
        out.push_str("\nskipped rows (first 20)\n");
        for s in &r.skipped {
            out.push_str(&format!("  {s}\n"));
        }
    }
    out
}

/// Two schemes side by side: which they are, then their figures.
fn comparison(c: &Comparison) -> String {
    let mut out = comparison_header(c);
    out.push_str(&comparison_figures(c));
    out
}

/// Which schemes are compared, over which population.
fn comparison_header(c: &Comparison) -> String {
    let (b, r) = (&c.base, &c.reform);
    let mut out = String::new();
    let describe = |rep: &Report| {
        let mut s = rep.scheme.clone();
        if let Some(sc) = &rep.scenario {
            s.push_str(&format!(" (scenario {sc})"));
        }
        for o in &rep.overrides {
            s.push_str(&format!(" [{o}]"));
        }
        s
    };
    for (side, rep) in [("base", b), ("reform", r)] {
        out.push_str(&format!(
            "{side:<12}{}  {}\n",
            describe(rep),
            rep.bundle_hash
        ));
        if let Some(a) = &rep.assumptions {
            out.push_str(&format!("            assumed {}\n", a.describe()));
        }
    }
    out.push_str(&format!(
        "population  {} ({} rows)\n",
        b.population.file, b.rows
    ));
    out.push_str(&weighted(c.weight.as_ref(), &c.warnings));
    out
}

/// The header lines of a weighted population and of the run's warnings:
/// every figure below is weighted, and what to know before trusting them.
fn weighted(weight: Option<&WeightInfo>, warnings: &[Warning]) -> String {
    let mut out = String::new();
    if let Some(w) = weight {
        let column = &w.column;
        out.push_str(&format!(
            "weight      column {column} (weighted: each row counts as {column} persons)\n"
        ));
    }
    for w in warnings {
        out.push_str(&format!("warning     {w}\n"));
    }
    out
}

/// The figures of a comparison: totals, categories and payers, winners
/// and losers. A diff's budget effect is these, under its own heading.
fn comparison_figures(c: &Comparison) -> String {
    let (b, r) = (&c.base, &c.reform);
    let money = |m: Money| money_text(&b.currency, m);
    let signed = |m: Money| signed_money(&b.currency, m);
    let mut out = String::from("\n");
    let mut t = Table::new(&["", "base", "reform", "change"]);
    if let (Some(wb), Some(wr)) = (&b.weight, &r.weight) {
        t.row(vec![
            "persons they stand for".into(),
            count(wb.persons),
            count(wr.persons),
            String::new(),
        ]);
    }
    t.row(vec![
        "persons paid".into(),
        count(b.paid),
        count(r.paid),
        signed_count(c.delta.paid),
    ]);
    t.row(vec![
        "money".into(),
        money(b.total),
        money(r.total),
        signed(c.delta.total),
    ]);
    for (name, d) in c
        .order
        .iter()
        .filter_map(|n| c.delta.by_category.get(n).map(|d| (n, d)))
    {
        let bt = b.by_category.get(name).map_or(Money::ZERO, |c| c.total);
        let rt = r.by_category.get(name).map_or(Money::ZERO, |c| c.total);
        t.row(vec![
            format!("  {name}"),
            money(bt),
            money(rt),
            signed(d.total),
        ]);
    }
    // Each payer's own budget: the scheme's share, then the payers'.
    for (name, d) in c.payer_deltas() {
        let total = |rep: &Report| rep.by_payer.get(name).map_or(Money::ZERO, |p| p.total);
        t.row(vec![
            format!("  paid by {name}"),
            money(total(b)),
            money(total(r)),
            signed(d.total),
        ]);
    }
    out.push_str(&t.render());
    let w = &c.winners_and_losers;
    out.push_str("\nwinners and losers\n");
    let mut t = Table::new(&["", "persons", "money"]);
    t.row(vec![
        "gain".into(),
        count(w.gainers.persons),
        signed(w.gainers.amount),
    ]);
    for (k, v) in &w.gains_by_category {
        t.row(vec![
            format!("  under {k}"),
            count(v.persons),
            signed(v.amount),
        ]);
    }
    // A loss is kept as the (non-negative) amount lost.
    let neg = |m: Money| {
        if m > Money::ZERO {
            format!("-{}", money(m))
        } else {
            money(m)
        }
    };
    t.row(vec![
        "lose".into(),
        count(w.losers.persons),
        neg(w.losers.amount),
    ]);
    for (k, v) in &w.losses_by_category {
        t.row(vec![format!("  from {k}"), count(v.persons), neg(v.amount)]);
    }
    t.row(vec![
        "paid the same".into(),
        count(w.unchanged_paid),
        String::new(),
    ]);
    out.push_str(&t.render());
    if !w.by_change.is_empty() {
        out.push_str("\npersons by change in payment\n");
        let mut t = Table::new(&["change", "persons"]);
        for c in &w.by_change {
            t.row(vec![signed(c.amount), count(c.persons)]);
        }
        out.push_str(&t.render());
    }
    out
}

/// Money with its sign: `+1,800.00 元`, `-200.00 元`, `0.00 元`.
fn signed_money(currency: &str, m: Money) -> String {
    if m > Money::ZERO {
        format!("+{}", money_text(currency, m))
    } else {
        money_text(currency, m)
    }
}

/// `bursar diff`: what changed; with a population, the budget effect and
/// each change's share of it; with `--witness`, an applicant per change.
fn diff(d: &DiffReport) -> String {
    let mut out = d.changes.text.clone();
    if let Some(b) = &d.budget {
        out.push_str("\nbudget effect\n");
        out.push_str(&weighted(
            b.comparison.weight.as_ref(),
            &b.comparison.warnings,
        ));
        out.push_str(&comparison_figures(&b.comparison));
        out.push_str(&attribution(&b.attribution, &b.comparison.base.currency));
    }
    if let Some(w) = &d.witnesses {
        out.push_str(&w.text);
    }
    out
}

/// Each change's share of the change in cost, and their sum.
fn attribution(a: &Attribution, currency: &str) -> String {
    let signed = |m: Money| signed_money(currency, m);
    let mut out = format!(
        "\nattribution of {} to the changes ({}, {} variants, one pass)\n",
        signed(a.delta),
        a.method.name,
        a.method.variants
    );
    let width = a
        .shares
        .iter()
        .map(|s| s.change.chars().count())
        .max()
        .unwrap_or(0);
    for s in &a.shares {
        out.push_str(&format!("  {:width$}  {:>16}\n", s.change, signed(s.share)));
    }
    out.push_str(&format!(
        "  {:width$}  {:>16}\n",
        "total",
        signed(a.sum_of_shares)
    ));
    out
}

/// `bursar solve`: the answer in words, the check one step further, then
/// the report at the answer.
fn solution(s: &Solution) -> String {
    let money = |m: Money| money_text(&s.report.currency, m);
    let value = |a: Amount| match a {
        Amount::Money(m) => money(m),
        Amount::Places(n) => format!("{n} places"),
    };
    let mut out = String::from("solve\n");
    for v in &s.values.0 {
        out.push_str(&format!(
            "  {:<28} {}  (was {})\n",
            v.path,
            value(v.value),
            value(v.was)
        ));
    }
    out.push_str(&format!("  {:<28} {}\n", "total", money(s.total)));
    out.push_str(&format!("  {:<28} {}\n", "budget", money(s.budget)));
    out.push_str(&format!("  {:<28} {}\n", "margin", money(s.margin)));
    let next: Vec<String> = s
        .next
        .values
        .0
        .iter()
        .map(|v| format!("{} {}", v.path, value(v.value)))
        .collect();
    out.push_str(&format!(
        "  checked: one step more ({}) would total {}, over the budget\n\n",
        next.join(", "),
        money(s.next.total)
    ));
    out.push_str(&report(&s.report));
    out
}

pub(crate) fn signed_count(n: i64) -> String {
    let sign = match n.signum() {
        1 => "+",
        -1 => "-",
        _ => "±",
    };
    format!("{sign}{}", count(n.unsigned_abs()))
}

pub(crate) fn count(n: u64) -> String {
    bursar_runtime::money::group_thousands(&n.to_string())
}

/// A text table: the first column left-aligned, the others right-aligned,
/// widths measured in terminal columns (CJK characters are two wide).
struct Table {
    rows: Vec<Vec<String>>,
    /// Columns (after the first) holding text, left-aligned like the first.
    text_columns: Vec<usize>,
}

impl Table {
    fn new(header: &[&str]) -> Table {
        Table {
            rows: vec![header.iter().map(|h| h.to_string()).collect()],
            text_columns: Vec::new(),
        }
    }
    fn text_column(mut self, c: usize) -> Table {
        self.text_columns.push(c);
        self
    }
    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
    fn render(&self) -> String {
        let cols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..cols)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| display_width(s))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in &self.rows {
            let mut line = String::from("  ");
            for (c, cell) in row.iter().enumerate() {
                let w = widths.get(c).copied().unwrap_or(0);
                let pad = " ".repeat(w.saturating_sub(display_width(cell)));
                if c == 0 {
                    line.push_str(cell);
                    line.push_str(&pad);
                } else if self.text_columns.contains(&c) {
                    line.push_str("  ");
                    line.push_str(cell);
                    line.push_str(&pad);
                } else {
                    line.push_str("  ");
                    line.push_str(&pad);
                    line.push_str(cell);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Terminal columns: East Asian wide characters take two.
fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// A note under a table, one line of it to each thing said, wrapped to a
/// terminal's width with the continuation indented.
fn note(lines: &[Said]) -> String {
    const WIDTH: usize = 78;
    let mut out = String::from("\n");
    for said in lines {
        let mut line = String::from(" ");
        for word in said.en.split(' ') {
            if line.len() + 1 + word.len() > WIDTH && !line.trim().is_empty() {
                out.push_str(&line);
                out.push('\n');
                line = String::from("   ");
            }
            line.push(' ');
            line.push_str(word);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The ranges as a text table, after the report.
fn ranges(r: &Ranges, money: impl Fn(Money) -> String) -> String {
    let last = u64::from(r.draws.saturating_sub(1));
    let mut rows: Vec<[String; 6]> = vec![[
        String::new(),
        "mean".into(),
        "p5".into(),
        "p50".into(),
        "p95".into(),
        "exact".into(),
    ]];
    let mut row = |name: String, range: &Range, exact: Option<Money>| {
        rows.push([
            name,
            money(range.mean),
            money(range.p5),
            money(range.p50),
            money(range.p95),
            exact.map_or_else(String::new, &money),
        ]);
    };
    row("total".into(), &r.total, r.total_exact);
    for (name, r, exact) in &r.categories {
        row(format!("  {name}"), r, *exact);
    }
    for (m, r) in &r.cash_flow {
        row(format!("paid by {m}"), r, None);
    }
    for (m, r) in &r.cash_flow_expected {
        row(format!("expected {m}"), r, None);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| {
            rows.iter()
                .map(|r| {
                    r.get(i)
                        .map_or(0, |c| unicode_width::UnicodeWidthStr::width(c.as_str()))
                })
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!(
        "\nranges over {} draws (seeds {}..={}; percentiles by nearest rank)\n",
        r.draws,
        r.seed,
        r.seed.saturating_add(last)
    );
    for row in &rows {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
            let pad = w.saturating_sub(unicode_width::UnicodeWidthStr::width(cell.as_str()));
            line.push_str("  ");
            if i == 0 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if r.errors > 0 {
        out.push_str(&format!(
            "  {} drawn payments had no payment day (a date past the calendar) and are left out\n",
            r.errors
        ));
    }
    out
}

/// A row's first cell: the name, and its label when it has one
/// (`level1 国家一级`).
fn named(name: &str, label: Option<&str>) -> String {
    match label {
        Some(l) => format!("{name} {l}"),
        None => name.to_string(),
    }
}
