//! Reports as an Excel workbook (`--format xlsx -o FILE`): one sheet per
//! table, counts and money as numbers (money with a number format in the
//! scheme's currency), in the scheme's language (sheets and headings in
//! Chinese for a Chinese scheme, as on the HTML page) with its own labels,
//! and the cash flow month by month, every month included, with a chart.
//!
//! A figure too large for a spreadsheet number to hold exactly (beyond
//! 2^53, far past any budget) is written as text, exact, never rounded.

use rust_xlsxwriter::{
    Chart, ChartType, DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError,
};

use bursar_runtime::Money;

use super::{cash_flow_cases, category_counts, in_month, months, Document, Error, Renderer, Words};
use crate::attribution::Attribution;
use crate::draws::{Range, Ranges};
use crate::report::{money_text, Amount, Comparison, DiffReport, Report, Solution};
use crate::sum::Sum;

/// The xlsx renderer.
pub struct Xlsx;

impl Renderer for Xlsx {
    fn render(&self, doc: Document<'_>) -> Result<Vec<u8>, Error> {
        workbook(doc)?.save_to_buffer().map_err(failed)
    }
}

/// The workbook of a report, not yet saved: a caller may add sheets of its
/// own (a persons sheet, say) before `save_to_buffer`.
pub fn workbook(doc: Document<'_>) -> Result<Workbook, Error> {
    let sheets = match doc {
        Document::Report(r) => report(r),
        Document::Comparison(c) => comparison(c)?,
        Document::Diff(d) => diff(d)?,
        Document::Solution(s) => solution(s),
    };
    let mut book = Workbook::new();
    // INVARIANT: nothing in the file depends on when it was made: the same
    // run gives the same bytes (the creation time would be now otherwise).
    let made = ExcelDateTime::from_ymd(2000, 1, 1).map_err(failed)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&made));
    for sheet in &sheets {
        write(&mut book, sheet).map_err(failed)?;
    }
    Ok(book)
}

fn failed(e: XlsxError) -> Error {
    Error(format!("cannot write the workbook: {e}"))
}

/// One cell.
enum Cell {
    Text(String),
    /// A note under a table: left to run on over the empty cells to its
    /// right, so it does not widen its column.
    Note(String),
    Count(i128),
    Money(Money),
    /// A ratio (claims per place), to two decimals.
    Ratio(f64),
    /// A share (the odds of a place), as a percentage.
    Percent(f64),
    /// Nothing: a figure that does not apply (`-` in the text report).
    Empty,
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn count(n: u64) -> Cell {
    Cell::Count(i128::from(n))
}

/// A sheet: its rows, and a chart of some of its columns.
struct Sheet {
    name: &'static str,
    currency: String,
    rows: Vec<Vec<Cell>>,
    chart: Option<Plot>,
}

/// A chart of a sheet's table: its first row is the header, its first
/// column the categories, `series` the columns charted.
struct Plot {
    title: String,
    series: Vec<u16>,
    rows: u32,
}

impl Sheet {
    fn new(name: &'static str, currency: &str) -> Sheet {
        Sheet {
            name,
            currency: currency.to_string(),
            rows: Vec::new(),
            chart: None,
        }
    }
    fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }
    fn header(&mut self, names: &[&str]) {
        self.rows.push(names.iter().map(|n| text(n)).collect());
    }
    /// A blank row, then the lines of a note under the table.
    fn note(&mut self, lines: &[String]) {
        self.rows.push(Vec::new());
        for line in lines {
            self.rows.push(vec![Cell::Note(line.clone())]);
        }
    }
}

/// The largest integer a spreadsheet number holds exactly.
const EXACT: u64 = 1 << 53;

/// About how many columns `t` takes: a CJK character two.
fn width(t: &str) -> usize {
    t.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn write(book: &mut Workbook, sheet: &Sheet) -> Result<(), XlsxError> {
    let suffix = if sheet.currency == "CNY" {
        "元".to_string()
    } else {
        sheet.currency.clone()
    };
    let money = Format::new().set_num_format(format!("#,##0.00\" {suffix}\""));
    let ratio = Format::new().set_num_format("0.00");
    let percent = Format::new().set_num_format("0.0%");
    let bold = Format::new().set_bold();
    let ws: &mut Worksheet = book.add_worksheet();
    ws.set_name(sheet.name)?;
    let mut widths: Vec<usize> = Vec::new();
    for (r, cells) in sheet.rows.iter().enumerate() {
        let row = u32::try_from(r).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (c, cell) in cells.iter().enumerate() {
            let col = u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)?;
            let shown = match cell {
                Cell::Text(t) if r == 0 => {
                    ws.write_string_with_format(row, col, t, &bold)?;
                    width(t)
                }
                Cell::Text(t) => {
                    ws.write_string(row, col, t)?;
                    width(t)
                }
                Cell::Note(t) => {
                    ws.write_string(row, col, t)?;
                    0
                }
                Cell::Count(n) if n.unsigned_abs() <= u128::from(EXACT) => {
                    ws.write_number(row, col, *n as f64)?;
                    n.to_string().len()
                }
                Cell::Count(n) => {
                    ws.write_string(row, col, n.to_string())?;
                    n.to_string().len()
                }
                Cell::Money(m) if m.minor().unsigned_abs() <= EXACT => {
                    ws.write_number_with_format(row, col, m.minor() as f64 / 100.0, &money)?;
                    money_text(&sheet.currency, *m).chars().count() + 1
                }
                Cell::Money(m) => {
                    ws.write_string(row, col, m.to_string())?;
                    m.to_string().len()
                }
                // Never the case (a ratio over nothing is `None`), but an
                // infinity would make the file unreadable.
                Cell::Ratio(x) | Cell::Percent(x) if !x.is_finite() => 0,
                Cell::Ratio(x) => {
                    ws.write_number_with_format(row, col, *x, &ratio)?;
                    format!("{x:.2}").len()
                }
                Cell::Percent(x) => {
                    ws.write_number_with_format(row, col, *x, &percent)?;
                    format!("{:.1}%", x * 100.0).len()
                }
                Cell::Empty => 0,
            };
            if widths.len() <= c {
                widths.resize(c + 1, 0);
            }
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(shown);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        let col = u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)?;
        ws.set_column_width(col, (*w).clamp(6, 60) as f64 + 2.0)?;
    }
    // The headings stay in view as the table scrolls.
    ws.set_freeze_panes(1, 0)?;
    if let Some(plot) = &sheet.chart {
        let mut chart = Chart::new(ChartType::Column);
        chart.title().set_name(plot.title.as_str());
        for col in &plot.series {
            chart
                .add_series()
                .set_name((sheet.name, 0, *col))
                .set_categories((sheet.name, 1, 0, plot.rows, 0))
                .set_values((sheet.name, 1, *col, plot.rows, *col));
        }
        let after = u16::try_from(widths.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
        ws.insert_chart(1, after + 1, &chart)?;
    }
    Ok(())
}

/// `side`'s `what` (`base money`, `现行方案金额`).
fn of(w: Words, side: &str, what: &str) -> String {
    match (side.is_empty(), w.zh) {
        (true, _) => what.to_string(),
        (false, true) => format!("{side}{what}"),
        (false, false) => format!("{side} {what}"),
    }
}

/// Which scheme, bundle and what-ifs: the first rows of a summary.
fn source(s: &mut Sheet, w: Words, r: &Report, side: &str) {
    let name = |what: &str| Cell::Text(of(w, side, what));
    // `现行方案`, not `现行方案方案`.
    let scheme = if w.zh && !side.is_empty() {
        Cell::Text(side.to_string())
    } else {
        name(w.t("方案", "scheme"))
    };
    s.row(vec![scheme, text(&r.scheme)]);
    s.row(vec![name(w.t("规则包", "bundle")), text(&r.bundle_hash)]);
    if let Some(sc) = &r.scenario {
        s.row(vec![name(w.t("情景", "scenario")), text(sc)]);
    }
    for o in &r.overrides {
        s.row(vec![name(w.t("修改", "override")), text(o)]);
    }
    if let Some(a) = &r.assumptions {
        s.row(vec![
            name(w.t("行为假设", "assumed")),
            Cell::Text(a.describe()),
        ]);
    }
    if let Some(weight) = &r.weight {
        s.row(vec![
            name(w.t("权重列", "weight")),
            Cell::Text(format!(
                "{} ({})",
                weight.column,
                w.t(
                    "加权：每行代表该列所示人数",
                    "weighted: each row counts as that many persons"
                )
            )),
        ]);
        s.row(vec![
            name(w.t("代表人数", "persons they stand for")),
            count(weight.persons),
        ]);
    }
    for warning in &r.warnings {
        s.row(vec![
            name(w.t("警告", "warning")),
            Cell::Text(warning.to_string()),
        ]);
    }
}

/// One scheme's sheets: summary, categories, its quotas, rounds and payers
/// if it has them, amounts, reasons, cash flow, the ranges over draws if
/// the run drew, and the rows skipped or not evaluated if there are any.
fn report(r: &Report) -> Vec<Sheet> {
    let w = Words::of(r);
    let cur = r.currency.as_str();
    let mut summary = Sheet::new(w.t("概要", "summary"), cur);
    summary.header(&["", w.t("人数", "persons"), w.t("金额", "money")]);
    source(&mut summary, w, r, "");
    summary.row(vec![
        text(w.t("人口数据", "population")),
        text(&r.population.file),
    ]);
    summary.row(vec![text(w.t("读取行数", "rows read")), count(r.rows)]);
    if r.skipped_rows > 0 {
        summary.row(vec![
            text(w.t("跳过的行（数据有误）", "rows skipped (bad data)")),
            count(r.skipped_rows),
        ]);
    }
    if r.applications {
        summary.row(vec![text(w.t("已申报", "applied")), count(r.applicants)]);
    }
    summary.row(vec![
        text(w.t("获资助", "paid")),
        count(r.paid),
        Cell::Money(r.total),
    ]);
    if r.applications {
        summary.row(vec![
            text(w.t("符合条件，未申报", "eligible, did not apply")),
            count(r.eligible_not_applied),
        ]);
        summary.row(vec![
            text(w.t("符合条件，逾期申报", "eligible, applied late")),
            count(r.eligible_late),
        ]);
    }
    if r.eligible_early > 0 {
        summary.row(vec![
            text(w.t("符合条件，提前申报", "eligible, applied too early")),
            count(r.eligible_early),
        ]);
    }
    if let Some(n) = r.eligible_no_place {
        summary.row(vec![
            text(w.t("符合条件，未获名额", "eligible, no place")),
            count(n),
        ]);
    }
    if r.nothing_due > 0 {
        summary.row(vec![
            text(w.t("符合条件，应付为零", "eligible, nothing due")),
            count(r.nothing_due),
        ]);
    }
    summary.row(vec![
        text(w.t("不符合条件", "not eligible")),
        count(r.not_eligible.persons),
    ]);
    if r.errors > 0 {
        summary.row(vec![
            text(w.t("规则无法计算", "rules could not be evaluated")),
            count(r.errors),
        ]);
    }
    if let Some(p) = &r.instalments_pending {
        summary.row(vec![
            text(w.t("未到期的分期", "instalments not due yet")),
            count(p.persons),
            Cell::Money(p.total),
        ]);
    }

    let mut categories = Sheet::new(w.t("按类别", "categories"), cur);
    categories.header(&[
        w.t("类别", "category"),
        w.t("名称", "label"),
        w.t("满足条件", "qualifying"),
        w.t("有资格", "eligible"),
        w.t("获资助", "paid"),
        w.t("金额", "money"),
    ]);
    for name in &r.category_order {
        if let Some(c) = r.by_category.get(name) {
            categories.row(vec![
                text(name),
                text(c.label.as_deref().unwrap_or("")),
                count(c.qualifying),
                count(c.eligible),
                count(c.paid),
                Cell::Money(c.total),
            ]);
        }
    }
    let note: Vec<String> = category_counts(r)
        .iter()
        .map(|said| w.t(said.zh, said.en).to_string())
        .collect();
    categories.note(&note);

    let mut sheets = vec![summary, categories];
    sheets.extend(quotas(w, r));
    sheets.extend(rounds(w, r));
    sheets.extend(payers(w, r));

    let mut amounts = Sheet::new(w.t("按金额", "amounts"), cur);
    amounts.header(&[
        w.t("金额", "amount"),
        w.t("人数", "persons"),
        w.t("合计", "money"),
    ]);
    for a in &r.paid_by_amount {
        amounts.row(vec![
            Cell::Money(a.amount),
            count(a.persons),
            Cell::Money(a.total),
        ]);
    }

    let mut reasons = Sheet::new(w.t("不符合条件", "reasons"), cur);
    reasons.header(&[
        w.t("人数", "persons"),
        w.t("类别", "category"),
        w.t("条款", "clause"),
        w.t("条件", "condition"),
    ]);
    for reason in &r.not_eligible.by_reason {
        reasons.row(vec![
            count(reason.persons),
            text(
                reason
                    .category
                    .as_deref()
                    .unwrap_or(w.t("（全部）", "(all)")),
            ),
            text(reason.clause.as_deref().unwrap_or("")),
            text(&reason.condition),
        ]);
    }

    let mut flow = Sheet::new(w.t("按月资金流出", "cash flow"), cur);
    flow.header(&[
        w.t("月份", "month"),
        w.t("最晚情形", "latest case"),
        w.t("预期情形", "expected case"),
    ]);
    let all = months(&[&r.cash_flow, &r.cash_flow_expected]);
    for m in &all {
        flow.row(vec![
            text(m),
            Cell::Money(in_month(&r.cash_flow, m)),
            Cell::Money(in_month(&r.cash_flow_expected, m)),
        ]);
    }
    flow.note(&[cash_flow_cases(w, r)]);
    flow.chart = chart(
        w.t("按月资金流出", "Cash flow by month"),
        vec![1, 2],
        all.len(),
    );
    sheets.extend([amounts, reasons, flow]);
    sheets.extend(r.ranges.as_ref().map(|set| ranges(w, set, cur)));
    sheets.extend(listed(
        w.t("规则无法计算的行", "rows not evaluated"),
        w.t(
            "规则无法计算的行（前 20 行）",
            "rows the rules could not be evaluated for (first 20)",
        ),
        &r.error_rows,
        cur,
    ));
    sheets.extend(listed(
        w.t("跳过的行", "skipped rows"),
        w.t("跳过的行（前 20 行）", "skipped rows (first 20)"),
        &r.skipped,
        cur,
    ));
    sheets
}

/// `--draws N`: the range of each figure over the draws, beside its exact
/// expectation where there is one, as the text report's table.
fn ranges(w: Words, set: &Ranges, currency: &str) -> Sheet {
    let mut s = Sheet::new(w.t("抽样范围", "ranges"), currency);
    s.header(&[
        "",
        w.t("均值", "mean"),
        "p5",
        "p50",
        "p95",
        w.t("精确期望", "exact"),
    ]);
    let mut row = |name: String, r: &Range, exact: Option<Money>| {
        s.row(vec![
            Cell::Text(name),
            Cell::Money(r.mean),
            Cell::Money(r.p5),
            Cell::Money(r.p50),
            Cell::Money(r.p95),
            exact.map_or(Cell::Empty, Cell::Money),
        ]);
    };
    row(
        w.t("合计", "total").to_string(),
        &set.total,
        set.total_exact,
    );
    for (name, r, exact) in &set.categories {
        row(format!("  {name}"), r, *exact);
    }
    for (m, r) in &set.cash_flow {
        row(of(w, w.t("最晚情形", "paid by"), m), r, None);
    }
    for (m, r) in &set.cash_flow_expected {
        row(of(w, w.t("预期情形", "expected"), m), r, None);
    }
    let last = u64::from(set.draws.saturating_sub(1));
    let seeds = format!("{}..={}", set.seed, set.seed.saturating_add(last));
    let mut note = vec![if w.zh {
        format!("{} 次抽样（种子 {seeds}；百分位数按最近秩）", set.draws)
    } else {
        format!(
            "ranges over {} draws (seeds {seeds}; percentiles by nearest rank)",
            set.draws
        )
    }];
    if set.errors > 0 {
        note.push(if w.zh {
            format!(
                "{} 笔抽样支付无法确定支付日（日期超出日历），未计入",
                set.errors
            )
        } else {
            format!(
                "{} drawn payments had no payment day (a date past the calendar) and are left out",
                set.errors
            )
        });
    }
    s.note(&note);
    s
}

/// A label, or an empty cell for a thing without one.
fn label(label: Option<&str>) -> Cell {
    text(label.unwrap_or(""))
}

/// The clause a figure comes from (`§二(一)`), or nothing.
fn clause(clause: Option<&str>) -> Cell {
    match clause {
        Some(c) => Cell::Text(format!("§{c}")),
        None => Cell::Empty,
    }
}

/// A scheme's quotas, if it has any: places or money, claims, who got
/// one, and the order places go in.
fn quotas(w: Words, r: &Report) -> Option<Sheet> {
    if r.pool_order.is_empty() {
        return None;
    }
    let mut s = Sheet::new(w.t("按名额", "quotas"), &r.currency);
    s.header(&[
        w.t("名额", "quota"),
        w.t("名称", "label"),
        w.t("条款", "clause"),
        w.t("名额数", "places"),
        w.t("资金", "budget"),
        w.t("有资格", "eligible"),
        w.t("获名额", "allocated"),
        w.t("未获", "left out"),
        w.t("每名额申请数", "claims per place"),
        w.t("中签率", "odds"),
        w.t("金额", "money"),
        w.t("预期", "expected"),
        w.t("顺序", "order"),
    ]);
    for name in &r.pool_order {
        if let Some(p) = r.by_pool.get(name) {
            s.row(vec![
                text(name),
                label(p.label.as_deref()),
                clause(p.clause.as_deref()),
                p.places.map_or(Cell::Empty, count),
                p.budget.map_or(Cell::Empty, Cell::Money),
                count(p.eligible),
                count(p.allocated),
                count(p.left_out),
                p.oversubscription.map_or(Cell::Empty, Cell::Ratio),
                p.odds.map_or(Cell::Empty, Cell::Percent),
                Cell::Money(p.total),
                p.expected_total.map_or(Cell::Empty, Cell::Money),
                text(&p.order),
            ]);
        }
    }
    Some(s)
}

/// A scheme's rounds, if it has any, each with its qualifying day and
/// payment window.
fn rounds(w: Words, r: &Report) -> Option<Sheet> {
    if r.round_order.is_empty() {
        return None;
    }
    let mut s = Sheet::new(w.t("按轮次", "rounds"), &r.currency);
    s.header(&[
        w.t("轮次", "round"),
        w.t("名称", "label"),
        w.t("条款", "clause"),
        w.t("资格日", "qualifies"),
        w.t("支付起", "paid from"),
        w.t("支付止", "paid to"),
        w.t("有资格", "eligible"),
        w.t("获资助", "paid"),
        w.t("金额", "money"),
    ]);
    for name in &r.round_order {
        if let Some(round) = r.by_round.get(name) {
            s.row(vec![
                text(name),
                label(round.label.as_deref()),
                clause(round.clause.as_deref()),
                Cell::Text(round.date.to_string()),
                Cell::Text(round.paid_start.to_string()),
                Cell::Text(round.paid_end.to_string()),
                count(round.eligible),
                count(round.paid),
                Cell::Money(round.total),
            ]);
        }
    }
    Some(s)
}

/// A scheme's payers, if it has any: what each pays, on what terms.
fn payers(w: Words, r: &Report) -> Option<Sheet> {
    if r.payer_order.is_empty() {
        return None;
    }
    let mut s = Sheet::new(w.t("按支付方", "payers"), &r.currency);
    s.header(&[
        w.t("支付方", "payer"),
        w.t("名称", "label"),
        w.t("条款", "clause"),
        w.t("获资助", "paid"),
        w.t("金额", "money"),
        w.t("方式", "terms"),
    ]);
    for name in &r.payer_order {
        if let Some(p) = r.by_payer.get(name) {
            s.row(vec![
                text(name),
                label(p.label.as_deref()),
                clause(p.clause.as_deref()),
                count(p.paid),
                Cell::Money(p.total),
                p.terms.as_deref().map_or(Cell::Empty, text),
            ]);
        }
    }
    Some(s)
}

/// Rows of the population the report lists (skipped, or not evaluated),
/// if there are any, one to a row.
fn listed(name: &'static str, heading: &str, lines: &[String], currency: &str) -> Option<Sheet> {
    if lines.is_empty() {
        return None;
    }
    let mut s = Sheet::new(name, currency);
    s.header(&[heading]);
    for line in lines {
        s.row(vec![Cell::Note(line.clone())]);
    }
    Some(s)
}

/// A chart of `series` over `rows` months, if there are any.
fn chart(title: &str, series: Vec<u16>, rows: usize) -> Option<Plot> {
    let rows = u32::try_from(rows).ok().filter(|n| *n > 0)?;
    Some(Plot {
        title: title.to_string(),
        series,
        rows,
    })
}

/// `reform − base`, exact, or an error naming the figure.
fn change(base: Money, reform: Money, what: impl FnOnce() -> String) -> Result<Money, Error> {
    Sum::from(reform)
        .minus(Sum::from(base))
        .figure(what)
        .map_err(|e| Error(e.to_string()))
}

/// Two schemes' sheets: summary, categories, winners and losers, cash flow.
fn comparison(c: &Comparison) -> Result<Vec<Sheet>, Error> {
    let (b, r) = (&c.base, &c.reform);
    let w = Words::of(b);
    let (base, reform, delta) = (
        w.t("现行方案", "base"),
        w.t("改革方案", "reform"),
        w.t("变化", "change"),
    );
    let cur = b.currency.as_str();
    let mut summary = Sheet::new(w.t("概要", "summary"), cur);
    summary.header(&["", base, reform, delta]);
    source(&mut summary, w, b, base);
    source(&mut summary, w, r, reform);
    summary.row(vec![
        text(w.t("人口数据", "population")),
        text(&b.population.file),
    ]);
    summary.row(vec![
        text(w.t("读取行数", "rows read")),
        count(b.rows),
        count(r.rows),
    ]);
    summary.row(vec![
        text(w.t("获资助人数", "persons paid")),
        count(b.paid),
        count(r.paid),
        Cell::Count(i128::from(c.delta.paid)),
    ]);
    summary.row(vec![
        text(w.t("金额", "money")),
        Cell::Money(b.total),
        Cell::Money(r.total),
        Cell::Money(c.delta.total),
    ]);
    for (name, d) in c.payer_deltas() {
        let total = |rep: &Report| rep.by_payer.get(name).map_or(Money::ZERO, |p| p.total);
        summary.row(vec![
            Cell::Text(of(w, w.t("支付方", "paid by"), name)),
            Cell::Money(total(b)),
            Cell::Money(total(r)),
            Cell::Money(d.total),
        ]);
    }

    let mut categories = Sheet::new(w.t("按类别", "categories"), cur);
    let (paid, money) = (w.t("获资助", "paid"), w.t("金额", "money"));
    let headings = [
        w.t("类别", "category").to_string(),
        w.t("名称", "label").to_string(),
        of(w, base, paid),
        of(w, reform, paid),
        of(w, delta, paid),
        of(w, base, money),
        of(w, reform, money),
        of(w, delta, money),
    ];
    categories.row(headings.iter().map(|h| text(h)).collect());
    for name in &c.order {
        let Some(d) = c.delta.by_category.get(name) else {
            continue;
        };
        let (x, y) = (b.by_category.get(name), r.by_category.get(name));
        let label = x.or(y).and_then(|k| k.label.clone()).unwrap_or_default();
        categories.row(vec![
            text(name),
            Cell::Text(label),
            count(x.map_or(0, |k| k.paid)),
            count(y.map_or(0, |k| k.paid)),
            Cell::Count(i128::from(d.paid)),
            Cell::Money(x.map_or(Money::ZERO, |k| k.total)),
            Cell::Money(y.map_or(Money::ZERO, |k| k.total)),
            Cell::Money(d.total),
        ]);
    }

    // A category by its label where it has one (either scheme's).
    let named = |k: &String| {
        b.by_category
            .get(k)
            .or(r.by_category.get(k))
            .and_then(|c| c.label.clone())
            .unwrap_or_else(|| k.clone())
    };
    let wins = &c.winners_and_losers;
    let mut wl = Sheet::new(w.t("受益者与受损者", "winners and losers"), cur);
    wl.header(&["", w.t("人数", "persons"), w.t("金额", "money")]);
    let lost = |m: Money| change(m, Money::ZERO, || "a loss".to_string());
    wl.row(vec![
        text(w.t("增加", "gain")),
        count(wins.gainers.persons),
        Cell::Money(wins.gainers.amount),
    ]);
    for (k, v) in &wins.gains_by_category {
        wl.row(vec![
            Cell::Text(format!("  {} {}", w.t("其中", "under"), named(k))),
            count(v.persons),
            Cell::Money(v.amount),
        ]);
    }
    wl.row(vec![
        text(w.t("减少", "lose")),
        count(wins.losers.persons),
        Cell::Money(lost(wins.losers.amount)?),
    ]);
    for (k, v) in &wins.losses_by_category {
        wl.row(vec![
            Cell::Text(format!("  {} {}", w.t("其中", "from"), named(k))),
            count(v.persons),
            Cell::Money(lost(v.amount)?),
        ]);
    }
    wl.row(vec![
        text(w.t("金额不变", "paid the same")),
        count(wins.unchanged_paid),
    ]);
    wl.row(Vec::new());
    wl.row(vec![
        text(w.t("金额变化", "change in payment")),
        text(w.t("人数", "persons")),
    ]);
    for ch in &wins.by_change {
        wl.row(vec![Cell::Money(ch.amount), count(ch.persons)]);
    }

    let mut flow = Sheet::new(w.t("按月资金流出", "cash flow"), cur);
    let (latest, expected) = (w.t("最晚情形", "latest"), w.t("预期情形", "expected"));
    let headings = [
        w.t("月份", "month").to_string(),
        of(w, base, latest),
        of(w, base, expected),
        of(w, reform, latest),
        of(w, reform, expected),
        of(w, delta, latest),
        of(w, delta, expected),
    ];
    flow.row(headings.iter().map(|h| text(h)).collect());
    let all = months(&[
        &b.cash_flow,
        &b.cash_flow_expected,
        &r.cash_flow,
        &r.cash_flow_expected,
    ]);
    for m in &all {
        let (bl, be) = (
            in_month(&b.cash_flow, m),
            in_month(&b.cash_flow_expected, m),
        );
        let (rl, re) = (
            in_month(&r.cash_flow, m),
            in_month(&r.cash_flow_expected, m),
        );
        let what =
            |case: &'static str| move || format!("the change in the {case} cash flow of {m}");
        flow.row(vec![
            text(m),
            Cell::Money(bl),
            Cell::Money(be),
            Cell::Money(rl),
            Cell::Money(re),
            Cell::Money(change(bl, rl, what("latest"))?),
            Cell::Money(change(be, re, what("expected"))?),
        ]);
    }
    flow.chart = chart(
        w.t("按月资金流出", "Cash flow by month"),
        vec![1, 2, 3, 4],
        all.len(),
    );
    Ok(vec![summary, categories, wl, flow])
}

/// A diff with its budget: what changed, the comparison's sheets and the
/// attribution.
fn diff(d: &DiffReport) -> Result<Vec<Sheet>, Error> {
    let Some(b) = &d.budget else {
        return Err(Error(
            "a diff has figures for a spreadsheet only with `--population`".to_string(),
        ));
    };
    let w = Words::of(&b.comparison.base);
    let cur = b.comparison.base.currency.as_str();
    let mut changes = Sheet::new(w.t("变更", "changes"), cur);
    changes.header(&[w.t("变更", "what changed")]);
    for line in d.changes.text.lines().filter(|l| !l.trim().is_empty()) {
        changes.row(vec![Cell::Note(line.to_string())]);
    }
    let mut sheets = vec![changes];
    sheets.extend(comparison(&b.comparison)?);
    sheets.push(attribution(w, &b.attribution, cur));
    Ok(sheets)
}

/// Each change's share of the change in cost, and their sum.
fn attribution(w: Words, a: &Attribution, currency: &str) -> Sheet {
    let mut s = Sheet::new(w.t("变化归因", "attribution"), currency);
    s.header(&[w.t("变更", "change"), w.t("份额", "share")]);
    for share in &a.shares {
        s.row(vec![text(&share.change), Cell::Money(share.share)]);
    }
    s.row(vec![
        text(w.t("合计", "total")),
        Cell::Money(a.sum_of_shares),
    ]);
    s.row(Vec::new());
    s.row(vec![
        text(w.t("方法", "method")),
        Cell::Text(if w.zh {
            format!("{}，{} 种组合", a.method.name, a.method.variants)
        } else {
            format!("{}, {} variants", a.method.name, a.method.variants)
        }),
    ]);
    s
}

/// `solve`: the answer first, then the report's sheets at it.
fn solution(s: &Solution) -> Vec<Sheet> {
    let w = Words::of(&s.report);
    let cur = s.report.currency.as_str();
    let mut sheet = Sheet::new(w.t("求解", "solve"), cur);
    sheet.header(&["", w.t("求得值", "value"), w.t("原值", "was")]);
    let value = |a: Amount| match a {
        Amount::Money(m) => Cell::Money(m),
        Amount::Places(n) => Cell::Count(i128::from(n)),
    };
    for v in &s.values.0 {
        sheet.row(vec![text(&v.path), value(v.value), value(v.was)]);
    }
    sheet.row(vec![text(w.t("合计", "total")), Cell::Money(s.total)]);
    sheet.row(vec![text(w.t("预算", "budget")), Cell::Money(s.budget)]);
    sheet.row(vec![text(w.t("余额", "margin")), Cell::Money(s.margin)]);
    sheet.row(vec![
        text(w.t("再进一步的合计", "one step more")),
        Cell::Money(s.next.total),
    ]);
    let mut sheets = vec![sheet];
    sheets.extend(report(&s.report));
    sheets
}
