//! Reports as CSV for spreadsheets: money as a plain decimal.

use bursar_runtime::Money;

use super::{in_month, months, Document, Error, Renderer};
use crate::attribution::Attribution;
use crate::draws::{Range, Ranges};
use crate::report::{
    AssumptionsInfo, Budget, CategoryReport, Comparison, DiffReport, MovementReport, Report,
    Solution,
};
use crate::sum::Sum;

/// The CSV renderer: the long table (`section,name,metric,value`, easy to
/// pivot), then, after a blank line, the cash flow as a wide table, one row
/// per month from the first to the last, months without payments included.
pub struct Csv {
    /// Start with a UTF-8 byte-order mark, without which Excel on Chinese
    /// Windows reads the file as GBK.
    pub bom: bool,
}

/// The UTF-8 byte-order mark.
const BOM: &str = "\u{FEFF}";

impl Renderer for Csv {
    fn render(&self, doc: Document<'_>) -> Result<Vec<u8>, Error> {
        let (long, wide) = match doc {
            Document::Report(r) => {
                let mut long = report(r);
                if let Some(set) = &r.ranges {
                    long.push_str(&ranges(set));
                }
                (long, report_cash_flow(r)?)
            }
            Document::Comparison(c) => (comparison(c), comparison_cash_flow(c)?),
            Document::Diff(d) => {
                let b = budget(d)?;
                let mut long = comparison(&b.comparison);
                long.push_str(&attribution(&b.attribution));
                (long, comparison_cash_flow(&b.comparison)?)
            }
            Document::Solution(s) => (solution(s), report_cash_flow(&s.report)?),
        };
        let bom = if self.bom { BOM } else { "" };
        Ok(format!("{bom}{long}\n{wide}").into_bytes())
    }
}

/// Writes rows to a string of CSV.
fn table(rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        let _ = w.write_record(r);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// `month,latest,expected`: one scheme's cash flow, every month.
fn report_cash_flow(r: &Report) -> Result<String, Error> {
    let mut rows = vec![vec!["month".into(), "latest".into(), "expected".into()]];
    for m in months(&[&r.cash_flow, &r.cash_flow_expected]) {
        rows.push(vec![
            m.clone(),
            in_month(&r.cash_flow, &m).to_string(),
            in_month(&r.cash_flow_expected, &m).to_string(),
        ]);
    }
    Ok(table(&rows))
}

/// Both schemes' cash flow and its change, every month of either.
fn comparison_cash_flow(c: &Comparison) -> Result<String, Error> {
    let (b, r) = (&c.base, &c.reform);
    let mut rows = vec![[
        "month",
        "base latest",
        "base expected",
        "reform latest",
        "reform expected",
        "change latest",
        "change expected",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect()];
    let all = [
        &b.cash_flow,
        &b.cash_flow_expected,
        &r.cash_flow,
        &r.cash_flow_expected,
    ];
    for m in months(&all) {
        let (bl, be) = (
            in_month(&b.cash_flow, &m),
            in_month(&b.cash_flow_expected, &m),
        );
        let (rl, re) = (
            in_month(&r.cash_flow, &m),
            in_month(&r.cash_flow_expected, &m),
        );
        let change = |x: Money, y: Money, case: &str| {
            Sum::from(y)
                .minus(Sum::from(x))
                .figure(|| format!("the change in the {case} cash flow of {m}"))
                .map_err(|e| Error(e.to_string()))
        };
        rows.push(vec![
            m.clone(),
            bl.to_string(),
            be.to_string(),
            rl.to_string(),
            re.to_string(),
            change(bl, rl, "latest")?.to_string(),
            change(be, re, "expected")?.to_string(),
        ]);
    }
    Ok(table(&rows))
}

fn report(r: &Report) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut row = |section: &str, name: &str, metric: &str, value: String| {
        let _ = w.write_record([section, name, metric, value.as_str()]);
    };
    row("section", "name", "metric", "value".into());
    row("source", "", "scheme", r.scheme.clone());
    row("source", "", "bundle_hash", r.bundle_hash.clone());
    row("source", "", "population", r.population.file.clone());
    if let Some(w) = &r.weight {
        // Every count and amount below is weighted by this column.
        row("source", "", "weight", w.column.clone());
    }
    for w in &r.warnings {
        row("warning", "", "warning", w.to_string());
    }
    if let Some(sc) = &r.scenario {
        row("source", "", "scenario", sc.clone());
    }
    for o in &r.overrides {
        row("source", "", "override", o.clone());
    }
    for (name, metric, value) in r.assumptions.iter().flat_map(AssumptionsInfo::rows) {
        row("assumptions", &name, metric, value);
    }
    for (metric, value) in [
        ("rows", r.rows),
        ("skipped_rows", r.skipped_rows),
        ("applicants", r.applicants),
        ("paid", r.paid),
        ("eligible_not_applied", r.eligible_not_applied),
        ("eligible_late", r.eligible_late),
        ("eligible_early", r.eligible_early),
        ("nothing_due", r.nothing_due),
        ("not_eligible", r.not_eligible.persons),
        ("errors", r.errors),
    ] {
        row("summary", "", metric, value.to_string());
    }
    if let Some(w) = &r.weight {
        row("summary", "", "persons", w.persons.to_string());
    }
    if let Some(n) = r.eligible_no_place {
        row("summary", "", "eligible_no_place", n.to_string());
    }
    row("summary", "", "total", r.total.to_string());
    if let Some(p) = &r.instalments_pending {
        row("summary", "", "instalments_pending", p.persons.to_string());
        row(
            "summary",
            "",
            "instalments_pending_total",
            p.total.to_string(),
        );
    }
    for name in &r.category_order {
        if let Some(c) = r.by_category.get(name) {
            row("category", name, "qualifying", c.qualifying.to_string());
            row("category", name, "eligible", c.eligible.to_string());
            row("category", name, "paid", c.paid.to_string());
            row("category", name, "total", c.total.to_string());
        }
    }
    for name in &r.pool_order {
        if let Some(p) = r.by_pool.get(name) {
            if let Some(n) = p.places {
                row("by_pool", name, "places", n.to_string());
            }
            if let Some(m) = p.budget {
                row("by_pool", name, "budget", m.to_string());
                row("by_pool", name, "pro_rata", p.pro_rata.to_string());
            }
            row("by_pool", name, "claimed", p.claimed.to_string());
            row("by_pool", name, "eligible", p.eligible.to_string());
            row("by_pool", name, "allocated", p.allocated.to_string());
            row("by_pool", name, "left_out", p.left_out.to_string());
            if let Some(r) = p.oversubscription {
                row("by_pool", name, "oversubscription", r.to_string());
            }
            if let Some(o) = p.odds {
                row("by_pool", name, "odds", o.to_string());
            }
            row("by_pool", name, "paid", p.paid.to_string());
            row("by_pool", name, "total", p.total.to_string());
            if let Some(e) = p.expected_total {
                row("by_pool", name, "expected_total", e.to_string());
            }
        }
    }
    for name in &r.round_order {
        if let Some(r) = r.by_round.get(name) {
            row("by_round", name, "date", r.date.to_string());
            row("by_round", name, "amount", r.amount.to_string());
            row("by_round", name, "paid_start", r.paid_start.to_string());
            row("by_round", name, "paid_end", r.paid_end.to_string());
            row("by_round", name, "eligible", r.eligible.to_string());
            row("by_round", name, "paid", r.paid.to_string());
            row("by_round", name, "total", r.total.to_string());
        }
    }
    for name in &r.payer_order {
        if let Some(p) = r.by_payer.get(name) {
            row("by_payer", name, "paid", p.paid.to_string());
            row("by_payer", name, "total", p.total.to_string());
            // As the `cash_flow` section, the payer before the month.
            for (m, v) in &p.cash_flow {
                row(
                    "payer_cash_flow",
                    &format!("{name} {m}"),
                    "latest",
                    v.to_string(),
                );
            }
            for (m, v) in &p.cash_flow_expected {
                let name = format!("{name} {m}");
                row("payer_cash_flow", &name, "expected", v.to_string());
            }
        }
    }
    for a in &r.paid_by_amount {
        row(
            "paid_by_amount",
            &a.amount.to_string(),
            "persons",
            a.persons.to_string(),
        );
    }
    for r in &r.not_eligible.by_reason {
        let name = format!(
            "{}: {}",
            r.category.as_deref().unwrap_or("(all)"),
            r.condition
        );
        row("not_eligible", &name, "persons", r.persons.to_string());
    }
    for (m, v) in &r.cash_flow {
        row("cash_flow", m, "latest", v.to_string());
    }
    for (m, v) in &r.cash_flow_expected {
        row("cash_flow", m, "expected", v.to_string());
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// One row per figure, with the base's, the reform's and the change in
/// columns, for a spreadsheet. Winners and losers are changes only.
fn comparison(c: &Comparison) -> String {
    let (b, r) = (&c.base, &c.reform);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut row = |section: &str, name: &str, metric: &str, values: [String; 3]| {
        let [base, reform, change] = values;
        let _ = w.write_record([section, name, metric, &base, &reform, &change]);
    };
    let both = |x: String, y: String| [x, y, String::new()];
    let counts = |x: u64, y: u64| {
        [
            x.to_string(),
            y.to_string(),
            (y as i64 - x as i64).to_string(),
        ]
    };
    // The change as worked out (exactly) when the comparison was made.
    let amounts =
        |x: Money, y: Money, change: Money| [x.to_string(), y.to_string(), change.to_string()];
    let change = |v: String| [String::new(), String::new(), v];
    row(
        "section",
        "name",
        "metric",
        ["base".into(), "reform".into(), "change".into()],
    );
    row(
        "source",
        "",
        "scheme",
        both(b.scheme.clone(), r.scheme.clone()),
    );
    row(
        "source",
        "",
        "bundle_hash",
        both(b.bundle_hash.clone(), r.bundle_hash.clone()),
    );
    let scenario = |rep: &Report| rep.scenario.clone().unwrap_or_default();
    row("source", "", "scenario", both(scenario(b), scenario(r)));
    row(
        "source",
        "",
        "overrides",
        both(b.overrides.join("; "), r.overrides.join("; ")),
    );
    row(
        "source",
        "",
        "population",
        both(b.population.file.clone(), r.population.file.clone()),
    );
    if let (Some(wb), Some(wr)) = (&b.weight, &r.weight) {
        row(
            "source",
            "",
            "weight",
            both(wb.column.clone(), wr.column.clone()),
        );
    }
    // Each side's warnings in its own column.
    for w in &b.warnings {
        row("warning", "", "warning", both(w.to_string(), String::new()));
    }
    for w in &r.warnings {
        row("warning", "", "warning", both(String::new(), w.to_string()));
    }
    // Assumptions side by side, empty where a side assumes nothing:
    // per-category rows first, by name, then the scheme-wide ones.
    let rows = |rep: &Report| {
        rep.assumptions
            .as_ref()
            .map(AssumptionsInfo::rows)
            .unwrap_or_default()
    };
    let (rb, rr) = (rows(b), rows(r));
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for (name, metric, _) in rb.iter().chain(&rr) {
        if !keys.contains(&(name.as_str(), *metric)) {
            keys.push((name, metric));
        }
    }
    keys.sort_by_key(|(name, _)| (name.is_empty(), *name));
    let value = |rows: &[(String, &str, String)], name: &str, metric: &str| {
        rows.iter()
            .find(|(n, m, _)| n == name && *m == metric)
            .map_or_else(String::new, |(_, _, v)| v.clone())
    };
    for (name, metric) in keys {
        row(
            "assumptions",
            name,
            metric,
            both(value(&rb, name, metric), value(&rr, name, metric)),
        );
    }
    if let (Some(wb), Some(wr)) = (&b.weight, &r.weight) {
        row("summary", "", "persons", counts(wb.persons, wr.persons));
    }
    for (metric, x, y) in [
        ("rows", b.rows, r.rows),
        ("paid", b.paid, r.paid),
        (
            "eligible_not_applied",
            b.eligible_not_applied,
            r.eligible_not_applied,
        ),
        ("eligible_late", b.eligible_late, r.eligible_late),
        (
            "not_eligible",
            b.not_eligible.persons,
            r.not_eligible.persons,
        ),
    ] {
        row("summary", "", metric, counts(x, y));
    }
    row(
        "summary",
        "",
        "total",
        amounts(b.total, r.total, c.delta.total),
    );
    let none = CategoryReport {
        label: None,
        qualifying: 0,
        eligible: 0,
        paid: 0,
        total: Money::ZERO,
    };
    for (name, d) in c.payer_deltas() {
        let figures = |rep: &Report| {
            rep.by_payer
                .get(name)
                .map_or((0, Money::ZERO), |p| (p.paid, p.total))
        };
        let ((xp, xt), (yp, yt)) = (figures(b), figures(r));
        row("by_payer", name, "paid", counts(xp, yp));
        row("by_payer", name, "total", amounts(xt, yt, d.total));
    }
    for name in &c.order {
        let x = b.by_category.get(name).unwrap_or(&none);
        let y = r.by_category.get(name).unwrap_or(&none);
        row("category", name, "eligible", counts(x.eligible, y.eligible));
        row("category", name, "paid", counts(x.paid, y.paid));
        let change = c
            .delta
            .by_category
            .get(name)
            .map_or(Money::ZERO, |d| d.total);
        row("category", name, "total", amounts(x.total, y.total, change));
    }
    let wl = &c.winners_and_losers;
    // A loss is kept as the (non-negative) amount lost, and written
    // with a minus sign.
    let movement = |m: &MovementReport, sign: i64| {
        let amount = if sign < 0 && m.amount > Money::ZERO {
            format!("-{}", m.amount)
        } else {
            m.amount.to_string()
        };
        (m.persons.to_string(), amount)
    };
    let mut moved = |section: &str, name: &str, m: &MovementReport, sign: i64| {
        let (persons, amount) = movement(m, sign);
        row(section, name, "persons", change(persons));
        row(section, name, "amount", change(amount));
    };
    moved("winners_and_losers", "gain", &wl.gainers, 1);
    for (k, v) in &wl.gains_by_category {
        moved("gains_by_category", k, v, 1);
    }
    moved("winners_and_losers", "lose", &wl.losers, -1);
    for (k, v) in &wl.losses_by_category {
        moved("losses_by_category", k, v, -1);
    }
    row(
        "winners_and_losers",
        "paid the same",
        "persons",
        change(wl.unchanged_paid.to_string()),
    );
    for c in &wl.by_change {
        row(
            "by_change",
            &c.amount.to_string(),
            "persons",
            change(c.persons.to_string()),
        );
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A diff's budget effect (the comparison's rows, then each change's share
/// in the `change` column). What changed is text, not figures: a diff
/// without a population has nothing to put in a spreadsheet.
fn budget(d: &DiffReport) -> Result<&Budget, Error> {
    d.budget.as_ref().ok_or_else(|| {
        Error("a diff has figures for a spreadsheet only with `--population`".to_string())
    })
}

/// The `attribution` rows of a diff (no header: they follow a comparison).
fn attribution(a: &Attribution) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut row = |name: &str, metric: &str, value: String| {
        let _ = w.write_record(["attribution", name, metric, "", "", value.as_str()]);
    };
    row("", "method", a.method.name.to_string());
    row("", "variants", a.method.variants.to_string());
    for s in &a.shares {
        row(&s.change, "share", s.share.to_string());
    }
    row("", "delta", a.delta.to_string());
    row("", "sum_of_shares", a.sum_of_shares.to_string());
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// `bursar solve`: the `solve` rows, then the report's rows, in one long
/// table under one header.
fn solution(s: &Solution) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut row = |name: &str, metric: &str, value: String| {
        let _ = w.write_record(["solve", name, metric, value.as_str()]);
    };
    for v in &s.values.0 {
        row(&v.path, "value", v.value.plain());
    }
    for (metric, m) in [
        ("total", s.total),
        ("budget", s.budget),
        ("margin", s.margin),
        ("next_total", s.next.total),
    ] {
        row("", metric, m.to_string());
    }
    let bytes = w.into_inner().unwrap_or_default();
    let rows = String::from_utf8(bytes).unwrap_or_default();
    let report = report(&s.report);
    // The report's own header line is the one the table starts with.
    let (header, body) = report.split_once('\n').unwrap_or((&report, ""));
    format!("{header}\n{rows}{body}")
}

/// The ranges as rows of a CSV report (`section,name,metric,value`).
fn ranges(ranges: &Ranges) -> String {
    let mut out = format!(
        "draws,,count,{}\ndraws,,seed,{}\n",
        ranges.draws, ranges.seed
    );
    let mut rows = |name: &str, r: &Range, exact: Option<Money>| {
        for (metric, v) in [
            ("mean", r.mean),
            ("p5", r.p5),
            ("p50", r.p50),
            ("p95", r.p95),
        ] {
            out.push_str(&format!("range,{name},{metric},{v}\n"));
        }
        if let Some(e) = exact {
            out.push_str(&format!("range,{name},exact,{e}\n"));
        }
    };
    rows("total", &ranges.total, ranges.total_exact);
    for (name, r, exact) in &ranges.categories {
        rows(&format!("category {name}"), r, *exact);
    }
    for (m, r) in &ranges.cash_flow {
        rows(&format!("cash_flow {m}"), r, None);
    }
    for (m, r) in &ranges.cash_flow_expected {
        rows(&format!("cash_flow_expected {m}"), r, None);
    }
    out
}
